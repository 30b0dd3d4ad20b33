-- +goose Up
-- A mandate lets a person act for a business: granted by its director (from
-- the business registry) or by someone whose own mandate allows delegating.
CREATE TABLE identity_mandates (
    id           INTEGER PRIMARY KEY,
    voen         TEXT NOT NULL,
    grantor_fin  TEXT NOT NULL,
    grantee_fin  TEXT NOT NULL,
    services     TEXT NOT NULL,              -- '*' or comma-separated service slugs
    can_delegate BOOLEAN NOT NULL DEFAULT FALSE,
    valid_until  TIMESTAMP NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    revoked_by   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX identity_mandates_grantee ON identity_mandates (grantee_fin, voen);
CREATE INDEX identity_mandates_voen ON identity_mandates (voen);

-- +goose Down
DROP TABLE identity_mandates;
