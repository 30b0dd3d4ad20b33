package events_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// seenTable is where test subscribers record what they received, in the
// delivery's transaction. It has no unique constraint on purpose, so a
// double delivery shows as a duplicate row.
const seenTable = `CREATE TABLE events_test_seen (subscriber TEXT NOT NULL, event_id BIGINT NOT NULL, event_key TEXT NOT NULL)`

func createSeen(t testing.TB, db *store.DB) {
	t.Helper()
	if _, err := db.Exec(seenTable); err != nil {
		t.Fatal(err)
	}
}

// record is a handler that writes the delivery to events_test_seen.
func record(name string) events.Handler {
	return func(ctx context.Context, tx *sql.Tx, ev events.Event) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO events_test_seen (subscriber, event_id, event_key) VALUES ($1, $2, $3)`, name, ev.ID, ev.Key)
		return err
	}
}

func publish(t testing.TB, db *store.DB, topic, key string, payload any) {
	t.Helper()
	if err := db.Tx(context.Background(), func(tx *sql.Tx) error {
		return events.Publish(context.Background(), tx, topic, key, payload)
	}); err != nil {
		t.Fatal(err)
	}
}

func count(t testing.TB, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// duplicates returns the (subscriber, event) pairs seen more than once.
func duplicates(t testing.TB, db *store.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT subscriber, event_id, COUNT(*) FROM events_test_seen
		GROUP BY subscriber, event_id HAVING COUNT(*) > 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var dups []string
	for rows.Next() {
		var sub string
		var id, n int64
		if err := rows.Scan(&sub, &id, &n); err != nil {
			t.Fatal(err)
		}
		dups = append(dups, fmt.Sprintf("%s/#%d×%d", sub, id, n))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return dups
}

// clock is a settable time source for stepping through retry delays.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestPublish(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		createSeen(t, db)

		t.Run("RolledBackIsNotDelivered", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				if err := events.Publish(ctx, tx, "bill.paid", "B-1", map[string]int{"amount": 100}); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("Tx = %v, want boom", err)
			}
			d := events.NewDispatcher(db, quiet)
			var calls atomic.Int32
			d.Subscribe("a", "*", func(context.Context, *sql.Tx, events.Event) error {
				calls.Add(1)
				return nil
			})
			if n, err := d.DispatchOnce(ctx); err != nil || n != 0 {
				t.Fatalf("DispatchOnce = %d, %v; want 0, nil", n, err)
			}
			if got := calls.Load(); got != 0 {
				t.Fatalf("handler called %d times", got)
			}
			if got := count(t, db, `SELECT COUNT(*) FROM events_outbox`); got != 0 {
				t.Fatalf("outbox has %d rows", got)
			}
		})

		t.Run("InvalidTopic", func(t *testing.T) {
			for _, topic := range []string{"", "*"} {
				err := db.Tx(ctx, func(tx *sql.Tx) error { return events.Publish(ctx, tx, topic, "", nil) })
				if err == nil {
					t.Errorf("Publish(%q) = nil, want error", topic)
				}
			}
		})
	}, events.Migrations)
}

func TestDeliveredOncePerSubscriber(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		createSeen(t, db)
		type paid struct {
			Bill   string `json:"bill"`
			Amount int64  `json:"amount"`
		}
		for i := 1; i <= 3; i++ {
			publish(t, db, "bill.paid", fmt.Sprintf("B-%d", i), paid{Bill: fmt.Sprintf("B-%d", i), Amount: int64(i * 100)})
		}
		publish(t, db, "application.decided", "A-1", map[string]string{"decision": "approved"})

		d := events.NewDispatcher(db, quiet)
		var amounts atomic.Int64
		d.Subscribe("payments", "bill.paid", func(ctx context.Context, tx *sql.Tx, ev events.Event) error {
			var p paid
			if err := ev.Decode(&p); err != nil {
				return err
			}
			if p.Bill != ev.Key {
				return fmt.Errorf("payload bill %q, key %q", p.Bill, ev.Key)
			}
			amounts.Add(p.Amount)
			return record("payments")(ctx, tx, ev)
		})
		d.Subscribe("everything", "*", record("everything"))

		n, err := d.DispatchOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := n, 3+4; got != want {
			t.Fatalf("delivered %d, want %d", got, want)
		}
		if got, want := amounts.Load(), int64(600); got != want {
			t.Errorf("amounts = %d, want %d", got, want)
		}
		if got, want := count(t, db, `SELECT COUNT(*) FROM events_test_seen WHERE subscriber = 'payments'`), 3; got != want {
			t.Errorf("payments saw %d, want %d", got, want)
		}
		if got, want := count(t, db, `SELECT COUNT(*) FROM events_test_seen WHERE subscriber = 'everything'`), 4; got != want {
			t.Errorf("everything saw %d, want %d", got, want)
		}
		if n, err := d.DispatchOnce(ctx); err != nil || n != 0 {
			t.Fatalf("second DispatchOnce = %d, %v; want 0, nil", n, err)
		}
		if dups := duplicates(t, db); len(dups) > 0 {
			t.Fatalf("duplicate deliveries: %v", dups)
		}
		// A dispatcher that did not see the first pass (another replica)
		// finds nothing left to do either.
		other := events.NewDispatcher(db, quiet)
		other.Subscribe("payments", "bill.paid", record("payments"))
		other.Subscribe("everything", "*", record("everything"))
		if n, err := other.DispatchOnce(ctx); err != nil || n != 0 {
			t.Fatalf("other replica DispatchOnce = %d, %v; want 0, nil", n, err)
		}
	}, events.Migrations)
}

func TestRetryWithBackoff(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		createSeen(t, db)
		clk := &clock{now: time.Now().UTC()}
		d := events.NewDispatcher(db, quiet, events.WithClock(clk.Now), events.WithBackoff(time.Minute, time.Hour))
		var calls atomic.Int32
		d.Subscribe("flaky", "doc.issued", func(ctx context.Context, tx *sql.Tx, ev events.Event) error {
			// The write happens before the failure: it must be rolled back.
			if err := record("flaky")(ctx, tx, ev); err != nil {
				return err
			}
			switch calls.Add(1) {
			case 1:
				return errors.New("registry unavailable")
			case 2:
				panic("nil map")
			}
			return nil
		})
		publish(t, db, "doc.issued", "D-1", nil)

		schedule := func() (attempts int, next time.Time, lastErr, state string) {
			t.Helper()
			err := db.QueryRow(`SELECT attempts, next_attempt_at, last_error, state FROM events_deliveries WHERE subscriber = 'flaky'`).
				Scan(&attempts, &next, &lastErr, &state)
			if err != nil {
				t.Fatal(err)
			}
			return attempts, next, lastErr, state
		}

		steps := []struct {
			name         string
			advance      time.Duration
			wantCalls    int32
			wantAttempts int
			wantErr      string
			wantSeen     int
			wantMinDelay time.Duration
			wantMaxDelay time.Duration
		}{
			{name: "FirstFails", wantCalls: 1, wantAttempts: 1, wantErr: "registry unavailable", wantMinDelay: 30 * time.Second, wantMaxDelay: time.Minute},
			{name: "NotBeforeBackoff", advance: 29 * time.Second, wantCalls: 1, wantAttempts: 1, wantErr: "registry unavailable"},
			{name: "SecondPanics", advance: 31 * time.Second, wantCalls: 2, wantAttempts: 2, wantErr: "panic: nil map", wantMinDelay: time.Minute, wantMaxDelay: 2 * time.Minute},
			{name: "ThirdSucceeds", advance: 2 * time.Minute, wantCalls: 3, wantAttempts: 3, wantSeen: 1},
			{name: "NeverAgain", advance: time.Hour, wantCalls: 3, wantAttempts: 3, wantSeen: 1},
		}
		for _, s := range steps {
			clk.Add(s.advance)
			if _, err := d.DispatchOnce(ctx); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got := calls.Load(); got != s.wantCalls {
				t.Fatalf("%s: handler called %d times, want %d", s.name, got, s.wantCalls)
			}
			attempts, next, lastErr, state := schedule()
			if attempts != s.wantAttempts {
				t.Errorf("%s: attempts = %d, want %d", s.name, attempts, s.wantAttempts)
			}
			if s.wantErr != "" && !strings.Contains(lastErr, s.wantErr) {
				t.Errorf("%s: last_error = %q, want it to contain %q", s.name, lastErr, s.wantErr)
			}
			if got := count(t, db, `SELECT COUNT(*) FROM events_test_seen`); got != s.wantSeen {
				t.Errorf("%s: %d rows written, want %d (failed attempts must roll back)", s.name, got, s.wantSeen)
			}
			if s.wantSeen > 0 && state != "delivered" {
				t.Errorf("%s: state = %q, want delivered", s.name, state)
			}
			if s.wantMaxDelay > 0 {
				delay := next.Sub(clk.Now())
				if delay < s.wantMinDelay || delay > s.wantMaxDelay {
					t.Errorf("%s: next attempt in %v, want between %v and %v", s.name, delay, s.wantMinDelay, s.wantMaxDelay)
				}
			}
		}
	}, events.Migrations)
}

func TestDeadAfterMaxAttempts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &clock{now: time.Now().UTC()}
		d := events.NewDispatcher(db, quiet, events.WithClock(clk.Now), events.WithMaxAttempts(3),
			events.WithBackoff(time.Second, time.Second))
		var calls atomic.Int32
		d.Subscribe("broken", "*", func(context.Context, *sql.Tx, events.Event) error {
			calls.Add(1)
			return errors.New("always")
		})
		publish(t, db, "x", "", nil)
		for range 10 {
			if _, err := d.DispatchOnce(ctx); err != nil {
				t.Fatal(err)
			}
			clk.Add(time.Hour)
		}
		if got, want := calls.Load(), int32(3); got != want {
			t.Errorf("handler called %d times, want %d", got, want)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM events_deliveries WHERE state = 'dead' AND attempts = 3 AND done_at IS NOT NULL`); got != 1 {
			t.Errorf("%d dead deliveries, want 1", got)
		}
		// Dead deliveries keep their event for an operator to look at.
		if n, err := d.Prune(ctx, time.Minute); err != nil || n != 0 {
			t.Errorf("Prune = %d, %v; want 0, nil", n, err)
		}
	}, events.Migrations)
}

