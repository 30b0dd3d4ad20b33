package forms_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

// messages is the site's catalogue with the form engine's messages, as
// the app builds it.
func messages(t testing.TB) *web.Messages {
	t.Helper()
	m := web.NewMessages()
	m.MustLoad(forms.Locales, "locales")
	return m
}

// render translates a field error as the web layer does: lang.Text
// arguments are put in the reader's language.
func render(m *web.Messages, l lang.Lang, key string, args map[string]any) string {
	var kv []any
	for k, v := range args {
		if t, ok := v.(lang.Text); ok {
			v = t.In(l)
		}
		kv = append(kv, k, v)
	}
	return m.T(l, key, kv...)
}

// mustParse parses a schema written as Go values.
func mustParse(t testing.TB, fields []forms.Field, checks ...forms.Check) *forms.Schema {
	t.Helper()
	raw, err := json.Marshal(forms.Schema{Fields: fields, Checks: checks})
	if err != nil {
		t.Fatal(err)
	}
	s, err := forms.Parse(raw)
	if err != nil {
		t.Fatalf("Parse(%s): %v", raw, err)
	}
	return s
}

// fieldErrors returns the field → key map of a validation error.
func fieldErrors(t testing.TB, err error) map[string]string {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		t.Fatalf("error %v is not an invalid *errs.Error", err)
	}
	return e.Fields
}

func text(az, en, ru string) lang.Text { return lang.Text{AZ: az, EN: en, RU: ru} }

func ptr(f float64) *float64 { return &f }
