-- +goose Up
-- evisa: applications (one payer, one bill), the people in them with
-- their decisions and visas, and border crossings. Amounts are qəpik.
CREATE TABLE evisa_applications (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    lang TEXT NOT NULL,
    speed TEXT NOT NULL,
    entry_date TIMESTAMP NOT NULL,
    purpose TEXT NOT NULL,
    address TEXT NOT NULL,
    status TEXT NOT NULL,
    bill TEXT NOT NULL DEFAULT '',
    amount INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    paid_at TIMESTAMP,
    due_at TIMESTAMP
);
CREATE INDEX evisa_applications_status ON evisa_applications (status, created_at);
CREATE TABLE evisa_people (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES evisa_applications (id),
    nationality TEXT NOT NULL,
    passport TEXT NOT NULL,
    issuer TEXT NOT NULL DEFAULT '',
    surname TEXT NOT NULL,
    given_names TEXT NOT NULL DEFAULT '',
    birth_date TIMESTAMP NOT NULL,
    sex TEXT NOT NULL,
    passport_expires TIMESTAMP NOT NULL,
    photo TEXT NOT NULL,
    photo_type TEXT NOT NULL,
    status TEXT NOT NULL,
    flags TEXT NOT NULL DEFAULT '[]',
    decision TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TIMESTAMP,
    visa_number TEXT NOT NULL DEFAULT '',
    document TEXT NOT NULL DEFAULT '',
    valid_from TIMESTAMP,
    valid_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX evisa_people_application ON evisa_people (application_id);
CREATE INDEX evisa_people_passport ON evisa_people (passport, nationality);
CREATE INDEX evisa_people_status ON evisa_people (status);
CREATE UNIQUE INDEX evisa_people_visa ON evisa_people (visa_number) WHERE visa_number <> '';
CREATE INDEX evisa_people_document ON evisa_people (document);
CREATE TABLE evisa_crossings (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES evisa_people (id),
    kind TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    officer TEXT NOT NULL,
    idem_key TEXT NOT NULL UNIQUE,
    UNIQUE (person_id, kind)
);
-- Wrong passport numbers given with an application number on the
-- public status page, so that a visa cannot be found by trying numbers.
CREATE TABLE evisa_status_misses (
    number TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX evisa_status_misses_number ON evisa_status_misses (number, at);

-- +goose Down
DROP TABLE evisa_status_misses;
DROP TABLE evisa_crossings;
DROP TABLE evisa_people;
DROP TABLE evisa_applications;
