package govstack

import (
	"context"
	"database/sql"
	"errors"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
)

// Gateway members are organisations (INSTANCE/CLASS/MEMBER); egov's
// agencies are the catalog's. Nothing joins them, so the Registration
// block keeps an explicit link: the subsystems of a linked member work
// the applications of that agency's services (their tasks, reads,
// decisions). A member without a link is only a submitter.

// LinkAgency makes the gateway member (INSTANCE/CLASS/MEMBER) the
// catalog agency with the slug agency, replacing an earlier link.
func (s *Service) LinkAgency(ctx context.Context, member gateway.ClientID, agency string) error {
	if member.Validate() != nil || member.IsSubsystem() {
		return errs.E(errs.Invalid, "govstack.error.bad_member")
	}
	if _, err := s.catalog.Agency(agency); err != nil {
		return errs.E(errs.Invalid, "govstack.error.no_agency")
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO govstack_agency_members (member_id, agency) VALUES ($1, $2)
		ON CONFLICT (member_id) DO UPDATE SET agency = excluded.agency`, member.String(), agency)
	return err
}

// agencyOf is the agency the client subsystem's member is linked to, or
// "" for none.
func (s *Service) agencyOf(ctx context.Context, client gateway.ClientID) (string, error) {
	var agency string
	err := s.db.QueryRowContext(ctx, `SELECT agency FROM govstack_agency_members WHERE member_id = $1`,
		client.MemberID().String()).Scan(&agency)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return agency, err
}
