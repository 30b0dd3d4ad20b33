package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

//go:embed templates/federation/*.html
var federationTemplatesFS embed.FS

//go:embed locales/federation/*.json
var federationLocalesFS embed.FS

// FederationConfig configures sign-in through an external OpenID Connect
// provider, such as a national mobile-ID or e-signature provider.
type FederationConfig struct {
	// Name is the provider's name on the sign-in button; empty shows the
	// issuer's host.
	Name lang.Text
	// Issuer is the provider's issuer URL; its discovery document is read
	// from Issuer + "/.well-known/openid-configuration".
	Issuer string
	// ClientID and ClientSecret are egov's registration at the provider.
	ClientID, ClientSecret string
	// RedirectURL is the site's base URL + "/auth/federation/callback",
	// as registered at the provider.
	RedirectURL string
	// Scopes default to openid, fin and name; openid is always asked.
	Scopes []string
	// HTTPClient talks to the provider; nil uses a client with a
	// FederationTimeout timeout.
	HTTPClient *http.Client
}

// Federation lifetimes and limits.
const (
	// FederationTimeout bounds each call to the provider.
	FederationTimeout = 10 * time.Second
	// federationTTL is how long a person has to finish at the provider.
	federationTTL = 10 * time.Minute
	// federationCookie binds a sign-in under way to the browser that
	// began it.
	federationCookie = "egov_federation"
	federationPath   = "/auth/federation"
)

// Federation signs people in through an external OpenID Connect provider
// (authorization code flow with PKCE, state and nonce). The provider is
// discovered on first use, not at start, so egov starts while it is down;
// a successful discovery is kept. The person is identified by the "fin"
// claim (from userinfo, else the ID token) and signed in to the account
// of that FIN, opened from the population registry on first use.
type Federation struct {
	svc    *Service
	site   *web.Site
	pages  *web.Pages
	cfg    FederationConfig
	client *http.Client
	secure bool

	mu       sync.Mutex
	provider *gooidc.Provider
	verifier *gooidc.IDTokenVerifier
	oauth    *oauth2.Config
}

// NewFederation builds federated sign-in. It checks the configuration but
// does not contact the provider.
func NewFederation(svc *Service, site *web.Site, cfg FederationConfig) (*Federation, error) {
	iss, err := url.Parse(cfg.Issuer)
	if err != nil || iss.Host == "" || (iss.Scheme != "http" && iss.Scheme != "https") {
		return nil, fmt.Errorf("federation: issuer %q is not an http(s) URL", cfg.Issuer)
	}
	if cfg.ClientID == "" {
		return nil, errors.New("federation: no client id")
	}
	cb, err := url.Parse(cfg.RedirectURL)
	if err != nil || cb.Host == "" || (cb.Scheme != "http" && cb.Scheme != "https") || cb.Path != federationPath+"/callback" {
		return nil, fmt.Errorf("federation: redirect URL %q is not an http(s) URL ending in %s/callback", cfg.RedirectURL, federationPath)
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{gooidc.ScopeOpenID, "fin", "name"}
	}
	if !slices.Contains(cfg.Scopes, gooidc.ScopeOpenID) {
		cfg.Scopes = append([]string{gooidc.ScopeOpenID}, cfg.Scopes...)
	}
	if cfg.Name.AZ == "" {
		cfg.Name.AZ = iss.Host
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: FederationTimeout}
	}
	if err := site.Messages.Load(federationLocalesFS, "locales/federation"); err != nil {
		return nil, err
	}
	return &Federation{svc: svc, site: site, pages: site.Pages(federationTemplatesFS, "templates/federation"),
		cfg: cfg, client: client, secure: cb.Scheme == "https"}, nil
}

// Name is the provider's name, shown on the sign-in button.
func (f *Federation) Name() lang.Text { return f.cfg.Name }

// Routes registers the federation routes.
func (f *Federation) Routes(rt *web.Router) {
	rt.HandleFunc("GET "+federationPath, web.Public, f.start)
	rt.HandleFunc("GET "+federationPath+"/callback", web.Public, f.callback)
}

// Prune forgets sign-ins that were never finished.
func (f *Federation) Prune(ctx context.Context) error {
	return pruneFederationStates(ctx, f.svc.db, f.svc.now())
}

