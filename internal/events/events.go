// Package events is egov's transactional outbox and its dispatcher.
//
// A module that changes something other modules care about (a bill was
// paid, an application was decided) calls Publish inside the transaction
// that makes the change. The event is a row in events_outbox, so it commits
// or rolls back with the change: there is no window in which the change is
// saved but the event lost, or the event sent for a change that never
// happened.
//
// A Dispatcher delivers committed events to the subscribers registered
// with it. Each delivery runs the subscriber's Handler in a transaction
// and, in that same transaction, marks the (event, subscriber) pair
// delivered in events_deliveries. Either both the handler's writes and the
// mark commit, or neither does, so a subscriber's database effects happen
// exactly once per event even if the process dies at any point, and even
// when several replicas run dispatchers against one database.
//
// What is exactly once is the handler's writes in the transaction it is
// given. A handler that does anything outside it — sends an e-mail or SMS,
// calls another system — may be run again for the same event (after a
// crash, or when its transaction fails to commit), so that work must be
// idempotent: key it on the event ID, or let the receiving side
// deduplicate.
//
// Delivery order is not guaranteed: events are usually handed over in the
// order they were published, but a failing delivery is retried later while
// the ones after it go ahead, and several dispatchers work in parallel.
// Consumers that care about order use Event.Key and their own state.
//
// A failed delivery is retried with exponential backoff and jitter, per
// (event, subscriber), its attempts, next attempt time and last error kept
// in events_deliveries; after the maximum number of attempts it is marked
// dead, logged, and left for an operator. One subscriber failing does not
// hold up the others.
//
// Dispatchers find work by polling the outbox (and at once after Notify,
// which wakes only the local process). Each poll looks for outbox events a
// subscriber has no delivery row for, so its cost grows with the events
// retained: call Dispatcher.Prune periodically to delete what has been
// fully delivered.
package events

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/egov/egov/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations create events_outbox and events_deliveries.
var Migrations = store.Migrations{Module: "events", FS: store.MustSub(migrationsFS, "migrations")}

// Event is one published fact. ID is assigned by the outbox and is the
// natural idempotency key for subscribers. Key names the thing the event is
// about (an application number, a bill ID), for consumers that group or
// order by it. Payload is the JSON encoding of what was published.
type Event struct {
	ID        int64
	Topic     string
	Key       string
	Payload   json.RawMessage
	CreatedAt time.Time
}

// Decode unmarshals the event's payload into v.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Payload, v); err != nil {
		return fmt.Errorf("events: decode %s #%d: %w", e.Topic, e.ID, err)
	}
	return nil
}

// Publish writes an event to the outbox in the caller's transaction, so it
// is delivered if and only if tx commits. payload is encoded with
// encoding/json (a json.RawMessage is stored as is). Topic must not be
// empty or "*", which subscribers use to mean every topic.
//
// After the transaction commits, callers may call Dispatcher.Notify to have
// the event delivered at once rather than at the next poll.
func Publish(ctx context.Context, tx *sql.Tx, topic, key string, payload any) error {
	if topic == "" || topic == "*" {
		return fmt.Errorf("events: invalid topic %q", topic)
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("events: encode %s payload: %w", topic, err)
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO events_outbox (topic, key, payload, created_at) VALUES ($1, $2, $3, $4)`,
		topic, key, string(data), time.Now().UTC().Truncate(time.Microsecond))
	if err != nil {
		return fmt.Errorf("events: publish %s: %w", topic, err)
	}
	return nil
}
