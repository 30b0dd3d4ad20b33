package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
)

// snapshot is the whole catalog as read at one revision.
type snapshot struct {
	revision   int64
	agencies   []*Agency
	situations []*Situation
	services   []*Service
}

func jsonText(t lang.Text) string {
	b, _ := json.Marshal(t)
	return string(b)
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func readRevision(ctx context.Context, q querier) (int64, error) {
	var rev int64
	err := q.QueryRowContext(ctx, `SELECT revision FROM catalog_revision WHERE id = 1`).Scan(&rev)
	return rev, err
}

type querier = store.Querier

// loadSnapshot reads the whole catalog in one transaction, so the copy is
// consistent with the revision it records.
func loadSnapshot(ctx context.Context, tx *sql.Tx) (*snapshot, error) {
	snap := &snapshot{}
	var err error
	if snap.revision, err = readRevision(ctx, tx); err != nil {
		return nil, err
	}
	agencyByID := map[int64]*Agency{}
	rows, err := tx.QueryContext(ctx, `SELECT id, slug, name, short_name, description, website FROM catalog_agencies ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		a := &Agency{}
		var name, short, desc string
		if err := rows.Scan(&a.ID, &a.Slug, &name, &short, &desc, &a.Website); err != nil {
			rows.Close()
			return nil, err
		}
		if err := unmarshalAll(&a.Name, name, &a.Short, short, &a.Description, desc); err != nil {
			rows.Close()
			return nil, fmt.Errorf("agency %s: %w", a.Slug, err)
		}
		snap.agencies = append(snap.agencies, a)
		agencyByID[a.ID] = a
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = tx.QueryContext(ctx, `SELECT slug, name, description, position FROM catalog_situations ORDER BY position, slug`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		s := &Situation{}
		var name, desc string
		if err := rows.Scan(&s.Slug, &name, &desc, &s.Position); err != nil {
			rows.Close()
			return nil, err
		}
		if err := unmarshalAll(&s.Name, name, &s.Description, desc); err != nil {
			rows.Close()
			return nil, err
		}
		snap.situations = append(snap.situations, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	situationsOf := map[int64][]string{}
	rows, err = tx.QueryContext(ctx, `SELECT service_id, situation_slug FROM catalog_service_situations ORDER BY service_id, situation_slug`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var slug string
		if err := rows.Scan(&id, &slug); err != nil {
			rows.Close()
			return nil, err
		}
		situationsOf[id] = append(situationsOf[id], slug)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = tx.QueryContext(ctx, `SELECT id, slug, agency_id, name, summary, description, audience, channels,
		fee_qepik, deadline_days, documents, keywords, form_schema, popularity, active
		FROM catalog_services ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		s := &Service{}
		var agencyID int64
		var name, summary, desc, audience, channels, documents, keywords, form string
		if err := rows.Scan(&s.ID, &s.Slug, &agencyID, &name, &summary, &desc, &audience, &channels,
			&s.FeeQepik, &s.DeadlineDays, &documents, &keywords, &form, &s.Popularity, &s.Active); err != nil {
			return nil, err
		}
		if err := unmarshalAll(&s.Name, name, &s.Summary, summary, &s.Description, desc,
			&s.Documents, documents, &s.Keywords, keywords); err != nil {
			return nil, fmt.Errorf("service %s: %w", s.Slug, err)
		}
		for _, a := range splitList(audience) {
			s.Audience = append(s.Audience, Audience(a))
		}
		for _, c := range splitList(channels) {
			s.Channels = append(s.Channels, Channel(c))
		}
		if form != "" {
			s.Form = json.RawMessage(form)
		}
		if a := agencyByID[agencyID]; a != nil {
			s.Agency = a.Slug
		}
		s.Situations = situationsOf[s.ID]
		snap.services = append(snap.services, s)
	}
	return snap, rows.Err()
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func joinList[T ~string](items []T) string {
	parts := make([]string, len(items))
	for i, x := range items {
		parts[i] = string(x)
	}
	return strings.Join(parts, ",")
}

// unmarshalAll decodes pairs of (destination, JSON text).
func unmarshalAll(pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		text := pairs[i+1].(string)
		if text == "" {
			continue
		}
		if err := json.Unmarshal([]byte(text), pairs[i]); err != nil {
			return err
		}
	}
	return nil
}

func bumpRevision(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE catalog_revision SET revision = revision + 1 WHERE id = 1`)
	return err
}

// upsertAgency inserts an agency or, when replace is set, updates the one
// with the same slug. It returns the agency's id and whether it wrote.
func upsertAgency(ctx context.Context, tx *sql.Tx, a *Agency, replace bool, now time.Time) (int64, bool, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM catalog_agencies WHERE slug = $1`, a.Slug).Scan(&id)
	switch {
	case err == sql.ErrNoRows:
		err = tx.QueryRowContext(ctx, `INSERT INTO catalog_agencies (slug, name, short_name, description, website, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
			a.Slug, jsonText(a.Name), jsonText(a.Short), jsonText(a.Description), a.Website, now).Scan(&id)
		return id, err == nil, err
	case err != nil:
		return 0, false, err
	case !replace:
		return id, false, nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE catalog_agencies SET name = $1, short_name = $2, description = $3, website = $4, updated_at = $5 WHERE id = $6`,
		jsonText(a.Name), jsonText(a.Short), jsonText(a.Description), a.Website, now, id)
	return id, err == nil, err
}

func upsertSituation(ctx context.Context, tx *sql.Tx, s *Situation, replace bool) (bool, error) {
	var query string
	if replace {
		query = `INSERT INTO catalog_situations (slug, name, description, position) VALUES ($1, $2, $3, $4)
			ON CONFLICT (slug) DO UPDATE SET name = excluded.name, description = excluded.description, position = excluded.position`
	} else {
		query = `INSERT INTO catalog_situations (slug, name, description, position) VALUES ($1, $2, $3, $4) ON CONFLICT (slug) DO NOTHING`
	}
	res, err := tx.ExecContext(ctx, query, s.Slug, jsonText(s.Name), jsonText(s.Description), s.Position)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// upsertService inserts a service or, when replace is set, updates the one
// with the same slug, with its situations.
func upsertService(ctx context.Context, tx *sql.Tx, s *Service, replace bool, now time.Time) (bool, error) {
	var agencyID int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM catalog_agencies WHERE slug = $1`, s.Agency).Scan(&agencyID)
	if err == sql.ErrNoRows {
		return false, errs.E(errs.Invalid, "catalog.error.agency").Field("agency", "catalog.error.agency")
	}
	if err != nil {
		return false, err
	}
	form := ""
	if len(s.Form) > 0 {
		form = string(s.Form)
	}
	args := []any{s.Slug, agencyID, jsonText(s.Name), jsonText(s.Summary), jsonText(s.Description),
		joinList(s.Audience), joinList(s.Channels), s.FeeQepik, s.DeadlineDays,
		jsonString(nonNil(s.Documents)), jsonString(s.Keywords), form, s.Popularity, now}
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM catalog_services WHERE slug = $1`, s.Slug).Scan(&id)
	switch {
	case err == sql.ErrNoRows:
		err = tx.QueryRowContext(ctx, `INSERT INTO catalog_services (slug, agency_id, name, summary, description, audience, channels,
			fee_qepik, deadline_days, documents, keywords, form_schema, popularity, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, TRUE, $14, $14) RETURNING id`, args...).Scan(&id)
		if err != nil {
			return false, err
		}
	case err != nil:
		return false, err
	case !replace:
		return false, nil
	default:
		_, err = tx.ExecContext(ctx, `UPDATE catalog_services SET agency_id = $2, name = $3, summary = $4, description = $5,
			audience = $6, channels = $7, fee_qepik = $8, deadline_days = $9, documents = $10, keywords = $11,
			form_schema = $12, popularity = $13, updated_at = $14 WHERE slug = $1`, args...)
		if err != nil {
			return false, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_service_situations WHERE service_id = $1`, id); err != nil {
			return false, err
		}
	}
	for _, slug := range s.Situations {
		if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_service_situations (service_id, situation_slug) VALUES ($1, $2)`, id, slug); err != nil {
			if strings.Contains(strings.ToLower(err.Error()), "foreign key") {
				return false, errs.E(errs.Invalid, "catalog.error.situation").Field("situations", "catalog.error.situation")
			}
			return false, err
		}
	}
	s.ID = id
	return true, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
