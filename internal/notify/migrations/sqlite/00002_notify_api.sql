-- +goose Up
-- A message no outside channel could reach (no e-mail address or phone,
-- given or from the registries) is flagged to its sender.
ALTER TABLE notify_messages ADD COLUMN unreachable INTEGER NOT NULL DEFAULT 0;

-- notify_api_messages: messages agencies' systems sent through
-- /api/v1/notifications, with what the API needs beyond the message.
-- idempotency_key is the message's (namespaced by agency and key kind);
-- request_hash tells a retry from a different request with the same key.
-- status is the notification's overall state, kept current with its
-- deliveries.
CREATE TABLE notify_api_messages (
    message_id INTEGER PRIMARY KEY REFERENCES notify_messages (id) ON DELETE CASCADE,
    agency TEXT NOT NULL,
    api_key TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    request_hash TEXT NOT NULL,
    test INTEGER NOT NULL DEFAULT 0,
    reference TEXT NOT NULL DEFAULT '',
    callback_url TEXT NOT NULL DEFAULT '',
    callback_token TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notify_api_messages_agency ON notify_api_messages (agency, created_at);
CREATE INDEX notify_api_messages_reference ON notify_api_messages (agency, reference);

-- notify_rate_windows: fixed-window counters of the rate limits, shared
-- by every replica. window_start is in Unix seconds.
CREATE TABLE notify_rate_windows (
    bucket TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

-- +goose Down
DROP TABLE notify_rate_windows;
DROP TABLE notify_api_messages;
ALTER TABLE notify_messages DROP COLUMN unreachable;
