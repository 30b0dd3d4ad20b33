-- +goose Up
-- payments_payouts: money from the state to a person (a benefit, a
-- pension), in qəpik, to a bank account (IBAN) once the person has given
-- one. The idempotency key makes a repeat return the first payout.
CREATE TABLE payments_payouts (
    id         INTEGER PRIMARY KEY,
    number     TEXT NOT NULL UNIQUE,
    payee_fin  TEXT NOT NULL,
    iban       TEXT NOT NULL DEFAULT '',
    amount     INTEGER NOT NULL CHECK (amount > 0),
    agency     TEXT NOT NULL,
    service    TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('awaiting_account', 'scheduled', 'paid', 'cancelled')),
    reference  TEXT NOT NULL DEFAULT '',
    idem_key   TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX payments_payouts_payee ON payments_payouts (payee_fin);

-- +goose Down
DROP TABLE payments_payouts;
