package oidc_test

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/identity/oidc"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

var migrations = []store.Migrations{web.Migrations, audit.Migrations, identity.Migrations, oidc.Migrations}

const fin = "5ZQX7KA"

func people(_ context.Context, f string) (string, error) {
	if f == fin {
		return "Aysel Məmmədova", nil
	}
	return "", errs.E(errs.NotFound, "registry.error.person_not_found")
}

// registry is a small ClaimsSource: it returns the claims of exactly the
// scopes asked.
type registry struct{}

func (registry) Claims(_ context.Context, f string, scopes []string) (map[string]any, error) {
	if f != fin {
		return nil, errs.E(errs.NotFound, "registry.error.person_not_found")
	}
	all := map[string]map[string]any{
		"fin":       {"fin": fin},
		"name":      {"name": "Aysel Məmmədova", "given_name": "Aysel", "family_name": "Məmmədova"},
		"birthdate": {"birthdate": "1990-03-14"},
		"address":   {"address": map[string]any{"formatted": "Bakı, Nizami küç. 1"}},
		"phone":     {"phone_number": "+994501234567"},
		"email":     {"email": "aysel@example.az"},
	}
	out := map[string]any{}
	for _, s := range scopes {
		for k, v := range all[s] {
			out[k] = v
		}
	}
	return out, nil
}

// stack is the egov web stack with the provider, served over HTTP.
type stack struct {
	srv      *httptest.Server
	provider *oidc.Provider
	db       *store.DB
	ids      *identity.Service
}

