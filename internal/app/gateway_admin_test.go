package app_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var newKeyInput = regexp.MustCompile(`id="new-key" value="(egk_[^"]+)"`)

// The admin's gateway pages over plain HTTP (no browser): refused forms
// keep what was typed and say what is wrong in the page's language; a
// service registered from pasted OpenAPI text, one endpoint granted and a
// key issued make /r1/ answer for that endpoint only; revoking the key
// stops it. Every change is audited.
func TestGatewayAdminOverHTTP(t *testing.T) {
	a, srv := newServer(t)
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"path":"`+r.URL.Path+`"}`)
	}))
	defer provider.Close()
	admin := staffSignedIn(t, srv, "admin")
	if code, _ := admin.get("/admin/gateway?lang=en"); code != http.StatusOK {
		t.Fatalf("GET /admin/gateway: %d", code)
	}

	t.Run("ErrBadMember", func(t *testing.T) {
		code, body := admin.post("/admin/gateway/members?lang=en", url.Values{"member_id": {"AZ/GOV"}, "member_name": {"Milli Kitabxana"}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "The member identifier must be INSTANCE/CLASS/MEMBER.") ||
			!strings.Contains(body, `value="Milli Kitabxana"`) || !strings.Contains(body, `href="#member_id"`) {
			t.Errorf("%d %s", code, body)
		}
	})
	mustRedirect := func(path string, form url.Values) {
		t.Helper()
		if code, body := admin.post(path, form); code != http.StatusSeeOther {
			t.Fatalf("POST %s: %d %s", path, code, body)
		}
	}
	mustRedirect("/admin/gateway/members", url.Values{"member_id": {"AZ/GOV/1000000099"}, "member_name": {"Milli Kitabxana"}})
	mustRedirect("/admin/gateway/subsystems", url.Values{"subsystem_member": {"AZ/GOV/1000000099"}, "subsystem_code": {"catalogue"}, "subsystem_name": {"Kataloq"}})
	t.Run("ErrBadOpenAPI", func(t *testing.T) {
		admin.get("/admin/gateway/services/new?lang=ru")
		code, body := admin.post("/admin/gateway/services/new?lang=ru", url.Values{"provider": {"AZ/GOV/1000000099/catalogue"}, "code": {"books"},
			"provider_url": {provider.URL}, "base_path": {"/books"}, "openapi": {`{"openapi":`}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#openapi"`) || !strings.Contains(body, `value="books"`) {
			t.Errorf("%d %s", code, body)
		}
	})
	mustRedirect("/admin/gateway/services/new", url.Values{"provider": {"AZ/GOV/1000000099/catalogue"}, "code": {"books"},
		"provider_url": {provider.URL}, "base_path": {"/books"}, "openapi": {booksOpenAPI}})
	if code, body := admin.get("/admin/gateway/services/AZ/GOV/1000000099/catalogue/books?lang=en"); code != http.StatusOK ||
		!strings.Contains(body, "<code>/*/loans</code>") {
		t.Fatalf("the service page: %d %s", code, body)
	}
	mustRedirect("/admin/gateway/grants/AZ/GOV/1000000099/catalogue/books", url.Values{"grantee": {"client:AZ/GOV/1000000010/portal"}, "endpoint": {"GET /*"}})
	admin.get("/admin/gateway/subsystems/AZ/GOV/1000000010/portal")
	code, body := admin.post("/admin/gateway/keys/AZ/GOV/1000000010/portal", url.Values{})
	m := newKeyInput.FindStringSubmatch(body)
	if code != http.StatusCreated || m == nil {
		t.Fatalf("issuing a key: %d %s", code, body)
	}
	key := html.UnescapeString(m[1])

	call := func(path string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/r1/AZ/GOV/1000000099/catalogue/books"+path, nil)
		req.Header.Set("X-Road-Client", "AZ/GOV/1000000010/portal")
		req.Header.Set("X-Egov-Api-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := call("/9789952345678"); resp.StatusCode != http.StatusOK {
		t.Errorf("granted endpoint: %d %s", resp.StatusCode, resp.Header.Get("X-Road-Error"))
	}
	if resp := call("/9789952345678/loans"); resp.Header.Get("X-Road-Error") != "Server.ServerProxy.AccessDenied" {
		t.Errorf("endpoint not granted: %d %s", resp.StatusCode, resp.Header.Get("X-Road-Error"))
	}

	_, page := admin.get("/admin/gateway/subsystems/AZ/GOV/1000000010/portal")
	keyID := regexp.MustCompile(`name="key" value="([0-9a-f]{16})"`).FindAllStringSubmatch(page, -1)
	if len(keyID) == 0 {
		t.Fatalf("no key to revoke: %s", page)
	}
	for _, id := range keyID {
		mustRedirect("/admin/gateway/revoke-key/AZ/GOV/1000000010/portal", url.Values{"key": {id[1]}})
	}
	if resp := call("/9789952345678"); resp.Header.Get("X-Road-Error") != "Server.ClientProxy.SslAuthenticationFailed" {
		t.Errorf("with the revoked key: %d %s", resp.StatusCode, resp.Header.Get("X-Road-Error"))
	}

	// A group: the portal joins and is taken out again.
	mustRedirect("/admin/gateway/groups", url.Values{"group_code": {"libraries"}, "group_name": {"Kitabxanalar"}})
	mustRedirect("/admin/gateway/group-members", url.Values{"gm_group": {"libraries"}, "gm_client": {"AZ/GOV/1000000010/portal"}})
	if _, page := admin.get("/admin/gateway?lang=en"); !strings.Contains(page, `name="gm_client" value="AZ/GOV/1000000010/portal"`) {
		t.Error("the overview offers no removal of the group's member")
	}
	mustRedirect("/admin/gateway/group-members/remove", url.Values{"gm_group": {"libraries"}, "gm_client": {"AZ/GOV/1000000010/portal"}})
	if code, body := admin.post("/admin/gateway/group-members/remove?lang=en", url.Values{"gm_group": {"libraries"},
		"gm_client": {"AZ/GOV/1000000010/portal"}}); code != http.StatusNotFound || !strings.Contains(body, "not in the group") {
		t.Errorf("removing a member twice: %d", code)
	}
	groups, err := a.Gateway.Groups(context.Background())
	if err != nil || len(groups) != 1 || len(groups[0].Members) != 0 {
		t.Errorf("groups after the removal: %+v %v", groups, err)
	}

	var n int
	if err := a.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'gateway.%'`).Scan(&n); err != nil || n != 8+len(keyID) {
		t.Errorf("%d audit entries of the gateway's changes, want %d (%v)", n, 8+len(keyID), err)
	}
}
