-- +goose Up
-- govstack: the Registration block's bookkeeping over internal/applications.
-- Which client subsystem submitted an application (the application itself
-- is the applications module's), and which egov agency a gateway member
-- is, so that an agency's systems work its applications' tasks.
CREATE TABLE govstack_submissions (
    number     TEXT PRIMARY KEY,         -- the application's number
    client_id  TEXT NOT NULL,            -- INSTANCE/CLASS/MEMBER/SUBSYSTEM that submitted it
    name       TEXT NOT NULL,            -- the applicationName it gave
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX govstack_submissions_client ON govstack_submissions (client_id, created_at);

CREATE TABLE govstack_agency_members (
    member_id TEXT PRIMARY KEY,          -- INSTANCE/CLASS/MEMBER
    agency    TEXT NOT NULL              -- the catalog agency's slug
);

-- +goose Down
DROP TABLE govstack_agency_members;
DROP TABLE govstack_submissions;
