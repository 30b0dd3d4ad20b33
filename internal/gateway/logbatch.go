package gateway

import (
	"context"
	"database/sql"
	"fmt"
	"time"
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
	batch batcher[*logEntry]

	// The writer's statements, prepared once on the database and reused
	// by every batch's transaction: preparing them per batch was a
	// quarter of the writer's time on SQLite. Only the batch's goroutine
	// (one at a time) touches them.
	stmts *logStatements
}

func newLogBatcher(g *Gateway) *logBatcher {
	b := &logBatcher{}
	b.batch = batcher[*logEntry]{max: maxBatch, window: logWindow, busy: g.othersInFlight,
		flush: func(batch []*logEntry) { b.write(context.Background(), g, batch) }}
	return b
}

type logStatements struct {
	moveHead, insertMessage, insertRead, setHead *sql.Stmt
}

func (b *logBatcher) statements(ctx context.Context, g *Gateway) (*logStatements, error) {
	if b.stmts != nil {
		return b.stmts, nil
	}
	var st logStatements
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		// The head's row lock serialises writers across replicas.
		{&st.moveHead, `UPDATE gateway_message_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash`},
		{&st.insertMessage, `INSERT INTO gateway_messages (seq, at, x_road_id, request_id, client_id, service_id, method,
			user_id, purpose, issue, status, error_type, request_hash, response_hash, prev_hash, hash, request_body, response_body)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`},
		{&st.insertRead, `INSERT INTO gateway_reads (fin, at, client_id, service_id, purpose, user_id, x_road_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`},
		{&st.setHead, `UPDATE gateway_message_head SET hash = $1 WHERE id = 1`},
	} {
		stmt, err := g.db.PrepareContext(ctx, p.query)
		if err != nil {
			st.close()
			return nil, err
		}
		*p.stmt = stmt
	}
	b.stmts = &st
	return b.stmts, nil
}

func (st *logStatements) close() {
	for _, s := range []*sql.Stmt{st.moveHead, st.insertMessage, st.insertRead, st.setHead} {
		if s != nil {
			s.Close()
		}
	}
}

// add queues e and waits until the batch holding it is committed.
func (b *logBatcher) add(e *logEntry) error {
	e.done = make(chan error, 1)
	b.batch.add(e)
	return <-e.done
}

// write commits one batch and tells each entry how it went.
func (b *logBatcher) write(ctx context.Context, g *Gateway, batch []*logEntry) {
	stmts, err := b.statements(ctx, g)
	if err == nil {
		err = g.db.Tx(ctx, func(tx *sql.Tx) error { return appendEntries(ctx, tx, stmts, batch) })
	}
	if err != nil && len(batch) > 1 && stmts != nil {
		// One bad entry must not fail the others: write them one by one.
		for _, e := range batch {
			e.done <- g.db.Tx(ctx, func(tx *sql.Tx) error { return appendEntries(ctx, tx, stmts, []*logEntry{e}) })
		}
		return
	}
	for _, e := range batch {
		e.done <- err
	}
}

// appendEntries chains the entries after the head in tx: the head moves
// once by their number, each row links to the one before.
func appendEntries(ctx context.Context, tx *sql.Tx, stmts *logStatements, batch []*logEntry) error {
	var last int64
	var prev string
	n := int64(len(batch))
	if err := tx.StmtContext(ctx, stmts.moveHead).QueryRowContext(ctx, n).Scan(&last, &prev); err != nil {
		return fmt.Errorf("gateway: message log head: %w", err)
	}
	at := now()
	insert, read := tx.StmtContext(ctx, stmts.insertMessage), tx.StmtContext(ctx, stmts.insertRead)
	for i, e := range batch {
		m := e.msg
		m.Seq, m.At, m.PrevHash = last-n+1+int64(i), at, prev
		m.Hash = MessageHash(m)
		if _, err := insert.ExecContext(ctx, m.Seq, m.At, m.XRoadID, m.RequestID, m.Client, m.Service, m.Method, m.UserID, m.Purpose, m.Issue,
			m.Status, m.ErrorType, m.RequestHash, m.ResponseHash, m.PrevHash, m.Hash, e.bodies[0], e.bodies[1]); err != nil {
			return fmt.Errorf("gateway: log message %d: %w", m.Seq, err)
		}
		for _, fin := range e.fins {
			if _, err := read.ExecContext(ctx, fin, m.At, m.Client, m.Service, m.Purpose, m.UserID, m.XRoadID); err != nil {
				return err
			}
		}
		prev = m.Hash
	}
	_, err := tx.StmtContext(ctx, stmts.setHead).ExecContext(ctx, prev)
	return err
}

// othersInFlight reports whether enough exchanges besides the caller's
// are being served for a batch to be worth waiting for: with one or two
// others, the wait costs more than it saves (BenchmarkClientGet).
func (g *Gateway) othersInFlight() bool { return g.inFlight.Load() > minBatchInFlight }

// minBatchInFlight is how many exchanges must be under way for a batch
// to wait for more.
const minBatchInFlight = 4
