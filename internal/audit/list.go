package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/egov/egov/internal/store"
)

// Filter selects entries for List. Empty fields match everything; the
// conditions that are set must all hold.
type Filter struct {
	Actor  string
	Action string
	Object string
	Since  time.Time // At >= Since, when set
	Until  time.Time // At < Until, when set
	// BeforeSeq pages backwards: only entries with Seq < BeforeSeq. Pass
	// the last Seq of one page to get the next.
	BeforeSeq int64
	// Limit caps the page (default 50, at most 1000).
	Limit int
}

// List returns the entries that match f, newest (highest Seq) first. It
// does not verify them; run Verify for that.
func List(ctx context.Context, db *store.DB, f Filter) ([]Entry, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Actor != "" {
		add("actor = $%d", f.Actor)
	}
	if f.Action != "" {
		add("action = $%d", f.Action)
	}
	if f.Object != "" {
		add("object = $%d", f.Object)
	}
	if !f.Since.IsZero() {
		add("at >= $%d", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		add("at < $%d", f.Until.UTC())
	}
	if f.BeforeSeq > 0 {
		add("seq < $%d", f.BeforeSeq)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)

	q := `SELECT ` + entryColumns + ` FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	q += fmt.Sprintf(` ORDER BY seq DESC LIMIT $%d`, len(args))

	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var entries []Entry
	for rows.Next() {
		e, _, _, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("audit: list: %w", err)
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return entries, nil
}
