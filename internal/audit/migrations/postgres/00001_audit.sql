-- +goose Up
-- audit_log is append-only: rows are written by audit.Append and never
-- updated or deleted. seq is assigned by Append (head seq + 1), not by the
-- database, so a deleted row leaves a gap that Verify reports.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_object ON audit_log (object, seq);
CREATE INDEX audit_log_at ON audit_log (at);

-- audit_head is the chain's one-row head: the last seq and its hash.
-- Append updates it in the appending transaction, which serialises
-- appenders (a row lock on PostgreSQL, the single writer on SQLite) and
-- lets Verify notice a truncated tail.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_log;
