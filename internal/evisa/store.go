package evisa

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations are the module's tables.
var Migrations = store.Migrations{Module: "evisa", FS: store.MustSub(migrationsFS, "migrations")}

type querier = store.Querier

type scanner interface{ Scan(...any) error }

// hashToken keeps the payer's secret as its SHA-256 only.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

const appColumns = `id, number, email, lang, speed, entry_date, purpose, address, status, bill, amount, created_at,
	submitted_at, paid_at, due_at`

func scanApplication(row scanner) (*Application, error) {
	var (
		a                 Application
		l                 string
		submit, paid, due sql.NullTime
	)
	if err := row.Scan(&a.ID, &a.Number, &a.Email, &l, &a.Speed, &a.EntryDate, &a.Purpose, &a.Address, &a.Status, &a.Bill,
		&a.Amount, &a.CreatedAt, &submit, &paid, &due); err != nil {
		return nil, err
	}
	a.Lang, _ = lang.Parse(l)
	a.EntryDate, a.CreatedAt = a.EntryDate.UTC(), a.CreatedAt.UTC()
	a.SubmitAt, a.PaidAt, a.DueAt = timePtr(submit), timePtr(paid), timePtr(due)
	return &a, nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func applicationWhere(ctx context.Context, q querier, where string, args ...any) (*Application, error) {
	a, err := scanApplication(q.QueryRowContext(ctx, `SELECT `+appColumns+` FROM evisa_applications WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "evisa.error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("evisa: read application: %w", err)
	}
	a.People, err = listPeople(ctx, q, `p.application_id = $1 ORDER BY p.id`, a.ID)
	return a, err
}

func insertApplication(ctx context.Context, q querier, a *Application, tokenHash string) error {
	return q.QueryRowContext(ctx, `INSERT INTO evisa_applications (number, token_hash, email, lang, speed, entry_date, purpose,
		address, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		a.Number, tokenHash, a.Email, string(a.Lang), string(a.Speed), a.EntryDate, a.Purpose, a.Address, a.Status, a.CreatedAt).Scan(&a.ID)
}

const personColumns = `p.id, p.application_id, p.nationality, p.passport, p.issuer, p.surname, p.given_names, p.birth_date,
	p.sex, p.passport_expires, p.photo, p.photo_type, p.status, p.flags, p.decision, p.decided_by, p.decided_at,
	p.visa_number, p.document, p.valid_from, p.valid_until`

func scanPerson(row scanner) (*Person, error) {
	var (
		p                    Person
		flags                string
		decided, from, until sql.NullTime
	)
	if err := row.Scan(&p.ID, &p.ApplicationID, &p.Nationality, &p.Number, &p.Issuer, &p.Surname, &p.GivenNames, &p.BirthDate,
		&p.Sex, &p.Expires, &p.Photo, &p.PhotoType, &p.Status, &flags, &p.Decision, &p.DecidedBy, &decided,
		&p.VisaNumber, &p.Document, &from, &until); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(flags), &p.Flags); err != nil {
		return nil, fmt.Errorf("evisa: flags of person %d: %w", p.ID, err)
	}
	p.BirthDate, p.Expires = p.BirthDate.UTC(), p.Expires.UTC()
	p.DecidedAt, p.ValidFrom, p.ValidUntil = timePtr(decided), timePtr(from), timePtr(until)
	return &p, nil
}

func listPeople(ctx context.Context, q querier, where string, args ...any) ([]*Person, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+personColumns+` FROM evisa_people p WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("evisa: list people: %w", err)
	}
	defer rows.Close()
	var out []*Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// personWhere reads one person with their application.
func personWhere(ctx context.Context, q querier, where string, args ...any) (*Person, error) {
	list, err := listPeople(ctx, q, where, args...)
	if err != nil {
		return nil, err
	}
	if len(list) != 1 {
		return nil, errs.E(errs.NotFound, "evisa.error.not_found")
	}
	p := list[0]
	p.Application, err = scanApplication(q.QueryRowContext(ctx, `SELECT `+appColumns+` FROM evisa_applications WHERE id = $1`, p.ApplicationID))
	if err != nil {
		return nil, fmt.Errorf("evisa: application of person %d: %w", p.ID, err)
	}
	return p, nil
}

func insertPerson(ctx context.Context, q querier, p *Person, now time.Time) error {
	flags, _ := json.Marshal(p.Flags)
	if p.Flags == nil {
		flags = []byte("[]")
	}
	return q.QueryRowContext(ctx, `INSERT INTO evisa_people (application_id, nationality, passport, issuer, surname, given_names,
		birth_date, sex, passport_expires, photo, photo_type, status, flags, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		p.ApplicationID, p.Nationality, p.Number, p.Issuer, p.Surname, p.GivenNames, p.BirthDate, p.Sex, p.Expires,
		p.Photo, p.PhotoType, p.Status, string(flags), now).Scan(&p.ID)
}

// passportInUse reports whether another application holds a visa, or a
// request being decided, for the passport.
func passportInUse(ctx context.Context, q querier, nationality, number string, applicationID int64, now time.Time) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM evisa_people WHERE nationality = $1 AND passport = $2
		AND application_id <> $3 AND (status IN ('review', 'approved') OR status = 'issued' AND valid_until > $4)`,
		nationality, number, applicationID, now).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("evisa: passport in use: %w", err)
	}
	return n > 0, nil
}

// Crossing is one border crossing on a visa.
type Crossing struct {
	ID       int64
	PersonID int64
	Kind     string // entry or exit
	At       time.Time
	Officer  string
	Key      string
}

func crossingsOf(ctx context.Context, q querier, personID int64) (entry, exit *Crossing, err error) {
	rows, err := q.QueryContext(ctx, `SELECT id, person_id, kind, at, officer, idem_key FROM evisa_crossings WHERE person_id = $1`, personID)
	if err != nil {
		return nil, nil, fmt.Errorf("evisa: crossings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Crossing
		if err := rows.Scan(&c.ID, &c.PersonID, &c.Kind, &c.At, &c.Officer, &c.Key); err != nil {
			return nil, nil, err
		}
		c.At = c.At.UTC()
		if c.Kind == "entry" {
			entry = &c
		} else {
			exit = &c
		}
	}
	return entry, exit, rows.Err()
}

func crossingByKey(ctx context.Context, q querier, key string) (*Crossing, error) {
	var c Crossing
	err := q.QueryRowContext(ctx, `SELECT id, person_id, kind, at, officer, idem_key FROM evisa_crossings WHERE idem_key = $1`, key).
		Scan(&c.ID, &c.PersonID, &c.Kind, &c.At, &c.Officer, &c.Key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("evisa: crossing: %w", err)
	}
	c.At = c.At.UTC()
	return &c, nil
}
