package identity_test

import (
	"context"
	"encoding/base32"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

var migrations = []store.Migrations{web.Migrations, audit.Migrations, identity.Migrations}

// people is a tiny population registry for these tests.
func people(_ context.Context, fin string) (string, error) {
	if fin == "5ZQX7KA" {
		return "Aysel Məmmədova", nil
	}
	return "", errs.E(errs.NotFound, "registry.error.person_not_found")
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newService(t *testing.T, db *store.DB) (*identity.Service, *clock) {
	svc := identity.New(db, nil, people, nil)
	c := &clock{now: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	svc.SetClock(c.Now)
	return svc, c
}

func TestPasswordHash(t *testing.T) {
	hash, err := identity.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, password string
		want           bool
	}{{"Right", "correct horse", true}, {"Wrong", "correct hors", false}, {"Empty", "", false}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := identity.CheckPassword(hash, tc.password)
			if err != nil || got != tc.want {
				t.Errorf("CheckPassword = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	if _, err := identity.CheckPassword("$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA", "x"); err == nil {
		t.Error("absurd parameters accepted")
	}
}

// RFC 6238 Appendix B, SHA-1, cut to six digits.
func TestTOTPVectors(t *testing.T) {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	for _, tc := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		got, err := identity.TOTPCode(secret, identity.TOTPStep(time.Unix(tc.unix, 0)))
		if err != nil || got != tc.want {
			t.Errorf("T=%d: %s, %v; want %s", tc.unix, got, err, tc.want)
		}
	}
	now := time.Unix(1234567890, 0)
	step, ok := identity.VerifyTOTP(secret, "005924", now, 0)
	if !ok {
		t.Fatal("current code refused")
	}
	if _, ok := identity.VerifyTOTP(secret, "005924", now, step); ok {
		t.Error("a code was accepted twice")
	}
	if _, ok := identity.VerifyTOTP(secret, "123456", now, 0); ok {
		t.Error("a wrong code was accepted")
	}
}

func staff(t *testing.T, svc *identity.Service) {
	t.Helper()
	if _, err := svc.EnsureStaff(context.Background(), identity.StaffMember{Login: "dim.operator", Name: "Operator",
		Password: "demo", Roles: []string{identity.RoleAgencyOperator}, Agency: "internal-affairs"}); err != nil {
		t.Fatal(err)
	}
}

// The sixth wrong password in a minute is refused without checking the
// password, and says when to try again.
func TestThrottling(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, clk := newService(t, db)
		staff(t, svc)
		try := func(password string) error {
			_, err := svc.CheckPassword(ctx, identity.Attempt{Login: "dim.operator", Password: password, Address: "192.0.2.1"})
			return err
		}
		for i := 1; i <= 5; i++ {
			if got := errs.KindOf(try("wrong")); got != errs.Unauthenticated {
				t.Fatalf("attempt %d: %s, want unauthenticated", i, got)
			}
			clk.Add(5 * time.Second)
		}
		err := try("demo") // right password, but throttled: refused unchecked
		var throttled *identity.ThrottledError
		if errs.KindOf(err) != errs.TooMany || !errors.As(err, &throttled) {
			t.Fatalf("6th attempt: %v, want too many", err)
		}
		if want := clk.Now().Add(-5 * time.Second).Add(time.Minute); !throttled.RetryAt.Equal(want) {
			t.Errorf("retry at %v, want %v", throttled.RetryAt, want)
		}
		if errs.As(err).Args["Time"] == nil {
			t.Error("the message does not say when to try again")
		}
		clk.Add(time.Minute)
		if err := try("demo"); err != nil {
			t.Fatalf("after waiting: %v", err)
		}
		// Success clears the account's count.
		if err := try("wrong"); errs.KindOf(err) != errs.Unauthenticated {
			t.Errorf("after success: %v", err)
		}
	}, migrations...)
}

func TestUnknownLoginLooksLikeWrongPassword(t *testing.T) {
	svc, _ := newService(t, storetest.SQLite(t, migrations...))
	_, err := svc.CheckPassword(context.Background(), identity.Attempt{Login: "nobody", Password: "x", Address: "192.0.2.9"})
	if e := errs.As(err); e.Kind != errs.Unauthenticated || e.Message != "identity.error.credentials" {
		t.Errorf("unknown login: %v", err)
	}
}

func TestTOTPEnrolmentAndRecoveryCodes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, clk := newService(t, db)
		staff(t, svc)
		acct, err := svc.CheckPassword(ctx, identity.Attempt{Login: "dim.operator", Password: "demo", Address: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		secret, err := svc.BeginTOTP(ctx, acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ConfirmTOTP(ctx, acct.ID, "000000"); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("wrong code confirmed: %v", err)
		}
		code, _ := identity.TOTPCode(secret, identity.TOTPStep(clk.Now()))
		recovery, err := svc.ConfirmTOTP(ctx, acct.ID, code)
		if err != nil {
			t.Fatal(err)
		}
		if len(recovery) != 10 {
			t.Fatalf("%d recovery codes", len(recovery))
		}
		attempt := identity.Attempt{Login: "dim.operator", Password: "demo", Address: "192.0.2.1"}
		if _, err := svc.CheckPassword(ctx, attempt); errs.As(err).Fields["code"] == "" {
			t.Fatalf("no code: %v, want a code required", err)
		}
		clk.Add(30 * time.Second)
		attempt.Code, _ = identity.TOTPCode(secret, identity.TOTPStep(clk.Now()))
		if _, err := svc.CheckPassword(ctx, attempt); err != nil {
			t.Fatalf("password and code: %v", err)
		}
		if _, err := svc.CheckPassword(ctx, attempt); err == nil {
			t.Fatal("the same TOTP code worked twice")
		}
		// A recovery code works once, even when used concurrently.
		attempt.Code = recovery[0]
		var ok atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := svc.CheckPassword(ctx, attempt); err == nil {
					ok.Add(1)
				}
			}()
		}
		wg.Wait()
		if got := ok.Load(); got != 1 {
			t.Errorf("recovery code worked %d times, want once", got)
		}
	}, migrations...)
}

