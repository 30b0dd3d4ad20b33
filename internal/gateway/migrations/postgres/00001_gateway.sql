-- +goose Up
-- Members, subsystems and services of the gateway, as X-Road names them.
-- Identifiers are stored in their "/"-joined form (ClientID.String).
CREATE TABLE gateway_members (
    id         TEXT PRIMARY KEY,          -- INSTANCE/CLASS/MEMBER
    instance   TEXT NOT NULL,
    class      TEXT NOT NULL,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE gateway_subsystems (
    id         TEXT PRIMARY KEY,          -- INSTANCE/CLASS/MEMBER/SUBSYSTEM
    member_id  TEXT NOT NULL REFERENCES gateway_members (id),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- A service: its code under a subsystem, the provider's base path it maps
-- to, and the OpenAPI description its endpoints came from.
CREATE TABLE gateway_services (
    id           TEXT PRIMARY KEY,        -- INSTANCE/CLASS/MEMBER/SUBSYSTEM/CODE (no version)
    subsystem_id TEXT NOT NULL REFERENCES gateway_subsystems (id),
    code         TEXT NOT NULL,
    version      TEXT NOT NULL,
    title        TEXT NOT NULL,
    base_path    TEXT NOT NULL,
    openapi      TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- Endpoints of a service, relative to the service (X-Road style: "*" is
-- one path segment, "**" any rest).
CREATE TABLE gateway_endpoints (
    service_id TEXT NOT NULL REFERENCES gateway_services (id) ON DELETE CASCADE,
    method     TEXT NOT NULL,
    path       TEXT NOT NULL,
    PRIMARY KEY (service_id, method, path)
);

-- Access rights: a client subsystem may call a service, all of it
-- (method "*", path "**") or one endpoint.
CREATE TABLE gateway_access (
    service_id TEXT NOT NULL REFERENCES gateway_services (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES gateway_subsystems (id),
    method     TEXT NOT NULL,
    path       TEXT NOT NULL,
    granted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (service_id, client_id, method, path)
);
CREATE INDEX gateway_access_client ON gateway_access (client_id);

-- Local groups of client subsystems; a grant to a group is a grant to
-- each member.
CREATE TABLE gateway_groups (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE gateway_group_members (
    group_code TEXT NOT NULL REFERENCES gateway_groups (code) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES gateway_subsystems (id),
    PRIMARY KEY (group_code, client_id)
);
CREATE INDEX gateway_group_members_client ON gateway_group_members (client_id);

CREATE TABLE gateway_group_access (
    service_id TEXT NOT NULL REFERENCES gateway_services (id) ON DELETE CASCADE,
    group_code TEXT NOT NULL REFERENCES gateway_groups (code) ON DELETE CASCADE,
    method     TEXT NOT NULL,
    path       TEXT NOT NULL,
    granted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (service_id, group_code, method, path)
);

-- API keys of client subsystems calling /r1/ over HTTP (until mutual
-- TLS): only the SHA-256 of each key is kept.
CREATE TABLE gateway_api_keys (
    key_hash   TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES gateway_subsystems (id),
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

-- The message log: one row per exchange, hash-chained like audit_log.
-- No paths, queries or bodies: they may hold personal data.
CREATE TABLE gateway_messages (
    seq           BIGINT PRIMARY KEY,
    at            TIMESTAMPTZ NOT NULL,
    x_road_id     TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    service_id    TEXT NOT NULL,
    method        TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    issue         TEXT NOT NULL,
    status        INTEGER NOT NULL,
    error_type    TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    response_hash TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX gateway_messages_x_road_id ON gateway_messages (x_road_id);
CREATE INDEX gateway_messages_at ON gateway_messages (at);

CREATE TABLE gateway_message_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO gateway_message_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Batched signatures: the security server's key signs the chain head now
-- and then, so one signature covers every message up to seq.
CREATE TABLE gateway_signatures (
    seq       BIGINT PRIMARY KEY,
    hash      TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL,
    signed_at TIMESTAMPTZ NOT NULL
);

-- The security server's signing keys (ECDSA P-256, PKCS #8 DER, base64).
CREATE TABLE gateway_keys (
    id          TEXT PRIMARY KEY,
    private_key TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- The data tracker: who read whose data, without the data.
CREATE TABLE gateway_reads (
    id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    fin        TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    client_id  TEXT NOT NULL,
    service_id TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    x_road_id  TEXT NOT NULL
);
CREATE INDEX gateway_reads_fin ON gateway_reads (fin, at);
CREATE INDEX gateway_reads_at ON gateway_reads (at);

-- +goose Down
DROP TABLE gateway_reads;
DROP TABLE gateway_keys;
DROP TABLE gateway_signatures;
DROP TABLE gateway_message_head;
DROP TABLE gateway_messages;
DROP TABLE gateway_api_keys;
DROP TABLE gateway_group_access;
DROP TABLE gateway_group_members;
DROP TABLE gateway_groups;
DROP TABLE gateway_access;
DROP TABLE gateway_endpoints;
DROP TABLE gateway_services;
DROP TABLE gateway_subsystems;
DROP TABLE gateway_members;
