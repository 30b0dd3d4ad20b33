package gateway

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Options are a security server's settings that are not in its database.
type Options struct {
	// Secret is the server's secret (egov's site secret in process, the
	// standalone configuration's secret otherwise). The signing key of
	// the message log is sealed under a key derived from it, and so are
	// logged bodies. Without it the server cannot sign its log.
	Secret []byte
	// KeepBodies keeps each exchange's request and response bodies in the
	// message log, sealed with AES-256-GCM; never in clear.
	KeepBodies bool
	// Retention is how long the message log keeps an exchange; zero keeps
	// everything. Older entries are cut, leaving a signed anchor so the
	// rest still verifies.
	Retention time.Duration
}

// Configure applies o. Call it before serving.
func (g *Gateway) Configure(o Options) error {
	if o.KeepBodies && len(o.Secret) == 0 {
		return errors.New("gateway: keeping bodies needs a secret to seal them under")
	}
	if o.Retention < 0 {
		return errors.New("gateway: retention must not be negative")
	}
	g.opts = o
	g.keySealer, g.bodySealer = nil, nil
	if len(o.Secret) > 0 {
		var err error
		if g.keySealer, err = newSealer(DeriveKey(o.Secret, "egov gateway signing keys v1")); err != nil {
			return err
		}
		if g.bodySealer, err = newSealer(DeriveKey(o.Secret, "egov gateway message bodies v1")); err != nil {
			return err
		}
	}
	return nil
}

// DeriveKey derives a 32-byte key for one purpose from a secret
// (HMAC-SHA256), so one secret never keys two uses.
func DeriveKey(secret []byte, purpose string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}

// sealedPrefix marks a value sealed by a sealer; a stored key without it
// is a plain PKCS #8 key from before keys were sealed.
const sealedPrefix = "sealed1:"

// sealer encrypts with AES-256-GCM, binding each value to a label (the
// key id, the exchange) given as additional data, so a sealed value
// cannot be moved to another row.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != 32 {
		return nil, errors.New("gateway: a sealing key must be 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(label string, plain []byte) string {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return sealedPrefix + base64.StdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(label)))
}

func (s *sealer) open(label, sealed string) ([]byte, error) {
	raw, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return nil, fmt.Errorf("gateway: %s: not a sealed value", label)
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	n := s.aead.NonceSize()
	if err != nil || len(b) < n {
		return nil, fmt.Errorf("gateway: %s: sealed value malformed", label)
	}
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(label))
	if err != nil {
		return nil, fmt.Errorf("gateway: %s: cannot open the sealed value (wrong secret?)", label)
	}
	return plain, nil
}
