-- +goose Up
-- govstack: the generic registries of the Digital Registries building
-- block. A registry is a code and a version with a JSON schema for its
-- records; which client subsystems may read and write it; its records as
-- JSON, keyed by the schema's primary key.
CREATE TABLE govstack_registries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    code         TEXT NOT NULL,
    version      TEXT NOT NULL,
    group_name   TEXT NOT NULL,
    catalog_name TEXT NOT NULL,
    description  TEXT NOT NULL,
    schema       TEXT NOT NULL,
    owner        TEXT NOT NULL,          -- the client subsystem that defined it
    created_at   TIMESTAMP NOT NULL,
    modified_at  TIMESTAMP NOT NULL,
    UNIQUE (code, version)
);

CREATE TABLE govstack_registry_access (
    registry_id INTEGER NOT NULL REFERENCES govstack_registries (id) ON DELETE CASCADE,
    client_id   TEXT NOT NULL,           -- INSTANCE/CLASS/MEMBER/SUBSYSTEM
    can_read    BOOLEAN NOT NULL,
    can_write   BOOLEAN NOT NULL,
    PRIMARY KEY (registry_id, client_id)
);

CREATE TABLE govstack_records (
    registry_id INTEGER NOT NULL REFERENCES govstack_registries (id) ON DELETE CASCADE,
    record_id   TEXT NOT NULL,
    content     TEXT NOT NULL,           -- the record as JSON
    created_by  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (registry_id, record_id)
);

-- +goose Down
DROP TABLE govstack_records;
DROP TABLE govstack_registry_access;
DROP TABLE govstack_registries;
