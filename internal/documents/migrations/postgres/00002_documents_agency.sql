-- +goose Up
-- The issuing agency's office lists its documents newest first.
CREATE INDEX documents_agency ON documents (agency, issued_at);

-- +goose Down
DROP INDEX documents_agency;
