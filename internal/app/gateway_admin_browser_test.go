package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/egov/egov/internal/browsertest"
)

// booksOpenAPI is what a library's information system publishes: two
// endpoints under /books.
const booksOpenAPI = `{"openapi":"3.0.3","info":{"title":"Library catalogue","version":"1.0.0"},"paths":{
 "/books/{isbn}":{"get":{"parameters":[{"name":"isbn","in":"path","required":true,"schema":{"type":"string"}}]}},
 "/books/{isbn}/loans":{"get":{"parameters":[{"name":"isbn","in":"path","required":true,"schema":{"type":"string"}}]}}}}`

// The admin registers a member, its subsystem and a service from an
// OpenAPI description, grants one endpoint to the portal and issues the
// portal a key, all in the browser; then a call through /r1/ reaches the
// provider for that endpoint and is refused with
// Server.ServerProxy.AccessDenied for the other, which the provider never
// sees. Each page is checked with axe-core, and the forms after a refused
// post too.
func TestBrowserGatewayAdmin(t *testing.T) {
	ctx := browsertest.Chromium(t)
	a, srv := startBrowserApp(t)
	var calls atomic.Int64
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"path":"`+r.URL.Path+`","title":"Əli və Nino"}`)
	}))
	defer provider.Close()
	signInWithDemoForm(t, ctx, srv, "admin")

	checkPage := func(t *testing.T, p browsertest.Page, status int) {
		t.Helper()
		if p.Status != status || p.H1 != 1 {
			t.Errorf("%s: status %d (want %d), %d h1", p.URL, p.Status, status, p.H1)
		}
		if vs := browsertest.Axe(t, ctx); len(vs) > 0 {
			t.Errorf("%d axe-core violations on %s:%s", len(vs), p.URL, browsertest.Format(vs))
		}
	}
	fill := func(t *testing.T, values map[string]string) {
		t.Helper()
		cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
		defer cancel()
		for id, v := range values {
			if err := chromedp.Do(cctx, chromedp.SetValue(chromedp.ID(id), v)); err != nil {
				t.Fatalf("set #%s: %v", id, err)
			}
		}
	}
	value := func(t *testing.T, id string) string {
		t.Helper()
		cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
		defer cancel()
		v, err := chromedp.Run(cctx, chromedp.Value(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("read #%s: %v", id, err)
		}
		return v
	}
	submit := func(t *testing.T, form string) browsertest.Page {
		t.Helper()
		return browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(`form[action="`+form+`"] button[type="submit"]`)))
	}

	t.Run("Member", func(t *testing.T) {
		checkPage(t, browsertest.Open(t, ctx, srv.URL+"/admin/gateway?lang=az"), http.StatusOK)
		fill(t, map[string]string{"member_id": "AZ GOV 12", "member_name": "Milli Kitabxana"})
		p := submit(t, "/admin/gateway/members")
		checkPage(t, p, http.StatusUnprocessableEntity)
		if got := value(t, "member_name"); got != "Milli Kitabxana" {
			t.Errorf("the name typed was lost: %q", got)
		}
		fill(t, map[string]string{"member_id": "AZ/GOV/1000000099"})
		if p := submit(t, "/admin/gateway/members"); !strings.Contains(p.URL, "done=member") {
			t.Fatalf("adding the member landed on %s", p.URL)
		}
		fill(t, map[string]string{"subsystem_member": "AZ/GOV/1000000099", "subsystem_code": "catalogue", "subsystem_name": "Kataloq"})
		if p := submit(t, "/admin/gateway/subsystems"); !strings.Contains(p.URL, "done=subsystem") {
			t.Fatalf("adding the subsystem landed on %s", p.URL)
		}
	})
	t.Run("Service", func(t *testing.T) {
		checkPage(t, browsertest.Open(t, ctx, srv.URL+"/admin/gateway/services/new?lang=ru"), http.StatusOK)
		fill(t, map[string]string{"provider": "AZ/GOV/1000000099/catalogue", "code": "books", "provider_url": provider.URL,
			"base_path": "books", "openapi": `{"openapi":"3.0.3","paths":`})
		p := submit(t, "/admin/gateway/services/new")
		checkPage(t, p, http.StatusUnprocessableEntity)
		if got := value(t, "code"); got != "books" {
			t.Errorf("the code typed was lost: %q", got)
		}
		fill(t, map[string]string{"base_path": "/books", "openapi": booksOpenAPI})
		p = submit(t, "/admin/gateway/services/new")
		if !strings.HasSuffix(p.URL, "/admin/gateway/services/AZ/GOV/1000000099/catalogue/books?done=registered") {
			t.Fatalf("registering landed on %s (%d)", p.URL, p.Status)
		}
		checkPage(t, p, http.StatusOK)
	})
	const service = "/admin/gateway/services/AZ/GOV/1000000099/catalogue/books"
	t.Run("Grant", func(t *testing.T) {
		browsertest.Open(t, ctx, srv.URL+service+"?lang=en")
		p := submit(t, "/admin/gateway/grants/AZ/GOV/1000000099/catalogue/books")
		checkPage(t, p, http.StatusUnprocessableEntity)
		fill(t, map[string]string{"grantee": "client:AZ/GOV/1000000010/portal", "endpoint": "GET /*"})
		p = submit(t, "/admin/gateway/grants/AZ/GOV/1000000099/catalogue/books")
		if !strings.Contains(p.URL, "done=granted") {
			t.Fatalf("granting landed on %s", p.URL)
		}
		checkPage(t, p, http.StatusOK)
	})
	var key string
	t.Run("Key", func(t *testing.T) {
		checkPage(t, browsertest.Open(t, ctx, srv.URL+"/admin/gateway/subsystems/AZ/GOV/1000000010/portal?lang=az"), http.StatusOK)
		p := submit(t, "/admin/gateway/keys/AZ/GOV/1000000010/portal")
		checkPage(t, p, http.StatusCreated)
		if key = value(t, "new-key"); !strings.HasPrefix(key, "egk_") {
			t.Fatalf("no key shown: %q", key)
		}
	})

	call := func(path string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/r1/AZ/GOV/1000000099/catalogue/books"+path, nil)
		req.Header.Set("X-Road-Client", "AZ/GOV/1000000010/portal")
		req.Header.Set("X-Egov-Api-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := call("/9789952345678")
	if resp.StatusCode != 200 || body != `{"path":"/books/9789952345678","title":"Əli və Nino"}` {
		t.Fatalf("the granted endpoint: %d %s", resp.StatusCode, body)
	}
	before := calls.Load()
	resp, body = call("/9789952345678/loans")
	if resp.StatusCode != 500 || resp.Header.Get("X-Road-Error") != "Server.ServerProxy.AccessDenied" || !strings.Contains(body, `"type":"Server.ServerProxy.AccessDenied"`) {
		t.Errorf("the endpoint not granted: %d %v %s", resp.StatusCode, resp.Header.Get("X-Road-Error"), body)
	}
	if calls.Load() != before {
		t.Error("the refused request reached the provider")
	}

	// Every change is in the audit log, by the admin.
	var n int
	if err := a.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action IN
		('gateway.member.register', 'gateway.subsystem.register', 'gateway.service.register', 'gateway.access.grant', 'gateway.key.issue')`).Scan(&n); err != nil || n != 5 {
		t.Errorf("%d audit entries of the gateway changes, want 5 (%v)", n, err)
	}

	t.Run("Revoke", func(t *testing.T) {
		browsertest.Open(t, ctx, srv.URL+service+"?lang=en")
		p := browsertest.Follow(t, ctx, chromedp.Click(chromedp.ID("revoke-0")))
		if !strings.Contains(p.URL, "done=revoked") {
			t.Fatalf("revoking landed on %s", p.URL)
		}
		if resp, _ := call("/9789952345678"); resp.Header.Get("X-Road-Error") != "Server.ServerProxy.AccessDenied" {
			t.Errorf("after revoking: %d %s", resp.StatusCode, resp.Header.Get("X-Road-Error"))
		}
	})
}
