package consent

import (
	"context"
	"database/sql"
	"errors"

	"github.com/google/uuid"

	"github.com/egov/egov/internal/errs"
)

const policyColumns = `id, owner, name, version, url, jurisdiction, industry_sector, retention_days,
	geographic_restriction, storage_location, updated_at`

func scanPolicy(row scanner) (*Policy, error) {
	p := &Policy{}
	err := row.Scan(&p.ID, &p.Owner, &p.Name, &p.Version, &p.URL, &p.Jurisdiction, &p.IndustrySector, &p.RetentionDays,
		&p.GeographicRestriction, &p.StorageLocation, &p.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "consent.error.no_policy")
	}
	return p, err
}

// CreatePolicy adds a policy of org, with its first revision; by names
// the calling system.
func (s *Service) CreatePolicy(ctx context.Context, org, by string, p Policy) (*Policy, *Revision, error) {
	if err := p.Validate(); err != nil {
		return nil, nil, err
	}
	p.ID, p.Owner, p.UpdatedAt = uuid.NewString(), org, s.now()
	var rev *Revision
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO consent_policies (`+policyColumns+`, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`, p.ID, org, p.Name, p.Version, p.URL, p.Jurisdiction,
			p.IndustrySector, p.RetentionDays, p.GeographicRestriction, p.StorageLocation, p.UpdatedAt); err != nil {
			return err
		}
		var err error
		rev, err = addRevision(ctx, tx, SchemaPolicy, p.ID, p, p.UpdatedAt, "", by)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return &p, rev, nil
}

// Policy is org's policy id (any organisation's for an empty org: the
// policy an agreement is made under is public) with its latest
// revision, or, with a revisionID, as that revision recorded it.
func (s *Service) Policy(ctx context.Context, org, id, revisionID string) (*Policy, *Revision, error) {
	p, err := scanPolicy(s.db.QueryRowContext(ctx, `SELECT `+policyColumns+` FROM consent_policies
		WHERE id = $1 AND (owner = $2 OR $3) AND NOT deleted`, id, org, org == ""))
	if err != nil {
		return nil, nil, err
	}
	rev, err := revision(ctx, s.db, SchemaPolicy, id, revisionID)
	if err != nil || revisionID == "" {
		return p, rev, err
	}
	old := &Policy{Owner: p.Owner, UpdatedAt: rev.At}
	return old, rev, objectAt(rev, old)
}

// UpdatePolicy changes org's policy; agreements keep the revision they
// were made under.
func (s *Service) UpdatePolicy(ctx context.Context, org, by, id string, p Policy) (*Policy, *Revision, error) {
	if err := p.Validate(); err != nil {
		return nil, nil, err
	}
	p.ID, p.Owner, p.UpdatedAt = id, org, s.now()
	var rev *Revision
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE consent_policies SET name = $1, version = $2, url = $3, jurisdiction = $4,
			industry_sector = $5, retention_days = $6, geographic_restriction = $7, storage_location = $8, updated_at = $9
			WHERE id = $10 AND owner = $11 AND NOT deleted`, p.Name, p.Version, p.URL, p.Jurisdiction, p.IndustrySector,
			p.RetentionDays, p.GeographicRestriction, p.StorageLocation, p.UpdatedAt, id, org)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "consent.error.no_policy")
		}
		rev, err = addRevision(ctx, tx, SchemaPolicy, id, p, p.UpdatedAt, "", by)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return &p, rev, nil
}

// DeletePolicy deletes org's policy, keeping its revisions (the last one
// records the deletion). A policy an active agreement refers to stays.
func (s *Service) DeletePolicy(ctx context.Context, org, by, id string) (*Revision, error) {
	var rev *Revision
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		p, err := scanPolicy(tx.QueryRowContext(ctx, `SELECT `+policyColumns+` FROM consent_policies
			WHERE id = $1 AND owner = $2 AND NOT deleted`, id, org))
		if err != nil {
			return err
		}
		var inUse bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM consent_agreements
			WHERE policy_id = $1 AND active AND NOT deleted)`, id).Scan(&inUse); err != nil {
			return err
		}
		if inUse {
			return errs.E(errs.Conflict, "consent.error.policy_in_use")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE consent_policies SET deleted = TRUE, updated_at = $1 WHERE id = $2`, s.now(), id); err != nil {
			return err
		}
		rev, err = addRevision(ctx, tx, SchemaPolicy, id, struct {
			*Policy
			Deleted bool `json:"deleted"`
		}{p, true}, s.now(), "", by)
		return err
	})
	return rev, err
}

// PolicyRevisions lists the revisions of org's policy, oldest first.
func (s *Service) PolicyRevisions(ctx context.Context, org, id string, p Page) (*Policy, []*Revision, error) {
	pol, _, err := s.Policy(ctx, org, id, "")
	if err != nil {
		return nil, nil, err
	}
	revs, err := s.revisions(ctx, SchemaPolicy, id, p)
	return pol, revs, err
}

// Policies lists org's policies, oldest first.
func (s *Service) Policies(ctx context.Context, org string, p Page) ([]*Policy, error) {
	p = p.clean()
	rows, err := s.db.QueryContext(ctx, `SELECT `+policyColumns+` FROM consent_policies WHERE owner = $1 AND NOT deleted
		ORDER BY created_at, id LIMIT $2 OFFSET $3`, org, p.Limit, p.Offset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Policy
	for rows.Next() {
		pol, err := scanPolicy(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, pol)
	}
	return out, rows.Err()
}
