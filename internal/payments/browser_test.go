package payments_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/egov/egov/internal/browsertest"
	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/payments/sandbox"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

// TestBrowserPayFine: in Chromium, 7MJD3TE finds her fine without
// signing in, pays it on the sandbox card page (a declined card first,
// then the 3-D Secure card and its code), comes back to the receipt, and
// finds it in her cabinet. Every page is checked with axe-core. Needs
// EGOV_TEST_CHROMIUM.
func TestBrowserPayFine(t *testing.T) {
	ctx := browsertest.Chromium(t)
	db := storetest.SQLite(t, append(migrations[:len(migrations):len(migrations)], web.Migrations)...)
	w := newWeb(t, db)
	if err := w.svc.SeedDemo(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	check := func(what string, p browsertest.Page, want int) {
		t.Helper()
		if p.Status != want {
			t.Errorf("%s: status %d, want %d", what, p.Status, want)
		}
		if p.H1 != 1 {
			t.Errorf("%s: %d h1 elements", what, p.H1)
		}
		if vs := browsertest.Axe(t, ctx); len(vs) > 0 {
			t.Errorf("%s: %d axe-core violations:%s", what, len(vs), browsertest.Format(vs))
		}
	}
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
		defer cancel()
		if err := chromedp.Do(cctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	signIn := func(subject string) {
		t.Helper()
		rec := httptest.NewRecorder()
		if _, err := w.site.Sessions.Start(context.Background(), rec, httptest.NewRequest("POST", "/", nil), subject, nil); err != nil {
			t.Fatal(err)
		}
		for _, c := range rec.Result().Cookies() {
			cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
			_, err := chromedp.Call(cctx, network.SetCookie, network.SetCookieParams{Name: c.Name, Value: c.Value, URL: w.srv.URL})
			cancel()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, l := range []string{"az", "en", "ru"} {
		check("find "+l, browsertest.Open(t, ctx, w.srv.URL+"/payments?lang="+l), http.StatusOK)
	}
	check("find en", browsertest.Open(t, ctx, w.srv.URL+"/payments?lang=en"), http.StatusOK)
	do(chromedp.SendKeys(chromedp.ID("fin"), "7MJD3TE"), chromedp.SetValue(chromedp.ID("birth"), "1961-04-07"))
	p := browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/payments/find"] button`)))
	check("found", p, http.StatusOK)
	p = browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/payments/pay"] button`)))
	if !strings.Contains(p.URL, "/sandbox-acquirer/pay/") {
		t.Fatalf("not on the card page: %s", p.URL)
	}
	check("card page", p, http.StatusOK)
	do(chromedp.SendKeys(chromedp.ID("card"), sandbox.CardDecline))
	p = browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(`form:has(#card) button`)))
	check("declined", p, http.StatusUnprocessableEntity)
	do(chromedp.SendKeys(chromedp.ID("card"), sandbox.Card3DS))
	p = browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(`form:has(#card) button`)))
	check("3-D Secure", p, http.StatusOK)
	do(chromedp.SendKeys(chromedp.ID("code"), sandbox.Code3DS))
	p = browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(`form:has(#code) button`)))
	if !strings.Contains(p.URL, "/payments/return?payment=") {
		t.Fatalf("not back at egov: %s", p.URL)
	}
	check("return", p, http.StatusOK)

	// Signed in, the receipt is in her cabinet.
	signIn("person:7MJD3TE")
	p = browsertest.Open(t, ctx, w.srv.URL+"/cabinet/payments?lang=az")
	check("cabinet", p, http.StatusOK)
	p = browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(`a[href^="/cabinet/payments/receipts/"]`)))
	check("receipt", p, http.StatusOK)
	cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
	defer cancel()
	text, err := chromedp.Run(cctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "20,00 AZN") || !strings.Contains(text, "Etibarlıdır") {
		t.Errorf("receipt page: %s", text)
	}

	// The agency's pages, with an overpayment to return (a fine paid
	// from two tabs), and the refund form after a failed post.
	f := &fixture{svc: w.svc, db: db, acq: w.acq}
	twice := f.create(t, payments.Bill{Kind: payments.KindFine, PayerFIN: "7MJD3TE", Agency: "internal-affairs",
		BudgetCode: "142310", Amount: 700, DueAt: time.Now().AddDate(0, 0, 30), IdempotencyKey: "browser-twice"})
	_, secondTab := f.paidTwice(t, twice)
	signIn("staff:din.operator")
	for _, l := range []string{"az", "en", "ru"} {
		check("office "+l, browsertest.Open(t, ctx, w.srv.URL+"/office/payments?lang="+l), http.StatusOK)
		check("reconciliation "+l, browsertest.Open(t, ctx, w.srv.URL+"/office/payments/reconciliation?lang="+l), http.StatusOK)
	}
	browsertest.Open(t, ctx, w.srv.URL+"/office/payments?lang=en")
	p = browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/office/payments/overpayments/refunds"] button`)))
	check("overpayment returned", p, http.StatusOK)
	do(chromedp.SendKeys(chromedp.ID("bill"), "BNOSUCHBILL"), chromedp.SendKeys(chromedp.ID("amount"), "abc"))
	p = browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/office/payments/refunds"] button`)))
	check("refund refused", p, http.StatusUnprocessableEntity)
	// The payer's return page tells that the second tab's money went back.
	for _, l := range []string{"az", "en", "ru"} {
		check("overpaid return page "+l, browsertest.Open(t, ctx, w.srv.URL+"/payments/return?payment="+secondTab.Number+"&lang="+l), http.StatusOK)
	}
}
