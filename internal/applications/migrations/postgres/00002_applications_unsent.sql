-- +goose Up
-- Applications never sent are deleted 30 days after their last change
-- (PurgeUnsent); housekeeping finds them without reading every row.
CREATE INDEX applications_unsent ON applications (updated_at) WHERE submitted_at IS NULL;

-- +goose Down
DROP INDEX applications_unsent;
