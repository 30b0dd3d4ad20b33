package documents

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/seal"
	"github.com/egov/egov/internal/store"
)

// JWK is one public key of the set, as RFC 7517 describes an EC key, with
// the issuing agency and, for a revoked key, when and why.
type JWK struct {
	Kty    string `json:"kty"`
	Crv    string `json:"crv"`
	X      string `json:"x"`
	Y      string `json:"y"`
	Kid    string `json:"kid"`
	Use    string `json:"use"`
	Alg    string `json:"alg"`
	Agency string `json:"agency"`
	// Revoked is when the key was revoked (RFC 3339), "" while it is not;
	// everything it signed reads revoked.
	Revoked      string `json:"revoked,omitempty"`
	RevokeReason string `json:"revoke_reason,omitempty"`
}

// JWKS is the public key set published at
// /.well-known/egov-document-keys.json.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// Key finds the key kid, or nil.
func (s JWKS) Key(kid string) *JWK {
	for i := range s.Keys {
		if s.Keys[i].Kid == kid {
			return &s.Keys[i]
		}
	}
	return nil
}

// PublicKey decodes the key; it must be a P-256 point.
func (k JWK) PublicKey() (*ecdsa.PublicKey, error) {
	if k.Kty != "EC" || k.Crv != "P-256" {
		return nil, fmt.Errorf("documents: key %q is not an EC P-256 key", k.Kid)
	}
	x, err1 := b64.DecodeString(k.X)
	y, err2 := b64.DecodeString(k.Y)
	if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
		return nil, fmt.Errorf("documents: key %q: bad coordinates", k.Kid)
	}
	return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
}

func jwkOf(pub *ecdsa.PublicKey, agency string) (JWK, error) {
	b, err := pub.Bytes()
	if err != nil {
		return JWK{}, err
	}
	k := JWK{Kty: "EC", Crv: "P-256", X: b64.EncodeToString(b[1:33]), Y: b64.EncodeToString(b[33:65]),
		Use: "sig", Alg: "ES256", Agency: agency}
	// The kid is the RFC 7638 thumbprint, shortened to 96 bits to keep
	// the QR code small.
	tp := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + k.X + `","y":"` + k.Y + `"}`))
	k.Kid = b64.EncodeToString(tp[:12])
	return k, nil
}

// Key is a signing key as the store keeps it.
type Key struct {
	KID          string
	Agency       string
	JWK          JWK
	CreatedAt    time.Time
	RetiredAt    *time.Time // when a newer key took over signing
	RevokedAt    *time.Time
	RevokeReason string
	sealed       string
}

// sealer seals private keys at rest (package seal), each bound to its kid.
type sealer struct{ s *seal.Sealer }

func newSealer(key []byte) (*sealer, error) {
	s, err := seal.New(key)
	if err != nil {
		return nil, errors.New("documents: Config.KeyEncryptionKey must be 32 bytes")
	}
	return &sealer{s: s}, nil
}

func (s *sealer) seal(kid string, plain []byte) string { return s.s.Seal(kid, plain) }

func (s *sealer) open(kid, sealed string) ([]byte, error) {
	plain, err := s.s.Open(kid, sealed)
	if err != nil {
		return nil, fmt.Errorf("documents: key %s: %w", kid, err)
	}
	return plain, nil
}

const keyColumns = `kid, agency, public_jwk, private_sealed, created_at, retired_at, revoked_at, revoke_reason`

func scanKey(row interface{ Scan(...any) error }) (*Key, error) {
	var (
		k        Key
		jwk      string
		ret, rev sql.NullTime
	)
	if err := row.Scan(&k.KID, &k.Agency, &jwk, &k.sealed, &k.CreatedAt, &ret, &rev, &k.RevokeReason); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(jwk), &k.JWK); err != nil {
		return nil, fmt.Errorf("documents: key %s: %w", k.KID, err)
	}
	k.CreatedAt = k.CreatedAt.UTC()
	k.RetiredAt, k.RevokedAt = timePtr(ret), timePtr(rev)
	return &k, nil
}

