package govstack

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

const registryColumns = `id, code, version, group_name, catalog_name, description, schema, owner, created_at, modified_at`

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func scanRegistry(s interface{ Scan(...any) error }) (*Registry, error) {
	var r Registry
	var schema string
	if err := s.Scan(&r.ID, &r.Code, &r.Version, &r.Group, &r.Catalog, &r.Description, &schema, &r.Owner, &r.CreatedAt, &r.ModifiedAt); err != nil {
		return nil, err
	}
	r.Schema = json.RawMessage(schema)
	r.CreatedAt, r.ModifiedAt = r.CreatedAt.UTC(), r.ModifiedAt.UTC()
	return &r, nil
}

// loadAccess fills r's readers and writers.
func loadAccess(ctx context.Context, q querier, r *Registry) error {
	rows, err := q.QueryContext(ctx, `SELECT client_id, can_read, can_write FROM govstack_registry_access
		WHERE registry_id = $1 ORDER BY client_id`, r.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	r.Readers, r.Writers = nil, nil
	for rows.Next() {
		var c string
		var rd, wr bool
		if err := rows.Scan(&c, &rd, &wr); err != nil {
			return err
		}
		if rd {
			r.Readers = append(r.Readers, c)
		}
		if wr {
			r.Writers = append(r.Writers, c)
		}
	}
	return rows.Err()
}

func findRegistry(ctx context.Context, q querier, where string, args ...any) (*Registry, error) {
	r, err := scanRegistry(q.QueryRowContext(ctx, `SELECT `+registryColumns+` FROM govstack_registries WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "govstack.error.no_registry")
	}
	if err != nil {
		return nil, err
	}
	return r, loadAccess(ctx, q, r)
}

// saveRegistry creates r, or changes the registry of the same code and
// version when owner owns it.
func saveRegistry(ctx context.Context, db *store.DB, r *Registry) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := findRegistry(ctx, tx, `code = $1 AND version = $2`, r.Code, r.Version)
		t := now()
		switch {
		case errs.KindOf(err) == errs.NotFound:
			r.CreatedAt = t
			err = tx.QueryRowContext(ctx, `INSERT INTO govstack_registries (code, version, group_name, catalog_name, description, schema, owner, created_at, modified_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
				r.Code, r.Version, r.Group, r.Catalog, r.Description, string(r.Schema), r.Owner, t).Scan(&r.ID)
			if store.IsUniqueViolation(err) {
				return errs.E(errs.Conflict, "govstack.error.registry_exists")
			}
			if err != nil {
				return err
			}
		case err != nil:
			return err
		case old.Owner != r.Owner:
			return errs.E(errs.Forbidden, "govstack.error.not_owner")
		default:
			r.ID, r.CreatedAt = old.ID, old.CreatedAt
			if _, err := tx.ExecContext(ctx, `UPDATE govstack_registries SET group_name = $2, catalog_name = $3, description = $4,
				schema = $5, modified_at = $6 WHERE id = $1`, r.ID, r.Group, r.Catalog, r.Description, string(r.Schema), t); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM govstack_registry_access WHERE registry_id = $1`, r.ID); err != nil {
				return err
			}
		}
		r.ModifiedAt = t
		access := map[string][2]bool{r.Owner: {true, true}}
		for _, c := range r.Readers {
			a := access[c]
			a[0] = true
			access[c] = a
		}
		for _, c := range r.Writers {
			a := access[c]
			a[1] = true
			access[c] = a
		}
		for c, a := range access {
			if _, err := tx.ExecContext(ctx, `INSERT INTO govstack_registry_access (registry_id, client_id, can_read, can_write)
				VALUES ($1, $2, $3, $4)`, r.ID, c, a[0], a[1]); err != nil {
				return err
			}
		}
		return loadAccess(ctx, tx, r)
	})
}

// deleteRegistry removes a registry with its records.
func deleteRegistry(ctx context.Context, db *store.DB, id int64, owner string) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := findRegistry(ctx, tx, `id = $1`, id)
		if err != nil {
			return err
		}
		if r.Owner != owner {
			return errs.E(errs.Forbidden, "govstack.error.not_owner")
		}
		for _, q := range []string{`DELETE FROM govstack_records WHERE registry_id = $1`,
			`DELETE FROM govstack_registry_access WHERE registry_id = $1`,
			`DELETE FROM govstack_registries WHERE id = $1`} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// Record is one record of a generic registry.
type Record struct {
	Key     string
	Content map[string]any
}

// scanRecords calls fn for each record of registry, in key order, until
// fn returns false.
func scanRecords(ctx context.Context, q querier, registry int64, fn func(Record) bool) error {
	rows, err := q.QueryContext(ctx, `SELECT record_id, content FROM govstack_records WHERE registry_id = $1 ORDER BY record_id`, registry)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var rec Record
		var content string
		if err := rows.Scan(&rec.Key, &content); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(content), &rec.Content); err != nil {
			return err
		}
		if !fn(rec) {
			break
		}
	}
	return rows.Err()
}

// lockRegistry takes the registry's row lock, so writers of one registry
// take turns (a read-match-write is then one step on either engine).
func lockRegistry(ctx context.Context, tx *sql.Tx, id int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE govstack_registries SET modified_at = modified_at WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.NotFound, "govstack.error.no_registry")
	}
	return nil
}

func insertRecord(ctx context.Context, tx *sql.Tx, registry int64, rec Record, client string) error {
	raw, err := json.Marshal(rec.Content)
	if err != nil {
		return err
	}
	t := now()
	_, err = tx.ExecContext(ctx, `INSERT INTO govstack_records (registry_id, record_id, content, created_by, updated_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4, $5, $5)`, registry, rec.Key, string(raw), client, t)
	if store.IsUniqueViolation(err) {
		return errs.E(errs.Conflict, "govstack.error.record_exists")
	}
	return err
}

// replaceRecord writes rec over the record oldKey (its key may change).
func replaceRecord(ctx context.Context, tx *sql.Tx, registry int64, oldKey string, rec Record, client string) error {
	raw, err := json.Marshal(rec.Content)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE govstack_records SET record_id = $3, content = $4, updated_by = $5, updated_at = $6
		WHERE registry_id = $1 AND record_id = $2`, registry, oldKey, rec.Key, string(raw), client, now())
	if store.IsUniqueViolation(err) {
		return errs.E(errs.Conflict, "govstack.error.record_exists")
	}
	return err
}

func deleteRecord(ctx context.Context, tx *sql.Tx, registry int64, key string) (bool, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM govstack_records WHERE registry_id = $1 AND record_id = $2`, registry, key)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// readableRegistries lists the registries client may read, by code and
// version.
func readableRegistries(ctx context.Context, db *store.DB, client string) ([]*Registry, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+registryColumns+` FROM govstack_registries WHERE id IN
		(SELECT registry_id FROM govstack_registry_access WHERE client_id = $1 AND can_read) ORDER BY code, version`, client)
	if err != nil {
		return nil, err
	}
	var out []*Registry
	for rows.Next() {
		r, err := scanRegistry(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, r := range out {
		if err := loadAccess(ctx, db, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}
