package forms

import (
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
)

// runCheck applies one cross-field check. It stays quiet when a field it
// compares is hidden, unanswered or already wrong: that is reported once,
// by the field itself.
func (s *Schema) runCheck(v *errs.Validation, c Check, a Answers, shown *visibility) {
	get := func(name string) (Field, string, bool) {
		i, ok := s.position(name)
		if !ok {
			return Field{}, "", false
		}
		f := s.Fields[i]
		values := a[name]
		if !shown.of(f, len(s.Fields)) || len(values) == 0 || v.Has(name) {
			return f, "", false
		}
		return f, strings.Join(values, "\x00"), true
	}
	fail := func(f Field, key string, args map[string]any) {
		if v.Has(f.Name) {
			return
		}
		if c.Message.Complete() {
			key, args = "forms.error.custom", map[string]any{"Message": c.Message}
		}
		args["Label"] = f.Label
		v.AddWith(f.Name, key, args)
	}
	switch c.Rule {
	case RuleBefore:
		f, x, ok1 := get(c.Field)
		o, y, ok2 := get(c.Other)
		d1, ok3 := parseDate(x)
		d2, ok4 := parseDate(y)
		if ok1 && ok2 && ok3 && ok4 && !d1.Before(d2) {
			fail(f, "forms.error.before", map[string]any{"Other": o.Label})
		}
	case RuleNotAfterToday:
		f, x, ok := get(c.Field)
		today := time.Now().In(baku).Format(time.DateOnly)
		if _, valid := parseDate(x); ok && valid && x > today {
			fail(f, "forms.error.not_after_today", map[string]any{})
		}
	case RuleEqualsField:
		f, x, ok1 := get(c.Field)
		o, y, ok2 := get(c.Other)
		if ok1 && ok2 && x != y {
			fail(f, "forms.error.equals_field", map[string]any{"Other": o.Label})
		}
	case RuleRequiredOneOf:
		var asked []Field
		for _, name := range c.Fields {
			i, ok := s.position(name)
			if !ok || !shown.of(s.Fields[i], len(s.Fields)) {
				continue
			}
			if len(a[name]) > 0 {
				return
			}
			asked = append(asked, s.Fields[i])
		}
		if len(asked) > 0 {
			fail(asked[0], "forms.error.required_one_of", map[string]any{"Labels": joinLabels(asked)})
		}
	}
}

// joinLabels lists the fields' labels in every language.
func joinLabels(fields []Field) lang.Text {
	var t lang.Text
	for i, f := range fields {
		sep := ""
		if i > 0 {
			sep = ", "
		}
		t.AZ += sep + "«" + f.Label.AZ + "»"
		t.EN += sep + "“" + f.Label.EN + "”"
		t.RU += sep + "«" + f.Label.RU + "»"
	}
	return t
}
