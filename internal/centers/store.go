package centers

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations are the module's tables.
var Migrations = store.Migrations{Module: "centers", FS: store.MustSub(migrationsFS, "migrations")}

type querier = store.Querier

func invalid(field, msg string) error {
	return errs.E(errs.Invalid, "centers.error.invalid").Field(field, msg)
}

func notFound() error { return errs.E(errs.NotFound, "error.not_found.detail") }

func loadCentres(ctx context.Context, q querier, slug string) ([]*Centre, error) {
	query := `SELECT slug, name, address, hours FROM centers_centres`
	var args []any
	if slug != "" {
		query += ` WHERE slug = $1`
		args = append(args, slug)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY position, slug`, args...)
	if err != nil {
		return nil, err
	}
	var list []*Centre
	bySlug := map[string]*Centre{}
	for rows.Next() {
		var c Centre
		var name, addr, hours string
		if err := rows.Scan(&c.Slug, &name, &addr, &hours); err != nil {
			rows.Close()
			return nil, err
		}
		if err := errors.Join(json.Unmarshal([]byte(name), &c.Name), json.Unmarshal([]byte(addr), &c.Address),
			json.Unmarshal([]byte(hours), &c.Hours)); err != nil {
			rows.Close()
			return nil, fmt.Errorf("centers: centre %s: %w", c.Slug, err)
		}
		list = append(list, &c)
		bySlug[c.Slug] = &c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT centre, service, letter FROM centers_offers ORDER BY centre, letter, service`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var centre string
		var o Offer
		if err := rows.Scan(&centre, &o.Service, &o.Letter); err != nil {
			rows.Close()
			return nil, err
		}
		if c := bySlug[centre]; c != nil {
			c.Services = append(c.Services, o)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT centre, number, services FROM centers_desks ORDER BY centre, number`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var centre, services string
		var d Desk
		if err := rows.Scan(&centre, &d.Number, &services); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(services), &d.Services); err != nil {
			return nil, fmt.Errorf("centers: desk %s/%d: %w", centre, d.Number, err)
		}
		if c := bySlug[centre]; c != nil {
			c.Desks = append(c.Desks, d)
		}
	}
	return list, rows.Err()
}

func loadCentre(ctx context.Context, q querier, slug string) (*Centre, error) {
	if slug == "" || len(slug) > 80 {
		return nil, notFound()
	}
	list, err := loadCentres(ctx, q, slug)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, notFound()
	}
	return list[0], nil
}

func saveCentre(ctx context.Context, q querier, c *Centre, position int) error {
	name, _ := json.Marshal(c.Name)
	addr, _ := json.Marshal(c.Address)
	hours, _ := json.Marshal(c.Hours)
	if _, err := q.ExecContext(ctx, `INSERT INTO centers_centres (slug, name, address, hours, position) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (slug) DO UPDATE SET name = excluded.name, address = excluded.address, hours = excluded.hours, position = excluded.position`,
		c.Slug, string(name), string(addr), string(hours), position); err != nil {
		return err
	}
	for _, o := range c.Services {
		if _, err := q.ExecContext(ctx, `INSERT INTO centers_offers (centre, service, letter) VALUES ($1, $2, $3)
			ON CONFLICT (centre, service) DO UPDATE SET letter = excluded.letter`, c.Slug, o.Service, o.Letter); err != nil {
			return err
		}
	}
	for _, d := range c.Desks {
		services, _ := json.Marshal(d.Services)
		if _, err := q.ExecContext(ctx, `INSERT INTO centers_desks (centre, number, services) VALUES ($1, $2, $3)
			ON CONFLICT (centre, number) DO UPDATE SET services = excluded.services`, c.Slug, d.Number, string(services)); err != nil {
			return err
		}
	}
	return nil
}

func loadRules(ctx context.Context, q querier) ([]PriorityRule, error) {
	rows, err := q.QueryContext(ctx, `SELECT code, rank, min_age, name FROM centers_priority_rules ORDER BY rank DESC, code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []PriorityRule
	for rows.Next() {
		var r PriorityRule
		var name string
		if err := rows.Scan(&r.Code, &r.Rank, &r.MinAge, &name); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(name), &r.Name); err != nil {
			return nil, err
		}
		list = append(list, r)
	}
	return list, rows.Err()
}

const bookingColumns = `id, code, centre, service, account_id, person, name, lang, starts_at, status, reminded_at,
	created_at, cancelled_at, ticket_id`

func scanBooking(row interface{ Scan(...any) error }) (*Booking, error) {
	var b Booking
	var lg string
	var reminded, cancelled sql.NullTime
	if err := row.Scan(&b.ID, &b.Code, &b.Centre, &b.Service, &b.AccountID, &b.Person, &b.Name, &lg, &b.StartsAt,
		&b.Status, &reminded, &b.CreatedAt, &cancelled, &b.TicketID); err != nil {
		return nil, err
	}
	b.Lang, _ = lang.Parse(lg)
	b.StartsAt, b.CreatedAt = b.StartsAt.UTC(), b.CreatedAt.UTC()
	b.RemindedAt, b.CancelledAt = timePtr(reminded), timePtr(cancelled)
	return &b, nil
}

func queryBookings(ctx context.Context, q querier, where string, args ...any) ([]*Booking, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+bookingColumns+` FROM centers_bookings WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*Booking
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, b)
	}
	return list, rows.Err()
}

func bookingByCode(ctx context.Context, q querier, code string) (*Booking, error) {
	b, err := scanBooking(q.QueryRowContext(ctx, `SELECT `+bookingColumns+` FROM centers_bookings WHERE code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "centers.error.no_booking")
	}
	return b, err
}

