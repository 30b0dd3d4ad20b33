package notify

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations create the notify_ tables. They come after events.Migrations.
var Migrations = store.Migrations{Module: "notify", FS: store.MustSub(migrationsFS, "migrations")}

// TopicDelivery is the outbox topic of a delivery to send; its key and
// payload carry the delivery ID. The Worker subscribes to it.
const TopicDelivery = "notify.delivery"

type deliveryEvent struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Service is the notification service.
type Service struct {
	db     *store.DB
	now    func() time.Time
	limits Limits
	lookup ContactLookup
	queued func()
}

// New returns the service on db, with DefaultLimits.
func New(db *store.DB) *Service { return &Service{db: db, now: time.Now, limits: DefaultLimits} }

// SetOnQueued sets a function called after the API commits a message
// with deliveries to send, e.g. the dispatcher's Notify, so they go at
// once rather than at the next poll.
func (s *Service) SetOnQueued(fn func()) { s.queued = fn }

// SetClock replaces time.Now, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// SaveTemplates saves a module's templates (a no-op for those already
// current), naming the first that fails.
func (s *Service) SaveTemplates(ctx context.Context, list []Template) error {
	for _, t := range list {
		if _, err := s.SaveTemplate(ctx, t); err != nil {
			return fmt.Errorf("template %s: %w", t.Key, err)
		}
	}
	return nil
}

// SaveTemplate validates t and stores it as the next version of its key.
// Saving texts identical to the latest version stores nothing and returns
// that version, so seeding is idempotent. A key belongs to the owner who
// first saved it: another owner gets a Conflict.
func (s *Service) SaveTemplate(ctx context.Context, t Template) (*Template, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	var saved *Template
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		prev, err := latestTemplate(ctx, tx, t.Key)
		if err != nil && errs.KindOf(err) != errs.NotFound {
			return err
		}
		if prev != nil {
			if prev.Owner != t.Owner {
				return errs.E(errs.Conflict, "notify.error.template_owner")
			}
			if prev.Subject == t.Subject && prev.Body == t.Body {
				saved = prev
				return nil
			}
			t.Version = prev.Version + 1
		} else {
			t.Version = 1
		}
		t.CreatedAt = s.clock()
		if err := insertTemplate(ctx, tx, &t); err != nil {
			if store.IsUniqueViolation(err) {
				return errs.E(errs.Conflict, "notify.error.template_conflict")
			}
			return fmt.Errorf("notify: save template %s: %w", t.Key, err)
		}
		saved = &t
		return nil
	})
	return saved, err
}

// Template returns the latest version of key.
func (s *Service) Template(ctx context.Context, key string) (*Template, error) {
	return latestTemplate(ctx, s.db, key)
}

// Rendered is a template filled in one language.
type Rendered struct {
	Lang    lang.Lang
	Subject string
	Body    string
	HTML    string
}

// Render fills t in l with values. A missing value is an Invalid error
// whose cause is a *MissingValueError naming the placeholder, and whose
// Args["Name"] is that name, for the translated message.
func (t *Template) Render(l lang.Lang, values map[string]string) (Rendered, error) {
	if _, ok := lang.Parse(string(l)); !ok {
		l = lang.Default
	}
	out := Rendered{Lang: l}
	for _, f := range []struct {
		text lang.Text
		dst  *string
	}{{t.Subject, &out.Subject}, {t.Body, &out.Body}} {
		parsed, err := ParseText(f.text.Exact(l))
		if err != nil {
			return Rendered{}, fmt.Errorf("notify: template %s v%d (%s): %w", t.Key, t.Version, l, err)
		}
		s, err := parsed.Render(values)
		if err != nil {
			var missing *MissingValueError
			if errors.As(err, &missing) {
				e := errs.E(errs.Invalid, "notify.error.missing_value")
				e.Args = map[string]any{"Name": missing.Name}
				e.Err = fmt.Errorf("template %s v%d: %w", t.Key, t.Version, err)
				return Rendered{}, e
			}
			return Rendered{}, err
		}
		*f.dst = s
	}
	out.HTML = HTMLBody(out.Body)
	return out, nil
}

// Preview renders the latest version of key in l with values, as a
// sender would see it before sending.
func (s *Service) Preview(ctx context.Context, key string, l lang.Lang, values map[string]string) (Rendered, error) {
	t, err := s.Template(ctx, key)
	if err != nil {
		return Rendered{}, err
	}
	return t.Render(l, values)
}