func newStack(t *testing.T, db *store.DB) *stack {
	t.Helper()
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
	site := web.NewSite(db, web.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), Demo: true})
	ids := identity.New(db, site.Sessions, people, nil)
	site.Resolve = ids.Resolve
	p, err := oidc.New(db, site, ids, registry{}, oidc.Config{Issuer: srv.URL, Key: []byte("test-key-of-at-least-16-bytes"), Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	rt := web.NewRouter(site)
	identity.NewHTTP(ids, site, true).Routes(rt)
	p.Routes(rt)
	rt.Handle("GET /static/", web.Public, web.Static())
	mu.Lock()
	h = site.Handler(rt, nil)
	mu.Unlock()
	ctx := context.Background()
	for range 2 { // idempotent
		if _, err := p.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return &stack{srv: srv, provider: p, db: db, ids: ids}
}

const rpHost = "127.0.0.1:8765"

// browser is a person's browser: it keeps cookies and stops at the
// relying party's address, which no server answers in the test.
type browser struct {
	t      *testing.T
	c      *http.Client
	base   string
	landed *url.URL
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, base: base}
	b.c = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Host == rpHost {
			b.landed = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = b.base + u
	}
	resp, err := b.c.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// hidden reads a form's hidden inputs from a page.
func hidden(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// signIn signs the person in through the demo sign-in form, going on to next.
func (b *browser) signIn(next string) (*http.Response, string) {
	b.t.Helper()
	_, page := b.get("/auth/demo?next=" + url.QueryEscape(next))
	form := hidden(page)
	form.Set("fin", fin)
	return b.post("/auth/demo", form)
}

// rp is the relying party, built with go-oidc and x/oauth2.
type rp struct {
	provider *gooidc.Provider
	conf     oauth2.Config
}

func newRP(t *testing.T, issuer string, scopes ...string) *rp {
	t.Helper()
	p, err := gooidc.NewProvider(context.Background(), issuer)
	if err != nil {
		t.Fatal(err)
	}
	return &rp{provider: p, conf: oauth2.Config{
		ClientID: "demo-rp", ClientSecret: "demo-secret", Endpoint: p.Endpoint(),
		RedirectURL: "http://" + rpHost + "/callback", Scopes: scopes,
	}}
}

// approve runs the browser from the authorize URL through the consent
// screen (when shown) to the relying party's callback and returns the code.
func approve(t *testing.T, b *browser, authURL, state string, expectScreen bool) string {
	t.Helper()
	b.landed = nil
	resp, page := b.get(authURL)
	if expectScreen {
		if resp.Request.URL.Path != "/oauth/consent" || resp.StatusCode != http.StatusOK {
			t.Fatalf("landed on %s (%d), want the consent screen", resp.Request.URL, resp.StatusCode)
		}
		form := hidden(page)
		form.Set("decision", "approve")
		b.post("/oauth/consent", form)
	}
	if b.landed == nil {
		t.Fatalf("the browser did not reach the relying party (at %s)", resp.Request.URL)
	}
	q := b.landed.Query()
	if q.Get("state") != state || q.Get("code") == "" {
		t.Fatalf("callback %s: want code and state %q", b.landed, state)
	}
	return q.Get("code")
}

func TestCodeFlow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newStack(t, db)
		relying := newRP(t, s.srv.URL, gooidc.ScopeOpenID, "fin", "name", "birthdate", gooidc.ScopeOfflineAccess)
		verifier := relying.provider.Verifier(&gooidc.Config{ClientID: "demo-rp"})
		b := newBrowser(t, s.srv.URL)
		b.get("/auth/signin?lang=en")

		// Not signed in: authorize sends the browser to sign in first.
		pkce := oauth2.GenerateVerifier()
		authURL := relying.conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(pkce), gooidc.Nonce("nonce-1"))
		resp, _ := b.get(authURL)
		if resp.Request.URL.Path != "/auth/signin" || !strings.HasPrefix(resp.Request.URL.Query().Get("next"), "/oauth/consent?id=") {
			t.Fatalf("unsigned browser landed on %s, want /auth/signin?next=/oauth/consent…", resp.Request.URL)
		}
		next := resp.Request.URL.Query().Get("next")

		// Signed in, the consent screen names the client, its purpose and each item.
		resp, page := b.signIn(next)
		if resp.Request.URL.Path != "/oauth/consent" {
			t.Fatalf("after sign-in landed on %s", resp.Request.URL)
		}
		for _, want := range []string{"<h1>", "Demo service", "A sample service", "FIN", "Name", "Date of birth", "Ongoing access", `name="csrf_token"`} {
			if !strings.Contains(page, want) {
				t.Errorf("consent page lacks %q", want)
			}
		}
		for _, absent := range []string{"Registered address", "Phone number"} {
			if strings.Contains(page, absent) {
				t.Errorf("consent page shows %q, which was not asked for", absent)
			}
		}
		form := hidden(page)
		form.Set("decision", "approve")
		b.post("/oauth/consent", form)
		if b.landed == nil || b.landed.Query().Get("code") == "" || b.landed.Query().Get("state") != "state-1" {
			t.Fatalf("approval did not reach the relying party with a code: %v", b.landed)
		}
		code := b.landed.Query().Get("code")

		// The code without the PKCE verifier is refused; with it, tokens.
		if _, err := relying.conf.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
			t.Fatal("exchange with a wrong PKCE verifier succeeded")
		}
		// A failed PKCE check does not burn the code in op; exchange properly.
		tok, err := relying.conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := relying.conf.Exchange(ctx, code, oauth2.VerifierOption(pkce)); err == nil {
			t.Error("a code was exchanged twice")
		}
		rawID, _ := tok.Extra("id_token").(string)
		idToken, err := verifier.Verify(ctx, rawID)
		if err != nil {
			t.Fatal(err)
		}
		if idToken.Nonce != "nonce-1" || idToken.Subject == "" || idToken.Subject == fin {
			t.Errorf("ID token nonce %q subject %q: want nonce-1 and a pairwise subject", idToken.Nonce, idToken.Subject)
		}
		var idClaims map[string]any
		idToken.Claims(&idClaims)
		if _, ok := idClaims["name"]; ok {
			t.Error("the ID token carries personal data")
		}

		// Userinfo releases exactly the consented claims.
		info, err := relying.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatal(err)
		}
		var claims map[string]any
		if err := info.Claims(&claims); err != nil {
			t.Fatal(err)
		}
		if claims["sub"] != idToken.Subject || claims["fin"] != fin || claims["name"] != "Aysel Məmmədova" || claims["birthdate"] != "1990-03-14" {
			t.Errorf("userinfo = %v", claims)
		}
		for _, absent := range []string{"address", "phone_number", "email"} {
			if _, ok := claims[absent]; ok {
				t.Errorf("userinfo released %q, which was not consented", absent)
			}
		}
		// The sign-in to the service shows in the person's activity history.
		acct, err := s.ids.PersonAccount(ctx, fin)
		if err != nil {
			t.Fatal(err)
		}
		history, err := s.ids.Activity(ctx, acct.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(history, func(a identity.Activity) bool { return a.Event == "service" && a.Detail != "" }) {
			t.Errorf("activity history %+v lacks the service used", history)
		}

		// Refresh tokens rotate; replaying a used one revokes the family.
		if tok.RefreshToken == "" {
			t.Fatal("no refresh token for offline_access")
		}
		refresh := func(rt string) (*oauth2.Token, error) {
			return relying.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
		}
		t2, err := refresh(tok.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if t2.RefreshToken == "" || t2.RefreshToken == tok.RefreshToken || t2.AccessToken == tok.AccessToken {
			t.Fatal("refresh did not rotate the tokens")
		}
		if _, err := relying.provider.UserInfo(ctx, oauth2.StaticTokenSource(t2)); err != nil {
			t.Errorf("userinfo with the refreshed token: %v", err)
		}
		t3, err := refresh(t2.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := refresh(tok.RefreshToken); err == nil {
			t.Error("a rotated refresh token was accepted again")
		}
		if _, err := refresh(t3.RefreshToken); err == nil {
			t.Error("after a replay, the family's newest refresh token still works")
		}

		// A remembered consent covering the scopes skips the screen.
		pkce = oauth2.GenerateVerifier()
		code = approve(t, b, relying.conf.AuthCodeURL("state-2", oauth2.S256ChallengeOption(pkce)), "state-2", false)
		tok, err = relying.conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatal(err)
		}

		// Key rotation: the old ID token still verifies from the JWKS.
		if err := s.provider.RotateKeys(ctx); err != nil {
			t.Fatal(err)
		}
		fresh := newRP(t, s.srv.URL).provider.Verifier(&gooidc.Config{ClientID: "demo-rp"})
		if _, err := fresh.Verify(ctx, rawID); err != nil {
			t.Errorf("old ID token after rotation: %v", err)
		}
		var jwks struct {
			Keys []struct{ Kid string } `json:"keys"`
		}
		_, body := b.get("/oauth/keys")
		json.Unmarshal([]byte(body), &jwks)
		if len(jwks.Keys) != 2 {
			t.Errorf("JWKS has %d keys after rotation, want current + previous", len(jwks.Keys))
		}
		t4, err := refresh(tok.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if id4, err := fresh.Verify(ctx, t4.Extra("id_token").(string)); err != nil {
			t.Errorf("new ID token after rotation: %v", err)
		} else if id4.Subject != idToken.Subject {
			t.Error("the subject changed across sign-ins")
		}

		// The cabinet lists the consent; revoking it ends the refresh token.
		_, page = b.get("/cabinet/consents")
		if !strings.Contains(page, "Demo service") || !strings.Contains(page, "Date of birth") {
			t.Fatalf("cabinet does not list the consent:\n%s", page)
		}
		resp, _ = b.post("/cabinet/consents/demo-rp/revoke", hidden(page))
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/cabinet/consents" {
			t.Fatalf("revoke answered %d at %s", resp.StatusCode, resp.Request.URL)
		}
		if _, err := refresh(t4.RefreshToken); err == nil {
			t.Error("the refresh token works after consent was revoked")
		}
		if _, err := relying.provider.UserInfo(ctx, oauth2.StaticTokenSource(t4)); err == nil {
			t.Error("the access token works after consent was revoked")
		}
		if list, _ := s.provider.Consents(ctx, fin); len(list) != 0 {
			t.Errorf("consents after revoking: %v", list)
		}

		// Declining at consent answers access_denied to the client.
		b.landed = nil
		resp, page = b.get(relying.conf.AuthCodeURL("state-3", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		if resp.Request.URL.Path != "/oauth/consent" {
			t.Fatalf("after revoking, authorize landed on %s, want the consent screen", resp.Request.URL)
		}
		form = hidden(page)
		form.Set("decision", "deny")
		b.post("/oauth/consent", form)
		if b.landed == nil || b.landed.Query().Get("error") != "access_denied" || b.landed.Query().Get("state") != "state-3" {
			t.Errorf("deny reached %v, want error=access_denied", b.landed)
		}

		// RP-initiated logout ends the client's session and the egov one.
		b.landed = nil
		logout := s.srv.URL + "/oauth/end_session?" + url.Values{"id_token_hint": {rawID}, "client_id": {"demo-rp"},
			"post_logout_redirect_uri": {"http://" + rpHost + "/"}, "state": {"bye"}}.Encode()
		b.get(logout)
		if b.landed == nil || b.landed.Path != "/" {
			t.Errorf("logout landed at %v, want the registered post-logout address", b.landed)
		}
		if resp, _ := b.get("/cabinet/consents"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("after logout the cabinet answers %d, want 401", resp.StatusCode)
		}
	}, migrations...)
}

func TestPublicClientNeedsPKCE(t *testing.T) {
	db := storetest.SQLite(t, migrations...)
	s := newStack(t, db)
	ctx := context.Background()
	err := s.provider.RegisterClient(ctx, oidc.Client{
		ID: "mobile-app", Name: lang.Text{AZ: "Mobil", EN: "Mobile", RU: "Мобильное"},
		Purpose:      lang.Text{AZ: "Sınaq", EN: "Test", RU: "Тест"},
		RedirectURIs: []string{"http://" + rpHost + "/mobile"}, AllowedScopes: []string{"name"},
	})
	if err != nil {
		t.Fatal(err)
	}
	relying := newRP(t, s.srv.URL, gooidc.ScopeOpenID, "name")
	relying.conf.ClientID, relying.conf.ClientSecret, relying.conf.RedirectURL = "mobile-app", "", "http://"+rpHost+"/mobile"
	b := newBrowser(t, s.srv.URL)
	b.signIn("/cabinet")

	b.get(relying.conf.AuthCodeURL("s"))
	if b.landed == nil || b.landed.Query().Get("error") != "invalid_request" {
		t.Errorf("public client without PKCE reached %v, want error=invalid_request", b.landed)
	}
	b.landed = nil
	b.get(relying.conf.AuthCodeURL("s", oauth2.SetAuthURLParam("code_challenge", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq"), oauth2.SetAuthURLParam("code_challenge_method", "plain")))
	if b.landed == nil || b.landed.Query().Get("error") != "invalid_request" {
		t.Errorf("public client with plain PKCE reached %v, want error=invalid_request", b.landed)
	}
	// With S256 it works end to end, without a secret.
	pkce := oauth2.GenerateVerifier()
	code := approve(t, b, relying.conf.AuthCodeURL("s2", oauth2.S256ChallengeOption(pkce)), "s2", true)
	if _, err := relying.conf.Exchange(ctx, code); err == nil {
		t.Error("a public client exchanged a code without the PKCE verifier")
	}
}

func TestClientCredentials(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		ctx := context.Background()
		err := s.provider.RegisterClient(ctx, oidc.Client{
			ID: "tax-system", Secret: "agency-secret-1", Confidential: true,
			Name:          lang.Text{AZ: "Vergi", EN: "Tax", RU: "Налоги"},
			Purpose:       lang.Text{AZ: "Sınaq", EN: "Test", RU: "Тест"},
			AllowedScopes: []string{"registry.read"}, GrantTypes: []string{oidc.GrantClientCredentials},
		})
		if err != nil {
			t.Fatal(err)
		}
		relying := newRP(t, s.srv.URL)
		cc := clientcredentials.Config{ClientID: "tax-system", ClientSecret: "agency-secret-1",
			TokenURL: relying.provider.Endpoint().TokenURL, Scopes: []string{"registry.read", "name"}}
		tok, err := cc.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The access token is a JWT signed with the published keys.
		keys := gooidc.NewRemoteKeySet(ctx, s.srv.URL+"/oauth/keys")
		payload, err := keys.VerifySignature(ctx, tok.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		var claims struct {
			Sub   string `json:"sub"`
			Scope string `json:"scope"`
		}
		json.Unmarshal(payload, &claims)
		if claims.Sub != "client:tax-system" {
			t.Errorf("sub = %q", claims.Sub)
		}
		cc.ClientSecret = "wrong"
		if _, err := cc.Token(ctx); err == nil {
			t.Error("a wrong secret got a token")
		}
		// A client not registered for the grant is refused.
		demo := clientcredentials.Config{ClientID: "demo-rp", ClientSecret: "demo-secret", TokenURL: cc.TokenURL}
		if _, err := demo.Token(ctx); err == nil {
			t.Error("demo-rp got a client credentials token")
		}
	}, migrations...)
}

func TestRegisterClientValidates(t *testing.T) {
	db := storetest.SQLite(t, migrations...)
	s := newStack(t, db)
	for _, tc := range []struct {
		name  string
		c     oidc.Client
		field string
	}{
		{"ErrID", oidc.Client{ID: "Bad ID"}, "id"},
		{"ErrHTTPRedirect", oidc.Client{ID: "x1", RedirectURIs: []string{"http://example.az/cb"}}, "redirect_uris"},
		{"ErrPublicCC", oidc.Client{ID: "x2", GrantTypes: []string{oidc.GrantClientCredentials}}, "grant_types"},
		{"ErrShortSecret", oidc.Client{ID: "x3", Confidential: true, Secret: "short"}, "secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.provider.RegisterClient(context.Background(), tc.c)
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Fields[tc.field] == "" {
				t.Errorf("RegisterClient = %v, want an invalid %s", err, tc.field)
			}
		})
	}
	c, err := s.provider.Client(context.Background(), "demo-rp")
	if err != nil || c.Secret != "" || c.Name.EN != "Demo service" {
		t.Errorf("demo client = %+v, %v", c, err)
	}
}

func TestMessagesComplete(t *testing.T) {
	db := storetest.SQLite(t, migrations...)
	site := web.NewSite(db, web.Options{Secret: []byte("0123456789abcdef0123456789abcdef")})
	if _, err := oidc.New(db, site, nil, registry{}, oidc.Config{Issuer: "https://egov.example", Key: []byte("0123456789abcdef")}); err != nil {
		t.Fatal(err)
	}
	if missing := site.Messages.Missing(); len(missing) > 0 {
		t.Errorf("missing messages: %v", missing)
	}
}

// The signing key is rotated once it is older than the given age, and only
// then.
func TestScheduledKeyRotation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newStack(t, db)
		now := time.Now()
		s.provider.SetClock(func() time.Time { return now })
		if rotated, err := s.provider.RotateKeysOlderThan(ctx, 30*24*time.Hour); err != nil || rotated {
			t.Fatalf("fresh key rotated: %v, %v", rotated, err)
		}
		now = now.Add(31 * 24 * time.Hour)
		if rotated, err := s.provider.RotateKeysOlderThan(ctx, 30*24*time.Hour); err != nil || !rotated {
			t.Fatalf("31-day-old key not rotated: %v, %v", rotated, err)
		}
		if rotated, err := s.provider.RotateKeysOlderThan(ctx, 30*24*time.Hour); err != nil || rotated {
			t.Fatalf("rotated twice: %v, %v", rotated, err)
		}
	}, migrations...)
}
