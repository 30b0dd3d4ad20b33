// Package oidc is egov's OpenID Connect provider, "ASAN Login": relying
// parties (agency and business systems) sign people in with their egov
// session and, with the person's consent, read the data items (scopes)
// they were registered for. The protocol is zitadel/oidc's op package;
// this package supplies its storage (every client, key, request, token and
// consent is a database row, so any replica serves any request), the
// consent screen and the cabinet page listing and revoking consents.
//
// Flows: authorization code with PKCE (S256, required for public
// clients), refresh tokens with rotation and reuse detection, client
// credentials for confidential agency systems, userinfo, introspection,
// revocation, RP-initiated logout, discovery and JWKS with key rotation.
//
// Subjects are pairwise: a person's "sub" differs per client, so two
// relying parties cannot join their records by it. The FIN is released
// only under the "fin" scope, like every other data item.
package oidc

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
)

// ClaimsSource reads a person's data from the base registries. Claims
// returns the claims of exactly the scopes asked (see ScopeClaims); the
// provider additionally drops any claim a scope does not name.
type ClaimsSource interface {
	Claims(ctx context.Context, fin string, scopes []string) (map[string]any, error)
}

// Config configures the provider.
type Config struct {
	// Issuer is the site's base URL, e.g. https://egov.az; it is the
	// "iss" of every token.
	Issuer string
	// Key is the secret from which the keys encrypting signing keys at
	// rest, access tokens and pairwise subjects are derived (for example
	// the site key from web.LoadSecret). It must be the same on every
	// replica and at least 16 bytes.
	Key []byte
	// Demo enables SeedDemo's demo client.
	Demo bool
}

// Person scopes: each names one data item a relying party may read.
const (
	ScopeFIN        = "fin"
	ScopeName       = "name"
	ScopeBirthdate  = "birthdate"
	ScopeAddress    = "address"
	ScopePhone      = "phone"
	ScopeEmail      = "email"
	ScopeVehicles   = "vehicles"
	ScopeBusinesses = "businesses"
)

// PersonScopes lists the person scopes in the order the consent screen
// shows them.
var PersonScopes = []string{ScopeFIN, ScopeName, ScopeBirthdate, ScopeAddress, ScopePhone, ScopeEmail, ScopeVehicles, ScopeBusinesses}

// ScopeClaims names the claims each person scope may release. Claims a
// ClaimsSource returns beyond these are dropped.
var ScopeClaims = map[string][]string{
	ScopeFIN:        {"fin"},
	ScopeName:       {"name", "given_name", "family_name", "middle_name", "patronymic"},
	ScopeBirthdate:  {"birthdate"},
	ScopeAddress:    {"address"},
	ScopePhone:      {"phone_number", "phone_number_verified"},
	ScopeEmail:      {"email", "email_verified"},
	ScopeVehicles:   {"vehicles"},
	ScopeBusinesses: {"businesses"},
}

// Grant types a client may be registered for.
const (
	GrantAuthorizationCode = string(oidc.GrantTypeCode)
	GrantRefreshToken      = string(oidc.GrantTypeRefreshToken)
	GrantClientCredentials = string(oidc.GrantTypeClientCredentials)
)

// Lifetimes.
const (
	authRequestTTL  = 30 * time.Minute
	accessTokenTTL  = 15 * time.Minute
	idTokenTTL      = time.Hour
	refreshTokenTTL = 30 * 24 * time.Hour
	// keyRetention is how long a retired signing key stays published: longer
	// than any token it signed lives.
	keyRetention = 48 * time.Hour
)

// Client is a relying party registered by the platform admin.
type Client struct {
	ID     string
	Secret string // in RegisterClient only; stored as a hash, never read back
	// Name and Purpose are shown on the consent screen and in the cabinet.
	Name                   lang.Text
	Purpose                lang.Text
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// AllowedScopes are the person scopes (and, for agency systems, any
	// API scopes) the client may ask for; openid is always allowed and
	// offline_access with the refresh_token grant.
	AllowedScopes []string
	// Confidential clients hold a secret (agency and business servers);
	// public ones (mobile apps) must use PKCE with S256.
	Confidential bool
	// GrantTypes default to authorization_code and refresh_token.
	GrantTypes []string
	CreatedAt  time.Time

	secretHash string
}

var clientID = func(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// Validate reports what is wrong with a client to register.
func (c *Client) Validate() error {
	var v errs.Validation
	if !clientID(c.ID) {
		v.Add("id", "oidc.error.client_id")
	}
	if !c.Name.Complete() {
		v.Add("name", "oidc.error.name")
	}
	if !c.Purpose.Complete() {
		v.Add("purpose", "oidc.error.purpose")
	}
	if c.Confidential && len(c.Secret) < 8 {
		v.Add("secret", "oidc.error.secret")
	}
	if !c.Confidential && c.Secret != "" {
		v.Add("secret", "oidc.error.public_secret")
	}
	for _, g := range c.GrantTypes {
		switch g {
		case GrantAuthorizationCode, GrantRefreshToken:
		case GrantClientCredentials:
			if !c.Confidential {
				v.Add("grant_types", "oidc.error.grant_types")
			}
		default:
			v.Add("grant_types", "oidc.error.grant_types")
		}
	}
	if c.has(GrantAuthorizationCode) && len(c.RedirectURIs) == 0 {
		v.Add("redirect_uris", "oidc.error.redirect_uris")
	}
	for _, u := range append(slices.Clone(c.RedirectURIs), c.PostLogoutRedirectURIs...) {
		p, err := url.Parse(u)
		if err != nil || p.Scheme == "" || p.Fragment != "" || (p.Scheme == "http" && !loopback(p.Hostname())) || (p.Scheme == "https" && p.Host == "") {
			v.Add("redirect_uris", "oidc.error.redirect_uris")
			break
		}
	}
	return v.Err()
}

func loopback(host string) bool {
	return host == "127.0.0.1" || host == "::1" || host == "localhost"
}

func (c *Client) has(grant string) bool { return slices.Contains(c.GrantTypes, grant) }

// allows reports whether the client may ask for scope.
func (c *Client) allows(scope string) bool {
	switch scope {
	case oidc.ScopeOpenID:
		return c.has(GrantAuthorizationCode)
	case oidc.ScopeOfflineAccess:
		return c.has(GrantRefreshToken)
	}
	return slices.Contains(c.AllowedScopes, scope)
}

// Consent is what a person allowed a client to read.
type Consent struct {
	ClientID  string
	Client    *Client
	Scopes    []string
	GrantedAt time.Time
}

// covers reports whether granted includes every scope of asked.
func covers(granted, asked []string) bool {
	for _, s := range asked {
		if !slices.Contains(granted, s) {
			return false
		}
	}
	return true
}

// personScopes keeps the person scopes of scopes.
func personScopes(scopes []string) []string {
	var out []string
	for _, s := range scopes {
		if _, ok := ScopeClaims[s]; ok {
			out = append(out, s)
		}
	}
	return out
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func joinScopes(s []string) string { return strings.Join(s, " ") }
