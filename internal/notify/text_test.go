package notify_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
)

func TestParseText(t *testing.T) {
	tests := []struct {
		name, in string
		names    []string
		wantErr  bool
	}{
		{"Plain", "Hello", nil, false},
		{"One", "Code: {{code}}", []string{"code"}, false},
		{"Spaces", "{{ name }} and {{name}}", []string{"name"}, false},
		{"Several", "{{b}}{{a}}{{app.number}}", []string{"a", "app.number", "b"}, false},
		{"LoneClose", "a }} b", nil, false},
		{"Unclosed", "Hi {{name", nil, true},
		{"Empty", "{{}}", nil, true},
		{"Upper", "{{Name}}", nil, true},
		{"Digit", "{{1a}}", nil, true},
		{"Nested", "{{a{{b}}}}", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := notify.ParseText(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && !slices.Equal(p.Placeholders(), tt.names) {
				t.Errorf("placeholders = %v, want %v", p.Placeholders(), tt.names)
			}
		})
	}
}

func TestRenderMissingValue(t *testing.T) {
	p, err := notify.ParseText("Dear {{name}}, your code is {{code}}.")
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Render(map[string]string{"name": "Aysel", "code": "123456"})
	if err != nil || got != "Dear Aysel, your code is 123456." {
		t.Fatalf("Render = %q, %v", got, err)
	}
	for _, vals := range []map[string]string{{"name": "Aysel"}, {"name": "Aysel", "code": ""}} {
		_, err = p.Render(vals)
		var missing *notify.MissingValueError
		if !errors.As(err, &missing) || missing.Name != "code" {
			t.Fatalf("Render(%v) err = %v, want missing {{code}}", vals, err)
		}
		if !strings.Contains(err.Error(), "{{code}}") {
			t.Errorf("error %q does not name the placeholder", err)
		}
	}
}

func TestHTMLBodyEscapes(t *testing.T) {
	got := notify.HTMLBody("Hello <b>you</b> & co\nline two\n\n\nSecond \"para\"")
	want := "<p>Hello &lt;b&gt;you&lt;/b&gt; &amp; co<br>\nline two</p>\n<p>Second &#34;para&#34;</p>\n"
	if got != want {
		t.Errorf("HTMLBody =\n%q\nwant\n%q", got, want)
	}
}

func validTemplate() notify.Template {
	return notify.Template{
		Owner:   "migration",
		Key:     "applications.decided",
		Subject: lang.Text{AZ: "Müraciət {{number}}", EN: "Application {{number}}", RU: "Заявление {{number}}"},
		Body: lang.Text{
			AZ: "Hörmətli {{name}}, {{number}} nömrəli müraciətiniz baxılıb.",
			EN: "Dear {{name}}, application {{number}} has been decided.",
			RU: "Уважаемый(ая) {{name}}, по заявлению {{number}} принято решение.",
		},
	}
}

func TestTemplateValidate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		tpl := validTemplate()
		if err := tpl.Validate(); err != nil {
			t.Fatal(err)
		}
		if got, want := tpl.Placeholders, []string{"name", "number"}; !slices.Equal(got, want) {
			t.Errorf("placeholders = %v, want %v", got, want)
		}
	})
	cases := []struct {
		name, field string
		edit        func(*notify.Template)
	}{
		{"ErrPlaceholdersDiffer", "body_ru", func(t *notify.Template) {
			t.Subject.RU = "Заявление"
			t.Body.RU = "Уважаемый(ая) {{name}}."
		}},
		{"ErrExtraPlaceholder", "body_en", func(t *notify.Template) { t.Body.EN += " {{date}}" }},
		{"ErrSyntax", "body_az", func(t *notify.Template) { t.Body.AZ = "Hörmətli {{name" }},
		{"ErrMissingLanguage", "subject_en", func(t *notify.Template) { t.Subject.EN = "" }},
		{"ErrKey", "key", func(t *notify.Template) { t.Key = "Decided" }},
		{"ErrOwner", "owner", func(t *notify.Template) { t.Owner = "" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := validTemplate()
			c.edit(&tpl)
			err := tpl.Validate()
			if errs.KindOf(err) != errs.Invalid {
				t.Fatalf("err = %v, want invalid", err)
			}
			if errs.As(err).Fields[c.field] == "" {
				t.Errorf("fields = %v, want an error on %s", errs.As(err).Fields, c.field)
			}
		})
	}
}

// FuzzParseText checks that the parser never panics, that what it accepts
// renders back to the input when every placeholder is given its own
// spelling, and that a missing value is always reported, never blanked.
func FuzzParseText(f *testing.F) {
	for _, s := range []string{"", "plain", "{{a}}", "x {{ a.b }} y {{c_1}}", "{{", "}}", "{{A}}", "{{a}}{{", "{{{a}}}", "ə {{code}} ş"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := notify.ParseText(s)
		if err != nil {
			return
		}
		names := p.Placeholders()
		if !slices.IsSorted(names) {
			t.Fatalf("placeholders %v not sorted", names)
		}
		vals := map[string]string{}
		for _, n := range names {
			vals[n] = "{{" + n + "}}"
		}
		out, err := p.Render(vals)
		if err != nil {
			t.Fatalf("Render with all values: %v", err)
		}
		again, err := notify.ParseText(out)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", out, err)
		}
		if !slices.Equal(again.Placeholders(), names) {
			t.Fatalf("re-parse placeholders %v, want %v", again.Placeholders(), names)
		}
		if len(names) > 0 {
			delete(vals, names[0])
			_, err := p.Render(vals)
			var missing *notify.MissingValueError
			if !errors.As(err, &missing) || missing.Name != names[0] {
				t.Fatalf("Render without %s: err = %v", names[0], err)
			}
		}
		h := notify.HTMLBody(s)
		if strings.Contains(h, "<script") || strings.Count(h, "<p>") != strings.Count(h, "</p>") {
			t.Fatalf("HTMLBody(%q) = %q", s, h)
		}
	})
}
