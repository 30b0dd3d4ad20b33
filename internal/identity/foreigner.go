package identity

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

// Foreigners have no FIN: a foreigner is known by passport number and
// nationality, and proves control of an e-mail address with a code sent
// to it. The first confirmed address is the account's; a returning
// foreigner signs in with the same passport, nationality, date of birth
// and that address.

// ForeignerSubject is the subject of a foreigner's account, e.g.
// "foreigner:GBR:533401372".
func ForeignerSubject(nationality, passport string) string {
	return "foreigner:" + nationality + ":" + passport
}

var passportPattern = regexp.MustCompile(`^[A-Z0-9]{5,9}$`)

// NormalizePassport uppercases a passport number and drops spaces; ok is
// false when it is not 5 to 9 Latin letters and digits.
func NormalizePassport(s string) (string, bool) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	return s, passportPattern.MatchString(s)
}

var passportNamePattern = regexp.MustCompile(`^[A-Za-z]+(?:[ -][A-Za-z]+)*$`)

// normalizePassportName collapses spaces in a name as written in the
// passport's Latin script; ok is false for anything but Latin letters,
// single spaces and hyphens, or more than 64 characters.
func normalizePassportName(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), " ")
	return s, len(s) <= 64 && passportNamePattern.MatchString(s)
}

// ForeignerRequest is what a foreigner types to sign up or sign in.
type ForeignerRequest struct {
	Passport    string
	Nationality string // ISO 3166-1 alpha-3
	Surname     string
	GivenNames  string // may be empty: some passports have none
	BirthDate   string // YYYY-MM-DD
	Email       string
	Address     string // the client's IP address, for throttling
}

// Form fields of the foreigner sign-in, as the errors name them.
const (
	foreignerFieldPassport    = "passport"
	foreignerFieldNationality = "nationality"
	foreignerFieldSurname     = "surname"
	foreignerFieldGivenNames  = "given_names"
	foreignerFieldBirthDate   = "birth_date"
	foreignerFieldCode        = "email_code"
)

// normalize checks every field and returns the request in canonical form,
// or an error naming each wrong field.
func (f ForeignerRequest) normalize(now time.Time) (ForeignerRequest, error) {
	var v errs.Validation
	var ok bool
	if f.Passport, ok = NormalizePassport(f.Passport); !ok {
		v.Add(foreignerFieldPassport, "identity.foreigner.error.passport")
	}
	f.Nationality = strings.ToUpper(strings.TrimSpace(f.Nationality))
	if !IsNationality(f.Nationality) {
		v.Add(foreignerFieldNationality, "identity.foreigner.error.nationality")
	}
	if f.Surname, ok = normalizePassportName(f.Surname); !ok {
		v.Add(foreignerFieldSurname, "identity.foreigner.error.surname")
	}
	if f.GivenNames = strings.TrimSpace(f.GivenNames); f.GivenNames != "" {
		if f.GivenNames, ok = normalizePassportName(f.GivenNames); !ok {
			v.Add(foreignerFieldGivenNames, "identity.foreigner.error.given_names")
		}
	}
	f.BirthDate = strings.TrimSpace(f.BirthDate)
	if d, err := time.Parse(time.DateOnly, f.BirthDate); err != nil || d.Year() < 1900 || !d.Before(now) {
		v.Add(foreignerFieldBirthDate, "identity.foreigner.error.birth_date")
	}
	if f.Email, ok = NormalizeContact(ChannelEmail, f.Email); !ok {
		v.Add(ChannelEmail, "identity.contact.error.email")
	}
	return f, v.Err()
}

// displayName is the name to show: given names, then surname.
func (f ForeignerRequest) displayName() string {
	return strings.TrimSpace(f.GivenNames + " " + f.Surname)
}

// foreignerMismatch is the one error a foreigner sees when the details do
// not open the account: it does not say which detail was wrong.
func foreignerMismatch(field string) error {
	return errs.E(errs.Unauthenticated, "identity.foreigner.error.mismatch").Field(field, "identity.foreigner.error.mismatch")
}

// foreignerThrottle refuses an attempt while the passport or the address
// has failed too often.
func (s *Service) foreignerThrottle(ctx context.Context, keys [2]string) error {
	for i, rule := range []throttleRule{accountRule, addressRule} {
		until, err := s.throttle.wait(ctx, keys[i], rule)
		if err != nil {
			return err
		}
		if !until.IsZero() {
			e := errs.E(errs.TooMany, "identity.error.throttled")
			e.Args = map[string]any{"Time": until.In(web.Baku).Format("15:04:05")}
			e.Err = &ThrottledError{RetryAt: until}
			return e
		}
	}
	return nil
}

func foreignerKeys(subject, address string) [2]string {
	return [2]string{"passport:" + subject, "addr:" + address}
}

