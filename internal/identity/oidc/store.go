package oidc

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

// querier is a *sql.DB, *store.DB or *sql.Tx.
type querier = store.Querier

func splitScopes(s string) []string { return strings.Fields(s) }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// --- clients

const clientColumns = `id, secret_hash, name, purpose, redirect_uris, post_logout_redirect_uris, allowed_scopes, grant_types, confidential, created_at`

func findClient(ctx context.Context, q querier, id string) (*Client, error) {
	var c Client
	var name, purpose, redirects, logouts, scopes, grants string
	err := q.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM oidc_clients WHERE id = $1`, id).
		Scan(&c.ID, &c.secretHash, &name, &purpose, &redirects, &logouts, &scopes, &grants, &c.Confidential, &c.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "oidc.error.client_not_found")
	}
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		raw string
		dst any
	}{{name, &c.Name}, {purpose, &c.Purpose}, {redirects, &c.RedirectURIs}, {logouts, &c.PostLogoutRedirectURIs}, {scopes, &c.AllowedScopes}, {grants, &c.GrantTypes}} {
		if err := json.Unmarshal([]byte(f.raw), f.dst); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// upsertClient inserts c or replaces the client with its id.
func upsertClient(ctx context.Context, q querier, c *Client, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO oidc_clients (`+clientColumns+`, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
		ON CONFLICT (id) DO UPDATE SET secret_hash = excluded.secret_hash, name = excluded.name, purpose = excluded.purpose,
			redirect_uris = excluded.redirect_uris, post_logout_redirect_uris = excluded.post_logout_redirect_uris,
			allowed_scopes = excluded.allowed_scopes, grant_types = excluded.grant_types,
			confidential = excluded.confidential, updated_at = excluded.updated_at`,
		c.ID, c.secretHash, mustJSON(c.Name), mustJSON(c.Purpose), mustJSON(nonNil(c.RedirectURIs)), mustJSON(nonNil(c.PostLogoutRedirectURIs)),
		mustJSON(nonNil(c.AllowedScopes)), mustJSON(nonNil(c.GrantTypes)), c.Confidential, now)
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// --- authorization requests

// authRequest is a stored authorization request; it implements
// op.AuthRequest.
type authRequest struct {
	ID                  string
	ClientID            string
	RedirectURI         string
	State               string
	Nonce               string
	Scopes              []string
	ResponseType        oidc.ResponseType
	ResponseMode        oidc.ResponseMode
	CodeChallenge       string
	CodeChallengeMethod string
	Prompt              []string
	FIN                 string
	Subject             string
	AuthTime            time.Time
	IsDone              bool
	CreatedAt           time.Time
	ExpiresAt           time.Time
}

func (a *authRequest) GetID() string                      { return a.ID }
func (a *authRequest) GetACR() string                     { return "" }
func (a *authRequest) GetAMR() []string                   { return nil }
func (a *authRequest) GetAudience() []string              { return []string{a.ClientID} }
func (a *authRequest) GetAuthTime() time.Time             { return a.AuthTime }
func (a *authRequest) GetClientID() string                { return a.ClientID }
func (a *authRequest) GetNonce() string                   { return a.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.RedirectURI }
func (a *authRequest) GetScopes() []string                { return a.Scopes }
func (a *authRequest) GetState() string                   { return a.State }
func (a *authRequest) GetSubject() string                 { return a.Subject }
func (a *authRequest) Done() bool                         { return a.IsDone }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.ResponseMode }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.CodeChallenge, Method: oidc.CodeChallengeMethod(a.CodeChallengeMethod)}
}

func insertAuthRequest(ctx context.Context, q querier, a *authRequest) error {
	_, err := q.ExecContext(ctx, `INSERT INTO oidc_auth_requests
		(id, client_id, redirect_uri, state, nonce, scopes, response_type, response_mode, code_challenge, code_challenge_method, prompt, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		a.ID, a.ClientID, a.RedirectURI, a.State, a.Nonce, joinScopes(a.Scopes), string(a.ResponseType), string(a.ResponseMode),
		a.CodeChallenge, a.CodeChallengeMethod, strings.Join(a.Prompt, " "), a.CreatedAt, a.ExpiresAt)
	return err
}

func findAuthRequest(ctx context.Context, q querier, where string, arg any, now time.Time) (*authRequest, error) {
	var a authRequest
	var scopes, rt, rm, prompt string
	var authTime sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT id, client_id, redirect_uri, state, nonce, scopes, response_type, response_mode,
		code_challenge, code_challenge_method, prompt, fin, subject, auth_time, done, created_at, expires_at
		FROM oidc_auth_requests WHERE `+where+` = $1`, arg).
		Scan(&a.ID, &a.ClientID, &a.RedirectURI, &a.State, &a.Nonce, &scopes, &rt, &rm, &a.CodeChallenge, &a.CodeChallengeMethod,
			&prompt, &a.FIN, &a.Subject, &authTime, &a.IsDone, &a.CreatedAt, &a.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && now.After(a.ExpiresAt)) {
		return nil, errs.E(errs.NotFound, "oidc.error.request_not_found")
	}
	if err != nil {
		return nil, err
	}
	a.Scopes, a.ResponseType, a.ResponseMode, a.Prompt = splitScopes(scopes), oidc.ResponseType(rt), oidc.ResponseMode(rm), strings.Fields(prompt)
	a.AuthTime = authTime.Time
	return &a, nil
}

