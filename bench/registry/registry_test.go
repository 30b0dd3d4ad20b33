// Package registrybench measures the synthetic-population generator: how
// many people per second it makes in memory, and how many per second
// GeneratePopulation writes into SQLite and (when EGOV_TEST_DATABASE_URL
// is set) PostgreSQL.
package registrybench

import (
	"context"
	"testing"
	"time"

	"github.com/egov/egov/internal/registry"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// benchPeople is the population written per iteration of the store benchmarks.
const benchPeople = 100_000

var today = time.Date(2026, 5, 18, 0, 0, 0, 0, time.UTC)

// BenchmarkGenerate makes 100,000 people (with their documents, families,
// businesses and vehicles) in memory per iteration.
func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	people := 0
	var seed int64
	for b.Loop() {
		seed++
		for h := range registry.Generate(seed, benchPeople, today) {
			people += len(h.People)
		}
	}
	b.ReportMetric(float64(people)/b.Elapsed().Seconds(), "people/s")
}

// BenchmarkGeneratePopulationSQLite writes 100,000 people into a new
// SQLite database per iteration.
func BenchmarkGeneratePopulationSQLite(b *testing.B) {
	benchmarkWrite(b, func(b *testing.B) *store.DB { return storetest.SQLite(b, registry.Migrations) })
}

// BenchmarkGeneratePopulationPostgres writes 100,000 people into a new
// PostgreSQL database per iteration; skipped without EGOV_TEST_DATABASE_URL.
func BenchmarkGeneratePopulationPostgres(b *testing.B) {
	benchmarkWrite(b, func(b *testing.B) *store.DB { return storetest.Postgres(b, registry.Migrations) })
}

func benchmarkWrite(b *testing.B, open func(*testing.B) *store.DB) {
	ctx := context.Background()
	var people, rows int
	var writing time.Duration
	for b.Loop() {
		b.StopTimer()
		r := registry.New(open(b))
		if _, err := r.SeedDemo(ctx, today); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		stats, err := r.GeneratePopulation(ctx, 1, benchPeople)
		if err != nil {
			b.Fatal(err)
		}
		writing += time.Since(start)
		people += stats.People
		rows += stats.People + stats.Documents + stats.FamilyLinks + stats.Businesses + stats.Vehicles
	}
	b.ReportMetric(float64(people)/writing.Seconds(), "people/s")
	b.ReportMetric(float64(rows)/writing.Seconds(), "rows/s")
}

// TestGenerateRate holds the generator to the floor: at least
// 100,000 people per second in memory, best of three runs. It is skipped
// under -short and under the race detector, whose slowdown says nothing
// about the real rate.
func TestGenerateRate(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("timing test: skipped under -short and -race")
	}
	best := 0.0
	for attempt := range 3 {
		start := time.Now()
		people := 0
		for h := range registry.Generate(int64(attempt+1), 300_000, today) {
			people += len(h.People)
		}
		best = max(best, float64(people)/time.Since(start).Seconds())
	}
	t.Logf("generator: %.0f people/s", best)
	if best < 100_000 {
		t.Errorf("generator makes %.0f people/s, want at least 100,000", best)
	}
}
