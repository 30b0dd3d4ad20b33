-- +goose Up
-- consent: GovStack's Consent building block. An organisation (a gateway
-- member, "owner") keeps policies and data agreements; individuals are
-- its references to people (a FIN when known); a consent record is one
-- individual's answer to one revision of a data agreement. Every change
-- of a policy, an agreement or a record is a revision (a hash-chained
-- snapshot); signatures sign a record's revision.
CREATE TABLE consent_policies (
    id                     TEXT PRIMARY KEY,
    owner                  TEXT NOT NULL,      -- the organisation: INSTANCE/CLASS/MEMBER
    name                   TEXT NOT NULL,
    version                TEXT NOT NULL,
    url                    TEXT NOT NULL,
    jurisdiction           TEXT NOT NULL,
    industry_sector        TEXT NOT NULL,
    retention_days         INTEGER NOT NULL,
    geographic_restriction TEXT NOT NULL,
    storage_location       TEXT NOT NULL,
    deleted                BOOLEAN NOT NULL DEFAULT FALSE,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX consent_policies_owner ON consent_policies (owner, created_at);

CREATE TABLE consent_agreements (
    id              TEXT PRIMARY KEY,
    owner           TEXT NOT NULL,
    version         TEXT NOT NULL,
    controller_id   TEXT NOT NULL,
    controller_name TEXT NOT NULL,
    controller_url  TEXT NOT NULL,
    policy_id       TEXT REFERENCES consent_policies (id),
    purpose         TEXT NOT NULL,
    lawful_basis    TEXT NOT NULL,
    data_use        TEXT NOT NULL,
    dpia            TEXT NOT NULL,
    active          BOOLEAN NOT NULL,
    forgettable     BOOLEAN NOT NULL,
    lifecycle       TEXT NOT NULL,
    deleted         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX consent_agreements_owner ON consent_agreements (owner, created_at);

-- The personal data an agreement covers.
CREATE TABLE consent_agreement_attributes (
    agreement_id TEXT NOT NULL REFERENCES consent_agreements (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    sensitivity  TEXT NOT NULL,
    category     TEXT NOT NULL,
    PRIMARY KEY (agreement_id, position)
);

CREATE TABLE consent_individuals (
    id                   TEXT PRIMARY KEY,
    owner                TEXT NOT NULL,
    external_id          TEXT NOT NULL,
    external_id_type     TEXT NOT NULL,
    identity_provider_id TEXT NOT NULL,
    fin                  TEXT,                 -- when the external id is a FIN
    created_at           TIMESTAMPTZ NOT NULL
);
-- One individual per external id within an organisation: creating it
-- again answers the existing one.
CREATE UNIQUE INDEX consent_individuals_external ON consent_individuals (owner, external_id_type, external_id) WHERE external_id <> '';
CREATE INDEX consent_individuals_fin ON consent_individuals (fin);

-- Revisions of policies, agreements and records: serialized snapshots,
-- each hash chained to its predecessor's.
CREATE TABLE consent_revisions (
    id                     TEXT PRIMARY KEY,
    schema_name            TEXT NOT NULL,     -- policy, dataAgreement, consentRecord
    object_id              TEXT NOT NULL,
    seq                    INTEGER NOT NULL,
    snapshot               TEXT NOT NULL,
    hash                   TEXT NOT NULL,
    at                     TIMESTAMPTZ NOT NULL,
    authorized_by_individual TEXT,
    authorized_by_other    TEXT NOT NULL,
    successor_id           TEXT,
    predecessor_hash       TEXT NOT NULL,
    predecessor_signature  TEXT NOT NULL,
    UNIQUE (schema_name, object_id, seq)
);

CREATE TABLE consent_records (
    id                       TEXT PRIMARY KEY,
    agreement_id             TEXT NOT NULL REFERENCES consent_agreements (id),
    agreement_revision_id    TEXT NOT NULL REFERENCES consent_revisions (id),
    agreement_revision_hash  TEXT NOT NULL,
    individual_id            TEXT NOT NULL REFERENCES consent_individuals (id),
    opt_in                   BOOLEAN NOT NULL,
    state                    TEXT NOT NULL,   -- unsigned, signed
    revision_id              TEXT NOT NULL REFERENCES consent_revisions (id),
    signature_id             TEXT,
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL,
    -- The specification's unique constraint: one record per individual
    -- and agreement revision.
    UNIQUE (agreement_revision_id, individual_id)
);
CREATE INDEX consent_records_individual ON consent_records (individual_id, created_at);
CREATE INDEX consent_records_agreement ON consent_records (agreement_id, created_at);

-- Signatures of a record's revision; signature is empty until signed.
CREATE TABLE consent_signatures (
    id                   TEXT PRIMARY KEY,
    record_id            TEXT NOT NULL REFERENCES consent_records (id) ON DELETE CASCADE,
    revision_id          TEXT NOT NULL REFERENCES consent_revisions (id),
    payload              TEXT NOT NULL,
    signature            TEXT NOT NULL,
    method               TEXT NOT NULL,
    verification_payload TEXT NOT NULL,
    payload_hash         TEXT NOT NULL,
    artifact             TEXT NOT NULL,
    signed_by            TEXT NOT NULL,
    signed_as            TEXT NOT NULL,
    at                   TIMESTAMPTZ NOT NULL,
    -- One signature per revision: signing again answers it.
    UNIQUE (revision_id)
);

-- The platform's signing keys (Ed25519), the private half sealed.
CREATE TABLE consent_keys (
    kid         TEXT PRIMARY KEY,
    private_key TEXT NOT NULL,
    public_key  BYTEA NOT NULL,
    active      BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX consent_keys_active ON consent_keys (active) WHERE active;

CREATE TABLE consent_webhooks (
    id           TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    payload_url  TEXT NOT NULL,
    content_type TEXT NOT NULL,
    disabled     BOOLEAN NOT NULL,
    secret_key   TEXT NOT NULL,     -- sealed
    deleted      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX consent_webhooks_owner ON consent_webhooks (owner);

-- +goose Down
DROP TABLE consent_webhooks;
DROP TABLE consent_keys;
DROP TABLE consent_signatures;
DROP TABLE consent_records;
DROP TABLE consent_revisions;
DROP TABLE consent_individuals;
DROP TABLE consent_agreement_attributes;
DROP TABLE consent_agreements;
DROP TABLE consent_policies;
