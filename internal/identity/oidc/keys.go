package oidc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/seal"
	"github.com/egov/egov/internal/store"
)

// secrets are the keys derived from Config.Key, each for one purpose.
type secrets struct {
	keys    *seal.Sealer // encrypts signing keys at rest
	op      [32]byte     // the op package's access-token encryption
	subject []byte       // pairwise subjects
}

func derive(master []byte, purpose string) [32]byte {
	return [32]byte(seal.DeriveKey(master, "egov-oidc|"+purpose))
}

func newSecrets(master []byte) (*secrets, error) {
	if len(master) < 16 {
		return nil, errors.New("oidc: Config.Key must be at least 16 bytes")
	}
	k := derive(master, "signing-keys")
	sealer, err := seal.New(k[:])
	if err != nil {
		return nil, err
	}
	sub := derive(master, "subject")
	return &secrets{keys: sealer, op: derive(master, "access-tokens"), subject: sub[:]}, nil
}

// pairwiseSubject is the person's "sub" towards one client.
func (s *secrets) pairwiseSubject(clientID, fin string) string {
	mac := hmac.New(sha256.New, s.subject)
	mac.Write([]byte(clientID + "|" + fin))
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(mac.Sum(nil)[:20])
}

func (s *secrets) seal(plain []byte, aad string) string { return s.keys.Seal(aad, plain) }

func (s *secrets) open(sealed, aad string) ([]byte, error) { return s.keys.Open(aad, sealed) }

// signingKey is an ECDSA P-256 key (ES256).
type signingKey struct {
	id  string
	key *ecdsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is a published verification key.
type publicKey struct {
	id  string
	key any
}

func (k *publicKey) ID() string                         { return k.id }
func (k *publicKey) Algorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k *publicKey) Use() string                        { return "sig" }
func (k *publicKey) Key() any                           { return k.key }

// keyring reads signing keys from the database, caching decrypted private
// keys by id (a key never changes once written).
type keyring struct {
	db      *store.DB
	secrets *secrets
	now     func() time.Time
	mu      sync.Mutex
	cache   map[string]*ecdsa.PrivateKey
}

// create adds a new signing key and retires the others, in one transaction.
func (kr *keyring) create(ctx context.Context, retireOthers bool) (string, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	id := randomID()
	jwk, err := json.Marshal(jose.JSONWebKey{Key: &priv.PublicKey, KeyID: id, Algorithm: string(jose.ES256), Use: "sig"})
	if err != nil {
		return "", err
	}
	now := kr.now()
	err = kr.db.Tx(ctx, func(tx *sql.Tx) error {
		if retireOthers {
			if _, err := tx.ExecContext(ctx, `UPDATE oidc_keys SET retired_at = $1 WHERE retired_at IS NULL`, now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO oidc_keys (id, algorithm, public_jwk, private_key, created_at) VALUES ($1, $2, $3, $4, $5)`,
			id, string(jose.ES256), string(jwk), kr.secrets.seal(der, id), now); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: "system:oidc", Action: "oidc.key.created", Object: "oidc_key:" + id})
		return err
	})
	return id, err
}

// ensure creates the first signing key if there is none.
func (kr *keyring) ensure(ctx context.Context) error {
	var n int
	if err := kr.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM oidc_keys WHERE retired_at IS NULL`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err := kr.create(ctx, false)
	return err
}

// current is the key that signs now: the newest one not retired.
func (kr *keyring) current(ctx context.Context) (*signingKey, error) {
	var id, sealed string
	err := kr.db.QueryRowContext(ctx,
		`SELECT id, private_key FROM oidc_keys WHERE retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1`).Scan(&id, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		if err := kr.ensure(ctx); err != nil {
			return nil, err
		}
		return kr.current(ctx)
	}
	if err != nil {
		return nil, err
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if k, ok := kr.cache[id]; ok {
		return &signingKey{id: id, key: k}, nil
	}
	der, err := kr.secrets.open(sealed, id)
	if err != nil {
		return nil, fmt.Errorf("oidc: decrypt signing key %s (is Config.Key the one it was made with?): %w", id, err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	k, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("oidc: signing key is not ECDSA")
	}
	kr.cache[id] = k
	return &signingKey{id: id, key: k}, nil
}

// published are the keys in the JWKS: the current ones and those retired
// within keyRetention, newest first.
func (kr *keyring) published(ctx context.Context) ([]op.Key, error) {
	rows, err := kr.db.QueryContext(ctx,
		`SELECT id, public_jwk FROM oidc_keys WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at DESC, id DESC`,
		kr.now().Add(-keyRetention))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []op.Key
	for rows.Next() {
		var id, raw string
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, err
		}
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON([]byte(raw)); err != nil {
			return nil, err
		}
		keys = append(keys, &publicKey{id: id, key: jwk.Key})
	}
	return keys, rows.Err()
}

func randomID() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
