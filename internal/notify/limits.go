package notify

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
)

// Limits are the rate limits of Send and the API, counted in fixed
// windows in the database, so every replica shares them. A limit of 0
// takes the default; a negative one turns the limit off.
type Limits struct {
	// PerRecipient: at most this many non-security messages per
	// RecipientWindow to one person (account or FIN) or address. Every
	// such message counts; only those with a sender are refused (see
	// checkRates).
	PerRecipient    int
	RecipientWindow time.Duration
	// PerSender: at most this many messages per SenderWindow from one API
	// key, or from one Message.Sender. Security messages count too.
	PerSender    int
	SenderWindow time.Duration
}

// DefaultLimits: 20 messages an hour to a person or address; 3000 a
// minute from a sender.
var DefaultLimits = Limits{PerRecipient: 20, RecipientWindow: time.Hour, PerSender: 3000, SenderWindow: time.Minute}

// SetLimits replaces the rate limits; zero fields keep the defaults.
func (s *Service) SetLimits(l Limits) {
	if l.PerRecipient == 0 {
		l.PerRecipient = DefaultLimits.PerRecipient
	}
	if l.RecipientWindow <= 0 {
		l.RecipientWindow = DefaultLimits.RecipientWindow
	}
	if l.PerSender == 0 {
		l.PerSender = DefaultLimits.PerSender
	}
	if l.SenderWindow <= 0 {
		l.SenderWindow = DefaultLimits.SenderWindow
	}
	s.limits = l
}

// checkRates counts m against its sender's and recipient's windows, in
// tx: a refused message's transaction rolls back, so it is not counted.
//
// A message without a sender (no API key, no Message.Sender) is a
// module's own, written in the transaction of the change it reports (an
// application decided): it counts towards its recipient's window but is
// never refused by it, since refusing would fail that change. Messages
// with a sender are refused beyond either limit.
func (s *Service) checkRates(ctx context.Context, tx *sql.Tx, m Message, opts sendOptions, now time.Time) error {
	l := s.limits
	sender := opts.senderBucket
	if sender == "" && m.Sender != "" {
		sender = "sender:" + m.Sender
	}
	if sender != "" && l.PerSender > 0 {
		if err := hit(ctx, tx, sender, l.PerSender, l.SenderWindow, now); err != nil {
			return err
		}
	}
	if m.Kind == KindSecurity || opts.test || l.PerRecipient <= 0 {
		return nil
	}
	var buckets []string
	if m.To.AccountID != 0 {
		buckets = append(buckets, "account:"+strconv.FormatInt(m.To.AccountID, 10))
	}
	if m.To.FIN != "" {
		buckets = append(buckets, "fin:"+m.To.FIN)
	}
	if m.To.Email != "" {
		buckets = append(buckets, "email:"+strings.ToLower(m.To.Email))
	}
	if m.To.Phone != "" {
		buckets = append(buckets, "sms:"+m.To.Phone)
	}
	for _, b := range buckets {
		if err := hit(ctx, tx, b, l.PerRecipient, l.RecipientWindow, now); err != nil && sender != "" {
			return err
		}
	}
	return nil
}

// hit counts one message in bucket's current window and refuses it
// (TooMany, Args["Seconds"] until the window ends) beyond limit.
func hit(ctx context.Context, tx *sql.Tx, bucket string, limit int, window time.Duration, now time.Time) error {
	start := now.Truncate(window)
	var n int
	err := tx.QueryRowContext(ctx,
		`INSERT INTO notify_rate_windows (bucket, window_start, hits) VALUES ($1, $2, 1)
		ON CONFLICT (bucket, window_start) DO UPDATE SET hits = notify_rate_windows.hits + 1
		RETURNING hits`, bucket, start.Unix()).Scan(&n)
	if err != nil {
		return fmt.Errorf("notify: rate %s: %w", bucket, err)
	}
	if n <= limit {
		return nil
	}
	wait := start.Add(window).Sub(now)
	secs := int((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	e := errs.E(errs.TooMany, "notify.error.too_many")
	e.Args = map[string]any{"Seconds": secs}
	e.Err = fmt.Errorf("notify: rate limit of %s: %d in %s", bucket, limit, window)
	return e
}

// RetryAfter is the seconds a TooMany error of the rate limits asks to
// wait, or 0 for any other error.
func RetryAfter(err error) int {
	e := errs.As(err)
	if e.Kind != errs.TooMany {
		return 0
	}
	n, _ := e.Args["Seconds"].(int)
	return n
}

// PruneRates deletes rate windows that have ended; run it now and then.
func (s *Service) PruneRates(ctx context.Context) error {
	longest := max(s.limits.RecipientWindow, s.limits.SenderWindow)
	_, err := s.db.ExecContext(ctx, `DELETE FROM notify_rate_windows WHERE window_start < $1`,
		s.clock().Add(-longest).Unix())
	if err != nil {
		return fmt.Errorf("notify: prune rates: %w", err)
	}
	return nil
}
