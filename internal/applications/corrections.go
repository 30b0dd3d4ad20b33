package applications

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/egov/egov/internal/errs"
)

// registryAgency is the agency that keeps each base registry, which
// receives the corrections people report.
var registryAgency = map[string]string{
	"population": "internal-affairs",
	"vehicles":   "internal-affairs",
	"business":   "tax",
}

// ReportCorrection records the applicant's report that a value filled in
// from a registry is wrong, for the agency that keeps that registry.
func (s *Service) ReportCorrection(ctx context.Context, actor Actor, a *Application, field, says string) (*Correction, error) {
	says = strings.TrimSpace(says)
	if says == "" {
		return nil, errs.E(errs.Invalid, "applications.error.says").Field("says", "applications.error.says")
	}
	if len([]rune(says)) > 1000 {
		return nil, errs.E(errs.Invalid, "applications.error.message_long").Field("says", "applications.error.message_long")
	}
	p, ok := a.Prefilled[field]
	if !ok || actor.AccountID != a.AccountID {
		return nil, errs.E(errs.NotFound, "applications.error.not_found")
	}
	c := &Correction{AccountID: a.AccountID, FIN: a.FIN, Attribute: p.Source, Value: p.Value, Says: says,
		Agency: registryAgency[registryOf(p.Source)], Status: CorrectionOpen, CreatedAt: s.now()}
	if c.Agency == "" {
		return nil, errs.E(errs.Invalid, "applications.error.no_registry")
	}
	err := s.db.QueryRowContext(ctx, `INSERT INTO application_corrections (account_id, fin, attribute, value, says, agency,
		status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		c.AccountID, c.FIN, c.Attribute, c.Value, c.Says, c.Agency, c.Status, c.CreatedAt).Scan(&c.ID)
	return c, err
}

const correctionColumns = `id, account_id, fin, attribute, value, says, agency, status, resolution, created_at, resolved_at`

func scanCorrection(row interface{ Scan(...any) error }) (*Correction, error) {
	var c Correction
	var resolved sql.NullTime
	if err := row.Scan(&c.ID, &c.AccountID, &c.FIN, &c.Attribute, &c.Value, &c.Says, &c.Agency, &c.Status,
		&c.Resolution, &c.CreatedAt, &resolved); err != nil {
		return nil, err
	}
	c.CreatedAt, c.ResolvedAt = c.CreatedAt.UTC(), timePtr(resolved)
	return &c, nil
}

// Corrections lists the corrections reported to the official's agency,
// open ones first.
func (s *Service) Corrections(ctx context.Context, actor Actor) ([]*Correction, error) {
	return s.listCorrections(ctx, `agency = $1 ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, created_at DESC`, actor.Agency)
}

// MyCorrections lists what the person reported.
func (s *Service) MyCorrections(ctx context.Context, actor Actor) ([]*Correction, error) {
	return s.listCorrections(ctx, `account_id = $1 ORDER BY created_at DESC`, actor.AccountID)
}

func (s *Service) listCorrections(ctx context.Context, whereOrder string, arg any) ([]*Correction, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+correctionColumns+` FROM application_corrections WHERE `+whereOrder+` LIMIT 200`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Correction
	for rows.Next() {
		c, err := scanCorrection(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ResolveCorrection closes a correction of the official's agency with
// what was done.
func (s *Service) ResolveCorrection(ctx context.Context, actor Actor, id int64, resolution string) error {
	resolution = strings.TrimSpace(resolution)
	if resolution == "" {
		return errs.E(errs.Invalid, "applications.error.resolution").Field("resolution", "applications.error.resolution")
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		c, err := scanCorrection(tx.QueryRowContext(ctx, `SELECT `+correctionColumns+` FROM application_corrections
			WHERE id = $1 AND agency = $2`, id, actor.Agency))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "applications.error.not_found")
		}
		if err != nil {
			return err
		}
		if c.Status != CorrectionOpen {
			return errs.E(errs.Conflict, "applications.error.closed")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE application_corrections SET status = $1, resolution = $2, resolved_at = $3
			WHERE id = $4`, CorrectionResolved, resolution, s.now(), id); err != nil {
			return err
		}
		return s.auditStaffObject(ctx, tx, actor, "correction.resolve", "correction:"+itoa(id), map[string]string{"agency": c.Agency})
	})
}

// Registry is the register the corrected value comes from.
func (c *Correction) Registry() string { return registryOf(c.Attribute) }
