-- +goose Up
-- documents_keys: the issuing agencies' signing keys (ECDSA P-256). The
-- private key is PKCS #8 sealed with AES-256-GCM under the configured key
-- encryption key (base64 of nonce || ciphertext, the kid as associated
-- data). At most one key per agency signs: the one not yet retired.
CREATE TABLE documents_keys (
    kid TEXT PRIMARY KEY,
    agency TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    private_sealed TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP,
    revoked_at TIMESTAMP,
    revoke_reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX documents_keys_signing ON documents_keys (agency) WHERE retired_at IS NULL;

-- documents: every issued document with its canonical payload and JWS.
-- status is valid, suspended or revoked; expiry is computed from
-- valid_until.
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    idempotency_key TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    type_name TEXT NOT NULL,
    agency TEXT NOT NULL,
    holder_fin TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    lang TEXT NOT NULL,
    fields TEXT NOT NULL,
    valid_from TIMESTAMP NOT NULL,
    valid_until TIMESTAMP,
    issued_at TIMESTAMP NOT NULL,
    payload TEXT NOT NULL,
    jws TEXT NOT NULL,
    kid TEXT NOT NULL REFERENCES documents_keys (kid),
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX documents_holder ON documents (holder_fin, issued_at);

-- documents_shares: a document shared by its holder. The link's token is
-- kept as its SHA-256; the rotating QR's tokens are HMACs under a secret
-- derived from salt. fields is a JSON array of the field keys shown.
CREATE TABLE documents_shares (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents (id),
    token_hash TEXT NOT NULL UNIQUE,
    salt TEXT NOT NULL,
    fields TEXT NOT NULL,
    show_name INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP
);
CREATE INDEX documents_shares_document ON documents_shares (document_id, created_at);

-- documents_share_opens: every opening of a shared document.
CREATE TABLE documents_share_opens (
    id INTEGER PRIMARY KEY,
    share_id INTEGER NOT NULL REFERENCES documents_shares (id),
    via TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL
);
CREATE INDEX documents_share_opens_share ON documents_share_opens (share_id, opened_at);

-- +goose Down
DROP TABLE documents_share_opens;
DROP TABLE documents_shares;
DROP TABLE documents;
DROP TABLE documents_keys;
