package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

func appendEntry(t testing.TB, db *store.DB, e audit.Entry) audit.Entry {
	t.Helper()
	var got audit.Entry
	err := db.Tx(context.Background(), func(tx *sql.Tx) (err error) {
		got, err = audit.Append(context.Background(), tx, e)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// seed appends n entries with varied fields and returns them.
func seed(t testing.TB, db *store.DB, n int) []audit.Entry {
	t.Helper()
	var entries []audit.Entry
	for i := 1; i <= n; i++ {
		entries = append(entries, appendEntry(t, db, audit.Entry{
			Actor:  fmt.Sprintf("account:%d", i%3),
			Action: []string{"application.submit", "application.decide", "document.issue"}[i%3],
			Object: fmt.Sprintf("application:AZ-%04d", i),
			Detail: map[string]string{"service": "S-42", "step": fmt.Sprint(i), "note": "a<b & \"c\"\nə"},
		}))
	}
	return entries
}

func wantBroken(t *testing.T, checked int64, err error, wantSeq int64, wantReason string) {
	t.Helper()
	var broken *audit.BrokenError
	if !errors.As(err, &broken) {
		t.Fatalf("Verify = %d, %v; want a *BrokenError at seq %d", checked, err, wantSeq)
	}
	if broken.Seq != wantSeq {
		t.Errorf("broken at seq %d (%s), want %d", broken.Seq, broken.Reason, wantSeq)
	}
	if !strings.Contains(broken.Reason, wantReason) {
		t.Errorf("reason %q, want it to mention %q", broken.Reason, wantReason)
	}
	if got, want := checked, wantSeq-1; got != want {
		t.Errorf("checked = %d, want %d (the entries before the break)", got, want)
	}
}

func TestAppendAndVerify(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if n, err := audit.Verify(ctx, db); err != nil || n != 0 {
			t.Fatalf("Verify on an empty log = %d, %v; want 0, nil", n, err)
		}
		entries := seed(t, db, 30)
		for i, e := range entries {
			if got, want := e.Seq, int64(i+1); got != want {
				t.Fatalf("entry %d has seq %d", want, got)
			}
		}
		if got, want := entries[0].PrevHash, audit.GenesisHash; got != want {
			t.Errorf("first PrevHash = %s, want %s", got, want)
		}
		for i := 1; i < len(entries); i++ {
			if entries[i].PrevHash != entries[i-1].Hash {
				t.Fatalf("entry %d does not chain to %d", entries[i].Seq, entries[i-1].Seq)
			}
		}
		if n, err := audit.Verify(ctx, db); err != nil || n != 30 {
			t.Fatalf("Verify = %d, %v; want 30, nil", n, err)
		}
		seq, hash, err := audit.Head(ctx, db)
		if err != nil || seq != 30 || hash != entries[29].Hash {
			t.Fatalf("Head = %d, %s, %v; want 30, %s", seq, hash, err, entries[29].Hash)
		}
		// What is stored reads back as what was hashed.
		got, err := audit.List(ctx, db, audit.Filter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !got[0].At.Equal(entries[29].At) || audit.ChainHash(got[0]) != entries[29].Hash {
			t.Fatalf("List = %+v, want %+v", got, entries[29])
		}
	}, audit.Migrations)
}

func TestAppendRolledBack(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seed(t, db, 2)
		boom := errors.New("boom")
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := audit.Append(ctx, tx, audit.Entry{Actor: "a", Action: "x"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		// The rolled-back seq is reused: no gap.
		if e := appendEntry(t, db, audit.Entry{Actor: "a", Action: "y"}); e.Seq != 3 {
			t.Fatalf("seq after rollback = %d, want 3", e.Seq)
		}
		if n, err := audit.Verify(ctx, db); err != nil || n != 3 {
			t.Fatalf("Verify = %d, %v; want 3, nil", n, err)
		}
	}, audit.Migrations)
}

func TestAppendInvalid(t *testing.T) {
	db := storetest.SQLite(t, audit.Migrations)
	tests := []struct {
		name string
		e    audit.Entry
	}{
		{"ErrActorRequired", audit.Entry{Action: "x"}},
		{"ErrActionRequired", audit.Entry{Actor: "a"}},
		{"ErrInvalidUTF8", audit.Entry{Actor: "a", Action: "x", Object: "\xff"}},
		{"ErrNUL", audit.Entry{Actor: "a", Action: "x", Detail: map[string]string{"k": "a\x00b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.Tx(context.Background(), func(tx *sql.Tx) error {
				_, err := audit.Append(context.Background(), tx, tt.e)
				return err
			})
			if err == nil {
				t.Fatal("Append succeeded, want an error")
			}
		})
	}
}

func TestConcurrentAppend(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const workers, each = 8, 25
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					err := db.Tx(ctx, func(tx *sql.Tx) error {
						_, err := audit.Append(ctx, tx, audit.Entry{
							Actor: fmt.Sprintf("worker:%d", w), Action: "test.append", Object: fmt.Sprint(i),
						})
						return err
					})
					if err != nil {
						t.Errorf("worker %d: %v", w, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if n, err := audit.Verify(ctx, db); err != nil || n != workers*each {
			t.Fatalf("Verify = %d, %v; want %d, nil", n, err, workers*each)
		}
		var lo, hi, n int64
		if err := db.QueryRow(`SELECT MIN(seq), MAX(seq), COUNT(*) FROM audit_log`).Scan(&lo, &hi, &n); err != nil {
			t.Fatal(err)
		}
		if lo != 1 || hi != workers*each || n != workers*each {
			t.Fatalf("seqs %d..%d, %d rows; want contiguous 1..%d", lo, hi, n, workers*each)
		}
	}, audit.Migrations)
}

func TestVerifyDetectsTampering(t *testing.T) {
	const n = 20
	tests := []struct {
		name       string
		tamper     func(t *testing.T, db *store.DB, entries []audit.Entry)
		wantSeq    int64
		wantReason string
	}{
		{
			name:       "AlteredActor",
			tamper:     exec(`UPDATE audit_log SET actor = 'account:mallory' WHERE seq = 7`),
			wantSeq:    7,
			wantReason: "altered",
		},
		{
			name:       "AlteredDetail",
			tamper:     exec(`UPDATE audit_log SET detail = '{"note":"x","service":"S-42","step":"12"}' WHERE seq = 12`),
			wantSeq:    12,
			wantReason: "altered",
		},
		{
			name: "AlteredDetailSameMeaning",
			// Same map once decoded, different bytes: still tampering.
			tamper:     exec(`UPDATE audit_log SET detail = REPLACE(detail, '"service"', '"service" ') WHERE seq = 3`),
			wantSeq:    3,
			wantReason: "altered",
		},
		{
			name:       "AlteredTime",
			tamper:     exec(`UPDATE audit_log SET at = (SELECT at FROM audit_log WHERE seq = 1) WHERE seq = 15`),
			wantSeq:    15,
			wantReason: "altered",
		},
		{
			name:       "DeletedMiddle",
			tamper:     exec(`DELETE FROM audit_log WHERE seq = 10`),
			wantSeq:    10,
			wantReason: "missing",
		},
		{
			name:       "DeletedFirst",
			tamper:     exec(`DELETE FROM audit_log WHERE seq = 1`),
			wantSeq:    1,
			wantReason: "missing",
		},
		{
			name:       "DeletedLast",
			tamper:     exec(fmt.Sprintf(`DELETE FROM audit_log WHERE seq = %d`, n)),
			wantSeq:    n,
			wantReason: "missing",
		},
		{
			name:       "TruncatedTail",
			tamper:     exec(`DELETE FROM audit_log WHERE seq > 16`),
			wantSeq:    17,
			wantReason: "missing",
		},
		{
			name: "AlteredAndRehashed",
			// Rewriting one entry and its hash moves the break to the next
			// entry, whose prev_hash no longer matches.
			tamper: func(t *testing.T, db *store.DB, entries []audit.Entry) {
				e := entries[4]
				e.Actor = "account:mallory"
				e.Hash = audit.ChainHash(e)
				exec(`UPDATE audit_log SET actor = $1, hash = $2 WHERE seq = $3`, e.Actor, e.Hash, e.Seq)(t, db, entries)
			},
			wantSeq:    6,
			wantReason: "prev_hash",
		},
		{
			name: "RehashedLast",
			tamper: func(t *testing.T, db *store.DB, entries []audit.Entry) {
				e := entries[n-1]
				e.Object = "application:other"
				e.Hash = audit.ChainHash(e)
				exec(`UPDATE audit_log SET object = $1, hash = $2 WHERE seq = $3`, e.Object, e.Hash, e.Seq)(t, db, entries)
			},
			wantSeq:    n,
			wantReason: "head",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, db *store.DB) {
				entries := seed(t, db, n)
				tt.tamper(t, db, entries)
				checked, err := audit.Verify(context.Background(), db)
				wantBroken(t, checked, err, tt.wantSeq, tt.wantReason)
			}, audit.Migrations)
		})
	}
}

