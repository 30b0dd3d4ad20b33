package notify

import (
	"context"
	"database/sql"
	"fmt"
)

// ContactLookup finds a person's e-mail address and phone (E.164) in the
// registries by FIN; "" for what is not known. An error fails the Send
// (and the caller's transaction): a lookup that should degrade during a
// registry outage returns "", "", nil instead, and the message is then
// flagged unreachable.
type ContactLookup func(ctx context.Context, fin string) (email, phone string, err error)

// SetContactLookup sets how Send finds the addresses of a person
// addressed by FIN without any given.
func (s *Service) SetContactLookup(fn ContactLookup) { s.lookup = fn }

// lookupContacts fills the recipient's addresses from the registries when
// the message is for a FIN with none given and the person's choices for
// its kind want an outside channel. Invalid addresses are ignored.
func (s *Service) lookupContacts(ctx context.Context, tx *sql.Tx, m Message) (Recipient, error) {
	to := m.To
	if s.lookup == nil || m.Kind == KindSecurity || to.FIN == "" || to.Email != "" || to.Phone != "" {
		return to, nil
	}
	if want, err := wantsOutside(ctx, tx, m); err != nil || !want {
		return to, err
	}
	email, phone, err := s.lookup(ctx, to.FIN)
	if err != nil {
		return to, fmt.Errorf("notify: contact details of the recipient: %w", err)
	}
	if emailPattern.MatchString(email) {
		to.Email = email
	}
	if phonePattern.MatchString(phone) {
		to.Phone = phone
	}
	return to, nil
}

// wantsOutside says whether the recipient's choices for m's kind want an
// e-mail or an SMS.
func wantsOutside(ctx context.Context, tx *sql.Tx, m Message) (bool, error) {
	for _, c := range []string{ChannelEmail, ChannelSMS} {
		on, err := preference(ctx, tx, m.To.AccountID, m.Kind, c)
		if err != nil || on {
			return on, err
		}
	}
	return false, nil
}
