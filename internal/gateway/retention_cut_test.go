package gateway

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// The cut found by bisecting seq is the one a scan of every message's
// time finds: the newest message before the cutoff, with gaps in seq
// (retention's own cuts) and several messages in one instant.
func TestLastBeforeBisectsSeq(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var seqs []int64
		var ats []time.Time
		for seq, i := int64(10), 0; i < 60; i++ {
			seq += int64(1 + i%3)                             // gaps of 0, 1 and 2
			at := start.Add(time.Duration(i/2) * time.Minute) // pairs share an instant
			if _, err := db.ExecContext(ctx, `INSERT INTO gateway_messages (seq, at, x_road_id, request_id, client_id, service_id, method,
				user_id, purpose, issue, status, error_type, request_hash, response_hash, prev_hash, hash)
				VALUES ($1, $2, 'x', '', 'c', 's', 'GET', '', '', '', 200, '', '', '', '', $3)`, seq, at, "h"+time.Duration(seq).String()); err != nil {
				t.Fatal(err)
			}
			seqs, ats = append(seqs, seq), append(ats, at)
		}
		for _, cutoff := range []time.Time{start.Add(-time.Hour), start, start.Add(30 * time.Second), start.Add(time.Minute),
			start.Add(17 * time.Minute), start.Add(29 * time.Minute), start.Add(30 * time.Minute), start.Add(time.Hour)} {
			want := int64(-1)
			for i, at := range ats {
				if at.Before(cutoff) {
					want = seqs[i]
				}
			}
			var got int64 = -1
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				seq, hash, err := lastBefore(ctx, tx, cutoff)
				if err == nil && hash != "h"+time.Duration(seq).String() {
					t.Errorf("cut %d with hash %q", seq, hash)
				}
				if err == nil {
					got = seq
				}
				return err
			})
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("cutoff %s: cut at %d, want %d", cutoff.Sub(start), got, want)
			}
		}
	}, Migrations)
}
