-- +goose Up
-- Indexes for the proactive services' daily scan, which reads one day's
-- range at a time in pages ordered by date and FIN: who reaches an age
-- (birth date), whose document of a kind expires, whose car's inspection
-- falls due. Each page is a range read of an index, never a table scan.
CREATE INDEX registry_persons_birth_fin ON registry_persons (birth_date, fin);
CREATE INDEX registry_documents_kind_expires ON registry_documents (kind, expires_on, number);
CREATE INDEX registry_vehicles_inspection_plate ON registry_vehicles (inspection_due, plate);

-- +goose Down
DROP INDEX registry_vehicles_inspection_plate;
DROP INDEX registry_documents_kind_expires;
DROP INDEX registry_persons_birth_fin;
