package app_test

// Browser tests: egov's pages as a person sees them, in headless Chromium
// (see internal/browsertest). They need EGOV_TEST_CHROMIUM and axe-core
// (EGOV_TEST_AXE or .ci/node_modules), skip without them, and fail without
// them under CI=true. Run them with
//
//	EGOV_TEST_CHROMIUM=/usr/bin/chromium go test ./internal/app/ -run Browser -v
//
// and set EGOV_TEST_SHOTS to a folder to keep screenshots of some pages.

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/egov/egov/internal/app"
	"github.com/egov/egov/internal/browsertest"
	"github.com/egov/egov/internal/nationalid"
)

// browserPage is one page every language of which is checked in the
// browser: its lang attribute, one h1, and no axe-core violation.
type browserPage struct {
	path   string // path and query, without lang; "{agency}" is the identity card's agency
	status int    // the expected HTTP status; 0 means 200
	shot   string // if set, the name of a screenshot kept under EGOV_TEST_SHOTS
	as     string // who is signed in: "" nobody, a FIN, or a staff login
}

// browserPages lists every page of the demo. A new page joins it here;
// TestBrowserPagesCoverRoutes fails until every HTML route is listed.
var browserPages = []browserPage{
	{path: "/", shot: "home"},
	{path: "/services"},
	{path: "/services?audience=foreigner"},
	{path: "/services/identity-card", shot: "identity-card"},
	{path: "/services/passport"},
	{path: "/services/driving-licence"},
	{path: "/services/vehicle-registration"},
	{path: "/services/birth-certificate"},
	{path: "/services/criminal-record-certificate"},
	{path: "/services/child-benefit"},
	{path: "/services/pension"},
	{path: "/services/e-visa"},
	{path: "/agencies"},
	{path: "/agencies/{agency}"},
	{path: "/situations"},
	{path: "/situations/child-born"},
	{path: "/search?q=şəxsiyyət"},
	{path: "/search?q=zzzzqqq"},
	{path: "/no-such-page", status: http.StatusNotFound},
	{path: "/auth/signin"},
	{path: "/auth/demo"},
	{path: "/auth/staff"},
	{path: "/auth/foreigner"},
	{path: "/cabinet", status: http.StatusUnauthorized},
	{path: "/cabinet", as: "5ZQX7KA", shot: "cabinet"},
	{path: "/cabinet/activity", as: "5ZQX7KA"},
	{path: "/cabinet/security", as: "5ZQX7KA"},
	{path: "/cabinet/passkeys", as: "5ZQX7KA"},
	{path: "/cabinet/contacts", as: "5ZQX7KA"},
	{path: "/cabinet/data-access", as: "5ZQX7KA"},
	{path: "/cabinet/consents", as: "5ZQX7KA"},
	{path: "/cabinet/consents/agreements", as: "5ZQX7KA"},
	{path: "/cabinet/messages", as: "5ZQX7KA"},
	{path: "/cabinet/messages/1", as: "5ZQX7KA"},
	{path: "/cabinet/messages/settings", as: "5ZQX7KA"},
	{path: "/cabinet/for-you", as: "5ZQX7KA", shot: "for-you"},
	// The OpenID Connect consent screen, reached as a relying party sends a
	// person: the demo client asks for three data items (PKCE per RFC 7636's
	// example challenge).
	{path: "/oauth/authorize?client_id=demo-rp&response_type=code&scope=openid+fin+name+birthdate&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&state=s1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256", as: "5ZQX7KA", shot: "consent"},
	{path: "/cabinet/messages/1", as: "2HPL4RM", status: http.StatusNotFound}, // 5ZQX7KA's message
	{path: "/cabinet/businesses", as: "2HPL4RM"},
	{path: "/cabinet/for-you", as: "2HPL4RM"},
	{path: "/cabinet/business", as: "2HPL4RM", status: http.StatusForbidden}, // until he chooses to act for it
	{path: "/admin", as: "admin"},
	{path: "/admin/staff", as: "admin"},
	{path: "/admin/staff/new", as: "admin"},
	{path: "/admin/staff/dim.operator", as: "admin"},
	{path: "/admin/oidc-clients", as: "admin"},
	{path: "/admin/oidc-clients/new", as: "admin"},
	{path: "/admin/rules", as: "admin"},
	{path: "/admin/rules/new", as: "admin"},
	{path: "/admin/rules/identity-card-at-18/1", as: "admin"},
	{path: "/admin/oidc-clients/demo-rp", as: "admin"},
	{path: "/admin/gateway", as: "admin"},
	{path: "/admin/gateway/services/new", as: "admin"},
	{path: "/admin/gateway/services/AZ/GOV/1000000001/population/persons", as: "admin"},
	{path: "/admin/gateway/subsystems/AZ/GOV/1000000010/portal", as: "admin"},
	{path: "/admin/govstack", as: "admin"},
	{path: "/audit", as: "admin"},
	{path: "/audit", as: "auditor"},
	{path: "/audit/data-access", as: "auditor"},
	{path: "/audit/data-access?fin=5ZQX7KA&purpose=test", as: "auditor"},
	{path: "/audit/data-access", status: http.StatusUnauthorized},
	{path: "/admin", as: "auditor", status: http.StatusForbidden},
	{path: "/cabinet", as: "dim.operator"},
	{path: "/office", as: "dim.operator", shot: "office"},
	{path: "/office?due=overdue&mine=1", as: "dim.operator"},
	{path: "/office/corrections", as: "dim.operator"},
	{path: "/office/templates", as: "dim.operator"},
	{path: "/office/templates/new", as: "dim.operator"},
	{path: "/office/templates/applications.submitted?v.number=ABC-DEF-GHJ", as: "dim.operator"},
	{path: "/office/keys", as: "dim.supervisor"},
	{path: "/office", as: "5ZQX7KA", status: http.StatusForbidden},
	{path: "/cabinet/applications", as: "5ZQX7KA"},
	{path: "/services/criminal-record-certificate/apply", as: "5ZQX7KA"},
	{path: "/cabinet/letters", as: "5ZQX7KA"},
	{path: "/centers"},
	{path: "/centers/index"},
	{path: "/centers/baku-1"},
	{path: "/centers/baku-1/kiosk"},
	{path: "/centers/baku-1/book", as: "3KCR8WN"},
	{path: "/cabinet/bookings", as: "3KCR8WN"},
	{path: "/centers/desk", as: "asan.operator"},
	{path: "/verify"},
	{path: "/verify/7KM2Q9XA4", status: http.StatusNotFound},
	{path: "/cabinet/documents", as: "2HPL4RM"},
	{path: "/payments"},
	{path: "/payments?plate=10-AB-123"},
	{path: "/payments/return", status: http.StatusNotFound},
	{path: "/cabinet/payments", as: "7MJD3TE"},
	{path: "/office/payments", as: "dim.operator"},
	{path: "/office/documents", as: "dim.operator"},
	{path: "/admin/document-keys", as: "admin"},
	{path: "/admin/centres", as: "admin"},
	{path: "/admin/centres/baku-1", as: "admin"},
	{path: "/office/payments/reconciliation", as: "dim.operator"},
	{path: "/cabinet/letters/new", as: "5ZQX7KA"},
	{path: "/office/letters", as: "dim.operator"},
	{path: "/office/letters/new", as: "dim.operator"},
	{path: "/cabinet/security", as: "dim.operator"},
	{path: "/e-visa"},
	{path: "/e-visa/status"},
	{path: "/e-visa/apply/no-such-token", status: http.StatusNotFound},
	{path: "/office/e-visa", as: "migration.operator"},
	{path: "/office/e-visa/watch-list", as: "migration.operator"},
	{path: "/office/e-visa", as: "dim.operator", status: http.StatusForbidden},
	{path: "/border", as: "border.officer"},
	{path: "/border/overstays", as: "border.officer"},
}

