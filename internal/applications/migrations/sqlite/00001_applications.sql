-- +goose Up
-- applications: one row per application, from draft to decision. Answers
-- and prefilled values are JSON objects; the decision's reason is a
-- three-language JSON object.
CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    service TEXT NOT NULL,
    agency TEXT NOT NULL,
    status TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    fin TEXT NOT NULL,
    on_behalf TEXT NOT NULL DEFAULT '',
    applicant_name TEXT NOT NULL,
    lang TEXT NOT NULL,
    answers TEXT NOT NULL,
    prefilled TEXT NOT NULL,
    attachments TEXT NOT NULL,
    fee_qepik INTEGER NOT NULL DEFAULT 0,
    submitted_at TIMESTAMP,
    due_at TIMESTAMP,
    decided_at TIMESTAMP,
    overdue INTEGER NOT NULL DEFAULT 0,
    assignee_id INTEGER NOT NULL DEFAULT 0,
    assignee_name TEXT NOT NULL DEFAULT '',
    decision TEXT NOT NULL DEFAULT '',
    document_id TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX applications_account ON applications (account_id, updated_at);
CREATE INDEX applications_agency ON applications (agency, status, due_at);

-- application_steps: the timeline, appended to and never changed.
CREATE TABLE application_steps (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    action TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    at TIMESTAMP NOT NULL
);
CREATE INDEX application_steps_application ON application_steps (application_id, id);

-- application_corrections: a person's report that a registry holds a
-- wrong value about them, for the agency that keeps the registry.
CREATE TABLE application_corrections (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    fin TEXT NOT NULL,
    attribute TEXT NOT NULL,
    value TEXT NOT NULL,
    says TEXT NOT NULL,
    agency TEXT NOT NULL,
    status TEXT NOT NULL,
    resolution TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE INDEX application_corrections_agency ON application_corrections (agency, status);

-- application_api_keys: keys of agencies' own systems for /api/v1, kept
-- as SHA-256 hashes; the key itself is shown once.
CREATE TABLE application_api_keys (
    id INTEGER PRIMARY KEY,
    agency TEXT NOT NULL,
    name TEXT NOT NULL,
    test INTEGER NOT NULL DEFAULT 0,
    key_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

-- +goose Down
DROP TABLE application_api_keys;
DROP TABLE application_corrections;
DROP TABLE application_steps;
DROP TABLE applications;
