package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/egov/egov/internal/app"
	"github.com/egov/egov/internal/browsertest"
)

// startPasskeyApp is startBrowserApp served at http://localhost:PORT and
// configured with that base URL: WebAuthn refuses IP addresses as the
// relying party's ID, and the origin must be the one the browser sees.
func startPasskeyApp(t *testing.T) (*app.App, *httptest.Server) {
	t.Helper()
	return startApp(t, "localhost")
}

// addVirtualAuthenticator gives the tab a platform authenticator that holds
// discoverable credentials and verifies its user at once, as a phone's
// fingerprint reader would.
func addVirtualAuthenticator(t *testing.T, ctx context.Context) {
	t.Helper()
	cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
	defer cancel()
	if _, err := chromedp.Call(cctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	if _, err := chromedp.Call(cctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Transport:                   webauthn.AuthenticatorTransportInternal,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		},
	}); err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
}

// waitFor evaluates the JavaScript condition until it holds, across the
// navigations the page's script makes; on timeout it fails with what the
// passkey status line says.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(browsertest.Timeout)
	for time.Now().Before(deadline) {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	status, _ := chromedp.Run(sctx, chromedp.Evaluate[string](`(document.querySelector('[data-passkey-status]') || {}).textContent || ''`))
	where, _ := chromedp.Run(sctx, chromedp.Location())
	t.Fatalf("%s: timed out on %s (passkey status: %q)", what, where, status)
}

// A person registers a passkey in the cabinet, signs out, and signs in
// again with it, in Chromium with a virtual authenticator.
func TestBrowserPasskeyRegisterAndSignIn(t *testing.T) {
	ctx := browsertest.NewTab(t, browsertest.Chromium(t))
	_, srv := startPasskeyApp(t)
	addVirtualAuthenticator(t, ctx)

	signInWithDemoForm(t, ctx, srv, "5ZQX7KA")
	if p := browsertest.Open(t, ctx, srv.URL+"/cabinet/passkeys?lang=en"); p.Status != http.StatusOK {
		t.Fatalf("GET /cabinet/passkeys: status %d", p.Status)
	}
	if n := browsertest.Count(t, ctx, `form[action$="/delete"]`); n != 0 {
		t.Fatalf("%d passkeys before registering, want 0", n)
	}
	sctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
	defer cancel()
	if err := chromedp.Do(sctx,
		chromedp.WaitVisible(chromedp.CSS(`[data-passkey-register] button`)),
		chromedp.SendKeys(chromedp.ID("passkey-name"), "Virtual phone"),
		chromedp.Click(chromedp.CSS(`[data-passkey-register] button`)),
	); err != nil {
		t.Fatalf("register a passkey: %v", err)
	}
	waitFor(t, ctx, "passkey listed", `!!document.querySelector('form[action$="/delete"]') && document.body.textContent.includes('Virtual phone')`)

	browsertest.Open(t, ctx, srv.URL+"/cabinet?lang=en")
	out := browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/auth/signout"] [type="submit"]`)))
	if u, _ := url.Parse(out.URL); u == nil || u.Path != "/" {
		t.Fatalf("sign-out landed on %s", out.URL)
	}
	if p := browsertest.Open(t, ctx, srv.URL+"/cabinet?lang=en"); p.Status != http.StatusUnauthorized {
		t.Fatalf("GET /cabinet after signing out: status %d, want 401", p.Status)
	}

	browsertest.Open(t, ctx, srv.URL+"/auth/signin?lang=en")
	if err := chromedp.Do(sctx,
		chromedp.WaitVisible(chromedp.CSS(`[data-passkey-signin] button`)),
		chromedp.Click(chromedp.CSS(`[data-passkey-signin] button`)),
	); err != nil {
		t.Fatalf("click Sign in with a passkey: %v", err)
	}
	waitFor(t, ctx, "signed in with the passkey", `location.pathname === '/cabinet' && document.querySelector('h1') !== null && document.querySelector('main').textContent.includes('Aysel')`)
	if p := browsertest.Current(t, ctx); !strings.HasSuffix(strings.SplitN(p.URL, "?", 2)[0], "/cabinet") {
		t.Errorf("landed on %s, want /cabinet", p.URL)
	}
}
