package gateway

import (
	"context"
	"database/sql"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

// What the admin pages list and change. Every change goes through change,
// which writes it and its audit entry in one transaction.

// MemberEntry is a member with its subsystems.
type MemberEntry struct {
	ID         ClientID
	Name       string
	Subsystems []Subsystem
}

// Directory lists every member and its subsystems.
func (g *Gateway) Directory(ctx context.Context) ([]MemberEntry, error) {
	rows, err := g.db.QueryContext(ctx, `SELECT m.id, m.name, COALESCE(s.id, ''), COALESCE(s.name, '')
		FROM gateway_members m LEFT JOIN gateway_subsystems s ON s.member_id = m.id ORDER BY m.id, s.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MemberEntry
	for rows.Next() {
		var mid, mname, sid, sname string
		if err := rows.Scan(&mid, &mname, &sid, &sname); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID.String() != mid {
			id, err := ParseClientID(mid)
			if err != nil {
				return nil, err
			}
			out = append(out, MemberEntry{ID: id, Name: mname})
		}
		if sid != "" {
			id, err := ParseClientID(sid)
			if err != nil {
				return nil, err
			}
			m := &out[len(out)-1]
			m.Subsystems = append(m.Subsystems, Subsystem{ID: id, Name: sname, MemberName: mname})
		}
	}
	return out, rows.Err()
}

// AllServices lists every registered service.
func (g *Gateway) AllServices(ctx context.Context) ([]*Service, error) {
	ids, err := g.strings(ctx, `SELECT id FROM gateway_services ORDER BY id`)
	if err != nil {
		return nil, err
	}
	var out []*Service
	for _, id := range ids {
		sid, err := ParseServiceID(id)
		if err != nil {
			return nil, err
		}
		s, err := g.Service(ctx, sid)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Group is a local group with its members.
type Group struct {
	Code, Name string
	Members    []string
}

// Groups lists the local groups and their members.
func (g *Gateway) Groups(ctx context.Context) ([]Group, error) {
	rows, err := g.db.QueryContext(ctx, `SELECT gr.code, gr.name, COALESCE(m.client_id, '')
		FROM gateway_groups gr LEFT JOIN gateway_group_members m ON m.group_code = gr.code ORDER BY gr.code, m.client_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var code, name, member string
		if err := rows.Scan(&code, &name, &member); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].Code != code {
			out = append(out, Group{Code: code, Name: name})
		}
		if member != "" {
			out[len(out)-1].Members = append(out[len(out)-1].Members, member)
		}
	}
	return out, rows.Err()
}

// AccessRight is one grant of a service: to a subsystem, or to a group.
type AccessRight struct {
	Client    string // the subsystem, or ""
	Group     string // the group's code, or ""
	Endpoint  Endpoint
	GrantedAt time.Time
}

// AccessRights lists the grants of service.
func (g *Gateway) AccessRights(ctx context.Context, service ServiceID) ([]AccessRight, error) {
	rows, err := g.db.QueryContext(ctx, `SELECT client_id, '', method, path, granted_at FROM gateway_access WHERE service_id = $1
		UNION ALL SELECT '', group_code, method, path, granted_at FROM gateway_group_access WHERE service_id = $1
		ORDER BY 1, 2, 4, 3`, service.Unversioned().String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AccessRight
	for rows.Next() {
		var a AccessRight
		if err := rows.Scan(&a.Client, &a.Group, &a.Endpoint.Method, &a.Endpoint.Path, &a.GrantedAt); err != nil {
			return nil, err
		}
		a.GrantedAt = a.GrantedAt.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// APIKey is an issued key as the admin sees it: never the key itself.
type APIKey struct {
	ID        string // the first 16 hex digits of the key's SHA-256
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Keys lists the API keys of a subsystem, newest first.
func (g *Gateway) Keys(ctx context.Context, client ClientID) ([]APIKey, error) {
	rows, err := g.db.QueryContext(ctx, `SELECT key_hash, created_at, revoked_at FROM gateway_api_keys WHERE client_id = $1
		ORDER BY created_at DESC, key_hash`, client.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		var hash string
		var k APIKey
		var revoked sql.NullTime
		if err := rows.Scan(&hash, &k.CreatedAt, &revoked); err != nil {
			return nil, err
		}
		k.ID, k.CreatedAt = hash[:16], k.CreatedAt.UTC()
		if revoked.Valid {
			t := revoked.Time.UTC()
			k.RevokedAt = &t
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func revokeKeyByID(ctx context.Context, q store.Querier, client ClientID, id string) error {
	res, err := q.ExecContext(ctx, `UPDATE gateway_api_keys SET revoked_at = $3
		WHERE client_id = $1 AND substr(key_hash, 1, 16) = $2 AND revoked_at IS NULL`, client.String(), id, now())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.NotFound, "gateway.error.unknown_key")
	}
	return nil
}

func (g *Gateway) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := g.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// change runs fn and appends its audit entry (actor, action, object,
// detail) in one transaction, so no change goes unrecorded.
func (g *Gateway) change(ctx context.Context, actor, action, object string, detail map[string]string, fn func(q store.Querier) error) error {
	defer g.invalidate()
	return g.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: actor, Action: action, Object: object, Detail: detail})
		return err
	})
}
