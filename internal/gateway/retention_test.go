package gateway_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// Retention cuts the old entries; the log verifies from the signed anchor,
// and tampering after the cut (or with the anchor) is still found.
func TestRetentionCutKeepsChainVerifiable(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		c := f.gw.Client(portal)
		for i := 0; i < 6; i++ {
			if _, err := c.Get(ctx, persons.String(), "/5ZQX7KA", "", "test"); err != nil {
				t.Fatal(err)
			}
		}
		f.gw.SignHead(ctx)
		// Age the first four entries past a 30-day retention.
		if _, err := db.ExecContext(ctx, `UPDATE gateway_messages SET at = $1 WHERE seq <= 4`, time.Now().UTC().AddDate(0, 0, -40).Truncate(time.Second)); err != nil {
			t.Fatal(err)
		}
		// Changing "at" broke their hashes; rewrite the chain as it would
		// have been logged then, so only the cut is under test.
		rechain(t, db)

		n, err := f.gw.Prune(ctx, time.Now().AddDate(0, 0, -30))
		if err != nil || n != 4 {
			t.Fatalf("Prune: %d, %v", n, err)
		}
		var left int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM gateway_messages`).Scan(&left)
		if left != 2 {
			t.Fatalf("%d messages left, want 2", left)
		}
		c.Get(ctx, persons.String(), "/2HPL4RM", "", "test")
		f.gw.SignHead(ctx)
		rep, err := f.gw.Verify(ctx)
		if err != nil || rep.AnchorSeq != 4 || rep.Messages != 3 || rep.SignedUpTo != 7 {
			t.Fatalf("Verify after the cut: %+v, %v", rep, err)
		}
		if n, err := f.gw.Prune(ctx, time.Now().AddDate(0, 0, -30)); err != nil || n != 0 {
			t.Errorf("second Prune: %d, %v", n, err)
		}

		t.Run("ErrAlteredAfterCut", func(t *testing.T) {
			db.ExecContext(ctx, `UPDATE gateway_messages SET user_id = 'someone' WHERE seq = 6`)
			defer db.ExecContext(ctx, `UPDATE gateway_messages SET user_id = '' WHERE seq = 6`)
			var broken *gateway.BrokenError
			if _, err := f.gw.Verify(ctx); !errors.As(err, &broken) || broken.Seq != 6 {
				t.Errorf("Verify after altering seq 6: %v", err)
			}
		})
		t.Run("ErrAnchorMoved", func(t *testing.T) {
			var hash string
			db.QueryRowContext(ctx, `SELECT hash FROM gateway_messages WHERE seq = 5`).Scan(&hash)
			db.ExecContext(ctx, `UPDATE gateway_message_anchor SET seq = 5, hash = $1`, hash)
			defer db.ExecContext(ctx, `UPDATE gateway_message_anchor SET seq = 4, hash = (SELECT prev_hash FROM gateway_messages WHERE seq = 5)`)
			var broken *gateway.BrokenError
			if _, err := f.gw.Verify(ctx); !errors.As(err, &broken) || broken.Seq != 5 {
				t.Errorf("Verify with a forged anchor: %v", err)
			}
		})
		if _, err := f.gw.Verify(ctx); err != nil {
			t.Errorf("Verify after the subtests restored the log: %v", err)
		}
		t.Run("ErrFirstAfterCutDeleted", func(t *testing.T) {
			db.ExecContext(ctx, `DELETE FROM gateway_messages WHERE seq = 5`)
			var broken *gateway.BrokenError
			if _, err := f.gw.Verify(ctx); !errors.As(err, &broken) || broken.Seq != 5 {
				t.Errorf("Verify without seq 5: %v", err)
			}
		})
	}, gateway.Migrations)
}

// rechain recomputes every message's hash and the head, as if the log had
// been written with the values now in the table.
func rechain(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	prev := gateway.GenesisHash
	for seq := int64(1); ; seq++ {
		var m gateway.Message
		err := db.QueryRowContext(ctx, `SELECT seq, at, x_road_id, request_id, client_id, service_id, method, user_id, purpose, issue, status,
			error_type, request_hash, response_hash FROM gateway_messages WHERE seq = $1`, seq).Scan(&m.Seq, &m.At, &m.XRoadID, &m.RequestID,
			&m.Client, &m.Service, &m.Method, &m.UserID, &m.Purpose, &m.Issue, &m.Status, &m.ErrorType, &m.RequestHash, &m.ResponseHash)
		if err != nil {
			break
		}
		m.PrevHash = prev
		m.Hash = gateway.MessageHash(m)
		db.ExecContext(ctx, `UPDATE gateway_messages SET prev_hash = $1, hash = $2 WHERE seq = $3`, m.PrevHash, m.Hash, seq)
		prev = m.Hash
	}
	db.ExecContext(ctx, `UPDATE gateway_message_head SET hash = $1`, prev)
	db.ExecContext(ctx, `DELETE FROM gateway_signatures`)
}

// With a retention configured, the signer's loop cuts the log by itself.
func TestRetentionAppliedBySigner(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		if err := f.gw.Configure(gateway.Options{Secret: testSecret, Retention: time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		for i := 0; i < 3; i++ {
			f.gw.Client(portal).Get(ctx, persons.String(), "/5ZQX7KA", "", "test")
		}
		time.Sleep(5 * time.Millisecond)
		go f.gw.RunSigner(ctx, 5*time.Millisecond)
		deadline := time.Now().Add(5 * time.Second)
		for {
			var left int
			db.QueryRowContext(ctx, `SELECT COUNT(*) FROM gateway_messages`).Scan(&left)
			if left == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d messages left after the retention period", left)
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		rep, err := f.gw.Verify(context.Background())
		if err != nil || rep.AnchorSeq != 3 || rep.Messages != 0 {
			t.Errorf("Verify after the signer's cut: %+v, %v", rep, err)
		}
	}, gateway.Migrations)
}
