package registry_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/registry"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

func TestProviderHandler(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		r := seeded(t, db)
		var lastErr error
		onError := func(w http.ResponseWriter, req *http.Request, err error) {
			lastErr = err
			status := map[errs.Kind]int{errs.NotFound: 404, errs.Invalid: 400}[errs.KindOf(err)]
			if status == 0 {
				status = 500
			}
			http.Error(w, errs.As(err).Message, status)
		}
		srv := httptest.NewServer(r.ProviderHandler(onError))
		defer srv.Close()

		for _, tc := range []struct {
			name, method, path string
			status             int
			errKey             string // the message of the error given to onError
			check              func(t *testing.T, body map[string]any)
		}{
			{"person", "GET", "/persons/5ZQX7KA", 200, "", func(t *testing.T, b map[string]any) {
				if b["fin"] != "5ZQX7KA" || b["last_name"] != "Məmmədova" || b["birth_date"] != "1990-03-14" {
					t.Errorf("body = %v", b)
				}
				if fam, _ := b["family"].([]any); len(fam) != 2 {
					t.Errorf("family = %v", b["family"])
				}
			}},
			{"person lower case", "GET", "/persons/2hpl4rm", 200, "", func(t *testing.T, b map[string]any) {
				if b["fin"] != "2HPL4RM" || b["address"].(map[string]any)["city"] != "Bakı" {
					t.Errorf("body = %v", b)
				}
			}},
			{"unknown person", "GET", "/persons/ZZZZZZZ", 404, "registry.error.person_not_found", nil},
			{"malformed FIN", "GET", "/persons/abc", 400, "registry.error.fin_invalid", nil},
			{"business", "GET", "/companies/1700123451", 200, "", func(t *testing.T, b map[string]any) {
				if b["name"] != "Xəzər Logistika MMC" || b["director_fin"] != "2HPL4RM" || b["legal_form"] != "MMC" {
					t.Errorf("body = %v", b)
				}
			}},
			{"businesses of a director", "GET", "/companies?director=2HPL4RM", 200, "", func(t *testing.T, b map[string]any) {
				if items, _ := b["items"].([]any); len(items) != 1 {
					t.Errorf("body = %v", b)
				}
			}},
			{"businesses without director", "GET", "/companies", 400, "registry.error.director_required", nil},
			{"unknown business", "GET", "/companies/1111111111", 404, "registry.error.business_not_found", nil},
			{"vehicle", "GET", "/vehicles/10-AB-123", 200, "", func(t *testing.T, b map[string]any) {
				if b["owner_fin"] != "2HPL4RM" || b["make"] != "Toyota" || b["inspection_due"] != "2026-06-07" {
					t.Errorf("body = %v", b)
				}
			}},
			{"vehicle, loose plate", "GET", "/vehicles/10%20ab%20123", 200, "", nil},
			{"vehicles of an owner", "GET", "/vehicles?owner=2HPL4RM", 200, "", func(t *testing.T, b map[string]any) {
				if items, _ := b["items"].([]any); len(items) != 1 {
					t.Errorf("body = %v", b)
				}
			}},
			{"vehicles of nobody", "GET", "/vehicles?owner=5ZQX7KA", 200, "", func(t *testing.T, b map[string]any) {
				if items, ok := b["items"].([]any); !ok || len(items) != 0 {
					t.Errorf("body = %v, want empty items", b)
				}
			}},
			{"unknown vehicle", "GET", "/vehicles/99-ZZ-999", 404, "registry.error.vehicle_not_found", nil},
			{"malformed plate", "GET", "/vehicles/ZZZ", 400, "registry.error.plate_invalid", nil},
			{"unknown path", "GET", "/nothing", 404, "registry.error.not_found", nil},
			{"wrong method", "POST", "/persons/5ZQX7KA", 0, "", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				lastErr = nil
				req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				if tc.status == 0 {
					if resp.StatusCode < 400 {
						t.Errorf("%s %s: status %d, want an error", tc.method, tc.path, resp.StatusCode)
					}
					return
				}
				if resp.StatusCode != tc.status {
					t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tc.status, body)
				}
				if tc.errKey != "" {
					if lastErr == nil || errs.As(lastErr).Message != tc.errKey {
						t.Errorf("onError got %v, want %s", lastErr, tc.errKey)
					}
					return
				}
				if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
				var m map[string]any
				if err := json.Unmarshal(body, &m); err != nil {
					t.Fatalf("body %s: %v", body, err)
				}
				if tc.check != nil {
					tc.check(t, m)
				}
			})
		}

		t.Run("default error answer", func(t *testing.T) {
			rec := httptest.NewRecorder()
			r.ProviderHandler(nil).ServeHTTP(rec, httptest.NewRequest("GET", "/persons/ZZZZZZZ", nil))
			if rec.Code != 404 || rec.Header().Get("Content-Type") != "application/problem+json" ||
				!strings.Contains(rec.Body.String(), "registry.error.person_not_found") {
				t.Errorf("got %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
		})
	}, registry.Migrations)
}

// Each registry's OpenAPI description is OpenAPI 3, lists its endpoints
// and resolves every $ref.
func TestOpenAPI(t *testing.T) {
	wantPaths := map[string][]string{
		"population": {"/persons/{fin}"},
		"business":   {"/companies/{voen}", "/companies"},
		"vehicles":   {"/vehicles/{plate}", "/vehicles"},
	}
	for _, name := range registry.Registries {
		t.Run(name, func(t *testing.T) {
			raw := registry.OpenAPI(name)
			var doc struct {
				OpenAPI    string                    `json:"openapi"`
				Paths      map[string]map[string]any `json:"paths"`
				Components struct {
					Schemas map[string]any `json:"schemas"`
				} `json:"components"`
			}
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(doc.OpenAPI, "3.") {
				t.Errorf("openapi = %q", doc.OpenAPI)
			}
			for _, p := range wantPaths[name] {
				if _, ok := doc.Paths[p]["get"]; !ok {
					t.Errorf("no GET %s", p)
				}
			}
			for _, m := range regexp.MustCompile(`"\$ref": "#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(string(raw), -1) {
				if _, ok := doc.Components.Schemas[m[1]]; !ok {
					t.Errorf("$ref to missing schema %s", m[1])
				}
			}
		})
	}
	if registry.OpenAPI("nothing") != nil {
		t.Error("OpenAPI(nothing) is not nil")
	}
}

// Every message key the package uses is translated into all three
// languages, and the three files hold the same keys.
func TestLocales(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	used := map[string]bool{}
	key := regexp.MustCompile(`"(registry\.error\.[a-z_]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = true
		}
	}
	if len(used) < 10 {
		t.Fatalf("found only %d message keys", len(used))
	}
	var sets []map[string]string
	for _, l := range []string{"az", "en", "ru"} {
		b, err := os.ReadFile(filepath.Join("locales", l+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s.json: %v", l, err)
		}
		for k := range used {
			if m[k] == "" {
				t.Errorf("%s.json lacks %s", l, k)
			}
		}
		sets = append(sets, m)
	}
	for k := range sets[0] {
		if sets[1][k] == "" || sets[2][k] == "" {
			t.Errorf("%s is not in every language", k)
		}
	}
	if len(sets[0]) != len(sets[1]) || len(sets[1]) != len(sets[2]) {
		t.Errorf("locale sizes differ: %d %d %d", len(sets[0]), len(sets[1]), len(sets[2]))
	}
	if fsys := registry.Locales(); fsys == nil {
		t.Error("Locales() is nil")
	}
}
