-- +goose Up
-- notify_templates holds every version of every template; texts are
-- three-language JSON objects {"az","en","ru"}.
CREATE TABLE notify_templates (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    placeholders TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (key, version)
);

-- notify_messages: one row per message, rendered at send time in the
-- recipient's language. A row with in_inbox = 1 is in the person's inbox.
CREATE TABLE notify_messages (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL DEFAULT 0,
    fin TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    template_key TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    lang TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    html TEXT NOT NULL,
    in_inbox INTEGER NOT NULL DEFAULT 0,
    read_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notify_messages_inbox ON notify_messages (account_id, created_at) WHERE in_inbox = 1;

-- notify_attachments: files sent with a message's e-mail, base64 encoded.
CREATE TABLE notify_attachments (
    message_id INTEGER NOT NULL REFERENCES notify_messages (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (message_id, seq)
);

-- notify_deliveries: one row per message and outside channel.
CREATE TABLE notify_deliveries (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES notify_messages (id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    address TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'delivered', 'failed', 'expired')),
    last_error TEXT NOT NULL DEFAULT '',
    provider_id TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX notify_deliveries_message ON notify_deliveries (message_id);
CREATE INDEX notify_deliveries_provider ON notify_deliveries (provider_id);

-- notify_preferences: a person's channel choices per kind of message;
-- no row means the default for that kind and channel.
CREATE TABLE notify_preferences (
    account_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    enabled INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, kind, channel)
);

-- notify_sms_sandbox: what the built-in sandbox SMS provider "sent". The
-- unique idempotency key is the provider-side deduplication.
CREATE TABLE notify_sms_sandbox (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    to_number TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE notify_sms_sandbox;
DROP TABLE notify_preferences;
DROP TABLE notify_deliveries;
DROP TABLE notify_attachments;
DROP TABLE notify_messages;
DROP TABLE notify_templates;
