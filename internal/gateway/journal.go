package gateway

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/egov/egov/internal/store"
)

// The message log's journal. On SQLite every transaction writes each
// page it changed to the WAL, two writes a page: a batch of four
// exchanges with their tracker reads changes about ten pages, and those
// writes were the largest single cost of a standalone security server
// under load (docs/BENCHMARKS.md). With a journal, a batch is made
// durable by one append to a file, and an indexer writes the journalled
// exchanges into the tables in transactions of hundreds. The append is as
// durable as a commit on the store (SQLite's WAL with synchronous=NORMAL,
// not synced): a crash of the process loses nothing, a power cut may
// lose the last moments.
//
// Exchanges get their seq and chain hash when journalled; the tables'
// head says how far the indexer has got. A server that stopped without
// indexing everything indexes the rest when it opens the journal again.
// Whatever reads the log (the chain's verification, evidence, retention,
// the data tracker) first waits for the indexer to catch up, so it sees
// every exchange answered before it asked.
//
// The head kept in memory is right only while one process writes the
// log, so a journal is locked by the process that opened it: the
// standalone security server on SQLite has one; egov serve, whose
// replicas may share a PostgreSQL log, does not.
//
// A journal record is
//
//	uint32 length | uint32 CRC-32C of the payload | payload
//
// (big-endian), the payload being netstrings of the message's fields in
// MessageHash's order with seq, at and the hashes, then the sealed
// request and response bodies, then each FIN read.

// ErrJournalBusy is OpenJournal's answer when another process holds it.
var ErrJournalBusy = errors.New("gateway: the message log's journal is in use by another process")

// journalTruncateAt is the size past which a journal whose entries are
// all indexed starts again from empty.
const journalTruncateAt = 4 << 20

// indexDelay is how long the indexer lets entries gather, unless a
// reader is waiting. A transaction's own cost (begin, statements,
// commit, the WAL's pages) is that of about a hundred rows: at 20 ms the
// indexer was 19 % of the provider side's CPU under bench/gateway's
// load, at 100 ms 13 %.
var indexDelay = 100 * time.Millisecond

// maxPending bounds the exchanges journalled but not yet indexed: past
// it, exchanges wait for the indexer (or fail while it fails).
var maxPending = 4096

// maxIndexBatch bounds one indexing transaction.
const maxIndexBatch = 2048

type journal struct {
	g    *Gateway
	path string

	mu      sync.Mutex
	f       *os.File // nil once closed
	size    int64
	broken  error // a failed append left the file unusable
	seq     int64 // last journalled
	hash    string
	buf     []byte
	pending []*logEntry   // journalled, not yet in the tables: seqs after indexed()
	err     error         // the indexer's last failure, nil after a success
	moved   chan struct{} // closed and replaced when indexing progresses or fails

	delay   time.Duration // indexDelay when opened
	kick    chan struct{} // entries are pending
	hurry   chan struct{} // a reader waits
	stop    chan struct{}
	stopped chan struct{}
}

