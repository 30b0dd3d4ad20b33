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

// Handle is the events.Handler that sends one delivery, or records the
// e-mail Prepare sent. A temporary failure returns an error, so the
// dispatcher rolls back and retries with backoff; a permanent one marks
// the delivery failed with the reason and returns nil; a delivery older
// than the expiry is marked expired.
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
	if sent, ok := events.Prepared(ctx).(emailSent); ok && sent.delivery == d.ID {
		if sent.err != nil {
			return w.failed(ctx, tx, d, sent.err, now)
		}
		return w.svc.setDeliveryState(ctx, tx, d.ID, StateSent, "", w.MessageID(*d), now)
	}
	if now.Sub(d.CreatedAt) > w.expiry {
		return w.svc.setDeliveryState(ctx, tx, d.ID, StateExpired, "not sent within "+w.expiry.String(), "", now)
	}
	state, providerID := StateSent, ""
	switch d.Channel {
	case ChannelEmail:
		// Subscribed without Prepare: sent here, inside the transaction.
		if err := w.sendEmail(ctx, tx, d); err != nil {
			return w.failed(ctx, tx, d, err, now)
		}
		providerID = w.MessageID(*d)
	case ChannelSMS:
		if w.sms == nil {
			return errors.New("notify: no SMS provider configured")
		}
		m, err := scanMessage(tx.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM notify_messages WHERE id = $1`, d.MessageID))
		if err != nil {
			return fmt.Errorf("notify: load message %d: %w", d.MessageID, err)
		}
		res, err := w.sms.SendSMS(ctx, tx, SMS{
			IdempotencyKey: "notify-" + strconv.FormatInt(d.ID, 10), To: d.Address, Body: m.Body,
		})
		if err != nil {
			return w.failed(ctx, tx, d, err, now)
		}
		providerID = res.ProviderID
		if res.State == StateDelivered {
			state = StateDelivered
		}
	default:
		return w.svc.setDeliveryState(ctx, tx, d.ID, StateFailed, "unknown channel "+d.Channel, "", now)
	}
	return w.svc.setDeliveryState(ctx, tx, d.ID, state, "", providerID, now)
}

// emailSent is what Prepare did with an e-mail delivery: sent, or the
// error the mailer gave, recorded by Handle.
type emailSent struct {
	delivery int64
	err      error
}

// Prepare is the events.Preparer that sends a pending e-mail delivery
// before the dispatcher's transaction, so that the SMTP conversation holds
// no transaction open (on SQLite, the platform's one write lock); Handle
// then records it. A resend after a crash carries the same Message-ID.
// Other deliveries are left to Handle.
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
	if d.State != StatePending || d.Channel != ChannelEmail || now.Sub(d.CreatedAt) > w.expiry {
		return nil, nil
	}
	return emailSent{delivery: d.ID, err: w.sendEmail(ctx, w.svc.db, d)}, nil
}

// sendEmail sends delivery d's message through the mailer.
func (w *Worker) sendEmail(ctx context.Context, q querier, d *Delivery) error {
	if w.mail == nil {
		return errors.New("notify: no mailer configured")
	}
	m, err := scanMessage(q.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM notify_messages WHERE id = $1`, d.MessageID))
	if err != nil {
		return fmt.Errorf("notify: load message %d: %w", d.MessageID, err)
	}
	atts, err := attachmentsOf(ctx, q, m.ID)
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
