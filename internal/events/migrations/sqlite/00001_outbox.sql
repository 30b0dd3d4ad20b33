-- +goose Up
-- events_outbox holds every event published in a committed transaction.
CREATE TABLE events_outbox (
    id INTEGER PRIMARY KEY,
    topic TEXT NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX events_outbox_topic ON events_outbox (topic, id);
CREATE INDEX events_outbox_created ON events_outbox (created_at);

-- events_deliveries has one row per (event, subscriber) once a dispatcher
-- has seen the pair: pending (with its retry schedule), delivered (written
-- in the handler's own transaction) or dead (gave up after max attempts).
CREATE TABLE events_deliveries (
    event_id INTEGER NOT NULL REFERENCES events_outbox (id) ON DELETE CASCADE,
    subscriber TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    done_at TIMESTAMP,
    PRIMARY KEY (event_id, subscriber)
);
CREATE INDEX events_deliveries_due ON events_deliveries (subscriber, next_attempt_at) WHERE state = 'pending';

-- +goose Down
DROP TABLE events_deliveries;
DROP TABLE events_outbox;
