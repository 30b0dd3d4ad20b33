package applications

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DecisionCounts are the decisions taken in one period: approvals,
// rejections and requests for more information (sent back).
type DecisionCounts struct {
	Start                        time.Time // the period's first instant (UTC)
	Approved, Rejected, SentBack int
}

// Processed is every decision counted.
func (c DecisionCounts) Processed() int { return c.Approved + c.Rejected + c.SentBack }

// StatsFilter narrows DecisionStats; empty fields do not filter.
type StatsFilter struct {
	From, To  time.Time // decisions at or after From and before To
	Services  []string  // catalog slugs (nil: all; empty non-nil: none)
	ActorName string    // the official or system that decided, exactly
	ActorKind string    // ActorStaff, ActorAPI, ActorSystem
	// Period groups by "day", "week" (from Monday), "month" or "year" of
	// UTC time; "" gives one total whose Start is From.
	Period string
}

// DecisionStats counts the decisions of the applications' timelines.
func (s *Service) DecisionStats(ctx context.Context, f StatsFilter) ([]DecisionCounts, error) {
	if f.Services != nil && len(f.Services) == 0 {
		return nil, nil
	}
	where := []string{"s.action IN ('approve', 'reject', 'request_info')"}
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1))
	}
	if !f.From.IsZero() {
		add("s.at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("s.at < ?", f.To.UTC())
	}
	if f.ActorName != "" {
		add("s.actor_name = ?", f.ActorName)
	}
	if f.ActorKind != "" {
		add("s.actor_kind = ?", f.ActorKind)
	}
	if f.Services != nil {
		marks := make([]string, len(f.Services))
		for i, slug := range f.Services {
			args = append(args, slug)
			marks[i] = "$" + strconv.Itoa(len(args))
		}
		where = append(where, "a.service IN ("+strings.Join(marks, ", ")+")")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT s.action, s.at FROM application_steps s
		JOIN applications a ON a.id = s.application_id WHERE `+strings.Join(where, " AND ")+` ORDER BY s.at`, args...)
	if err != nil {
		return nil, fmt.Errorf("applications: decision statistics: %w", err)
	}
	defer rows.Close()
	var out []DecisionCounts
	for rows.Next() {
		var action string
		var at time.Time
		if err := rows.Scan(&action, &at); err != nil {
			return nil, err
		}
		start := periodStart(at.UTC(), f.Period, f.From)
		if len(out) == 0 || !out[len(out)-1].Start.Equal(start) {
			out = append(out, DecisionCounts{Start: start})
		}
		c := &out[len(out)-1]
		switch action {
		case "approve":
			c.Approved++
		case "reject":
			c.Rejected++
		default:
			c.SentBack++
		}
	}
	return out, rows.Err()
}

// periodStart is the first instant of the period of t.
func periodStart(t time.Time, period string, from time.Time) time.Time {
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch period {
	case "day":
		return day
	case "week":
		return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	case "month":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	case "year":
		return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return from.UTC()
}
