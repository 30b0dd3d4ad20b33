package oidc

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/store"
)

// GrantTypes lists the grant types a client may be registered for, in the
// order the admin pages show them.
var GrantTypes = []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials}

var apiScope = regexp.MustCompile(`^[a-z][a-z0-9._:-]{1,63}$`)

// ValidateClient reports every problem of a client the admin edits, as
// Validate does but with post-logout addresses under their own field
// (post_logout_redirect_uris) and API scopes (any scope that is not a
// person scope) checked for form (field api_scopes). The secret is not
// checked: the provider generates it.
func ValidateClient(c Client) error {
	var v errs.Validation
	probe := c
	probe.PostLogoutRedirectURIs = nil
	probe.Secret = ""
	if probe.Confidential {
		probe.Secret = "placeholder"
	}
	if len(probe.GrantTypes) == 0 {
		v.Add("grant_types", "oidc.error.grant_types")
	}
	if err := probe.Validate(); err != nil {
		for f, msg := range errs.As(err).Fields {
			v.Add(f, msg)
		}
	}
	for _, u := range c.PostLogoutRedirectURIs {
		if !redirectURIOK(u) {
			v.Add("post_logout_redirect_uris", "oidc.error.redirect_uris")
			break
		}
	}
	for _, s := range c.AllowedScopes {
		if _, person := ScopeClaims[s]; !person && !apiScope.MatchString(s) {
			v.Add("api_scopes", "oidc.error.api_scopes")
			break
		}
	}
	return v.Err()
}

func redirectURIOK(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Scheme != "" && p.Fragment == "" && !(p.Scheme == "http" && !loopback(p.Hostname())) && !(p.Scheme == "https" && p.Host == "")
}

// newClientSecret is 32 random bytes, URL-safe base64.
func newClientSecret() string {
	raw := make([]byte, 32)
	rand.Read(raw)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// ListClients lists the registered clients by ID (without secrets).
func (p *Provider) ListClients(ctx context.Context) ([]*Client, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT `+clientColumns+` FROM oidc_clients ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*Client
	for rows.Next() {
		var c Client
		var name, purpose, redirects, logouts, scopes, grants string
		if err := rows.Scan(&c.ID, &c.secretHash, &name, &purpose, &redirects, &logouts, &scopes, &grants, &c.Confidential, &c.CreatedAt); err != nil {
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
		c.secretHash = ""
		list = append(list, &c)
	}
	return list, rows.Err()
}

// CreateClient registers a new client on behalf of the signed-in admin
// (the audit actor comes from ctx). A confidential client gets a generated
// secret, returned here once and stored only as a hash. It returns an
// Invalid error with field errors (see ValidateClient), or a Conflict on
// the id field when the ID is taken.
func (p *Provider) CreateClient(ctx context.Context, c Client) (secret string, err error) {
	if err := ValidateClient(c); err != nil {
		return "", err
	}
	c.Secret, c.secretHash = "", ""
	if c.Confidential {
		secret = newClientSecret()
		if c.secretHash, err = identity.HashPassword(secret); err != nil {
			return "", err
		}
	}
	err = p.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := findClient(ctx, tx, c.ID); err == nil {
			return errs.E(errs.Conflict, "oidc.error.client_exists").Field("id", "oidc.error.client_exists")
		} else if errs.KindOf(err) != errs.NotFound {
			return err
		}
		if err := upsertClient(ctx, tx, &c, p.now()); err != nil {
			if store.IsUniqueViolation(err) {
				return errs.E(errs.Conflict, "oidc.error.client_exists").Field("id", "oidc.error.client_exists")
			}
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: actor(ctx), Action: "oidc.client.created", Object: "oidc_client:" + c.ID,
			Detail: clientDetail(&c)})
		return err
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// UpdateClient changes a registered client's texts, addresses, scopes,
// grant types and kind; c.ID names it. Its secret stays, unless the client
// turns confidential without one — then a new secret is generated and
// returned once — or turns public, which drops the secret.
func (p *Provider) UpdateClient(ctx context.Context, c Client) (secret string, err error) {
	if err := ValidateClient(c); err != nil {
		return "", err
	}
	err = p.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := findClient(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		c.Secret, c.secretHash, c.CreatedAt = "", old.secretHash, old.CreatedAt
		switch {
		case !c.Confidential:
			c.secretHash = ""
		case c.secretHash == "":
			secret = newClientSecret()
			if c.secretHash, err = identity.HashPassword(secret); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE oidc_clients SET secret_hash = $1, name = $2, purpose = $3, redirect_uris = $4,
			post_logout_redirect_uris = $5, allowed_scopes = $6, grant_types = $7, confidential = $8, updated_at = $9 WHERE id = $10`,
			c.secretHash, mustJSON(c.Name), mustJSON(c.Purpose), mustJSON(nonNil(c.RedirectURIs)), mustJSON(nonNil(c.PostLogoutRedirectURIs)),
			mustJSON(nonNil(c.AllowedScopes)), mustJSON(nonNil(c.GrantTypes)), c.Confidential, p.now(), c.ID); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: actor(ctx), Action: "oidc.client.updated", Object: "oidc_client:" + c.ID,
			Detail: clientDetail(&c)})
		return err
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// RotateClientSecret gives a confidential client a new secret, returned
// once; the old one stops working at once. A public client has none
// (Invalid).
func (p *Provider) RotateClientSecret(ctx context.Context, id string) (string, error) {
	secret := newClientSecret()
	hash, err := identity.HashPassword(secret)
	if err != nil {
		return "", err
	}
	err = p.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := findClient(ctx, tx, id)
		if err != nil {
			return err
		}
		if !c.Confidential {
			return errs.E(errs.Invalid, "oidc.error.public_secret")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE oidc_clients SET secret_hash = $1, updated_at = $2 WHERE id = $3`, hash, p.now(), id); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: actor(ctx), Action: "oidc.client.secret_rotated", Object: "oidc_client:" + id})
		return err
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

func clientDetail(c *Client) map[string]string {
	kind := "public"
	if c.Confidential {
		kind = "confidential"
	}
	return map[string]string{"scopes": joinScopes(c.AllowedScopes), "grant_types": joinScopes(c.GrantTypes), "kind": kind}
}
