package events_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// The crash test runs real processes and kills them with SIGKILL, so
// nothing in Go (defers, rollbacks, Close) gets a chance to tidy up: what
// survives is exactly what the database committed.
const (
	crashPhaseEnv = "EGOV_EVENTS_CRASH_PHASE"
	crashURLEnv   = "EGOV_EVENTS_CRASH_URL"
	crashDirEnv   = "EGOV_EVENTS_CRASH_DIR"

	crashEvents    = 20 // committed by phase 1
	crashKillAfter = 13 // phase 2 dies inside its 13th handler call
)

var crashSubscribers = []string{"a", "b"}

// TestCrashBetweenOutboxAndDelivery: killing the process between an outbox
// write and its delivery, then restarting, delivers the event exactly once
// to each subscriber.
//
//	phase 1 (child): publishes and commits 20 events, opens a transaction
//	         that publishes one more, and SIGKILLs itself before committing
//	         it or dispatching anything.
//	phase 2 (child): runs a dispatcher whose subscribers write a row per
//	         delivery; inside the 13th handler call, after that handler's
//	         write but before its commit, it SIGKILLs itself.
//	phase 3 (this process): restarts dispatching and runs it to completion.
//
// Then each subscriber must have exactly one row per committed event, and
// none for the uncommitted one.
func TestCrashBetweenOutboxAndDelivery(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		db, err := store.Open(context.Background(), "", dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		crashTest(t, db, "", dir)
	})
	t.Run("postgres", func(t *testing.T) {
		db := storetest.Postgres(t)
		// The children connect to the same fresh database: the server of
		// EGOV_TEST_DATABASE_URL, with the database storetest created.
		var name string
		if err := db.QueryRow(`SELECT current_database()`).Scan(&name); err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(storetest.PostgresURL(t))
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		crashTest(t, db, u.String(), "")
	})
}

func crashTest(t *testing.T, db *store.DB, dbURL, dataDir string) {
	ctx := context.Background()
	if err := db.Migrate(ctx, events.Migrations); err != nil {
		t.Fatal(err)
	}
	createSeen(t, db)

	runCrashChild(t, "publish", dbURL, dataDir)
	if got := count(t, db, `SELECT COUNT(*) FROM events_outbox`); got != crashEvents {
		t.Fatalf("after phase 1 the outbox has %d events, want %d (the uncommitted one must be gone)", got, crashEvents)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM events_test_seen`); got != 0 {
		t.Fatalf("after phase 1, %d deliveries already made", got)
	}

	runCrashChild(t, "dispatch", dbURL, dataDir)
	// The killed handler's write did not commit; the ones before it did.
	if got, want := count(t, db, `SELECT COUNT(*) FROM events_test_seen`), crashKillAfter-1; got != want {
		t.Fatalf("after phase 2, %d deliveries committed, want %d", got, want)
	}

	d := events.NewDispatcher(db, quiet)
	for _, name := range crashSubscribers {
		d.Subscribe(name, "*", record(name))
	}
	want := crashEvents * len(crashSubscribers)
	deadline := time.Now().Add(30 * time.Second)
	for count(t, db, `SELECT COUNT(*) FROM events_test_seen`) < want {
		if time.Now().After(deadline) {
			t.Fatalf("phase 3 delivered only %d of %d", count(t, db, `SELECT COUNT(*) FROM events_test_seen`), want)
		}
		if _, err := d.DispatchOnce(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // let PostgreSQL notice the dead child's connections
	}
	if n, err := d.DispatchOnce(ctx); err != nil || n != 0 {
		t.Fatalf("final DispatchOnce = %d, %v; want 0, nil", n, err)
	}

	if dups := duplicates(t, db); len(dups) > 0 {
		t.Fatalf("delivered more than once: %v", dups)
	}
	for _, name := range crashSubscribers {
		if got := count(t, db, `SELECT COUNT(DISTINCT s.event_id) FROM events_test_seen s
			JOIN events_outbox o ON o.id = s.event_id WHERE s.subscriber = $1 AND o.key <> 'uncommitted'`, name); got != crashEvents {
			t.Errorf("subscriber %s saw %d distinct events, want %d", name, got, crashEvents)
		}
	}
	if got := count(t, db, `SELECT COUNT(*) FROM events_test_seen WHERE event_key = 'uncommitted'`); got != 0 {
		t.Errorf("the uncommitted event was delivered %d times", got)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM events_deliveries WHERE state <> 'delivered'`); got != 0 {
		t.Errorf("%d deliveries not marked delivered", got)
	}
}

// runCrashChild re-executes this test binary as TestHelperProcess in the
// given phase and requires that it died of SIGKILL.
func runCrashChild(t *testing.T, phase, dbURL, dataDir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashPhaseEnv+"="+phase, crashURLEnv+"="+dbURL, crashDirEnv+"="+dataDir)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("phase %s did not finish in time (killed by the test)\n%s", phase, out)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("phase %s: want death by SIGKILL, got %v\n%s", phase, err, out)
	}
	ws, ok := exit.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("phase %s: want death by SIGKILL, got %v\n%s", phase, err, out)
	}
}

// TestHelperProcess is the child of the crash test; it does nothing unless
// started by it.
func TestHelperProcess(t *testing.T) {
	phase := os.Getenv(crashPhaseEnv)
	if phase == "" {
		t.Skip("child process of TestCrashBetweenOutboxAndDelivery")
	}
	ctx := context.Background()
	dataDir := os.Getenv(crashDirEnv)
	db, err := store.Open(ctx, os.Getenv(crashURLEnv), dataDir)
	if err != nil {
		crashFail("open: %v", err)
	}
	switch phase {
	case "publish":
		for i := range crashEvents {
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				return events.Publish(ctx, tx, "case.opened", fmt.Sprintf("C-%d", i), map[string]int{"n": i})
			})
			if err != nil {
				crashFail("publish: %v", err)
			}
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			crashFail("begin: %v", err)
		}
		if err := events.Publish(ctx, tx, "case.opened", "uncommitted", nil); err != nil {
			crashFail("publish: %v", err)
		}
		killSelf()

	case "dispatch":
		var calls atomic.Int32
		d := events.NewDispatcher(db, quiet, events.WithBatchSize(5))
		for _, name := range crashSubscribers {
			d.Subscribe(name, "*", func(ctx context.Context, tx *sql.Tx, ev events.Event) error {
				if err := record(name)(ctx, tx, ev); err != nil {
					return err
				}
				if calls.Add(1) == crashKillAfter {
					killSelf() // the write above is in an open transaction
				}
				return nil
			})
		}
		for {
			if _, err := d.DispatchOnce(ctx); err != nil {
				crashFail("dispatch: %v", err)
			}
		}

	default:
		crashFail("unknown phase %q", phase)
	}
}

func killSelf() {
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	time.Sleep(time.Minute) // not reached: SIGKILL to oneself is delivered before kill returns
}

// crashFail ends the child with a plain exit code, which the parent reports
// as "not killed" along with this message.
func crashFail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "crash helper: "+format+"\n", args...)
	os.Exit(3)
}
