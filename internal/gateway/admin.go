package gateway

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

// Service is a registered service with its endpoints.
type Service struct {
	ID        ServiceID
	Title     string
	BasePath  string // the provider path the service's root maps to
	Endpoints []Endpoint
	OpenAPI   []byte
	// ProviderURL is where the provider listens over HTTP, for a service
	// registered without an in-process provider ("" for those).
	ProviderURL string
}

// ServiceDef is what the admin registers a service with.
type ServiceDef struct {
	ID ServiceID
	// BasePath is the provider's path the service maps to: a call to
	// /r1/{service}/rest goes to the provider as BasePath + /rest.
	BasePath string
	// OpenAPI is the provider's OpenAPI 3 description (JSON); its paths
	// under BasePath are the service's endpoints.
	OpenAPI []byte
	// Provider serves the service in process (nil: attach it later).
	Provider http.Handler
	// ProviderURL is the provider's base URL (http or https), used when
	// no Provider is attached in process.
	ProviderURL string
}

// RegisterMember adds a member (INSTANCE/CLASS/MEMBER) or renames it.
func (g *Gateway) RegisterMember(ctx context.Context, id ClientID, name string) error {
	defer g.invalidate()
	return registerMember(ctx, g.db, id, name)
}

func registerMember(ctx context.Context, q store.Querier, id ClientID, name string) error {
	if err := id.Validate(); err != nil || id.IsSubsystem() {
		return errs.E(errs.Invalid, "gateway.error.bad_member").Field("id", "gateway.error.bad_member")
	}
	_, err := q.ExecContext(ctx, `INSERT INTO gateway_members (id, instance, class, code, name, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET name = excluded.name`,
		id.String(), id.Instance, id.Class, id.Member, name, now())
	return err
}

// RegisterSubsystem adds a subsystem of a registered member, or renames it.
func (g *Gateway) RegisterSubsystem(ctx context.Context, id ClientID, name string) error {
	defer g.invalidate()
	return registerSubsystem(ctx, g.db, id, name)
}

func registerSubsystem(ctx context.Context, q store.Querier, id ClientID, name string) error {
	if err := id.Validate(); err != nil || !id.IsSubsystem() {
		return errs.E(errs.Invalid, "gateway.error.bad_subsystem").Field("id", "gateway.error.bad_subsystem")
	}
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM gateway_members WHERE id = $1`, id.MemberID().String()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotFound, "gateway.error.unknown_member")
	}
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO gateway_subsystems (id, member_id, code, name, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET name = excluded.name`,
		id.String(), id.MemberID().String(), id.Subsystem, name, now())
	return err
}

// RegisterService adds or replaces a service of a registered subsystem,
// its endpoints taken from the OpenAPI description, and attaches its
// provider. Access rights already granted stay.
func (g *Gateway) RegisterService(ctx context.Context, def ServiceDef) (*Service, error) {
	defer g.invalidate()
	var svc *Service
	err := g.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		svc, err = registerService(ctx, tx, def)
		return err
	})
	if err != nil {
		return nil, err
	}
	g.attach(svc, def.Provider)
	return svc, nil
}

func registerService(ctx context.Context, tx store.Querier, def ServiceDef) (*Service, error) {
	if err := def.ID.Validate(); err != nil {
		return nil, errs.E(errs.Invalid, "gateway.error.bad_service").Field("id", "gateway.error.bad_service")
	}
	if def.BasePath != "" && (!strings.HasPrefix(def.BasePath, "/") || strings.Contains(def.BasePath, "..")) {
		return nil, errs.E(errs.Invalid, "gateway.error.bad_base_path").Field("base_path", "gateway.error.bad_base_path")
	}
	spec, err := parseOpenAPI(def.OpenAPI, def.BasePath)
	if err != nil {
		return nil, &errs.Error{Kind: errs.Invalid, Message: "gateway.error.bad_openapi", Err: err}
	}
	id := def.ID.Unversioned()
	version := def.ID.Version
	if def.ProviderURL != "" {
		if u, err := url.Parse(def.ProviderURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return nil, errs.E(errs.Invalid, "gateway.error.bad_provider_url").Field("provider_url", "gateway.error.bad_provider_url")
		}
	}
	svc := &Service{ID: def.ID, Title: spec.Title, BasePath: def.BasePath, Endpoints: spec.Endpoints, OpenAPI: def.OpenAPI, ProviderURL: def.ProviderURL}
	err = func() error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM gateway_subsystems WHERE id = $1`, id.Provider.String()).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "gateway.error.unknown_subsystem")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO gateway_services (id, subsystem_id, code, version, title, base_path, openapi, updated_at, provider_url)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (id) DO UPDATE SET version = excluded.version, title = excluded.title,
				base_path = excluded.base_path, openapi = excluded.openapi, updated_at = excluded.updated_at, provider_url = excluded.provider_url`,
			id.String(), id.Provider.String(), id.Code, version, spec.Title, def.BasePath, string(def.OpenAPI), now(), def.ProviderURL); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM gateway_endpoints WHERE service_id = $1`, id.String()); err != nil {
			return err
		}
		for _, e := range spec.Endpoints {
			if _, err := tx.ExecContext(ctx, `INSERT INTO gateway_endpoints (service_id, method, path) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, id.String(), e.Method, e.Path); err != nil {
				return err
			}
		}
		return nil
	}()
	if err != nil {
		return nil, err
	}
	return svc, nil
}