// discover returns the provider's OAuth 2 configuration and ID token
// verifier, reading its discovery document on first use.
func (f *Federation) discover(ctx context.Context) (*oauth2.Config, *gooidc.IDTokenVerifier, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.provider != nil {
		return f.oauth, f.verifier, nil
	}
	ctx, cancel := context.WithTimeout(ctx, FederationTimeout)
	defer cancel()
	// go-oidc keeps only the HTTP client of this context for fetching keys
	// later, not its deadline.
	p, err := gooidc.NewProvider(gooidc.ClientContext(ctx, f.client), f.cfg.Issuer)
	if err != nil {
		return nil, nil, err
	}
	f.provider = p
	f.verifier = p.Verifier(&gooidc.Config{ClientID: f.cfg.ClientID, Now: func() time.Time { return f.svc.now() }})
	f.oauth = &oauth2.Config{ClientID: f.cfg.ClientID, ClientSecret: f.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: f.cfg.RedirectURL, Scopes: f.cfg.Scopes}
	return f.oauth, f.verifier, nil
}

func randomToken() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

func federationHash(s string) string {
	sum := sha256.Sum256([]byte("federation|" + s))
	return hex.EncodeToString(sum[:])
}

// binding is the browser's binding value from its cookie, or "".
func binding(r *http.Request) string {
	if c, err := r.Cookie(federationCookie); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
		return c.Value
	}
	return ""
}

// start sends the person to the provider with a new state, nonce and PKCE
// verifier, kept in the database and bound to this browser.
func (f *Federation) start(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	conf, _, err := f.discover(ctx)
	if err != nil {
		f.site.Logger.Warn("federation: provider discovery failed", "issuer", f.cfg.Issuer, "err", err, "request_id", web.RequestID(ctx))
		f.fail(w, r, errs.E(errs.Unavailable, "identity.federation.error.unavailable"))
		return
	}
	state, err := randomToken()
	if err != nil {
		f.fail(w, r, err)
		return
	}
	nonce, err := randomToken()
	if err != nil {
		f.fail(w, r, err)
		return
	}
	// A browser keeps one binding, so sign-ins begun in two tabs both
	// finish.
	bind := binding(r)
	if bind == "" {
		if bind, err = randomToken(); err != nil {
			f.fail(w, r, err)
			return
		}
	}
	verifier := oauth2.GenerateVerifier()
	now := f.svc.now()
	err = insertFederationState(ctx, f.svc.db, federationState{StateHash: federationHash(state), BindingHash: federationHash(bind),
		Nonce: nonce, Verifier: verifier, Next: next(r), CreatedAt: now, ExpiresAt: now.Add(federationTTL)})
	if err != nil {
		f.fail(w, r, err)
		return
	}
	// Lax, not Strict: the provider's answer is a cross-site navigation.
	http.SetCookie(w, &http.Cookie{Name: federationCookie, Value: bind, Path: federationPath, HttpOnly: true, Secure: f.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(federationTTL.Seconds())})
	http.Redirect(w, r, conf.AuthCodeURL(state, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusSeeOther)
}

// fin is the claim naming the person.
type finClaim struct {
	FIN string `json:"fin"`
}

// callback finishes a sign-in: it checks the state against this browser
// (once), exchanges the code with the PKCE verifier, verifies the ID token
// (issuer, audience, expiry, nonce), reads the FIN and signs the person in.
func (f *Federation) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	st, err := f.takeState(ctx, r, q.Get("state"))
	if err != nil {
		f.fail(w, r, err)
		return
	}
	if code := q.Get("error"); code != "" {
		f.site.Logger.Info("federation: provider refused", "error", code, "request_id", web.RequestID(ctx))
		if code == "access_denied" {
			f.fail(w, r, errs.E(errs.Forbidden, "identity.federation.error.denied"))
		} else {
			f.fail(w, r, errs.E(errs.Unauthenticated, "identity.federation.error.refused"))
		}
		return
	}
	fin, err := f.identify(ctx, q.Get("code"), st)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	acct, err := f.svc.PersonAccount(ctx, fin)
	if errs.KindOf(err) == errs.Invalid {
		f.fail(w, r, errs.E(errs.Forbidden, "identity.federation.error.unknown_person"))
		return
	}
	if err != nil {
		f.fail(w, r, err)
		return
	}
	if acct.Disabled {
		f.fail(w, r, errs.E(errs.Forbidden, "identity.federation.error.disabled"))
		return
	}
	if err := f.svc.SignIn(ctx, w, r, acct, "federation"); err != nil {
		f.fail(w, r, err)
		return
	}
	f.clearCookie(w)
	http.Redirect(w, r, st.Next, http.StatusSeeOther)
}

