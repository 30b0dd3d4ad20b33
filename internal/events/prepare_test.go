package events_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// A preparer's work (a mail server's conversation, say) runs before the
// delivery's transaction, not inside it: a write of its own goes through
// at once even on SQLite, whose transactions hold the one write lock. The
// handler gets its result; its error is retried with backoff like a
// handler's; a delivery being prepared is leased, so a second dispatcher
// does not prepare it too; and a handler failing after a preparation
// prepares it again on the retry (at least once, never lost).
func TestPreparedOutsideTheTransaction(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		createSeen(t, db)
		clk := &clock{now: time.Now().UTC()}
		d := events.NewDispatcher(db, quiet, events.WithClock(clk.Now), events.WithBackoff(time.Minute, time.Hour))
		other := events.NewDispatcher(db, quiet, events.WithClock(clk.Now), events.WithBackoff(time.Minute, time.Hour))

		var prepared, handled atomic.Int32
		var failPrepare, failHandler atomic.Bool
		var otherFound atomic.Int32
		prepare := func(ctx context.Context, ev events.Event) (any, error) {
			n := prepared.Add(1)
			// Another dispatcher meanwhile finds nothing to do.
			if k, err := other.DispatchOnce(ctx); err != nil || k != 0 {
				otherFound.Add(1)
			}
			wctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			if _, err := db.ExecContext(wctx, `INSERT INTO events_test_seen (subscriber, event_id, event_key) VALUES ('preparer', $1, $2)`,
				ev.ID, ev.Key); err != nil {
				return nil, err
			}
			if failPrepare.Load() {
				return nil, errors.New("mail server unavailable")
			}
			return "sent #" + string(rune('0'+n)), nil
		}
		handle := func(ctx context.Context, tx *sql.Tx, ev events.Event) error {
			handled.Add(1)
			if failHandler.Load() {
				return errors.New("crash after sending")
			}
			got, _ := events.Prepared(ctx).(string)
			_, err := tx.ExecContext(ctx, `INSERT INTO events_test_seen (subscriber, event_id, event_key) VALUES ('handler', $1, $2)`, ev.ID, got)
			return err
		}
		d.SubscribePrepared("mailer", "doc.issued", prepare, handle)
		other.SubscribePrepared("mailer", "doc.issued", prepare, handle)
		publish(t, db, "doc.issued", "D-1", nil)

		start := time.Now()
		failPrepare.Store(true)
		if _, err := d.DispatchOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("the preparer's write waited %v: it ran inside a transaction", time.Since(start))
		}
		var lastErr string
		db.QueryRow(`SELECT last_error FROM events_deliveries WHERE subscriber = 'mailer'`).Scan(&lastErr)
		if prepared.Load() != 1 || handled.Load() != 0 || !strings.Contains(lastErr, "mail server unavailable") {
			t.Fatalf("failed preparation: prepared %d, handled %d, last error %q", prepared.Load(), handled.Load(), lastErr)
		}

		failPrepare.Store(false)
		failHandler.Store(true)
		clk.Add(time.Minute)
		if _, err := d.DispatchOnce(ctx); err != nil {
			t.Fatal(err)
		}
		failHandler.Store(false)
		clk.Add(2 * time.Minute)
		if n, err := d.DispatchOnce(ctx); err != nil || n != 1 {
			t.Fatalf("third attempt: %d delivered, %v", n, err)
		}
		var key string
		db.QueryRow(`SELECT event_key FROM events_test_seen WHERE subscriber = 'handler'`).Scan(&key)
		if prepared.Load() != 3 || handled.Load() != 2 || key != "sent #3" {
			t.Errorf("prepared %d, handled %d, handler got %q; want 3, 2, \"sent #3\"", prepared.Load(), handled.Load(), key)
		}
		if n := otherFound.Load(); n != 0 {
			t.Errorf("the other dispatcher took a delivery being prepared %d times", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM events_test_seen WHERE subscriber = 'handler'`); n != 1 {
			t.Errorf("handled %d times", n)
		}
		clk.Add(time.Hour)
		d.DispatchOnce(ctx)
		if prepared.Load() != 3 {
			t.Errorf("prepared again after delivery: %d", prepared.Load())
		}
	}, events.Migrations)
}