// Grant lets the client subsystem call endpoint e of service (AllEndpoints
// for the whole service). Granting twice is harmless.
func (g *Gateway) Grant(ctx context.Context, client ClientID, service ServiceID, e Endpoint) error {
	defer g.invalidate()
	return grant(ctx, g.db, client, service, e)
}

func grant(ctx context.Context, q store.Querier, client ClientID, service ServiceID, e Endpoint) error {
	if err := client.Validate(); err != nil || !client.IsSubsystem() {
		return errs.E(errs.Invalid, "gateway.error.bad_subsystem").Field("client", "gateway.error.bad_subsystem")
	}
	if err := e.validate(); err != nil {
		return &errs.Error{Kind: errs.Invalid, Message: "gateway.error.bad_endpoint", Err: err}
	}
	_, err := q.ExecContext(ctx, `INSERT INTO gateway_access (service_id, client_id, method, path, granted_at)
		SELECT s.id, c.id, $3, $4, $5 FROM gateway_services s, gateway_subsystems c WHERE s.id = $1 AND c.id = $2
		ON CONFLICT DO NOTHING`,
		service.Unversioned().String(), client.String(), strings.ToUpper(e.Method), e.Path, now())
	if err != nil {
		return err
	}
	ok, err := existsIn(ctx, q, `SELECT 1 FROM gateway_access WHERE service_id = $1 AND client_id = $2 AND method = $3 AND path = $4`,
		service.Unversioned().String(), client.String(), strings.ToUpper(e.Method), e.Path)
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.NotFound, "gateway.error.unknown_service_or_client")
	}
	return nil
}

// Revoke takes back exactly the grant Grant made with the same arguments.
func (g *Gateway) Revoke(ctx context.Context, client ClientID, service ServiceID, e Endpoint) error {
	defer g.invalidate()
	return revoke(ctx, g.db, client, service, e)
}

func revoke(ctx context.Context, q store.Querier, client ClientID, service ServiceID, e Endpoint) error {
	_, err := q.ExecContext(ctx, `DELETE FROM gateway_access WHERE service_id = $1 AND client_id = $2 AND method = $3 AND path = $4`,
		service.Unversioned().String(), client.String(), strings.ToUpper(e.Method), e.Path)
	return err
}

// IssueKey issues a new API key for the client subsystem to call /r1/
// over HTTP (header X-Egov-Api-Key). The key is returned once; only its
// hash is stored.
func (g *Gateway) IssueKey(ctx context.Context, client ClientID) (string, error) {
	defer g.invalidate()
	return issueKey(ctx, g.db, client)
}

func issueKey(ctx context.Context, q store.Querier, client ClientID) (string, error) {
	raw := make([]byte, 32)
	rand.Read(raw)
	key := "egk_" + base64.RawURLEncoding.EncodeToString(raw)
	res, err := q.ExecContext(ctx, `INSERT INTO gateway_api_keys (key_hash, client_id, created_at)
		SELECT $1, id, $3 FROM gateway_subsystems WHERE id = $2`, keyHash(key), client.String(), now())
	if err != nil {
		return "", err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return "", errs.E(errs.NotFound, "gateway.error.unknown_subsystem")
	}
	return key, nil
}

// RevokeKey stops key from authenticating.
func (g *Gateway) RevokeKey(ctx context.Context, key string) error {
	defer g.invalidate()
	_, err := g.db.ExecContext(ctx, `UPDATE gateway_api_keys SET revoked_at = $2 WHERE key_hash = $1 AND revoked_at IS NULL`, keyHash(key), now())
	return err
}

