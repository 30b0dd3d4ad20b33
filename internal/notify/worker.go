package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/egov/egov/internal/events"
)

// Mailer sends one e-mail; *SMTPMailer is the real one.
type Mailer interface {
	Send(ctx context.Context, e Email) error
}

// Worker sends deliveries. Subscribe its Prepare and Handle to
// TopicDelivery on the events dispatcher (SubscribePrepared): the
// dispatcher's retries with backoff are the delivery's retries.
//
// A delivery is sent at least once by the worker and at most once by the
// receiving side: the e-mail's Message-ID and the SMS idempotency key are
// derived from the delivery, so when the worker dies after sending but
// before recording, the resend carries the same identity and the server
// or provider drops it as a duplicate.
type Worker struct {
	svc    *Service
	mail   Mailer
	from   string
	domain string
	sms    SMSProvider
	expiry time.Duration
	now    func() time.Time
}

// WorkerConfig configures a Worker. A nil Mailer or SMS provider leaves
// those deliveries failing temporarily (retried, then expired) — a
// configuration gap, not a reason to lose messages.
type WorkerConfig struct {
	Mailer Mailer
	From   string // From header
	Domain string // right-hand side of Message-IDs, e.g. "egov.az"
	SMS    SMSProvider
	// Expiry: a delivery not sent within this is expired; default 6 h.
	// Keep it inside the dispatcher's retry window (its maximum attempts
	// and backoff), or the dispatcher gives up first and the delivery
	// stays pending beside a dead event.
	Expiry time.Duration
}

// NewWorker returns a worker for svc. With an *SMTPMailer, From and
// Domain default to the mailer's sender.
func NewWorker(svc *Service, cfg WorkerConfig) *Worker {
	w := &Worker{svc: svc, mail: cfg.Mailer, from: cfg.From, domain: cfg.Domain, sms: cfg.SMS, expiry: cfg.Expiry, now: time.Now}
	if m, ok := cfg.Mailer.(*SMTPMailer); ok {
		if w.from == "" {
			w.from = m.From()
		}
		if w.domain == "" {
			w.domain = m.Domain()
		}
	}
	if w.domain == "" {
		w.domain = "egov.invalid"
	}
	if w.expiry <= 0 {
		w.expiry = 6 * time.Hour
	}
	return w
}

// SetClock replaces time.Now, for tests.
func (w *Worker) SetClock(now func() time.Time) { w.now = now }

// MessageID is the Message-ID header of a delivery's e-mail.
func (w *Worker) MessageID(d Delivery) string {
	return fmt.Sprintf("<notify.%d.%d@%s>", d.MessageID, d.ID, w.domain)
}

// Subscriber is the name to subscribe Handle under; it must not change.
const Subscriber = "notify.worker"

// Handle is the events.Handler that records what Prepare did with a
// delivery. A temporary failure returns an error, so the dispatcher
// rolls back and retries with backoff (Prepare sends again, with the
// same identity); a permanent one marks the delivery failed with the
// reason and returns nil; a delivery older than the expiry is marked
// expired. Handle never sends: a network round trip inside the
// dispatcher's transaction would hold the write lock, and the SMS
// sandbox writes on its own connection, which on SQLite would wait for
// that very lock.
func (w *Worker) Handle(ctx context.Context, tx *sql.Tx, ev events.Event) error {
	var p deliveryEvent
	if err := ev.Decode(&p); err != nil {
		return err
	}
	d, err := scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM notify_deliveries WHERE id = $1`, p.DeliveryID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted with its message
	}
	if err != nil {
		return fmt.Errorf("notify: load delivery %d: %w", p.DeliveryID, err)
	}
	if d.State != StatePending {
		return nil
	}
	now := w.now().UTC().Truncate(time.Microsecond)
	res, ok := events.Prepared(ctx).(sendOutcome)
	if !ok || res.delivery != d.ID {
		if now.Sub(d.CreatedAt) > w.expiry {
			return w.svc.setDeliveryState(ctx, tx, d.ID, StateExpired, "not sent within "+w.expiry.String(), "", now)
		}
		return fmt.Errorf("notify: delivery %d was not prepared: subscribe Worker.Prepare with Handle", d.ID)
	}
	if res.err != nil {
		return w.failed(ctx, tx, d, res.err, now)
	}
	return w.svc.setDeliveryState(ctx, tx, d.ID, res.state, "", res.providerID, now)
}

// sendOutcome is what sending a delivery gave: the state and the
// provider's identity for it, or the error, recorded by Handle.
type sendOutcome struct {
	delivery   int64
	state      string
	providerID string
	err        error
}

// Prepare is the events.Preparer that sends a pending delivery before the
// dispatcher's transaction, so that neither the SMTP conversation nor an
// SMS provider's round trip holds a transaction open (on SQLite, the
// platform's one write lock); Handle then records the outcome. A resend
// after a crash carries the same Message-ID or idempotency key.
func (w *Worker) Prepare(ctx context.Context, ev events.Event) (any, error) {
	var p deliveryEvent
	if err := ev.Decode(&p); err != nil {
		return nil, err
	}
	d, err := scanDelivery(w.svc.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM notify_deliveries WHERE id = $1`, p.DeliveryID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("notify: load delivery %d: %w", p.DeliveryID, err)
	}
	now := w.now().UTC().Truncate(time.Microsecond)
	if d.State != StatePending || now.Sub(d.CreatedAt) > w.expiry {
		return nil, nil // Handle records the expiry
	}
	return w.send(ctx, d), nil
}

