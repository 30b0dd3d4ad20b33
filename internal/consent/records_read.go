package consent

import (
	"context"
	"database/sql"

	"github.com/egov/egov/internal/errs"
)

// RecordFilter chooses records. Org sees the records of its individuals
// and of its agreements; All (auditors) sees every record.
type RecordFilter struct {
	Org          string
	All          bool
	IndividualID string
	AgreementID  string
	// Current keeps, per individual and agreement, the newest record.
	Current bool
}

func (f RecordFilter) where() (string, []any) {
	w, args := ` WHERE TRUE`, []any{}
	if !f.All {
		args = append(args, f.Org)
		w += ` AND (i.owner = $1 OR a.owner = $1)`
	}
	if f.IndividualID != "" {
		args = append(args, f.IndividualID)
		w += ` AND r.individual_id = $` + itoa(len(args))
	}
	if f.AgreementID != "" {
		args = append(args, f.AgreementID)
		w += ` AND r.agreement_id = $` + itoa(len(args))
	}
	if f.Current {
		w += ` AND NOT EXISTS (SELECT 1 FROM consent_records n WHERE n.individual_id = r.individual_id
			AND n.agreement_id = r.agreement_id AND (n.created_at > r.created_at OR n.created_at = r.created_at AND n.id > r.id))`
	}
	return w, args
}

const recordJoin = ` FROM consent_records r JOIN consent_individuals i ON i.id = r.individual_id
	JOIN consent_agreements a ON a.id = r.agreement_id`

// Records lists the records f chooses, oldest first.
func (s *Service) Records(ctx context.Context, f RecordFilter, p Page) ([]*Record, error) {
	p = p.clean()
	w, args := f.where()
	args = append(args, p.Limit, p.Offset)
	rows, err := s.db.QueryContext(ctx, `SELECT `+recordColumns+recordJoin+w+` ORDER BY r.created_at, r.id
		LIMIT $`+itoa(len(args)-1)+` OFFSET $`+itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Record is the record id f may see, with its current revision and its
// signature (nil when unsigned).
func (s *Service) Record(ctx context.Context, f RecordFilter, id string) (*Record, *Revision, *Signature, error) {
	w, args := f.where()
	args = append(args, id)
	rec, err := scanRecord(s.db.QueryRowContext(ctx, `SELECT `+recordColumns+recordJoin+w+` AND r.id = $`+itoa(len(args)), args...))
	if err != nil {
		return nil, nil, nil, err
	}
	rev, err := revision(ctx, s.db, SchemaRecord, rec.ID, rec.RevisionID)
	if err != nil {
		return nil, nil, nil, err
	}
	var sig *Signature
	if rec.SignatureID != "" {
		if sig, err = signatureByID(ctx, s.db, rec.SignatureID); err != nil {
			return nil, nil, nil, err
		}
	}
	return rec, rev, sig, nil
}

// RecordRevisions is a record's history, oldest first (auditors).
func (s *Service) RecordRevisions(ctx context.Context, id string) ([]*Revision, error) {
	return s.revisions(ctx, SchemaRecord, id, Page{Limit: MaxLimit})
}

// Verify checks a signed record: its signature holds under egov's key
// and signs the record as it is now. ErrTampered when it does not.
func (s *Service) Verify(ctx context.Context, f RecordFilter, id string) error {
	rec, rev, sig, err := s.Record(ctx, f, id)
	if err != nil {
		return err
	}
	return s.verify(ctx, s.db, rec, rev, sig)
}

// DeleteForgettable is the right to be forgotten: it deletes the
// individual's records that need not be kept (withdrawn consents to
// agreements marked forgettable) and those never signed, with their
// revisions and signatures. It answers how many were deleted.
func (s *Service) DeleteForgettable(ctx context.Context, a Actor, individualID string) (int, error) {
	n := 0
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		ind, err := individualFor(ctx, tx, a, individualID)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+recordColumns+`, a.owner`+recordJoin+` WHERE r.individual_id = $1
			AND (a.forgettable AND NOT r.opt_in OR r.state = $2 AND NOT EXISTS (SELECT 1 FROM consent_signatures g
			WHERE g.record_id = r.id AND g.signature <> ''))`, ind.ID, StateUnsigned)
		if err != nil {
			return err
		}
		type gone struct {
			rec   *Record
			owner string
		}
		var list []gone
		for rows.Next() {
			r := &Record{}
			var owner string
			if err := rows.Scan(&r.ID, &r.AgreementID, &r.AgreementRevisionID, &r.AgreementRevisionHash, &r.IndividualID,
				&r.OptIn, &r.State, &r.RevisionID, &r.SignatureID, &r.CreatedAt, &r.UpdatedAt, &owner); err != nil {
				rows.Close()
				return err
			}
			list = append(list, gone{r, owner})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, g := range list {
			for _, q := range []string{`DELETE FROM consent_signatures WHERE record_id = $1`, `DELETE FROM consent_records WHERE id = $1`,
				`DELETE FROM consent_revisions WHERE schema_name = 'consentRecord' AND object_id = $1`} {
				if _, err := tx.ExecContext(ctx, q, g.rec.ID); err != nil {
					return err
				}
			}
			g.rec.UpdatedAt = s.now()
			if err := publish(ctx, tx, "consent_record.deleted", g.rec, g.owner, ind.Owner); err != nil {
				return err
			}
		}
		n = len(list)
		return nil
	})
	return n, err
}

