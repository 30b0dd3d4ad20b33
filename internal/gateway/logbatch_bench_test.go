package gateway

import (
	"context"
	"fmt"
	"testing"

	"github.com/egov/egov/internal/storetest"
)

// BenchmarkMessageLog is the message log's writer alone: one op is one
// exchange logged, in batches of 1, 8 and 32 exchanges per transaction,
// with and without a data-tracker read each, on SQLite.
func BenchmarkMessageLog(b *testing.B) {
	for _, n := range []int{1, 8, 32} {
		for _, reads := range []int{0, 1} {
			b.Run(fmt.Sprintf("batch%d/reads%d", n, reads), func(b *testing.B) {
				g := New(storetest.SQLite(b, Migrations), nil)
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
			})
		}
	}
}
