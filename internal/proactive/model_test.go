package proactive_test

import (
	"strings"
	"testing"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/proactive"
)

const validRule = `{
  "id": "identity-card-at-18", "agency": "internal-affairs", "starts_on": "2025-01-01",
  "name": {"az": "18 yaşda vəsiqə", "en": "Card at 18", "ru": "Удостоверение в 18"},
  "reason": {"az": "18 yaşınız olur.", "en": "You turn 18.", "ru": "Вам исполняется 18."},
  "trigger": {"event": "age", "age": 18, "lead_days": 60},
  "condition": "person.citizenship == 'AZE'",
  "actions": [{"kind": "offer", "to": "person", "service": "identity-card", "accept": "apply",
    "title": {"az": "Vəsiqə alın", "en": "Get the card", "ru": "Получите удостоверение"}}]
}`

func TestParseRule(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(string) string
		field string // "" when the rule is valid
	}{
		{"Valid", func(s string) string { return s }, ""},
		{"ErrNotJSON", func(s string) string { return s[:40] }, "definition"},
		{"ErrUnknownField", func(s string) string { return strings.Replace(s, `"starts_on"`, `"start"`, 1) }, "definition"},
		{"ErrTrailing", func(s string) string { return s + "{}" }, "definition"},
		{"ErrID", func(s string) string { return strings.Replace(s, `"identity-card-at-18"`, `"Bad ID"`, 1) }, "id"},
		{"ErrStartsOn", func(s string) string { return strings.Replace(s, "2025-01-01", "01.01.2025", 1) }, "starts_on"},
		{"ErrNameIncomplete", func(s string) string {
			return strings.Replace(s, `"ru": "Удостоверение в 18"`, `"ru": ""`, 1)
		}, "name"},
		{"ErrEvent", func(s string) string { return strings.Replace(s, `"event": "age"`, `"event": "wedding"`, 1) }, "trigger"},
		{"ErrAge", func(s string) string { return strings.Replace(s, `"age": 18`, `"age": 0`, 1) }, "trigger"},
		{"ErrLead", func(s string) string { return strings.Replace(s, `"lead_days": 60`, `"lead_days": 1000`, 1) }, "trigger"},
		{"ErrActionKind", func(s string) string { return strings.Replace(s, `"kind": "offer"`, `"kind": "teleport"`, 1) }, "actions"},
		{"ErrOfferAccept", func(s string) string { return strings.Replace(s, `"accept": "apply"`, `"accept": "maybe"`, 1) }, "actions"},
		{"ErrCondition", func(s string) string {
			return strings.Replace(s, `person.citizenship == 'AZE'`, `person.citizenship`, 1)
		}, "condition"},
		{"ErrTooBig", func(s string) string { return s + strings.Repeat(" ", 40<<10) }, "definition"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _, err := proactive.ParseRule([]byte(c.edit(validRule)))
			if c.field == "" {
				if err != nil || r.ID != "identity-card-at-18" || r.Trigger.LeadDays != 60 {
					t.Fatalf("ParseRule = %+v, %v", r, err)
				}
				return
			}
			if errs.KindOf(err) != errs.Invalid || errs.As(err).Fields[c.field] == "" {
				t.Fatalf("ParseRule err = %v (fields %v), want invalid %s", err, errs.As(err).Fields, c.field)
			}
		})
	}
}

// FuzzParseRule: any input gives a rule or a clear (Invalid) error.
func FuzzParseRule(f *testing.F) {
	f.Add([]byte(validRule))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"id": "x", "condition": "1 +"}`))
	f.Add([]byte(strings.Replace(validRule, `person.citizenship == 'AZE'`, `person.age > 'a'`, 1)))
	f.Add([]byte(strings.Replace(validRule, `"age": 18`, `"age": 1e400`, 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, p, err := proactive.ParseRule(data)
		if err != nil {
			if errs.KindOf(err) != errs.Invalid || len(errs.As(err).Fields) == 0 {
				t.Fatalf("ParseRule = %v, want Invalid with a field", err)
			}
			return
		}
		if r == nil || p == nil || r.Validate() != nil {
			t.Fatalf("ParseRule gave rule %+v, program %v", r, p)
		}
	})
}
