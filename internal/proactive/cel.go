package proactive

import (
	"fmt"
	"strings"
	"sync"

	// cel.dev/cel-go is github.com/google/cel-go: the module path was
	// renamed to cel.dev/cel-go at v0.32, the code is the same project.
	"cel.dev/cel-go/cel"

	"github.com/egov/egov/internal/errs"
)

// Limits of a condition: how long it may be, how deeply nested, and how
// much work one evaluation may do (CEL's cost units, roughly one per
// operation), so no rule can stall the scan of a population.
const (
	conditionMaxNodes  = 500
	conditionMaxDepth  = 32
	conditionCostLimit = 10_000
)

// env declares what a condition sees: the event and the person, each a
// map of names to values (see Facts and personFacts).
var env = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("event", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("person", cel.MapType(cel.StringType, cel.DynType)),
		cel.ParserExpressionSizeLimit(maxConditionCP),
		cel.ParserRecursionLimit(conditionMaxDepth),
		cel.ExpressionNodeLimit(conditionMaxNodes),
	)
})

// Program is a compiled condition, safe for concurrent use.
type Program struct {
	source string
	prg    cel.Program // nil: always true
}

// Compile checks a condition and prepares it: it must parse, refer only to
// event and person, and be true or false. "" is always true. Errors are
// Invalid with the field "condition" and CEL's message.
func Compile(condition string) (*Program, error) {
	condition = strings.TrimSpace(condition)
	if condition == "" {
		return &Program{}, nil
	}
	if len([]rune(condition)) > maxConditionCP {
		return nil, conditionError("the condition is longer than 2000 characters")
	}
	e, err := env()
	if err != nil {
		return nil, err
	}
	ast, iss := e.Compile(condition)
	if iss != nil && iss.Err() != nil {
		return nil, conditionError(iss.Err().Error())
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return nil, conditionError("the condition must be true or false, not " + ast.OutputType().String())
	}
	prg, err := e.Program(ast, cel.CostLimit(conditionCostLimit), cel.InterruptCheckFrequency(100))
	if err != nil {
		return nil, conditionError(err.Error())
	}
	return &Program{source: condition, prg: prg}, nil
}

func conditionError(detail string) error {
	if len(detail) > 500 {
		detail = detail[:500] + "…"
	}
	return errs.E(errs.Invalid, "proactive.error.condition").
		FieldWith("condition", "proactive.error.condition", map[string]any{"Detail": detail})
}

// Eval evaluates the condition for an event and a person. An evaluation
// error (a missing key, a cost over the limit) is an error, never true.
func (p *Program) Eval(event, person map[string]any) (bool, error) {
	if p.prg == nil {
		return true, nil
	}
	out, _, err := p.prg.Eval(map[string]any{"event": event, "person": person})
	if err != nil {
		return false, fmt.Errorf("proactive: condition %q: %w", p.source, err)
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("proactive: condition %q gave %v, not a bool", p.source, out.Value())
	}
	return b, nil
}
