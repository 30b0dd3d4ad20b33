package gateway

import (
	"context"
	"testing"
	"time"

	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// The log writer keeps one connection between batches and gives it back
// when idle; a failed batch leaves no transaction open on it (the others
// of the batch are still logged), and a connection the database dropped
// while it was kept is replaced without failing the next exchange.
func TestLogWriterConnection(t *testing.T) {
	defer func(d time.Duration) { logIdle = d }(logIdle)
	logIdle = 100 * time.Millisecond
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		g := New(db, nil)
		entry := func(purpose string) *logEntry {
			return &logEntry{msg: Message{XRoadID: newID(), RequestID: newID(), Client: "AZ/GOV/1000000010/portal",
				Service: "AZ/GOV/1000000001/population/persons", Method: "GET", Purpose: purpose, Status: 200},
				fins: []string{"5ZQX7KA"}, done: make(chan error, 1)}
		}
		write := func(purposes ...string) []error {
			batch := make([]*logEntry, len(purposes))
			for i, p := range purposes {
				batch[i] = entry(p)
			}
			g.logs.write(ctx, batch)
			errs := make([]error, len(batch))
			for i, e := range batch {
				errs[i] = <-e.done
			}
			return errs
		}

		if errs := write("a", "b"); errs[0] != nil || errs[1] != nil {
			t.Fatal(errs)
		}
		if n := db.Stats().InUse; n != 1 {
			t.Errorf("%d connections in use after a batch, want the writer's 1", n)
		}
		// PostgreSQL refuses a NUL in text; SQLite stores it.
		errs := write("c", "bad\x00", "d")
		if errs[0] != nil || errs[2] != nil || (db.Engine == store.Postgres) != (errs[1] != nil) {
			t.Fatalf("batch with a bad entry: %v", errs)
		}
		if errs := write("e"); errs[0] != nil {
			t.Fatalf("after a failed batch: %v", errs)
		}
		// Given back after logIdle; a loaded machine may fire the timer late.
		for deadline := time.Now().Add(5 * time.Second); db.Stats().InUse != 0 && time.Now().Before(deadline); {
			time.Sleep(logIdle)
		}
		if n := db.Stats().InUse; n != 0 {
			t.Errorf("%d connections in use when idle, want 0", n)
		}

		if db.Engine == store.Postgres {
			logIdle = time.Minute // kept until the test terminates it
			write("f")
			// Only the writer's backend: terminating the pool's idle
			// connections too would fail whichever query next takes one
			// (pgx cannot tell a connection killed just now from a live one).
			g.logs.mu.Lock()
			kept := g.logs.conn
			g.logs.mu.Unlock()
			if kept == nil {
				t.Fatal("no connection kept after a batch")
			}
			var pid int
			if err := kept.conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
				t.Fatal(err)
			}
			// The timeout makes it wait until the backend has exited.
			var gone bool
			if err := db.QueryRowContext(ctx, `SELECT pg_terminate_backend($1, 5000)`, pid).Scan(&gone); err != nil || !gone {
				t.Fatalf("terminating the writer's backend %d: %v, %v", pid, gone, err)
			}
			if errs := write("g"); errs[0] != nil {
				t.Fatalf("after the kept connection was dropped: %v", errs)
			}
		}
		if _, err := g.Verify(ctx); err != nil {
			t.Error(err)
		}
		var reads int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM gateway_reads`).Scan(&reads)
		var msgs int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM gateway_messages`).Scan(&msgs)
		if reads != msgs {
			t.Errorf("%d reads recorded for %d messages", reads, msgs)
		}
	}, Migrations)
}
