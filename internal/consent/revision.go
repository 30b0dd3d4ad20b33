package consent

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/egov/egov/internal/errs"
)

// snapshot is a revision's serialized content, as the specification's
// Revision.serializedSnapshot describes it. encoding/json writes struct
// fields in order and map keys sorted, so the serialization of the same
// content is always the same bytes.
type snapshot struct {
	ObjectData             json.RawMessage `json:"objectData"`
	SchemaName             string          `json:"schemaName"`
	ObjectID               string          `json:"objectId"`
	SignedWithoutObjectID  bool            `json:"signedWithoutObjectId"`
	Timestamp              string          `json:"timestamp"`
	AuthorizedByIndividual string          `json:"authorizedByIndividual"`
	AuthorizedByOther      string          `json:"authorizedByOther"`
}

// hashOf is the hex SHA-256 of s.
func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func serialize(schema, objectID string, data any, at time.Time, individual, other string) (string, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return "", err
	}
	out, err := json.Marshal(snapshot{ObjectData: raw, SchemaName: schema, ObjectID: objectID,
		Timestamp: at.Format(time.RFC3339Nano), AuthorizedByIndividual: individual, AuthorizedByOther: other})
	return string(out), err
}

// addRevision records a new revision of an object in tx, chained to the
// previous one (whose successor it becomes).
func addRevision(ctx context.Context, tx *sql.Tx, schema, objectID string, data any, at time.Time, individual, other string) (*Revision, error) {
	snap, err := serialize(schema, objectID, data, at, individual, other)
	if err != nil {
		return nil, err
	}
	rev := &Revision{ID: uuid.NewString(), SchemaName: schema, ObjectID: objectID, Snapshot: snap, Hash: hashOf(snap),
		At: at, AuthorizedByIndividual: individual, AuthorizedByOther: other, Seq: 1}
	var prevID string
	err = tx.QueryRowContext(ctx, `SELECT r.id, r.seq, r.hash, COALESCE(s.signature, '')
		FROM consent_revisions r LEFT JOIN consent_signatures s ON s.revision_id = r.id
		WHERE r.schema_name = $1 AND r.object_id = $2 ORDER BY r.seq DESC LIMIT 1`, schema, objectID).
		Scan(&prevID, &rev.Seq, &rev.PredecessorHash, &rev.PredecessorSignature)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, err
	default:
		rev.Seq++
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO consent_revisions (id, schema_name, object_id, seq, snapshot, hash, at,
		authorized_by_individual, authorized_by_other, predecessor_hash, predecessor_signature)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, rev.ID, schema, objectID, rev.Seq, snap, rev.Hash, at,
		nullable(individual), other, rev.PredecessorHash, rev.PredecessorSignature); err != nil {
		return nil, err
	}
	if prevID != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE consent_revisions SET successor_id = $1 WHERE id = $2`, rev.ID, prevID); err != nil {
			return nil, err
		}
	}
	return rev, nil
}

const revisionColumns = `id, schema_name, object_id, seq, snapshot, hash, at, COALESCE(authorized_by_individual, ''),
	authorized_by_other, COALESCE(successor_id, ''), predecessor_hash, predecessor_signature`

type scanner interface{ Scan(...any) error }

func scanRevision(row scanner) (*Revision, error) {
	r := &Revision{}
	err := row.Scan(&r.ID, &r.SchemaName, &r.ObjectID, &r.Seq, &r.Snapshot, &r.Hash, &r.At, &r.AuthorizedByIndividual,
		&r.AuthorizedByOther, &r.SuccessorID, &r.PredecessorHash, &r.PredecessorSignature)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "consent.error.no_revision")
	}
	return r, err
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// revision is one revision of an object; an empty id is its latest.
func revision(ctx context.Context, q querier, schema, objectID, id string) (*Revision, error) {
	if id == "" {
		return scanRevision(q.QueryRowContext(ctx, `SELECT `+revisionColumns+` FROM consent_revisions
			WHERE schema_name = $1 AND object_id = $2 ORDER BY seq DESC LIMIT 1`, schema, objectID))
	}
	return scanRevision(q.QueryRowContext(ctx, `SELECT `+revisionColumns+` FROM consent_revisions
		WHERE schema_name = $1 AND object_id = $2 AND id = $3`, schema, objectID, id))
}

// Revisions lists an object's revisions, oldest first.
func (s *Service) revisions(ctx context.Context, schema, objectID string, p Page) ([]*Revision, error) {
	p = p.clean()
	rows, err := s.db.QueryContext(ctx, `SELECT `+revisionColumns+` FROM consent_revisions
		WHERE schema_name = $1 AND object_id = $2 ORDER BY seq LIMIT $3 OFFSET $4`, schema, objectID, p.Limit, p.Offset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Revision
	for rows.Next() {
		r, err := scanRevision(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// objectAt decodes the object a revision serialized into v.
func objectAt(rev *Revision, v any) error {
	var snap snapshot
	if err := json.Unmarshal([]byte(rev.Snapshot), &snap); err != nil {
		return err
	}
	return json.Unmarshal(snap.ObjectData, v)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
