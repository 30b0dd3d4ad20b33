package notify

import (
	"fmt"
	"html"
	"slices"
	"strings"
)

// Text is a parsed template text: literal runs and named placeholders
// written {{name}}. A name is a lower-case letter followed by lower-case
// letters, digits, "_" or "."; spaces inside the braces are allowed
// ({{ name }}). A literal "{{" that opens no valid placeholder is an error,
// so a typo is caught when the template is saved, not when a message goes
// out with braces in it.
type Text struct {
	parts []part
}

type part struct {
	lit  string
	name string // a placeholder when not ""
}

// ParseText parses s.
func ParseText(s string) (Text, error) {
	var t Text
	rest := s
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			t.addLit(rest)
			return t, nil
		}
		t.addLit(rest[:i])
		end := strings.Index(rest[i+2:], "}}")
		if end < 0 {
			return Text{}, fmt.Errorf("unclosed placeholder at byte %d", len(s)-len(rest)+i)
		}
		name := strings.TrimSpace(rest[i+2 : i+2+end])
		if !validName(name) {
			return Text{}, fmt.Errorf("bad placeholder name %q at byte %d (want lower-case letters, digits, _ or .)", name, len(s)-len(rest)+i)
		}
		t.parts = append(t.parts, part{name: name})
		rest = rest[i+2+end+2:]
	}
}

func (t *Text) addLit(s string) {
	if s != "" {
		t.parts = append(t.parts, part{lit: s})
	}
}

func validName(name string) bool {
	if name == "" || len(name) > 64 || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Placeholders lists the names used, sorted, each once.
func (t Text) Placeholders() []string {
	var names []string
	for _, p := range t.parts {
		if p.name != "" && !slices.Contains(names, p.name) {
			names = append(names, p.name)
		}
	}
	slices.Sort(names)
	return names
}

// MissingValueError names a placeholder that had no value when a message
// was rendered.
type MissingValueError struct{ Name string }

func (e *MissingValueError) Error() string {
	return fmt.Sprintf("notify: no value for placeholder {{%s}}", e.Name)
}

// Render fills the placeholders from values. A placeholder with no value
// (absent, or empty) is a *MissingValueError naming it, never a blank.
func (t Text) Render(values map[string]string) (string, error) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.name == "" {
			b.WriteString(p.lit)
			continue
		}
		v, ok := values[p.name]
		if !ok || v == "" {
			return "", &MissingValueError{Name: p.name}
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// HTMLBody turns a rendered plain-text body into HTML: everything is
// escaped, blank lines separate paragraphs and single line breaks become
// <br>. No markup from a template or a value ever reaches the HTML part.
func HTMLBody(plain string) string {
	plain = strings.ReplaceAll(plain, "\r\n", "\n")
	var b strings.Builder
	for para := range strings.SplitSeq(plain, "\n\n") {
		para = strings.Trim(para, "\n")
		if strings.TrimSpace(para) == "" {
			continue
		}
		lines := strings.Split(para, "\n")
		for i, l := range lines {
			lines[i] = html.EscapeString(l)
		}
		b.WriteString("<p>")
		b.WriteString(strings.Join(lines, "<br>\n"))
		b.WriteString("</p>\n")
	}
	return b.String()
}
