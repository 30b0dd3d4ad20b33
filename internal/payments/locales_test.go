package payments_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

func readLocale(t *testing.T, l lang.Lang) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("locales", string(l)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s.json: %v", l, err)
	}
	return m
}

func TestLocalesHaveTheSameKeys(t *testing.T) {
	files := map[lang.Lang]map[string]string{}
	for _, l := range lang.All {
		files[l] = readLocale(t, l)
	}
	placeholder := regexp.MustCompile(`\{\{\.[A-Za-z]+\}\}`)
	for _, l := range lang.All {
		for key, v := range files[l] {
			if !strings.HasPrefix(key, "payments.") {
				t.Errorf("%s: %s is not under payments.", l, key)
			}
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", l, key)
			}
			for _, o := range lang.All {
				other, ok := files[o][key]
				if !ok {
					t.Errorf("%s is in %s.json but not in %s.json", key, l, o)
					continue
				}
				if a, b := placeholder.FindAllString(v, -1), placeholder.FindAllString(other, -1); len(a) != len(b) {
					t.Errorf("%s: placeholders %v in %s, %v in %s", key, a, l, b, o)
				}
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
	key := regexp.MustCompile(`"(payments\.[a-z_]+\.[a-z_]*[a-z])"`)
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
	for _, s := range []string{"open", "paid", "cancelled", "refunded", "partially_refunded"} {
		used["payments.status."+s] = true
	}
	for _, s := range []string{"fee", "fine", "tax"} {
		used["payments.kind."+s] = true
	}
	for _, s := range []string{"payment", "refund", "overpayment"} {
		used["payments.entry."+s] = true
	}
	for _, s := range []string{"amount", "missing", "unknown"} {
		used["payments.recon.kind."+s] = true
	}
	if len(used) < 60 {
		t.Fatalf("only %d message keys found: is the pattern right?", len(used))
	}
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
