package oidc

import (
	"context"
	"crypto/ecdsa"
	"database/sql"
	"embed"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/web"
)

//go:embed migrations
var migrationsFS embed.FS

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed locales/*.json
var localesFS embed.FS

// Migrations create the provider's tables (prefix oidc_).
var Migrations = store.Migrations{Module: "oidc", FS: store.MustSub(migrationsFS, "migrations")}

// Provider is egov's OpenID Connect provider.
type Provider struct {
	db      *store.DB
	site    *web.Site
	ids     *identity.Service
	claims  ClaimsSource
	cfg     Config
	secrets *secrets
	keys    *keyring
	op      *op.Provider
	pages   *web.Pages
	logger  *slog.Logger
	now     func() time.Time
}

// New builds the provider on a migrated store, creating the first signing
// key if there is none.
func New(db *store.DB, site *web.Site, ids *identity.Service, claims ClaimsSource, cfg Config) (*Provider, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("oidc: issuer %q is not an http(s) URL", cfg.Issuer)
	}
	sec, err := newSecrets(cfg.Key)
	if err != nil {
		return nil, err
	}
	if err := site.Messages.Load(localesFS, "locales"); err != nil {
		return nil, err
	}
	p := &Provider{db: db, site: site, ids: ids, claims: claims, cfg: cfg, secrets: sec, logger: site.Logger,
		now: func() time.Time { return time.Now().UTC() }}
	p.keys = &keyring{db: db, secrets: sec, now: func() time.Time { return p.now() }, cache: map[string]*ecdsa.PrivateKey{}}
	if err := p.keys.ensure(context.Background()); err != nil {
		return nil, err
	}
	p.pages = site.Pages(templatesFS, "templates")
	opts := []op.Option{
		op.WithCustomAuthEndpoint(op.NewEndpoint("/oauth/authorize")),
		op.WithCustomTokenEndpoint(op.NewEndpoint("/oauth/token")),
		op.WithCustomUserinfoEndpoint(op.NewEndpoint("/oauth/userinfo")),
		op.WithCustomRevocationEndpoint(op.NewEndpoint("/oauth/revoke")),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint("/oauth/introspect")),
		op.WithCustomEndSessionEndpoint(op.NewEndpoint("/oauth/end_session")),
		op.WithCustomKeysEndpoint(op.NewEndpoint("/oauth/keys")),
		op.WithLogger(p.logger),
	}
	if u.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure())
	}
	p.op, err = op.NewProvider(&op.Config{
		CryptoKey:                sec.op,
		DefaultLogoutRedirectURI: "/",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       []language.Tag{language.Azerbaijani, language.English, language.Russian},
		SupportedScopes:          append([]string{oidc.ScopeOpenID, oidc.ScopeOfflineAccess}, PersonScopes...),
		SupportedClaims:          supportedClaims(),
	}, &storage{p}, op.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func supportedClaims() []string {
	list := []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "at_hash", "c_hash"}
	for _, s := range PersonScopes {
		list = append(list, ScopeClaims[s]...)
	}
	return list
}

// SetClock replaces the clock, for tests.
func (p *Provider) SetClock(now func() time.Time) { p.now = now }

// Handler is the op package's handler, for tests that need it directly.
func (p *Provider) Handler() *op.Provider { return p.op }

// RegisterClient registers a relying party, or replaces the one with its
// ID. The secret is stored as an argon2id hash.
func (p *Provider) RegisterClient(ctx context.Context, c Client) error {
	if len(c.GrantTypes) == 0 {
		c.GrantTypes = []string{GrantAuthorizationCode, GrantRefreshToken}
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if c.Secret != "" {
		h, err := identity.HashPassword(c.Secret)
		if err != nil {
			return err
		}
		c.secretHash = h
	}
	return p.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := upsertClient(ctx, tx, &c, p.now()); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: actor(ctx), Action: "oidc.client.registered", Object: "oidc_client:" + c.ID})
		return err
	})
}

// Client returns the registered client with id (without its secret).
func (p *Provider) Client(ctx context.Context, id string) (*Client, error) {
	return findClient(ctx, p.db, id)
}

func actor(ctx context.Context) string {
	if pr := web.PrincipalOf(ctx); pr != nil {
		return pr.Subject
	}
	return "system:oidc"
}

// DemoClient is the demo relying party of ../shared/DEMO.md.
var DemoClient = Client{
	ID:     "demo-rp",
	Secret: "demo-secret",
	Name:   lang.Text{AZ: "Demo xidmət", EN: "Demo service", RU: "Демо-сервис"},
	Purpose: lang.Text{
		AZ: "ASAN Login ilə girişi sınamaq üçün nümunə xidmət.",
		EN: "A sample service for trying sign-in with ASAN Login.",
		RU: "Пример сервиса, чтобы попробовать вход через ASAN Login.",
	},
	RedirectURIs:           []string{"http://127.0.0.1:8765/callback"},
	PostLogoutRedirectURIs: []string{"http://127.0.0.1:8765/"},
	AllowedScopes:          PersonScopes,
	Confidential:           true,
	GrantTypes:             []string{GrantAuthorizationCode, GrantRefreshToken},
}

// SeedDemo registers the demo client when it is not there yet; it does
// nothing outside demo mode. It reports whether it added the client.
func (p *Provider) SeedDemo(ctx context.Context) (bool, error) {
	if !p.cfg.Demo {
		return false, nil
	}
	if _, err := findClient(ctx, p.db, DemoClient.ID); err == nil {
		return false, nil
	} else if errs.KindOf(err) != errs.NotFound {
		return false, err
	}
	err := p.RegisterClient(ctx, DemoClient)
	if store.IsUniqueViolation(err) { // another replica seeded it first
		return false, nil
	}
	return err == nil, err
}

// RotateKeys makes a new signing key current. Earlier keys stop signing
// but stay in the JWKS for keyRetention, so tokens they signed still
// verify.
func (p *Provider) RotateKeys(ctx context.Context) error {
	_, err := p.keys.create(ctx, true)
	return err
}

// RotateKeysOlderThan rotates the signing key when the current one was made
// longer than maxAge ago, and reports whether it did. The housekeeping of
// every replica calls it; should two rotate at once, the JWKS carries one
// extra key for a while, and nothing else happens.
func (p *Provider) RotateKeysOlderThan(ctx context.Context, maxAge time.Duration) (bool, error) {
	var n int
	err := p.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM oidc_keys WHERE retired_at IS NULL AND created_at > $1`,
		p.now().Add(-maxAge)).Scan(&n)
	if err != nil || n > 0 {
		return false, err
	}
	return true, p.RotateKeys(ctx)
}

// Consents lists what the person with fin allowed, newest first.
func (p *Provider) Consents(ctx context.Context, fin string) ([]Consent, error) {
	list, err := listConsents(ctx, p.db, fin)
	if err != nil {
		return nil, err
	}
	for i := range list {
		c, err := findClient(ctx, p.db, list[i].ClientID)
		if err != nil && errs.KindOf(err) != errs.NotFound {
			return nil, err
		}
		list[i].Client = c
	}
	return list, nil
}

// RevokeConsent withdraws the person's consent to a client and revokes the
// client's refresh and access tokens for the person. It returns a
// NotFound error when there was no consent.
func (p *Provider) RevokeConsent(ctx context.Context, fin, clientID string) error {
	return p.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM oidc_consents WHERE fin = $1 AND client_id = $2`, fin, clientID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "oidc.error.consent_not_found")
		}
		if err := revokeRefreshTokens(ctx, tx, p.now(), `fin = $1 AND client_id = $2`, fin, clientID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM oidc_access_tokens WHERE fin = $1 AND client_id = $2`, fin, clientID); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: identity.PersonSubject(fin), Action: "oidc.consent.revoked", Object: "oidc_client:" + clientID})
		return err
	})
}

// approve records the person's consent to the request's scopes (added to
// any earlier consent) and marks the request authenticated as them.
func (p *Provider) approve(ctx context.Context, a *authRequest, fin string, authTime time.Time) error {
	now := p.now()
	return p.db.Tx(ctx, func(tx *sql.Tx) error {
		scopes := a.Scopes
		if old, err := findConsent(ctx, tx, fin, a.ClientID); err == nil {
			scopes = union(old.Scopes, a.Scopes)
		} else if errs.KindOf(err) != errs.NotFound {
			return err
		}
		if err := upsertConsent(ctx, tx, fin, a.ClientID, scopes, now); err != nil {
			return err
		}
		if err := p.complete(ctx, tx, a, fin, authTime); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: identity.PersonSubject(fin), Action: "oidc.consent.granted",
			Object: "oidc_client:" + a.ClientID, Detail: map[string]string{"scopes": joinScopes(a.Scopes)}})
		return err
	})
}

// complete marks the request authenticated as the person.
func (p *Provider) complete(ctx context.Context, q querier, a *authRequest, fin string, authTime time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE oidc_auth_requests SET fin = $1, subject = $2, auth_time = $3, done = TRUE WHERE id = $4 AND done = FALSE`,
		fin, p.secrets.pairwiseSubject(a.ClientID, fin), authTime, a.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "oidc.error.request_used")
	}
	return nil
}

// claimsFor reads the claims of the person scopes among scopes, keeping
// only the claims those scopes name.
func (p *Provider) claimsFor(ctx context.Context, fin string, scopes []string) (map[string]any, error) {
	asked := personScopes(scopes)
	if len(asked) == 0 || p.claims == nil {
		return nil, nil
	}
	got, err := p.claims.Claims(ctx, fin, asked)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, s := range asked {
		for _, name := range ScopeClaims[s] {
			if v, ok := got[name]; ok {
				out[name] = v
			}
		}
	}
	return out, nil
}

// Prune deletes expired requests and tokens and keys retired long ago.
func (p *Provider) Prune(ctx context.Context) error {
	now := p.now()
	for _, q := range []string{
		`DELETE FROM oidc_auth_requests WHERE expires_at < $1`,
		`DELETE FROM oidc_access_tokens WHERE expires_at < $1`,
		`DELETE FROM oidc_refresh_tokens WHERE expires_at < $1`,
	} {
		if _, err := p.db.ExecContext(ctx, q, now); err != nil {
			return err
		}
	}
	_, err := p.db.ExecContext(ctx, `DELETE FROM oidc_keys WHERE retired_at < $1`, now.Add(-keyRetention))
	return err
}

// scopeAllowed lists the scopes of a request in consent-screen order.
func orderedScopes(scopes []string) []string {
	var out []string
	for _, s := range append([]string{oidc.ScopeOpenID}, PersonScopes...) {
		if slices.Contains(scopes, s) {
			out = append(out, s)
		}
	}
	if slices.Contains(scopes, oidc.ScopeOfflineAccess) {
		out = append(out, oidc.ScopeOfflineAccess)
	}
	return out
}
