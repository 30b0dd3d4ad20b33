package oidc

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
)

// storage implements op.Storage (and client credentials) on the database.
type storage struct{ p *Provider }

var (
	_ op.Storage                   = (*storage)(nil)
	_ op.ClientCredentialsStorage  = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*storage)(nil)
)

// opClient is a registered client as the op package sees it.
type opClient struct{ *Client }

func (c opClient) GetID() string                    { return c.ID }
func (c opClient) RedirectURIs() []string           { return c.Client.RedirectURIs }
func (c opClient) PostLogoutRedirectURIs() []string { return c.Client.PostLogoutRedirectURIs }
func (c opClient) ApplicationType() op.ApplicationType {
	if c.Confidential {
		return op.ApplicationTypeWeb
	}
	return op.ApplicationTypeNative
}
func (c opClient) AuthMethod() oidc.AuthMethod {
	if c.Confidential {
		return oidc.AuthMethodBasic
	}
	return oidc.AuthMethodNone
}
func (c opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c opClient) GrantTypes() []oidc.GrantType {
	var out []oidc.GrantType
	for _, g := range c.Client.GrantTypes {
		out = append(out, oidc.GrantType(g))
	}
	return out
}
func (c opClient) LoginURL(id string) string { return "/oauth/consent?id=" + id }

// AccessTokenType: agency systems (client credentials) get JWTs their
// resource servers verify from the JWKS; people's tokens are opaque.
func (c opClient) AccessTokenType() op.AccessTokenType {
	if c.has(GrantClientCredentials) {
		return op.AccessTokenTypeJWT
	}
	return op.AccessTokenTypeBearer
}
func (c opClient) IDTokenLifetime() time.Duration { return idTokenTTL }
func (c opClient) DevMode() bool                  { return false }

// RestrictAdditionalIdTokenScopes keeps personal data out of the ID token:
// it is released only through userinfo, under a consented access token.
func (c opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func([]string) []string { return nil }
}
func (c opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func([]string) []string { return nil }
}
func (c opClient) IsScopeAllowed(scope string) bool     { return c.allows(scope) }
func (c opClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c opClient) ClockSkew() time.Duration             { return 0 }

// ccRequest is a client credentials token request.
type ccRequest struct {
	clientID string
	scopes   []string
}

func (r *ccRequest) GetSubject() string    { return "client:" + r.clientID }
func (r *ccRequest) GetAudience() []string { return []string{r.clientID} }
func (r *ccRequest) GetScopes() []string   { return r.scopes }

func (s *storage) now() time.Time { return s.p.now() }

// CreateAuthRequest stores a validated authorization request. Public
// clients must use PKCE with S256; no client may use "plain". Scopes the
// client is not registered for are dropped.
func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	c, err := findClient(ctx, s.p.db, req.ClientID)
	if err != nil {
		return nil, oidc.ErrInvalidClient().WithParent(err)
	}
	if req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if !c.Confidential && req.CodeChallenge == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE (code_challenge with S256) is required for public clients")
	}
	var scopes []string
	for _, sc := range req.Scopes {
		if c.allows(sc) && !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	if !slices.Contains(scopes, oidc.ScopeOpenID) {
		return nil, oidc.ErrInvalidScope().WithDescription("the openid scope is required")
	}
	now := s.now()
	a := &authRequest{
		ID: randomID(), ClientID: c.ID, RedirectURI: req.RedirectURI, State: req.State, Nonce: req.Nonce, Scopes: scopes,
		ResponseType: req.ResponseType, ResponseMode: req.ResponseMode, CodeChallenge: req.CodeChallenge,
		CodeChallengeMethod: string(req.CodeChallengeMethod), Prompt: req.Prompt, CreatedAt: now, ExpiresAt: now.Add(authRequestTTL),
	}
	if err := insertAuthRequest(ctx, s.p.db, a); err != nil {
		return nil, err
	}
	return a, nil
}

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	return findAuthRequest(ctx, s.p.db, "id", id, s.now())
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	return findAuthRequest(ctx, s.p.db, "code_hash", hashToken(code), s.now())
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	_, err := s.p.db.ExecContext(ctx, `UPDATE oidc_auth_requests SET code_hash = $1 WHERE id = $2`, hashToken(code), id)
	return err
}

func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	_, err := s.p.db.ExecContext(ctx, `DELETE FROM oidc_auth_requests WHERE id = $1`, id)
	return err
}

