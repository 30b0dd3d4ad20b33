-- +goose Up
-- Passkeys (WebAuthn credentials) that people sign in with; a person may
-- hold several. Every passkey of an account carries the same user handle,
-- a random value that names the account to authenticators.
CREATE TABLE identity_passkeys (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,       -- base64url, unpadded
    user_handle   TEXT NOT NULL,              -- base64url, unpadded
    public_key    BLOB NOT NULL,              -- COSE_Key
    sign_count    BIGINT NOT NULL DEFAULT 0,
    flags         INTEGER NOT NULL DEFAULT 0, -- authenticator data flags at registration (backup eligibility)
    aaguid        TEXT NOT NULL DEFAULT '',
    transports    TEXT NOT NULL DEFAULT '',   -- comma-separated
    name          TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    last_used_at  TIMESTAMP
);
CREATE INDEX identity_passkeys_account ON identity_passkeys (account_id);

-- Passkey sign-in ceremonies under way for visitors not signed in yet. The
-- visitor's cookie holds a random token, the table its SHA-256, so any
-- replica can finish a ceremony another began.
CREATE TABLE identity_passkey_challenges (
    id_hash    TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX identity_passkey_challenges_expires ON identity_passkey_challenges (expires_at);

-- +goose Down
DROP TABLE identity_passkey_challenges;
DROP TABLE identity_passkeys;
