package applications

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/web"
)

// RoleAgencySystem is the role of an agency's own information system
// calling /api/v1 with an API key.
const RoleAgencySystem = identity.RoleAgencySystem

// APIKey is a key an agency's system uses for /api/v1; only its hash is
// kept.
type APIKey struct {
	ID        int64
	Agency    string
	Name      string
	Test      bool // a test key: checked like a live one, never reaches a person
	CreatedBy string
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Live keys start egk_, test keys egk_test_, so a key's kind shows at a
// glance in a configuration file.
const (
	keyPrefix     = "egk_"
	testKeyPrefix = "egk_test_"
)

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// CreateKey makes a key for a system of the supervisor's agency and
// returns it, the only time it is shown.
func (s *Service) CreateKey(ctx context.Context, actor Actor, name string, test bool) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 100 {
		return "", errs.E(errs.Invalid, "applications.error.key_name").Field("name", "applications.error.key_name")
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	key := keyPrefix + base64.RawURLEncoding.EncodeToString(raw)
	if test {
		key = testKeyPrefix + base64.RawURLEncoding.EncodeToString(raw)
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO application_api_keys (agency, name, test, key_hash, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, actor.Agency, name, boolInt(test), hashKey(key), actor.ID, s.now()).Scan(&id); err != nil {
			return err
		}
		return s.auditStaffObject(ctx, tx, actor, "apikey.create", "apikey:"+itoa(id), map[string]string{"agency": actor.Agency, "name": name})
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// Keys lists the keys of the official's agency.
func (s *Service) Keys(ctx context.Context, actor Actor) ([]APIKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, agency, name, test, created_by, created_at, revoked_at FROM application_api_keys
		WHERE agency = $1 ORDER BY id DESC`, actor.Agency)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		var k APIKey
		var revoked sql.NullTime
		var test int
		if err := rows.Scan(&k.ID, &k.Agency, &k.Name, &test, &k.CreatedBy, &k.CreatedAt, &revoked); err != nil {
			return nil, err
		}
		k.Test = test == 1
		k.RevokedAt = timePtr(revoked)
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeKey stops a key of the supervisor's agency from working at once.
func (s *Service) RevokeKey(ctx context.Context, actor Actor, id int64) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE application_api_keys SET revoked_at = $1 WHERE id = $2 AND agency = $3
			AND revoked_at IS NULL`, s.now(), id, actor.Agency)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.NotFound, "applications.error.not_found")
		}
		return s.auditStaffObject(ctx, tx, actor, "apikey.revoke", "apikey:"+itoa(id), map[string]string{"agency": actor.Agency})
	})
}

// ResolveKey is the principal of an API key, or nil for an unknown or
// revoked one. It is the site's ResolveBearer.
func (s *Service) ResolveKey(ctx context.Context, key string) (*web.Principal, error) {
	if (!strings.HasPrefix(key, keyPrefix) && !strings.HasPrefix(key, testKeyPrefix)) || len(key) > 100 {
		return nil, nil
	}
	var k APIKey
	var test int
	err := s.db.QueryRowContext(ctx, `SELECT id, agency, name, test FROM application_api_keys WHERE key_hash = $1
		AND revoked_at IS NULL`, hashKey(key)).Scan(&k.ID, &k.Agency, &k.Name, &test)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	kind := "live"
	if test == 1 {
		kind = "test"
	}
	return &web.Principal{Subject: "apikey:" + kind + ":" + itoa(k.ID), Name: k.Agency + "/" + k.Name,
		Roles: []string{RoleAgencySystem}, Agency: k.Agency}, nil
}

func (s *Service) auditStaffObject(ctx context.Context, tx *sql.Tx, actor Actor, action, object string, detail map[string]string) error {
	_, err := audit.Append(ctx, tx, audit.Entry{Actor: actor.Kind + ":" + actor.ID, Action: action, Object: object, Detail: detail})
	return err
}