// Keys lists every signing key, newest first.
func (s *Service) Keys(ctx context.Context) ([]*Key, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+keyColumns+` FROM documents_keys ORDER BY created_at DESC, kid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// JWKS is the public key set: every key ever used, so that documents
// signed by a rotated-out key still verify, with revoked keys marked.
func (s *Service) JWKS(ctx context.Context) (JWKS, error) {
	keys, err := s.Keys(ctx)
	if err != nil {
		return JWKS{}, err
	}
	set := JWKS{Keys: []JWK{}}
	for _, k := range keys {
		j := k.JWK
		if k.RevokedAt != nil {
			j.Revoked, j.RevokeReason = k.RevokedAt.Format(time.RFC3339), k.RevokeReason
		}
		set.Keys = append(set.Keys, j)
	}
	return set, nil
}

func (s *Service) key(ctx context.Context, q querier, kid string) (*Key, error) {
	k, err := scanKey(q.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM documents_keys WHERE kid = $1`, kid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return k, err
}

// Rotate makes a new signing key for agency. Documents issued from now
// on are signed with it; the old key stays in the set for verification.
func (s *Service) Rotate(ctx context.Context, by, agency string) (*Key, error) {
	if agency == "" {
		return nil, errs.E(errs.Invalid, "documents.error.agency_required")
	}
	var k *Key
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE documents_keys SET retired_at = $1 WHERE agency = $2 AND retired_at IS NULL`,
			s.now(), agency); err != nil {
			return err
		}
		var err error
		if k, err = s.insertKey(ctx, tx, agency); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: by, Action: "document_key.rotate", Object: "document_key:" + k.KID,
			Detail: map[string]string{"agency": agency}})
		return err
	})
	return k, err
}

func (s *Service) insertKey(ctx context.Context, q querier, agency string) (*Key, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	jwk, err := jwkOf(&priv.PublicKey, agency)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	k := &Key{KID: jwk.Kid, Agency: agency, JWK: jwk, CreatedAt: s.now(), sealed: s.sealer.seal(jwk.Kid, der)}
	pub, _ := json.Marshal(jwk)
	if _, err := q.ExecContext(ctx, `INSERT INTO documents_keys (kid, agency, public_jwk, private_sealed, created_at)
		VALUES ($1, $2, $3, $4, $5)`, k.KID, agency, string(pub), k.sealed, k.CreatedAt); err != nil {
		return nil, err
	}
	return k, nil
}

// RevokeKey revokes key kid: every document it signed reads revoked, and
// the agency's next document is signed by a new key.
func (s *Service) RevokeKey(ctx context.Context, by, kid, reason string) error {
	if reason = clean(reason); reason == "" {
		return errs.E(errs.Invalid, "documents.error.reason_required").Field("reason", "documents.error.reason_required")
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE documents_keys SET revoked_at = $1, revoke_reason = $2,
			retired_at = COALESCE(retired_at, $1) WHERE kid = $3 AND revoked_at IS NULL`, now, reason, kid)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "documents.error.key_not_found")
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: by, Action: "document_key.revoke", Object: "document_key:" + kid})
		return err
	})
}

// signingKey is agency's current key, made on first use.
func (s *Service) signingKey(ctx context.Context, agency string) (*Key, *ecdsa.PrivateKey, error) {
	for attempt := 0; ; attempt++ {
		k, err := scanKey(s.db.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM documents_keys
			WHERE agency = $1 AND retired_at IS NULL`, agency))
		if errors.Is(err, sql.ErrNoRows) {
			k, err = s.insertKey(ctx, s.db, agency)
			if store.IsUniqueViolation(err) && attempt < 3 {
				continue // another request made it first
			}
		}
		if err != nil {
			return nil, nil, err
		}
		der, err := s.sealer.open(k.KID, k.sealed)
		if err != nil {
			return nil, nil, err
		}
		pk, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, nil, fmt.Errorf("documents: key %s: %w", k.KID, err)
		}
		priv, ok := pk.(*ecdsa.PrivateKey)
		if !ok {
			return nil, nil, fmt.Errorf("documents: key %s is not ECDSA", k.KID)
		}
		return k, priv, nil
	}
}
