package payments_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

func TestValidIBAN(t *testing.T) {
	for _, c := range []struct {
		name, iban string
		want       bool
	}{
		{"Azerbaijan", "AZ21NABZ00000000137010001944", true},
		{"Germany", "DE89370400440532013000", true},
		{"WrongCheckDigits", "AZ22NABZ00000000137010001944", false},
		{"OneDigitChanged", "AZ21NABZ00000000137010001945", false},
		{"AzerbaijanTooShort", "AZ21NABZ0000000013701000194", false},
		{"LowerCase", "az21nabz00000000137010001944", false},
		{"Punctuation", "AZ21-NABZ-0000000013701000194", false},
		{"Empty", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := payments.ValidIBAN(c.iban); got != c.want {
				t.Errorf("ValidIBAN(%q) = %v, want %v", c.iban, got, c.want)
			}
		})
	}
	if got := payments.NormalizeIBAN(" az21 nabz 0000 0000 1370 1000 1944 "); got != "AZ21NABZ00000000137010001944" {
		t.Errorf("NormalizeIBAN = %q", got)
	}
}

func FuzzValidIBAN(f *testing.F) {
	for _, s := range []string{"AZ21NABZ00000000137010001944", "DE89370400440532013000", "", "AZ", "ZZ00ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := payments.NormalizeIBAN(s)
		if payments.ValidIBAN(n) && (len(n) < 15 || len(n) > 34) {
			t.Fatalf("accepted %q of length %d", n, len(n))
		}
	})
}

func TestPayouts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		create := func(p payments.Payout) (*payments.Payout, error) {
			var out *payments.Payout
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				var err error
				out, err = f.svc.CreatePayout(ctx, tx, p)
				return err
			})
			return out, err
		}
		benefit := payments.Payout{PayeeFIN: "5zqx7ka", Amount: 20000, Agency: "labour-social", Service: "child-benefit",
			Reason: "birth of 6BNT4YD", IdempotencyKey: "benefit-1"}
		t.Run("AwaitsAccountAndIsIdempotent", func(t *testing.T) {
			p, err := create(benefit)
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != payments.PayoutAwaitingAccount || p.PayeeFIN != "5ZQX7KA" {
				t.Fatalf("payout = %+v", p)
			}
			again, err := create(benefit)
			if err != nil || again.Number != p.Number {
				t.Fatalf("again = %+v, %v; want %s", again, err, p.Number)
			}
			if got := count(t, db, `SELECT COUNT(*) FROM payments_payouts`); got != 1 {
				t.Errorf("payouts = %d, want 1", got)
			}
			var set *payments.Payout
			err = db.Tx(ctx, func(tx *sql.Tx) error {
				set, err = f.svc.SetPayoutAccount(ctx, tx, p.Number, "AZ21 NABZ 0000 0000 1370 1000 1944")
				return err
			})
			if err != nil || set.Status != payments.PayoutScheduled {
				t.Fatalf("set account = %+v, %v", set, err)
			}
			list, err := f.svc.PayoutsOf(ctx, "5ZQX7KA")
			if err != nil || len(list) != 1 || list[0].IBAN != "AZ21NABZ00000000137010001944" {
				t.Fatalf("PayoutsOf = %+v, %v", list, err)
			}
		})
		t.Run("ErrBadIBAN", func(t *testing.T) {
			p := benefit
			p.IdempotencyKey, p.IBAN = "benefit-2", "AZ00NABZ00000000137010001944"
			if _, err := create(p); errs.KindOf(err) != errs.Invalid {
				t.Fatalf("err = %v, want invalid", err)
			}
		})
		t.Run("ErrNoAmount", func(t *testing.T) {
			p := benefit
			p.IdempotencyKey, p.Amount = "benefit-3", 0
			if _, err := create(p); errs.KindOf(err) != errs.Invalid {
				t.Fatalf("err = %v, want invalid", err)
			}
		})
	}, migrations...)
}
