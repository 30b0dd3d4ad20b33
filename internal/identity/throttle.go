package identity

import (
	"context"
	"time"

	"github.com/egov/egov/internal/store"
)

// A throttle rule: within Window, the first Free failures cost nothing;
// after that each attempt must wait Base × 2^(failures−Free), up to Max,
// counted from the last failure. An attempt made while waiting is refused
// without checking the secret and without counting, so an attacker cannot
// learn anything and a person is not locked out for longer by retrying.
type throttleRule struct {
	Free   int
	Window time.Duration
	Base   time.Duration
	Max    time.Duration
}

var (
	// Per account: five wrong passwords in a row are allowed; the sixth
	// within a minute is refused.
	accountRule = throttleRule{Free: 5, Window: 15 * time.Minute, Base: time.Minute, Max: time.Hour}
	// Per address: many people may share one address (an office, a
	// centre), so the allowance is larger.
	addressRule = throttleRule{Free: 30, Window: 15 * time.Minute, Base: time.Minute, Max: time.Hour}
)

// throttle keeps failed attempts in the database so that every replica
// sees the same count.
type throttle struct {
	db  *store.DB
	now func() time.Time
}

// wait returns when the next attempt under key may be made; zero time
// means now.
func (t *throttle) wait(ctx context.Context, key string, rule throttleRule) (time.Time, error) {
	now := t.now()
	var n int
	var newest any // a time on PostgreSQL, text on SQLite (an aggregate has no column type)
	err := t.db.QueryRowContext(ctx, `SELECT COUNT(*), MAX(at) FROM identity_failures WHERE key = $1 AND at > $2`,
		key, now.Add(-rule.Window)).Scan(&n, &newest)
	if err != nil || n < rule.Free {
		return time.Time{}, err
	}
	var last time.Time
	switch v := newest.(type) {
	case time.Time:
		last = v
	case string:
		if last, err = parseSQLiteTime(v); err != nil {
			return time.Time{}, err
		}
	default:
		return time.Time{}, nil
	}
	delay := rule.Base << min(n-rule.Free, 16)
	if delay > rule.Max || delay <= 0 {
		delay = rule.Max
	}
	if until := last.Add(delay); now.Before(until) {
		return until, nil
	}
	return time.Time{}, nil
}

func parseSQLiteTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Parse(time.RFC3339, s)
}

func (t *throttle) fail(ctx context.Context, keys ...string) error {
	now := t.now()
	for _, key := range keys {
		if _, err := t.db.ExecContext(ctx, `INSERT INTO identity_failures (key, at) VALUES ($1, $2)`, key, now); err != nil {
			return err
		}
	}
	return nil
}

func (t *throttle) clear(ctx context.Context, key string) error {
	_, err := t.db.ExecContext(ctx, `DELETE FROM identity_failures WHERE key = $1`, key)
	return err
}

// prune forgets failures older than any window.
func (t *throttle) prune(ctx context.Context) error {
	_, err := t.db.ExecContext(ctx, `DELETE FROM identity_failures WHERE at < $1`, t.now().Add(-24*time.Hour))
	return err
}
