package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/egov/egov/internal/storetest"
)

func journalEntry(purpose string, fins ...string) *logEntry {
	return &logEntry{msg: Message{XRoadID: newID(), RequestID: newID(), Client: "AZ/GOV/1000000010/portal",
		Service: "AZ/GOV/1000000001/population/persons", Method: "GET", Purpose: purpose, Status: 200,
		RequestHash: "req", ResponseHash: "resp"},
		bodies: [2]string{"sealed request " + purpose, ""}, fins: fins, done: make(chan error, 1)}
}

// A server that stops before its indexer has caught up loses nothing:
// the next to open the journal indexes what it holds, drops the torn
// tail of an append it died in, and the chain goes on from there.
func TestJournalRecoversAfterACrash(t *testing.T) {
	defer func(d time.Duration) { indexDelay = d }(indexDelay)
	indexDelay = time.Hour // the first server indexes nothing of its own accord
	ctx := context.Background()
	db := storetest.SQLite(t, Migrations)
	path := filepath.Join(t.TempDir(), "journal")

	g1 := New(db, nil)
	if err := g1.OpenJournal(ctx, path); err != nil {
		t.Fatal(err)
	}
	if err := g1.logs.journal.append([]*logEntry{journalEntry("first", "5ZQX7KA"), journalEntry("second")}); err != nil {
		t.Fatal(err)
	}
	if err := g1.logs.journal.append([]*logEntry{journalEntry("third", "5ZQX7KA", "1AB2C3D")}); err != nil {
		t.Fatal(err)
	}
	// The process dies: its file closes (and its lock goes) with the
	// indexer still waiting, and half a record trails the last append.
	whole, _ := os.ReadFile(path)
	rec := appendJournalRecord(nil, journalEntry("torn"))
	if err := os.WriteFile(path, append(whole, rec[:len(rec)/2]...), 0o600); err != nil {
		t.Fatal(err)
	}
	g1.logs.journal.f.Close()
	var n int
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM gateway_messages`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d messages indexed before the crash; the test needs none", n)
	}

	g2 := New(db, nil)
	if err := g2.OpenJournal(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer g2.CloseJournal()
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Errorf("journal after recovery: %v, %v; want it empty", fi, err)
	}
	rep, err := g2.Verify(ctx)
	if err != nil || rep.Messages != 3 {
		t.Fatalf("after recovery: %+v %v, want 3 messages intact", rep, err)
	}
	reads, err := g2.AllReads(ctx, ReadFilter{FIN: "5ZQX7KA"})
	if err != nil || len(reads) != 2 {
		t.Errorf("reads of 5ZQX7KA after recovery: %d %v, want 2", len(reads), err)
	}
	var body string
	db.QueryRowContext(ctx, `SELECT request_body FROM gateway_messages WHERE seq = 1`).Scan(&body)
	if body != "sealed request first" {
		t.Errorf("the first message's body came back as %q", body)
	}

	// The chain goes on from the recovered head, and readers see the new
	// exchanges at once though the indexer waits an hour.
	e := journalEntry("fourth", "1AB2C3D")
	if err := g2.logs.journal.append([]*logEntry{e}); err != nil {
		t.Fatal(err)
	}
	if e.msg.Seq != 4 {
		t.Errorf("the first exchange after recovery got seq %d, want 4", e.msg.Seq)
	}
	if ms, err := g2.Messages(ctx, e.msg.XRoadID); err != nil || len(ms) != 1 || ms[0].Hash != e.msg.Hash {
		t.Errorf("Messages right after logging: %v %v", ms, err)
	}
	if rep, err := g2.Verify(ctx); err != nil || rep.Messages != 4 {
		t.Errorf("after one more: %+v %v", rep, err)
	}
}

// A journal is one process's: another cannot open it meanwhile, and a
// journal that does not continue the tables' chain is left as it is,
// for someone to look at.
func TestJournalOwnedAndChecked(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t, Migrations)
	path := filepath.Join(t.TempDir(), "journal")
	g := New(db, nil)
	if err := g.OpenJournal(ctx, path); err != nil {
		t.Fatal(err)
	}
	if err := New(db, nil).OpenJournal(ctx, path); !errors.Is(err, ErrJournalBusy) {
		t.Errorf("a second owner: %v, want ErrJournalBusy", err)
	}
	if err := g.CloseJournal(); err != nil {
		t.Fatal(err)
	}

	// A record chained after a head these tables never had.
	e := journalEntry("stranger")
	e.msg.Seq, e.msg.At, e.msg.PrevHash = 7, now(), GenesisHash
	e.msg.Hash = MessageHash(e.msg)
	foreign := appendJournalRecord(nil, e)
	if err := os.WriteFile(path, foreign, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := New(db, nil).OpenJournal(ctx, path); err == nil {
		t.Error("a journal that does not continue the log was accepted")
	}
	if raw, _ := os.ReadFile(path); !bytes.Equal(raw, foreign) {
		t.Error("the refused journal was changed")
	}

	// Records changed on disk fail their checksum and end the journal.
	e2 := journalEntry("altered")
	e2.msg.Seq, e2.msg.At, e2.msg.PrevHash = 1, now(), GenesisHash
	e2.msg.Hash = MessageHash(e2.msg)
	rec := appendJournalRecord(nil, e2)
	rec[len(rec)-3] ^= 1
	if entries, used := decodeJournal(rec); len(entries) != 0 || used != 0 {
		t.Errorf("an altered record was read: %d entries, %d bytes", len(entries), used)
	}
}

// Exchanges logged concurrently through the journal, with readers and
// the head's signer at work meanwhile, all reach the tables, once each,
// in one unbroken chain, waiting for the indexer when it is behind;
// closing indexes what is pending.
func TestJournalUnderConcurrentLoad(t *testing.T) {
	defer func(d time.Duration, n int) { indexDelay, maxPending = d, n }(indexDelay, maxPending)
	indexDelay, maxPending = 5*time.Millisecond, 16
	ctx := context.Background()
	db := storetest.SQLite(t, Migrations)
	g := New(db, nil)
	if err := g.Configure(Options{Secret: []byte("a test secret of the security server")}); err != nil {
		t.Fatal(err)
	}
	if err := g.OpenJournal(ctx, filepath.Join(t.TempDir(), "journal")); err != nil {
		t.Fatal(err)
	}
	g.inFlight.Add(100) // as under load: batches gather, the indexer lags
	const workers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				e := journalEntry(fmt.Sprintf("w%d-%d", w, i), "5ZQX7KA")
				if err := g.logs.add(e); err != nil {
					errs <- err
					return
				}
				if i%10 == 0 {
					if ms, err := g.Messages(ctx, e.msg.XRoadID); err != nil || len(ms) != 1 {
						errs <- fmt.Errorf("exchange %s not readable after logging: %v %v", e.msg.XRoadID, ms, err)
					}
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 5 {
			if _, err := g.SignHead(ctx); err != nil {
				errs <- err
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := g.CloseJournal(); err != nil {
		t.Fatal(err)
	}
	var n, distinct int
	db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT purpose) FROM gateway_messages`).Scan(&n, &distinct)
	if n != workers*each || distinct != n {
		t.Errorf("%d messages (%d distinct) in the tables, want %d", n, distinct, workers*each)
	}
	if rep, err := g.Verify(ctx); err != nil || rep.Messages != workers*each {
		t.Errorf("chain: %+v %v", rep, err)
	}
}

// Whatever a journal holds, reading it never panics, and what it reads
// is what was written.
func FuzzJournalDecode(f *testing.F) {
	e := journalEntry("fuzz", "5ZQX7KA", "1AB2C3D")
	e.msg.Seq, e.msg.At, e.msg.PrevHash = 1, now(), GenesisHash
	e.msg.Hash = MessageHash(e.msg)
	rec := appendJournalRecord(nil, e)
	f.Add(rec)
	f.Add(append(rec, rec[:9]...))
	f.Add([]byte("\x00\x00\x00\x02\x00\x00\x00\x001:"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, used := decodeJournal(data)
		if used > len(data) {
			t.Fatalf("used %d of %d bytes", used, len(data))
		}
		var again []byte
		for _, e := range entries {
			again = appendJournalRecord(again, e)
		}
		if !bytes.Equal(again, data[:used]) {
			t.Fatalf("records read do not write back the same:\n%q\n%q", data[:used], again)
		}
	})
}
