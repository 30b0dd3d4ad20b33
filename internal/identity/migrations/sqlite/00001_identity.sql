-- +goose Up
CREATE TABLE identity_accounts (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,            -- person, staff, foreigner
    subject        TEXT NOT NULL UNIQUE,     -- person:FIN, staff:login, foreigner:NAT:passport
    fin            TEXT NOT NULL DEFAULT '',
    login          TEXT NOT NULL DEFAULT '',
    display_name   TEXT NOT NULL,
    roles          TEXT NOT NULL DEFAULT '',
    agency         TEXT NOT NULL DEFAULT '',
    centre         TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    phone          TEXT NOT NULL DEFAULT '',
    phone_verified BOOLEAN NOT NULL DEFAULT FALSE,
    lang           TEXT NOT NULL DEFAULT 'az',
    password_hash  TEXT NOT NULL DEFAULT '',
    totp_secret    TEXT NOT NULL DEFAULT '',
    totp_enabled   BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX identity_accounts_fin ON identity_accounts (fin);

CREATE TABLE identity_recovery_codes (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX identity_recovery_codes_account ON identity_recovery_codes (account_id);

-- Failed sign-in attempts, per account and per address, for throttling.
CREATE TABLE identity_failures (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at  TIMESTAMP NOT NULL
);
CREATE INDEX identity_failures_key_at ON identity_failures (key, at);

-- What a person can read about their own account: sign-ins, sign-outs,
-- services used.
CREATE TABLE identity_activity (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    at         TIMESTAMP NOT NULL,
    event      TEXT NOT NULL,
    method     TEXT NOT NULL DEFAULT '',
    address    TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX identity_activity_account_at ON identity_activity (account_id, at);

-- +goose Down
DROP TABLE identity_activity;
DROP TABLE identity_failures;
DROP TABLE identity_recovery_codes;
DROP TABLE identity_accounts;
