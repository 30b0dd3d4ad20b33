package applications

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
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
var Migrations = store.Migrations{Module: "applications", FS: store.MustSub(migrationsFS, "migrations")}

type querier = store.Querier

const appColumns = `id, number, service, agency, status, account_id, fin, on_behalf, applicant_name, lang,
	answers, prefilled, attachments, fee_qepik, submitted_at, due_at, decided_at, overdue, assignee_id,
	assignee_name, decision, document_id, version, created_at, updated_at`

func scanApplication(row interface{ Scan(...any) error }) (*Application, error) {
	var (
		a                             Application
		l, answers, prefilled, attach string
		decision                      string
		overdue                       int
		submitted, due, decided       sql.NullTime
	)
	if err := row.Scan(&a.ID, &a.Number, &a.Service, &a.Agency, &a.Status, &a.AccountID, &a.FIN, &a.OnBehalf,
		&a.ApplicantName, &l, &answers, &prefilled, &attach, &a.FeeQepik, &submitted, &due, &decided, &overdue,
		&a.AssigneeID, &a.AssigneeName, &decision, &a.DocumentID, &a.Version, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return nil, err
	}
	a.Lang, _ = lang.Parse(l)
	if err := json.Unmarshal([]byte(answers), &a.Answers); err != nil {
		return nil, fmt.Errorf("applications: answers of %s: %w", a.Number, err)
	}
	if err := json.Unmarshal([]byte(prefilled), &a.Prefilled); err != nil {
		return nil, fmt.Errorf("applications: prefilled of %s: %w", a.Number, err)
	}
	if err := json.Unmarshal([]byte(attach), &a.Attachments); err != nil {
		return nil, fmt.Errorf("applications: attachments of %s: %w", a.Number, err)
	}
	if decision != "" {
		if err := json.Unmarshal([]byte(decision), &a.Decision); err != nil {
			return nil, fmt.Errorf("applications: decision of %s: %w", a.Number, err)
		}
	}
	a.Overdue = overdue == 1
	a.SubmittedAt, a.DueAt, a.DecidedAt = timePtr(submitted), timePtr(due), timePtr(decided)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	if a.Answers == nil {
		a.Answers = map[string][]string{}
	}
	if a.Prefilled == nil {
		a.Prefilled = map[string]Prefilled{}
	}
	return &a, nil
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

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func insertApplication(ctx context.Context, q querier, a *Application) error {
	return q.QueryRowContext(ctx, `INSERT INTO applications (number, service, agency, status, account_id, fin, on_behalf,
		applicant_name, lang, answers, prefilled, attachments, fee_qepik, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14) RETURNING id`,
		a.Number, a.Service, a.Agency, string(a.Status), a.AccountID, a.FIN, a.OnBehalf, a.ApplicantName, string(a.Lang),
		jsonText(a.Answers), jsonText(a.Prefilled), jsonText(nonNilAttachments(a.Attachments)), a.FeeQepik, a.CreatedAt).Scan(&a.ID)
}

func nonNilAttachments(a []Attachment) []Attachment {
	if a == nil {
		return []Attachment{}
	}
	return a
}

// saveApplication writes a's changeable fields if nobody changed it since
// it was read (its Version), and bumps the version. A lost race is a
// conflict the person can retry, never a silent overwrite.
func saveApplication(ctx context.Context, q querier, a *Application) error {
	decision := ""
	if a.Decision != (lang.Text{}) {
		decision = jsonText(a.Decision)
	}
	res, err := q.ExecContext(ctx, `UPDATE applications SET status = $1, answers = $2, prefilled = $3, attachments = $4,
		submitted_at = $5, due_at = $6, decided_at = $7, overdue = $8, assignee_id = $9, assignee_name = $10,
		decision = $11, document_id = $12, fee_qepik = $13, version = version + 1, updated_at = $14
		WHERE id = $15 AND version = $16`,
		string(a.Status), jsonText(a.Answers), jsonText(a.Prefilled), jsonText(nonNilAttachments(a.Attachments)),
		nullTime(a.SubmittedAt), nullTime(a.DueAt), nullTime(a.DecidedAt), boolInt(a.Overdue), a.AssigneeID,
		a.AssigneeName, decision, a.DocumentID, a.FeeQepik, a.UpdatedAt, a.ID, a.Version)
	if err != nil {
		return fmt.Errorf("applications: save %s: %w", a.Number, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "applications.error.changed")
	}
	a.Version++
	return nil
}

func applicationByNumber(ctx context.Context, q querier, number string) (*Application, error) {
	a, err := scanApplication(q.QueryRowContext(ctx, `SELECT `+appColumns+` FROM applications WHERE number = $1`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "applications.error.not_found")
	}
	return a, err
}

func insertStep(ctx context.Context, q querier, appID int64, s *Step) error {
	reason := ""
	if s.Reason != (lang.Text{}) {
		reason = jsonText(s.Reason)
	}
	return q.QueryRowContext(ctx, `INSERT INTO application_steps (application_id, from_status, to_status, action,
		actor_kind, actor_id, actor_name, note, reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		appID, string(s.From), string(s.To), s.Action, s.ActorKind, s.ActorID, s.ActorName, s.Note, reason, s.At).Scan(&s.ID)
}

func stepsOf(ctx context.Context, q querier, appID int64) ([]Step, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, from_status, to_status, action, actor_kind, actor_id, actor_name, note,
		reason, at FROM application_steps WHERE application_id = $1 ORDER BY id`, appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Step
	for rows.Next() {
		var s Step
		var reason string
		if err := rows.Scan(&s.ID, &s.From, &s.To, &s.Action, &s.ActorKind, &s.ActorID, &s.ActorName, &s.Note,
			&reason, &s.At); err != nil {
			return nil, err
		}
		if reason != "" {
			if err := json.Unmarshal([]byte(reason), &s.Reason); err != nil {
				return nil, err
			}
		}
		s.At = s.At.UTC()
		out = append(out, s)
	}
	return out, rows.Err()
}

// Filter narrows a list of applications; empty fields do not filter.
type Filter struct {
	AccountID  int64    // the applicant's account
	OnBehalf   *string  // "" for the person's own, a VÖEN for a business's
	Agency     string   // the deciding agency
	Service    string   // catalog slug
	Statuses   []Status // any of these
	AssigneeID int64
	Overdue    bool
	DueBefore  time.Time // open applications due before this time
	Number     string    // one application
	Numbers    []string  // any of these applications
	Limit      int       // default 100, at most 500
	Offset     int
}

func listApplications(ctx context.Context, q querier, f Filter) ([]*Application, error) {
	var where []string
	var args []any
	add := func(cond string, vals ...any) {
		for _, v := range vals {
			args = append(args, v)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		where = append(where, cond)
	}
	if f.AccountID != 0 {
		add("account_id = ?", f.AccountID)
	}
	if f.OnBehalf != nil {
		add("on_behalf = ?", *f.OnBehalf)
	}
	if f.Agency != "" {
		add("agency = ?", f.Agency)
	}
	if f.Service != "" {
		add("service = ?", f.Service)
	}
	if len(f.Statuses) > 0 {
		marks := make([]string, len(f.Statuses))
		vals := make([]any, len(f.Statuses))
		for i, s := range f.Statuses {
			marks[i], vals[i] = "?", string(s)
		}
		add("status IN ("+strings.Join(marks, ", ")+")", vals...)
	}
	if f.AssigneeID != 0 {
		add("assignee_id = ?", f.AssigneeID)
	}
	if f.Overdue {
		add("overdue = ?", 1)
	}
	if !f.DueBefore.IsZero() {
		add("due_at < ?", f.DueBefore.UTC())
	}
	if f.Number != "" {
		add("number = ?", f.Number)
	}
	if len(f.Numbers) > 0 {
		marks := make([]string, len(f.Numbers))
		vals := make([]any, len(f.Numbers))
		for i, n := range f.Numbers {
			marks[i], vals[i] = "?", n
		}
		add("number IN ("+strings.Join(marks, ", ")+")", vals...)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 500)
	query := `SELECT ` + appColumns + ` FROM applications`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	order := " ORDER BY updated_at DESC, id DESC"
	if f.Agency != "" {
		// The back office works the oldest deadline first.
		order = " ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, id"
	}
	query += order + " LIMIT " + strconv.Itoa(limit) + " OFFSET " + strconv.Itoa(max(f.Offset, 0))
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("applications: list: %w", err)
	}
	defer rows.Close()
	var out []*Application
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
