package searchbench

import (
	"slices"
	"testing"
	"time"

	"github.com/egov/egov/internal/catalog/search"
)

const benchDocs = 10_000

// BenchmarkSearch10k searches a 10,000-service index with a rotating set of
// queries and reports, besides the mean, the 99th percentile latency.
func BenchmarkSearch10k(b *testing.B) {
	ix := search.Build(Corpus(benchDocs, 1))
	lat := make([]time.Duration, 0, 1<<16)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		start := time.Now()
		ix.Search(Queries[i%len(Queries)], 10)
		lat = append(lat, time.Since(start))
		i++
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkBuild10k builds the index over 10,000 services.
func BenchmarkBuild10k(b *testing.B) {
	docs := Corpus(benchDocs, 1)
	b.ReportAllocs()
	for b.Loop() {
		search.Build(docs)
	}
}

// TestCorpus keeps the generator honest: deterministic, and documents of
// the size the benchmark claims (~50-150 words across three languages).
func TestCorpus(t *testing.T) {
	a, b := Corpus(200, 7), Corpus(200, 7)
	words := 0
	for i := range a {
		if got, want := a[i].Fields[7].Text, b[i].Fields[7].Text; got != want {
			t.Fatalf("doc %d differs between runs: %q vs %q", i, got, want)
		}
		for _, f := range a[i].Fields {
			words += len(search.Tokens(f.Text))
		}
	}
	if got := words / len(a); got < 50 || got > 150 {
		t.Errorf("mean words per document = %d, want 50..150", got)
	}
	ix := search.Build(a)
	for _, q := range Queries {
		if q != "xyzzy pasport" && len(ix.Search(q, 10)) == 0 {
			t.Errorf("Search(%q) found nothing", q)
		}
	}
}
