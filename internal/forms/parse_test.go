package forms_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/forms"
)

const lbl = `{"az":"a","en":"e","ru":"r"}`

// schemaOf wraps field JSON objects into a schema.
func schemaOf(fields ...string) string {
	return `{"fields":[` + strings.Join(fields, ",") + `]}`
}

func TestParseRejects(t *testing.T) {
	text := `{"name":"a","type":"text","label":` + lbl + `}`
	choice := `{"name":"c","type":"choice","label":` + lbl + `,"options":[{"value":"x","label":` + lbl + `},{"value":"y","label":` + lbl + `}]}`
	for name, raw := range map[string]string{
		"not JSON":                   `{"fields":`,
		"trailing data":              schemaOf(text) + `{}`,
		"unknown key":                schemaOf(`{"name":"a","type":"text","label":` + lbl + `,"requried":true}`),
		"no fields":                  `{"fields":[]}`,
		"null":                       `null`,
		"unknown type":               schemaOf(`{"name":"a","type":"colour","label":` + lbl + `}`),
		"empty name":                 schemaOf(`{"name":"","type":"text","label":` + lbl + `}`),
		"upper-case name":            schemaOf(`{"name":"Name","type":"text","label":` + lbl + `}`),
		"name too long":              schemaOf(`{"name":"` + strings.Repeat("a", 41) + `","type":"text","label":` + lbl + `}`),
		"duplicate name":             schemaOf(text, text),
		"label missing a language":   schemaOf(`{"name":"a","type":"text","label":{"az":"a","en":"e"}}`),
		"hint missing a language":    schemaOf(`{"name":"a","type":"text","label":` + lbl + `,"hint":{"az":"a"}}`),
		"choice without options":     schemaOf(`{"name":"c","type":"choice","label":` + lbl + `}`),
		"options on text":            schemaOf(`{"name":"a","type":"text","label":` + lbl + `,"options":[{"value":"x","label":` + lbl + `}]}`),
		"duplicate option":           schemaOf(`{"name":"c","type":"choice","label":` + lbl + `,"options":[{"value":"x","label":` + lbl + `},{"value":"x","label":` + lbl + `}]}`),
		"bad option value":           schemaOf(`{"name":"c","type":"choice","label":` + lbl + `,"options":[{"value":"a b","label":` + lbl + `}]}`),
		"option label incomplete":    schemaOf(`{"name":"c","type":"choice","label":` + lbl + `,"options":[{"value":"x","label":{"az":"a"}}]}`),
		"bad regexp":                 schemaOf(`{"name":"a","type":"text","label":` + lbl + `,"pattern":"[a-"}`),
		"pattern too long":           schemaOf(`{"name":"a","type":"text","label":` + lbl + `,"pattern":"` + strings.Repeat("a", 201) + `"}`),
		"pattern on a date":          schemaOf(`{"name":"a","type":"date","label":` + lbl + `,"pattern":"x"}`),
		"min above max":              schemaOf(`{"name":"a","type":"number","label":` + lbl + `,"min":5,"max":1}`),
		"min on text":                schemaOf(`{"name":"a","type":"text","label":` + lbl + `,"min":5}`),
		"min_length above max":       schemaOf(`{"name":"a","type":"text","label":` + lbl + `,"min_length":5,"max_length":1}`),
		"negative max_length":        schemaOf(`{"name":"a","type":"text","label":` + lbl + `,"max_length":-1}`),
		"negative money":             schemaOf(`{"name":"a","type":"money","label":` + lbl + `,"min":-1}`),
		"money of three decimals":    schemaOf(`{"name":"a","type":"money","label":` + lbl + `,"max":1.005}`),
		"choice count above options": schemaOf(`{"name":"c","type":"multiple_choice","label":` + lbl + `,"options":[{"value":"x","label":` + lbl + `}],"max":2}`),
		"bad registry":               schemaOf(`{"name":"a","type":"text","label":` + lbl + `,"registry":"population"}`),
		"show_if itself":             schemaOf(`{"name":"a","type":"yes_no","label":` + lbl + `,"show_if":{"field":"a","equals":"yes"}}`),
		"show_if unknown":            schemaOf(`{"name":"a","type":"text","label":` + lbl + `,"show_if":{"field":"zz","equals":"yes"}}`),
		"show_if later field":        schemaOf(`{"name":"a","type":"text","label":`+lbl+`,"show_if":{"field":"b","equals":"yes"}}`, `{"name":"b","type":"yes_no","label":`+lbl+`}`),
		"show_if unknown option":     schemaOf(choice, `{"name":"a","type":"text","label":`+lbl+`,"show_if":{"field":"c","equals":"z"}}`),
		"show_if on free text":       schemaOf(text, `{"name":"b","type":"text","label":`+lbl+`,"show_if":{"field":"a","equals":"x"}}`),
		"show_if equals and in":      schemaOf(choice, `{"name":"a","type":"text","label":`+lbl+`,"show_if":{"field":"c","equals":"x","in":["y"]}}`),
		"show_if neither":            schemaOf(choice, `{"name":"a","type":"text","label":`+lbl+`,"show_if":{"field":"c"}}`),
		"show_if yes_no value":       schemaOf(`{"name":"y","type":"yes_no","label":`+lbl+`}`, `{"name":"a","type":"text","label":`+lbl+`,"show_if":{"field":"y","equals":"true"}}`),
		"page apart":                 schemaOf(`{"name":"a","type":"text","label":`+lbl+`,"page":"p"}`, `{"name":"b","type":"text","label":`+lbl+`}`, `{"name":"c","type":"text","label":`+lbl+`,"page":"p"}`),
		"page named like a field":    schemaOf(`{"name":"a","type":"text","label":`+lbl+`}`, `{"name":"b","type":"text","label":`+lbl+`,"page":"a"}`),
		"check unknown rule":         `{"fields":[` + text + `],"checks":[{"rule":"after","field":"a"}]}`,
		"check unknown field":        `{"fields":[` + text + `],"checks":[{"rule":"required_one_of","fields":["a","zz"]}]}`,
		"before on text":             `{"fields":[` + text + `,{"name":"b","type":"text","label":` + lbl + `}],"checks":[{"rule":"before","field":"a","other":"b"}]}`,
		"equals_field itself":        `{"fields":[` + text + `],"checks":[{"rule":"equals_field","field":"a","other":"a"}]}`,
		"required_one_of of one":     `{"fields":[` + text + `],"checks":[{"rule":"required_one_of","fields":["a"]}]}`,
		"check message incomplete":   `{"fields":[` + text + `,{"name":"b","type":"text","label":` + lbl + `}],"checks":[{"rule":"equals_field","field":"a","other":"b","message":{"en":"x"}}]}`,
		"too large":                  schemaOf(`{"name":"a","type":"text","label":{"az":"` + strings.Repeat("a", 300<<10) + `","en":"e","ru":"r"}}`),
		"too many fields":            manyFields(201),
	} {
		t.Run(name, func(t *testing.T) {
			s, err := forms.Parse([]byte(raw))
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Message != "forms.error.schema" || e.Args["Detail"] == "" {
				t.Fatalf("Parse = %v, %v; want an invalid schema error", s, err)
			}
			if _, ok := err.(*errs.Error); !ok {
				t.Errorf("Parse returned %T, want *errs.Error itself", err)
			}
		})
	}
}

