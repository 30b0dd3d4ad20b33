package admin_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/egov/egov/internal/admin"
	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/identity/oidc"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

var migrations = []store.Migrations{web.Migrations, events.Migrations, audit.Migrations, catalog.Migrations, identity.Migrations, oidc.Migrations}

type stack struct {
	srv *httptest.Server
	db  *store.DB
	ids *identity.Service
	op  *oidc.Provider
	cat *catalog.Catalog
}

var demoHash = sync.OnceValues(func() (string, error) { return identity.HashPassword("demo") })

// newStack serves identity, the OIDC provider and the admin pages on db,
// with the demo catalog and four staff members (password "demo").
func newStack(t *testing.T, db *store.DB) *stack {
	t.Helper()
	ctx := context.Background()
	var (
		mu sync.Mutex
		h  http.Handler
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hh := h
		mu.Unlock()
		hh.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	site := web.NewSite(db, web.Options{Logger: slog.New(slog.DiscardHandler), Secret: []byte("0123456789abcdef0123456789abcdef"), Demo: true})
	ids := identity.New(db, site.Sessions, func(context.Context, string) (string, error) {
		return "", errs.E(errs.NotFound, "identity.error.fin_unknown")
	}, nil)
	site.Resolve = ids.Resolve
	op, err := oidc.New(db, site, ids, nil, oidc.Config{Issuer: srv.URL, Key: []byte("test-key-of-at-least-16-bytes")})
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(db, nil)
	data, err := catalog.DemoSeed()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Seed(ctx, data); err != nil {
		t.Fatal(err)
	}
	if err := cat.Load(ctx); err != nil {
		t.Fatal(err)
	}
	hash, err := demoHash()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []identity.StaffMember{
		{Login: "admin", Name: "Admin", Roles: []string{identity.RoleAdmin}},
		{Login: "second.admin", Name: "Second Admin", Roles: []string{identity.RoleAdmin}},
		{Login: "auditor", Name: "Auditor", Roles: []string{identity.RoleAuditor}},
		{Login: "border.officer", Name: "Border", Roles: []string{identity.RoleBorderOfficer}},
	} {
		m.PasswordHash = hash
		if _, err := ids.EnsureStaff(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	rt := web.NewRouter(site)
	identity.NewHTTP(ids, site, true).Routes(rt)
	op.Routes(rt)
	admin.New(site, ids, op, cat, db).Routes(rt)
	rt.Handle("GET /static/", web.Public, web.Static())
	mu.Lock()
	h = site.Handler(rt, nil)
	mu.Unlock()
	return &stack{srv: srv, db: db, ids: ids, op: op, cat: cat}
}

type browser struct {
	t     *testing.T
	base  string
	c     *http.Client
	token string
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func newBrowser(t *testing.T, s *stack) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// staff signs a staff member in through the demo form (password "demo").
func staff(t *testing.T, s *stack, login string) *browser {
	t.Helper()
	b := newBrowser(t, s)
	b.get("/auth/demo")
	if code, body := b.post("/auth/demo", url.Values{"login": {login}, "password": {"demo"}}); code != http.StatusSeeOther {
		t.Fatalf("demo sign-in as %s: %d\n%s", login, code, body)
	}
	return b
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
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

func (b *browser) post(path string, form url.Values) (int, string) {
	code, body, _ := b.postLoc(path, form)
	return code, body
}

func (b *browser) postLoc(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	form.Set("csrf_token", b.token)
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header.Get("Location")
}

func agencySlug(t *testing.T, s *stack) string {
	list := s.cat.Agencies("en")
	if len(list) == 0 {
		t.Fatal("no agencies in the demo catalog")
	}
	return list[0].Slug
}

func TestStaffLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		ctx := context.Background()
		adm := staff(t, s, "admin")
		if code, _ := adm.get("/admin/staff/new?lang=en"); code != http.StatusOK {
			t.Fatalf("GET /admin/staff/new: %d", code)
		}
		agency := agencySlug(t, s)
		const password = "correct horse battery"
		code, body, loc := adm.postLoc("/admin/staff/new", url.Values{"login": {"New.Operator"}, "name": {"Nigar Operator"},
			"roles": {identity.RoleAgencyOperator}, "agency": {agency}, "password_mode": {"typed"},
			"password": {password}, "password_confirm": {password}})
		if code != http.StatusSeeOther || loc != "/admin/staff/new.operator?done=created" {
			t.Fatalf("create: %d %q\n%s", code, loc, body)
		}
		acct, err := s.ids.StaffAccount(ctx, "new.operator")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(acct.Roles, ","), identity.RoleAgencyOperator; got != want || acct.Agency != agency || acct.TOTPEnabled {
			t.Errorf("account: roles %q agency %q totp %v", got, acct.Agency, acct.TOTPEnabled)
		}
		if _, body := adm.get("/admin/staff"); !strings.Contains(body, `href="/admin/staff/new.operator"`) {
			t.Error("the staff list does not show the new account")
		}

		t.Run("SignsInAndEnrols", func(t *testing.T) {
			b := newBrowser(t, s)
			b.get("/auth/staff")
			code, _, loc := b.postLoc("/auth/staff", url.Values{"login": {"new.operator"}, "password": {password}})
			if code != http.StatusSeeOther || loc != "/cabinet/security" {
				t.Fatalf("staff sign-in: %d %q, want 303 to /cabinet/security", code, loc)
			}
		})

		t.Run("ErrLoginTaken", func(t *testing.T) {
			code, body := adm.post("/admin/staff/new", url.Values{"login": {"new.operator"}, "name": {"X"},
				"roles": {identity.RoleBorderOfficer}, "password": {password}, "password_confirm": {password}})
			if code != http.StatusConflict || !strings.Contains(body, "already taken") {
				t.Errorf("duplicate login: %d", code)
			}
		})

		t.Run("ChangeAccess", func(t *testing.T) {
			code, _, loc := adm.postLoc("/admin/staff/new.operator", url.Values{"roles": {identity.RoleCentreOperator}, "centre": {"baku-1"}})
			if code != http.StatusSeeOther || !strings.HasSuffix(loc, "done=saved") {
				t.Fatalf("change access: %d %q", code, loc)
			}
			acct, _ := s.ids.StaffAccount(ctx, "new.operator")
			if strings.Join(acct.Roles, ",") != identity.RoleCentreOperator || acct.Centre != "baku-1" || acct.Agency != "" {
				t.Errorf("after change: %v %q %q", acct.Roles, acct.Agency, acct.Centre)
			}
		})

		t.Run("ResetTOTPAndDisable", func(t *testing.T) {
			if code, _ := adm.post("/admin/staff/new.operator/totp-reset", url.Values{}); code != http.StatusSeeOther {
				t.Errorf("reset TOTP: %d", code)
			}
			if code, _ := adm.post("/admin/staff/new.operator/disable", url.Values{}); code != http.StatusSeeOther {
				t.Errorf("disable: %d", code)
			}
			b := newBrowser(t, s)
			b.get("/auth/staff")
			if code, _ := b.post("/auth/staff", url.Values{"login": {"new.operator"}, "password": {password}}); code == http.StatusSeeOther {
				t.Error("a disabled account signed in")
			}
			if code, _ := adm.post("/admin/staff/new.operator/enable", url.Values{}); code != http.StatusSeeOther {
				t.Errorf("enable: %d", code)
			}
		})

		t.Run("ErrOwnAccount", func(t *testing.T) {
			adm.get("/admin/staff/admin")
			if code, _ := adm.post("/admin/staff/admin/disable", url.Values{}); code != http.StatusForbidden {
				t.Errorf("self-disable: %d, want 403", code)
			}
			code, body := adm.post("/admin/staff/admin", url.Values{"roles": {identity.RoleAuditor}})
			if code != http.StatusForbidden || !strings.Contains(body, "cannot remove your own administrator role") {
				t.Errorf("removing own admin role: %d", code)
			}
			acct, _ := s.ids.StaffAccount(ctx, "admin")
			if acct.Disabled || strings.Join(acct.Roles, ",") != identity.RoleAdmin {
				t.Errorf("admin's own account changed: %v disabled=%v", acct.Roles, acct.Disabled)
			}
		})

		t.Run("Audited", func(t *testing.T) {
			entries, err := audit.List(ctx, db, audit.Filter{Actor: "staff:admin", Object: "staff:new.operator"})
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range entries {
				actions = append(actions, e.Action)
				for k, v := range e.Detail {
					if strings.Contains(v, "Nigar") {
						t.Errorf("personal data in audit detail %s=%q", k, v)
					}
				}
			}
			got := strings.Join(actions, " ")
			want := "identity.staff.enabled identity.staff.disabled identity.staff.totp_reset identity.staff.access_changed identity.staff.created"
			if got != want {
				t.Errorf("audit actions = %q, want %q", got, want)
			}
		})
	}, migrations...)
}

func TestStaffValidationKeepsTyped(t *testing.T) {
	s := newStack(t, storetest.SQLite(t, migrations...))
	adm := staff(t, s, "admin")
	adm.get("/admin/staff/new?lang=en")
	code, body := adm.post("/admin/staff/new", url.Values{"login": {"Bad Login!"}, "name": {"Leyla Quliyeva"},
		"roles": {identity.RoleAgencyOperator, identity.RoleAuditor}, "centre": {"ganja-2"},
		"password": {"short-pass"}, "password_confirm": {"other"}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", code)
	}
	for _, want := range []string{
		`class="error-summary"`, `href="#login"`, `href="#agency"`, `href="#centre"`, `href="#password"`, `href="#password_confirm"`,
		`value="Bad Login!"`, `value="Leyla Quliyeva"`, `value="ganja-2"`,
		`id="role-agency_operator" name="roles" value="agency_operator" checked`, `id="role-auditor" name="roles" value="auditor" checked`,
		`id="password-error"`, "at least 12 characters", "do not match",
	} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("the form lacks %s", want)
		}
	}
	if strings.Contains(body, "short-pass") {
		t.Error("the password was sent back")
	}
	// In Azerbaijani too.
	adm.get("/admin/staff/new?lang=az")
	if _, body := adm.post("/admin/staff/new", url.Values{"login": {"ok.login"}, "name": {"A"}, "roles": {identity.RoleAuditor},
		"password": {"x"}, "password_confirm": {"x"}}); !strings.Contains(body, "Parol ən azı 12 simvol") {
		t.Error("the error is not in Azerbaijani")
	}
}

func TestGeneratedPasswordShownOnce(t *testing.T) {
	s := newStack(t, storetest.SQLite(t, migrations...))
	adm := staff(t, s, "admin")
	adm.get("/admin/staff/new?lang=en")
	code, body := adm.post("/admin/staff/new", url.Values{"login": {"gen.user"}, "name": {"Gen"},
		"roles": {identity.RoleBorderOfficer}, "password_mode": {"generate"}})
	if code != http.StatusCreated {
		t.Fatalf("status %d\n%s", code, body)
	}
	m := regexp.MustCompile(`<p><code>([A-Za-z0-9]{16})</code></p>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no generated password on the page")
	}
	if _, again := adm.get("/admin/staff/gen.user"); strings.Contains(again, m[1]) {
		t.Error("the password is shown a second time")
	}
	b := newBrowser(t, s)
	b.get("/auth/staff")
	if code, _, loc := b.postLoc("/auth/staff", url.Values{"login": {"gen.user"}, "password": {m[1]}}); code != http.StatusSeeOther || loc != "/cabinet/security" {
		t.Errorf("sign-in with the generated password: %d %q", code, loc)
	}
}

func TestOnlyAdminsAndAuditors(t *testing.T) {
	s := newStack(t, storetest.SQLite(t, migrations...))
	for _, tc := range []struct {
		login, path string
		want        int
	}{
		{"auditor", "/admin", http.StatusForbidden},
		{"auditor", "/admin/staff", http.StatusForbidden},
		{"auditor", "/admin/oidc-clients", http.StatusForbidden},
		{"auditor", "/audit", http.StatusOK},
		{"border.officer", "/admin/staff/new", http.StatusForbidden},
		{"border.officer", "/audit", http.StatusForbidden},
		{"admin", "/admin", http.StatusOK},
		{"admin", "/admin/staff", http.StatusOK},
		{"admin", "/admin/oidc-clients", http.StatusOK},
		{"admin", "/admin/oidc-clients/new", http.StatusOK},
		{"admin", "/audit", http.StatusOK},
		{"admin", "/admin/staff/no.such", http.StatusNotFound},
	} {
		t.Run(tc.login+tc.path, func(t *testing.T) {
			if code, _ := staff(t, s, tc.login).get(tc.path); code != tc.want {
				t.Errorf("%s GET %s: %d, want %d", tc.login, tc.path, code, tc.want)
			}
		})
	}
	b := staff(t, s, "auditor")
	b.get("/audit")
	if code, _ := b.post("/admin/staff/admin/disable", url.Values{}); code != http.StatusForbidden {
		t.Errorf("auditor disabling admin: %d", code)
	}
	if code, _ := newBrowser(t, s).get("/admin"); code != http.StatusUnauthorized {
		t.Errorf("anonymous /admin: %d", code)
	}
}

func TestAuditorSeesLogAndVerifies(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		adm := staff(t, s, "admin")
		adm.get("/admin/staff/new")
		adm.post("/admin/staff/new", url.Values{"login": {"audited.one"}, "name": {"A"}, "roles": {identity.RoleAuditor},
			"password": {"a long password"}, "password_confirm": {"a long password"}})

		aud := staff(t, s, "auditor")
		code, body := aud.get("/audit?lang=en&actor=staff:admin")
		aud.get("/audit?lang=en")
		if code != http.StatusOK || !strings.Contains(body, "identity.staff.created") || !strings.Contains(body, "staff:audited.one") {
			t.Fatalf("auditor's log: %d, lacks the creation", code)
		}
		if strings.Contains(body, "staff:auditor</code></td><td><code>identity.signin") {
			t.Error("the actor filter let other actors through")
		}
		if code, _ := aud.get("/audit?from=2026-13-01"); code != http.StatusUnprocessableEntity {
			t.Errorf("bad date: %d", code)
		}
		code, body = aud.post("/audit/verify", url.Values{})
		if code != http.StatusOK || !strings.Contains(body, "The chain is intact") {
			t.Fatalf("verify: %d\n%s", code, body)
		}
		if _, err := db.ExecContext(context.Background(), `UPDATE audit_log SET object = 'staff:mallory' WHERE seq = 2`); err != nil {
			t.Fatal(err)
		}
		if _, body = aud.post("/audit/verify", url.Values{}); !strings.Contains(body, "The first broken entry is 2") {
			t.Errorf("verify after tampering does not name entry 2:\n%s", body)
		}
	}, migrations...)
}

func TestAuditPaging(t *testing.T) {
	s := newStack(t, storetest.SQLite(t, migrations...))
	aud := staff(t, s, "auditor")
	for i := range 60 {
		if err := s.db.Tx(context.Background(), func(tx *sql.Tx) error {
			_, err := audit.Append(context.Background(), tx, audit.Entry{Actor: "system:test", Action: "test.paging", Object: "n:" + strconv.Itoa(i)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	_, body := aud.get("/audit?lang=en&action=test.paging")
	m := regexp.MustCompile(`href="(/audit\?[^"]*before=\d+[^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no link to older entries")
	}
	code, older := aud.get(html.UnescapeString(m[1]))
	if code != http.StatusOK || !strings.Contains(older, "Newest entries") || !strings.Contains(older, "n:0<") {
		t.Errorf("older page: %d", code)
	}
}

func TestClientCreatedShowsSecretOnceAndWorks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		ctx := context.Background()
		adm := staff(t, s, "admin")
		adm.get("/admin/oidc-clients/new?lang=en")

		t.Run("ErrInvalidKeepsTyped", func(t *testing.T) {
			code, body := adm.post("/admin/oidc-clients/new", url.Values{"id": {"Bad ID"}, "name_az": {"Vergi"},
				"redirect_uris": {"http://example.com/cb"}, "confidential": {"yes"}, "grant_types": {oidc.GrantAuthorizationCode}, "scopes": {"fin"}})
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", code)
			}
			for _, want := range []string{`href="#id"`, `href="#name"`, `href="#purpose"`, `href="#redirect_uris"`, `value="Vergi"`, "http://example.com/cb", `value="fin" checked`} {
				if !strings.Contains(body, want) {
					t.Errorf("the form lacks %s", want)
				}
			}
		})

		code, body := adm.post("/admin/oidc-clients/new", url.Values{"id": {"tax-system"},
			"name_az": {"Vergi"}, "name_en": {"Tax"}, "name_ru": {"Налоги"},
			"purpose_az": {"Sınaq"}, "purpose_en": {"Test"}, "purpose_ru": {"Тест"},
			"confidential": {"yes"}, "grant_types": {oidc.GrantClientCredentials}, "api_scopes": {"registry.read"}})
		if code != http.StatusCreated {
			t.Fatalf("create client: %d\n%s", code, body)
		}
		m := regexp.MustCompile(`<code id="client-secret">([^<]+)</code>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no secret on the page")
		}
		secret := m[1]
		if _, again := adm.get("/admin/oidc-clients/tax-system"); strings.Contains(again, secret) {
			t.Error("the secret is shown a second time")
		}
		if _, list := adm.get("/admin/oidc-clients"); !strings.Contains(list, `href="/admin/oidc-clients/tax-system"`) {
			t.Error("the list lacks the client")
		}
		c, err := s.op.Client(ctx, "tax-system")
		if err != nil || !c.Confidential || strings.Join(c.AllowedScopes, " ") != "registry.read" {
			t.Fatalf("op.Client: %+v, %v", c, err)
		}

		token := func(secret string) int {
			req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/oauth/token",
				strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {"registry.read"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("tax-system", secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			json.NewDecoder(resp.Body).Decode(&tok)
			if resp.StatusCode == http.StatusOK && tok.AccessToken == "" {
				t.Error("200 without an access token")
			}
			return resp.StatusCode
		}
		if code := token(secret); code != http.StatusOK {
			t.Fatalf("client_credentials with the shown secret: %d", code)
		}

		// Rotating shows a new secret once; the old one stops working.
		_, body = adm.post("/admin/oidc-clients/tax-system/secret", url.Values{})
		m = regexp.MustCompile(`<code id="client-secret">([^<]+)</code>`).FindStringSubmatch(body)
		if m == nil || m[1] == secret {
			t.Fatal("no new secret after rotation")
		}
		if code := token(secret); code == http.StatusOK {
			t.Error("the old secret still works")
		}
		if code := token(m[1]); code != http.StatusOK {
			t.Errorf("the new secret: %d", code)
		}

		// Editing keeps the secret.
		code, _, loc := adm.postLoc("/admin/oidc-clients/tax-system", url.Values{
			"name_az": {"Vergi"}, "name_en": {"Tax office"}, "name_ru": {"Налоги"},
			"purpose_az": {"Sınaq"}, "purpose_en": {"Test"}, "purpose_ru": {"Тест"},
			"confidential": {"yes"}, "grant_types": {oidc.GrantClientCredentials}, "api_scopes": {"registry.read"}})
		if code != http.StatusSeeOther || !strings.HasSuffix(loc, "done=saved") {
			t.Fatalf("update: %d %q", code, loc)
		}
		if c, _ := s.op.Client(ctx, "tax-system"); c.Name.EN != "Tax office" {
			t.Errorf("name after update: %q", c.Name.EN)
		}
		if code := token(m[1]); code != http.StatusOK {
			t.Errorf("the secret after an edit: %d", code)
		}
		entries, _ := audit.List(ctx, db, audit.Filter{Actor: "staff:admin", Object: "oidc_client:tax-system"})
		if len(entries) != 3 {
			t.Errorf("%d audit entries for the client, want 3 (created, rotated, updated)", len(entries))
		}
	}, migrations...)
}
