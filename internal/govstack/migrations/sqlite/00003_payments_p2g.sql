-- +goose Up
-- govstack_p2g: the Payments building block, person to government.
-- Payer FIs are the banks that may inquire about and pay bills, each a
-- gateway subsystem with a callback service. Every request a bank or a
-- biller makes is kept once per (caller, kind, requestId), with what its
-- answer needs; the answer is a callback sent through the gateway, kept
-- until it was delivered.
CREATE TABLE govstack_p2g_payer_fis (
    id         TEXT PRIMARY KEY,         -- the PayerFI-Id the bank goes by (its BIC)
    client_id  TEXT NOT NULL UNIQUE,     -- its gateway subsystem
    name       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE govstack_p2g_requests (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    kind           TEXT NOT NULL,        -- bill_inquiry, bill_payment, rtp_request, rtp_response, rtp_status
    client_id      TEXT NOT NULL,        -- the caller
    request_id     TEXT NOT NULL,        -- the caller's requestId
    correlation_id TEXT NOT NULL,
    tenant         TEXT NOT NULL,
    bill           TEXT NOT NULL,
    detail         TEXT NOT NULL,        -- JSON: what the answer says
    created_at     TIMESTAMP NOT NULL,
    UNIQUE (client_id, kind, request_id)
);

CREATE TABLE govstack_p2g_callbacks (
    request_id   INTEGER PRIMARY KEY REFERENCES govstack_p2g_requests (id),
    service      TEXT NOT NULL,          -- the receiver's gateway service
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    header       TEXT NOT NULL,          -- JSON
    body         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('due', 'sent', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      TIMESTAMP NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    sent_at      TIMESTAMP
);
CREATE INDEX govstack_p2g_callbacks_due ON govstack_p2g_callbacks (state, next_at);

CREATE TABLE govstack_p2g_rtps (
    id          INTEGER PRIMARY KEY AUTOINCREMENT, -- the rtpId egov gives
    biller      TEXT NOT NULL,           -- the client that asked for it
    biller_rtp  INTEGER NOT NULL,        -- the biller's own rtpId
    bill        TEXT NOT NULL,
    payer_fi    TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('PND', 'COM', 'RJC', 'EXP', 'CAN')),
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (biller, biller_rtp)
);

-- +goose Down
DROP TABLE govstack_p2g_rtps;
DROP TABLE govstack_p2g_callbacks;
DROP TABLE govstack_p2g_requests;
DROP TABLE govstack_p2g_payer_fis;
