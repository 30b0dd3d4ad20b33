package govstack

import (
	"context"
	"database/sql"
	"errors"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/store"
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
	return linkAgency(ctx, s.db, member, agency)
}

func linkAgency(ctx context.Context, q store.Querier, member gateway.ClientID, agency string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO govstack_agency_members (member_id, agency) VALUES ($1, $2)
		ON CONFLICT (member_id) DO UPDATE SET agency = excluded.agency`, member.String(), agency)
	return err
}

// AgencyLink is a gateway member acting for a catalog agency.
type AgencyLink struct {
	Member gateway.ClientID
	Agency string // the catalog agency's slug
}

// AgencyLinks lists the links, by member.
func (s *Service) AgencyLinks(ctx context.Context) ([]AgencyLink, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT member_id, agency FROM govstack_agency_members ORDER BY member_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var links []AgencyLink
	for rows.Next() {
		var member, agency string
		if err := rows.Scan(&member, &agency); err != nil {
			return nil, err
		}
		id, err := gateway.ParseClientID(member)
		if err != nil {
			return nil, err
		}
		links = append(links, AgencyLink{Member: id, Agency: agency})
	}
	return links, rows.Err()
}

// UnlinkAgency makes the member only a submitter again; NotFound if it
// was not linked.
func (s *Service) UnlinkAgency(ctx context.Context, member gateway.ClientID) error {
	return unlinkAgency(ctx, s.db, member)
}

func unlinkAgency(ctx context.Context, q store.Querier, member gateway.ClientID) error {
	res, err := q.ExecContext(ctx, `DELETE FROM govstack_agency_members WHERE member_id = $1`, member.String())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err == nil {
			err = errs.E(errs.NotFound, "govstack.admin.error.not_linked")
		}
		return err
	}
	return nil
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