// browserLangs are the languages every page is checked in.
var browserLangs = []string{"az", "en", "ru"}

// notPages are the route prefixes that are no pages for a person.
// /oauth/ holds protocol endpoints; its one page, the consent screen, is
// reached through /oauth/authorize above.
var notPages = []string{"/healthz", "/readyz", "/metrics", "/static/", "/api/", "/oauth/"}

// startBrowserApp builds egov in demo mode on a fresh embedded store and
// serves it on a loopback port until the test ends.
func startBrowserApp(t *testing.T) (*app.App, *httptest.Server) {
	t.Helper()
	return newServer(t)
}

// withLang adds ?lang= (or &lang=) to a path.
func withLang(path, lang string) string {
	if strings.Contains(path, "?") {
		return path + "&lang=" + lang
	}
	return path + "?lang=" + lang
}

// identityCardAgency reads the slug of the agency that issues identity cards
// from the JSON API.
func identityCardAgency(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + "/api/v1/services/identity-card")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct {
		Agency string `json:"agency"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || s.Agency == "" {
		t.Fatalf("GET /api/v1/services/identity-card: status %d, agency %q, %v", resp.StatusCode, s.Agency, err)
	}
	return s.Agency
}

func TestBrowserEveryPageAccessible(t *testing.T) {
	ctx := browsertest.Chromium(t)
	a, srv := startBrowserApp(t)
	agency := identityCardAgency(t, srv)
	shots := os.Getenv("EGOV_TEST_SHOTS")
	// A draft of Aysel's, so that her list of applications shows one
	// with its button to discard it.
	if _, err := a.Applications.Start(context.Background(), ayselApplying(t, a), "residence-registration"); err != nil {
		t.Fatal(err)
	}

	signedInAs := ""
	for _, p := range browserPages {
		if p.as != signedInAs {
			signInWithDemoForm(t, ctx, srv, p.as)
			signedInAs = p.as
		}
		path := strings.ReplaceAll(p.path, "{agency}", agency)
		want := p.status
		if want == 0 {
			want = http.StatusOK
		}
		for _, l := range browserLangs {
			u := withLang(path, l)
			t.Run(u, func(t *testing.T) {
				got := browsertest.Open(t, ctx, srv.URL+u)
				if got.Status != want {
					t.Errorf("status = %d, want %d", got.Status, want)
				}
				if got.Lang != l {
					t.Errorf("<html lang=%q>, want %q", got.Lang, l)
				}
				if got.H1 != 1 {
					t.Errorf("%d h1 elements, want exactly 1", got.H1)
				}
				if got.Title == "" {
					t.Error("empty <title>")
				}
				if vs := browsertest.Axe(t, ctx); len(vs) > 0 {
					t.Errorf("%d axe-core violations on %s:%s", len(vs), u, browsertest.Format(vs))
				}
				if p.shot != "" && shots != "" {
					browsertest.Screenshot(t, ctx, filepath.Join(shots, p.shot+"-"+l+".png"))
				}
			})
		}
	}
}

// signInWithDemoForm signs the browser out and, unless who is empty, in
// again through the demo sign-in form, as a person would: a FIN for a
// citizen, a login (with the demo password) for staff.
func signInWithDemoForm(t *testing.T, ctx context.Context, srv *httptest.Server, who string) {
	t.Helper()
	cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
	defer cancel()
	if _, err := chromedp.Call(cctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatalf("clear cookies: %v", err)
	}
	if who == "" {
		return
	}
	browsertest.Open(t, ctx, srv.URL+"/auth/demo?lang=en")
	var submit string
	if nationalid.ValidFIN(who) {
		if err := chromedp.Do(cctx, chromedp.SendKeys(chromedp.ID("fin"), who)); err != nil {
			t.Fatal(err)
		}
		submit = `form:has(#fin) [type="submit"]`
	} else {
		if err := chromedp.Do(cctx, chromedp.SendKeys(chromedp.ID("login"), who), chromedp.SendKeys(chromedp.ID("password"), "demo")); err != nil {
			t.Fatal(err)
		}
		submit = `form:has(#login) [type="submit"]`
	}
	got := browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(submit)))
	if u, _ := url.Parse(got.URL); u == nil || u.Path != "/cabinet" || got.Status != http.StatusOK {
		t.Fatalf("demo sign-in as %s landed on %s (status %d), want /cabinet", who, got.URL, got.Status)
	}
}