const ticketColumns = `id, centre, day, number, service, booking_id, person, account_id, priority, rank, status, desk,
	transfer_to, issued_at, due_at, called_at, served_at, finished_at, recalls, application`

func scanTicket(row interface{ Scan(...any) error }) (*Ticket, error) {
	var t Ticket
	var due, called, served, finished sql.NullTime
	if err := row.Scan(&t.ID, &t.Centre, &t.Day, &t.Number, &t.Service, &t.BookingID, &t.Person, &t.AccountID,
		&t.Priority, &t.Rank, &t.Status, &t.Desk, &t.TransferTo, &t.IssuedAt, &due, &called, &served, &finished,
		&t.Recalls, &t.Application); err != nil {
		return nil, err
	}
	t.IssuedAt = t.IssuedAt.UTC()
	t.DueAt, t.CalledAt, t.ServedAt, t.FinishedAt = timePtr(due), timePtr(called), timePtr(served), timePtr(finished)
	return &t, nil
}

func queryTickets(ctx context.Context, q querier, where string, args ...any) ([]*Ticket, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+ticketColumns+` FROM centers_tickets WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, t)
	}
	return list, rows.Err()
}

func ticketByID(ctx context.Context, q querier, id int64) (*Ticket, error) {
	t, err := scanTicket(q.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM centers_tickets WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	return t, err
}

// nextNumber counts the day's tickets of a letter at a centre.
func nextNumber(ctx context.Context, q querier, centre, day, letter string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `INSERT INTO centers_counters (centre, day, letter, seq) VALUES ($1, $2, $3, 1)
		ON CONFLICT (centre, day, letter) DO UPDATE SET seq = centers_counters.seq + 1 RETURNING seq`,
		centre, day, letter).Scan(&n)
	return n, err
}

func insertTicket(ctx context.Context, q querier, t *Ticket, agency string) error {
	return q.QueryRowContext(ctx, `INSERT INTO centers_tickets (centre, day, number, service, agency, booking_id, person,
		account_id, priority, rank, status, issued_at, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		RETURNING id`, t.Centre, t.Day, t.Number, t.Service, agency, t.BookingID, t.Person, t.AccountID, t.Priority,
		t.Rank, t.Status, t.IssuedAt, t.DueAt).Scan(&t.ID)
}

func insertCall(ctx context.Context, q querier, t *Ticket, desk int, at time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO centers_calls (centre, ticket_id, number, desk, called_at) VALUES ($1, $2, $3, $4, $5)`,
		t.Centre, t.ID, t.Number, desk, at)
	return err
}

func queryCalls(ctx context.Context, q querier, centre string, after int64, limit int) ([]Call, error) {
	query := `SELECT id, number, desk, called_at FROM centers_calls WHERE centre = $1 AND id > $2 ORDER BY id`
	if after == 0 {
		query = `SELECT id, number, desk, called_at FROM centers_calls WHERE centre = $1 AND id > $2 ORDER BY id DESC`
	}
	rows, err := q.QueryContext(ctx, query+` LIMIT `+strconv.Itoa(limit), centre, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []Call
	for rows.Next() {
		var c Call
		if err := rows.Scan(&c.ID, &c.Number, &c.Desk, &c.At); err != nil {
			return nil, err
		}
		c.At = c.At.UTC()
		list = append(list, c)
	}
	return list, rows.Err()
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
