package identity

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/nationalid"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/web"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations create the identity module's tables.
var Migrations = store.Migrations{Module: "identity", FS: store.MustSub(migrationsFS, "migrations")}

// PersonLookup finds a person in the population registry and returns the
// name to show; it returns an errs.NotFound error when there is no such
// person.
type PersonLookup func(ctx context.Context, fin string) (name string, err error)

// Service manages accounts and signing in.
type Service struct {
	db       *store.DB
	sessions *web.Sessions
	people   PersonLookup
	logger   *slog.Logger
	now      func() time.Time
	throttle *throttle
	// businesses is the business registry, for mandates; nil means no one
	// acts for a business.
	businesses Businesses
	// sendCode delivers contact verification codes; nil means codes
	// cannot be sent and contacts cannot be changed.
	sendCode CodeSender
}

// New returns the identity service.
func New(db *store.DB, sessions *web.Sessions, people PersonLookup, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Service{db: db, sessions: sessions, people: people, logger: logger, now: func() time.Time { return time.Now().UTC() }}
	s.throttle = &throttle{db: db, now: func() time.Time { return s.now() }}
	return s
}

// SetClock replaces the clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// SessionSubject is what a session stores: the account's id, so a renamed
// or re-roled account takes effect at once.
func SessionSubject(id int64) string { return "account:" + strconv.FormatInt(id, 10) }

// Resolve turns a session into the signed-in principal; a session whose
// account was disabled or removed resolves to nobody.
func (s *Service) Resolve(ctx context.Context, sess *web.Session) (*web.Principal, error) {
	idText, ok := strings.CutPrefix(sess.Subject, "account:")
	if !ok {
		return nil, nil
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return nil, nil
	}
	a, err := findAccountByID(ctx, s.db, id)
	if errs.KindOf(err) == errs.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if a.Disabled {
		return nil, nil
	}
	// A language chosen while signed in is the account's language from
	// now on: messages to the person are written in it.
	if l := web.LangOf(ctx); web.LangChosen(ctx) && string(l) != a.Lang {
		if _, err := s.db.ExecContext(ctx, `UPDATE identity_accounts SET lang = $1, updated_at = $2 WHERE id = $3`, string(l), s.now(), a.ID); err != nil {
			return nil, err
		}
		a.Lang = string(l)
	}
	p := a.Principal()
	// Acting for a business is checked on every request, so a revoked
	// mandate stops working at once, not at the next sign-in.
	if voen := sess.Data["acting_for"]; voen != "" && a.FIN != "" {
		ok, err := s.CanActFor(ctx, a.FIN, voen, "")
		if err != nil {
			return nil, err
		}
		if ok {
			p.ActingFor = voen
			p.Roles = append(p.Roles, RoleBusiness)
		}
	}
	// Staff who signed in with a password but have no second factor yet
	// may only set one up.
	if a.Kind == Staff && !a.TOTPEnabled && sess.Data["method"] == "password" && sess.Data["mfa"] != "done" {
		p.Roles = []string{roleEnrolling}
	}
	return p, nil
}

// Account returns the account with id.
func (s *Service) Account(ctx context.Context, id int64) (*Account, error) {
	return findAccountByID(ctx, s.db, id)
}

// StaffAccount returns the staff account with login.
func (s *Service) StaffAccount(ctx context.Context, login string) (*Account, error) {
	login, _ = NormalizeLogin(login)
	return findAccountBySubject(ctx, s.db, StaffSubject(login))
}

// PersonLanguage is the language the person with fin chose in egov, or
// Azerbaijani for someone who has no account yet; it opens no account.
func (s *Service) PersonLanguage(ctx context.Context, fin string) lang.Lang {
	fin, ok := nationalid.ParseFIN(fin)
	if !ok {
		return lang.AZ
	}
	a, err := findAccountBySubject(ctx, s.db, PersonSubject(fin))
	if err != nil {
		return lang.AZ
	}
	if l, ok := lang.Parse(a.Lang); ok {
		return l
	}
	return lang.AZ
}

