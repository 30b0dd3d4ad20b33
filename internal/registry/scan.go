package registry

import (
	"context"
	"time"
)

// Due is one hit of a scan by date: a person (FIN), the date that put
// them in the range (birth, expiry, inspection) and what it is about (a
// document's number, a vehicle's plate; the FIN for births).
type Due struct {
	FIN  string
	Date time.Time
	Ref  string
}

// After is the position after which a scan's next page starts: the last
// hit of the previous page (zero for the first page).
func (d Due) after() (string, string) {
	if d.Date.IsZero() {
		return "", ""
	}
	return FormatDate(d.Date), d.Ref
}

// BornBetween pages through the living people born from from to to
// inclusive, ordered by birth date and FIN, limit at a time after the hit
// after. It reads a range of the (birth_date, fin) index, so a day's page
// costs the same on ten million people as on a thousand.
func (r *Registry) BornBetween(ctx context.Context, from, to time.Time, after Due, limit int) ([]Due, error) {
	d, ref := after.after()
	return r.scan(ctx, `SELECT fin, birth_date, fin FROM registry_persons
		WHERE birth_date BETWEEN $1 AND $2 AND (birth_date, fin) > ($3, $4) AND death_date IS NULL
		ORDER BY birth_date, fin LIMIT $5`, dateArg(from), dateArg(to), d, ref, limit)
}

// ExpiringBetween pages through the documents of kind expiring from from
// to to inclusive, ordered by expiry and number (Ref).
func (r *Registry) ExpiringBetween(ctx context.Context, kind string, from, to time.Time, after Due, limit int) ([]Due, error) {
	d, ref := after.after()
	return r.scan(ctx, `SELECT person_fin, expires_on, number FROM registry_documents
		WHERE kind = $1 AND expires_on BETWEEN $2 AND $3 AND (expires_on, number) > ($4, $5)
		ORDER BY expires_on, number LIMIT $6`, kind, dateArg(from), dateArg(to), d, ref, limit)
}

// InspectionsBetween pages through the vehicles whose inspection falls
// due from from to to inclusive, ordered by due date and plate (Ref).
func (r *Registry) InspectionsBetween(ctx context.Context, from, to time.Time, after Due, limit int) ([]Due, error) {
	d, ref := after.after()
	return r.scan(ctx, `SELECT owner_fin, inspection_due, plate FROM registry_vehicles
		WHERE inspection_due BETWEEN $1 AND $2 AND (inspection_due, plate) > ($3, $4)
		ORDER BY inspection_due, plate LIMIT $5`, dateArg(from), dateArg(to), d, ref, limit)
}

func (r *Registry) scan(ctx context.Context, query string, args ...any) ([]Due, error) {
	rows, err := r.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Due
	for rows.Next() {
		var d Due
		var day string
		if err := rows.Scan(&d.FIN, &day, &d.Ref); err != nil {
			return nil, err
		}
		if d.Date, err = ParseDate(day); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
