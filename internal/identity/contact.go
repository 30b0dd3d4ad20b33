package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
)

// Contact channels.
const (
	ChannelEmail = "email"
	ChannelPhone = "phone"
)

// Verification codes: six digits, good for ten minutes and five tries; at
// most five sent to one account in an hour.
const (
	codeLifetime    = 10 * time.Minute
	codeMaxAttempts = 5
	codesPerHour    = 5
)

// CodeSender delivers a verification code to an address, in the caller's
// transaction (so the code and its message commit together). The app
// wires it to the notification service.
type CodeSender func(ctx context.Context, tx *sql.Tx, to CodeRecipient, code string) error

// CodeRecipient is where a code goes.
type CodeRecipient struct {
	AccountID int64
	Lang      string
	Channel   string // ChannelEmail or ChannelPhone
	Address   string
}

// SetCodeSender gives the service a way to send verification codes.
func (s *Service) SetCodeSender(send CodeSender) { s.sendCode = send }

var phonePattern = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// NormalizeContact checks and normalises an e-mail address or a phone
// number (E.164, spaces and dashes dropped; a local Azerbaijani number
// starting with 0 gets +994).
func NormalizeContact(channel, address string) (string, bool) {
	address = strings.TrimSpace(address)
	switch channel {
	case ChannelEmail:
		parsed, err := mail.ParseAddress(address)
		if err != nil || parsed.Name != "" || parsed.Address != address || len(address) > 254 || !strings.Contains(address[strings.LastIndex(address, "@"):], ".") {
			return "", false
		}
		return strings.ToLower(address), true
	case ChannelPhone:
		phone := strings.NewReplacer(" ", "", "-", "", "(", "", ")", "").Replace(address)
		if strings.HasPrefix(phone, "0") && len(phone) == 10 {
			phone = "+994" + phone[1:]
		}
		return phone, phonePattern.MatchString(phone)
	}
	return "", false
}

func hashCode(salt, code string) string {
	sum := sha256.Sum256([]byte(salt + "|" + code))
	return salt + ":" + hex.EncodeToString(sum[:])
}

// StartContactVerification sends a code to the address the person wants to
// use. The address becomes theirs only when they type the code back.
func (s *Service) StartContactVerification(ctx context.Context, accountID int64, channel, address string) error {
	normalized, ok := NormalizeContact(channel, address)
	if !ok {
		return errs.E(errs.Invalid, "identity.contact.error."+channel).Field(channel, "identity.contact.error."+channel)
	}
	if s.sendCode == nil {
		return errs.E(errs.Unavailable, "identity.contact.error.unavailable")
	}
	acct, err := findAccountByID(ctx, s.db, accountID)
	if err != nil {
		return err
	}
	now := s.now()
	var recent int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM identity_contact_codes WHERE account_id = $1 AND created_at > $2`,
		accountID, now.Add(-time.Hour)).Scan(&recent); err != nil {
		return err
	}
	if recent >= codesPerHour {
		return errs.E(errs.TooMany, "identity.contact.error.too_many").Field(channel, "identity.contact.error.too_many")
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return err
	}
	code := fmt.Sprintf("%06d", n.Int64())
	salt := make([]byte, 8)
	rand.Read(salt)
	// A new code supersedes earlier ones for the channel: only the newest
	// is ever checked. The old rows stay an hour, to count towards the limit.
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_contact_codes (account_id, channel, address, code_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, accountID, channel, normalized, hashCode(hex.EncodeToString(salt), code), now, now.Add(codeLifetime)); err != nil {
			return err
		}
		return s.sendCode(ctx, tx, CodeRecipient{AccountID: accountID, Lang: acct.Lang, Channel: channel, Address: normalized}, code)
	})
}

// PendingContact is the address a code was last sent to, if still open.
func (s *Service) PendingContact(ctx context.Context, accountID int64, channel string) (string, error) {
	var address string
	err := s.db.QueryRowContext(ctx, `SELECT address FROM identity_contact_codes WHERE account_id = $1 AND channel = $2 AND expires_at > $3
		ORDER BY created_at DESC, id DESC LIMIT 1`, accountID, channel, s.now()).Scan(&address)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return address, err
}

// ConfirmContact checks the code typed back and, if it matches, makes the
// address the account's verified contact.
func (s *Service) ConfirmContact(ctx context.Context, accountID int64, channel, code string) error {
	code = strings.TrimSpace(code)
	field := channel + "_code"
	var id int64
	var address, stored string
	var attempts int
	err := s.db.QueryRowContext(ctx, `SELECT id, address, code_hash, attempts FROM identity_contact_codes
		WHERE account_id = $1 AND channel = $2 AND expires_at > $3 ORDER BY created_at DESC, id DESC LIMIT 1`,
		accountID, channel, s.now()).Scan(&id, &address, &stored, &attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.Invalid, "identity.contact.error.expired").Field(field, "identity.contact.error.expired")
	}
	if err != nil {
		return err
	}
	if attempts >= codeMaxAttempts {
		return errs.E(errs.TooMany, "identity.contact.error.attempts").Field(field, "identity.contact.error.attempts")
	}
	salt, _, _ := strings.Cut(stored, ":")
	if subtle.ConstantTimeCompare([]byte(hashCode(salt, code)), []byte(stored)) != 1 {
		if _, err := s.db.ExecContext(ctx, `UPDATE identity_contact_codes SET attempts = attempts + 1 WHERE id = $1`, id); err != nil {
			return err
		}
		return errs.E(errs.Invalid, "identity.contact.error.code").Field(field, "identity.contact.error.code")
	}
	column, verified := "email", "email_verified"
	if channel == ChannelPhone {
		column, verified = "phone", "phone_verified"
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		// The delete succeeding is what makes a code good once; it takes
		// the superseded codes of the channel with it.
		res, err := tx.ExecContext(ctx, `DELETE FROM identity_contact_codes WHERE account_id = $1 AND channel = $2 AND id <= $3`, accountID, channel, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n < 1 {
			return errs.E(errs.Invalid, "identity.contact.error.expired").Field(field, "identity.contact.error.expired")
		}
		// column and verified are constants chosen above, never input.
		if _, err := tx.ExecContext(ctx, `UPDATE identity_accounts SET `+column+` = $1, `+verified+` = TRUE, updated_at = $2 WHERE id = $3`,
			address, s.now(), accountID); err != nil {
			return err
		}
		acct, err := findAccountByID(ctx, tx, accountID)
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: acct.Subject, Action: "identity.contact.verified", Object: acct.Subject,
			Detail: map[string]string{"channel": channel}})
		return err
	})
}
