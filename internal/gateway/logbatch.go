package gateway

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync"
	"time"

	"github.com/egov/egov/internal/store"
)

// Group commit of the message log. Each exchange must be logged durably
// before it is answered, but a transaction per exchange caps the server
// at the rate the database commits. So exchanges that finish while a
// batch is being written wait together, and the next transaction writes
// them all: one head update, their rows, one commit. Under light load a
// batch is one exchange and nothing waits; under heavy load batches grow
// and the commit rate stops being the limit.

// maxBatch bounds one transaction's exchanges.
const maxBatch = 256

// logWindow is how long the writer lets a batch gather before writing
// it, when other exchanges are under way. A lone exchange is written at
// once.
const logWindow = time.Millisecond

type logEntry struct {
	msg    Message
	bodies [2]string // sealed request and response bodies, or ""
	fins   []string  // persons read, for the data tracker
	done   chan error
}

// logBatcher writes the log's entries in batches (see above).
type logBatcher struct {
	batch   batcher[*logEntry]
	db      *store.DB
	journal *journal    // set by OpenJournal: batches are appended to it
	alone   func() bool // whether the exchange being logged is the only one under way

	// The writer keeps a connection of the pool between batches, with its
	// statements prepared on it: preparing them per batch was a quarter
	// of the writer's time on SQLite. It begins and commits with
	// statements of its own rather than a database/sql Tx, which starts
	// a goroutine per transaction to watch its context (5 % of the
	// provider side's CPU under bench/gateway's load). The connection
	// goes back to the pool after logIdle without a batch.
	mu   sync.Mutex
	conn *logConn
	idle *time.Timer
}

// logIdle is how long the writer keeps its connection without work.
var logIdle = time.Second

func newLogBatcher(g *Gateway) *logBatcher {
	b := &logBatcher{db: g.db, alone: func() bool { return g.inFlight.Load() <= 1 }}
	b.batch = batcher[*logEntry]{max: maxBatch, window: logWindow, busy: g.othersInFlight,
		flush: func(batch []*logEntry) { b.write(context.Background(), batch) }}
	return b
}

const (
	insertMessageSQL = `INSERT INTO gateway_messages (seq, at, x_road_id, request_id, client_id, service_id, method,
		user_id, purpose, issue, status, error_type, request_hash, response_hash, prev_hash, hash, request_body, response_body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`
	insertReadSQL = `INSERT INTO gateway_reads (fin, at, client_id, service_id, purpose, user_id, x_road_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`
)

// logConn is the writer's connection and its prepared statements.
type logConn struct {
	conn                                         *sql.Conn
	begin, commit, rollback                      *sql.Stmt
	moveHead, insertMessage, insertRead, setHead *sql.Stmt
}

func openLogConn(ctx context.Context, db *store.DB) (*logConn, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	c := &logConn{conn: conn}
	// SQLite takes the write lock at BEGIN IMMEDIATE, as the pool's own
	// transactions do (_txlock=immediate), so two writers never deadlock
	// upgrading their locks.
	begin := "BEGIN"
	if db.Engine == store.SQLite {
		begin = "BEGIN IMMEDIATE"
	}
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&c.begin, begin},
		{&c.commit, "COMMIT"},
		{&c.rollback, "ROLLBACK"},
		// The head's row lock serialises writers across replicas.
		{&c.moveHead, `UPDATE gateway_message_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash`},
		{&c.insertMessage, insertMessageSQL},
		{&c.insertRead, insertReadSQL},
		{&c.setHead, `UPDATE gateway_message_head SET hash = $1 WHERE id = 1`},
	} {
		stmt, err := conn.PrepareContext(ctx, p.query)
		if err != nil {
			c.close(false)
			return nil, err
		}
		*p.stmt = stmt
	}
	return c, nil
}

