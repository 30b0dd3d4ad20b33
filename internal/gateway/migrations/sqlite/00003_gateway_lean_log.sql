-- +goose Up
-- Every B-tree a log batch touches costs its transaction a page written
-- to the WAL. The messages' time index served only retention, which now
-- finds its cut by seq (seqs grow with time); and AUTOINCREMENT made each
-- tracker insert update sqlite_sequence as well. Tracker rows are never
-- deleted, so a plain rowid key never reuses an id.
DROP INDEX gateway_messages_at;

CREATE TABLE gateway_reads_new (
    id         INTEGER PRIMARY KEY,
    fin        TEXT NOT NULL,
    at         TIMESTAMP NOT NULL,
    client_id  TEXT NOT NULL,
    service_id TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    x_road_id  TEXT NOT NULL
);
INSERT INTO gateway_reads_new (id, fin, at, client_id, service_id, purpose, user_id, x_road_id)
SELECT id, fin, at, client_id, service_id, purpose, user_id, x_road_id FROM gateway_reads;
DROP TABLE gateway_reads;
ALTER TABLE gateway_reads_new RENAME TO gateway_reads;
CREATE INDEX gateway_reads_fin ON gateway_reads (fin, at);
CREATE INDEX gateway_reads_at ON gateway_reads (at);

-- +goose Down
CREATE TABLE gateway_reads_old (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    fin        TEXT NOT NULL,
    at         TIMESTAMP NOT NULL,
    client_id  TEXT NOT NULL,
    service_id TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    x_road_id  TEXT NOT NULL
);
INSERT INTO gateway_reads_old (id, fin, at, client_id, service_id, purpose, user_id, x_road_id)
SELECT id, fin, at, client_id, service_id, purpose, user_id, x_road_id FROM gateway_reads;
DROP TABLE gateway_reads;
ALTER TABLE gateway_reads_old RENAME TO gateway_reads;
CREATE INDEX gateway_reads_fin ON gateway_reads (fin, at);
CREATE INDEX gateway_reads_at ON gateway_reads (at);
CREATE INDEX gateway_messages_at ON gateway_messages (at);
