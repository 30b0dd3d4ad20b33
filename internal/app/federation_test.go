package app_test

import (
	"context"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/egov/egov/internal/app"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/identity/oidc"
	"github.com/egov/egov/internal/lang"
)

// federationPair is egov B signing people in through egov A, its OpenID
// Connect provider. B is served at localhost (a provider accepts plain
// http redirects only to loopback names) and A at provider.egov.test, so
// one cookie jar keeps their cookies apart, as a browser would; loopback
// (below) takes that name to 127.0.0.1.
type federationPair struct {
	a, b         *app.App
	aBase, bBase string
}

var providerName = lang.Text{AZ: "Mobil ID", EN: "Mobile ID", RU: "Мобильный ID"}

func newFederationPair(t *testing.T) *federationPair {
	t.Helper()
	a, _ := startApp(t, providerHost)
	b, _ := startApp(t, "localhost")
	p := &federationPair{a: a, b: b, aBase: a.Config.BaseURL, bBase: b.Config.BaseURL}
	err := a.OIDC.RegisterClient(context.Background(), oidc.Client{
		ID: "egov-b", Secret: "b-secret-of-some-length", Confidential: true,
		Name:          lang.Text{AZ: "egov B", EN: "egov B", RU: "egov B"},
		Purpose:       lang.Text{AZ: "Giriş", EN: "Signing in", RU: "Вход"},
		RedirectURIs:  []string{p.bBase + "/auth/federation/callback"},
		AllowedScopes: []string{oidc.ScopeFIN, oidc.ScopeName},
	})
	if err != nil {
		t.Fatal(err)
	}
	federate(t, b, p.aBase)
	return p
}

const providerHost = "provider.egov.test"

// loopback is a transport that connects to 127.0.0.1 whatever host name
// is asked, keeping the port.
func loopback() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
	}
	return tr
}

// federate mounts federated sign-in on b through the issuer. Routes added
// after app.New still serve: the handler wraps the router's mux.
func federate(t *testing.T, b *app.App, issuer string) {
	t.Helper()
	f, err := identity.NewFederation(b.Identity, b.Site, identity.FederationConfig{
		Name: providerName, Issuer: issuer, ClientID: "egov-b", ClientSecret: "b-secret-of-some-length",
		RedirectURL: b.Config.BaseURL + "/auth/federation/callback",
		HTTPClient:  &http.Client{Transport: loopback()},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.Routes(b.Router)
}

// browser is one person's browser across both sites: it follows
// redirects, keeps cookies per host and remembers every address visited.
type fedBrowser struct {
	t       *testing.T
	c       *http.Client
	visited []*url.URL
	// stop, when set, ends following before a request it returns true for.
	stop func(*url.URL) bool
}

func newFedBrowser(t *testing.T) *fedBrowser {
	jar, _ := cookiejar.New(nil)
	b := &fedBrowser{t: t}
	b.c = &http.Client{Jar: jar, Transport: loopback(), CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > 20 {
			return http.ErrUseLastResponse
		}
		if b.stop != nil && b.stop(req.URL) {
			b.visited = append(b.visited, req.URL)
			return http.ErrUseLastResponse
		}
		b.visited = append(b.visited, req.URL)
		return nil
	}}
	return b
}

func (b *fedBrowser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *fedBrowser) get(u string) (*http.Response, string) {
	b.t.Helper()
	b.visited = append(b.visited, mustURL(b.t, u))
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept-Language", "en")
	return b.do(req)
}

func (b *fedBrowser) post(u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "en")
	return b.do(req)
}

// last is the last address visited whose path is path.
func (b *fedBrowser) last(path string) *url.URL {
	for i := len(b.visited) - 1; i >= 0; i-- {
		if b.visited[i].Path == path {
			return b.visited[i]
		}
	}
	return nil
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var (
	fedCSRF      = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	fedConsentID = regexp.MustCompile(`name="id" value="([^"]+)"`)
)

// signInAtProvider starts at B's /auth/federation, signs in at A with the
// demo form as fin and, if A asks, answers its consent screen with
// decision. It returns the last response.
func (p *federationPair) signInAtProvider(t *testing.T, br *fedBrowser, fin, decision string) (*http.Response, string) {
	t.Helper()
	resp, _ := br.get(p.bBase + "/auth/federation?next=/cabinet/activity")
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/auth/signin" || !strings.HasPrefix(resp.Request.URL.String(), p.aBase) {
		t.Fatalf("start: %d at %s, want A's sign-in page", resp.StatusCode, resp.Request.URL)
	}
	if br.last("/oauth/authorize") == nil {
		t.Fatal("B did not send the browser to A's authorization endpoint")
	}
	next := resp.Request.URL.Query().Get("next")
	if !strings.HasPrefix(next, "/oauth/consent?id=") {
		t.Fatalf("A's sign-in page: next = %q", next)
	}
	_, body := br.get(p.aBase + "/auth/demo?next=" + url.QueryEscape(next))
	m := fedCSRF.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF token on A's demo sign-in page")
	}
	resp, body = br.post(p.aBase+"/auth/demo", url.Values{"fin": {fin}, "next": {next}, "csrf_token": {html.UnescapeString(m[1])}})
	if resp.Request.URL.Path != "/oauth/consent" {
		return resp, body // consent given before: A answered B at once
	}
	m, id := fedCSRF.FindStringSubmatch(body), fedConsentID.FindStringSubmatch(body)
	if m == nil || id == nil {
		t.Fatalf("consent page %d without form: %.300s", resp.StatusCode, body)
	}
	return br.post(p.aBase+"/oauth/consent", url.Values{"id": {id[1]}, "decision": {decision}, "csrf_token": {html.UnescapeString(m[1])}})
}

