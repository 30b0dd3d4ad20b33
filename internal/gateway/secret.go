package gateway

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/egov/egov/internal/seal"
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
		if g.keySealer, err = newSealer(seal.DeriveKey(o.Secret, "egov gateway signing keys v1")); err != nil {
			return err
		}
		if g.bodySealer, err = newSealer(seal.DeriveKey(o.Secret, "egov gateway message bodies v1")); err != nil {
			return err
		}
	}
	return nil
}

// sealedPrefix marks a value sealed by a sealer; a stored key without it
// is a plain PKCS #8 key from before keys were sealed.
const sealedPrefix = "sealed1:"

// sealer seals with package seal, each value bound to a label (the key
// id, the exchange) and marked with sealedPrefix.
type sealer struct{ s *seal.Sealer }

func newSealer(key []byte) (*sealer, error) {
	s, err := seal.New(key)
	if err != nil {
		return nil, err
	}
	return &sealer{s: s}, nil
}

func (s *sealer) seal(label string, plain []byte) string {
	return sealedPrefix + s.s.Seal(label, plain)
}

func (s *sealer) open(label, sealed string) ([]byte, error) {
	raw, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return nil, fmt.Errorf("gateway: %s: not a sealed value", label)
	}
	plain, err := s.s.Open(label, raw)
	if err != nil {
		return nil, fmt.Errorf("gateway: %s: %w", label, err)
	}
	return plain, nil
}
