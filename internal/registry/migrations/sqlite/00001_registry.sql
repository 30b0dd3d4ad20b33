-- +goose Up
-- The state's base registries: population, business and vehicles.
-- Calendar dates (birth, issue, expiry, founding, inspection) are TEXT
-- 'YYYY-MM-DD' on both engines, so they compare and index as strings.
-- Rows refer to people by FIN, not by id, so bulk loads need no lookups.

-- registry_meta holds the registry's own settings: the demo day and the
-- generator's counters.
CREATE TABLE registry_meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE registry_persons (
    id                  INTEGER PRIMARY KEY,
    fin                 TEXT NOT NULL UNIQUE,
    first_name          TEXT NOT NULL,
    last_name           TEXT NOT NULL,
    patronymic          TEXT NOT NULL DEFAULT '',
    sex                 TEXT NOT NULL CHECK (sex IN ('F', 'M')),
    birth_date          TEXT NOT NULL,
    birth_place         TEXT NOT NULL DEFAULT '',
    citizenship         TEXT NOT NULL,
    address_region      TEXT NOT NULL DEFAULT '',
    address_city        TEXT NOT NULL DEFAULT '',
    address_street      TEXT NOT NULL DEFAULT '',
    address_house       TEXT NOT NULL DEFAULT '',
    address_apartment   TEXT NOT NULL DEFAULT '',
    address_postal_code TEXT NOT NULL DEFAULT '',
    phone               TEXT NOT NULL DEFAULT '',
    email               TEXT NOT NULL DEFAULT '',
    death_date          TEXT
);
CREATE INDEX registry_persons_birth_date ON registry_persons (birth_date);
-- Birthday scans ask for a month and day in any year: 'MM-DD'.
CREATE INDEX registry_persons_birthday ON registry_persons (substr(birth_date, 6));

CREATE TABLE registry_documents (
    id         INTEGER PRIMARY KEY,
    person_fin TEXT NOT NULL REFERENCES registry_persons (fin),
    kind       TEXT NOT NULL CHECK (kind IN ('id-card', 'passport', 'driving-licence')),
    number     TEXT NOT NULL,
    issued_on  TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    UNIQUE (kind, number)
);
CREATE INDEX registry_documents_person ON registry_documents (person_fin);
CREATE INDEX registry_documents_expires ON registry_documents (expires_on);

-- Each link is stored in both directions: (mother, child) and (child, mother).
CREATE TABLE registry_family (
    person_fin   TEXT NOT NULL REFERENCES registry_persons (fin),
    relation     TEXT NOT NULL CHECK (relation IN ('mother', 'father', 'spouse', 'child')),
    relative_fin TEXT NOT NULL REFERENCES registry_persons (fin),
    PRIMARY KEY (person_fin, relative_fin)
);
CREATE INDEX registry_family_relative ON registry_family (relative_fin);

CREATE TABLE registry_businesses (
    id                  INTEGER PRIMARY KEY,
    voen                TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    legal_form          TEXT NOT NULL CHECK (legal_form IN ('MMC', 'ASC', 'QSC', 'FS')),
    status              TEXT NOT NULL CHECK (status IN ('active', 'liquidated')),
    director_fin        TEXT NOT NULL REFERENCES registry_persons (fin),
    address_region      TEXT NOT NULL DEFAULT '',
    address_city        TEXT NOT NULL DEFAULT '',
    address_street      TEXT NOT NULL DEFAULT '',
    address_house       TEXT NOT NULL DEFAULT '',
    address_apartment   TEXT NOT NULL DEFAULT '',
    address_postal_code TEXT NOT NULL DEFAULT '',
    founded             TEXT NOT NULL
);
CREATE INDEX registry_businesses_director ON registry_businesses (director_fin);

CREATE TABLE registry_vehicles (
    id             INTEGER PRIMARY KEY,
    plate          TEXT NOT NULL UNIQUE,
    vin            TEXT NOT NULL UNIQUE,
    make           TEXT NOT NULL,
    model          TEXT NOT NULL,
    year           INTEGER NOT NULL,
    owner_fin      TEXT NOT NULL REFERENCES registry_persons (fin),
    inspection_due TEXT NOT NULL
);
CREATE INDEX registry_vehicles_owner ON registry_vehicles (owner_fin);
CREATE INDEX registry_vehicles_inspection ON registry_vehicles (inspection_due);

-- +goose Down
DROP TABLE registry_vehicles;
DROP TABLE registry_businesses;
DROP TABLE registry_family;
DROP TABLE registry_documents;
DROP TABLE registry_persons;
DROP TABLE registry_meta;
