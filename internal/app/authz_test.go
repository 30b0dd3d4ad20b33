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
//	agency     an agency's officials (operators and supervisors); which
//	           applications each may see is checked per object by
//	           TestAuthorizationMatrixObjects
//	supervisor an agency's supervisors
//	rules      the administrator and agencies' supervisors (proactive rules)
//	centre     a service centre's operators
//	migration  the migration service's officials (e-visas)
//	border     border officers
//	system     an agency's information system with an API key, and no
//	           person or official (TestNotificationsAPI calls these)
//	protocol   open to all at the web layer; the protocol itself
//	           authenticates the caller (OAuth client secrets and bearer
//	           tokens, the card acquirer's signed webhooks), so only that
//	           the route is public is checked here
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

	// The Consent block's records, listed and withdrawn in the cabinet.
	"GET /cabinet/consents/agreements":                "citizen",
	"POST /cabinet/consents/agreements/{id}/withdraw": "citizen",

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
	"GET /admin/gateway":                       "admin",
	"POST /admin/gateway/members":              "admin",
	"POST /admin/gateway/subsystems":           "admin",
	"POST /admin/gateway/groups":               "admin",
	"POST /admin/gateway/group-members":        "admin",
	"POST /admin/gateway/group-members/remove": "admin",
	"GET /admin/gateway/services/new":          "admin",
	"POST /admin/gateway/services/new":         "admin",
	"GET /admin/gateway/services/{id...}":      "admin",
	"POST /admin/gateway/grants/{id...}":       "admin",
	"POST /admin/gateway/revocations/{id...}":  "admin",
	"GET /admin/gateway/subsystems/{id...}":    "admin",
	"POST /admin/gateway/keys/{id...}":         "admin",
	"POST /admin/gateway/revoke-key/{id...}":   "admin",
	"GET /admin/govstack":                      "admin",
	"POST /admin/govstack/agency-links":        "admin",
	"POST /admin/govstack/agency-links/remove": "admin",
	"POST /admin/govstack/payer-fis":           "admin",
	"POST /admin/govstack/billers":             "admin",
	"GET /cabinet/for-you":                     "citizen",
	"GET /cabinet/for-you/{id}":                "citizen",
	"POST /cabinet/for-you/{id}/accept":        "citizen",
	"POST /cabinet/for-you/{id}/decline":       "citizen",
	"GET /admin/rules":                         "rules",
	"GET /admin/rules/new":                     "rules",
	"POST /admin/rules":                        "rules",
	"GET /admin/rules/{id}/{version}":          "rules",
	"POST /admin/rules/{id}/{version}/test":    "rules",
	"POST /admin/rules/{id}/{version}/dry-run": "rules",
	"POST /admin/rules/{id}/{version}/publish": "rules",
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

	"GET /services/{slug}/apply":                              "citizen",
	"POST /services/{slug}/apply":                             "citizen",
	"GET /cabinet/applications":                               "citizen",
	"GET /cabinet/applications/{number}":                      "citizen",
	"GET /cabinet/applications/{number}/form/{page}":          "citizen",
	"POST /cabinet/applications/{number}/form/{page}":         "citizen",
	"GET /cabinet/applications/{number}/check":                "citizen",
	"POST /cabinet/applications/{number}/submit":              "citizen",
	"POST /cabinet/applications/{number}/withdraw":            "citizen",
	"POST /cabinet/applications/{number}/respond":             "citizen",
	"POST /cabinet/applications/{number}/files/{file}/remove": "citizen",
	"GET /cabinet/applications/{number}/files/{file}":         "citizen",
	"GET /cabinet/applications/{number}/correction/{field}":   "citizen",
	"POST /cabinet/applications/{number}/correction/{field}":  "citizen",
	"GET /office":                                          "agency",
	"POST /office/bulk":                                    "agency",
	"GET /office/applications/{number}":                    "agency",
	"POST /office/applications/{number}/assign":            "agency",
	"POST /office/applications/{number}/request-info":      "agency",
	"POST /office/applications/{number}/decide":            "agency",
	"GET /office/applications/{number}/files/{file}":       "agency",
	"GET /office/corrections":                              "agency",
	"POST /office/corrections/{id}/resolve":                "agency",
	"GET /office/keys":                                     "supervisor",
	"POST /office/keys":                                    "supervisor",
	"POST /office/keys/{id}/revoke":                        "supervisor",
	"GET /api/v1/applications":                             "agency",
	"GET /api/v1/applications/{number}":                    "agency",
	"POST /api/v1/applications/{number}/status":            "agency",
	"POST /api/v1/applications/{number}/decision":          "agency",
	"POST /api/v1/applications/{number}/attachments":       "agency",
	"GET /api/v1/applications/{number}/attachments/{file}": "agency",

	"GET /cabinet/letters":                       "citizen",
	"GET /cabinet/letters/new":                   "citizen",
	"POST /cabinet/letters":                      "citizen",
	"GET /cabinet/letters/{number}":              "citizen",
	"GET /cabinet/letters/{number}/files/{file}": "citizen",
	"GET /office/letters":                        "agency",
	"GET /office/letters/new":                    "agency",
	"POST /office/letters":                       "agency",
	"GET /office/letters/{number}":               "agency",
	"POST /office/letters/{number}/answer":       "agency",
	"POST /office/letters/{number}/extend":       "agency",
	"GET /office/letters/{number}/files/{file}":  "agency",

	"POST /api/v1/notifications":     "system",
	"GET /api/v1/notifications":      "system",
	"GET /api/v1/notifications/{id}": "system",
	"GET /office/templates":          "agency",
	"GET /office/templates/new":      "agency",
	"POST /office/templates":         "agency",
	"GET /office/templates/{key}":    "agency",

	"GET /payments":                                   "anyone",
	"POST /payments/find":                             "anyone",
	"POST /payments/pay":                              "anyone",
	"GET /payments/return":                            "anyone",
	"POST /payments/callback":                         "protocol",
	"GET /cabinet/payments":                           "citizen",
	"GET /cabinet/payments/receipts/{number}":         "citizen",
	"POST /cabinet/payments/payouts/{number}/account": "citizen",
	"GET /office/payments":                            "agency",
	"POST /office/payments/refunds":                   "agency",
	"POST /office/payments/overpayments/refunds":      "agency",
	"GET /office/payments/reconciliation":             "agency",
	"GET /office/documents":                           "agency",
	"GET /office/documents/{number}":                  "agency",
	"POST /office/documents/{number}/status":          "agency",
	"GET /admin/document-keys":                        "admin",
	"GET /admin/centres":                              "admin",
	"POST /admin/centres/priority":                    "admin",
	"GET /admin/centres/{slug}":                       "admin",
	"POST /admin/centres/{slug}":                      "admin",
	"POST /admin/document-keys/rotate":                "admin",
	"POST /admin/document-keys/{kid}/revoke":          "admin",
	"POST /office/payments/reconciliation":            "agency",

	"GET /.well-known/egov-document-keys.json": "anyone",
	"GET /verify":          "anyone",
	"GET /verify/{number}": "anyone",
	"GET /api/v1/documents/{number}/verification":           "anyone",
	"POST /api/v1/verify":                                   "anyone",
	"GET /shared/{token}":                                   "anyone",
	"GET /cabinet/documents":                                "citizen",
	"GET /cabinet/documents/{number}":                       "citizen",
	"GET /cabinet/documents/{number}/pdf":                   "citizen",
	"GET /cabinet/documents/registry/{kind}/{number}/pdf":   "citizen",
	"POST /cabinet/documents/{number}/shares":               "citizen",
	"POST /cabinet/documents/{number}/shares/{id}/withdraw": "citizen",
	"GET /cabinet/documents/{number}/qr":                    "citizen",

	"GET /centers":                          "anyone",
	"GET /centers/index":                    "anyone",
	"GET /centers/{slug}":                   "anyone",
	"GET /centers/{slug}/book":              "citizen",
	"POST /centers/{slug}/book":             "citizen",
	"GET /cabinet/bookings":                 "citizen",
	"POST /cabinet/bookings/{code}/cancel":  "citizen",
	"POST /cabinet/bookings/{code}/checkin": "citizen",
	"GET /centers/{slug}/kiosk":             "anyone",
	"POST /centers/{slug}/kiosk":            "anyone",
	"POST /centers/{slug}/checkin":          "anyone",
	"GET /centers/{slug}/board":             "anyone",
	"GET /centers/{slug}/board/events":      "anyone",
	"GET /centers/board.js":                 "anyone",
	"GET /centers/desk":                     "centre",
	"POST /centers/desk/call":               "centre",
	"POST /centers/desk/recall":             "centre",
	"POST /centers/desk/noshow":             "centre",
	"POST /centers/desk/transfer":           "centre",
	"POST /centers/desk/serve":              "centre",
	"GET /centers/{page}/{token}":           "anyone",
	"POST /centers/{page}/{token}":          "anyone",
	"GET /api/v1/centers":                   "anyone",
	"GET /api/v1/centers/index.json":        "anyone",
	"GET /api/v1/centers/index.csv":         "anyone",
	"GET /api/v1/centers/{slug}":            "anyone",

	"GET /e-visa":                                   "anyone",
	"POST /e-visa":                                  "anyone",
	"GET /e-visa/apply/{token}":                     "anyone",
	"POST /e-visa/apply/{token}/people":             "anyone",
	"POST /e-visa/apply/{token}/people/{id}/remove": "anyone",
	"POST /e-visa/apply/{token}/submit":             "anyone",
	"GET /e-visa/status":                            "anyone",
	"POST /e-visa/status":                           "anyone",
	"POST /e-visa/status/pdf":                       "anyone",
	"GET /office/e-visa":                            "migration",
	"GET /office/e-visa/people/{id}":                "migration",
	"POST /office/e-visa/people/{id}/decide":        "migration",
	"GET /office/e-visa/watch-list":                 "migration",
	"POST /office/e-visa/watch-list":                "migration",
	"POST /office/e-visa/watch-list/{id}/remove":    "migration",
	"GET /border":                                   "border",
	"POST /border/check":                            "border",
	"POST /border/entry":                            "border",
	"POST /border/exit":                             "border",
	"GET /border/overstays":                         "border",
}

