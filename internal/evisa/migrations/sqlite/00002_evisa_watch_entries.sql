-- +goose Up
-- evisa_watch_entries: the watch list the automated checks match
-- travellers' names against, kept by the migration service's officials
-- (every change audited). reason is the listing body's reference.
CREATE TABLE evisa_watch_entries (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    birth_year INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL UNIQUE,
    added_by TEXT NOT NULL,
    added_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE evisa_watch_entries;
