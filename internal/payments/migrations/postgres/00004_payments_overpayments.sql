-- +goose Up
-- payments_overpayments: money a payment brought for a bill that was no
-- longer open (paid meanwhile by another payment, or cancelled). It is
-- the payer's, for an official to refund. refund is the refund returning
-- it ('' while none is), set in one conditional UPDATE so that two
-- officials cannot both return it. The ledger's overpayment entries made
-- before this table are copied in.
CREATE TABLE payments_overpayments (
    payment TEXT NOT NULL,
    bill    TEXT NOT NULL,
    agency  TEXT NOT NULL,
    amount  BIGINT NOT NULL,
    at      TIMESTAMPTZ NOT NULL,
    refund  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (payment, bill)
);
CREATE INDEX payments_overpayments_agency ON payments_overpayments (agency, at);
INSERT INTO payments_overpayments (payment, bill, agency, amount, at)
SELECT payment, bill, agency, amount, at FROM payments_ledger WHERE kind = 'overpayment';

-- +goose Down
DROP TABLE payments_overpayments;
