package gateway

import (
	"context"
	"strings"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

// RegisterGroup adds a local group of client subsystems, or renames it.
func (g *Gateway) RegisterGroup(ctx context.Context, code, name string) error {
	defer g.invalidate()
	return registerGroup(ctx, g.db, code, name)
}

func registerGroup(ctx context.Context, q store.Querier, code, name string) error {
	if err := checkPart("group code", code); err != nil {
		return &errs.Error{Kind: errs.Invalid, Message: "gateway.error.bad_group", Err: err, Fields: map[string]string{"code": "gateway.error.bad_group"}}
	}
	_, err := q.ExecContext(ctx, `INSERT INTO gateway_groups (code, name, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name`, code, name, now())
	return err
}

// AddToGroup makes the client subsystem a member of the group.
func (g *Gateway) AddToGroup(ctx context.Context, code string, client ClientID) error {
	defer g.invalidate()
	return addToGroup(ctx, g.db, code, client)
}

func addToGroup(ctx context.Context, q store.Querier, code string, client ClientID) error {
	res, err := q.ExecContext(ctx, `INSERT INTO gateway_group_members (group_code, client_id)
		SELECT gr.code, s.id FROM gateway_groups gr, gateway_subsystems s WHERE gr.code = $1 AND s.id = $2
		ON CONFLICT DO NOTHING`, code, client.String())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		ok, err := existsIn(ctx, q, `SELECT 1 FROM gateway_group_members WHERE group_code = $1 AND client_id = $2`, code, client.String())
		if err != nil {
			return err
		}
		if !ok {
			return errs.E(errs.NotFound, "gateway.error.unknown_group_or_client")
		}
	}
	return nil
}

// RemoveFromGroup ends the client's membership of the group.
func (g *Gateway) RemoveFromGroup(ctx context.Context, code string, client ClientID) error {
	defer g.invalidate()
	return removeFromGroup(ctx, g.db, code, client)
}

// removeFromGroup takes client out of the group; a client not in it is
// not found.
func removeFromGroup(ctx context.Context, q store.Querier, code string, client ClientID) error {
	res, err := q.ExecContext(ctx, `DELETE FROM gateway_group_members WHERE group_code = $1 AND client_id = $2`, code, client.String())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.NotFound, "gateway.error.not_in_group")
	}
	return nil
}

// GrantGroup lets every member of the group call endpoint e of service.
func (g *Gateway) GrantGroup(ctx context.Context, code string, service ServiceID, e Endpoint) error {
	defer g.invalidate()
	return grantGroup(ctx, g.db, code, service, e)
}

func grantGroup(ctx context.Context, q store.Querier, code string, service ServiceID, e Endpoint) error {
	if err := e.validate(); err != nil {
		return &errs.Error{Kind: errs.Invalid, Message: "gateway.error.bad_endpoint", Err: err}
	}
	res, err := q.ExecContext(ctx, `INSERT INTO gateway_group_access (service_id, group_code, method, path, granted_at)
		SELECT s.id, gr.code, $3, $4, $5 FROM gateway_services s, gateway_groups gr WHERE s.id = $1 AND gr.code = $2
		ON CONFLICT DO NOTHING`, service.Unversioned().String(), code, strings.ToUpper(e.Method), e.Path, now())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		ok, err := existsIn(ctx, q, `SELECT 1 FROM gateway_group_access WHERE service_id = $1 AND group_code = $2 AND method = $3 AND path = $4`,
			service.Unversioned().String(), code, strings.ToUpper(e.Method), e.Path)
		if err != nil {
			return err
		}
		if !ok {
			return errs.E(errs.NotFound, "gateway.error.unknown_service_or_group")
		}
	}
	return nil
}

// RevokeGroup takes back exactly the grant GrantGroup made.
func (g *Gateway) RevokeGroup(ctx context.Context, code string, service ServiceID, e Endpoint) error {
	defer g.invalidate()
	return revokeGroup(ctx, g.db, code, service, e)
}

func revokeGroup(ctx context.Context, q store.Querier, code string, service ServiceID, e Endpoint) error {
	_, err := q.ExecContext(ctx, `DELETE FROM gateway_group_access WHERE service_id = $1 AND group_code = $2 AND method = $3 AND path = $4`,
		service.Unversioned().String(), code, strings.ToUpper(e.Method), e.Path)
	return err
}
