-- +goose Up
-- What a provider said was read, when it names the persons itself (a
-- generic registry's record, an application): kept apart from the
-- client's purpose, so that a purpose cannot pass a read off as one of
-- another record. '' when the gateway recorded the read from the FIN the
-- request named.
ALTER TABLE gateway_reads ADD COLUMN record TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE gateway_reads DROP COLUMN record;