// fromRequest is who a token request is for.
func fromRequest(r op.TokenRequest) (clientID, fin string, authTime time.Time) {
	switch req := r.(type) {
	case *authRequest:
		return req.ClientID, req.FIN, req.AuthTime
	case *refreshRequest:
		return req.ClientID, req.FIN, req.AuthTime
	case *ccRequest:
		return req.clientID, "", time.Time{}
	}
	return "", "", time.Time{}
}

func (s *storage) CreateAccessToken(ctx context.Context, r op.TokenRequest) (string, time.Time, error) {
	clientID, fin, _ := fromRequest(r)
	if clientID == "" {
		return "", time.Time{}, errors.New("unsupported token request")
	}
	now := s.now()
	t := &accessToken{ID: randomID(), ClientID: clientID, Subject: r.GetSubject(), FIN: fin, Scopes: r.GetScopes(), Audience: r.GetAudience(), ExpiresAt: now.Add(accessTokenTTL)}
	if err := insertAccessToken(ctx, s.p.db, t, now); err != nil {
		return "", time.Time{}, err
	}
	return t.ID, t.ExpiresAt, nil
}

// CreateAccessAndRefreshTokens issues a refresh token with the access
// token; given the current refresh token it rotates it: the current one is
// marked used (once, even under concurrent requests) and a new one of the
// same family replaces it.
func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, r op.TokenRequest, current string) (string, string, time.Time, error) {
	clientID, fin, authTime := fromRequest(r)
	if clientID == "" || fin == "" {
		return "", "", time.Time{}, errors.New("unsupported token request")
	}
	now := s.now()
	newToken := randomID() + randomID()
	rt := &refreshToken{ID: randomID(), FamilyID: randomID(), ClientID: clientID, Subject: r.GetSubject(), FIN: fin,
		Scopes: r.GetScopes(), Audience: r.GetAudience(), AuthTime: authTime, ExpiresAt: now.Add(refreshTokenTTL)}
	at := &accessToken{ID: randomID(), ClientID: clientID, Subject: r.GetSubject(), FIN: fin, Scopes: r.GetScopes(),
		Audience: r.GetAudience(), RefreshTokenID: rt.ID, ExpiresAt: now.Add(accessTokenTTL)}
	err := s.p.db.Tx(ctx, func(tx *sql.Tx) error {
		if current != "" {
			old, err := findRefreshToken(ctx, tx, current)
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `UPDATE oidc_refresh_tokens SET rotated_at = $1 WHERE id = $2 AND rotated_at IS NULL AND revoked_at IS NULL`, now, old.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return op.ErrInvalidRefreshToken
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM oidc_access_tokens WHERE refresh_token_id = $1`, old.ID); err != nil {
				return err
			}
			rt.FamilyID = old.FamilyID
		}
		if err := insertRefreshToken(ctx, tx, rt, hashToken(newToken), now); err != nil {
			return err
		}
		return insertAccessToken(ctx, tx, at, now)
	})
	if err != nil {
		return "", "", time.Time{}, err
	}
	return at.ID, newToken, at.ExpiresAt, nil
}

// TokenRequestByRefreshToken checks a refresh token. A token already
// rotated is being replayed — by a thief or after one — so its whole
// family is revoked.
func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	t, err := findRefreshToken(ctx, s.p.db, token)
	if err != nil {
		return nil, op.ErrInvalidRefreshToken
	}
	if t.Rotated && !t.Revoked {
		if err := revokeRefreshTokens(ctx, s.p.db, s.now(), `family_id = $1`, t.FamilyID); err != nil {
			return nil, err
		}
		s.p.logger.Warn("oidc: rotated refresh token replayed; family revoked", "client", t.ClientID)
		return nil, op.ErrInvalidRefreshToken
	}
	if t.Rotated || t.Revoked || s.now().After(t.ExpiresAt) {
		return nil, op.ErrInvalidRefreshToken
	}
	return &refreshRequest{t}, nil
}

// TerminateSession ends a person's tokens at a client (RP-initiated logout).
func (s *storage) TerminateSession(ctx context.Context, subject, clientID string) error {
	return s.p.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := revokeRefreshTokens(ctx, tx, s.now(), `subject = $1 AND client_id = $2`, subject, clientID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM oidc_access_tokens WHERE subject = $1 AND client_id = $2`, subject, clientID)
		return err
	})
}

