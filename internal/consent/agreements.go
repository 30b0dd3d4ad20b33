package consent

import (
	"context"
	"database/sql"
	"errors"

	"github.com/google/uuid"

	"github.com/egov/egov/internal/errs"
)

const agreementColumns = `id, owner, version, controller_id, controller_name, controller_url, COALESCE(policy_id, ''),
	purpose, lawful_basis, data_use, dpia, active, forgettable, lifecycle, deleted, updated_at`

func scanAgreement(row scanner) (*Agreement, error) {
	a := &Agreement{}
	err := row.Scan(&a.ID, &a.Owner, &a.Version, &a.Controller.ID, &a.Controller.Name, &a.Controller.URL, &a.PolicyID,
		&a.Purpose, &a.LawfulBasis, &a.DataUse, &a.DPIA, &a.Active, &a.Forgettable, &a.Lifecycle, &a.Deleted, &a.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "consent.error.no_agreement")
	}
	return a, err
}

// AgreementFilter chooses whose agreements a read sees.
type AgreementFilter struct {
	Owner      string // "": any organisation's
	ActiveOnly bool
	Deleted    bool // also deleted ones (auditors)
}

func (f AgreementFilter) where(args []any) (string, []any) {
	w := ` WHERE TRUE`
	if f.Owner != "" {
		args = append(args, f.Owner)
		w += ` AND owner = $` + itoa(len(args))
	}
	if f.ActiveOnly {
		w += ` AND active`
	}
	if !f.Deleted {
		w += ` AND NOT deleted`
	}
	return w, args
}

func (s *Service) loadAttributes(ctx context.Context, q querier, a *Agreement) error {
	rows, err := q.QueryContext(ctx, `SELECT id, name, sensitivity, category FROM consent_agreement_attributes
		WHERE agreement_id = $1 ORDER BY position`, a.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	a.Attributes = []Attribute{}
	for rows.Next() {
		var at Attribute
		if err := rows.Scan(&at.ID, &at.Name, &at.Sensitivity, &at.Category); err != nil {
			return err
		}
		a.Attributes = append(a.Attributes, at)
	}
	return rows.Err()
}

func saveAttributes(ctx context.Context, tx *sql.Tx, a *Agreement) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM consent_agreement_attributes WHERE agreement_id = $1`, a.ID); err != nil {
		return err
	}
	for i := range a.Attributes {
		if a.Attributes[i].ID == "" {
			a.Attributes[i].ID = uuid.NewString()
		}
		at := a.Attributes[i]
		if _, err := tx.ExecContext(ctx, `INSERT INTO consent_agreement_attributes (agreement_id, position, id, name, sensitivity, category)
			VALUES ($1, $2, $3, $4, $5, $6)`, a.ID, i, at.ID, at.Name, at.Sensitivity, at.Category); err != nil {
			return err
		}
	}
	return nil
}

// checkPolicy refuses a policy that is not org's.
func checkPolicy(ctx context.Context, tx *sql.Tx, org, id string) error {
	if id == "" {
		return nil
	}
	var ok bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM consent_policies WHERE id = $1 AND owner = $2 AND NOT deleted)`,
		id, org).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.Invalid, "consent.error.bad_agreement").Field("policy", "consent.error.no_policy")
	}
	return nil
}

