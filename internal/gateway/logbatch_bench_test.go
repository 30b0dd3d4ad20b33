package gateway

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/egov/egov/internal/storetest"
)

// BenchmarkMessageLog is the message log's writer alone: one op is one
// exchange logged, in batches of 1, 8 and 32 exchanges, with and without
// a data-tracker read each, on SQLite: each batch a transaction, or
// appended to a journal and indexed (the time includes indexing all:
// with -cpu 1, ns/op is the CPU an exchange costs).
func BenchmarkMessageLog(b *testing.B) {
	for _, journal := range []bool{false, true} {
		for _, n := range []int{1, 8, 32} {
			for _, reads := range []int{0, 1} {
				name := fmt.Sprintf("batch%d/reads%d", n, reads)
				if journal {
					name = "journal/" + name
				}
				b.Run(name, func(b *testing.B) {
					g := New(storetest.SQLite(b, Migrations), nil)
					if journal {
						if err := g.OpenJournal(context.Background(), filepath.Join(b.TempDir(), "journal")); err != nil {
							b.Fatal(err)
						}
						defer g.CloseJournal()
						g.inFlight.Add(100) // as under load: indexed in the background
					}
					var fins []string
					if reads == 1 {
						fins = []string{"5ZQX7KA"}
					}
					for i := 0; i < b.N; i += n {
						batch := make([]*logEntry, n)
						for j := range batch {
							batch[j] = &logEntry{msg: Message{XRoadID: newID(), RequestID: newID(), Client: "AZ/GOV/1000000010/portal",
								Service: "AZ/GOV/1000000001/population/persons", Method: "GET", Purpose: "bench", Status: 200,
								RequestHash: "Wd3YkB0m6Yk3p2bN4oQ1xJ8vG7cR5tL2sF9hD6aE0uI=", ResponseHash: "Wd3YkB0m6Yk3p2bN4oQ1xJ8vG7cR5tL2sF9hD6aE0uI="},
								fins: fins, done: make(chan error, 1)}
						}
						g.logs.write(context.Background(), batch)
						for _, e := range batch {
							if err := <-e.done; err != nil {
								b.Fatal(err)
							}
						}
					}
					if err := g.flushLog(context.Background()); err != nil {
						b.Fatal(err)
					}
				})
			}
		}
	}
}