func (s *storage) RevokeToken(ctx context.Context, tokenOrID, userID, clientID string) *oidc.Error {
	if userID != "" { // an access token, by id
		t, err := findAccessToken(ctx, s.p.db, tokenOrID, s.now())
		if err != nil {
			return nil
		}
		if t.ClientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued for this client")
		}
		if _, err := s.p.db.ExecContext(ctx, `DELETE FROM oidc_access_tokens WHERE id = $1`, t.ID); err != nil {
			return oidc.ErrServerError().WithParent(err)
		}
		return nil
	}
	t, err := findRefreshToken(ctx, s.p.db, tokenOrID)
	if err != nil {
		return nil // unknown tokens are already as good as revoked
	}
	if t.ClientID != clientID {
		return oidc.ErrInvalidClient().WithDescription("token was not issued for this client")
	}
	if err := revokeRefreshTokens(ctx, s.p.db, s.now(), `id = $1`, t.ID); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	t, err := findRefreshToken(ctx, s.p.db, token)
	if err != nil || t.ClientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return t.Subject, t.ID, nil
}

func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	return s.p.keys.current(ctx)
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256}, nil
}

func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) { return s.p.keys.published(ctx) }

func (s *storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := findClient(ctx, s.p.db, id)
	if errs.KindOf(err) == errs.NotFound {
		return nil, errors.New("client not found")
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return opClient{c}, nil
}

// authenticate checks a confidential client's secret.
func (s *storage) authenticate(ctx context.Context, id, secret string) (*Client, error) {
	c, err := findClient(ctx, s.p.db, id)
	if errs.KindOf(err) == errs.NotFound {
		return nil, errors.New("client not found")
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	if !c.Confidential || c.secretHash == "" {
		return nil, errors.New("client has no secret")
	}
	ok, err := identity.CheckPassword(c.secretHash, secret)
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	if !ok {
		return nil, errors.New("wrong client secret")
	}
	return c, nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	_, err := s.authenticate(ctx, id, secret)
	return err
}

func (s *storage) ClientCredentials(ctx context.Context, id, secret string) (op.Client, error) {
	c, err := s.authenticate(ctx, id, secret)
	if err != nil {
		return nil, err
	}
	return opClient{c}, nil
}

// ClientCredentialsTokenRequest grants an agency system the scopes it
// asked for among those it is registered for.
func (s *storage) ClientCredentialsTokenRequest(ctx context.Context, id string, scopes []string) (op.TokenRequest, error) {
	c, err := findClient(ctx, s.p.db, id)
	if err != nil {
		return nil, err
	}
	var granted []string
	for _, sc := range scopes {
		if slices.Contains(c.AllowedScopes, sc) && personScopes([]string{sc}) == nil {
			granted = append(granted, sc)
		}
	}
	return &ccRequest{clientID: id, scopes: granted}, nil
}

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest adds nothing to ID tokens (see
// RestrictAdditionalIdTokenScopes): personal data goes through userinfo.
func (s *storage) SetUserinfoFromRequest(context.Context, *oidc.UserInfo, op.IDTokenRequest, []string) error {
	return nil
}

// SetUserinfoFromToken answers userinfo: the subject and the claims of
// the person scopes the token carries, read from the registries now.
func (s *storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, _, _ string) error {
	t, err := findAccessToken(ctx, s.p.db, tokenID, s.now())
	if err != nil {
		return err
	}
	if t.FIN == "" {
		return errors.New("token does not belong to a person")
	}
	info.Subject = t.Subject
	claims, err := s.p.claimsFor(ctx, t.FIN, t.Scopes)
	if err != nil {
		return err
	}
	for k, v := range claims {
		info.AppendClaims(k, v)
	}
	return nil
}

// SetIntrospectionFromToken answers introspection for the client the token
// was issued to, without personal data.
func (s *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	t, err := findAccessToken(ctx, s.p.db, tokenID, s.now())
	if err != nil {
		return err
	}
	if t.ClientID != clientID && !slices.Contains(t.Audience, clientID) {
		return errors.New("token is not valid for this client")
	}
	resp.Scope = t.Scopes
	resp.ClientID = t.ClientID
	resp.Subject = t.Subject
	resp.Expiration = oidc.FromTime(t.ExpiresAt)
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT profile grants are not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("JWT profile grants are not supported")
}

func (s *storage) Health(ctx context.Context) error { return s.p.db.PingContext(ctx) }
