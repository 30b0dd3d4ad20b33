package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// GenesisHash is the PrevHash of the first message: 64 zeros.
var GenesisHash = strings.Repeat("0", 64)

// Message is one exchange in the message log. It holds identifiers and
// hashes, never the path, query or bodies (they may hold personal data).
type Message struct {
	Seq          int64
	At           time.Time
	XRoadID      string
	RequestID    string
	Client       string
	Service      string
	Method       string
	UserID       string
	Purpose      string
	Issue        string
	Status       int
	ErrorType    string // the X-Road error type, "" when the provider answered
	RequestHash  string // X-Road-Request-Hash as sent back to the client
	ResponseHash string // base64 SHA-512 of the response body
	PrevHash     string
	Hash         string
}

// MessageHash computes a message's chain hash: lowercase hex SHA-256 of
// netstrings ("<len>:<bytes>,") of "egov-gateway-msg-1", seq, at (RFC 3339
// nano, UTC), x_road_id, request_id, client, service, method, user_id,
// purpose, issue, status, error_type, request_hash, response_hash,
// prev_hash.
func MessageHash(m Message) string {
	// Built in one buffer: the log hashes every message of every batch.
	buf := make([]byte, 0, 512)
	var num [40]byte
	buf = appendNetstring(buf, "egov-gateway-msg-1")
	buf = appendNetstring(buf, strconv.AppendInt(num[:0], m.Seq, 10))
	buf = appendNetstring(buf, m.At.UTC().AppendFormat(num[:0], time.RFC3339Nano))
	for _, s := range []string{m.XRoadID, m.RequestID, m.Client, m.Service, m.Method, m.UserID, m.Purpose, m.Issue} {
		buf = appendNetstring(buf, s)
	}
	buf = appendNetstring(buf, strconv.AppendInt(num[:0], int64(m.Status), 10))
	for _, s := range []string{m.ErrorType, m.RequestHash, m.ResponseHash, m.PrevHash} {
		buf = appendNetstring(buf, s)
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// appendNetstring appends "<len>:<s>,".
func appendNetstring[S string | []byte](buf []byte, s S) []byte {
	buf = strconv.AppendInt(buf, int64(len(s)), 10)
	buf = append(buf, ':')
	buf = append(buf, s...)
	return append(buf, ',')
}

// Messages returns logged exchanges with the given X-Road-Id.
func (g *Gateway) Messages(ctx context.Context, xRoadID string) ([]Message, error) {
	if err := g.flushLog(ctx); err != nil {
		return nil, err
	}
	rows, err := g.db.QueryContext(ctx, `SELECT `+messageColumns+` FROM gateway_messages WHERE x_road_id = $1 ORDER BY seq`, xRoadID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

const messageColumns = `seq, at, x_road_id, request_id, client_id, service_id, method, user_id, purpose, issue, status,
	error_type, request_hash, response_hash, prev_hash, hash`

func scanMessage(s interface{ Scan(...any) error }) (Message, error) {
	var m Message
	err := s.Scan(&m.Seq, &m.At, &m.XRoadID, &m.RequestID, &m.Client, &m.Service, &m.Method, &m.UserID, &m.Purpose, &m.Issue,
		&m.Status, &m.ErrorType, &m.RequestHash, &m.ResponseHash, &m.PrevHash, &m.Hash)
	m.At = m.At.UTC()
	return m, err
}

// signingKey is the security server's ECDSA P-256 key.
type signingKey struct {
	id  string
	key *ecdsa.PrivateKey
}

// signingKey loads the newest key, creating one on first use. Keys are
// kept sealed under a key derived from the server's secret; a key stored
// in clear by an older version is sealed as it is loaded.
func (g *Gateway) signingKey(ctx context.Context) (*signingKey, error) {
	if g.key != nil {
		return g.key, nil
	}
	if g.keySealer == nil {
		return nil, errors.New("gateway: no secret configured: the message log's signing key is sealed under it")
	}
	k, err := g.loadSigningKey(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		if err := g.createSigningKey(ctx); err != nil {
			return nil, err
		}
		k, err = g.loadSigningKey(ctx)
	}
	if err != nil {
		return nil, err
	}
	g.key = k
	return k, nil
}

func (g *Gateway) loadSigningKey(ctx context.Context) (*signingKey, error) {
	var id, stored string
	err := g.db.QueryRowContext(ctx, `SELECT id, private_key FROM gateway_keys ORDER BY created_at DESC, id LIMIT 1`).Scan(&id, &stored)
	if err != nil {
		return nil, err
	}
	var der []byte
	if strings.HasPrefix(stored, sealedPrefix) {
		if der, err = g.keySealer.open("key "+id, stored); err != nil {
			return nil, err
		}
	} else {
		if der, err = base64.StdEncoding.DecodeString(stored); err != nil {
			return nil, fmt.Errorf("gateway: key %s: %w", id, err)
		}
		// Stored in clear before keys were sealed: seal it now. The guard
		// on the old value lets two replicas race harmlessly.
		if _, err := g.db.ExecContext(ctx, `UPDATE gateway_keys SET private_key = $1 WHERE id = $2 AND private_key = $3`,
			g.keySealer.seal("key "+id, der), id, stored); err != nil {
			return nil, err
		}
	}
	pk, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("gateway: key %s: %w", id, err)
	}
	ek, ok := pk.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("gateway: signing key is not ECDSA")
	}
	return &signingKey{id: id, key: ek}, nil
}

func (g *Gateway) createSigningKey(ctx context.Context) error {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(pub)
	id := hex.EncodeToString(sum[:8])
	// Two replicas may race: the first key stays, both load it.
	_, err = g.db.ExecContext(ctx, `INSERT INTO gateway_keys (id, private_key, public_key, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, id, g.keySealer.seal("key "+id, der), base64.StdEncoding.EncodeToString(pub), now())
	return err
}

func headDigest(seq int64, hash string) []byte {
	sum := sha256.Sum256([]byte("egov-gateway-head-1|" + strconv.FormatInt(seq, 10) + "|" + hash))
	return sum[:]
}

// SignHead signs the message log's head, unless it is signed already or
// the log is empty, and reports the seq it signed (0 if none). One
// signature covers every message up to its seq, so however many messages
// arrive between two calls, signing costs one operation.
func (g *Gateway) SignHead(ctx context.Context) (int64, error) {
	if err := g.flushLog(ctx); err != nil {
		return 0, err
	}
	g.signMu.Lock()
	defer g.signMu.Unlock()
	k, err := g.signingKey(ctx)
	if err != nil {
		return 0, err
	}
	var seq int64
	var hash string
	if err := g.db.QueryRowContext(ctx, `SELECT seq, hash FROM gateway_message_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
		return 0, err
	}
	if seq == 0 {
		return 0, nil
	}
	if done, err := g.exists(ctx, `SELECT 1 FROM gateway_signatures WHERE seq = $1`, seq); err != nil || done {
		return 0, err
	}
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, headDigest(seq, hash))
	if err != nil {
		return 0, err
	}
	if _, err := g.db.ExecContext(ctx, `INSERT INTO gateway_signatures (seq, hash, key_id, signature, signed_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`, seq, hash, k.id, base64.StdEncoding.EncodeToString(sig), now()); err != nil {
		return 0, err
	}
	return seq, nil
}

// RunSigner signs the head every interval, and applies the retention,
// until ctx ends.
func (g *Gateway) RunSigner(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := g.SignHead(ctx); err != nil && ctx.Err() == nil {
			g.logger.Warn("gateway: sign message log head", "err", err)
		}
		g.prune(ctx)
	}
}

