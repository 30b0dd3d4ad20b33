package evisa

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

// ListedEntry is a watch-list entry as kept: who added it and when.
type ListedEntry struct {
	ID int64
	WatchEntry
	AddedBy string
	AddedAt time.Time
}

// WatchEntries lists the watch list by name.
func (s *Service) WatchEntries(ctx context.Context) ([]ListedEntry, error) {
	return listWatchEntries(ctx, s.db)
}

func listWatchEntries(ctx context.Context, q querier) ([]ListedEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, birth_year, reason, added_by, added_at
		FROM evisa_watch_entries ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("evisa: watch list: %w", err)
	}
	defer rows.Close()
	var list []ListedEntry
	for rows.Next() {
		var e ListedEntry
		if err := rows.Scan(&e.ID, &e.Name, &e.BirthYear, &e.Reason, &e.AddedBy, &e.AddedAt); err != nil {
			return nil, fmt.Errorf("evisa: watch list: %w", err)
		}
		e.AddedAt = e.AddedAt.UTC()
		list = append(list, e)
	}
	return list, rows.Err()
}

// watchList is the list the checks match against, as it is in q now.
func watchList(ctx context.Context, q querier) (*WatchList, error) {
	listed, err := listWatchEntries(ctx, q)
	if err != nil {
		return nil, err
	}
	entries := make([]WatchEntry, len(listed))
	for i, e := range listed {
		entries[i] = e.WatchEntry
	}
	return NewWatchList(entries), nil
}

// Limits of a watch-list entry's fields.
const (
	watchNameMax   = 200
	watchReasonMax = 64
)

// AddWatchEntry puts a person on the watch list: a name in any script
// (at least one word of letters), a birth year if known ("" for any) and
// the listing body's reference, unique. Applications paid from then on
// are checked against it; the change is audited.
func (s *Service) AddWatchEntry(ctx context.Context, by Staff, name, birthYear, reason string) (*ListedEntry, error) {
	e := ListedEntry{AddedBy: by.Subject, AddedAt: s.now()}
	e.Name = strings.Join(strings.Fields(name), " ")
	e.Reason = strings.TrimSpace(reason)
	var v errs.Validation
	if e.Name == "" || utf8.RuneCountInString(e.Name) > watchNameMax || !strings.ContainsFunc(e.Name, unicode.IsLetter) {
		v.Add("name", "evisa.error.watch_name")
	}
	if y := strings.TrimSpace(birthYear); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 1900 || n > s.now().Year() {
			v.Add("birth_year", "evisa.error.watch_birth_year")
		}
		e.BirthYear = n
	}
	if e.Reason == "" || utf8.RuneCountInString(e.Reason) > watchReasonMax {
		v.Add("reason", "evisa.error.watch_reason")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO evisa_watch_entries (name, birth_year, reason, added_by, added_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, e.Name, e.BirthYear, e.Reason, e.AddedBy, e.AddedAt).Scan(&e.ID); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: by.Subject, Action: "evisa.watchlist.add",
			Object: fmt.Sprintf("evisa-watch:%d", e.ID), Detail: map[string]string{"reason": e.Reason}})
		return err
	})
	if store.IsUniqueViolation(err) {
		return nil, errs.E(errs.Invalid, "error.invalid").Field("reason", "evisa.error.watch_reason_taken")
	}
	if err != nil {
		return nil, fmt.Errorf("evisa: add to the watch list: %w", err)
	}
	return &e, nil
}

// RemoveWatchEntry takes an entry off the watch list; the change is
// audited, with the entry's reference.
func (s *Service) RemoveWatchEntry(ctx context.Context, by Staff, id int64) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var reason string
		err := tx.QueryRowContext(ctx, `DELETE FROM evisa_watch_entries WHERE id = $1 RETURNING reason`, id).Scan(&reason)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "evisa.error.not_found")
		}
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: by.Subject, Action: "evisa.watchlist.remove",
			Object: fmt.Sprintf("evisa-watch:%d", id), Detail: map[string]string{"reason": reason}})
		return err
	})
	if err != nil && errs.KindOf(err) != errs.NotFound {
		return fmt.Errorf("evisa: remove from the watch list: %w", err)
	}
	return err
}

// SeedWatchList adds Config.WatchList's entries that are not listed yet
// (by reference): the demo's list, or a test's.
func (s *Service) SeedWatchList(ctx context.Context) error {
	for _, e := range s.cfg.WatchList {
		if _, err := s.db.ExecContext(ctx, `INSERT INTO evisa_watch_entries (name, birth_year, reason, added_by, added_at)
			VALUES ($1, $2, $3, 'system:seed', $4) ON CONFLICT (reason) DO NOTHING`, e.Name, e.BirthYear, e.Reason, s.now()); err != nil {
			return fmt.Errorf("evisa: seed the watch list: %w", err)
		}
	}
	return nil
}
