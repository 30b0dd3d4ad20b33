package forms_test

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/lang"
)

// FuzzParse: no input makes Parse panic or fail with anything but an
// invalid-schema error, and a schema it accepts validates, cleans, pages
// and displays any answers without panicking.
func FuzzParse(f *testing.F) {
	if raw, err := os.ReadFile("../catalog/seed/catalog.json"); err == nil {
		var seed struct {
			Services []struct {
				Form json.RawMessage `json:"form"`
			} `json:"services"`
		}
		if json.Unmarshal(raw, &seed) == nil {
			for i, svc := range seed.Services {
				if len(svc.Form) > 0 && i%5 == 0 {
					f.Add([]byte(svc.Form), "050 123 45 67|yes|first")
				}
			}
		}
	}
	rich, _ := json.Marshal(richSchema(f))
	f.Add(rich, "12,50|2024-01-01|a@b.az")
	f.Add([]byte(`{"fields":[{"name":"a","type":"text","label":{"az":"a","en":"e","ru":"r"},"pattern":"(a+)+$"}]}`), "aaaa")
	f.Add([]byte(`{"fields":null}`), "")
	f.Add([]byte(`[]`), "")
	f.Fuzz(func(t *testing.T, raw []byte, values string) {
		s, err := forms.Parse(raw)
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid {
				t.Fatalf("Parse error %v is not an invalid *errs.Error", err)
			}
			return
		}
		a := forms.Answers{}
		parts := strings.Split(values, "|")
		for i, fl := range s.Fields {
			a[fl.Name] = parts[i%len(parts):]
		}
		exercise(t, s, a)
	})
}

// FuzzValidate: on a schema with every type, any answers normalise
// idempotently and validate without panicking.
func FuzzValidate(f *testing.F) {
	s := richSchema(f)
	for _, seed := range [][3]string{
		{"050 123 45 67", "12,50", "2.1.2006"},
		{"10 ab 123", "5zj 8k2l", "yes"},
		{"a@B.AZ", "\xff\x00", "a\r\r\nb"},
		{"1 000,5", "+994 50 123 45 67", "Bəli"},
		{"İ@İ.AZ", "ǅ", "-0,5"},
		{"", " ", "first"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, x, y, z string) {
		vals := []string{x, y, z}
		a := forms.Answers{"unknown": {x}}
		for i, fl := range s.Fields {
			a[fl.Name] = []string{vals[i%3]}
			if fl.Type == forms.MultipleChoice || fl.Type == forms.File {
				a[fl.Name] = vals
			}
		}
		n := s.Normalize(a)
		if nn := s.Normalize(n); !reflect.DeepEqual(n, nn) {
			t.Fatalf("Normalize is not idempotent:\n%q\n%q", n, nn)
		}
		// Validating the normalised answers says the same as validating the typed ones.
		e1, e2 := errs.As(s.Validate(a)), errs.As(s.Validate(n))
		if (e1 == nil) != (e2 == nil) || e1 != nil && !reflect.DeepEqual(e1.Fields, e2.Fields) {
			t.Fatalf("Validate(a) = %v, Validate(Normalize(a)) = %v", e1, e2)
		}
		exercise(t, s, a)
	})
}

// exercise runs everything the site does with a submission.
func exercise(t *testing.T, s *forms.Schema, a forms.Answers) {
	err := s.Validate(a)
	if err != nil {
		e := errs.As(err)
		if e.Kind != errs.Invalid {
			t.Fatalf("Validate error %v is not invalid", err)
		}
		for name, key := range e.Fields {
			if _, ok := s.Field(name); !ok || !strings.HasPrefix(key, "forms.error.") {
				t.Fatalf("error %s on %s", key, name)
			}
			if _, ok := e.FieldArgs[name]["Label"].(lang.Text); !ok {
				t.Fatalf("error on %s has no Label: %v", name, e.FieldArgs[name])
			}
		}
	}
	for _, p := range s.Pages() {
		var names []string
		for _, f := range p.Fields {
			names = append(names, f.Name)
		}
		_ = s.Validate(a, names...)
	}
	clean := s.Clean(a)
	for name := range clean {
		f, ok := s.Field(name)
		if !ok || !s.Visible(f, clean) {
			t.Fatalf("Clean kept %s", name)
		}
	}
	for _, f := range s.Fields {
		for _, l := range lang.All {
			_ = s.Display(f, a[f.Name], l)
		}
	}
}

// richSchema has every type, limits, conditions and checks.
func richSchema(t testing.TB) *forms.Schema {
	l := text("a", "e", "r")
	return mustParse(t, []forms.Field{
		{Name: "text", Type: forms.Text, Label: l, Required: true, MinLength: 2, MaxLength: 20, Pattern: `[\p{L} .-]+`},
		{Name: "note", Type: forms.Text, Label: l},
		{Name: "number", Type: forms.Number, Label: l, Min: ptr(-5), Max: ptr(1e6)},
		{Name: "date", Type: forms.Date, Label: l},
		{Name: "until", Type: forms.Date, Label: l},
		{Name: "choice", Type: forms.Choice, Label: l, Options: options("first", "lost", "yes")},
		{Name: "multi", Type: forms.MultipleChoice, Label: l, Options: options("first", "a", "b", "yes"), Min: ptr(1), Max: ptr(2)},
		{Name: "yes_no", Type: forms.YesNo, Label: l},
		{Name: "file", Type: forms.File, Label: l, ShowIf: &forms.Condition{Field: "yes_no", Equals: "yes"}},
		{Name: "fin", Type: forms.FIN, Label: l, ShowIf: &forms.Condition{Field: "choice", In: []string{"first", "yes"}}},
		{Name: "voen", Type: forms.VOEN, Label: l, ShowIf: &forms.Condition{Field: "multi", Equals: "a"}},
		{Name: "phone", Type: forms.Phone, Label: l, Page: "contact"},
		{Name: "email", Type: forms.Email, Label: l, Page: "contact"},
		{Name: "email_again", Type: forms.Email, Label: l, Page: "contact"},
		{Name: "address", Type: forms.Address, Label: l},
		{Name: "plate", Type: forms.Plate, Label: l},
		{Name: "money", Type: forms.Money, Label: l, Min: ptr(0.5), Max: ptr(1000)},
	},
		forms.Check{Rule: forms.RuleBefore, Field: "date", Other: "until"},
		forms.Check{Rule: forms.RuleNotAfterToday, Field: "date"},
		forms.Check{Rule: forms.RuleEqualsField, Field: "email_again", Other: "email"},
		forms.Check{Rule: forms.RuleRequiredOneOf, Fields: []string{"phone", "email"}},
	)
}