// TestBrowserPagesCoverRoutes checks that every page route (GET, without
// path parameters, answering HTML) is in browserPages, so that a page added
// later is checked in the browser too. It needs no browser.
func TestBrowserPagesCoverRoutes(t *testing.T) {
	a, srv := startBrowserApp(t)
	listed := map[string]bool{}
	for _, p := range browserPages {
		path, _, _ := strings.Cut(p.path, "?")
		listed[path] = true
	}
	for _, r := range a.Router.Routes() {
		method, path, ok := strings.Cut(r.Pattern, " ")
		if !ok || method != http.MethodGet {
			continue
		}
		path = strings.TrimSuffix(path, "{$}")
		if path == "" {
			path = "/"
		}
		if strings.Contains(path, "{") || slices.ContainsFunc(notPages, func(p string) bool { return strings.HasPrefix(path, p) }) {
			continue
		}
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/html" {
			continue
		}
		if !listed[path] {
			t.Errorf("route %q (access %s) answers HTML but %s is not in browserPages in browser_test.go: add it", r.Pattern, r.Access.Name, path)
		}
	}
}

// TestBrowserSearchWithoutJavaScript searches from the home page with the
// browser's JavaScript off, as some people browse.
func TestBrowserSearchWithoutJavaScript(t *testing.T) {
	ctx := browsertest.NewTab(t, browsertest.Chromium(t))
	_, srv := startBrowserApp(t)
	browsertest.DisableScripts(t, ctx, true)

	home := browsertest.Open(t, ctx, srv.URL+"/?lang=en")
	if home.Status != http.StatusOK {
		t.Fatalf("GET /: status %d", home.Status)
	}
	sctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.SendKeys(chromedp.ID("search-q"), "identity card")); err != nil {
		t.Fatalf("type into #search-q: %v", err)
	}
	got := browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/search"] [type="submit"]`)))

	u, err := url.Parse(got.URL)
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/search" || u.Query().Get("q") != "identity card" || got.Status != http.StatusOK {
		t.Fatalf("landed on %s (status %d), want /search?q=identity+card", got.URL, got.Status)
	}
	first, err := chromedp.Run(sctx, chromedp.AttributeValue(chromedp.CSS(`main a[href^="/services/"]`), "href"))
	if err != nil {
		t.Fatalf("no service link in the results: %v", err)
	}
	if first.Value != "/services/identity-card" {
		t.Errorf("first result links to %q, want /services/identity-card", first.Value)
	}
}