func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// keyClient is the subsystem a live key belongs to, or "".
func (g *Gateway) keyClient(ctx context.Context, key string) (string, error) {
	hash := keyHash(key)
	return cached(g, "key|"+hash, func() (string, error) {
		var client string
		err := g.db.QueryRowContext(ctx, `SELECT client_id FROM gateway_api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, hash).Scan(&client)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return client, err
	})
}

func (g *Gateway) exists(ctx context.Context, query string, args ...any) (bool, error) {
	return existsIn(ctx, g.db, query, args...)
}

func existsIn(ctx context.Context, q store.Querier, query string, args ...any) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Service returns a registered service, or an errs.NotFound. The answer
// may be cached (cache.go): do not change it.
func (g *Gateway) Service(ctx context.Context, id ServiceID) (*Service, error) {
	return cached(g, "service|"+id.Unversioned().String(), func() (*Service, error) { return g.loadService(ctx, id) })
}

func (g *Gateway) loadService(ctx context.Context, id ServiceID) (*Service, error) {
	var s Service
	var sid, version, openapi string
	err := g.db.QueryRowContext(ctx, `SELECT id, version, title, base_path, openapi, provider_url FROM gateway_services WHERE id = $1`,
		id.Unversioned().String()).Scan(&sid, &version, &s.Title, &s.BasePath, &openapi, &s.ProviderURL)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "gateway.error.unknown_service")
	}
	if err != nil {
		return nil, err
	}
	s.ID, err = ParseServiceID(sid)
	if err != nil {
		return nil, fmt.Errorf("gateway: stored service id %q: %w", sid, err)
	}
	s.ID.Version = version
	s.OpenAPI = []byte(openapi)
	rows, err := g.db.QueryContext(ctx, `SELECT method, path FROM gateway_endpoints WHERE service_id = $1 ORDER BY path, method`, sid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e Endpoint
		if err := rows.Scan(&e.Method, &e.Path); err != nil {
			return nil, err
		}
		s.Endpoints = append(s.Endpoints, e)
	}
	return &s, rows.Err()
}

// Services lists the services of a provider subsystem.
func (g *Gateway) Services(ctx context.Context, provider ClientID) ([]*Service, error) {
	rows, err := g.db.QueryContext(ctx, `SELECT id FROM gateway_services WHERE subsystem_id = $1 ORDER BY code`, provider.String())
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
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

// grants lists the endpoints of service granted to client, directly or
// through its groups.
func (g *Gateway) grants(ctx context.Context, client ClientID, service ServiceID) ([]Endpoint, error) {
	return cached(g, "grants|"+client.String()+"|"+service.Unversioned().String(), func() ([]Endpoint, error) {
		return g.loadGrants(ctx, client, service)
	})
}

func (g *Gateway) loadGrants(ctx context.Context, client ClientID, service ServiceID) ([]Endpoint, error) {
	rows, err := g.db.QueryContext(ctx, `SELECT method, path FROM gateway_access WHERE service_id = $1 AND client_id = $2
		UNION SELECT a.method, a.path FROM gateway_group_access a JOIN gateway_group_members m ON m.group_code = a.group_code
		WHERE a.service_id = $1 AND m.client_id = $2`,
		service.Unversioned().String(), client.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Endpoint
	for rows.Next() {
		var e Endpoint
		if err := rows.Scan(&e.Method, &e.Path); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Allowed reports whether client may call method and path (relative to
// the service) of service.
func (g *Gateway) Allowed(ctx context.Context, client ClientID, service ServiceID, method, path string) (bool, error) {
	grants, err := g.grants(ctx, client, service)
	if err != nil {
		return false, err
	}
	for _, e := range grants {
		if e.Matches(method, path) {
			return true, nil
		}
	}
	return false, nil
}

// Subsystem is a registered subsystem (or member) with its name.
type Subsystem struct {
	ID         ClientID
	Name       string
	MemberName string
}

// Clients lists the registered members and subsystems of instance.
func (g *Gateway) Clients(ctx context.Context, instance string) ([]Subsystem, error) {
	rows, err := g.db.QueryContext(ctx, `SELECT m.id, m.name, '' FROM gateway_members m WHERE m.instance = $1
		UNION ALL SELECT s.id, m.name, s.name FROM gateway_subsystems s JOIN gateway_members m ON m.id = s.member_id WHERE m.instance = $1
		ORDER BY 1`, instance)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Subsystem
	for rows.Next() {
		var id, member, name string
		if err := rows.Scan(&id, &member, &name); err != nil {
			return nil, err
		}
		c, err := ParseClientID(id)
		if err != nil {
			return nil, err
		}
		out = append(out, Subsystem{ID: c, Name: name, MemberName: member})
	}
	return out, rows.Err()
}