// samplePathValues fill the path parameters of the patterns.
var samplePathValues = map[string]string{
	"slug":    "identity-card",
	"voen":    "1700123451",
	"client":  "demo-rp",
	"channel": "email",
	// A login no one has: the admin's POSTs must not disable a real
	// account before that account's own rows run.
	"login":  "no.such.login",
	"id":     "1",
	"number": "7KM2Q9XA4",
	"page":   "1",
	"file":   "0000000000000000000000000000000000000000000000000000000000000000",
	"field":  "full_name",
	"token":  "no-such-token",
	"code":   "NOSUCHCODE",
	"kind":   "id_card",
	"key":    "applications.submitted",
	"kid":    "no-such-kid",

	// a proactive rule's version
	"version": "1",
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
	case "agency":
		return a.name == "agency_operator" || a.name == "agency_supervisor" || a.name == "other_agency_operator"
	case "supervisor":
		return a.name == "agency_supervisor"
	case "rules":
		return a.name == "admin" || a.name == "agency_supervisor"
	case "centre":
		return a.name == "centre_operator"
	case "migration":
		return a.name == "other_agency_operator" // migration.operator
	case "border":
		return a.name == "border_officer"
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

// TestAuthorizationMatrixObjects is the matrix's object-level row: every
// route that names one application, called with a real application of the
// internal-affairs agency, answers 404 Not Found to an official of another
// agency and to another person (never 403, so numbers reveal nothing), and
// lets the application's own agency and applicant in.
func TestAuthorizationMatrixObjects(t *testing.T) {
	a, srv := newServer(t)
	ctx := context.Background()
	number := submitApplication(t, a)
	csrfCookie, token := csrfPair(t, srv)
	session := func(fin, login string, data map[string]string) *http.Cookie {
		var id int64
		if fin != "" {
			acct, err := a.Identity.PersonAccount(ctx, fin)
			if err != nil {
				t.Fatal(err)
			}
			id = acct.ID
		} else {
			acct, err := a.Identity.StaffAccount(ctx, login)
			if err != nil {
				t.Fatal(err)
			}
			id = acct.ID
		}
		return freshSession(t, a.Site.Sessions, id, data)
	}
	call := func(pattern string, cookie *http.Cookie) int {
		method, path, _ := strings.Cut(pattern, " ")
		path = strings.ReplaceAll(path, "{number}", number)
		path = pathParam.ReplaceAllStringFunc(path, func(m string) string { return samplePathValues[pathParam.FindStringSubmatch(m)[1]] })
		var body io.Reader
		if method == http.MethodPost {
			body = strings.NewReader(url.Values{"csrf_token": {token}}.Encode())
		}
		req, _ := http.NewRequest(method, srv.URL+path, body)
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.AddCookie(csrfCookie)
		req.AddCookie(cookie)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	checked := 0
	for _, r := range a.Router.Routes() {
		if !strings.Contains(r.Pattern, "/applications/{number}") {
			continue
		}
		_, path, _ := strings.Cut(r.Pattern, " ")
		var outsider, insider *http.Cookie
		switch {
		case strings.HasPrefix(path, "/office/") || strings.HasPrefix(path, "/api/"):
			outsider, insider = session("", "migration.operator", nil), session("", "dim.operator", nil)
		case strings.HasPrefix(path, "/cabinet/"):
			outsider, insider = session("2HPL4RM", "", nil), session("5ZQX7KA", "", nil)
		default:
			t.Errorf("%s: no owner rule for this route", r.Pattern)
			continue
		}
		checked++
		if code := call(r.Pattern, outsider); code != http.StatusNotFound {
			t.Errorf("%s by an outsider: %d, want 404", r.Pattern, code)
		}
		if code := call(r.Pattern, insider); code == http.StatusUnauthorized || code == http.StatusForbidden {
			t.Errorf("%s by its owner: %d", r.Pattern, code)
		}
	}
	if checked < 15 {
		t.Fatalf("only %d routes name an application", checked)
	}
}
