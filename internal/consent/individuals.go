package consent

import (
	"context"
	"database/sql"
	"errors"

	"github.com/google/uuid"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

const individualColumns = `id, owner, external_id, external_id_type, identity_provider_id, COALESCE(fin, ''), created_at`

func scanIndividual(row scanner) (*Individual, error) {
	i := &Individual{}
	err := row.Scan(&i.ID, &i.Owner, &i.ExternalID, &i.ExternalIDType, &i.IdentityProviderID, &i.FIN, &i.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "consent.error.no_individual")
	}
	return i, err
}

// CreateIndividual adds an individual of org. An individual with the same
// external id and type is one person to the organisation: creating it
// again (or concurrently) answers the one there is.
func (s *Service) CreateIndividual(ctx context.Context, org string, in Individual) (*Individual, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	in.ID, in.Owner, in.CreatedAt = uuid.NewString(), org, s.now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO consent_individuals (id, owner, external_id, external_id_type, identity_provider_id, fin, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, in.ID, org, in.ExternalID, in.ExternalIDType, in.IdentityProviderID,
		nullable(in.FIN), in.CreatedAt)
	if store.IsUniqueViolation(err) {
		return scanIndividual(s.db.QueryRowContext(ctx, `SELECT `+individualColumns+` FROM consent_individuals
			WHERE owner = $1 AND external_id_type = $2 AND external_id = $3`, org, in.ExternalIDType, in.ExternalID))
	}
	if err != nil {
		return nil, err
	}
	return &in, nil
}

// Individual is org's individual id.
func (s *Service) Individual(ctx context.Context, org, id string) (*Individual, error) {
	return scanIndividual(s.db.QueryRowContext(ctx, `SELECT `+individualColumns+` FROM consent_individuals
		WHERE id = $1 AND owner = $2`, id, org))
}

// UpdateIndividual changes org's individual's external ids.
func (s *Service) UpdateIndividual(ctx context.Context, org, id string, in Individual) (*Individual, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE consent_individuals SET external_id = $1, external_id_type = $2,
		identity_provider_id = $3, fin = $4 WHERE id = $5 AND owner = $6`, in.ExternalID, in.ExternalIDType,
		in.IdentityProviderID, nullable(in.FIN), id, org)
	if store.IsUniqueViolation(err) {
		return nil, errs.E(errs.Conflict, "consent.error.individual_exists")
	}
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, errs.E(errs.NotFound, "consent.error.no_individual")
	}
	return s.Individual(ctx, org, id)
}

// Individuals lists org's individuals, oldest first.
func (s *Service) Individuals(ctx context.Context, org string, p Page) ([]*Individual, error) {
	p = p.clean()
	rows, err := s.db.QueryContext(ctx, `SELECT `+individualColumns+` FROM consent_individuals WHERE owner = $1
		ORDER BY created_at, id LIMIT $2 OFFSET $3`, org, p.Limit, p.Offset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Individual
	for rows.Next() {
		i, err := scanIndividual(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// FINOf is the FIN individual id maps to, if any, whichever organisation
// holds it (the gateway's data tracker is keyed by it).
func (s *Service) FINOf(ctx context.Context, id string) string {
	var fin string
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(fin, '') FROM consent_individuals WHERE id = $1`, id).Scan(&fin); err != nil {
		return ""
	}
	return fin
}