// Send stores m in the caller's transaction and queues its deliveries
// through the outbox, so the message goes out if and only if tx commits.
//
// The template's latest version is rendered in the recipient's language;
// a placeholder without a value is refused (Invalid, naming it). A second
// Send with the same IdempotencyKey stores nothing and returns the first
// message.
//
// Channels: a message addressed to an account is in its inbox. A security
// message (KindSecurity, e.g. a verification code) goes to the e-mail
// address and/or phone given, whatever the person's choices, and is not
// copied to the inbox (a code readable in the cabinet would prove nothing
// about the address). Other kinds go by e-mail and SMS to the addresses
// given where the person's channel choices for the kind allow. A message
// with no outside delivery and no inbox is still stored; the returned Sent
// has no Deliveries and InInbox false, which tells the sender it reached
// no one.
//
// A person addressed by FIN with no address given, whose choices want
// e-mail or SMS for the kind, gets the addresses from the registries
// through the ContactLookup (SetContactLookup). A non-security message
// for someone who wants an outside channel but has no known address is
// flagged Unreachable (it is still in the inbox).
//
// Rates are limited (see Limits): a message with a Sender beyond them is
// refused with TooMany (RetryAfter says how long to wait) and nothing is
// stored; one without a Sender counts towards its recipient's limit but
// always goes.
//
// After tx commits, call the dispatcher's Notify to send at once.
func (s *Service) Send(ctx context.Context, tx *sql.Tx, m Message) (*Sent, error) {
	sent, _, err := s.send(ctx, tx, m, sendOptions{})
	return sent, err
}

// sendOptions are what the API adds to a module's Send.
type sendOptions struct {
	// test: a test API key's message, recorded but never delivered nor
	// put in an inbox; its deliveries are delivered at once.
	test bool
	// explicit: the addresses were given by the sender for someone with
	// no account or FIN, so they are used whatever the defaults.
	explicit bool
	// senderBucket replaces the rate bucket of m.Sender (an API key's).
	senderBucket string
	// api is stored beside the message.
	api *apiRecord
}

