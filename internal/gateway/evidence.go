package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/egov/egov/internal/errs"
)

// Evidence is the signed record of one exchange: the message, the
// messages after it up to the first signed head (each chained to the one
// before), and that signature with the public key that verifies it.
// Anyone can check it with VerifyEvidence, without the database.
//
// The chain carries the later messages' records (identifiers, hashes,
// officials' user ids and purposes — never paths or bodies); an export
// for a third party should be reviewed with that in mind.
type Evidence struct {
	Message   Message
	Chain     []Message
	Signature *HeadSignature // nil while the message is not signed yet
	// Bodies are the exchange's bodies, opened with the server's secret,
	// when asked for and kept; VerifyEvidence checks the response's hash.
	Bodies *Bodies `json:",omitempty"`
}

// HeadSignature is the security server's signature over the chain head
// at Seq.
type HeadSignature struct {
	Seq       int64
	Hash      string
	KeyID     string
	Signature string // base64 ASN.1 ECDSA P-256 over SHA-256("egov-gateway-head-1|seq|hash")
	PublicKey string // base64 PKIX DER
	SignedAt  time.Time
}

// Evidence returns the signed record of the message at seq.
func (g *Gateway) Evidence(ctx context.Context, seq int64) (*Evidence, error) {
	if err := g.flushLog(ctx); err != nil {
		return nil, err
	}
	m, err := scanMessage(g.db.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM gateway_messages WHERE seq = $1`, seq))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "gateway.error.unknown_message")
	}
	if err != nil {
		return nil, err
	}
	ev := &Evidence{Message: m}
	var s HeadSignature
	err = g.db.QueryRowContext(ctx, `SELECT s.seq, s.hash, s.key_id, s.signature, k.public_key, s.signed_at
		FROM gateway_signatures s JOIN gateway_keys k ON k.id = s.key_id WHERE s.seq >= $1 ORDER BY s.seq LIMIT 1`, seq).
		Scan(&s.Seq, &s.Hash, &s.KeyID, &s.Signature, &s.PublicKey, &s.SignedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return ev, nil
	}
	if err != nil {
		return nil, err
	}
	s.SignedAt = s.SignedAt.UTC()
	ev.Signature = &s
	rows, err := g.db.QueryContext(ctx, `SELECT `+messageColumns+` FROM gateway_messages WHERE seq > $1 AND seq <= $2 ORDER BY seq`, seq, s.Seq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		ev.Chain = append(ev.Chain, m)
	}
	return ev, rows.Err()
}

// VerifyEvidence checks that the message's hash is its contents', that
// each message of the chain follows and links to the one before, and that
// the signature verifies over the last hash.
func VerifyEvidence(ev *Evidence) error {
	if ev.Signature == nil {
		return errors.New("gateway: evidence is not signed yet")
	}
	prev := ev.Message
	if MessageHash(prev) != prev.Hash {
		return fmt.Errorf("gateway: evidence: message %d is altered", prev.Seq)
	}
	if ev.Bodies != nil && BodyHash(ev.Bodies.Response) != prev.ResponseHash {
		return fmt.Errorf("gateway: evidence: the response body is not the one message %d logged", prev.Seq)
	}
	for _, m := range ev.Chain {
		if m.Seq != prev.Seq+1 || m.PrevHash != prev.Hash || MessageHash(m) != m.Hash {
			return fmt.Errorf("gateway: evidence: chain broken at %d", m.Seq)
		}
		prev = m
	}
	s := ev.Signature
	if s.Seq != prev.Seq || s.Hash != prev.Hash {
		return errors.New("gateway: evidence: the signature is not over the chain's end")
	}
	der, err := base64.StdEncoding.DecodeString(s.PublicKey)
	if err != nil {
		return err
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return err
	}
	pub, ok := k.(*ecdsa.PublicKey)
	sig, err := base64.StdEncoding.DecodeString(s.Signature)
	if !ok || err != nil || !ecdsa.VerifyASN1(pub, headDigest(s.Seq, s.Hash), sig) {
		return errors.New("gateway: evidence: the signature does not verify")
	}
	return nil
}