func TestPrune(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		createSeen(t, db)
		clk := &clock{now: time.Now().UTC()}
		d := events.NewDispatcher(db, quiet, events.WithClock(clk.Now))
		d.Subscribe("a", "t.a", record("a"))
		d.Subscribe("b", "t.b", record("b"))
		publish(t, db, "t.a", "1", nil)
		publish(t, db, "t.b", "2", nil)
		publish(t, db, "t.none", "3", nil)

		clk.Add(2 * time.Hour)
		// Nothing delivered yet: only the event nobody subscribes to goes.
		if n, err := d.Prune(ctx, time.Hour); err != nil || n != 1 {
			t.Fatalf("Prune before delivery = %d, %v; want 1, nil", n, err)
		}
		if _, err := d.DispatchOnce(ctx); err != nil {
			t.Fatal(err)
		}
		// Delivered just now: kept until the delivery is old enough.
		if n, err := d.Prune(ctx, time.Hour); err != nil || n != 0 {
			t.Fatalf("Prune right after delivery = %d, %v; want 0, nil", n, err)
		}
		clk.Add(2 * time.Hour)
		if n, err := d.Prune(ctx, time.Hour); err != nil || n != 2 {
			t.Fatalf("Prune = %d, %v; want 2, nil", n, err)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM events_deliveries`); got != 0 {
			t.Errorf("%d deliveries left after prune", got)
		}
	}, events.Migrations)
}

func TestConcurrentDispatchers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		const total = 150
		createSeen(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()

		var dispatchers []*events.Dispatcher
		var wg sync.WaitGroup
		for range 2 {
			d := events.NewDispatcher(db, quiet, events.WithPollInterval(10*time.Millisecond), events.WithBatchSize(20))
			d.Subscribe("a", "*", record("a"))
			d.Subscribe("b", "case.opened", record("b"))
			dispatchers = append(dispatchers, d)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := d.Run(ctx); err != nil {
					t.Errorf("Run: %v", err)
				}
			}()
		}
		// Publish while the dispatchers run, from several goroutines.
		var pub sync.WaitGroup
		for g := range 3 {
			pub.Add(1)
			go func() {
				defer pub.Done()
				for i := range total / 3 {
					err := db.Tx(ctx, func(tx *sql.Tx) error {
						return events.Publish(ctx, tx, "case.opened", fmt.Sprintf("C-%d-%d", g, i), i)
					})
					if err != nil {
						t.Errorf("publish: %v", err)
						return
					}
					dispatchers[i%2].Notify()
				}
			}()
		}
		pub.Wait()

		deadline := time.Now().Add(60 * time.Second)
		for count(t, db, `SELECT COUNT(*) FROM events_deliveries WHERE state = 'delivered'`) < 2*total {
			if time.Now().After(deadline) {
				t.Fatalf("only %d of %d delivered in time",
					count(t, db, `SELECT COUNT(*) FROM events_deliveries WHERE state = 'delivered'`), 2*total)
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		wg.Wait()

		if dups := duplicates(t, db); len(dups) > 0 {
			t.Fatalf("duplicate deliveries: %v", dups)
		}
		for _, sub := range []string{"a", "b"} {
			if got := count(t, db, `SELECT COUNT(DISTINCT event_id) FROM events_test_seen WHERE subscriber = $1`, sub); got != total {
				t.Errorf("%s saw %d events, want %d", sub, got, total)
			}
		}
	}, events.Migrations)
}

func TestRunStopsOnCancel(t *testing.T) {
	db := storetest.SQLite(t, events.Migrations)
	d := events.NewDispatcher(db, quiet, events.WithPollInterval(time.Hour))
	delivered := make(chan struct{}, 1)
	d.Subscribe("a", "*", func(context.Context, *sql.Tx, events.Event) error {
		delivered <- struct{}{}
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	// With an hour-long poll, only Notify can get this delivered quickly.
	time.Sleep(50 * time.Millisecond)
	publish(t, db, "x", "", nil)
	d.Notify()
	select {
	case <-delivered:
	case <-time.After(10 * time.Second):
		t.Fatal("Notify did not wake Run")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop on cancel")
	}
}

func TestSubscribeDuplicatePanics(t *testing.T) {
	d := events.NewDispatcher(nil, quiet)
	d.Subscribe("a", "*", record("a"))
	defer func() {
		if recover() == nil {
			t.Fatal("second Subscribe with the same name did not panic")
		}
	}()
	d.Subscribe("a", "x", record("a"))
}