// send is Send; created is false when the idempotency key was already
// used and the first message is returned.
func (s *Service) send(ctx context.Context, tx *sql.Tx, m Message, opts sendOptions) (*Sent, bool, error) {
	if err := m.validate(); err != nil {
		return nil, false, err
	}
	if prev, found, err := messageByKey(ctx, tx, m.IdempotencyKey); err != nil || found {
		return prev, false, err
	}
	t, err := latestTemplate(ctx, tx, m.Template)
	if err != nil {
		return nil, false, err
	}
	l, ok := lang.Parse(string(m.To.Lang))
	if !ok {
		l = lang.Default
	}
	r, err := t.Render(l, m.Values)
	if err != nil {
		return nil, false, err
	}
	now := s.clock()
	if err := s.checkRates(ctx, tx, m, opts, now); err != nil {
		return nil, false, err
	}
	if !opts.test {
		if m.To, err = s.lookupContacts(ctx, tx, m); err != nil {
			return nil, false, err
		}
	}
	channels, err := s.channels(ctx, tx, m, opts.explicit)
	if err != nil {
		return nil, false, err
	}
	// Unreachable: the person wants messages of this kind outside the
	// inbox, but no address is known.
	unreachable := false
	if !opts.test && m.Kind != KindSecurity && m.To.Email == "" && m.To.Phone == "" {
		if unreachable, err = wantsOutside(ctx, tx, m); err != nil {
			return nil, false, err
		}
	}
	msg := &Sent{
		IdempotencyKey: m.IdempotencyKey, AccountID: m.To.AccountID, FIN: m.To.FIN, Kind: m.Kind,
		TemplateKey: t.Key, TemplateVersion: t.Version, Lang: l,
		Subject: r.Subject, Body: r.Body, HTML: r.HTML,
		InInbox:     !opts.test && m.Kind != KindSecurity && (m.To.AccountID != 0 || m.To.FIN != ""),
		Unreachable: unreachable,
		CreatedAt:   now,
	}
	err = tx.QueryRowContext(ctx,
		`INSERT INTO notify_messages (idempotency_key, account_id, fin, kind, template_key, template_version, lang,
			subject, body, html, in_inbox, unreachable, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
		msg.IdempotencyKey, msg.AccountID, msg.FIN, msg.Kind, msg.TemplateKey, msg.TemplateVersion, string(l),
		msg.Subject, msg.Body, msg.HTML, boolInt(msg.InInbox), boolInt(msg.Unreachable), now).Scan(&msg.ID)
	if errors.Is(err, sql.ErrNoRows) {
		// A concurrent Send with the same key committed first.
		prev, _, err := messageByKey(ctx, tx, m.IdempotencyKey)
		return prev, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("notify: store message: %w", err)
	}
	if err := insertAttachments(ctx, tx, msg.ID, m.Attachments); err != nil {
		return nil, false, err
	}
	if opts.api != nil {
		if err := insertAPIRecord(ctx, tx, msg.ID, opts.api, now); err != nil {
			return nil, false, err
		}
	}
	for _, ch := range channels {
		state := StatePending
		if opts.test {
			state = StateDelivered
		}
		d := Delivery{MessageID: msg.ID, Channel: ch.channel, Address: ch.address, State: state, CreatedAt: now, UpdatedAt: now}
		if err := tx.QueryRowContext(ctx,
			`INSERT INTO notify_deliveries (message_id, channel, address, state, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
			d.MessageID, d.Channel, d.Address, d.State, now).Scan(&d.ID); err != nil {
			return nil, false, fmt.Errorf("notify: store delivery: %w", err)
		}
		if opts.test {
			// Nothing is sent: the delivery is reported delivered, and
			// the sender's callback hears of it as of a real one.
			if err := s.deliveryChanged(ctx, tx, d.ID); err != nil {
				return nil, false, err
			}
		} else if err := events.Publish(ctx, tx, TopicDelivery, strconv.FormatInt(d.ID, 10), deliveryEvent{DeliveryID: d.ID}); err != nil {
			return nil, false, err
		}
		msg.Deliveries = append(msg.Deliveries, d)
	}
	if opts.api != nil {
		if err := refreshAPIStatus(ctx, tx, msg.ID); err != nil {
			return nil, false, err
		}
	}
	return msg, true, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

type target struct{ channel, address string }

// channels decides where m goes outside the inbox. explicit addresses
// (given by an API sender for someone without account or FIN) go
// whatever the defaults.
func (s *Service) channels(ctx context.Context, tx *sql.Tx, m Message, explicit bool) ([]target, error) {
	var list []target
	for _, c := range []target{{ChannelEmail, m.To.Email}, {ChannelSMS, m.To.Phone}} {
		if c.address == "" {
			continue
		}
		if m.Kind != KindSecurity && !explicit {
			on, err := preference(ctx, tx, m.To.AccountID, m.Kind, c.channel)
			if err != nil {
				return nil, err
			}
			if !on {
				continue
			}
		}
		list = append(list, c)
	}
	return list, nil
}

// DefaultOn says whether a channel is on for a kind when the person has
// not chosen: e-mail is, SMS is not.
func DefaultOn(kind, channel string) bool { return channel == ChannelEmail }

func preference(ctx context.Context, q querier, accountID int64, kind, channel string) (bool, error) {
	if accountID == 0 {
		return DefaultOn(kind, channel), nil
	}
	var enabled int
	err := q.QueryRowContext(ctx,
		`SELECT enabled FROM notify_preferences WHERE account_id = $1 AND kind = $2 AND channel = $3`,
		accountID, kind, channel).Scan(&enabled)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultOn(kind, channel), nil
	}
	if err != nil {
		return false, fmt.Errorf("notify: preference: %w", err)
	}
	return enabled == 1, nil
}

// Preference is whether a person receives one kind of message on one
// channel.
type Preference struct {
	Kind    string
	Channel string
	Enabled bool
}

// Preferences lists the person's choice for every kind and channel,
// defaults included, in the order of Kinds.
func (s *Service) Preferences(ctx context.Context, accountID int64) ([]Preference, error) {
	var list []Preference
	for _, k := range Kinds {
		for _, c := range []string{ChannelEmail, ChannelSMS} {
			on, err := preference(ctx, s.db, accountID, k, c)
			if err != nil {
				return nil, err
			}
			list = append(list, Preference{Kind: k, Channel: c, Enabled: on})
		}
	}
	return list, nil
}