// --- access tokens

type accessToken struct {
	ID, ClientID, Subject, FIN, RefreshTokenID string
	Scopes, Audience                           []string
	ExpiresAt                                  time.Time
}

func insertAccessToken(ctx context.Context, q querier, t *accessToken, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO oidc_access_tokens (id, client_id, subject, fin, scopes, audience, refresh_token_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.ID, t.ClientID, t.Subject, t.FIN, joinScopes(t.Scopes), joinScopes(t.Audience), t.RefreshTokenID, now, t.ExpiresAt)
	return err
}

func findAccessToken(ctx context.Context, q querier, id string, now time.Time) (*accessToken, error) {
	var t accessToken
	var scopes, aud string
	err := q.QueryRowContext(ctx, `SELECT id, client_id, subject, fin, scopes, audience, refresh_token_id, expires_at FROM oidc_access_tokens WHERE id = $1`, id).
		Scan(&t.ID, &t.ClientID, &t.Subject, &t.FIN, &scopes, &aud, &t.RefreshTokenID, &t.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && now.After(t.ExpiresAt)) {
		return nil, errors.New("token is invalid or has expired")
	}
	if err != nil {
		return nil, err
	}
	t.Scopes, t.Audience = splitScopes(scopes), splitScopes(aud)
	return &t, nil
}

// --- refresh tokens

// refreshToken is a stored refresh token; as *refreshRequest it
// implements op.RefreshTokenRequest.
type refreshToken struct {
	ID, FamilyID, ClientID, Subject, FIN string
	Scopes, Audience                     []string
	AuthTime, ExpiresAt                  time.Time
	Rotated, Revoked                     bool
}

type refreshRequest struct{ *refreshToken }

func (r *refreshRequest) GetAMR() []string            { return nil }
func (r *refreshRequest) GetAudience() []string       { return r.Audience }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.AuthTime }
func (r *refreshRequest) GetClientID() string         { return r.ClientID }
func (r *refreshRequest) GetScopes() []string         { return r.Scopes }
func (r *refreshRequest) GetSubject() string          { return r.Subject }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.Scopes = s }

func insertRefreshToken(ctx context.Context, q querier, t *refreshToken, hash string, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO oidc_refresh_tokens (id, token_hash, family_id, client_id, subject, fin, scopes, audience, auth_time, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		t.ID, hash, t.FamilyID, t.ClientID, t.Subject, t.FIN, joinScopes(t.Scopes), joinScopes(t.Audience), t.AuthTime, now, t.ExpiresAt)
	return err
}

func findRefreshToken(ctx context.Context, q querier, token string) (*refreshToken, error) {
	var t refreshToken
	var scopes, aud string
	var rotated, revoked sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT id, family_id, client_id, subject, fin, scopes, audience, auth_time, expires_at, rotated_at, revoked_at
		FROM oidc_refresh_tokens WHERE token_hash = $1`, hashToken(token)).
		Scan(&t.ID, &t.FamilyID, &t.ClientID, &t.Subject, &t.FIN, &scopes, &aud, &t.AuthTime, &t.ExpiresAt, &rotated, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "oidc.error.token_not_found")
	}
	if err != nil {
		return nil, err
	}
	t.Scopes, t.Audience, t.Rotated, t.Revoked = splitScopes(scopes), splitScopes(aud), rotated.Valid, revoked.Valid
	return &t, nil
}

// revokeRefreshTokens revokes the refresh tokens matching where and
// deletes the access tokens issued with them.
func revokeRefreshTokens(ctx context.Context, q querier, now time.Time, where string, args ...any) error {
	n := len(args)
	if _, err := q.ExecContext(ctx, `DELETE FROM oidc_access_tokens WHERE refresh_token_id IN (SELECT id FROM oidc_refresh_tokens WHERE `+where+`)`, args...); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `UPDATE oidc_refresh_tokens SET revoked_at = $`+strconv.Itoa(n+1)+` WHERE revoked_at IS NULL AND (`+where+`)`, append(args, now)...)
	return err
}

// --- consents

func findConsent(ctx context.Context, q querier, fin, clientID string) (*Consent, error) {
	var c Consent
	var scopes string
	err := q.QueryRowContext(ctx, `SELECT client_id, scopes, granted_at FROM oidc_consents WHERE fin = $1 AND client_id = $2`, fin, clientID).
		Scan(&c.ClientID, &scopes, &c.GrantedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "oidc.error.consent_not_found")
	}
	if err != nil {
		return nil, err
	}
	c.Scopes = splitScopes(scopes)
	return &c, nil
}

func upsertConsent(ctx context.Context, q querier, fin, clientID string, scopes []string, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO oidc_consents (fin, client_id, scopes, granted_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (fin, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at`,
		fin, clientID, joinScopes(scopes), now)
	return err
}

func listConsents(ctx context.Context, q querier, fin string) ([]Consent, error) {
	rows, err := q.QueryContext(ctx, `SELECT client_id, scopes, granted_at FROM oidc_consents WHERE fin = $1 ORDER BY granted_at DESC, client_id`, fin)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []Consent
	for rows.Next() {
		var c Consent
		var scopes string
		if err := rows.Scan(&c.ClientID, &scopes, &c.GrantedAt); err != nil {
			return nil, err
		}
		c.Scopes = splitScopes(scopes)
		list = append(list, c)
	}
	return list, rows.Err()
}
