-- +goose Up
-- Sign-ins through an external OpenID Connect provider under way. The row
-- is keyed by the SHA-256 of the state sent to the provider and bound to
-- the browser that began it: its cookie holds a random value, the row that
-- value's SHA-256. A row is used at most once, so any replica can finish
-- what another began and a replayed answer finds nothing.
CREATE TABLE identity_federation_states (
    state_hash   TEXT PRIMARY KEY,
    binding_hash TEXT NOT NULL,
    nonce        TEXT NOT NULL,
    verifier     TEXT NOT NULL,   -- PKCE code verifier
    next         TEXT NOT NULL,   -- local path to go to after signing in
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX identity_federation_states_expires ON identity_federation_states (expires_at);

-- +goose Down
DROP TABLE identity_federation_states;