// SetPreference records whether the person receives kind on channel.
// Security messages cannot be turned off (Invalid).
func (s *Service) SetPreference(ctx context.Context, accountID int64, kind, channel string, enabled bool) error {
	if accountID == 0 {
		return errs.E(errs.Invalid, "notify.error.no_recipient")
	}
	if !slices.Contains(Kinds, kind) {
		return errs.E(errs.Invalid, "notify.error.kind").Field("kind", "notify.error.kind")
	}
	if channel != ChannelEmail && channel != ChannelSMS {
		return errs.E(errs.Invalid, "notify.error.channel").Field("channel", "notify.error.channel")
	}
	on := 0
	if enabled {
		on = 1
	}
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO notify_preferences (account_id, kind, channel, enabled, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account_id, kind, channel) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`,
		accountID, kind, channel, on, s.clock())
	if err != nil {
		return fmt.Errorf("notify: set preference: %w", err)
	}
	return nil
}

// Message returns a stored message by idempotency key, with its
// deliveries; NotFound if there is none.
func (s *Service) Message(ctx context.Context, idempotencyKey string) (*Sent, error) {
	m, found, err := messageByKey(ctx, s.db, idempotencyKey)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errs.E(errs.NotFound, "error.not_found.detail")
	}
	return m, nil
}

// Owner is whose inbox: the signed-in account and, for a person, their
// FIN, since a message may be sent to a person before their account
// exists (accounts open on first sign-in).
type Owner struct {
	AccountID int64
	FIN       string
}

// ownerWhere matches the owner's messages; $1 is the account ID, $2 the
// FIN (an empty FIN matches nothing).
const ownerWhere = `in_inbox = 1 AND (account_id = $1 AND account_id <> 0 OR fin = $2 AND fin <> '')`

// Inbox lists the newest messages in the owner's inbox (at most limit)
// and how many are unread.
func (s *Service) Inbox(ctx context.Context, o Owner, limit int) ([]Sent, int, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT `+messageColumns+` FROM notify_messages WHERE `+ownerWhere+`
		ORDER BY created_at DESC, id DESC LIMIT $3`, o.AccountID, o.FIN, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("notify: inbox: %w", err)
	}
	defer rows.Close()
	var list []Sent
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, 0, err
		}
		list = append(list, *m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var unread int
	if err := s.db.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM notify_messages WHERE `+ownerWhere+` AND read_at IS NULL`,
		o.AccountID, o.FIN).Scan(&unread); err != nil {
		return nil, 0, fmt.Errorf("notify: unread: %w", err)
	}
	return list, unread, nil
}

// Open returns message id from the owner's inbox and marks it read.
// A message of anyone else, or not in an inbox, is NotFound: its
// existence is not revealed.
func (s *Service) Open(ctx context.Context, o Owner, id int64) (*Sent, error) {
	var m *Sent
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		m, err = scanMessage(tx.QueryRowContext(ctx,
			`SELECT `+messageColumns+` FROM notify_messages WHERE `+ownerWhere+` AND id = $3`,
			o.AccountID, o.FIN, id))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "error.not_found.detail")
		}
		if err != nil {
			return fmt.Errorf("notify: open message: %w", err)
		}
		if m.ReadAt == nil {
			now := s.clock()
			if _, err := tx.ExecContext(ctx,
				`UPDATE notify_messages SET read_at = $2 WHERE id = $1 AND read_at IS NULL`, id, now); err != nil {
				return fmt.Errorf("notify: mark read: %w", err)
			}
			m.ReadAt = &now
		}
		return nil
	})
	return m, err
}

// Delivery returns one delivery.
func (s *Service) Delivery(ctx context.Context, id int64) (*Delivery, error) {
	d, err := scanDelivery(s.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM notify_deliveries WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "error.not_found.detail")
	}
	return d, err
}

// RecordReceipt applies a provider's delivery receipt (status
// StateDelivered or StateFailed, with its reason) to the delivery the
// provider knows as providerID. Unknown IDs are ignored.
func (s *Service) RecordReceipt(ctx context.Context, tx *sql.Tx, providerID, status, reason string) error {
	if status != StateDelivered && status != StateFailed {
		return fmt.Errorf("notify: receipt status %q", status)
	}
	rows, err := tx.QueryContext(ctx,
		`SELECT id FROM notify_deliveries WHERE provider_id = $1 AND state IN ('pending', 'sent')`, providerID)
	if err != nil {
		return fmt.Errorf("notify: receipt %s: %w", providerID, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	now := s.clock()
	for _, id := range ids {
		if err := s.setDeliveryState(ctx, tx, id, status, reason, "", now); err != nil {
			return err
		}
	}
	return nil
}