// takeState spends the sign-in the state names, if this browser began it.
func (f *Federation) takeState(ctx context.Context, r *http.Request, state string) (*federationState, error) {
	bind := binding(r)
	if state == "" || len(state) > 100 || bind == "" {
		return nil, errs.E(errs.Invalid, "identity.federation.error.state")
	}
	st, err := takeFederationState(ctx, f.svc.db, federationHash(state), federationHash(bind))
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errs.E(errs.Invalid, "identity.federation.error.state")
	}
	if f.svc.now().After(st.ExpiresAt) {
		return nil, errs.E(errs.Invalid, "identity.federation.error.expired")
	}
	return st, nil
}

// identify exchanges the code and returns the FIN the provider vouches
// for. Failures are logged and answered without detail.
func (f *Federation) identify(ctx context.Context, code string, st *federationState) (string, error) {
	conf, verifier, err := f.discover(ctx)
	if err != nil {
		f.site.Logger.Warn("federation: provider discovery failed", "issuer", f.cfg.Issuer, "err", err, "request_id", web.RequestID(ctx))
		return "", errs.E(errs.Unavailable, "identity.federation.error.unavailable")
	}
	refused := func(step string, err error) (string, error) {
		f.site.Logger.Warn("federation: sign-in refused", "step", step, "err", err, "request_id", web.RequestID(ctx))
		return "", errs.E(errs.Unauthenticated, "identity.federation.error.refused")
	}
	if code == "" {
		return refused("code", errors.New("no code"))
	}
	cctx, cancel := context.WithTimeout(gooidc.ClientContext(ctx, f.client), FederationTimeout)
	defer cancel()
	tok, err := conf.Exchange(cctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return refused("exchange", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return refused("id_token", errors.New("no ID token"))
	}
	idt, err := verifier.Verify(cctx, raw)
	if err != nil {
		return refused("id_token", err)
	}
	if idt.Nonce != st.Nonce {
		return refused("nonce", errors.New("nonce does not match"))
	}
	var fromToken finClaim
	if err := idt.Claims(&fromToken); err != nil {
		return refused("id_token", err)
	}
	fin := fromToken.FIN
	if info, err := f.providerUserInfo(cctx, tok); err != nil {
		if fin == "" {
			return refused("userinfo", err)
		}
	} else {
		if info.Subject != idt.Subject {
			return refused("userinfo", errors.New("userinfo is about another subject"))
		}
		var claim finClaim
		if err := info.Claims(&claim); err != nil {
			return refused("userinfo", err)
		}
		if claim.FIN != "" {
			fin = claim.FIN
		}
	}
	if fin == "" {
		f.site.Logger.Warn("federation: no fin claim", "request_id", web.RequestID(ctx))
		return "", errs.E(errs.Forbidden, "identity.federation.error.no_fin")
	}
	return fin, nil
}

func (f *Federation) providerUserInfo(ctx context.Context, tok *oauth2.Token) (*gooidc.UserInfo, error) {
	f.mu.Lock()
	p := f.provider
	f.mu.Unlock()
	if p.UserInfoEndpoint() == "" {
		return nil, errors.New("the provider has no userinfo endpoint")
	}
	return p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
}

func (f *Federation) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: federationCookie, Value: "", Path: federationPath, MaxAge: -1, HttpOnly: true,
		Secure: f.secure, SameSite: http.SameSiteLaxMode})
}

// federationError is the error page's data.
type federationError struct {
	Provider string
}

// fail answers a failed sign-in with a page in the person's language that
// leads back to the sign-in page. Internal errors get the site's error
// page, which shows no detail.
func (f *Federation) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := errs.As(err)
	if e.Kind == errs.Internal {
		f.site.Error(w, r, err)
		return
	}
	v := f.site.View(r, "identity.federation.error.title", nil)
	v.Data = federationError{Provider: v.Text(f.cfg.Name)}
	v.Err = e
	v.Crumbs = []web.Crumb{{Label: v.T("identity.signin.title"), URL: "/auth/signin"}, {Label: v.Title}}
	f.pages.Render(w, r, web.Status(e.Kind), "error", v)
}