// StartForeignerSignin checks what a foreigner typed and sends a code to
// the e-mail address. On first use it opens the account (kind Foreigner,
// role foreigner); until an address is confirmed, a later attempt replaces
// the details and the address. Once an address is confirmed, passport,
// nationality, date of birth and that address must all match, or the
// foreigner gets one generic error.
func (s *Service) StartForeignerSignin(ctx context.Context, req ForeignerRequest) (*Account, error) {
	f, err := req.normalize(s.now())
	if err != nil {
		return nil, err
	}
	subject := ForeignerSubject(f.Nationality, f.Passport)
	keys := foreignerKeys(subject, f.Address)
	if err := s.foreignerThrottle(ctx, keys); err != nil {
		return nil, err
	}
	acct, err := findAccountBySubject(ctx, s.db, subject)
	switch {
	case errs.KindOf(err) == errs.NotFound:
		acct, err = s.openForeignerAccount(ctx, subject, f)
		if err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	case acct.Kind != Foreigner || acct.Disabled:
		if err := s.throttle.fail(ctx, keys[0], keys[1]); err != nil {
			return nil, err
		}
		return nil, foreignerMismatch(ChannelEmail)
	case acct.EmailVerified:
		birth, err := s.foreignerBirthDate(ctx, acct.ID)
		if err != nil {
			return nil, err
		}
		if acct.Email != f.Email || birth != f.BirthDate {
			if err := s.throttle.fail(ctx, keys[0], keys[1]); err != nil {
				return nil, err
			}
			return nil, foreignerMismatch(ChannelEmail)
		}
	default:
		// Opened but never confirmed: whoever confirms an address first
		// holds the account, so the newest details stand until then.
		if err := s.saveForeigner(ctx, s.db, acct.ID, f); err != nil {
			return nil, err
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE identity_accounts SET display_name = $1, updated_at = $2 WHERE id = $3`,
			f.displayName(), s.now(), acct.ID); err != nil {
			return nil, err
		}
	}
	if err := s.StartContactVerification(ctx, acct.ID, ChannelEmail, f.Email); err != nil {
		return nil, err
	}
	return acct, nil
}

func (s *Service) openForeignerAccount(ctx context.Context, subject string, f ForeignerRequest) (*Account, error) {
	var acct *Account
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var added bool
		var err error
		acct, added, err = insertAccount(ctx, tx, &Account{Kind: Foreigner, Subject: subject,
			DisplayName: f.displayName(), Roles: []string{RoleForeigner}}, s.now())
		if err != nil || !added {
			return err
		}
		if err := s.saveForeigner(ctx, tx, acct.ID, f); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: acct.Subject, Action: "identity.account.opened", Object: acct.Subject,
			Detail: map[string]string{"kind": string(Foreigner), "nationality": f.Nationality}})
		return err
	})
	if err != nil {
		return nil, err
	}
	// Someone else may have opened it a moment before: it is then theirs
	// only once confirmed, and the usual rules apply.
	if acct.Kind != Foreigner || acct.EmailVerified {
		return nil, foreignerMismatch(ChannelEmail)
	}
	return acct, nil
}

func (s *Service) saveForeigner(ctx context.Context, q querier, accountID int64, f ForeignerRequest) error {
	_, err := q.ExecContext(ctx, `INSERT INTO identity_foreigners (account_id, nationality, passport, surname, given_names, birth_date, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (account_id) DO UPDATE SET surname = excluded.surname, given_names = excluded.given_names,
			birth_date = excluded.birth_date, updated_at = excluded.updated_at`,
		accountID, f.Nationality, f.Passport, f.Surname, f.GivenNames, f.BirthDate, s.now())
	return err
}

func (s *Service) foreignerBirthDate(ctx context.Context, accountID int64) (string, error) {
	var birth string
	err := s.db.QueryRowContext(ctx, `SELECT birth_date FROM identity_foreigners WHERE account_id = $1`, accountID).Scan(&birth)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return birth, err
}

// ConfirmForeignerSignin checks the code sent by StartForeignerSignin to
// req.Email for the passport and nationality in req (the other details are
// not needed again). A right code confirms the address and returns the
// account to sign in; a wrong one counts against the passport and the
// address.
func (s *Service) ConfirmForeignerSignin(ctx context.Context, req ForeignerRequest, code string) (*Account, error) {
	passport, okPassport := NormalizePassport(req.Passport)
	nationality := strings.ToUpper(strings.TrimSpace(req.Nationality))
	email, okEmail := NormalizeContact(ChannelEmail, req.Email)
	if !okPassport || !okEmail || !IsNationality(nationality) {
		return nil, foreignerMismatch(foreignerFieldCode)
	}
	subject := ForeignerSubject(nationality, passport)
	keys := foreignerKeys(subject, req.Address)
	if err := s.foreignerThrottle(ctx, keys); err != nil {
		return nil, err
	}
	fail := func(err error) (*Account, error) {
		if ferr := s.throttle.fail(ctx, keys[0], keys[1]); ferr != nil {
			return nil, ferr
		}
		return nil, err
	}
	acct, err := findAccountBySubject(ctx, s.db, subject)
	if errs.KindOf(err) == errs.NotFound || (err == nil && (acct.Kind != Foreigner || acct.Disabled)) {
		return fail(foreignerMismatch(foreignerFieldCode))
	}
	if err != nil {
		return nil, err
	}
	pending, err := s.PendingContact(ctx, acct.ID, ChannelEmail)
	if err != nil {
		return nil, err
	}
	if pending != email {
		return fail(errs.E(errs.Invalid, "identity.contact.error.expired").Field(foreignerFieldCode, "identity.contact.error.expired"))
	}
	if err := s.ConfirmContact(ctx, acct.ID, ChannelEmail, code); err != nil {
		if k := errs.KindOf(err); k == errs.Invalid || k == errs.TooMany {
			return fail(err)
		}
		return nil, err
	}
	if err := s.throttle.clear(ctx, keys[0]); err != nil {
		return nil, err
	}
	return findAccountByID(ctx, s.db, acct.ID)
}
