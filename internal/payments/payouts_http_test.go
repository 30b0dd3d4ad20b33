package payments_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

func TestPayeeGivesAccount(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWeb(t, db)
		ctx := context.Background()
		var po *payments.Payout
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			po, err = w.svc.CreatePayout(ctx, tx, payments.Payout{PayeeFIN: "5ZQX7KA", Amount: 20000, Agency: "labour",
				Service: "child-benefit", Reason: "One-time child benefit", IdempotencyKey: "test:benefit"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		path := "/cabinet/payments/payouts/" + po.Number + "/account"

		other := w.client(t, "person:7MJD3TE", lang.EN)
		other.get("/payments") // a page with a form gives the token
		if status, _, _ := other.post(path, url.Values{"iban": {"AZ21NABZ00000000137010001944"}}); status != http.StatusNotFound {
			t.Errorf("another person gives the account: %d, want 404", status)
		}

		c := w.client(t, "person:5ZQX7KA", lang.EN)
		status, body, _ := c.get("/cabinet/payments")
		if status != 200 || !strings.Contains(body, "One-time child benefit") || !strings.Contains(body, "waiting for your bank account") {
			t.Fatalf("cabinet: %d", status)
		}
		status, body, _ = c.post(path, url.Values{"iban": {"AZ22NABZ00000000137010001944"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `value="AZ22NABZ00000000137010001944"`) ||
			!strings.Contains(body, `href="#iban"`) {
			t.Errorf("wrong check digits: %d", status)
		}
		status, _, h := c.post(path, url.Values{"iban": {"az21 nabz 0000 0000 1370 1000 1944"}})
		if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/cabinet/payments?account=given") {
			t.Fatalf("give account: %d", status)
		}
		list, err := w.svc.PayoutsOf(ctx, "5ZQX7KA")
		if err != nil || len(list) != 1 || list[0].Status != payments.PayoutScheduled || list[0].IBAN != "AZ21NABZ00000000137010001944" {
			t.Fatalf("payout after: %+v %v", list, err)
		}
		c.get("/cabinet/payments")
		if status, body, _ := c.post(path, url.Values{"iban": {"AZ21NABZ00000000137010001944"}}); status != http.StatusConflict ||
			!strings.Contains(body, "already has a bank account") {
			t.Errorf("second account: %d", status)
		}
		for _, l := range lang.All {
			status, body, _ := w.client(t, "person:5ZQX7KA", l).get("/cabinet/payments")
			page(t, "cabinet with payouts "+string(l), status, body, http.StatusOK)
		}
	}, append(slices.Clone(migrations), web.Migrations)...)
}