// PersonAccount returns the account of the person with fin, opening one
// from the population registry on first use.
func (s *Service) PersonAccount(ctx context.Context, fin string) (*Account, error) {
	fin, ok := nationalid.ParseFIN(fin)
	if !ok {
		return nil, errs.E(errs.Invalid, "identity.error.fin").Field("fin", "identity.error.fin")
	}
	if a, err := findAccountBySubject(ctx, s.db, PersonSubject(fin)); err == nil {
		return a, nil
	} else if errs.KindOf(err) != errs.NotFound {
		return nil, err
	}
	name, err := s.people(ctx, fin)
	if errs.KindOf(err) == errs.NotFound {
		return nil, errs.E(errs.Invalid, "identity.error.fin_unknown").Field("fin", "identity.error.fin_unknown")
	}
	if err != nil {
		return nil, err
	}
	var acct *Account
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var added bool
		acct, added, err = insertAccount(ctx, tx, &Account{Kind: Person, Subject: PersonSubject(fin), FIN: fin,
			DisplayName: name, Roles: []string{RoleCitizen}}, s.now())
		if err != nil || !added {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: acct.Subject, Action: "identity.account.opened", Object: acct.Subject})
		return err
	})
	return acct, err
}

// StaffMember describes a staff account to create.
type StaffMember struct {
	Login, Name, Password string
	PasswordHash          string // used instead of hashing Password when set
	Roles                 []string
	Agency, Centre        string
}

// EnsureStaff creates a staff account unless one with the login exists. It
// reports whether it created one.
func (s *Service) EnsureStaff(ctx context.Context, m StaffMember) (bool, error) {
	login, ok := NormalizeLogin(m.Login)
	if !ok {
		return false, errs.E(errs.Invalid, "identity.error.login").Field("login", "identity.error.login")
	}
	if existing, err := findAccountBySubject(ctx, s.db, StaffSubject(login)); err == nil && existing != nil {
		return false, nil
	}
	hash := m.PasswordHash
	if hash == "" {
		var err error
		if hash, err = HashPassword(m.Password); err != nil {
			return false, err
		}
	}
	var added bool
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var acct *Account
		var err error
		acct, added, err = insertAccount(ctx, tx, &Account{Kind: Staff, Subject: StaffSubject(login), Login: login,
			DisplayName: m.Name, Roles: m.Roles, Agency: m.Agency, Centre: m.Centre, PasswordHash: hash}, s.now())
		if err != nil || !added {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: "system", Action: "identity.staff.created", Object: acct.Subject,
			Detail: map[string]string{"roles": strings.Join(m.Roles, ","), "agency": m.Agency, "centre": m.Centre}})
		return err
	})
	return added, err
}

// Attempt is one try at signing in with a password.
type Attempt struct {
	Login    string
	Password string
	Code     string // TOTP or recovery code, when the account has TOTP
	Address  string
}

// ThrottledError says when a throttled sign-in may be tried again.
type ThrottledError struct{ RetryAt time.Time }

func (e *ThrottledError) Error() string {
	return "identity: too many failed attempts until " + e.RetryAt.String()
}

// CheckPassword verifies a staff member's password (and second factor when
// enrolled), under throttling per account and per address. It returns the
// account, or an error: invalid credentials, a missing code, or throttled.
func (s *Service) CheckPassword(ctx context.Context, at Attempt) (*Account, error) {
	login, _ := NormalizeLogin(at.Login)
	accountKey, addressKey := "login:"+login, "addr:"+at.Address
	for _, check := range []struct {
		key  string
		rule throttleRule
	}{{accountKey, accountRule}, {addressKey, addressRule}} {
		until, err := s.throttle.wait(ctx, check.key, check.rule)
		if err != nil {
			return nil, err
		}
		if !until.IsZero() {
			e := errs.E(errs.TooMany, "identity.error.throttled")
			e.Args = map[string]any{"Time": until.In(web.Baku).Format("15:04:05")}
			e.Err = &ThrottledError{RetryAt: until}
			return nil, e
		}
	}
	bad := func() (*Account, error) {
		if err := s.throttle.fail(ctx, accountKey, addressKey); err != nil {
			return nil, err
		}
		return nil, errs.E(errs.Unauthenticated, "identity.error.credentials").Field("password", "identity.error.credentials")
	}
	acct, err := findAccountBySubject(ctx, s.db, StaffSubject(login))
	if errs.KindOf(err) == errs.NotFound || (err == nil && (acct.PasswordHash == "" || acct.Disabled)) {
		// Spend the same time as a real check, so timing does not tell
		// which logins exist.
		CheckPassword(dummyHash(), at.Password)
		return bad()
	}
	if err != nil {
		return nil, err
	}
	ok, err := CheckPassword(acct.PasswordHash, at.Password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return bad()
	}
	if acct.TOTPEnabled {
		if strings.TrimSpace(at.Code) == "" {
			return acct, errs.E(errs.Unauthenticated, "identity.error.code_required").Field("code", "identity.error.code_required")
		}
		if !s.checkSecondFactor(ctx, acct, at.Code) {
			return bad()
		}
	}
	if err := s.throttle.clear(ctx, accountKey); err != nil {
		return nil, err
	}
	return acct, nil
}