// PersonRecord is one of a person's records as the cabinet shows it.
type PersonRecord struct {
	Record
	Agreement    Agreement
	Organisation string
}

// PersonRecords lists the current records of every individual that is
// the person fin, newest first.
func (s *Service) PersonRecords(ctx context.Context, fin string) ([]*PersonRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+recordColumns+`, a.id, a.owner, a.version, a.controller_id, a.controller_name,
		a.controller_url, COALESCE(a.policy_id, ''), a.purpose, a.lawful_basis, a.data_use, a.dpia, a.active, a.forgettable,
		a.lifecycle, a.deleted, a.updated_at`+recordJoin+`
		WHERE i.fin = $1 AND NOT EXISTS (SELECT 1 FROM consent_records n WHERE n.individual_id = r.individual_id
		AND n.agreement_id = r.agreement_id AND (n.created_at > r.created_at OR n.created_at = r.created_at AND n.id > r.id))
		ORDER BY r.created_at DESC, r.id`, fin)
	if err != nil {
		return nil, err
	}
	var out []*PersonRecord
	for rows.Next() {
		p := &PersonRecord{}
		r, a := &p.Record, &p.Agreement
		if err := rows.Scan(&r.ID, &r.AgreementID, &r.AgreementRevisionID, &r.AgreementRevisionHash, &r.IndividualID, &r.OptIn,
			&r.State, &r.RevisionID, &r.SignatureID, &r.CreatedAt, &r.UpdatedAt,
			&a.ID, &a.Owner, &a.Version, &a.Controller.ID, &a.Controller.Name, &a.Controller.URL, &a.PolicyID,
			&a.Purpose, &a.LawfulBasis, &a.DataUse, &a.DPIA, &a.Active, &a.Forgettable, &a.Lifecycle, &a.Deleted, &a.UpdatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		p.Organisation = a.Owner
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, p := range out {
		// The attributes as the agreement's revision consented to states them.
		rev, err := revision(ctx, s.db, SchemaAgreement, p.AgreementID, p.AgreementRevisionID)
		if err != nil {
			return nil, err
		}
		var at Agreement
		if err := objectAt(rev, &at); err != nil {
			return nil, errs.E(errs.Internal, "")
		}
		p.Agreement.Purpose, p.Agreement.Attributes, p.Agreement.LawfulBasis = at.Purpose, at.Attributes, at.LawfulBasis
	}
	return out, nil
}
