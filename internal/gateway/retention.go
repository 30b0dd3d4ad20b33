package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"github.com/egov/egov/internal/errs"
)

// Anchor is where retention cut the message log: the chain's hash at Seq,
// signed by the security server's key as a head is. Verify walks the log
// from here; a cut entry can no longer be shown, but nothing after the
// cut can be altered, removed or reordered unnoticed.
type Anchor struct {
	Seq       int64
	Hash      string
	KeyID     string
	Signature string // base64 ASN.1 ECDSA over headDigest(Seq, Hash)
	CutAt     time.Time
}

// Prune deletes the messages logged before cutoff (and the signatures of
// heads among them) and moves the anchor to the last one deleted, in one
// transaction. It answers how many messages it deleted.
func (g *Gateway) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	if err := g.flushLog(ctx); err != nil {
		return 0, err
	}
	g.signMu.Lock()
	defer g.signMu.Unlock()
	k, err := g.signingKey(ctx)
	if err != nil {
		return 0, err
	}
	var deleted int64
	err = g.db.Tx(ctx, func(tx *sql.Tx) error {
		seq, hash, err := lastBefore(ctx, tx, cutoff)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		sig, err := ecdsa.SignASN1(rand.Reader, k.key, headDigest(seq, hash))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO gateway_message_anchor (id, seq, hash, key_id, signature, cut_at) VALUES (1, $1, $2, $3, $4, $5)
			ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, key_id = excluded.key_id,
				signature = excluded.signature, cut_at = excluded.cut_at`,
			seq, hash, k.id, base64.StdEncoding.EncodeToString(sig), now()); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM gateway_messages WHERE seq <= $1`, seq)
		if err != nil {
			return err
		}
		deleted, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `DELETE FROM gateway_signatures WHERE seq <= $1`, seq)
		return err
	})
	return deleted, err
}

// lastBefore finds the newest message logged before cutoff: the cut.
// Seqs grow with time (a batch takes its time under the head's lock), so
// it bisects seq with a few reads by primary key, and the log keeps no
// index on time that every batch would have to write. Entries logged in
// the same instant stay together. sql.ErrNoRows: none is that old.
func lastBefore(ctx context.Context, tx *sql.Tx, cutoff time.Time) (int64, string, error) {
	var lo, hi sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MIN(seq), MAX(seq) FROM gateway_messages`).Scan(&lo, &hi); err != nil {
		return 0, "", err
	}
	if !lo.Valid {
		return 0, "", sql.ErrNoRows
	}
	// Find the first seq from which every message is at or after cutoff.
	first, end := lo.Int64, hi.Int64+1
	for first < end {
		mid := first + (end-first)/2
		var seq int64
		var at time.Time
		if err := tx.QueryRowContext(ctx, `SELECT seq, at FROM gateway_messages WHERE seq >= $1 ORDER BY seq LIMIT 1`, mid).
			Scan(&seq, &at); err != nil {
			return 0, "", err
		}
		if at.Before(cutoff) {
			first = seq + 1
		} else {
			end = mid
		}
	}
	var seq int64
	var hash string
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM gateway_messages WHERE seq < $1 ORDER BY seq DESC LIMIT 1`, first).Scan(&seq, &hash)
	return seq, hash, err
}

// anchor is the current cut, or nil when the log was never cut.
func (g *Gateway) anchor(ctx context.Context) (*Anchor, error) {
	var a Anchor
	err := g.db.QueryRowContext(ctx, `SELECT seq, hash, key_id, signature, cut_at FROM gateway_message_anchor WHERE id = 1`).
		Scan(&a.Seq, &a.Hash, &a.KeyID, &a.Signature, &a.CutAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a.CutAt = a.CutAt.UTC()
	return &a, nil
}

// prune applies the configured retention, when there is one.
func (g *Gateway) prune(ctx context.Context) {
	if g.opts.Retention <= 0 {
		return
	}
	if n, err := g.Prune(ctx, time.Now().Add(-g.opts.Retention)); err != nil && ctx.Err() == nil {
		g.logger.Warn("gateway: message log retention", "err", err)
	} else if n > 0 {
		g.logger.Info("gateway: message log retention", "deleted", n)
	}
}

// Bodies are an exchange's request and response bodies as logged.
type Bodies struct {
	Request  []byte `json:"request"`
	Response []byte `json:"response"`
}

// MessageBodies opens the sealed bodies of the message at seq; it needs
// the secret they were sealed under. A message logged without bodies is
// an errs.NotFound.
func (g *Gateway) MessageBodies(ctx context.Context, seq int64) (*Bodies, error) {
	if err := g.flushLog(ctx); err != nil {
		return nil, err
	}
	var requestID, req, resp string
	err := g.db.QueryRowContext(ctx, `SELECT request_id, request_body, response_body FROM gateway_messages WHERE seq = $1`, seq).
		Scan(&requestID, &req, &resp)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && req == "" && resp == "") {
		return nil, errs.E(errs.NotFound, "gateway.error.no_bodies")
	}
	if err != nil {
		return nil, err
	}
	if g.bodySealer == nil {
		return nil, errors.New("gateway: no secret configured: the bodies are sealed under it")
	}
	var b Bodies
	if b.Request, err = g.bodySealer.open(bodyLabel("request", requestID), req); err != nil {
		return nil, err
	}
	if b.Response, err = g.bodySealer.open(bodyLabel("response", requestID), resp); err != nil {
		return nil, err
	}
	return &b, nil
}
