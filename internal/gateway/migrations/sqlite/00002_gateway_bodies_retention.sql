-- +goose Up
-- Bodies of an exchange, kept only when the server is configured to,
-- sealed with AES-256-GCM under a key derived from its secret ("" when
-- not kept).
ALTER TABLE gateway_messages ADD COLUMN request_body TEXT NOT NULL DEFAULT '';
ALTER TABLE gateway_messages ADD COLUMN response_body TEXT NOT NULL DEFAULT '';

-- A service registered by the admin is served by its provider over HTTP
-- at this base URL ("" for providers attached in process).
ALTER TABLE gateway_services ADD COLUMN provider_url TEXT NOT NULL DEFAULT '';

-- Where retention last cut the log: the chain hash at seq, signed, so the
-- entries after it verify from here.
CREATE TABLE gateway_message_anchor (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    seq       BIGINT NOT NULL,
    hash      TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL,
    cut_at    TIMESTAMP NOT NULL
);

-- +goose Down
ALTER TABLE gateway_services DROP COLUMN provider_url;
DROP TABLE gateway_message_anchor;
ALTER TABLE gateway_messages DROP COLUMN response_body;
ALTER TABLE gateway_messages DROP COLUMN request_body;