// send sends delivery d's message on its channel.
func (w *Worker) send(ctx context.Context, d *Delivery) sendOutcome {
	out := sendOutcome{delivery: d.ID, state: StateSent}
	m, err := scanMessage(w.svc.db.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM notify_messages WHERE id = $1`, d.MessageID))
	if err != nil {
		out.err = fmt.Errorf("notify: load message %d: %w", d.MessageID, err)
		return out
	}
	switch d.Channel {
	case ChannelEmail:
		out.err = w.sendEmail(ctx, d, m)
		out.providerID = w.MessageID(*d)
	case ChannelSMS:
		res, err := w.sendSMS(ctx, d, m)
		out.err, out.providerID = err, res.ProviderID
		if res.State == StateDelivered {
			out.state = StateDelivered
		}
	default:
		out.err = &PermanentError{Reason: "unknown channel " + d.Channel}
	}
	return out
}

// sendSMS sends m through the SMS provider, keyed by delivery d so that a
// resend is dropped by the provider.
func (w *Worker) sendSMS(ctx context.Context, d *Delivery, m *Sent) (SMSResult, error) {
	if w.sms == nil {
		return SMSResult{}, errors.New("notify: no SMS provider configured")
	}
	return w.sms.SendSMS(ctx, SMS{IdempotencyKey: "notify-" + strconv.FormatInt(d.ID, 10), To: d.Address, Body: m.Body})
}

// sendEmail sends m, with its attachments, through the mailer as
// delivery d.
func (w *Worker) sendEmail(ctx context.Context, d *Delivery, m *Sent) error {
	if w.mail == nil {
		return errors.New("notify: no mailer configured")
	}
	atts, err := attachmentsOf(ctx, w.svc.db, m.ID)
	if err != nil {
		return err
	}
	return w.mail.Send(ctx, Email{
		MessageID: w.MessageID(*d), From: w.from, To: d.Address,
		Subject: m.Subject, Text: m.Body, HTML: m.HTML, Attachments: atts, Date: m.CreatedAt,
	})
}

// failed records a permanent failure, or returns a temporary one for the
// dispatcher to retry.
func (w *Worker) failed(ctx context.Context, tx *sql.Tx, d *Delivery, err error, now time.Time) error {
	var perm *PermanentError
	if errors.As(err, &perm) {
		return w.svc.setDeliveryState(ctx, tx, d.ID, StateFailed, perm.Reason, "", now)
	}
	if now.Sub(d.CreatedAt) > w.expiry {
		return w.svc.setDeliveryState(ctx, tx, d.ID, StateExpired, "not sent within "+w.expiry.String()+": "+err.Error(), "", now)
	}
	return fmt.Errorf("notify: delivery %d (%s): %w", d.ID, d.Channel, err)
}
