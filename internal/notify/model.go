// Package notify is egov's notification service: templates in three
// languages with named placeholders, messages queued through the
// transactional outbox, delivery by e-mail (SMTP) and SMS, and the in-app
// inbox of the personal cabinet.
//
// A module calls Service.Send inside the transaction that makes the change
// the message is about. Send renders the template in the recipient's
// language, stores the message (which is the inbox entry) and one delivery
// per outside channel, and publishes one outbox event per delivery; the
// Worker, subscribed to the dispatcher, sends each delivery.
package notify

import (
	"regexp"
	"slices"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
)

// Owner of the platform's own templates; an agency's templates are owned
// by its slug.
const PlatformOwner = "platform"

// Kinds of message. A person chooses channels per kind, except for
// KindSecurity, which always goes, and only to the address given.
const (
	KindSecurity    = "security"
	KindApplication = "application"
	KindPayment     = "payment"
	KindGeneral     = "general"
)

// Kinds lists the kinds a person can set channels for, in display order.
var Kinds = []string{KindApplication, KindPayment, KindGeneral}

// Channels outside the inbox. The inbox always receives a message
// addressed to an account (except a security message; see Send).
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// Delivery states. A delivery is pending until the worker sends it; sent
// when the server or provider accepted it; delivered when a provider's
// receipt says it arrived; failed (permanently, with the reason) or
// expired when it could not be sent in time.
const (
	StatePending   = "pending"
	StateSent      = "sent"
	StateDelivered = "delivered"
	StateFailed    = "failed"
	StateExpired   = "expired"
)

// Template is one version of a message template. Every language has a
// subject and a plain-text body; all six texts must use the same set of
// placeholders.
type Template struct {
	ID           int64
	Owner        string // PlatformOwner or an agency slug
	Key          string // e.g. "identity.contact_code"
	Version      int    // assigned by SaveTemplate: 1, 2, …
	Subject      lang.Text
	Body         lang.Text
	Placeholders []string // computed when saved
	CreatedAt    time.Time
}

var (
	keyPattern   = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
	ownerPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,63}$`)
)

// Validate checks the template and fills Placeholders. Field errors name
// the text at fault, e.g. "body_ru".
func (t *Template) Validate() error {
	var v errs.Validation
	if !ownerPattern.MatchString(t.Owner) {
		v.Add("owner", "notify.error.owner")
	}
	if !keyPattern.MatchString(t.Key) {
		v.Add("key", "notify.error.key")
	}
	var want []string
	first := true
	for _, l := range lang.All {
		for _, f := range []struct {
			name string
			text lang.Text
		}{{"subject", t.Subject}, {"body", t.Body}} {
			field := f.name + "_" + string(l)
			s := f.text.Exact(l)
			if s == "" {
				v.Add(field, "notify.error.text_required")
				continue
			}
			if _, err := ParseText(s); err != nil {
				v.Add(field, "notify.error.placeholder_syntax")
			}
		}
		names, err := placeholdersIn(t, l)
		if err != nil {
			continue
		}
		if first {
			want, first = names, false
		} else if !slices.Equal(names, want) {
			v.Add("body_"+string(l), "notify.error.placeholders_differ")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	t.Placeholders = want
	return nil
}

// placeholdersIn is the sorted set of names used by l's subject and body.
func placeholdersIn(t *Template, l lang.Lang) ([]string, error) {
	var names []string
	for _, s := range []string{t.Subject.Exact(l), t.Body.Exact(l)} {
		p, err := ParseText(s)
		if err != nil {
			return nil, err
		}
		for _, n := range p.Placeholders() {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	return names, nil
}

// Recipient is who a message is for. AccountID (or, for a person without
// an account yet, FIN) places it in the inbox; Email and Phone are the
// addresses to use, which the caller takes from the account's verified
// contact details; Lang is the language to render in (default az).
type Recipient struct {
	AccountID int64
	FIN       string
	Email     string
	Phone     string
	Lang      lang.Lang
}

// Attachment is a file sent with the e-mail, e.g. a PDF document.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Message is what a module asks to send.
type Message struct {
	To             Recipient
	Template       string // template key; the latest version is used
	Values         map[string]string
	Kind           string
	IdempotencyKey string // the same key twice sends once
	Attachments    []Attachment
	// Sender, when set (an agency slug or a module's name), is counted
	// against the per-sender rate limit, and the message is refused when
	// its recipient has had too many (see Limits). A message without a
	// Sender is never refused by the recipient limit.
	Sender string
}

// Sent is a stored message: the rendered texts in the recipient's
// language and where it was delivered.
type Sent struct {
	ID              int64
	IdempotencyKey  string
	AccountID       int64
	FIN             string
	Kind            string
	TemplateKey     string
	TemplateVersion int
	Lang            lang.Lang
	Subject         string
	Body            string
	HTML            string
	InInbox         bool
	// Unreachable: the message is not a security message and no e-mail
	// address or phone was known for the recipient (given, or from the
	// registries), so it reached the inbox at most.
	Unreachable bool
	ReadAt      *time.Time
	CreatedAt   time.Time
	Deliveries  []Delivery
}

// Delivery is one message on one outside channel.
type Delivery struct {
	ID         int64
	MessageID  int64
	Channel    string
	Address    string
	State      string
	LastError  string
	ProviderID string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

var (
	emailPattern = regexp.MustCompile(`^[^@\s<>,;"]+@[^@\s<>,;"]+\.[^@\s<>,;"]+$`)
	phonePattern = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
)

func (m *Message) validate() error {
	var v errs.Validation
	if m.IdempotencyKey == "" || len(m.IdempotencyKey) > 200 {
		v.Add("idempotency_key", "notify.error.idempotency_key")
	}
	if m.Kind != KindSecurity && !slices.Contains(Kinds, m.Kind) {
		v.Add("kind", "notify.error.kind")
	}
	if m.To.Email != "" && !emailPattern.MatchString(m.To.Email) {
		v.Add("email", "notify.error.email")
	}
	if m.To.Phone != "" && !phonePattern.MatchString(m.To.Phone) {
		v.Add("phone", "notify.error.phone")
	}
	if m.To.AccountID == 0 && m.To.FIN == "" && m.To.Email == "" && m.To.Phone == "" {
		v.Add("to", "notify.error.no_recipient")
	}
	if m.Kind == KindSecurity && m.To.Email == "" && m.To.Phone == "" {
		v.Add("to", "notify.error.security_address")
	}
	for _, a := range m.Attachments {
		if a.Filename == "" || a.ContentType == "" {
			v.Add("attachments", "notify.error.attachment")
		}
	}
	return v.Err()
}
