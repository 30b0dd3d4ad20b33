-- +goose Up
-- files: one row per distinct content, keyed by its SHA-256 in hex. content
-- holds the blob when the store keeps blobs in the database and is NULL
-- when they are on disk.
CREATE TABLE files (
    id TEXT PRIMARY KEY CHECK (length(id) = 64),
    type TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size > 0),
    created_at TIMESTAMP NOT NULL,
    content BLOB
);

-- file_uploads: one row per upload, so the same content uploaded by two
-- people is stored once but owned by each under the name they gave it.
CREATE TABLE file_uploads (
    id INTEGER PRIMARY KEY,
    file_id TEXT NOT NULL REFERENCES files (id),
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX file_uploads_file_owner ON file_uploads (file_id, owner);
CREATE INDEX file_uploads_owner ON file_uploads (owner, created_at);

-- +goose Down
DROP TABLE file_uploads;
DROP TABLE files;