// dummyHash is checked against when no account matches, so that a wrong
// login name costs as long as a wrong password. Made on first use: at
// package initialisation it cost every egov process, each command and
// the standalone gateway included, 64 MiB and an argon2id hash.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a real password")
	return h
})

// checkSecondFactor accepts a current TOTP code (once) or an unused
// recovery code (then spends it).
func (s *Service) checkSecondFactor(ctx context.Context, acct *Account, code string) bool {
	if step, ok := VerifyTOTP(acct.TOTPSecret, code, s.now(), acct.TOTPLastStep); ok {
		// Record the step so the same code cannot be replayed; the
		// condition makes two concurrent uses of one code fail one.
		res, err := s.db.ExecContext(ctx, `UPDATE identity_accounts SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, acct.ID)
		if err != nil {
			return false
		}
		n, _ := res.RowsAffected()
		return n == 1
	}
	return s.useRecoveryCode(ctx, acct.ID, code)
}

// SignIn starts a session for acct (rotating any earlier one) and records
// it in the activity history and the audit log.
func (s *Service) SignIn(ctx context.Context, w http.ResponseWriter, r *http.Request, acct *Account, method string) error {
	if _, err := s.sessions.Start(ctx, w, r, SessionSubject(acct.ID), map[string]string{"method": method}); err != nil {
		return err
	}
	// On a browser with no language of its own yet, the account's
	// language applies from the next page.
	if _, err := r.Cookie("lang"); err != nil && acct.Lang != "" && !web.LangChosen(ctx) {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: acct.Lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := insertActivity(ctx, tx, acct.ID, Activity{At: s.now(), Event: "signin", Method: method,
			Address: ClientAddress(r), UserAgent: r.UserAgent()}); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: acct.Subject, Action: "identity.signin", Object: acct.Subject,
			Detail: map[string]string{"method": method}})
		return err
	})
}

// SignOut ends the request's session.
func (s *Service) SignOut(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalOf(ctx)
	if err := s.sessions.End(ctx, w, r); err != nil {
		return err
	}
	if p == nil {
		return nil
	}
	return insertActivity(ctx, s.db, p.AccountID, Activity{At: s.now(), Event: "signout", Address: ClientAddress(r), UserAgent: r.UserAgent()})
}

// SignOutEverywhere ends every session of the signed-in account.
func (s *Service) SignOutEverywhere(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	p := web.PrincipalOf(ctx)
	if p == nil {
		return errs.E(errs.Unauthenticated, "error.unauthenticated.detail")
	}
	if err := s.sessions.EndAll(ctx, SessionSubject(p.AccountID)); err != nil {
		return err
	}
	s.sessions.End(ctx, w, r)
	return insertActivity(ctx, s.db, p.AccountID, Activity{At: s.now(), Event: "signout_all", Address: ClientAddress(r), UserAgent: r.UserAgent()})
}

// RecordServiceUse adds "used a service" to a person's activity history.
func (s *Service) RecordServiceUse(ctx context.Context, accountID int64, service string) error {
	return insertActivity(ctx, s.db, accountID, Activity{At: s.now(), Event: "service", Detail: service})
}

// Activity lists the newest entries of an account's history.
func (s *Service) Activity(ctx context.Context, accountID int64, limit int) ([]Activity, error) {
	return listActivity(ctx, s.db, accountID, limit)
}

// ClientAddress is the request's remote IP address (without the port).
// egov trusts no forwarding header by default; a deployment behind a proxy
// sets the address at the proxy.
func ClientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Prune forgets old failed attempts and verification codes.
func (s *Service) Prune(ctx context.Context) error {
	if err := s.throttle.prune(ctx); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `DELETE FROM identity_contact_codes WHERE created_at < $1`, s.now().Add(-2*time.Hour))
	return err
}

func (s *Service) String() string { return fmt.Sprintf("identity(%s)", s.db.Engine) }

// TestKey reports whether p is an agency system signed in with a test API
// key: its calls are checked like a live key's, but nothing reaches a
// person (as GOV.UK Notify's test keys).
func TestKey(p *web.Principal) bool {
	return p != nil && strings.HasPrefix(p.Subject, "apikey:test:")
}
