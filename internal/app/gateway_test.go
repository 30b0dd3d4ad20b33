package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/egov/egov/internal/app"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/registry"
)

// demoGateway is a gateway on the app's database with the demo's
// registries, clients and access rights, and its routes mounted on the
// app's router unless the app mounts them itself. All the gateway's state
// is in the database, so this instance and the app's see the same.
func demoGateway(t *testing.T, a *app.App) *gateway.Gateway {
	t.Helper()
	ctx := context.Background()
	if err := a.DB.Migrate(ctx, gateway.Migrations); err != nil {
		t.Fatal(err)
	}
	gw := gateway.New(a.DB, slog.New(slog.DiscardHandler))
	if err := gw.RegisterRegistries(ctx, a.Registry.ProviderHandler(nil), registry.OpenAPI); err != nil {
		t.Fatal(err)
	}
	if err := gw.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	mounted := false
	for _, r := range a.Router.Routes() {
		mounted = mounted || r.Pattern == "GET /cabinet/data-access"
	}
	if !mounted {
		gateway.NewHTTP(gw, a.Site).Routes(a.Router)
	}
	return gw
}

// Reading 5ZQX7KA through the gateway as the portal, for purpose "test",
// shows in her cabinet's data tracker with the client and the purpose.
func TestGatewayReadShowsInDataTracker(t *testing.T) {
	a, srv := newServer(t)
	gw := demoGateway(t, a)
	ctx := context.Background()

	res, err := gw.Client(gateway.Portal).Get(ctx, gateway.PersonsService.String(), "/5ZQX7KA", "AZ-staff-dim.operator", "test")
	if err != nil {
		t.Fatal(err)
	}
	var person struct {
		FIN string `json:"fin"`
	}
	if res.Status != http.StatusOK || json.Unmarshal(res.Body, &person) != nil || !strings.Contains(string(res.Body), "5ZQX7KA") {
		t.Fatalf("read through the gateway: %d %s", res.Status, res.Body)
	}

	aysel := signedIn(t, srv, "5ZQX7KA")
	code, page := aysel.get("/cabinet/data-access?lang=en")
	if code != http.StatusOK {
		t.Fatalf("/cabinet/data-access: %d", code)
	}
	for _, want := range []string{"Who read my data", "Elektron Hökumət Portalı", "AZ/GOV/1000000010/portal", "Population registry", "<td>test</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the data tracker lacks %q", want)
		}
	}
	// Another person sees nothing of hers (only the reads of his own
	// demo application).
	rashad := signedIn(t, srv, "2HPL4RM")
	if _, page := rashad.get("/cabinet/data-access?lang=en"); strings.Contains(page, "<td>test</td>") {
		t.Error("2HPL4RM sees 5ZQX7KA's reads")
	}

	// The auditor finds the read by FIN and purpose.
	jar, _ := cookiejar.New(nil)
	auditor := &browserClient{t: t, srv: srv, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	auditor.get("/auth/demo")
	if code, _ := auditor.post("/auth/demo", url.Values{"login": {"auditor"}, "password": {"demo"}}); code != http.StatusSeeOther {
		t.Fatalf("auditor sign-in: %d", code)
	}
	code, page = auditor.get("/audit/data-access?lang=en&fin=5ZQX7KA&purpose=test")
	if code != http.StatusOK || !strings.Contains(page, "5ZQX7KA") || !strings.Contains(page, "AZ/GOV/1000000010/portal") {
		t.Errorf("auditor page: %d", code)
	}
	if code, _ := auditor.get("/audit/data-access?fin=bad"); code != http.StatusUnprocessableEntity {
		t.Errorf("auditor page with a bad FIN: %d, want 422", code)
	}
	if code, _ := aysel.get("/audit/data-access"); code != http.StatusForbidden {
		t.Errorf("a citizen on the audit page: %d, want 403", code)
	}
}

// An outside system calls /r1/ over HTTP with its API key: the demo
// business's ERP may read companies, not persons.
func TestGatewayOverHTTP(t *testing.T) {
	a, srv := newServer(t)
	gw := demoGateway(t, a)
	key, err := gw.IssueKey(context.Background(), gateway.DemoERP)
	if err != nil {
		t.Fatal(err)
	}
	callMethod := func(method, path string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader("{}"))
		req.Header.Set("X-Road-Client", gateway.DemoERP.String())
		req.Header.Set(gateway.HeaderAPIKey, key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	call := func(path string) *http.Response { return callMethod("GET", path) }
	// A POST needs no CSRF token: the web layer exempts /r1/. The registry
	// has no such endpoint and says so itself (no X-Road-Error).
	if resp := callMethod("POST", "/r1/AZ/GOV/1000000002/business/companies"); resp.StatusCode == http.StatusForbidden || resp.Header.Get("X-Road-Error") != "" {
		t.Errorf("POST through the site: %d %s", resp.StatusCode, resp.Header.Get("X-Road-Error"))
	}
	if resp := call("/r1/AZ/GOV/1000000002/business/companies/1700123451"); resp.StatusCode != http.StatusOK || resp.Header.Get("X-Road-Request-Hash") == "" {
		t.Errorf("ERP reading its company: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := call("/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA"); resp.Header.Get("X-Road-Error") != gateway.ErrAccessDenied {
		t.Errorf("ERP reading a person: %d %s", resp.StatusCode, resp.Header.Get("X-Road-Error"))
	}
}

// What a provider said was read shows in the reader's language when its
// kind is described (the records stay as the provider wrote them), and
// as it was written otherwise.
func TestDataTrackerRecordsInThreeLanguages(t *testing.T) {
	a, srv := newServer(t)
	ctx := context.Background()
	for _, record := range []string{"Registration application 7KM2Q9XA4", "Something else entirely"} {
		if _, err := a.DB.ExecContext(ctx, `INSERT INTO gateway_reads (fin, at, client_id, service_id, record, purpose, user_id, x_road_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, "5ZQX7KA", time.Now().UTC(), "AZ/GOV/1000000010/portal",
			"AZ/GOV/1000000002/registration/applications", record, "test", "", "record-"+record); err != nil {
			t.Fatal(err)
		}
	}
	aysel := signedIn(t, srv, "5ZQX7KA")
	for lang, want := range map[string]string{"az": "Qeydiyyat ərizəsi 7KM2Q9XA4", "en": "Registration application 7KM2Q9XA4",
		"ru": "Заявление на регистрацию 7KM2Q9XA4"} {
		code, page := aysel.get("/cabinet/data-access?lang=" + lang)
		if code != http.StatusOK || !strings.Contains(page, want) || !strings.Contains(page, "Something else entirely") {
			t.Errorf("/cabinet/data-access in %s (%d) lacks %q or the undescribed record", lang, code, want)
		}
	}
}
