// Package proactivebench measures the proactive services on a generated
// population (one million people by default; EGOV_BENCH_PEOPLE changes
// it) in a fresh SQLite database: the daily scan — the first one, which
// reads every rule's whole lead window, and an ordinary day's, which
// reads one new day per rule — and the throughput of life events from the
// outbox to carried-out actions (certificates signed, benefits assigned,
// parents notified).
package proactivebench

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/egov/egov/internal/app"
	"github.com/egov/egov/internal/config"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/registry"
	"github.com/egov/egov/internal/web"
)

func people() int {
	if n, err := strconv.Atoi(os.Getenv("EGOV_BENCH_PEOPLE")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

var (
	setUp    sync.Once
	theApp   *app.App
	dataDir  string
	setUpErr error
)

// TestMain removes the generated database after the benchmarks.
func TestMain(m *testing.M) {
	code := m.Run()
	if theApp != nil {
		theApp.DB.Close()
	}
	if dataDir != "" {
		os.RemoveAll(dataDir)
	}
	os.Exit(code)
}

// population is egov (demo mode, so the catalog and the rules are seeded)
// on a fresh SQLite database holding the generated population, built once
// per process and shared by the benchmarks.
func population(b *testing.B) *app.App {
	setUp.Do(func() {
		dir, err := os.MkdirTemp("", "egov-proactive-bench-")
		dataDir = dir
		if err != nil {
			setUpErr = err
			return
		}
		cfg, _, err := config.Load([]string{"-data-dir", dir, "-demo", "true", "-base-url", "http://127.0.0.1:1"},
			func(string) string { return "" })
		if err != nil {
			setUpErr = err
			return
		}
		ctx := context.Background()
		db, err := app.Open(ctx, cfg)
		if err != nil {
			setUpErr = err
			return
		}
		if theApp, err = app.New(ctx, cfg, db, slog.New(slog.DiscardHandler)); err != nil {
			setUpErr = err
			return
		}
		start := time.Now()
		stats, err := theApp.Registry.GeneratePopulation(ctx, 1, people())
		if err != nil {
			setUpErr = err
			return
		}
		b.Logf("generated %d people, %d documents, %d vehicles in %s", stats.People, stats.Documents, stats.Vehicles,
			time.Since(start).Round(time.Second))
	})
	if setUpErr != nil {
		b.Fatal(setUpErr)
	}
	return theApp
}

// forget clears what the scans recorded, so the next scan starts afresh.
func forget(b *testing.B, a *app.App, watermark string) {
	ctx := context.Background()
	if _, err := a.DB.ExecContext(ctx, `DELETE FROM proactive_actions WHERE event_key NOT LIKE 'birth:%'`); err != nil {
		b.Fatal(err)
	}
	if _, err := a.DB.ExecContext(ctx, `DELETE FROM proactive_watermarks`); err != nil {
		b.Fatal(err)
	}
	if watermark != "" {
		if _, err := a.DB.ExecContext(ctx, `INSERT INTO proactive_watermarks (rule_id, day)
			SELECT DISTINCT rule_id, $1 FROM proactive_rules`, watermark); err != nil {
			b.Fatal(err)
		}
	}
}

var today = registry.Date(time.Now().In(web.Baku))

// BenchmarkFirstScan is the first scan of every time rule: everyone
// inside each rule's lead window (60 days of 18th birthdays, 30 of
// pension ages, identity cards expiring and inspections due).
func BenchmarkFirstScan(b *testing.B) {
	a := population(b)
	matched, actions := 0, 0
	for b.Loop() {
		b.StopTimer()
		forget(b, a, "")
		b.StartTimer()
		rep, err := a.Proactive.Scan(context.Background(), today)
		if err != nil {
			b.Fatal(err)
		}
		matched, actions = rep.Matched, rep.Actions
	}
	b.ReportMetric(float64(people()), "people")
	b.ReportMetric(float64(matched), "matched/op")
	b.ReportMetric(float64(actions), "actions/op")
}

// BenchmarkDailyScan is an ordinary day's scan: the watermark is
// yesterday, so each rule reads the one day that entered its window.
func BenchmarkDailyScan(b *testing.B) {
	a := population(b)
	matched, actions := 0, 0
	for b.Loop() {
		b.StopTimer()
		forget(b, a, registry.FormatDate(today.AddDate(0, 0, -1)))
		b.StartTimer()
		rep, err := a.Proactive.Scan(context.Background(), today)
		if err != nil {
			b.Fatal(err)
		}
		matched, actions = rep.Matched, rep.Actions
	}
	b.ReportMetric(float64(people()), "people")
	b.ReportMetric(float64(matched), "matched/op")
	b.ReportMetric(float64(actions), "actions/op")
}

// eventsPerOp is how many births one iteration of BenchmarkBirthEvents
// publishes.
const eventsPerOp = 100

// BenchmarkBirthEvents publishes births of generated children (new ones
// every iteration) to the outbox, delivers them to the rules' intake and
// carries out what the rules decided: per birth a signed certificate, a
// benefit and two notices.
func BenchmarkBirthEvents(b *testing.B) {
	a := population(b)
	ctx := context.Background()
	rows, err := a.DB.QueryContext(ctx, `SELECT person_fin FROM registry_family WHERE relation = 'mother' ORDER BY person_fin LIMIT 100000`)
	if err != nil {
		b.Fatal(err)
	}
	var children []string
	for rows.Next() {
		var fin string
		if err := rows.Scan(&fin); err != nil {
			b.Fatal(err)
		}
		children = append(children, fin)
	}
	rows.Close()
	next, delivered, done := 0, 0, 0
	for b.Loop() {
		if next+eventsPerOp > len(children) {
			b.Skip("out of children to be born")
		}
		batch := children[next : next+eventsPerOp]
		next += eventsPerOp
		err := a.DB.Tx(ctx, func(tx *sql.Tx) error {
			for _, fin := range batch {
				p, err := a.Registry.Person(ctx, fin)
				if err != nil {
					return err
				}
				ev := registry.BirthEvent(p)
				if err := events.Publish(ctx, tx, registry.TopicBirth, ev.Key, ev); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		for {
			n, err := a.Events.DispatchOnce(ctx)
			if err != nil {
				b.Fatal(err)
			}
			delivered += n
			if n == 0 {
				break
			}
		}
		for {
			n, err := a.Proactive.Execute(ctx)
			if err != nil {
				b.Fatal(err)
			}
			done += n
			if n == 0 {
				break
			}
		}
	}
	b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "births/s")
	b.ReportMetric(float64(done)/b.Elapsed().Seconds(), "actions/s")
}