// BrokenError says where the message log is broken.
type BrokenError struct {
	Seq    int64
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("gateway: message log broken at seq %d: %s", e.Seq, e.Reason)
}

// VerifyReport is what Verify checked.
type VerifyReport struct {
	Messages   int64 // messages checked
	Signatures int   // signatures checked
	SignedUpTo int64 // the highest seq covered by a good signature
	AnchorSeq  int64 // where retention cut the log (0: never cut)
}

// Verify walks the message log from seq 1 (or from the anchor retention
// left, whose signature it checks first) to the head: contiguous seqs,
// each PrevHash the hash before it, each Hash its contents', the head's
// hash the last one's; then checks every signature: it names a hash the
// chain has at its seq and verifies under its key. The first problem is a
// *BrokenError.
func (g *Gateway) Verify(ctx context.Context) (VerifyReport, error) {
	if err := g.flushLog(ctx); err != nil {
		return VerifyReport{}, err
	}
	var rep VerifyReport
	var headSeq int64
	var headHash string
	if err := g.db.QueryRowContext(ctx, `SELECT seq, hash FROM gateway_message_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return rep, err
	}
	// Signatures first, so that each can be checked as the walk passes it.
	type sigRow struct{ hash, keyID, sig string }
	sigs := map[int64]sigRow{}
	rows, err := g.db.QueryContext(ctx, `SELECT seq, hash, key_id, signature FROM gateway_signatures WHERE seq <= $1`, headSeq)
	if err != nil {
		return rep, err
	}
	for rows.Next() {
		var seq int64
		var s sigRow
		if err := rows.Scan(&seq, &s.hash, &s.keyID, &s.sig); err != nil {
			rows.Close()
			return rep, err
		}
		sigs[seq] = s
	}
	rows.Close()
	keys := map[string]*ecdsa.PublicKey{}
	keyOf := func(id string) (*ecdsa.PublicKey, error) {
		if k, ok := keys[id]; ok {
			return k, nil
		}
		var pub string
		if err := g.db.QueryRowContext(ctx, `SELECT public_key FROM gateway_keys WHERE id = $1`, id).Scan(&pub); err != nil {
			return nil, err
		}
		der, err := base64.StdEncoding.DecodeString(pub)
		if err != nil {
			return nil, err
		}
		k, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			return nil, err
		}
		ek, ok := k.(*ecdsa.PublicKey)
		if !ok {
			return nil, errors.New("not an ECDSA key")
		}
		keys[id] = ek
		return ek, nil
	}

	next, prev := int64(1), GenesisHash
	a, err := g.anchor(ctx)
	if err != nil {
		return rep, err
	}
	if a != nil {
		pub, err := keyOf(a.KeyID)
		sig, derr := base64.StdEncoding.DecodeString(a.Signature)
		if err != nil || derr != nil || !ecdsa.VerifyASN1(pub, headDigest(a.Seq, a.Hash), sig) {
			return rep, &BrokenError{Seq: a.Seq, Reason: "the retention anchor's signature does not verify"}
		}
		next, prev, rep.AnchorSeq = a.Seq+1, a.Hash, a.Seq
	}
	const page = 1000
	for next <= headSeq {
		rows, err := g.db.QueryContext(ctx, `SELECT `+messageColumns+` FROM gateway_messages WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT `+strconv.Itoa(page), next, headSeq)
		if err != nil {
			return rep, err
		}
		n := 0
		for rows.Next() {
			m, err := scanMessage(rows)
			if err != nil {
				rows.Close()
				return rep, err
			}
			n++
			switch {
			case m.Seq != next:
				rows.Close()
				return rep, &BrokenError{Seq: next, Reason: "missing"}
			case m.PrevHash != prev:
				rows.Close()
				return rep, &BrokenError{Seq: m.Seq, Reason: "previous hash does not match"}
			case MessageHash(m) != m.Hash:
				rows.Close()
				return rep, &BrokenError{Seq: m.Seq, Reason: "altered: hash does not match contents"}
			}
			if s, ok := sigs[m.Seq]; ok {
				if s.hash != m.Hash {
					rows.Close()
					return rep, &BrokenError{Seq: m.Seq, Reason: "signed hash differs from the chain"}
				}
				pub, err := keyOf(s.keyID)
				sig, derr := base64.StdEncoding.DecodeString(s.sig)
				if err != nil || derr != nil || !ecdsa.VerifyASN1(pub, headDigest(m.Seq, m.Hash), sig) {
					rows.Close()
					return rep, &BrokenError{Seq: m.Seq, Reason: "signature does not verify"}
				}
				rep.Signatures++
				rep.SignedUpTo = m.Seq
			}
			prev, next = m.Hash, next+1
			rep.Messages++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return rep, err
		}
		if n == 0 {
			return rep, &BrokenError{Seq: next, Reason: "missing: the log ends before the head"}
		}
	}
	if prev != headHash {
		return rep, &BrokenError{Seq: headSeq, Reason: "the head's hash is not the last message's"}
	}
	return rep, nil
}
