// Package seal encrypts small values kept at rest — signing keys, message
// bodies — with AES-256-GCM under a key derived from the platform's
// secret. Each value is bound to a label (its row's identifier) as
// additional data, so a sealed value copied to another row does not open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// DeriveKey gives the 32-byte key for one purpose from the platform's
// secret (HMAC-SHA256), so one secret never keys two uses.
func DeriveKey(secret []byte, purpose string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}

// ErrMalformed is a sealed value that is not base64 of nonce and
// ciphertext; ErrOpen one that does not open under this key and label.
var (
	ErrMalformed = errors.New("seal: malformed sealed value")
	ErrOpen      = errors.New("seal: cannot open the sealed value (wrong key or label?)")
)

// Sealer seals and opens values under one key.
type Sealer struct{ aead cipher.AEAD }

// New makes a sealer for a 32-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, errors.New("seal: the key must be 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plain for label: base64 of a random nonce and the
// ciphertext.
func (s *Sealer) Seal(label string, plain []byte) string {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return base64.StdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(label)))
}

// Open decrypts what Seal made for the same label.
func (s *Sealer) Open(label, sealed string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(sealed)
	n := s.aead.NonceSize()
	if err != nil || len(b) < n {
		return nil, ErrMalformed
	}
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(label))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
