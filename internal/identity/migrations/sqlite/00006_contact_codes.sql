-- +goose Up
-- Codes sent to an e-mail address or phone number to prove it is the
-- person's before it is used. Only a salted hash of the code is kept.
CREATE TABLE identity_contact_codes (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    channel    TEXT NOT NULL,
    address    TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX identity_contact_codes_account ON identity_contact_codes (account_id, channel, created_at);

-- +goose Down
DROP TABLE identity_contact_codes;
