-- +goose Up
-- file_orphans: files whose last upload was released (a draft deleted,
-- say). Sweep deletes each with its blob unless an upload of the same
-- content came meanwhile; the list spares it scanning every file.
CREATE TABLE file_orphans (
    file_id TEXT PRIMARY KEY
);

-- +goose Down
DROP TABLE file_orphans;
