// Package localetest checks a module's message files from the module's
// tests: every language has the same keys, none is empty, plural forms
// are those the language needs, placeholders agree across languages, and
// every message the code and templates name is defined and every defined
// one is used.
package localetest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

// Module describes one module's messages.
type Module struct {
	// Prefix starts every key of the module, e.g. "documents.".
	Prefix string
	// Dir is the module's folder, holding locales/, templates/ and its Go
	// files; "." (the test's own package) when empty.
	Dir string
	// Dynamic are keys the code puts together at run time (statuses,
	// kinds), which no source names whole.
	Dynamic []string
	// Skip names source files whose quoted keys are not messages, such as
	// notification template keys.
	Skip []string
	// MinUsed guards the key pattern: fewer keys found means it is wrong.
	MinUsed int
}

// pluralForms are the CLDR categories each language needs.
var pluralForms = map[lang.Lang][]string{
	lang.AZ: {"one", "other"},
	lang.EN: {"one", "other"},
	lang.RU: {"few", "many", "one", "other"},
}

var placeholder = regexp.MustCompile(`\{\{\s*\.[A-Za-z]+\s*\}\}`)

// Check runs every check on m.
func Check(t *testing.T, m Module) {
	t.Helper()
	if m.Dir == "" {
		m.Dir = "."
	}
	files := map[lang.Lang]map[string]any{}
	for _, l := range lang.All {
		files[l] = read(t, m.Dir, l)
	}
	for _, l := range lang.All {
		for key, v := range files[l] {
			if !strings.HasPrefix(key, m.Prefix) {
				t.Errorf("%s: %s is not under %s", l, key, m.Prefix)
			}
			for _, o := range lang.All {
				other, ok := files[o][key]
				if !ok {
					t.Errorf("%s is in %s.json but not in %s.json", key, l, o)
					continue
				}
				if a, b := placeholders(v), placeholders(other); !slices.Equal(a, b) {
					t.Errorf("%s: placeholders %v in %s, %v in %s", key, a, l, b, o)
				}
			}
			switch v := v.(type) {
			case string:
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s: %s is empty", l, key)
				}
			case map[string]any:
				var forms []string
				for f := range v {
					forms = append(forms, f)
				}
				slices.Sort(forms)
				if !slices.Equal(forms, pluralForms[l]) {
					t.Errorf("%s: %s has plural forms %v, want %v", l, key, forms, pluralForms[l])
				}
			default:
				t.Errorf("%s: %s is neither a text nor plural forms", l, key)
			}
		}
	}
	msgs := web.NewMessages()
	if err := msgs.Load(os.DirFS(m.Dir), "locales"); err != nil {
		t.Fatal(err)
	}
	if missing := msgs.Missing(); len(missing) > 0 {
		t.Errorf("missing translations: %v", missing)
	}
	used(t, m, files[lang.EN])
}

// used checks that the messages the sources name and the messages defined
// are the same set.
func used(t *testing.T, m Module, defined map[string]any) {
	t.Helper()
	key := regexp.MustCompile(`"(` + regexp.QuoteMeta(m.Prefix) + `[a-z_]+\.[a-z_0-9.]*[a-z0-9])"`)
	templates, _ := filepath.Glob(filepath.Join(m.Dir, "templates", "*.html"))
	goFiles, _ := filepath.Glob(filepath.Join(m.Dir, "*.go"))
	found := map[string]bool{}
	for _, name := range append(templates, goFiles...) {
		if strings.HasSuffix(name, "_test.go") || slices.Contains(m.Skip, filepath.Base(name)) {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range key.FindAllStringSubmatch(string(data), -1) {
			found[k[1]] = true
		}
	}
	if len(found) < m.MinUsed {
		t.Fatalf("only %d message keys found: is the pattern right?", len(found))
	}
	for _, k := range m.Dynamic {
		found[k] = true
	}
	for k := range found {
		if _, ok := defined[k]; !ok {
			t.Errorf("%s is used but not defined", k)
		}
	}
	for k := range defined {
		if !found[k] {
			t.Errorf("%s is defined but never used", k)
		}
	}
}

// placeholders of a text, or of the "other" form of plural forms, sorted.
func placeholders(v any) []string {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case map[string]any:
		s, _ = v["other"].(string)
	}
	list := placeholder.FindAllString(strings.ReplaceAll(s, " ", ""), -1)
	slices.Sort(list)
	return list
}

func read(t *testing.T, dir string, l lang.Lang) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "locales", string(l)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s.json: %v", l, err)
	}
	return m
}
