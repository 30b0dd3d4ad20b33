package documents_test

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

func readLocale(t *testing.T, l lang.Lang) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("locales", string(l)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s.json: %v", l, err)
	}
	return m
}

var pluralForms = map[lang.Lang][]string{
	lang.AZ: {"one", "other"},
	lang.EN: {"one", "other"},
	lang.RU: {"few", "many", "one", "other"},
}

func TestLocalesHaveTheSameKeys(t *testing.T) {
	files := map[lang.Lang]map[string]any{}
	for _, l := range lang.All {
		files[l] = readLocale(t, l)
	}
	for _, l := range lang.All {
		for key, v := range files[l] {
			if !strings.HasPrefix(key, "documents.") {
				t.Errorf("%s: %s is not under documents.", l, key)
			}
			for _, o := range lang.All {
				if _, ok := files[o][key]; !ok {
					t.Errorf("%s is in %s.json but not in %s.json", key, l, o)
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
	m := web.NewMessages()
	m.MustLoad(os.DirFS("."), "locales")
	if missing := m.Missing(); len(missing) > 0 {
		t.Errorf("missing translations: %v", missing)
	}
}

// Every message the templates and the code name exists, and every one
// defined is used; keys put together at run time are listed by parts.
func TestMessagesExist(t *testing.T) {
	en := readLocale(t, lang.EN)
	used := map[string]bool{}
	key := regexp.MustCompile(`"(documents\.[a-z_]+\.[a-z_0-9]*[a-z0-9])"`)
	sources, _ := filepath.Glob("templates/*.html")
	goFiles, _ := filepath.Glob("*.go")
	for _, name := range append(sources, goFiles...) {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(data), -1) {
			used[m[1]] = true
		}
	}
	for _, s := range []string{"valid", "suspended", "revoked", "expired", "tampered", "unknown"} {
		used["documents.status."+s] = true
		used["documents.explain."+s] = true
	}
	for _, s := range []string{"valid", "suspended", "revoked"} {
		used["documents.error.status_"+s] = true
	}
	for _, s := range []string{"1h", "24h", "72h", "168h", "720h"} {
		used["documents.share.for_"+s] = true
	}
	used["documents.share.via_link"], used["documents.share.via_qr"] = true, true
	for k := range used {
		if _, ok := en[k]; !ok {
			t.Errorf("%s is used but not defined", k)
		}
	}
	for k := range en {
		if !used[k] {
			t.Errorf("%s is defined but never used", k)
		}
	}
}
