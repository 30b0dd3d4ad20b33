package events

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/egov/egov/internal/store"
)

// Handler handles one event for one subscriber inside tx. Its writes
// through tx commit together with the dispatcher's record that the event
// was delivered to this subscriber, so they happen exactly once. Returning
// an error (or panicking) rolls them back and schedules a retry.
//
// The handler must not commit or roll back tx. Anything it does outside tx
// (network calls, files) can happen more than once for one event and must
// be idempotent; use ev.ID as the idempotency key.
type Handler func(ctx context.Context, tx *sql.Tx, ev Event) error

// A Preparer does a subscriber's work that is not the database's —
// sending an e-mail, calling a provider — before the delivery's
// transaction, so that no transaction is held open across network I/O
// (on SQLite a transaction holds the one write lock, and every writer of
// the platform would wait for a slow server). Its result reaches the
// handler through Prepared(ctx), and the handler records it in the
// transaction; an error counts as the handler's (retried with backoff).
//
// It runs at least once per delivery: again when the process stops
// between it and the commit, or, past a lease of prepareLease, when it
// overran and another dispatcher took the delivery over. Its effect must
// be idempotent on the far side (an e-mail's Message-ID, an SMS key).
type Preparer func(ctx context.Context, ev Event) (any, error)

// prepareLease is how long a delivery being prepared is kept from other
// dispatchers: longer than any preparer's own timeouts.
const prepareLease = 5 * time.Minute

type preparedKey struct{}

// Prepared is what the subscription's Preparer answered for the event
// being handled, or nil for a subscription without one.
func Prepared(ctx context.Context) any { return ctx.Value(preparedKey{}) }

// Option configures a Dispatcher.
type Option func(*Dispatcher)

// WithPollInterval sets how often Run looks for work when it is not woken
// by Notify (default 1 s). Other replicas' events are found by polling.
func WithPollInterval(d time.Duration) Option { return func(x *Dispatcher) { x.poll = d } }

// WithBatchSize sets how many deliveries per subscriber one DispatchOnce
// makes at most (default 100).
func WithBatchSize(n int) Option { return func(x *Dispatcher) { x.batch = n } }

// WithMaxAttempts sets after how many failed attempts a delivery is marked
// dead and no longer retried (default 20).
func WithMaxAttempts(n int) Option { return func(x *Dispatcher) { x.maxAttempts = n } }

// WithBackoff sets the delay before the first retry and the cap on later
// ones (default 1 s and 1 h). The delay doubles after each failure and is
// jittered down by up to half, so replicas retrying together spread out.
func WithBackoff(first, max time.Duration) Option {
	return func(x *Dispatcher) { x.backoffMin, x.backoffMax = first, max }
}

// WithClock replaces time.Now, for tests that step through retry delays.
func WithClock(now func() time.Time) Option { return func(x *Dispatcher) { x.now = now } }

// Dispatcher delivers outbox events to its subscribers. Every replica runs
// one with the same subscriptions; they share the work through the
// database, and each (event, subscriber) pair is delivered exactly once
// whichever dispatcher picks it up.
//
// A subscriber sees every event of its topic still in the outbox, including
// ones published before it was first registered (back to the last Prune).
type Dispatcher struct {
	db     *store.DB
	logger *slog.Logger

	poll        time.Duration
	batch       int
	maxAttempts int
	backoffMin  time.Duration
	backoffMax  time.Duration
	now         func() time.Time

	mu   sync.Mutex
	subs map[string]subscription
	wake chan struct{}
}

type subscription struct {
	name, topic string
	handler     Handler
	prepare     Preparer // nil: none
}

// NewDispatcher returns a dispatcher with no subscribers. A nil logger
// means slog.Default().
func NewDispatcher(db *store.DB, logger *slog.Logger, opts ...Option) *Dispatcher {
	if logger == nil {
		logger = slog.Default()
	}
	d := &Dispatcher{
		db:          db,
		logger:      logger,
		poll:        time.Second,
		batch:       100,
		maxAttempts: 20,
		backoffMin:  time.Second,
		backoffMax:  time.Hour,
		now:         time.Now,
		subs:        map[string]subscription{},
		wake:        make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(d)
	}
	if d.poll <= 0 {
		d.poll = time.Second
	}
	if d.batch <= 0 {
		d.batch = 100
	}
	if d.maxAttempts <= 0 {
		d.maxAttempts = 20
	}
	if d.backoffMin <= 0 {
		d.backoffMin = time.Second
	}
	if d.backoffMax < d.backoffMin {
		d.backoffMax = d.backoffMin
	}
	return d
}

