package forms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
)

var (
	nameRE     = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	optionRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	registryRE = regexp.MustCompile(`^[a-z][a-z_]{0,30}\.[a-z][a-z0-9_]{0,40}$`)
)

// schemaError is Parse's error: the key names the problem for people, the
// detail (in English, for whoever edits the schema) says where it is.
func schemaError(format string, args ...any) error {
	detail := fmt.Sprintf(format, args...)
	return &errs.Error{Kind: errs.Invalid, Message: "forms.error.schema",
		Args: map[string]any{"Detail": detail}, Err: errors.New(detail)}
}

// Parse reads and checks a form schema. A schema comes from people editing
// the catalog, so Parse is strict: anything it accepts can be shown,
// normalised and validated without surprises.
func Parse(raw []byte) (*Schema, error) {
	if len(raw) > MaxSchemaBytes {
		return nil, schemaError("the schema is larger than %d bytes", MaxSchemaBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // a misspelt key would otherwise be silently ignored
	var s Schema
	if err := dec.Decode(&s); err != nil {
		return nil, schemaError("the schema is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, schemaError("the schema has data after its end")
	}
	if len(s.Fields) == 0 {
		return nil, schemaError("the form has no fields")
	}
	if len(s.Fields) > MaxFields {
		return nil, schemaError("the form has more than %d fields", MaxFields)
	}
	s.index = make(map[string]int, len(s.Fields))
	for i := range s.Fields {
		f := &s.Fields[i]
		if err := parseField(&s, i); err != nil {
			return nil, err
		}
		s.index[f.Name] = i
	}
	if err := checkPages(&s); err != nil {
		return nil, err
	}
	if len(s.Checks) > MaxChecks {
		return nil, schemaError("the form has more than %d checks", MaxChecks)
	}
	for i, c := range s.Checks {
		if err := parseCheck(&s, c); err != nil {
			return nil, schemaError("check %d (%q): %v", i+1, c.Rule, err)
		}
	}
	return &s, nil
}

// parseField checks field i; the fields before it are already in s.index.
func parseField(s *Schema, i int) error {
	f := &s.Fields[i]
	if !nameRE.MatchString(f.Name) {
		return schemaError("field %d: the name %q must be 1-40 lowercase Latin letters, digits or _, starting with a letter", i+1, f.Name)
	}
	where := fmt.Sprintf("field %q", f.Name)
	if _, dup := s.index[f.Name]; dup {
		return schemaError("%s: the name is used twice", where)
	}
	if !types[f.Type] {
		return schemaError("%s: unknown type %q", where, f.Type)
	}
	if !f.Label.Complete() {
		return schemaError("%s: the label must be given in az, en and ru", where)
	}
	if f.Hint != (lang.Text{}) && !f.Hint.Complete() {
		return schemaError("%s: the hint must be given in az, en and ru", where)
	}
	if f.Page != "" && !nameRE.MatchString(f.Page) {
		return schemaError("%s: the page key %q must look like a field name", where, f.Page)
	}
	if f.Registry != "" && !registryRE.MatchString(f.Registry) {
		return schemaError("%s: the registry attribute %q must look like register.attribute", where, f.Registry)
	}
	if err := parseOptions(f); err != nil {
		return schemaError("%s: %v", where, err)
	}
	if err := parseLimits(f); err != nil {
		return schemaError("%s: %v", where, err)
	}
	if f.ShowIf != nil {
		if err := parseCondition(s, f); err != nil {
			return schemaError("%s: show_if: %v", where, err)
		}
	}
	return nil
}

func parseOptions(f *Field) error {
	hasOptions := f.Type == Choice || f.Type == MultipleChoice
	if !hasOptions {
		if f.Options != nil {
			return fmt.Errorf("only choice and multiple_choice fields have options")
		}
		return nil
	}
	if len(f.Options) == 0 {
		return fmt.Errorf("a %s field needs options", f.Type)
	}
	if len(f.Options) > MaxOptions {
		return fmt.Errorf("more than %d options", MaxOptions)
	}
	seen := map[string]bool{}
	for _, o := range f.Options {
		if !optionRE.MatchString(o.Value) {
			return fmt.Errorf("the option value %q must be 1-64 Latin letters, digits, _, . or -", o.Value)
		}
		if seen[o.Value] {
			return fmt.Errorf("the option value %q is used twice", o.Value)
		}
		seen[o.Value] = true
		if !o.Label.Complete() {
			return fmt.Errorf("the label of option %q must be given in az, en and ru", o.Value)
		}
	}
	return nil
}

// parseLimits checks lengths, pattern and range, each only where it means something.
func parseLimits(f *Field) error {
	if f.MinLength != 0 || f.MaxLength != 0 || f.Pattern != "" {
		if f.Type != Text {
			return fmt.Errorf("only text fields have min_length, max_length and pattern")
		}
	}
	if f.MinLength < 0 || f.MaxLength < 0 || f.MinLength > MaxValueRunes || f.MaxLength > MaxValueRunes {
		return fmt.Errorf("min_length and max_length must be between 0 and %d", MaxValueRunes)
	}
	if f.MaxLength > 0 && f.MinLength > f.MaxLength {
		return fmt.Errorf("min_length is greater than max_length")
	}
	if f.Pattern != "" {
		if len(f.Pattern) > MaxPattern {
			return fmt.Errorf("the pattern is longer than %d characters", MaxPattern)
		}
		re, err := compilePattern(f.Pattern)
		if err != nil {
			return fmt.Errorf("the pattern does not compile: %v", err)
		}
		f.pattern = re
	}
	if f.Min == nil && f.Max == nil {
		return nil
	}
	if f.Type != Number && f.Type != Money && f.Type != MultipleChoice {
		return fmt.Errorf("only number, money and multiple_choice fields have min and max")
	}
	for _, p := range []*float64{f.Min, f.Max} {
		if p == nil {
			continue
		}
		v := *p
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e15 {
			return fmt.Errorf("min and max must be numbers no larger than 1e15")
		}
		switch f.Type {
		case Money:
			if v < 0 || math.Round(v*100) != v*100 {
				return fmt.Errorf("money min and max must be non-negative with at most 2 decimals")
			}
		case MultipleChoice:
			if v < 0 || v != math.Trunc(v) || v > float64(len(f.Options)) {
				return fmt.Errorf("min and max of a multiple_choice count options: whole numbers from 0 to %d", len(f.Options))
			}
		}
	}
	if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
		return fmt.Errorf("min is greater than max")
	}
	return nil
}

// parseCondition allows conditions only on earlier choice and yes/no
// fields, so there are no cycles and a condition cannot wait for a value
// nobody can type exactly.
func parseCondition(s *Schema, f *Field) error {
	c := f.ShowIf
	if c.Field == f.Name {
		return fmt.Errorf("a field cannot depend on itself")
	}
	j, ok := s.index[c.Field]
	if !ok {
		return fmt.Errorf("%q is not a field before this one", c.Field)
	}
	if (c.Equals == "") == (len(c.In) == 0) {
		return fmt.Errorf("give either equals or in")
	}
	if len(c.In) > MaxOptions {
		return fmt.Errorf("more than %d values in in", MaxOptions)
	}
	target := s.Fields[j]
	values := c.In
	if c.Equals != "" {
		values = []string{c.Equals}
	}
	for k, v := range values {
		if slices.Contains(values[:k], v) {
			return fmt.Errorf("the value %q is given twice", v)
		}
		switch target.Type {
		case Choice, MultipleChoice:
			if _, ok := target.option(v); !ok {
				return fmt.Errorf("%q is not an option of %q", v, c.Field)
			}
		case YesNo:
			if v != "yes" && v != "no" {
				return fmt.Errorf("a yes_no field is %q or %q, not %q", "yes", "no", v)
			}
		default:
			return fmt.Errorf("%q is a %s field; conditions depend on choice, multiple_choice and yes_no fields", c.Field, target.Type)
		}
	}
	return nil
}

// checkPages makes sure a page's fields are next to each other and a page
// key cannot be confused with a field that has a page of its own.
func checkPages(s *Schema) error {
	done := map[string]bool{}
	prev := ""
	for _, f := range s.Fields {
		if f.Page == "" {
			prev = ""
			continue
		}
		if i, ok := s.index[f.Page]; ok && s.Fields[i].Page != f.Page {
			return schemaError("field %q: the page key %q is the name of a field on another page", f.Name, f.Page)
		}
		if f.Page != prev && done[f.Page] {
			return schemaError("field %q: the fields of page %q must be next to each other", f.Name, f.Page)
		}
		done[f.Page] = true
		prev = f.Page
	}
	return nil
}

func parseCheck(s *Schema, c Check) error {
	field := func(name string, want ...Type) error {
		i, ok := s.index[name]
		if !ok {
			return fmt.Errorf("%q is not a field", name)
		}
		if len(want) > 0 && !slices.Contains(want, s.Fields[i].Type) {
			return fmt.Errorf("%q is a %s field", name, s.Fields[i].Type)
		}
		return nil
	}
	if c.Message != (lang.Text{}) && !c.Message.Complete() {
		return fmt.Errorf("the message must be given in az, en and ru")
	}
	switch c.Rule {
	case RuleBefore, RuleEqualsField:
		if c.Fields != nil {
			return fmt.Errorf("compares field and other, not fields")
		}
		if c.Field == c.Other {
			return fmt.Errorf("field and other must be different fields")
		}
		var want []Type
		if c.Rule == RuleBefore {
			want = []Type{Date}
		}
		if err := field(c.Field, want...); err != nil {
			return err
		}
		if err := field(c.Other, want...); err != nil {
			return err
		}
		if c.Rule == RuleEqualsField && s.Fields[s.index[c.Field]].Type != s.Fields[s.index[c.Other]].Type {
			return fmt.Errorf("%q and %q must be fields of the same type", c.Field, c.Other)
		}
	case RuleNotAfterToday:
		if c.Other != "" || c.Fields != nil {
			return fmt.Errorf("checks only field")
		}
		return field(c.Field, Date)
	case RuleRequiredOneOf:
		if c.Field != "" || c.Other != "" {
			return fmt.Errorf("checks fields, not field and other")
		}
		if len(c.Fields) < 2 || len(c.Fields) > MaxFields {
			return fmt.Errorf("needs at least two fields")
		}
		for k, name := range c.Fields {
			if slices.Contains(c.Fields[:k], name) {
				return fmt.Errorf("%q is given twice", name)
			}
			if err := field(name); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("unknown rule %q", c.Rule)
	}
	return nil
}
