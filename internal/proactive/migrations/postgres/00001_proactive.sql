-- +goose Up
-- proactive: rules written by agencies (every version kept), what the
-- rules did or offered for each person, and how far the daily scan got.

-- proactive_rules: one row per version of a rule; definition is the
-- rule as JSON. At most one version of a rule is live.
CREATE TABLE proactive_rules (
    rule_id    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    agency     TEXT NOT NULL,
    starts_on  TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('draft', 'live', 'retired')),
    event      TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (rule_id, version)
);
CREATE INDEX proactive_rules_status ON proactive_rules (status, event);

-- proactive_actions: one row per action of a rule for a person and an
-- event. The unique key holds the rule's id but not its version, so a
-- rule acts once per person per event however often the event comes and
-- whichever version is live.
CREATE TABLE proactive_actions (
    id           BIGSERIAL PRIMARY KEY,
    rule_id      TEXT NOT NULL,
    rule_version INTEGER NOT NULL,
    fin          TEXT NOT NULL,
    event_key    TEXT NOT NULL,
    step         INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    status       TEXT NOT NULL,
    action       TEXT NOT NULL,
    facts        TEXT NOT NULL DEFAULT '{}',
    reference    TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (rule_id, fin, event_key, step)
);
CREATE INDEX proactive_actions_fin ON proactive_actions (fin, created_at);
CREATE INDEX proactive_actions_status ON proactive_actions (status, updated_at);

-- proactive_watermarks: the last day the daily scan finished, per rule.
CREATE TABLE proactive_watermarks (
    rule_id TEXT PRIMARY KEY,
    day     TEXT NOT NULL
);

-- +goose Down
DROP TABLE proactive_watermarks;
DROP TABLE proactive_actions;
DROP TABLE proactive_rules;
