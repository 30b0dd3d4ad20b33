package identity_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

func TestNormalizeContact(t *testing.T) {
	for _, tc := range []struct {
		channel, in, want string
		ok                bool
	}{
		{identity.ChannelEmail, " Aysel@Example.AZ ", "aysel@example.az", true},
		{identity.ChannelEmail, "Aysel <a@example.az>", "", false},
		{identity.ChannelEmail, "no-at-sign", "", false},
		{identity.ChannelEmail, "a@localhost", "", false},
		{identity.ChannelPhone, "+994 50 123-45-67", "+994501234567", true},
		{identity.ChannelPhone, "050 123 45 67", "+994501234567", true},
		{identity.ChannelPhone, "12345", "", false},
		{"fax", "x", "", false},
	} {
		got, ok := identity.NormalizeContact(tc.channel, tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("NormalizeContact(%s, %q) = %q, %v; want %q, %v", tc.channel, tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// A contact is the person's only once they type back the code sent to it;
// a code works once, for ten minutes and five tries.
func TestContactVerification(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, clk := newService(t, db)
		var sent []string
		var to []identity.CodeRecipient
		svc.SetCodeSender(func(_ context.Context, _ *sql.Tx, r identity.CodeRecipient, code string) error {
			sent, to = append(sent, code), append(to, r)
			return nil
		})
		acct, err := svc.PersonAccount(ctx, "5ZQX7KA")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.StartContactVerification(ctx, acct.ID, identity.ChannelEmail, "not an address"); errs.As(err).Fields["email"] == "" {
			t.Fatalf("bad address: %v", err)
		}
		if err := svc.StartContactVerification(ctx, acct.ID, identity.ChannelEmail, "Aysel@Example.az"); err != nil {
			t.Fatal(err)
		}
		if len(sent) != 1 || to[0].Address != "aysel@example.az" || len(sent[0]) != 6 {
			t.Fatalf("sent %v to %v", sent, to)
		}
		wrong := "000000"
		if sent[0] == wrong {
			wrong = "111111"
		}
		if err := svc.ConfirmContact(ctx, acct.ID, identity.ChannelEmail, wrong); errs.As(err).Fields["email_code"] == "" {
			t.Fatalf("wrong code: %v", err)
		}
		if a, _ := svc.Account(ctx, acct.ID); a.EmailVerified {
			t.Fatal("verified by a wrong code")
		}
		if err := svc.ConfirmContact(ctx, acct.ID, identity.ChannelEmail, sent[0]); err != nil {
			t.Fatal(err)
		}
		a, _ := svc.Account(ctx, acct.ID)
		if a.Email != "aysel@example.az" || !a.EmailVerified {
			t.Errorf("account e-mail %q verified %v", a.Email, a.EmailVerified)
		}
		if err := svc.ConfirmContact(ctx, acct.ID, identity.ChannelEmail, sent[0]); err == nil {
			t.Error("a code worked twice")
		}

		// Expiry and the limit on tries.
		if err := svc.StartContactVerification(ctx, acct.ID, identity.ChannelPhone, "+994501234567"); err != nil {
			t.Fatal(err)
		}
		clk.Add(11 * time.Minute)
		if err := svc.ConfirmContact(ctx, acct.ID, identity.ChannelPhone, sent[1]); errs.KindOf(err) != errs.Invalid {
			t.Errorf("expired code: %v", err)
		}
		if err := svc.StartContactVerification(ctx, acct.ID, identity.ChannelPhone, "+994501234567"); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			svc.ConfirmContact(ctx, acct.ID, identity.ChannelPhone, "999999x")
		}
		if err := svc.ConfirmContact(ctx, acct.ID, identity.ChannelPhone, sent[2]); errs.KindOf(err) != errs.TooMany {
			t.Errorf("after five wrong tries the right code: %v, want too many", err)
		}
		// At most five codes an hour.
		for i := 0; i < 3; i++ {
			svc.StartContactVerification(ctx, acct.ID, identity.ChannelPhone, "+994501234567")
		}
		if err := svc.StartContactVerification(ctx, acct.ID, identity.ChannelPhone, "+994501234567"); errs.KindOf(err) != errs.TooMany {
			t.Errorf("sixth code in an hour: %v", err)
		}
	}, migrations...)
}