// Subscribe registers h under name for events of topic, or of every topic
// when topic is "*". The name identifies the subscriber in
// events_deliveries, so it must be unique and must stay the same across
// releases: renaming a subscriber makes it receive every retained event
// again. Subscribe panics on an empty or duplicate name, as these are
// wiring mistakes.
func (d *Dispatcher) Subscribe(name, topic string, h Handler) {
	if name == "" || topic == "" || h == nil {
		panic("events: Subscribe needs a name, a topic and a handler")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, dup := d.subs[name]; dup {
		panic(fmt.Sprintf("events: subscriber %q registered twice", name))
	}
	d.subs[name] = subscription{name: name, topic: topic, handler: h}
}

// SubscribePrepared is Subscribe for a subscriber whose work outside the
// database runs in p, before the transaction (see Preparer).
func (d *Dispatcher) SubscribePrepared(name, topic string, p Preparer, h Handler) {
	if p == nil {
		panic("events: SubscribePrepared needs a preparer")
	}
	d.Subscribe(name, topic, h)
	d.mu.Lock()
	defer d.mu.Unlock()
	sub := d.subs[name]
	sub.prepare = p
	d.subs[name] = sub
}

// Notify wakes Run to look for work now instead of at the next poll. Call
// it after committing a transaction that published events. It never
// blocks.
func (d *Dispatcher) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run dispatches until ctx is cancelled, then returns nil. It works
// through pending deliveries batch after batch, then sleeps until Notify
// or the poll interval. Database errors are logged and retried at the next
// poll rather than ending Run, so a database restart does not stop
// delivery.
func (d *Dispatcher) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-d.wake:
		}
		for ctx.Err() == nil {
			_, more, err := d.dispatch(ctx)
			if err != nil {
				if ctx.Err() == nil {
					d.logger.Error("events: dispatch failed", "err", err)
				}
				break
			}
			if !more {
				break
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(d.poll)
	}
}

// DispatchOnce makes one pass: for each subscriber, it attempts up to the
// batch size of due deliveries. It returns how many deliveries succeeded
// (handler and record committed). A failing handler is not an error of
// DispatchOnce — it is recorded and retried later; errors are the
// database's.
func (d *Dispatcher) DispatchOnce(ctx context.Context) (int, error) {
	n, _, err := d.dispatch(ctx)
	return n, err
}

// dispatch reports more when some subscriber used its whole batch, so
// there may be work left.
func (d *Dispatcher) dispatch(ctx context.Context) (delivered int, more bool, err error) {
	subs := d.subscriptions()
	if len(subs) == 0 {
		return 0, false, nil
	}
	now := d.clock()
	// Fan-out: give each new (event, subscriber) pair a pending row. Each
	// statement commits alone; concurrent dispatchers inserting the same
	// pair are resolved by the primary key.
	for _, s := range subs {
		if _, err := d.db.ExecContext(ctx, fanOutSQL(d.db.Engine),
			s.name, now, s.topic, d.batch); err != nil {
			return delivered, more, fmt.Errorf("events: fan out to %s: %w", s.name, err)
		}
	}
	due, err := d.dueSubscribers(ctx, now)
	if err != nil {
		return delivered, more, err
	}
	for _, s := range subs {
		if !due[s.name] {
			continue
		}
		attempted := 0
		for attempted < d.batch {
			ok, found, err := d.deliverOne(ctx, s, now)
			if err != nil {
				return delivered, more, err
			}
			if !found {
				break
			}
			attempted++
			if ok {
				delivered++
			}
		}
		if attempted == d.batch {
			more = true
		}
	}
	return delivered, more, nil
}

func (d *Dispatcher) subscriptions() []subscription {
	d.mu.Lock()
	defer d.mu.Unlock()
	subs := make([]subscription, 0, len(d.subs))
	for _, s := range d.subs {
		subs = append(subs, s)
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].name < subs[j].name })
	return subs
}

// fanOutSQL inserts a pending delivery for up to $4 outbox events of topic
// $3 that subscriber $1 has no row for yet. PostgreSQL needs the parameter
// types spelled out in the select list; SQLite must not get a CAST to
// TIMESTAMP (that would turn the text into a number).
func fanOutSQL(engine store.Engine) string {
	name, at := "$1", "$2"
	if engine == store.Postgres {
		name, at = "$1::text", "$2::timestamptz"
	}
	return `INSERT INTO events_deliveries (event_id, subscriber, state, attempts, next_attempt_at, last_error)
		SELECT o.id, ` + name + `, 'pending', 0, ` + at + `, '' FROM events_outbox o
		WHERE ($3 = '*' OR o.topic = $3)
		  AND NOT EXISTS (SELECT 1 FROM events_deliveries d WHERE d.event_id = o.id AND d.subscriber = $1)
		ORDER BY o.id LIMIT $4
		ON CONFLICT DO NOTHING`
}

