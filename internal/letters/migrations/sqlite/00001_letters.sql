-- +goose Up
-- letters: official letters between people (or businesses) and state
-- bodies, one row per letter with its thread (extension notice, answer).
-- Attachments are JSON arrays of file store references.
CREATE TABLE letters (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    direction TEXT NOT NULL,
    agency TEXT NOT NULL,
    status TEXT NOT NULL,
    account_id INTEGER NOT NULL DEFAULT 0,
    fin TEXT NOT NULL,
    on_behalf TEXT NOT NULL DEFAULT '',
    person_name TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    attachments TEXT NOT NULL,
    sender_subject TEXT NOT NULL,
    sender_name TEXT NOT NULL DEFAULT '',
    session_hash TEXT NOT NULL,
    session_started TIMESTAMP NOT NULL,
    signature TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP,
    extended_at TIMESTAMP,
    extension_reason TEXT NOT NULL DEFAULT '',
    extended_by TEXT NOT NULL DEFAULT '',
    answered_at TIMESTAMP,
    answer TEXT NOT NULL DEFAULT '',
    answer_attachments TEXT NOT NULL DEFAULT '[]',
    answered_by TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX letters_agency ON letters (agency, direction, status, due_at);
CREATE INDEX letters_person ON letters (fin, on_behalf, direction, sent_at);
CREATE INDEX letters_account ON letters (account_id, on_behalf, direction, sent_at);

-- +goose Down
DROP TABLE letters;
