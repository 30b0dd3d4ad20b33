package app_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// browserClient is a cookie-keeping client that signs in through the demo
// form, as a browser would, and posts forms with the page's CSRF token.
type browserClient struct {
	t     *testing.T
	srv   *httptest.Server
	c     *http.Client
	token string
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func signedIn(t *testing.T, srv *httptest.Server, fin string) *browserClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browserClient{t: t, srv: srv, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	b.get("/auth/demo")
	if code, _ := b.post("/auth/demo", url.Values{"fin": {fin}}); code != http.StatusSeeOther {
		t.Fatalf("demo sign-in as %s: %d", fin, code)
	}
	return b
}

func (b *browserClient) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.srv.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfInput.FindSubmatch(body); m != nil {
		b.token = string(m[1])
	}
	return resp.StatusCode, string(body)
}

func (b *browserClient) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	form.Set("csrf_token", b.token)
	resp, err := b.c.PostForm(b.srv.URL+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// A person with a mandate can act for the business; after the director
// revokes it, the same request is refused.
func TestMandateGrantActRevoke(t *testing.T) {
	_, srv := newServer(t)
	director := signedIn(t, srv, "2HPL4RM")
	aysel := signedIn(t, srv, "5ZQX7KA")

	// Without a mandate, Aysel cannot act for the business.
	aysel.get("/cabinet/businesses")
	if code, _ := aysel.post("/cabinet/businesses/acting-as", url.Values{"voen": {"1700123451"}}); code != http.StatusForbidden {
		t.Fatalf("acting without a mandate: %d, want 403", code)
	}

	// The director grants one; a bad FIN is shown next to its field.
	director.get("/cabinet/businesses")
	until := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	code, page := director.post("/cabinet/businesses/1700123451/mandates", url.Values{"grantee": {"NOSUCH1"}, "scope": {"all"}, "valid_until": {until}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "NOSUCH1") {
		t.Fatalf("grant to an unknown FIN: %d (what was typed kept: %v)", code, strings.Contains(page, "NOSUCH1"))
	}
	if code, _ := director.post("/cabinet/businesses/1700123451/mandates", url.Values{"grantee": {"5ZQX7KA"}, "scope": {"all"}, "valid_until": {until}}); code != http.StatusSeeOther {
		t.Fatalf("grant: %d", code)
	}

	// Aysel acts for the business.
	aysel.get("/cabinet/businesses")
	if code, _ := aysel.post("/cabinet/businesses/acting-as", url.Values{"voen": {"1700123451"}}); code != http.StatusSeeOther {
		t.Fatalf("acting-as with a mandate: %d", code)
	}
	if code, page := aysel.get("/cabinet/business"); code != http.StatusOK || !strings.Contains(page, "Xəzər Logistika") {
		t.Fatalf("business page while acting: %d", code)
	}

	// The director revokes; Aysel's very next request is refused.
	_, page = director.get("/cabinet/businesses")
	id := regexp.MustCompile(`/cabinet/mandates/(\d+)/revoke`).FindStringSubmatch(page)
	if id == nil {
		t.Fatal("no revoke form for the mandate")
	}
	if code, _ := director.post("/cabinet/mandates/"+id[1]+"/revoke", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", code)
	}
	if code, _ := aysel.get("/cabinet/business"); code != http.StatusForbidden {
		t.Errorf("business page after revocation: %d, want 403", code)
	}
	// Nobody else may revoke or grant for the business.
	if code, _ := aysel.post("/cabinet/businesses/1700123451/mandates", url.Values{"grantee": {"7MJD3TE"}, "scope": {"all"}, "valid_until": {until}}); code != http.StatusForbidden {
		t.Errorf("grant by a non-director: %d, want 403", code)
	}
}

// A language chosen while signed in is kept in the account and applies on
// the person's next sign-in from another browser.
func TestLanguageIsRemembered(t *testing.T) {
	a, srv := newServer(t)
	b := signedIn(t, srv, "3KCR8WN")
	b.get("/cabinet?lang=ru")
	acct, err := a.Identity.PersonAccount(t.Context(), "3KCR8WN")
	if err != nil {
		t.Fatal(err)
	}
	if acct.Lang != "ru" {
		t.Fatalf("account language %q, want ru", acct.Lang)
	}
	other := signedIn(t, srv, "3KCR8WN")
	if _, page := other.get("/cabinet"); !strings.Contains(page, `<html lang="ru"`) {
		t.Errorf("next sign-in is not in Russian")
	}
}
