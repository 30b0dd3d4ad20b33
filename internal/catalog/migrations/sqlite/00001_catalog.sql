-- +goose Up
-- Texts are JSON objects {"az","en","ru"}; lists are JSON arrays.
CREATE TABLE catalog_agencies (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    short_name  TEXT NOT NULL,
    description TEXT NOT NULL,
    website     TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE catalog_situations (
    slug        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    position    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE catalog_services (
    id            INTEGER PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    agency_id     INTEGER NOT NULL REFERENCES catalog_agencies (id),
    name          TEXT NOT NULL,
    summary       TEXT NOT NULL,
    description   TEXT NOT NULL,
    audience      TEXT NOT NULL,
    channels      TEXT NOT NULL,
    fee_qepik     BIGINT NOT NULL DEFAULT 0 CHECK (fee_qepik >= 0),
    deadline_days INTEGER NOT NULL DEFAULT 0 CHECK (deadline_days >= 0),
    documents     TEXT NOT NULL DEFAULT '[]',
    keywords      TEXT NOT NULL DEFAULT '{}',
    form_schema   TEXT NOT NULL DEFAULT '',
    popularity    INTEGER NOT NULL DEFAULT 0,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX catalog_services_agency ON catalog_services (agency_id);

CREATE TABLE catalog_service_situations (
    service_id     INTEGER NOT NULL REFERENCES catalog_services (id) ON DELETE CASCADE,
    situation_slug TEXT NOT NULL REFERENCES catalog_situations (slug),
    PRIMARY KEY (service_id, situation_slug)
);

-- One row; bumped by every change so replicas know to reload their copy.
CREATE TABLE catalog_revision (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO catalog_revision (id, revision) VALUES (1, 0);

-- +goose Down
DROP TABLE catalog_revision;
DROP TABLE catalog_service_situations;
DROP TABLE catalog_services;
DROP TABLE catalog_situations;
DROP TABLE catalog_agencies;