func TestPersonAccount(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		a, err := svc.PersonAccount(ctx, " 5zqx7ka ")
		if err != nil {
			t.Fatal(err)
		}
		if a.FIN != "5ZQX7KA" || a.DisplayName != "Aysel Məmmədova" || a.Roles[0] != identity.RoleCitizen {
			t.Errorf("account = %+v", a)
		}
		again, err := svc.PersonAccount(ctx, "5ZQX7KA")
		if err != nil || again.ID != a.ID {
			t.Errorf("second lookup opened another account: %v", err)
		}
		for _, fin := range []string{"", "12", "ZZZZZZZ"} {
			if _, err := svc.PersonAccount(ctx, fin); errs.As(err).Fields["fin"] == "" {
				t.Errorf("FIN %q: %v, want a fin field error", fin, err)
			}
		}
	}, migrations...)
}

// Messages to a person are written in the language they chose; someone
// without an account gets Azerbaijani, and asking opens no account.
func TestPersonLanguage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		svc, _ := newService(t, db)
		ctx := context.Background()
		if got := svc.PersonLanguage(ctx, "5ZQX7KA"); got != lang.AZ {
			t.Errorf("without an account: %s", got)
		}
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM identity_accounts`).Scan(&n)
		if n != 0 {
			t.Fatalf("asking opened %d accounts", n)
		}
		acct, err := svc.PersonAccount(ctx, "5ZQX7KA")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `UPDATE identity_accounts SET lang = 'en' WHERE id = $1`, acct.ID); err != nil {
			t.Fatal(err)
		}
		if got := svc.PersonLanguage(ctx, "5zqx7ka"); got != lang.EN {
			t.Errorf("with English chosen: %s", got)
		}
		if got := svc.PersonLanguage(ctx, "not a FIN"); got != lang.AZ {
			t.Errorf("a bad FIN: %s", got)
		}
	}, migrations...)
}
