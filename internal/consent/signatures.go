package consent

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"errors"

	"github.com/google/uuid"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

const signatureColumns = `id, record_id, revision_id, payload, signature, method, verification_payload, payload_hash,
	artifact, signed_by, signed_as, at`

func scanSignature(row scanner) (*Signature, error) {
	g := &Signature{}
	err := row.Scan(&g.ID, &g.RecordID, &g.RevisionID, &g.Payload, &g.Value, &g.Method, &g.VerificationPayload,
		&g.PayloadHash, &g.Artifact, &g.SignedBy, &g.SignedAs, &g.At)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "consent.error.no_signature")
	}
	return g, err
}

func signatureByID(ctx context.Context, q querier, id string) (*Signature, error) {
	return scanSignature(q.QueryRowContext(ctx, `SELECT `+signatureColumns+` FROM consent_signatures WHERE id = $1`, id))
}

// sign signs rec's current revision rev in tx, once: a signature already
// made for it is answered as it is. wantHash, if given, must be the
// revision's hash (what the individual was shown).
func (s *Service) sign(ctx context.Context, tx *sql.Tx, key *signingKey, a Actor, rec *Record, rev *Revision, wantHash string, owners ...string) (*Signature, error) {
	if wantHash != "" && wantHash != rev.Hash {
		return nil, errs.E(errs.Conflict, "consent.error.record_changed")
	}
	existing, err := scanSignature(tx.QueryRowContext(ctx, `SELECT `+signatureColumns+` FROM consent_signatures
		WHERE revision_id = $1`, rev.ID))
	if err == nil && existing.Value != "" {
		return existing, nil
	}
	if err != nil && errs.KindOf(err) != errs.NotFound {
		return nil, err
	}
	sig := &Signature{ID: uuid.NewString(), RecordID: rec.ID}
	if existing != nil {
		sig.ID = existing.ID
	}
	if err := prepare(sig, rev, key.kid, a.artifact(), s.now()); err != nil {
		return nil, err
	}
	sig.Value = base64.RawURLEncoding.EncodeToString(ed25519.Sign(key.private, []byte(sig.Payload)))
	if existing != nil {
		res, err := tx.ExecContext(ctx, `UPDATE consent_signatures SET payload = $1, signature = $2, artifact = $3,
			signed_by = $4, at = $5 WHERE id = $6 AND signature = ''`, sig.Payload, sig.Value, sig.Artifact, sig.SignedBy, sig.At, sig.ID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return signatureByID(ctx, tx, sig.ID) // signed meanwhile
		}
	} else if err := insertSignature(ctx, tx, sig); err != nil {
		return nil, err
	}
	rec.State, rec.SignatureID, rec.UpdatedAt = StateSigned, sig.ID, s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE consent_records SET state = $1, signature_id = $2, updated_at = $3 WHERE id = $4`,
		rec.State, rec.SignatureID, rec.UpdatedAt, rec.ID); err != nil {
		return nil, err
	}
	return sig, publish(ctx, tx, "consent_record.signed", rec, owners...)
}

func insertSignature(ctx context.Context, tx *sql.Tx, g *Signature) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO consent_signatures (`+signatureColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, g.ID, g.RecordID, g.RevisionID, g.Payload, g.Value,
		g.Method, g.VerificationPayload, g.PayloadHash, g.Artifact, g.SignedBy, g.SignedAs, g.At)
	return err
}

// PrepareSignature is the unsigned signature of the record's current
// revision, with its payload ready for signing (made once per revision).
func (s *Service) PrepareSignature(ctx context.Context, a Actor, individualID, id string) (*Signature, error) {
	key, err := s.key(ctx)
	if err != nil {
		return nil, err
	}
	var sig *Signature
	for attempt := 0; ; attempt++ {
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			sig, err = s.prepareSignature(ctx, tx, key, a, individualID, id)
			return err
		})
		if !store.IsUniqueViolation(err) || attempt == 3 {
			return sig, err
		}
		// A concurrent call made it: answer that one.
	}
}

// prepareSignature finds or makes, in tx, the unsigned signature of the
// record's current revision.
func (s *Service) prepareSignature(ctx context.Context, tx *sql.Tx, key *signingKey, a Actor, individualID, id string) (*Signature, error) {
	rec, _, err := owned(ctx, tx, a, individualID, id)
	if err != nil {
		return nil, err
	}
	sig, err := scanSignature(tx.QueryRowContext(ctx, `SELECT `+signatureColumns+` FROM consent_signatures
		WHERE revision_id = $1`, rec.RevisionID))
	if errs.KindOf(err) != errs.NotFound {
		return sig, err
	}
	rev, err := revision(ctx, tx, SchemaRecord, rec.ID, rec.RevisionID)
	if err != nil {
		return nil, err
	}
	sig = &Signature{ID: uuid.NewString(), RecordID: rec.ID}
	if err := prepare(sig, rev, key.kid, a.artifact(), s.now()); err != nil {
		return nil, err
	}
	return sig, insertSignature(ctx, tx, sig)
}

// Sign signs the record's current revision for the individual. wantHash,
// if given, is the revision hash the individual was shown: a record
// changed since is refused. Signing again answers the same signature.
func (s *Service) Sign(ctx context.Context, a Actor, individualID, id, wantHash string) (*Record, *Signature, error) {
	key, err := s.key(ctx)
	if err != nil {
		return nil, nil, err
	}
	for attempt := 0; ; attempt++ {
		var rec *Record
		var sig *Signature
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			var owners []string
			var err error
			if rec, owners, err = owned(ctx, tx, a, individualID, id); err != nil {
				return err
			}
			rev, err := revision(ctx, tx, SchemaRecord, rec.ID, rec.RevisionID)
			if err != nil {
				return err
			}
			sig, err = s.sign(ctx, tx, key, a, rec, rev, wantHash, owners...)
			return err
		})
		if store.IsUniqueViolation(err) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		return rec, sig, nil
	}
}
