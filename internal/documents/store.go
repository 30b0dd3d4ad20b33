package documents

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations are the module's tables (prefixed documents_).
var Migrations = store.Migrations{Module: "documents", FS: store.MustSub(migrationsFS, "migrations")}

type querier = store.Querier

const docColumns = `id, number, type, type_name, agency, holder_fin, holder_name, lang, fields, valid_from,
	valid_until, issued_at, payload, jws, kid, status, reason, updated_at`

func scanDocument(row interface{ Scan(...any) error }) (*Document, error) {
	var (
		d              Document
		typeName, lg   string
		fields, status string
		until          sql.NullTime
	)
	if err := row.Scan(&d.ID, &d.Number, &d.Type, &typeName, &d.Agency, &d.HolderFIN, &d.HolderName, &lg, &fields,
		&d.ValidFrom, &until, &d.IssuedAt, &d.Payload, &d.JWS, &d.KID, &status, &d.Reason, &d.UpdatedAt); err != nil {
		return nil, err
	}
	d.Lang, _ = lang.Parse(lg)
	d.Status = Status(status)
	if err := json.Unmarshal([]byte(typeName), &d.TypeName); err != nil {
		return nil, fmt.Errorf("documents: type name of %s: %w", d.Number, err)
	}
	if err := json.Unmarshal([]byte(fields), &d.Fields); err != nil {
		return nil, fmt.Errorf("documents: fields of %s: %w", d.Number, err)
	}
	d.ValidFrom, d.IssuedAt, d.UpdatedAt = d.ValidFrom.UTC(), d.IssuedAt.UTC(), d.UpdatedAt.UTC()
	d.ValidUntil = timePtr(until)
	return &d, nil
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

func (s *Service) documentWhere(ctx context.Context, q querier, where string, arg any) (*Document, error) {
	d, err := scanDocument(q.QueryRowContext(ctx, `SELECT `+docColumns+` FROM documents WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return d, err
}

func insertDocument(ctx context.Context, q querier, d *Document, idem string) error {
	typeName, _ := json.Marshal(d.TypeName)
	fields, _ := json.Marshal(d.Fields)
	return q.QueryRowContext(ctx, `INSERT INTO documents (number, idempotency_key, type, type_name, agency, holder_fin,
		holder_name, lang, fields, valid_from, valid_until, issued_at, payload, jws, kid, status, reason, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
		d.Number, idem, d.Type, string(typeName), d.Agency, d.HolderFIN, d.HolderName, string(d.Lang), string(fields),
		d.ValidFrom, nullTime(d.ValidUntil), d.IssuedAt, d.Payload, d.JWS, d.KID, string(d.Status), d.Reason,
		d.UpdatedAt).Scan(&d.ID)
}