func manyFields(n int) string {
	var f []string
	for i := range n {
		f = append(f, `{"name":"f`+strings.Repeat("x", i%30)+string(rune('a'+i%26))+`_`+string(rune('a'+i/26))+`","type":"text","label":`+lbl+`}`)
	}
	return schemaOf(f...)
}

func TestParseAccepts(t *testing.T) {
	if _, err := forms.Parse([]byte(manyFields(200))); err != nil {
		t.Errorf("200 fields: %v", err)
	}
	raw := `{"fields":[
		{"name":"kind","type":"choice","label":` + lbl + `,"hint":` + lbl + `,"required":true,"options":[{"value":"a","label":` + lbl + `},{"value":"b","label":` + lbl + `}],"page":"p1"},
		{"name":"note","type":"text","label":` + lbl + `,"min_length":1,"max_length":10,"pattern":"[a-z]+","show_if":{"field":"kind","in":["a","b"]},"page":"p1"},
		{"name":"langs","type":"multiple_choice","label":` + lbl + `,"options":[{"value":"az","label":` + lbl + `}],"min":0,"max":1},
		{"name":"fee","type":"money","label":` + lbl + `,"min":0.5,"max":100},
		{"name":"from","type":"date","label":` + lbl + `,"registry":"population.birth_date"},
		{"name":"to","type":"date","label":` + lbl + `}],
		"checks":[{"rule":"before","field":"from","other":"to"},{"rule":"not_after_today","field":"from"},
			{"rule":"required_one_of","fields":["note","fee"],"message":` + lbl + `}]}`
	s, err := forms.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	// What Parse accepts survives a round trip through JSON unchanged.
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := forms.Parse(out)
	if err != nil {
		t.Fatalf("Parse(Marshal(s)): %v\n%s", err, out)
	}
	out2, _ := json.Marshal(s2)
	if string(out) != string(out2) {
		t.Errorf("round trip changed the schema:\n%s\n%s", out, out2)
	}
	if strings.Contains(string(out), `"hint":{"az":""`) {
		t.Errorf("an empty hint is written out: %s", out)
	}
	if f, ok := s.Field("note"); !ok || f.MaxLength != 10 || f.ShowIf == nil {
		t.Errorf("Field(note) = %+v, %v", f, ok)
	}
	if _, ok := s.Field("nope"); ok {
		t.Error("Field(nope) found")
	}
}

// TestSeedForms parses the form of every service in the seed catalogue.
func TestSeedForms(t *testing.T) {
	raw, err := os.ReadFile("../catalog/seed/catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	var seed struct {
		Services []struct {
			Slug string          `json:"slug"`
			Form json.RawMessage `json:"form"`
		} `json:"services"`
	}
	if err := json.Unmarshal(raw, &seed); err != nil {
		t.Fatal(err)
	}
	n := 0
	seen := map[forms.Type]bool{}
	for _, svc := range seed.Services {
		if len(svc.Form) == 0 {
			continue
		}
		n++
		s, err := forms.Parse(svc.Form)
		if err != nil {
			t.Errorf("%s: %v", svc.Slug, err)
			continue
		}
		for _, f := range s.Fields {
			seen[f.Type] = true
		}
		// An empty submission never panics and reports only required fields.
		if e := errs.As(s.Validate(forms.Answers{})); e != nil && e.Kind == errs.Invalid {
			for name, key := range e.Fields {
				if key != "forms.error.required" {
					t.Errorf("%s: empty %s: %s", svc.Slug, name, key)
				}
			}
		}
	}
	if n < 100 {
		t.Errorf("parsed %d seed forms, want at least 100", n)
	}
	if len(seen) != 14 {
		t.Errorf("seed forms use %d types, want all 14: %v", len(seen), seen)
	}
}
