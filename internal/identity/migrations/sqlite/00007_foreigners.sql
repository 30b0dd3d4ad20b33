-- +goose Up
-- What a foreigner declared from their passport. The passport number and
-- nationality are also in the account's subject (foreigner:NAT:number).
CREATE TABLE identity_foreigners (
    account_id  INTEGER PRIMARY KEY REFERENCES identity_accounts (id) ON DELETE CASCADE,
    nationality TEXT NOT NULL,
    passport    TEXT NOT NULL,
    surname     TEXT NOT NULL,
    given_names TEXT NOT NULL DEFAULT '',
    birth_date  TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE identity_foreigners;