// CreateAgreement adds a data agreement of org with its first revision.
func (s *Service) CreateAgreement(ctx context.Context, org, by string, a Agreement) (*Agreement, *Revision, error) {
	if err := a.Validate(); err != nil {
		return nil, nil, err
	}
	a.ID, a.Owner, a.UpdatedAt, a.Deleted = uuid.NewString(), org, s.now(), false
	if a.Lifecycle == "" {
		a.Lifecycle = "complete"
	}
	var rev *Revision
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := checkPolicy(ctx, tx, org, a.PolicyID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO consent_agreements (id, owner, version, controller_id, controller_name,
			controller_url, policy_id, purpose, lawful_basis, data_use, dpia, active, forgettable, lifecycle, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)`, a.ID, org, a.Version, a.Controller.ID,
			a.Controller.Name, a.Controller.URL, nullable(a.PolicyID), a.Purpose, a.LawfulBasis, a.DataUse, a.DPIA, a.Active,
			a.Forgettable, a.Lifecycle, a.UpdatedAt); err != nil {
			return err
		}
		if err := saveAttributes(ctx, tx, &a); err != nil {
			return err
		}
		var err error
		rev, err = addRevision(ctx, tx, SchemaAgreement, a.ID, a, a.UpdatedAt, "", by)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return &a, rev, nil
}

// Agreement is the agreement id seen through f, with its latest revision.
func (s *Service) Agreement(ctx context.Context, f AgreementFilter, id string) (*Agreement, *Revision, error) {
	w, args := f.where([]any{id})
	a, err := scanAgreement(s.db.QueryRowContext(ctx, `SELECT `+agreementColumns+` FROM consent_agreements`+w+` AND id = $1`, args...))
	if err != nil {
		return nil, nil, err
	}
	if err := s.loadAttributes(ctx, s.db, a); err != nil {
		return nil, nil, err
	}
	rev, err := revision(ctx, s.db, SchemaAgreement, id, "")
	return a, rev, err
}

// UpdateAgreement changes org's agreement: a new revision, which new
// consent records refer to; existing records keep theirs.
func (s *Service) UpdateAgreement(ctx context.Context, org, by, id string, a Agreement) (*Agreement, *Revision, error) {
	if err := a.Validate(); err != nil {
		return nil, nil, err
	}
	a.ID, a.Owner, a.UpdatedAt = id, org, s.now()
	if a.Lifecycle == "" {
		a.Lifecycle = "complete"
	}
	var rev *Revision
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := checkPolicy(ctx, tx, org, a.PolicyID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE consent_agreements SET version = $1, controller_id = $2, controller_name = $3,
			controller_url = $4, policy_id = $5, purpose = $6, lawful_basis = $7, data_use = $8, dpia = $9, active = $10,
			forgettable = $11, lifecycle = $12, updated_at = $13 WHERE id = $14 AND owner = $15 AND NOT deleted`,
			a.Version, a.Controller.ID, a.Controller.Name, a.Controller.URL, nullable(a.PolicyID), a.Purpose, a.LawfulBasis,
			a.DataUse, a.DPIA, a.Active, a.Forgettable, a.Lifecycle, a.UpdatedAt, id, org)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "consent.error.no_agreement")
		}
		if err := saveAttributes(ctx, tx, &a); err != nil {
			return err
		}
		rev, err = addRevision(ctx, tx, SchemaAgreement, id, a, a.UpdatedAt, "", by)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return &a, rev, nil
}

// DeleteAgreement retires org's agreement: no new records, its records
// and revisions kept for audit; the last revision records the deletion.
func (s *Service) DeleteAgreement(ctx context.Context, org, by, id string) (*Revision, error) {
	var rev *Revision
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, err := scanAgreement(tx.QueryRowContext(ctx, `SELECT `+agreementColumns+` FROM consent_agreements
			WHERE id = $1 AND owner = $2 AND NOT deleted`, id, org))
		if err != nil {
			return err
		}
		if err := s.loadAttributes(ctx, tx, a); err != nil {
			return err
		}
		a.Deleted, a.Active = true, false
		if _, err := tx.ExecContext(ctx, `UPDATE consent_agreements SET deleted = TRUE, active = FALSE, updated_at = $1
			WHERE id = $2`, s.now(), id); err != nil {
			return err
		}
		rev, err = addRevision(ctx, tx, SchemaAgreement, id, a, s.now(), "", by)
		return err
	})
	return rev, err
}

// Agreements lists the agreements seen through f, oldest first.
func (s *Service) Agreements(ctx context.Context, f AgreementFilter, p Page) ([]*Agreement, error) {
	p = p.clean()
	w, args := f.where(nil)
	args = append(args, p.Limit, p.Offset)
	rows, err := s.db.QueryContext(ctx, `SELECT `+agreementColumns+` FROM consent_agreements`+w+
		` ORDER BY created_at, id LIMIT $`+itoa(len(args)-1)+` OFFSET $`+itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	var out []*Agreement
	for rows.Next() {
		a, err := scanAgreement(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, a := range out {
		if err := s.loadAttributes(ctx, s.db, a); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// AgreementRevision is one revision of an agreement (the one a record
// consented to).
func (s *Service) AgreementRevision(ctx context.Context, agreementID, id string) (*Revision, error) {
	return revision(ctx, s.db, SchemaAgreement, agreementID, id)
}

// AgreementRevisions lists an agreement's revisions, oldest first.
func (s *Service) AgreementRevisions(ctx context.Context, agreementID string) ([]*Revision, error) {
	return s.revisions(ctx, SchemaAgreement, agreementID, Page{Limit: MaxLimit})
}
