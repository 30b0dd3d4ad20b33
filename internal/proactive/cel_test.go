package proactive_test

import (
	"strings"
	"testing"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/proactive"
)

func TestCompile(t *testing.T) {
	person := map[string]any{"age": int64(17), "citizenship": "AZE", "documents": map[string]any{}}
	event := map[string]any{"type": "age", "days": int64(40)}
	for _, c := range []struct {
		name      string
		condition string
		ok        bool // compiles
		want      bool // its value for person and event
	}{
		{"Empty", "", true, true},
		{"Comparison", "person.age < 18 && person.citizenship == 'AZE'", true, true},
		{"EventDays", "event.days <= 60", true, true},
		{"Has", "has(person.documents.passport)", true, false},
		{"NotBool", "person.age + 1", false, false},
		{"DynNotBool", "person.citizenship", false, false},
		{"UnknownVariable", "citizen.age > 18", false, false},
		{"Syntax", "person.age >", false, false},
		{"TooLong", strings.Repeat("true && ", 300) + "true", false, false},
		{"TooDeep", strings.Repeat("(", 100) + "true" + strings.Repeat(")", 100), false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := proactive.Compile(c.condition)
			if !c.ok {
				if errs.KindOf(err) != errs.Invalid || errs.As(err).Fields["condition"] == "" {
					t.Fatalf("Compile(%q) err = %v, want invalid condition", c.condition, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Compile(%q): %v", c.condition, err)
			}
			got, err := p.Eval(event, person)
			if err != nil || got != c.want {
				t.Errorf("Eval = %v, %v; want %v", got, err, c.want)
			}
		})
	}
}

func TestEvalMissingKeyIsAnError(t *testing.T) {
	p, err := proactive.Compile("person.age >= 18")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p.Eval(map[string]any{}, map[string]any{}); err == nil || got {
		t.Errorf("Eval without age = %v, %v; want an error", got, err)
	}
}

func TestEvalCostLimit(t *testing.T) {
	// Comprehensions over a long list cost more than a rule may spend.
	p, err := proactive.Compile("person.list.all(x, person.list.all(y, x + y >= 0))")
	if err != nil {
		t.Fatal(err)
	}
	list := make([]any, 1000)
	for i := range list {
		list[i] = int64(i)
	}
	if _, err := p.Eval(map[string]any{}, map[string]any{"list": list}); err == nil || !strings.Contains(err.Error(), "cost") {
		t.Errorf("Eval = %v, want the cost limit", err)
	}
}

// FuzzCompile: any condition compiles to a program or gives an Invalid
// error naming the condition; a program evaluates without panicking.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{"", "person.age >= 18", "event.days < 30 && has(person.documents)", "1 +", "'\xff'",
		"[1,2,3].all(x, x > 0)", "person.list.map(x, x * 2).size() > 3", strings.Repeat("!", 500) + "true"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := proactive.Compile(s)
		if err != nil {
			if errs.KindOf(err) != errs.Invalid || errs.As(err).Fields["condition"] == "" {
				t.Fatalf("Compile(%q) = %v, want an Invalid condition error", s, err)
			}
			return
		}
		p.Eval(map[string]any{"days": int64(3)}, map[string]any{"age": int64(30), "list": []any{int64(1)}})
	})
}
