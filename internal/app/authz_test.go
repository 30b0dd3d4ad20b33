package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/web"
)

// routeAccess says who may call each route. It is the authorization
// matrix: every route the app registers must be listed here, and the test
// below checks each against every role.
//
//	anyone     everybody, signed in or not
//	signed-in  any signed-in account
//	staff      any staff account (including one still setting up TOTP)
//	citizen    a person (not staff)
//	business   a person acting for a business
//	admin      the platform administrator
//	audit      the auditor and the administrator
//	auditor    the auditor alone (personal-data reads)
//	protocol   open to all at the web layer; the OAuth/OIDC protocol itself
//	           authenticates the caller (client secrets, bearer tokens), so
//	           only that the route is public is checked here
var routeAccess = map[string]string{
	"GET /{$}":                                 "anyone",
	"GET /search":                              "anyone",
	"GET /services":                            "anyone",
	"GET /services/{slug}":                     "anyone",
	"GET /agencies":                            "anyone",
	"GET /agencies/{slug}":                     "anyone",
	"GET /situations":                          "anyone",
	"GET /situations/{slug}":                   "anyone",
	"GET /api/v1/services":                     "anyone",
	"GET /api/v1/services/{slug}":              "anyone",
	"GET /api/v1/agencies":                     "anyone",
	"GET /api/v1/situations":                   "anyone",
	"GET /api/v1/openapi.json":                 "anyone",
	"GET /healthz":                             "anyone",
	"GET /readyz":                              "anyone",
	"GET /metrics":                             "anyone",
	"GET /static/":                             "anyone",
	"GET /auth/signin":                         "anyone",
	"GET /auth/staff":                          "anyone",
	"GET /auth/foreigner":                      "anyone",
	"POST /auth/foreigner":                     "anyone",
	"POST /auth/staff":                         "anyone",
	"GET /auth/demo":                           "anyone",
	"POST /auth/demo":                          "anyone",
	"POST /auth/signout":                       "signed-in",
	"GET /cabinet":                             "signed-in",
	"GET /cabinet/activity":                    "signed-in",
	"GET /cabinet/security":                    "signed-in",
	"GET /cabinet/businesses":                  "citizen",
	"POST /cabinet/businesses/acting-as":       "citizen",
	"POST /cabinet/businesses/{voen}/mandates": "citizen",
	"POST /cabinet/mandates/{id}/revoke":       "citizen",
	"GET /cabinet/business":                    "business",
	"GET /cabinet/passkeys":                    "citizen",
	"POST /cabinet/passkeys/register/begin":    "citizen",
	"POST /cabinet/passkeys/register/finish":   "citizen",
	"POST /cabinet/passkeys/{id}/delete":       "citizen",
	"POST /cabinet/passkeys/{id}/rename":       "citizen",
	"GET /static/identity/passkey.js":          "anyone",
	"POST /auth/passkey/begin":                 "anyone",
	"POST /auth/passkey/finish":                "anyone",
	"GET /cabinet/consents":                    "citizen",
	"POST /cabinet/consents/{client}/revoke":   "citizen",
	"GET /oauth/consent":                       "anyone",
	"POST /oauth/consent":                      "anyone",
	"GET /.well-known/openid-configuration":    "anyone",
	"GET /oauth/keys":                          "anyone",
	"GET /oauth/authorize":                     "protocol",
	"GET /oauth/authorize/callback":            "protocol",
	"GET /oauth/end_session":                   "protocol",
	"GET /oauth/userinfo":                      "protocol",
	"POST /oauth/token":                        "protocol",
	"POST /oauth/introspect":                   "protocol",
	"POST /oauth/revoke":                       "protocol",
	"GET /admin":                               "admin",
	"GET /admin/staff":                         "admin",
	"GET /admin/staff/new":                     "admin",
	"POST /admin/staff/new":                    "admin",
	"GET /admin/staff/{login}":                 "admin",
	"POST /admin/staff/{login}":                "admin",
	"POST /admin/staff/{login}/disable":        "admin",
	"POST /admin/staff/{login}/enable":         "admin",
	"POST /admin/staff/{login}/totp-reset":     "admin",
	"GET /admin/oidc-clients":                  "admin",
	"GET /admin/oidc-clients/new":              "admin",
	"POST /admin/oidc-clients/new":             "admin",
	"GET /admin/oidc-clients/{id}":             "admin",
	"POST /admin/oidc-clients/{id}":            "admin",
	"POST /admin/oidc-clients/{id}/secret":     "admin",
	"GET /audit":                               "audit",
	"POST /audit/verify":                       "audit",
	"GET /cabinet/contacts":                    "signed-in",
	"POST /cabinet/contacts/{channel}":         "signed-in",
	"POST /cabinet/contacts/{channel}/confirm": "signed-in",
	"/r1/":                               "protocol",
	"GET /cabinet/data-access":           "citizen",
	"GET /audit/data-access":             "auditor",
	"GET /cabinet/messages":              "signed-in",
	"GET /cabinet/messages/settings":     "signed-in",
	"POST /cabinet/messages/settings":    "signed-in",
	"GET /cabinet/messages/{id}":         "signed-in",
	"POST /cabinet/security/totp":        "staff",
	"POST /cabinet/security/signout-all": "signed-in",
}

// samplePathValues fill the path parameters of the patterns.
var samplePathValues = map[string]string{
	"slug":    "identity-card",
	"voen":    "1700123451",
	"client":  "demo-rp",
	"channel": "email",
	// A login no one has: the admin's POSTs must not disable a real
	// account before that account's own rows run.
	"login": "no.such.login",
	"id":    "1",
}