func exec(query string, args ...any) func(*testing.T, *store.DB, []audit.Entry) {
	return func(t *testing.T, db *store.DB, _ []audit.Entry) {
		t.Helper()
		res, err := db.Exec(query, args...)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			t.Fatalf("%s changed nothing", query)
		}
	}
}

func TestVerifyManyPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// More than one page of Verify, appended in a few big
		// transactions to keep the test quick.
		const total = 1200
		for done := 0; done < total; {
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				for i := 0; i < 400; i++ {
					if _, err := audit.Append(ctx, tx, audit.Entry{Actor: "system:test", Action: "bulk", Object: fmt.Sprint(done + i)}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			done += 400
		}
		if n, err := audit.Verify(ctx, db); err != nil || n != total {
			t.Fatalf("Verify = %d, %v; want %d, nil", n, err, total)
		}
		if _, err := db.Exec(`DELETE FROM audit_log WHERE seq = 1100`); err != nil {
			t.Fatal(err)
		}
		checked, err := audit.Verify(ctx, db)
		wantBroken(t, checked, err, 1100, "missing")
	}, audit.Migrations)
}

func TestList(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		entries := seed(t, db, 12) // actors account:0..2, actions cycle with them
		mid := entries[5].At

		seqs := func(es []audit.Entry) []int64 {
			var s []int64
			for _, e := range es {
				s = append(s, e.Seq)
			}
			return s
		}
		tests := []struct {
			name string
			f    audit.Filter
			want []int64
		}{
			{"All", audit.Filter{}, []int64{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
			{"ByActor", audit.Filter{Actor: "account:1"}, []int64{10, 7, 4, 1}},
			{"ByAction", audit.Filter{Action: "document.issue"}, []int64{11, 8, 5, 2}},
			{"ByObject", audit.Filter{Object: "application:AZ-0003"}, []int64{3}},
			{"Since", audit.Filter{Since: mid}, []int64{12, 11, 10, 9, 8, 7, 6}},
			{"Until", audit.Filter{Until: mid}, []int64{5, 4, 3, 2, 1}},
			{"Page1", audit.Filter{Limit: 5}, []int64{12, 11, 10, 9, 8}},
			{"Page2", audit.Filter{Limit: 5, BeforeSeq: 8}, []int64{7, 6, 5, 4, 3}},
			{"Combined", audit.Filter{Actor: "account:0", Since: mid, BeforeSeq: 12}, []int64{9, 6}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := audit.List(ctx, db, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := fmt.Sprint(seqs(got)), fmt.Sprint(tt.want); g != w {
					t.Errorf("seqs = %s, want %s", g, w)
				}
			})
		}
		got, err := audit.List(ctx, db, audit.Filter{Object: "application:AZ-0007"})
		if err != nil || len(got) != 1 {
			t.Fatalf("List = %v, %v", got, err)
		}
		if d := got[0].Detail; d["step"] != "7" || d["note"] != "a<b & \"c\"\nə" || !got[0].At.Equal(entries[6].At) ||
			got[0].At.Location() != time.UTC {
			t.Errorf("entry read back as %+v, want %+v", got[0], entries[6])
		}
	}, audit.Migrations)
}