// OpenJournal gives the message log a journal at path (see above),
// first indexing what a previous run left in it. Only for a log no
// other process writes; ErrJournalBusy when another holds the file.
func (g *Gateway) OpenJournal(ctx context.Context, path string) error {
	switch {
	case g.logs.journal != nil:
		return errors.New("gateway: the message log has a journal already")
	case g.db.Engine != store.SQLite:
		// PostgreSQL's own log is of records, not pages; and its message
		// log may be shared by replicas.
		return errors.New("gateway: a journal is for a message log on SQLite")
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("gateway: journal: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return err
	}
	j := &journal{g: g, path: path, f: f, moved: make(chan struct{}), delay: indexDelay,
		kick: make(chan struct{}, 1), hurry: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	if err := j.recover(ctx); err != nil {
		f.Close()
		return err
	}
	go j.run()
	g.logs.journal = j
	return nil
}

// CloseJournal indexes what is pending and closes the journal. The log
// must not be written meanwhile.
func (g *Gateway) CloseJournal() error {
	j := g.logs.journal
	if j == nil {
		return nil
	}
	close(j.stop)
	<-j.stopped
	j.mu.Lock()
	defer j.mu.Unlock()
	err := j.err
	if j.f != nil {
		if cerr := j.f.Close(); err == nil {
			err = cerr
		}
		j.f = nil
	}
	return err
}

// flushLog waits until every exchange logged so far is in the tables.
func (g *Gateway) flushLog(ctx context.Context) error {
	if j := g.logs.journal; j != nil {
		return j.flush(ctx)
	}
	return nil
}

// recover indexes the entries a previous run journalled but did not
// index, and empties the journal.
func (j *journal) recover(ctx context.Context) error {
	data, err := io.ReadAll(j.f)
	if err != nil {
		return fmt.Errorf("gateway: journal: %w", err)
	}
	entries, used := decodeJournal(data)
	if used < len(data) {
		// The tail of an append the process died in: never acknowledged.
		j.g.logger.Warn("gateway: journal ends in an incomplete record; it was never acknowledged", "bytes", len(data)-used)
	}
	var headSeq int64
	var headHash string
	if err := j.g.db.QueryRowContext(ctx, `SELECT seq, hash FROM gateway_message_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return err
	}
	for len(entries) > 0 && entries[0].msg.Seq <= headSeq {
		entries = entries[1:] // indexed before the journal was emptied
	}
	seq, prev := headSeq, headHash
	for _, e := range entries {
		if e.msg.Seq != seq+1 || e.msg.PrevHash != prev || MessageHash(e.msg) != e.msg.Hash {
			return fmt.Errorf("gateway: the journal %s does not continue the message log at seq %d", j.path, seq+1)
		}
		seq, prev = e.msg.Seq, e.msg.Hash
	}
	for len(entries) > 0 {
		n := min(len(entries), maxIndexBatch)
		if err := j.index(ctx, entries[:n]); err != nil {
			return err
		}
		entries = entries[n:]
	}
	if err := j.f.Truncate(0); err != nil {
		return fmt.Errorf("gateway: journal: %w", err)
	}
	j.seq, j.hash = seq, prev
	return nil
}

// append journals batch: numbers and chains its entries after the last
// one and writes them with one write. Once it returns nil they are
// durable; the indexer puts them in the tables.
func (j *journal) append(batch []*logEntry) error {
	j.mu.Lock()
	for len(j.pending) >= maxPending && j.err == nil && j.f != nil {
		// The indexer is behind: wait for it rather than hold more.
		moved := j.moved
		j.mu.Unlock()
		select {
		case j.hurry <- struct{}{}:
		default:
		}
		<-moved
		j.mu.Lock()
	}
	defer j.mu.Unlock()
	switch {
	case j.f == nil:
		return errors.New("gateway: the message log's journal is closed")
	case j.broken != nil:
		return j.broken
	case len(j.pending) >= maxPending:
		// The indexer is failing: refuse rather than hold more.
		return fmt.Errorf("gateway: the message log's indexer is %d exchanges behind: %w", len(j.pending), j.err)
	}
	at := now()
	seq, prev := j.seq, j.hash
	buf := j.buf[:0]
	for _, e := range batch {
		seq++
		e.msg.Seq, e.msg.At, e.msg.PrevHash = seq, at, prev
		e.msg.Hash = MessageHash(e.msg)
		prev = e.msg.Hash
		buf = appendJournalRecord(buf, e)
	}
	n, err := j.f.Write(buf)
	if err != nil {
		// A part of a record would hide every later one from recovery:
		// cut it off, or refuse to journal any more.
		if n > 0 {
			if terr := j.f.Truncate(j.size); terr != nil {
				j.broken = fmt.Errorf("gateway: journal unusable after a failed write: %w", err)
			}
		}
		return fmt.Errorf("gateway: journal: %w", err)
	}
	j.size += int64(n)
	j.seq, j.hash = seq, prev
	j.pending = append(j.pending, batch...)
	if cap(buf) <= 1<<20 {
		j.buf = buf
	}
	select {
	case j.kick <- struct{}{}:
	default:
	}
	return nil
}

// flush waits until the entries journalled so far are indexed.
func (j *journal) flush(ctx context.Context) error {
	j.mu.Lock()
	target, indexed := j.seq, j.indexed()
	j.mu.Unlock()
	if indexed >= target {
		return nil
	}
	select {
	case j.hurry <- struct{}{}:
	default:
	}
	for {
		j.mu.Lock()
		indexed, err, moved, closed := j.indexed(), j.err, j.moved, j.f == nil
		j.mu.Unlock()
		switch {
		case indexed >= target:
			return nil
		case err != nil:
			return err
		case closed:
			return errors.New("gateway: the message log's journal is closed")
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// run is the indexer: it waits for entries, lets more gather unless a
// reader is waiting, and indexes them. On stop it indexes the rest.
func (j *journal) run() {
	defer close(j.stopped)
	for {
		hurried := false
		select {
		case <-j.kick:
		case <-j.hurry:
			hurried = true
		case <-j.stop:
			for j.indexPending() {
			}
			return
		}
		if !hurried {
			t := time.NewTimer(j.delay)
			select {
			case <-t.C:
			case <-j.hurry:
			case <-j.stop:
			}
			t.Stop()
		}
		for j.indexPending() {
		}
		if j.failing() {
			// Entries stay journalled: try again in a second.
			t := time.NewTimer(time.Second)
			select {
			case <-t.C:
			case <-j.stop:
			}
			t.Stop()
			select {
			case j.kick <- struct{}{}:
			default:
			}
		}
	}
}

// indexed is the last seq in the tables: the pending entries are the
// last ones journalled. j.mu must be held.
func (j *journal) indexed() int64 { return j.seq - int64(len(j.pending)) }

func (j *journal) failing() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err != nil
}

// indexPending indexes up to maxIndexBatch pending entries, and reports
// whether it did and more are pending.
func (j *journal) indexPending() bool {
	j.mu.Lock()
	batch := j.pending[:min(len(j.pending), maxIndexBatch)]
	j.mu.Unlock()
	if len(batch) == 0 {
		return false
	}
	err := j.index(context.Background(), batch)
	j.mu.Lock()
	defer j.mu.Unlock()
	j.err = err
	if err == nil {
		j.pending = j.pending[len(batch):]
		if len(j.pending) == 0 {
			j.pending = nil // let the indexed entries go
			if j.size > journalTruncateAt && j.f != nil && j.broken == nil {
				if terr := j.f.Truncate(0); terr == nil {
					j.size = 0
				}
			}
		}
	} else {
		j.g.logger.Error("gateway: indexing the message log's journal", "err", err)
	}
	close(j.moved)
	j.moved = make(chan struct{})
	return err == nil && len(j.pending) > 0
}

// index writes journalled entries into the tables in one transaction,
// moving the head from just before the first to the last.
func (j *journal) index(ctx context.Context, entries []*logEntry) error {
	tx, err := j.g.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	first, last := entries[0].msg, entries[len(entries)-1].msg
	res, err := tx.ExecContext(ctx, `UPDATE gateway_message_head SET seq = $1, hash = $2 WHERE id = 1 AND seq = $3 AND hash = $4`,
		last.Seq, last.Hash, first.Seq-1, first.PrevHash)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("gateway: the message log's head is not where the journal continues it (seq %d)", first.Seq-1)
	}
	insert, err := tx.PrepareContext(ctx, insertMessageSQL)
	if err != nil {
		return err
	}
	defer insert.Close()
	read, err := tx.PrepareContext(ctx, insertReadSQL)
	if err != nil {
		return err
	}
	defer read.Close()
	for _, e := range entries {
		if err := insertEntry(ctx, insert, read, e.msg, e); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// appendJournalRecord appends e's record (see above).
func appendJournalRecord(buf []byte, e *logEntry) []byte {
	start := len(buf)
	buf = append(buf, 0, 0, 0, 0, 0, 0, 0, 0)
	m := &e.msg
	var num [40]byte
	buf = appendNetstring(buf, strconv.AppendInt(num[:0], m.Seq, 10))
	buf = appendNetstring(buf, m.At.UTC().AppendFormat(num[:0], time.RFC3339Nano))
	for _, s := range []string{m.XRoadID, m.RequestID, m.Client, m.Service, m.Method, m.UserID, m.Purpose, m.Issue} {
		buf = appendNetstring(buf, s)
	}
	buf = appendNetstring(buf, strconv.AppendInt(num[:0], int64(m.Status), 10))
	for _, s := range []string{m.ErrorType, m.RequestHash, m.ResponseHash, m.PrevHash, m.Hash, e.bodies[0], e.bodies[1]} {
		buf = appendNetstring(buf, s)
	}
	for _, fin := range e.fins {
		buf = appendNetstring(buf, fin)
	}
	payload := buf[start+8:]
	binary.BigEndian.PutUint32(buf[start:], uint32(len(payload)))
	binary.BigEndian.PutUint32(buf[start+4:], crc32.Checksum(payload, castagnoli))
	return buf
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// journalFields is the number of netstrings before the FINs.
const journalFields = 18

// decodeJournal reads records from the start of data until its end or
// the first record that is incomplete or damaged, and says how many
// bytes the records it read take.
func decodeJournal(data []byte) (entries []*logEntry, used int) {
	for len(data)-used >= 8 {
		n := int(binary.BigEndian.Uint32(data[used:]))
		sum := binary.BigEndian.Uint32(data[used+4:])
		if n > len(data)-used-8 {
			break
		}
		payload := data[used+8 : used+8+n]
		if crc32.Checksum(payload, castagnoli) != sum {
			break
		}
		e, ok := decodeJournalPayload(payload)
		if !ok {
			break
		}
		entries = append(entries, e)
		used += 8 + n
	}
	return entries, used
}

func decodeJournalPayload(p []byte) (*logEntry, bool) {
	var fields []string
	for len(p) > 0 {
		s, rest, ok := cutNetstring(p)
		if !ok {
			return nil, false
		}
		fields, p = append(fields, s), rest
	}
	if len(fields) < journalFields {
		return nil, false
	}
	seq, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil {
		return nil, false
	}
	at, err := time.Parse(time.RFC3339Nano, fields[1])
	if err != nil {
		return nil, false
	}
	status, err := strconv.Atoi(fields[10])
	if err != nil {
		return nil, false
	}
	// Only the forms append writes: a record reads back as it was.
	if strconv.FormatInt(seq, 10) != fields[0] || at.UTC().Format(time.RFC3339Nano) != fields[1] || strconv.Itoa(status) != fields[10] {
		return nil, false
	}
	e := &logEntry{msg: Message{Seq: seq, At: at.UTC(), XRoadID: fields[2], RequestID: fields[3], Client: fields[4], Service: fields[5],
		Method: fields[6], UserID: fields[7], Purpose: fields[8], Issue: fields[9], Status: status, ErrorType: fields[11],
		RequestHash: fields[12], ResponseHash: fields[13], PrevHash: fields[14], Hash: fields[15]},
		bodies: [2]string{fields[16], fields[17]}}
	if len(fields) > journalFields {
		e.fins = fields[journalFields:]
	}
	return e, true
}

// cutNetstring reads "<len>:<bytes>," from the start of p.
func cutNetstring(p []byte) (s string, rest []byte, ok bool) {
	colon := -1
	for i, c := range p {
		if c == ':' {
			colon = i
			break
		}
		if c < '0' || c > '9' || i >= 9 {
			return "", nil, false
		}
	}
	if colon <= 0 {
		return "", nil, false
	}
	n, err := strconv.Atoi(string(p[:colon]))
	if err != nil || n > len(p)-colon-2 || p[colon+1+n] != ',' {
		return "", nil, false
	}
	return string(p[colon+1 : colon+1+n]), p[colon+2+n:], true
}
