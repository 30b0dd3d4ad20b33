-- +goose Up
-- Relying parties registered by the platform admin. Texts are
-- three-language JSON; lists are JSON arrays; the secret is an argon2id hash.
CREATE TABLE oidc_clients (
    id                        TEXT PRIMARY KEY,
    secret_hash               TEXT NOT NULL DEFAULT '',
    name                      TEXT NOT NULL,
    purpose                   TEXT NOT NULL,
    redirect_uris             TEXT NOT NULL,
    post_logout_redirect_uris TEXT NOT NULL,
    allowed_scopes            TEXT NOT NULL,
    grant_types               TEXT NOT NULL,
    confidential              BOOLEAN NOT NULL DEFAULT FALSE,
    created_at                TIMESTAMPTZ NOT NULL,
    updated_at                TIMESTAMPTZ NOT NULL
);

-- Signing keys: the private key is AES-GCM encrypted under a key derived
-- from the configured secret. The newest key not retired signs; retired
-- keys stay published until their tokens have expired.
CREATE TABLE oidc_keys (
    id          TEXT PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    public_jwk  TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    retired_at  TIMESTAMPTZ
);

-- Authorization requests between /oauth/authorize and the token exchange.
CREATE TABLE oidc_auth_requests (
    id                    TEXT PRIMARY KEY,
    client_id             TEXT NOT NULL,
    redirect_uri          TEXT NOT NULL,
    state                 TEXT NOT NULL DEFAULT '',
    nonce                 TEXT NOT NULL DEFAULT '',
    scopes                TEXT NOT NULL,
    response_type         TEXT NOT NULL,
    response_mode         TEXT NOT NULL DEFAULT '',
    code_challenge        TEXT NOT NULL DEFAULT '',
    code_challenge_method TEXT NOT NULL DEFAULT '',
    prompt                TEXT NOT NULL DEFAULT '',
    fin                   TEXT NOT NULL DEFAULT '',
    subject               TEXT NOT NULL DEFAULT '',
    auth_time             TIMESTAMPTZ,
    done                  BOOLEAN NOT NULL DEFAULT FALSE,
    code_hash             TEXT UNIQUE,
    created_at            TIMESTAMPTZ NOT NULL,
    expires_at            TIMESTAMPTZ NOT NULL
);

-- Access tokens (the token itself is an encrypted reference to this row,
-- or a JWT carrying its id).
CREATE TABLE oidc_access_tokens (
    id               TEXT PRIMARY KEY,
    client_id        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    fin              TEXT NOT NULL DEFAULT '',
    scopes           TEXT NOT NULL,
    audience         TEXT NOT NULL,
    refresh_token_id TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX oidc_access_tokens_client_fin ON oidc_access_tokens (client_id, fin);
CREATE INDEX oidc_access_tokens_refresh ON oidc_access_tokens (refresh_token_id);

-- Refresh tokens, stored as SHA-256. Each use rotates the token: the old
-- row is marked rotated; presenting a rotated token again revokes the
-- whole family (every token descended from the same sign-in).
CREATE TABLE oidc_refresh_tokens (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    family_id  TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    fin        TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    audience   TEXT NOT NULL,
    auth_time  TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    rotated_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX oidc_refresh_tokens_client_fin ON oidc_refresh_tokens (client_id, fin);
CREATE INDEX oidc_refresh_tokens_family ON oidc_refresh_tokens (family_id);

-- What a person allowed a client to read, remembered until revoked.
CREATE TABLE oidc_consents (
    fin        TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    granted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (fin, client_id)
);

-- +goose Down
DROP TABLE oidc_consents;
DROP TABLE oidc_refresh_tokens;
DROP TABLE oidc_access_tokens;
DROP TABLE oidc_auth_requests;
DROP TABLE oidc_keys;
DROP TABLE oidc_clients;