// dueSubscribers reads which subscribers have deliveries due, so that
// idle subscribers cost one shared read instead of a write transaction
// each (on SQLite every transaction takes the write lock).
func (d *Dispatcher) dueSubscribers(ctx context.Context, now time.Time) (map[string]bool, error) {
	rows, err := d.db.QueryContext(ctx,
		`SELECT DISTINCT subscriber FROM events_deliveries WHERE state = 'pending' AND next_attempt_at <= $1`, now)
	if err != nil {
		return nil, fmt.Errorf("events: due deliveries: %w", err)
	}
	defer rows.Close()
	due := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		due[name] = true
	}
	return due, rows.Err()
}

// deliverOne claims one due delivery of s and runs its handler, all in one
// transaction: claim (row-locked on PostgreSQL, skipping rows another
// dispatcher holds), savepoint, handler, then either the delivered mark or
// — after rolling back to the savepoint — the failure and next attempt.
// A subscription with a preparer first leases the delivery in a short
// transaction of its own and prepares it outside any. found is false when
// nothing was due.
func (d *Dispatcher) deliverOne(ctx context.Context, s subscription, now time.Time) (ok, found bool, err error) {
	hctx, eventID, perr := ctx, int64(0), error(nil)
	if s.prepare != nil {
		ev, leased, err := d.lease(ctx, s, now)
		if err != nil || !leased {
			return false, false, err
		}
		prepared, err := callPreparer(ctx, s.prepare, ev)
		if ctx.Err() != nil {
			// Shutting down: the lease runs out and the delivery is
			// prepared again, the attempt not counted.
			return false, true, ctx.Err()
		}
		hctx, eventID, perr = context.WithValue(ctx, preparedKey{}, prepared), ev.ID, err
		found = true // even if another dispatcher finished it meanwhile
	}
	err = d.db.Tx(ctx, func(tx *sql.Tx) error {
		ev, attempts, claimed, err := d.claim(ctx, tx, s, now, eventID)
		if err != nil || !claimed {
			return err
		}
		found = true
		if _, err := tx.ExecContext(ctx, `SAVEPOINT events_handler`); err != nil {
			return err
		}
		herr := perr
		if herr == nil {
			herr = callHandler(hctx, s.handler, tx, ev)
		}
		if herr == nil {
			_, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT events_handler`)
			if err == nil {
				_, err = tx.ExecContext(ctx,
					`UPDATE events_deliveries SET state = 'delivered', attempts = attempts + 1, done_at = $3
					WHERE event_id = $1 AND subscriber = $2`, ev.ID, s.name, d.clock())
			}
			if err != nil {
				return fmt.Errorf("events: record delivery of #%d to %s: %w", ev.ID, s.name, err)
			}
			ok = true
			return nil
		}
		if ctx.Err() != nil {
			// Shutting down: the transaction is gone with the context
			// and the attempt does not count.
			return ctx.Err()
		}
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT events_handler`); err != nil {
			return fmt.Errorf("events: roll back handler %s: %w (handler error: %v)", s.name, err, herr)
		}
		return d.recordFailure(ctx, tx, s, ev, attempts+1, herr)
	})
	return ok, found, err
}

// claim reads, in tx, the next due delivery of s — or, with eventID, that
// delivery if it is still pending (it was leased, so not due) — locking
// its row on PostgreSQL and skipping rows another dispatcher holds.
func (d *Dispatcher) claim(ctx context.Context, tx *sql.Tx, s subscription, now time.Time, eventID int64) (ev Event, attempts int, found bool, err error) {
	q := `SELECT o.id, o.topic, o.key, o.payload, o.created_at, d.attempts
		FROM events_deliveries d JOIN events_outbox o ON o.id = d.event_id
		WHERE d.subscriber = $1 AND d.state = 'pending' AND `
	var arg any = eventID
	if eventID == 0 {
		q += `d.next_attempt_at <= $2 ORDER BY d.event_id LIMIT 1`
		arg = now
	} else {
		q += `d.event_id = $2`
	}
	if d.db.Engine == store.Postgres {
		q += ` FOR UPDATE OF d SKIP LOCKED`
	}
	var payload string
	err = tx.QueryRowContext(ctx, q, s.name, arg).Scan(&ev.ID, &ev.Topic, &ev.Key, &payload, &ev.CreatedAt, &attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return ev, 0, false, nil
	}
	if err != nil {
		return ev, 0, false, fmt.Errorf("events: claim for %s: %w", s.name, err)
	}
	ev.Payload = []byte(payload)
	ev.CreatedAt = ev.CreatedAt.UTC()
	return ev, attempts, true, nil
}

