package proactive

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

type querier = store.Querier

func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// insertRule stores a rule version. The definition keeps everything but
// the status, which lives in its own column.
func insertRule(ctx context.Context, tx *sql.Tx, r *Rule) error {
	def := *r
	def.Status, def.CreatedBy, def.CreatedAt = "", "", time.Time{}
	data, err := json.Marshal(def)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO proactive_rules (rule_id, version, agency, starts_on, status, event,
		definition, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.ID, r.Version, r.Agency, r.StartsOn, r.Status, r.Trigger.Event, string(data), r.CreatedBy, dbTime(r.CreatedAt))
	return err
}

const ruleColumns = `rule_id, version, status, definition, created_by, created_at`

func scanRule(row interface{ Scan(...any) error }) (*Rule, error) {
	var id, status, def, by string
	var version int
	var at time.Time
	if err := row.Scan(&id, &version, &status, &def, &by, &at); err != nil {
		return nil, err
	}
	var r Rule
	if err := json.Unmarshal([]byte(def), &r); err != nil {
		return nil, fmt.Errorf("proactive: rule %s v%d: %w", id, version, err)
	}
	r.ID, r.Version, r.Status, r.CreatedBy, r.CreatedAt = id, version, status, by, at
	return &r, nil
}

func listRules(ctx context.Context, q querier, where string, args ...any) ([]*Rule, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+ruleColumns+` FROM proactive_rules WHERE `+where+
		` ORDER BY rule_id, version DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Rule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func ruleVersion(ctx context.Context, q querier, id string, version int) (*Rule, error) {
	r, err := scanRule(q.QueryRowContext(ctx, `SELECT `+ruleColumns+` FROM proactive_rules WHERE rule_id = $1 AND version = $2`, id, version))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "proactive.error.rule_not_found")
	}
	return r, err
}

func lastVersion(ctx context.Context, q querier, id string) (int, error) {
	var v sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT MAX(version) FROM proactive_rules WHERE rule_id = $1`, id).Scan(&v)
	return int(v.Int64), err
}

// insertAction records an action unless the rule already acted for this
// person, event and step; it reports whether it was new.
func insertAction(ctx context.Context, tx *sql.Tx, rec *Record) (bool, error) {
	action, err := json.Marshal(rec.Action)
	if err != nil {
		return false, err
	}
	facts, err := json.Marshal(rec.Facts)
	if err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO proactive_actions (rule_id, rule_version, fin, event_key, step, kind, status,
		action, facts, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (rule_id, fin, event_key, step) DO NOTHING`,
		rec.RuleID, rec.RuleVersion, rec.FIN, rec.EventKey, rec.Step, rec.Kind, rec.Status, string(action), string(facts),
		dbTime(rec.CreatedAt), dbTime(rec.CreatedAt))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

const recordColumns = `a.id, a.rule_id, a.rule_version, a.fin, a.event_key, a.step, a.kind, a.status, a.action, a.facts,
	a.reference, a.attempts, a.last_error, a.created_at, a.updated_at, r.definition`

const recordFrom = ` FROM proactive_actions a JOIN proactive_rules r ON r.rule_id = a.rule_id AND r.version = a.rule_version `

func scanRecord(row interface{ Scan(...any) error }) (*Record, error) {
	var rec Record
	var action, facts, def string
	if err := row.Scan(&rec.ID, &rec.RuleID, &rec.RuleVersion, &rec.FIN, &rec.EventKey, &rec.Step, &rec.Kind, &rec.Status,
		&action, &facts, &rec.Reference, &rec.Attempts, &rec.LastError, &rec.CreatedAt, &rec.UpdatedAt, &def); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(action), &rec.Action); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(facts), &rec.Facts); err != nil {
		return nil, err
	}
	var r Rule
	if err := json.Unmarshal([]byte(def), &r); err != nil {
		return nil, err
	}
	rec.RuleName, rec.Reason, rec.Agency = r.Name, r.Reason, r.Agency
	return &rec, nil
}

func listRecords(ctx context.Context, q querier, where string, args ...any) ([]*Record, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+recordColumns+recordFrom+`WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Record
	for rows.Next() {
		rec, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

func recordByID(ctx context.Context, q querier, id int64) (*Record, error) {
	list, err := listRecords(ctx, q, `a.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errs.E(errs.NotFound, "proactive.error.not_found")
	}
	return list[0], nil
}

// setStatus moves a record from one status to another; it reports
// whether the record was in the status from (another worker may have
// moved it first).
func setStatus(ctx context.Context, q querier, id int64, from, to, reference string, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE proactive_actions SET status = $1, reference = $2, updated_at = $3
		WHERE id = $4 AND status = $5`, to, reference, dbTime(now), id, from)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func watermark(ctx context.Context, q querier, ruleID string) (string, bool, error) {
	var day string
	err := q.QueryRowContext(ctx, `SELECT day FROM proactive_watermarks WHERE rule_id = $1`, ruleID).Scan(&day)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return day, err == nil, err
}

func setWatermark(ctx context.Context, q querier, ruleID, day string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO proactive_watermarks (rule_id, day) VALUES ($1, $2)
		ON CONFLICT (rule_id) DO UPDATE SET day = excluded.day`, ruleID, day)
	return err
}
