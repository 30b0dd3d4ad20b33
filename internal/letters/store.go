package letters

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations are the module's tables.
var Migrations = store.Migrations{Module: "letters", FS: store.MustSub(migrationsFS, "migrations")}

type querier = store.Querier

const letterColumns = `id, number, direction, agency, status, account_id, fin, on_behalf, person_name, lang,
	subject, body, attachments, sender_subject, sender_name, session_hash, session_started, signature, sent_at,
	due_at, extended_at, extension_reason, extended_by, answered_at, answer, answer_attachments, answered_by,
	version, updated_at`

func scanLetter(row interface{ Scan(...any) error }) (*Letter, error) {
	var (
		l                    Letter
		lg, attach, answered string
		due, ext, ans        sql.NullTime
	)
	if err := row.Scan(&l.ID, &l.Number, &l.Direction, &l.Agency, &l.Status, &l.AccountID, &l.FIN, &l.OnBehalf,
		&l.PersonName, &lg, &l.Subject, &l.Text, &attach, &l.SenderSubject, &l.SenderName, &l.SessionHash,
		&l.SessionStarted, &l.Signature, &l.SentAt, &due, &ext, &l.ExtensionReason, &l.ExtendedBy, &ans, &l.Answer,
		&answered, &l.AnsweredBy, &l.Version, &l.UpdatedAt); err != nil {
		return nil, err
	}
	l.Lang, _ = lang.Parse(lg)
	if err := json.Unmarshal([]byte(attach), &l.Attachments); err != nil {
		return nil, fmt.Errorf("letters: attachments of %s: %w", l.Number, err)
	}
	if err := json.Unmarshal([]byte(answered), &l.AnswerAttachments); err != nil {
		return nil, fmt.Errorf("letters: answer attachments of %s: %w", l.Number, err)
	}
	l.SessionStarted, l.SentAt, l.UpdatedAt = l.SessionStarted.UTC(), l.SentAt.UTC(), l.UpdatedAt.UTC()
	l.DueAt, l.ExtendedAt, l.AnsweredAt = timePtr(due), timePtr(ext), timePtr(ans)
	return &l, nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func jsonList(a []Attachment) string {
	if a == nil {
		a = []Attachment{}
	}
	b, _ := json.Marshal(a)
	return string(b)
}

func insertLetter(ctx context.Context, q querier, l *Letter) error {
	return q.QueryRowContext(ctx, `INSERT INTO letters (number, direction, agency, status, account_id, fin, on_behalf,
		person_name, lang, subject, body, attachments, sender_subject, sender_name, session_hash, session_started,
		signature, sent_at, due_at, answer_attachments, version, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 1, $21)
		RETURNING id`,
		l.Number, string(l.Direction), l.Agency, string(l.Status), l.AccountID, l.FIN, l.OnBehalf, l.PersonName,
		string(l.Lang), l.Subject, l.Text, jsonList(l.Attachments), l.SenderSubject, l.SenderName, l.SessionHash,
		l.SessionStarted.UTC(), l.Signature, l.SentAt.UTC(), nullTime(l.DueAt), jsonList(l.AnswerAttachments),
		l.UpdatedAt.UTC()).Scan(&l.ID)
}

// saveLetter writes the thread's changeable fields if nobody changed the
// letter since it was read (its Version), and bumps the version. The
// signed fields are never written again. A lost race is a conflict, never
// a silent overwrite.
func saveLetter(ctx context.Context, q querier, l *Letter) error {
	res, err := q.ExecContext(ctx, `UPDATE letters SET status = $1, due_at = $2, extended_at = $3,
		extension_reason = $4, extended_by = $5, answered_at = $6, answer = $7, answer_attachments = $8,
		answered_by = $9, version = version + 1, updated_at = $10 WHERE id = $11 AND version = $12`,
		string(l.Status), nullTime(l.DueAt), nullTime(l.ExtendedAt), l.ExtensionReason, l.ExtendedBy,
		nullTime(l.AnsweredAt), l.Answer, jsonList(l.AnswerAttachments), l.AnsweredBy, l.UpdatedAt.UTC(), l.ID, l.Version)
	if err != nil {
		return fmt.Errorf("letters: save %s: %w", l.Number, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "letters.error.changed")
	}
	l.Version++
	return nil
}

func letterByNumber(ctx context.Context, q querier, number string) (*Letter, error) {
	l, err := scanLetter(q.QueryRowContext(ctx, `SELECT `+letterColumns+` FROM letters WHERE number = $1`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "letters.error.not_found")
	}
	return l, err
}

// Show is which of an agency's letters its inbox lists.
type Show string

const (
	ShowOpen     Show = "open"     // awaiting an answer (the default)
	ShowOverdue  Show = "overdue"  // awaiting an answer past the due date
	ShowAnswered Show = "answered" // answered
	ShowAll      Show = "all"      // every letter to the agency
	ShowWritten  Show = "written"  // letters the agency wrote to people
)

// Shows lists the inbox's filters in display order.
var Shows = []Show{ShowOpen, ShowOverdue, ShowAnswered, ShowAll, ShowWritten}

// filter narrows a list of letters; empty fields do not filter.
type filter struct {
	direction Direction
	agency    string
	fin       string  // the person's FIN
	accountID int64   // the person's account, for a person without a FIN
	onBehalf  *string // "" for the person's own, a VÖEN for a business's
	statuses  []Status
	dueBefore time.Time
	limit     int
}

func listLetters(ctx context.Context, q querier, f filter) ([]*Letter, error) {
	var where []string
	var args []any
	add := func(cond string, vals ...any) {
		for _, v := range vals {
			args = append(args, v)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		where = append(where, cond)
	}
	if f.direction != "" {
		add("direction = ?", string(f.direction))
	}
	if f.agency != "" {
		add("agency = ?", f.agency)
	}
	if f.fin != "" {
		add("fin = ?", f.fin)
	}
	if f.accountID != 0 {
		add("account_id = ?", f.accountID)
	}
	if f.onBehalf != nil {
		add("on_behalf = ?", *f.onBehalf)
	}
	if len(f.statuses) > 0 {
		marks := make([]string, len(f.statuses))
		vals := make([]any, len(f.statuses))
		for i, s := range f.statuses {
			marks[i], vals[i] = "?", string(s)
		}
		add("status IN ("+strings.Join(marks, ", ")+")", vals...)
	}
	if !f.dueBefore.IsZero() {
		add("due_at < ?", f.dueBefore.UTC())
	}
	limit := f.limit
	if limit <= 0 {
		limit = 200
	}
	limit = min(limit, 500)
	query := `SELECT ` + letterColumns + ` FROM letters`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	order := " ORDER BY sent_at DESC, id DESC"
	if f.agency != "" && f.direction == ToAgency && len(f.statuses) > 0 && !slices.Contains(f.statuses, Answered) {
		// Open work: the nearest deadline first.
		order = " ORDER BY due_at, id"
	}
	query += order + " LIMIT " + strconv.Itoa(limit)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("letters: list: %w", err)
	}
	defer rows.Close()
	var out []*Letter
	for rows.Next() {
		l, err := scanLetter(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