func TestFederation(t *testing.T) {
	p := newFederationPair(t)

	t.Run("AccessDenied", func(t *testing.T) {
		br := newFedBrowser(t)
		resp, body := p.signInAtProvider(t, br, "5ZQX7KA", "deny")
		if !strings.HasPrefix(resp.Request.URL.String(), p.bBase+"/auth/federation/callback") {
			t.Fatalf("after denying: at %s", resp.Request.URL)
		}
		if got := resp.Request.URL.Query().Get("error"); got != "access_denied" {
			t.Errorf("A answered error=%q, want access_denied", got)
		}
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "you did not allow it") || !strings.Contains(body, `href="/auth/signin"`) {
			t.Errorf("denied: %d %.500s", resp.StatusCode, body)
		}
		if _, body := br.get(p.bBase + "/cabinet"); strings.Contains(body, "Aysel") {
			t.Error("signed in at B after denying")
		}
	})

	var callback *url.URL
	var br *fedBrowser
	t.Run("SignIn", func(t *testing.T) {
		br = newFedBrowser(t)
		resp, body := p.signInAtProvider(t, br, "5ZQX7KA", "approve")
		callback = br.last("/auth/federation/callback")
		if callback == nil || !strings.HasPrefix(callback.String(), p.bBase) || callback.Query().Get("code") == "" {
			t.Fatalf("A did not answer B's callback with a code: %v", callback)
		}
		if resp.StatusCode != http.StatusOK || resp.Request.URL.String() != p.bBase+"/cabinet/activity" {
			t.Fatalf("after federation: %d at %s: %.500s", resp.StatusCode, resp.Request.URL, body)
		}
		if !strings.Contains(body, "external provider") {
			t.Errorf("B's activity history does not show the federation method: %.1500s", body)
		}
		if _, body := br.get(p.bBase + "/cabinet"); !strings.Contains(body, "Aysel Məmmədova") {
			t.Errorf("B's cabinet does not show Aysel Məmmədova")
		}
		acct, err := p.b.Identity.PersonAccount(context.Background(), "5ZQX7KA")
		if err != nil {
			t.Fatal(err)
		}
		list, err := p.b.Identity.Activity(context.Background(), acct.ID, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 0 || list[0].Event != "signin" || list[0].Method != "federation" {
			t.Errorf("B's latest activity = %+v, want a federation sign-in", list)
		}
	})
	if callback == nil {
		t.FailNow()
	}

	t.Run("ReplayRefused", func(t *testing.T) {
		br.stop = nil
		resp, body := br.get(callback.String())
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "already been used") {
			t.Errorf("replayed callback: %d %.500s", resp.StatusCode, body)
		}
	})

	t.Run("TamperedStateRefused", func(t *testing.T) {
		br := newFedBrowser(t)
		br.stop = func(u *url.URL) bool { return u.Path == "/auth/federation/callback" }
		resp, _ := p.signInAtProvider(t, br, "5ZQX7KA", "approve")
		cb := br.last("/auth/federation/callback")
		if cb == nil || resp.StatusCode/100 != 3 {
			t.Fatalf("no callback: %d", resp.StatusCode)
		}
		br.stop = nil
		tampered := *cb
		q := tampered.Query()
		q.Set("state", q.Get("state")+"x")
		tampered.RawQuery = q.Encode()
		if resp, body := br.get(tampered.String()); resp.StatusCode != http.StatusUnprocessableEntity || strings.Contains(body, "Aysel") {
			t.Errorf("tampered state: %d", resp.StatusCode)
		}
		// Another browser cannot use the right state either, and trying
		// does not spoil it for the person's own browser.
		if resp, _ := newFedBrowser(t).get(cb.String()); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("callback in another browser: %d", resp.StatusCode)
		}
		if resp, _ := br.get(cb.String()); resp.StatusCode != http.StatusOK || resp.Request.URL.String() != p.bBase+"/cabinet/activity" {
			t.Errorf("the right callback in the right browser: %d at %s", resp.StatusCode, resp.Request.URL)
		}
		if _, body := br.get(p.bBase + "/cabinet"); !strings.Contains(body, "Aysel Məmmədova") {
			t.Error("not signed in at B after the right callback")
		}
	})
}

// When the provider cannot be reached, egov still starts and the sign-in
// explains, in the person's language, that the provider is unavailable.
func TestFederationProviderUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	l.Close()
	b, _ := startApp(t, "localhost")
	federate(t, b, down)
	for lang, want := range map[string]string{"en": "is not available", "az": "əlçatan deyil", "ru": "недоступен"} {
		br := newFedBrowser(t)
		resp, body := br.get(b.Config.BaseURL + "/auth/federation?lang=" + lang)
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, want) || !strings.Contains(body, `href="/auth/signin"`) {
			t.Errorf("%s: %d %.500s", lang, resp.StatusCode, body)
		}
	}
}