// matrixActor is one kind of caller: nobody, a citizen or a staff member.
type matrixActor struct {
	name  string
	fin   string // a citizen's FIN
	login string // a staff login (demo password)
	staff bool
	// business: a citizen acting for a business (the director of the
	// demo business, acting for it)
	business bool
}

var matrixActors = []matrixActor{
	{name: "anonymous"},
	{name: "citizen", fin: "5ZQX7KA"},
	{name: "business_representative", fin: "2HPL4RM", business: true},
	{name: "agency_operator", login: "dim.operator", staff: true},
	{name: "agency_supervisor", login: "dim.supervisor", staff: true},
	{name: "other_agency_operator", login: "migration.operator", staff: true},
	{name: "centre_operator", login: "asan.operator", staff: true},
	{name: "border_officer", login: "border.officer", staff: true},
	{name: "admin", login: "admin", staff: true},
	{name: "auditor", login: "auditor", staff: true},
}

func allowed(rule string, a matrixActor) bool {
	switch rule {
	case "anyone":
		return true
	case "signed-in":
		return a.name != "anonymous"
	case "staff":
		return a.staff
	case "citizen":
		return a.fin != ""
	case "business":
		return a.business
	case "admin":
		return a.name == "admin"
	case "audit":
		return a.name == "admin" || a.name == "auditor"
	case "auditor":
		return a.name == "auditor"
	}
	return false
}

var pathParam = regexp.MustCompile(`\{([a-z]+)(\.\.\.)?\}`)

// TestAuthorizationMatrix calls every route as every kind of caller, each
// call in a fresh session, and checks that the route lets in exactly whom
// routeAccess says.
func TestAuthorizationMatrix(t *testing.T) {
	a, srv := newServer(t)
	ctx := context.Background()

	routes := map[string]bool{}
	for _, r := range a.Router.Routes() {
		routes[r.Pattern] = true
		rule, ok := routeAccess[r.Pattern]
		if !ok {
			t.Errorf("route %q is not in the authorization matrix (routeAccess)", r.Pattern)
		}
		if rule == "protocol" && r.Access.Name != web.Public.Name {
			t.Errorf("protocol route %q declares access %s, want public", r.Pattern, r.Access.Name)
		}
	}
	for pattern := range routeAccess {
		if !routes[pattern] {
			t.Errorf("routeAccess lists %q, which is not registered", pattern)
		}
	}

	// A browser's CSRF cookie and the matching token, from a form.
	csrfCookie, token := csrfPair(t, srv)

	for _, actor := range matrixActors {
		var accountID int64
		switch {
		case actor.fin != "":
			acct, err := a.Identity.PersonAccount(ctx, actor.fin)
			if err != nil {
				t.Fatal(err)
			}
			accountID = acct.ID
		case actor.login != "":
			acct, err := a.Identity.StaffAccount(ctx, actor.login)
			if err != nil {
				t.Fatalf("%s: %v", actor.login, err)
			}
			accountID = acct.ID
		}
		for pattern, rule := range routeAccess {
			if rule == "protocol" {
				continue
			}
			method, path, _ := strings.Cut(pattern, " ")
			path = strings.TrimSuffix(path, "{$}")
			path = pathParam.ReplaceAllStringFunc(path, func(m string) string {
				name := pathParam.FindStringSubmatch(m)[1]
				v, ok := samplePathValues[name]
				if !ok {
					t.Fatalf("no sample value for {%s} in %s", name, pattern)
				}
				return v
			})
			if strings.HasSuffix(path, "/static/") {
				path += "egov.css"
			}
			t.Run(actor.name+" "+pattern, func(t *testing.T) {
				var body io.Reader
				if method == http.MethodPost {
					body = strings.NewReader(url.Values{"csrf_token": {token}}.Encode())
				}
				req, _ := http.NewRequest(method, srv.URL+path, body)
				if method == http.MethodPost {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				req.AddCookie(csrfCookie)
				if accountID != 0 {
					data := map[string]string{}
					if actor.business {
						data["acting_for"] = "1700123451"
					}
					req.AddCookie(freshSession(t, a.Site.Sessions, accountID, data))
				}
				resp, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				denied := resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden
				want := allowed(rule, actor)
				switch {
				case want && denied:
					t.Errorf("%s was refused (%d), want allowed (%s)", actor.name, resp.StatusCode, rule)
				case !want && !denied:
					t.Errorf("%s was let in (%d), want refused (%s)", actor.name, resp.StatusCode, rule)
				case !want && actor.name == "anonymous" && resp.StatusCode != http.StatusUnauthorized:
					t.Errorf("anonymous got %d, want 401", resp.StatusCode)
				case !want && actor.name != "anonymous" && resp.StatusCode != http.StatusForbidden:
					t.Errorf("%s got %d, want 403", actor.name, resp.StatusCode)
				}
			})
		}
	}
}

// csrfPair gets a CSRF cookie and the token forms carry for it.
func csrfPair(t *testing.T, srv *httptest.Server) (*http.Cookie, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + "/auth/demo")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on /auth/demo")
	}
	for _, c := range resp.Cookies() {
		if c.Name == "egov_csrf" {
			return c, string(m[1])
		}
	}
	t.Fatal("no CSRF cookie")
	return nil, ""
}

// freshSession signs an account in on a new session and returns its cookie,
// so that a route that signs out does not spoil the next call.
func freshSession(t *testing.T, sessions *web.Sessions, accountID int64, data map[string]string) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if _, err := sessions.Start(req.Context(), rec, req, identity.SessionSubject(accountID), data); err != nil {
		t.Fatal(err)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == "egov_session" {
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}
