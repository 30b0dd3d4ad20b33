-- +goose Up
-- payments: bills people and businesses owe, payments through the
-- acquirer, the ledger of money in and out, refunds and receipts.
-- Amounts are INTEGER qəpik.
CREATE TABLE payments_bills (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    payer_fin TEXT NOT NULL DEFAULT '',
    payer_voen TEXT NOT NULL DEFAULT '',
    payer_subject TEXT NOT NULL DEFAULT '',
    plate TEXT NOT NULL DEFAULT '',
    agency TEXT NOT NULL,
    budget_code TEXT NOT NULL,
    service TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    amount INTEGER NOT NULL,
    points INTEGER NOT NULL DEFAULT 0,
    issued_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    rule TEXT NOT NULL,
    status TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    idem_key TEXT NOT NULL UNIQUE,
    paid_amount INTEGER NOT NULL DEFAULT 0,
    refunded_amount INTEGER NOT NULL DEFAULT 0,
    paid_at TIMESTAMP,
    payment TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX payments_bills_fin ON payments_bills (payer_fin);
CREATE INDEX payments_bills_voen ON payments_bills (payer_voen);
CREATE INDEX payments_bills_subject ON payments_bills (payer_subject);
CREATE INDEX payments_bills_plate ON payments_bills (plate);
CREATE TABLE payments_payments (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    provider_id TEXT NOT NULL DEFAULT '',
    redirect_url TEXT NOT NULL DEFAULT '',
    amount INTEGER NOT NULL,
    bills TEXT NOT NULL,
    payer TEXT NOT NULL,
    state TEXT NOT NULL,
    idem_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    settled_at TIMESTAMP
);
CREATE INDEX payments_payments_pending ON payments_payments (state, created_at);
CREATE INDEX payments_payments_provider ON payments_payments (provider_id);
CREATE TABLE payments_ledger (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    payment TEXT NOT NULL,
    bill TEXT NOT NULL,
    agency TEXT NOT NULL,
    budget_code TEXT NOT NULL,
    service TEXT NOT NULL,
    amount INTEGER NOT NULL,
    at TIMESTAMP NOT NULL,
    UNIQUE (kind, ref, bill)
);
CREATE INDEX payments_ledger_agency ON payments_ledger (agency, at);
CREATE TABLE payments_refunds (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    bill TEXT NOT NULL,
    payment TEXT NOT NULL,
    amount INTEGER NOT NULL,
    state TEXT NOT NULL,
    provider_ref TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    by_subject TEXT NOT NULL,
    idem_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE payments_receipts (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    payment TEXT NOT NULL UNIQUE,
    provider_id TEXT NOT NULL,
    payer TEXT NOT NULL,
    amount INTEGER NOT NULL,
    bills TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    signature TEXT NOT NULL,
    document_number TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE payments_receipts;
DROP TABLE payments_refunds;
DROP TABLE payments_ledger;
DROP TABLE payments_payments;
DROP TABLE payments_bills;
