-- +goose Up
-- payments_find_misses: wrong birth dates given with a FIN on the public
-- "find what I owe" form, so a person's bills cannot be found by trying
-- every date.
CREATE TABLE payments_find_misses (
    fin TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX payments_find_misses_fin ON payments_find_misses (fin, at);

-- +goose Down
DROP TABLE payments_find_misses;