// close gives the connection back to the pool, or has the pool discard
// it when a transaction may still be open on it.
func (c *logConn) close(broken bool) {
	for _, s := range []*sql.Stmt{c.begin, c.commit, c.rollback, c.moveHead, c.insertMessage, c.insertRead, c.setHead} {
		if s != nil {
			s.Close()
		}
	}
	if broken {
		c.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	c.conn.Close()
}

// add queues e and waits until the batch holding it is committed.
func (b *logBatcher) add(e *logEntry) error {
	e.done = make(chan error, 1)
	b.batch.add(e)
	return <-e.done
}

// write commits one batch and tells each entry how it went.
func (b *logBatcher) write(ctx context.Context, batch []*logEntry) {
	err := b.commit(ctx, batch)
	if err != nil && len(batch) > 1 {
		// One bad entry must not fail the others: write them one by one.
		for _, e := range batch {
			e.done <- b.commit(ctx, []*logEntry{e})
		}
		return
	}
	for _, e := range batch {
		e.done <- err
	}
}

// commit appends batch to the journal when the log has one, else writes
// it in one transaction on the writer's connection.
func (b *logBatcher) commit(ctx context.Context, batch []*logEntry) error {
	if b.journal != nil {
		if err := b.journal.append(batch); err != nil {
			return err
		}
		if b.alone() {
			// With nothing else under way there is nothing to gather:
			// the exchange goes into the tables before it is answered,
			// so that what reads it next, even from another process,
			// finds it. (Doing so whenever the batcher was not busy, up
			// to four exchanges under way, made the provider side
			// index in transactions of twenty under bench/gateway's
			// load, each costing as much as a hundred rows.)
			// (Should indexing fail, the entries are journalled and the
			// indexer tries again.)
			b.journal.flush(ctx)
		}
		return nil
	}
	c, err := b.take(ctx)
	if err != nil {
		return err
	}
	broken := true // until the transaction is known to be over
	defer func() { b.give(c, broken) }()
	if _, err := c.begin.ExecContext(ctx); err != nil {
		// A connection the database dropped while it was kept: once more
		// on a new one, as database/sql retries a Tx's BEGIN.
		c.close(true)
		if c, err = openLogConn(ctx, b.db); err != nil {
			c = nil
			return err
		}
		if _, err := c.begin.ExecContext(ctx); err != nil {
			return err
		}
	}
	if err := appendEntries(ctx, c, batch); err != nil {
		_, rbErr := c.rollback.ExecContext(ctx)
		broken = rbErr != nil
		return err
	}
	if _, err := c.commit.ExecContext(ctx); err != nil {
		_, rbErr := c.rollback.ExecContext(ctx)
		broken = rbErr != nil
		return err
	}
	broken = false
	return nil
}

// take is the writer's connection, opened if it has none.
func (b *logBatcher) take(ctx context.Context) (*logConn, error) {
	b.mu.Lock()
	c := b.conn
	b.conn = nil
	b.mu.Unlock()
	if c != nil {
		return c, nil
	}
	return openLogConn(ctx, b.db)
}

// give keeps c for the next batch, for logIdle, or drops it if broken.
func (b *logBatcher) give(c *logConn, broken bool) {
	if c == nil {
		return
	}
	if broken {
		c.close(true)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.conn = c
	if b.idle == nil {
		b.idle = time.AfterFunc(logIdle, b.release)
	} else {
		b.idle.Reset(logIdle)
	}
}

// release gives the kept connection back to the pool.
func (b *logBatcher) release() {
	b.mu.Lock()
	c := b.conn
	b.conn = nil
	b.mu.Unlock()
	if c != nil {
		c.close(false)
	}
}

// appendEntries chains the entries after the head in tx: the head moves
// once by their number, each row links to the one before.
func appendEntries(ctx context.Context, c *logConn, batch []*logEntry) error {
	var last int64
	var prev string
	n := int64(len(batch))
	if err := c.moveHead.QueryRowContext(ctx, n).Scan(&last, &prev); err != nil {
		return fmt.Errorf("gateway: message log head: %w", err)
	}
	at := now()
	for i, e := range batch {
		m := e.msg
		m.Seq, m.At, m.PrevHash = last-n+1+int64(i), at, prev
		m.Hash = MessageHash(m)
		if err := insertEntry(ctx, c.insertMessage, c.insertRead, m, e); err != nil {
			return err
		}
		prev = m.Hash
	}
	_, err := c.setHead.ExecContext(ctx, prev)
	return err
}

// insertEntry writes the message m, e's, and the reads it recorded.
func insertEntry(ctx context.Context, insert, read *sql.Stmt, m Message, e *logEntry) error {
	if _, err := insert.ExecContext(ctx, m.Seq, m.At, m.XRoadID, m.RequestID, m.Client, m.Service, m.Method, m.UserID, m.Purpose, m.Issue,
		m.Status, m.ErrorType, m.RequestHash, m.ResponseHash, m.PrevHash, m.Hash, e.bodies[0], e.bodies[1]); err != nil {
		return fmt.Errorf("gateway: log message %d: %w", m.Seq, err)
	}
	for _, fin := range e.fins {
		if _, err := read.ExecContext(ctx, fin, m.At, m.Client, m.Service, m.Purpose, m.UserID, m.XRoadID); err != nil {
			return err
		}
	}
	return nil
}

// othersInFlight reports whether enough exchanges besides the caller's
// are being served for a batch to be worth waiting for: with one or two
// others, the wait costs more than it saves (BenchmarkClientGet).
func (g *Gateway) othersInFlight() bool { return g.inFlight.Load() > minBatchInFlight }

// minBatchInFlight is how many exchanges must be under way for a batch
// to wait for more.
const minBatchInFlight = 4