// lease claims the next due delivery of s for prepareLease in a
// transaction of its own, so that its preparation runs outside any.
func (d *Dispatcher) lease(ctx context.Context, s subscription, now time.Time) (ev Event, found bool, err error) {
	err = d.db.Tx(ctx, func(tx *sql.Tx) error {
		ev, _, found, err = d.claim(ctx, tx, s, now, 0)
		if err != nil || !found {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE events_deliveries SET next_attempt_at = $3 WHERE event_id = $1 AND subscriber = $2`,
			ev.ID, s.name, d.clock().Add(prepareLease))
		return err
	})
	return ev, found, err
}

func (d *Dispatcher) recordFailure(ctx context.Context, tx *sql.Tx, s subscription, ev Event, attempts int, herr error) error {
	msg := herr.Error()
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	now := d.clock()
	if attempts >= d.maxAttempts {
		d.logger.Error("events: delivery dead, giving up",
			"subscriber", s.name, "event", ev.ID, "topic", ev.Topic, "attempts", attempts, "err", herr)
		_, err := tx.ExecContext(ctx,
			`UPDATE events_deliveries SET state = 'dead', attempts = $3, last_error = $4, done_at = $5
			WHERE event_id = $1 AND subscriber = $2`, ev.ID, s.name, attempts, msg, now)
		return err
	}
	next := now.Add(d.backoff(attempts))
	d.logger.Warn("events: delivery failed, will retry",
		"subscriber", s.name, "event", ev.ID, "topic", ev.Topic, "attempts", attempts, "next", next, "err", herr)
	_, err := tx.ExecContext(ctx,
		`UPDATE events_deliveries SET attempts = $3, last_error = $4, next_attempt_at = $5
		WHERE event_id = $1 AND subscriber = $2`, ev.ID, s.name, attempts, msg, next)
	return err
}

// backoff is the delay after the given number of failed attempts:
// first·2^(attempts-1), capped, then jittered into its upper half.
func (d *Dispatcher) backoff(attempts int) time.Duration {
	delay := d.backoffMax
	if shift := attempts - 1; shift < 40 {
		if b := d.backoffMin << shift; b > 0 && b < d.backoffMax {
			delay = b
		}
	}
	half := delay / 2
	return half + rand.N(half+1)
}

// clock is the current time as stored: UTC, to the microsecond that
// PostgreSQL keeps, so a time written and then compared is the same value.
func (d *Dispatcher) clock() time.Time {
	return d.now().UTC().Truncate(time.Microsecond)
}

// callPreparer and callHandler turn a panic into an error so one bad
// event cannot take the dispatcher down.
func callPreparer(ctx context.Context, p Preparer, ev Event) (v any, err error) {
	defer recoverInto(&err)
	return p(ctx, ev)
}

func callHandler(ctx context.Context, h Handler, tx *sql.Tx, ev Event) (err error) {
	defer recoverInto(&err)
	return h(ctx, tx, ev)
}

// recoverInto, deferred, sets *err to a recovered panic with its stack.
func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
	}
}

// Prune deletes events created more than olderThan ago that every current
// subscriber of their topic has received, the last of them more than
// olderThan ago too. Events with a pending or dead delivery are kept, so
// nothing is lost that someone still has to look at. It returns how many
// events were deleted. Run it periodically: the outbox is scanned for new
// work on every poll, so its size is the dispatcher's cost.
func (d *Dispatcher) Prune(ctx context.Context, olderThan time.Duration) (int64, error) {
	cutoff := d.clock().Add(-olderThan)
	var q strings.Builder
	q.WriteString(`DELETE FROM events_outbox WHERE created_at < $1
		AND NOT EXISTS (SELECT 1 FROM events_deliveries d WHERE d.event_id = events_outbox.id
			AND (d.state <> 'delivered' OR d.done_at >= $1))`)
	args := []any{cutoff}
	for _, s := range d.subscriptions() {
		args = append(args, s.name, s.topic)
		n, t := len(args)-1, len(args)
		fmt.Fprintf(&q, `
		AND ($%d <> '*' AND events_outbox.topic <> $%d
			OR EXISTS (SELECT 1 FROM events_deliveries d WHERE d.event_id = events_outbox.id AND d.subscriber = $%d))`,
			t, t, n)
	}
	res, err := d.db.ExecContext(ctx, q.String(), args...)
	if err != nil {
		return 0, fmt.Errorf("events: prune: %w", err)
	}
	return res.RowsAffected()
}
