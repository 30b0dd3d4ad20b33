-- +goose Up
-- The messages' time index served only retention, which now finds its
-- cut by seq (seqs grow with time); each index is one more page every
-- log batch writes.
DROP INDEX gateway_messages_at;

-- +goose Down
CREATE INDEX gateway_messages_at ON gateway_messages (at);
