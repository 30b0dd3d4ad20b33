-- +goose Up
-- centers: service centres, their services and desks, bookings with a
-- capacity row per slot, the queue, calls for the board, consents to open
-- applications, and one-time ratings.
CREATE TABLE centers_centres (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    hours TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE centers_offers (
    centre TEXT NOT NULL REFERENCES centers_centres (slug),
    service TEXT NOT NULL,
    letter TEXT NOT NULL,
    PRIMARY KEY (centre, service)
);
CREATE TABLE centers_desks (
    centre TEXT NOT NULL REFERENCES centers_centres (slug),
    number INTEGER NOT NULL,
    services TEXT NOT NULL,
    PRIMARY KEY (centre, number)
);
CREATE TABLE centers_priority_rules (
    code TEXT PRIMARY KEY,
    rank INTEGER NOT NULL,
    min_age INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL
);
CREATE TABLE centers_slots (
    centre TEXT NOT NULL,
    service TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    capacity INTEGER NOT NULL,
    taken INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (centre, service, starts_at),
    CHECK (taken >= 0 AND taken <= capacity)
);
CREATE TABLE centers_bookings (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    centre TEXT NOT NULL,
    service TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    person TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    reminded_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP,
    ticket_id INTEGER NOT NULL DEFAULT 0
);
-- One person, one place at a time: slots are aligned, so overlapping
-- bookings start at the same time.
CREATE UNIQUE INDEX centers_bookings_person_time ON centers_bookings (person, starts_at)
    WHERE status IN ('booked', 'checked_in');
CREATE INDEX centers_bookings_account ON centers_bookings (account_id, starts_at);
CREATE INDEX centers_bookings_due ON centers_bookings (status, starts_at);
CREATE TABLE centers_counters (
    centre TEXT NOT NULL,
    day TEXT NOT NULL,
    letter TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (centre, day, letter)
);
CREATE TABLE centers_tickets (
    id INTEGER PRIMARY KEY,
    centre TEXT NOT NULL,
    day TEXT NOT NULL,
    number TEXT NOT NULL,
    service TEXT NOT NULL,
    agency TEXT NOT NULL DEFAULT '',
    booking_id INTEGER NOT NULL DEFAULT 0,
    person TEXT NOT NULL DEFAULT '',
    account_id INTEGER NOT NULL DEFAULT 0,
    priority TEXT NOT NULL DEFAULT '',
    rank INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    desk INTEGER NOT NULL DEFAULT 0,
    transfer_to INTEGER NOT NULL DEFAULT 0,
    issued_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP,
    called_at TIMESTAMP,
    served_at TIMESTAMP,
    finished_at TIMESTAMP,
    recalls INTEGER NOT NULL DEFAULT 0,
    application TEXT NOT NULL DEFAULT '',
    UNIQUE (centre, day, number)
);
CREATE INDEX centers_tickets_queue ON centers_tickets (centre, status, issued_at);
CREATE INDEX centers_tickets_stats ON centers_tickets (centre, service, finished_at);
CREATE TABLE centers_calls (
    id INTEGER PRIMARY KEY,
    centre TEXT NOT NULL,
    ticket_id INTEGER NOT NULL,
    number TEXT NOT NULL,
    desk INTEGER NOT NULL,
    called_at TIMESTAMP NOT NULL
);
CREATE INDEX centers_calls_centre ON centers_calls (centre, id);
CREATE TABLE centers_consents (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL UNIQUE,
    person TEXT NOT NULL,
    service TEXT NOT NULL,
    operator TEXT NOT NULL,
    given_at TIMESTAMP NOT NULL,
    application TEXT NOT NULL DEFAULT ''
);
CREATE TABLE centers_ratings (
    token_hash TEXT PRIMARY KEY,
    ticket_id INTEGER NOT NULL UNIQUE,
    centre TEXT NOT NULL,
    service TEXT NOT NULL,
    agency TEXT NOT NULL,
    score INTEGER,
    comment TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    rated_at TIMESTAMP
);

-- +goose Down
DROP TABLE centers_ratings;
DROP TABLE centers_consents;
DROP TABLE centers_calls;
DROP TABLE centers_tickets;
DROP TABLE centers_counters;
DROP TABLE centers_bookings;
DROP TABLE centers_slots;
DROP TABLE centers_priority_rules;
DROP TABLE centers_desks;
DROP TABLE centers_offers;
DROP TABLE centers_centres;
