package payments_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/payments/sandbox"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

var migrations = []store.Migrations{events.Migrations, audit.Migrations, payments.Migrations}

var (
	webhookSecret = []byte("payments-test-webhook-secret-0123")
	signingKey    = []byte("payments-test-signing-key-0123456")
	apiKey        = "sandbox-test-key"
	// day is the tests' "today": 10:00 in Baku.
	day = time.Date(2026, 3, 18, 6, 0, 0, 0, time.UTC)
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	svc   *payments.Service
	db    *store.DB
	acq   *sandbox.Acquirer
	srv   *httptest.Server
	clock *clock
}

// newFixture builds the service against a sandbox acquirer served over
// real HTTP (without webhooks: tests deliver them by hand).
func newFixture(t *testing.T, db *store.DB, opts ...func(*payments.Config)) *fixture {
	t.Helper()
	c := &clock{t: day}
	acq := sandbox.New(sandbox.Config{APIKey: apiKey, WebhookSecret: webhookSecret})
	srv := httptest.NewServer(acq)
	t.Cleanup(func() { srv.Close(); acq.Close() })
	cfg := payments.Config{
		Provider:      &payments.HTTPProvider{BaseURL: srv.URL, APIKey: apiKey},
		WebhookSecret: webhookSecret, SigningKey: signingKey, BaseURL: "https://egov.test",
		BirthDate: func(ctx context.Context, fin string) (time.Time, error) {
			if fin == "7MJD3TE" {
				return time.Date(1961, 4, 7, 0, 0, 0, 0, time.UTC), nil
			}
			return time.Time{}, errs.E(errs.NotFound, "registry.not_found")
		},
		Now: c.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	svc := payments.New(db, cfg)
	return &fixture{svc: svc, db: db, acq: acq, srv: srv, clock: c}
}

func fine(key string) payments.Bill {
	return payments.Bill{Kind: payments.KindFine, PayerFIN: "7MJD3TE", Plate: "10 ab 123", Agency: "internal-affairs",
		BudgetCode: "142310", Amount: 4000, Points: 2, IssuedAt: day.AddDate(0, 0, -1), DueAt: day.AddDate(0, 0, 30),
		Rule: payments.TrafficFine, Reference: "DYP-1", IdempotencyKey: key}
}

func fee(key string, amount int64) payments.Bill {
	return payments.Bill{Kind: payments.KindFee, PayerFIN: "7MJD3TE", Agency: "migration", BudgetCode: "142150",
		Service: "e-visa", Amount: amount, DueAt: day.AddDate(0, 0, 10), Reference: "APP-" + key, IdempotencyKey: key}
}

func (f *fixture) create(t *testing.T, b payments.Bill) *payments.Bill {
	t.Helper()
	var out *payments.Bill
	err := f.db.Tx(context.Background(), func(tx *sql.Tx) error {
		var err error
		out, err = f.svc.CreateBill(context.Background(), tx, b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// paid starts a payment of the bills and pays it at the sandbox with the
// success card, without settling it in egov.
func (f *fixture) paid(t *testing.T, key string, bills ...*payments.Bill) *payments.Payment {
	t.Helper()
	var numbers []string
	for _, b := range bills {
		numbers = append(numbers, b.Number)
	}
	p, err := f.svc.StartPayment(context.Background(), "person:7MJD3TE", numbers, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.acq.Charge(p.ProviderID, sandbox.CardSuccess); err != nil {
		t.Fatal(err)
	}
	return p
}

// paidTwice starts two payments of bill (two tabs) before either is
// charged, so that both get to the acquirer whatever webhooks settle
// meanwhile, and settles both: the second is an overpayment.
func (f *fixture) paidTwice(t *testing.T, bill *payments.Bill) (first, second *payments.Payment) {
	t.Helper()
	ctx := context.Background()
	var tabs [2]*payments.Payment
	for i := range tabs {
		p, err := f.svc.StartPayment(ctx, "person:7MJD3TE", []string{bill.Number}, fmt.Sprintf("tab-%d", i+1))
		if err != nil {
			t.Fatal(err)
		}
		tabs[i] = p
	}
	for _, p := range tabs {
		if err := f.acq.Charge(p.ProviderID, sandbox.CardSuccess); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Return(ctx, p.Number); err != nil {
			t.Fatal(err)
		}
	}
	return tabs[0], tabs[1]
}

// webhook is the signed notification the acquirer would send for p.
func (f *fixture) webhook(t *testing.T, p *payments.Payment) ([]byte, string) {
	t.Helper()
	body, _ := json.Marshal(payments.ProviderPayment{ID: p.ProviderID, State: payments.StateSucceeded, Amount: p.Amount,
		Reference: p.Number})
	return body, sandbox.Sign(webhookSecret, body, f.clock.Now())
}

func TestRuleDue(t *testing.T) {
	issued := day
	due := day.AddDate(0, 0, 30)
	cases := []struct {
		name string
		rule payments.Rule
		at   time.Time
		want int64
	}{
		{"no rule", payments.Rule{}, due.AddDate(0, 0, 100), 10001},
		{"discount on day 1", payments.TrafficFine, issued.Add(time.Hour), 5000},
		{"discount ends after 20 days", payments.TrafficFine, issued.AddDate(0, 0, 20), 10001},
		{"no penalty on the due day", payments.TaxLate, due, 10001},
		{"3 days late at 0.1%", payments.TaxLate, due.AddDate(0, 0, 3).Add(time.Hour), 10031},
		{"penalty capped", payments.Rule{PenaltyBPPerDay: 10, PenaltyCapBP: 200}, due.AddDate(0, 0, 400), 10201},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.rule.Due(10001, issued, due, c.at); got != c.want {
				t.Errorf("Due = %d, want %d", got, c.want)
			}
		})
	}
}

func TestCreateBill(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a := f.create(t, fine("fine-1"))
		b := f.create(t, fine("fine-1"))
		if a.Number != b.Number || a.ID != b.ID {
			t.Fatalf("same key made two bills: %s and %s", a.Number, b.Number)
		}
		if a.Plate != "10-AB-123" || a.Status != payments.StatusOpen {
			t.Errorf("plate %q status %q", a.Plate, a.Status)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM payments_bills`); got != 1 {
			t.Errorf("%d bills, want 1", got)
		}
		t.Run("ErrInvalid", func(t *testing.T) {
			bad := fine("fine-2")
			bad.Amount, bad.PayerFIN = 0, ""
			err := db.Tx(ctx, func(tx *sql.Tx) error { _, err := f.svc.CreateBill(ctx, tx, bad); return err })
			e := errs.As(err)
			if e.Kind != errs.Invalid || e.Fields["amount"] == "" || e.Fields["payer"] == "" {
				t.Errorf("err = %v, fields %v", err, e.Fields)
			}
		})
		got, err := f.svc.Bill(ctx, strings.ToLower(a.Number))
		if err != nil || got.Amount != 4000 || got.Rule != payments.TrafficFine {
			t.Fatalf("Bill = %+v, %v", got, err)
		}
		if list, err := f.svc.FindByPlate(ctx, "10AB123"); err != nil || len(list) != 1 {
			t.Errorf("FindByPlate = %d, %v", len(list), err)
		}
		if list, err := f.svc.BillsOf(ctx, "7mjd3te"); err != nil || len(list) != 1 {
			t.Errorf("BillsOf = %d, %v", len(list), err)
		}
		if list, err := f.svc.FindByFIN(ctx, "7MJD3TE", time.Date(1961, 4, 7, 0, 0, 0, 0, time.UTC)); err != nil || len(list) != 1 {
			t.Errorf("FindByFIN = %d, %v", len(list), err)
		}
		for _, c := range []struct{ fin, birth string }{{"7MJD3TE", "1961-04-08"}, {"5ZQX7KA", "1961-04-07"}, {"x", "1961-04-07"}} {
			birth, _ := time.Parse(time.DateOnly, c.birth)
			if _, err := f.svc.FindByFIN(ctx, c.fin, birth); errs.KindOf(err) != errs.NotFound || errs.As(err).Message != "payments.find.none" {
				t.Errorf("FindByFIN(%s, %s) = %v, want the same not found", c.fin, c.birth, err)
			}
		}
		// Guessing the birth date stops after five wrong ones an hour,
		// even for the right date.
		wrong := time.Date(1961, 4, 9, 0, 0, 0, 0, time.UTC)
		for i := 0; i < 4; i++ { // the first miss was above
			if _, err := f.svc.FindByFIN(ctx, "7MJD3TE", wrong.AddDate(0, 0, i)); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("miss %d: %v", i+2, err)
			}
		}
		if _, err := f.svc.FindByFIN(ctx, "7MJD3TE", time.Date(1961, 4, 7, 0, 0, 0, 0, time.UTC)); errs.KindOf(err) != errs.TooMany {
			t.Errorf("after five misses: %v, want too many", err)
		}
		visa := fee("visa-1", 2000)
		visa.PayerFIN, visa.PayerSubject = "", "foreigner:GBR:533401372"
		f.create(t, visa)
		if list, err := f.svc.BillsOf(ctx, "foreigner:GBR:533401372"); err != nil || len(list) != 1 || list[0].Payer() != visa.PayerSubject {
			t.Errorf("a foreigner's bills: %d, %v", len(list), err)
		}
		both := fee("visa-2", 2000)
		both.PayerSubject = "foreigner:GBR:533401372"
		err = db.Tx(ctx, func(tx *sql.Tx) error { _, err := f.svc.CreateBill(ctx, tx, both); return err })
		if errs.As(err).Fields["payer"] == "" {
			t.Errorf("two payers: %v", err)
		}
		pts, _, err := f.svc.Points(ctx, "7MJD3TE")
		if err != nil || pts != 2 {
			t.Errorf("Points = %d, %v", pts, err)
		}
	}, migrations...)
}

func TestPayAndSettleOnReturn(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a, b := f.create(t, fine("fine-1")), f.create(t, fee("fee-1", 2550))
		p := f.paid(t, "k1", a, b)
		if p.Amount != 2000+2550 {
			t.Errorf("amount %d, want the discounted fine and the fee", p.Amount)
		}
		again, err := f.svc.StartPayment(ctx, "person:7MJD3TE", []string{a.Number, b.Number}, "k1")
		if err != nil || again.Number != p.Number {
			t.Errorf("the same key started another payment: %v", err)
		}
		got, err := f.svc.Return(ctx, p.Number)
		if err != nil || got.State != payments.PaymentSettled {
			t.Fatalf("Return = %+v, %v", got, err)
		}
		for _, n := range []string{a.Number, b.Number} {
			bill, _ := f.svc.Bill(ctx, n)
			if bill.Status != payments.StatusPaid || bill.Payment != p.Number {
				t.Errorf("bill %s: %s by %q", n, bill.Status, bill.Payment)
			}
		}
		if got := count(t, db, `SELECT COUNT(*) FROM payments_ledger WHERE kind = 'payment'`); got != 2 {
			t.Errorf("%d ledger entries, want one per bill", got)
		}
		var payload string
		db.QueryRow(`SELECT payload FROM events_outbox WHERE topic = $1 AND key = $2`, payments.TopicBillPaid, b.Number).Scan(&payload)
		var ev payments.BillPaid
		if err := json.Unmarshal([]byte(payload), &ev); err != nil || ev.Amount != 2550 || ev.Reference != "APP-fee-1" || ev.Agency != "migration" {
			t.Errorf("event %s: %+v %v", payload, ev, err)
		}
		r, err := f.svc.ReceiptOf(ctx, p.Number)
		if err != nil || !f.svc.VerifyReceipt(r) || r.Amount != p.Amount {
			t.Fatalf("receipt %+v, %v", r, err)
		}
		r.Amount++
		if f.svc.VerifyReceipt(r) {
			t.Error("an altered receipt verifies")
		}
		list, err := f.svc.ReceiptsFor(ctx, "", "7MJD3TE")
		if err != nil || len(list) != 1 {
			t.Errorf("ReceiptsFor = %d, %v", len(list), err)
		}
		if _, err := f.svc.StartPayment(ctx, "person:7MJD3TE", []string{a.Number}, "k2"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("paying a paid bill: %v", err)
		}
	}, migrations...)
}

func TestDeclinedAndCancelled(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a := f.create(t, fine("fine-1"))
		p, err := f.svc.StartPayment(ctx, "public", []string{a.Number}, "k1")
		if err != nil {
			t.Fatal(err)
		}
		for card, want := range map[string]error{sandbox.CardDecline: sandbox.ErrDeclined,
			sandbox.CardInsufficientFunds: sandbox.ErrInsufficient, "4242424242424241": sandbox.ErrInvalidCard} {
			if err := f.acq.Charge(p.ProviderID, card); !errors.Is(err, want) {
				t.Errorf("card %s: %v, want %v", card, err, want)
			}
		}
		if err := f.acq.Charge(p.ProviderID, sandbox.Card3DS); !errors.Is(err, sandbox.ErrNeeds3DS) {
			t.Fatalf("3DS card: %v", err)
		}
		if err := f.acq.Confirm3DS(p.ProviderID, "000000"); !errors.Is(err, sandbox.ErrWrongCode) {
			t.Errorf("wrong code: %v", err)
		}
		if got, _ := f.svc.Return(ctx, p.Number); got.State != payments.PaymentCreated {
			t.Errorf("before the code, state %s", got.State)
		}
		if err := f.acq.Confirm3DS(p.ProviderID, sandbox.Code3DS); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Return(ctx, p.Number); got.State != payments.PaymentSettled {
			t.Errorf("after the code, state %s", got.State)
		}

		b := f.create(t, fee("fee-1", 100))
		q, _ := f.svc.StartPayment(ctx, "public", []string{b.Number}, "k2")
		f.acq.Cancel(q.ProviderID)
		if got, _ := f.svc.Return(ctx, q.Number); got.State != payments.PaymentFailed {
			t.Errorf("cancelled payment: %s", got.State)
		}
		if bill, _ := f.svc.Bill(ctx, b.Number); bill.Status != payments.StatusOpen {
			t.Errorf("bill of a cancelled payment: %s", bill.Status)
		}
	}, migrations...)
}

// TestConcurrentCallbacks: 100 duplicate webhooks at once, and the
// return page, settle the payment once: one ledger entry, one event, one
// receipt.
func TestConcurrentCallbacks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		b := f.create(t, fine("fine-1"))
		p := f.paid(t, "k1", b)
		body, sig := f.webhook(t, p)
		var wg sync.WaitGroup
		errc := make(chan error, 101)
		for range 100 {
			wg.Go(func() { errc <- f.svc.Callback(ctx, body, sig) })
		}
		wg.Go(func() { _, err := f.svc.Return(ctx, p.Number); errc <- err })
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Error(err)
			}
		}
		if got := count(t, db, `SELECT COUNT(*) FROM payments_ledger`); got != 1 {
			t.Errorf("%d ledger entries, want 1", got)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM events_outbox WHERE topic = $1`, payments.TopicBillPaid); got != 1 {
			t.Errorf("%d events, want 1", got)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM payments_receipts`); got != 1 {
			t.Errorf("%d receipts, want 1", got)
		}
		if bill, _ := f.svc.Bill(ctx, b.Number); bill.Status != payments.StatusPaid || bill.PaidAmount != 2000 {
			t.Errorf("bill %s paid %d", bill.Status, bill.PaidAmount)
		}
	}, migrations...)
}

func TestCallbackSignature(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		p := f.paid(t, "k1", f.create(t, fine("fine-1")))
		body, sig := f.webhook(t, p)
		cases := map[string]struct {
			body []byte
			sig  string
		}{
			"no signature":  {body, ""},
			"other secret":  {body, sandbox.Sign([]byte("another-secret-0123456789"), body, f.clock.Now())},
			"altered body":  {[]byte(strings.Replace(string(body), `"amount":2000`, `"amount":1`, 1)), sig},
			"too old":       {body, sandbox.Sign(webhookSecret, body, f.clock.Now().Add(-time.Hour))},
			"garbled value": {body, "t=1,v1=zz"},
		}
		for name, c := range cases {
			if err := f.svc.Callback(ctx, c.body, c.sig); errs.KindOf(err) != errs.Unauthenticated {
				t.Errorf("%s: %v", name, err)
			}
		}
		if got := count(t, db, `SELECT COUNT(*) FROM payments_ledger`); got != 0 {
			t.Errorf("a refused webhook settled")
		}
		// A signed webhook with another amount than the payment's is refused.
		bad, _ := json.Marshal(payments.ProviderPayment{ID: p.ProviderID, State: payments.StateSucceeded, Amount: 1})
		if err := f.svc.Callback(ctx, bad, sandbox.Sign(webhookSecret, bad, f.clock.Now())); errs.KindOf(err) != errs.Conflict {
			t.Errorf("amount mismatch: %v", err)
		}
	}, migrations...)
}

func TestRecoverPending(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		paid := f.paid(t, "k1", f.create(t, fine("fine-1")))
		waiting, err := f.svc.StartPayment(ctx, "public", []string{f.create(t, fee("fee-1", 500)).Number}, "k2")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.RecoverPending(ctx); err != nil || n != 0 {
			t.Fatalf("too young: RecoverPending = %d, %v", n, err)
		}
		f.clock.Add(11 * time.Minute)
		for range 2 {
			if n, err := f.svc.RecoverPending(ctx); err != nil || n > 1 {
				t.Fatalf("RecoverPending = %d, %v", n, err)
			}
		}
		if got, _ := f.svc.Payment(ctx, paid.Number); got.State != payments.PaymentSettled {
			t.Errorf("paid payment: %s", got.State)
		}
		if got, _ := f.svc.Payment(ctx, waiting.Number); got.State != payments.PaymentCreated {
			t.Errorf("waiting payment: %s", got.State)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM payments_ledger`); got != 1 {
			t.Errorf("%d ledger entries, want 1", got)
		}
		f.clock.Add(payments.AbandonAfter)
		if _, err := f.svc.RecoverPending(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Payment(ctx, waiting.Number); got.State != payments.PaymentFailed {
			t.Errorf("abandoned payment: %s", got.State)
		}
	}, migrations...)
}

func TestIssueReceiptHook(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		var issued []payments.Receipt
		f := newFixture(t, db, func(c *payments.Config) {
			c.IssueReceipt = func(ctx context.Context, r payments.Receipt) (string, error) {
				issued = append(issued, r)
				return "DOC-" + r.Number, nil
			}
		})
		ctx := context.Background()
		p := f.paid(t, "k1", f.create(t, fee("fee-1", 700)))
		for range 2 {
			if _, err := f.svc.Return(ctx, p.Number); err != nil {
				t.Fatal(err)
			}
		}
		r, err := f.svc.ReceiptOf(ctx, p.Number)
		if err != nil || len(issued) != 1 || r.DocumentNumber != "DOC-"+r.Number || !f.svc.VerifyReceipt(r) {
			t.Errorf("receipt %+v, issued %d times, %v", r, len(issued), err)
		}
	}, migrations...)
}

func TestRefunds(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		b := f.create(t, fee("fee-1", 1000))
		if _, err := f.svc.RefundBill(ctx, "staff:op", "migration", b.Number, 100, "", "r0"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("refund of an unpaid bill: %v", err)
		}
		p := f.paid(t, "k1", b)
		if _, err := f.svc.Return(ctx, p.Number); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RefundBill(ctx, "staff:x", "tax", b.Number, 100, "", "r1"); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another agency's bill: %v", err)
		}
		rf, err := f.svc.RefundBill(ctx, "staff:op", "migration", b.Number, 300, "overcharged", "r1")
		if err != nil || rf.State != "done" {
			t.Fatalf("partial refund: %+v, %v", rf, err)
		}
		if again, err := f.svc.RefundBill(ctx, "staff:op", "migration", b.Number, 300, "overcharged", "r1"); err != nil || again.Number != rf.Number {
			t.Errorf("repeat: %+v, %v", again, err)
		}
		if bill, _ := f.svc.Bill(ctx, b.Number); bill.Status != payments.StatusPartiallyRefunded || bill.RefundedAmount != 300 {
			t.Errorf("after partial: %s %d", bill.Status, bill.RefundedAmount)
		}
		if _, err := f.svc.RefundBill(ctx, "staff:op", "migration", b.Number, 701, "", "r2"); errs.KindOf(err) != errs.Invalid {
			t.Errorf("more than paid: %v", err)
		}
		// Concurrent refunds of the rest: only one passes.
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for i := range 5 {
			wg.Go(func() {
				if _, err := f.svc.RefundBill(ctx, "staff:op", "migration", b.Number, 700, "", "c"+string(rune('0'+i))); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if ok != 1 {
			t.Errorf("%d concurrent refunds of the rest passed, want 1", ok)
		}
		if bill, _ := f.svc.Bill(ctx, b.Number); bill.Status != payments.StatusRefunded || bill.RefundedAmount != 1000 {
			t.Errorf("after full: %s %d", bill.Status, bill.RefundedAmount)
		}
		var sum int64
		db.QueryRow(`SELECT SUM(amount) FROM payments_ledger WHERE bill = $1`, b.Number).Scan(&sum)
		if sum != 0 {
			t.Errorf("ledger sums to %d, want 0", sum)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM events_outbox WHERE topic = $1`, payments.TopicBillRefunded); got != 2 {
			t.Errorf("%d refund events, want 2", got)
		}
	}, migrations...)
}

func TestReconcile(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		var settled []*payments.Payment
		for i, amount := range []int64{1000, 2000, 3000} {
			p := f.paid(t, "k"+string(rune('0'+i)), f.create(t, fee("fee-"+string(rune('0'+i)), amount)))
			if _, err := f.svc.Return(ctx, p.Number); err != nil {
				t.Fatal(err)
			}
			settled = append(settled, p)
		}
		d := day.In(payments.Baku).Format(time.DateOnly)
		file := "id,reference,amount,date\n" +
			settled[0].ProviderID + "," + settled[0].Number + ",10.00," + d + "\n" + // matches
			settled[1].ProviderID + "," + settled[1].Number + ",19.99," + d + "\n" + // off by one qəpik
			"sbx_unknown,P000,5.00," + d + "\n" // not ours
		// settled[2] is missing from the file.
		lines, err := payments.ParseSettlement(strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := f.svc.Reconcile(ctx, lines)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Matched) != 1 || rep.Matched[0].Payment != settled[0].Number {
			t.Errorf("matched %+v", rep.Matched)
		}
		want := map[string]string{settled[1].ProviderID: payments.MismatchAmount, "sbx_unknown": payments.MismatchUnknown,
			settled[2].ProviderID: payments.MismatchMissing}
		if len(rep.Mismatches) != len(want) {
			t.Errorf("mismatches %+v", rep.Mismatches)
		}
		for _, m := range rep.Mismatches {
			if want[m.ProviderID] != m.Mismatch {
				t.Errorf("%s: %s, want %s", m.ProviderID, m.Mismatch, want[m.ProviderID])
			}
			if m.Mismatch == payments.MismatchAmount && (m.Expected != 2000 || m.Actual != 1999) {
				t.Errorf("amount mismatch %+v", m)
			}
		}
	}, migrations...)
}

func TestSeedDemo(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		for range 2 {
			if err := f.svc.SeedDemo(ctx, day); err != nil {
				t.Fatal(err)
			}
		}
		list, err := f.svc.BillsOf(ctx, "7MJD3TE")
		if err != nil || len(list) != 1 || list[0].Kind != payments.KindFine || list[0].Due(day) != 2000 {
			t.Fatalf("7MJD3TE's bills: %d, %v", len(list), err)
		}
		if list, _ := f.svc.FindByPlate(ctx, "10-AB-123"); len(list) != 1 || list[0].Due(day) != 6000 {
			t.Errorf("fines on 10-AB-123: %d", len(list))
		}
	}, migrations...)
}

func TestCancelBill(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		b := f.create(t, fee("fee-1", 900))
		cancel := func(number string) error {
			return db.Tx(ctx, func(tx *sql.Tx) error { return f.svc.CancelBill(ctx, tx, "system:applications", number, "withdrawn") })
		}
		if err := cancel(b.Number); err != nil {
			t.Fatal(err)
		}
		if err := cancel(b.Number); errs.KindOf(err) != errs.Conflict {
			t.Errorf("cancel twice: %v", err)
		}
		if err := cancel("BNOSUCH"); errs.KindOf(err) != errs.NotFound {
			t.Errorf("cancel unknown: %v", err)
		}
		if _, err := f.svc.StartPayment(ctx, "public", []string{b.Number}, "k"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("pay a cancelled bill: %v", err)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'payments.cancel'`); got != 1 {
			t.Errorf("%d audit entries", got)
		}
		// Who was to pay a bill cancelled unpaid can be forgotten; the
		// payer of a bill still open cannot.
		forget := func(number string) error {
			return db.Tx(ctx, func(tx *sql.Tx) error { return f.svc.ForgetPayer(ctx, tx, "system:evisa", number) })
		}
		open := f.create(t, fee("fee-2", 500))
		if err := forget(open.Number); errs.KindOf(err) != errs.Conflict {
			t.Errorf("forget the payer of an open bill: %v", err)
		}
		for range 2 {
			if err := forget(b.Number); err != nil {
				t.Fatal(err)
			}
		}
		if bill, _ := f.svc.Bill(ctx, b.Number); bill.PayerFIN != "" || bill.Status != payments.StatusCancelled {
			t.Errorf("after forgetting: payer %q, %s", bill.PayerFIN, bill.Status)
		}
		if list, _ := f.svc.BillsOf(ctx, "7MJD3TE"); len(list) != 1 || list[0].Number != open.Number {
			t.Errorf("the payer's bills: %d", len(list))
		}
	}, migrations...)
}

// TestPaidTwice: a bill paid by two payments (two tabs) is paid once;
// the second payment's money is kept as an overpayment for refunding,
// and only one bill.paid event goes out.
func TestPaidTwice(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		b := f.create(t, fee("fee-1", 900))
		first := f.paid(t, "tab-1", b)
		second := f.paid(t, "tab-2", b)
		for _, p := range []*payments.Payment{second, first, second} {
			body, sig := f.webhook(t, p)
			if err := f.svc.Callback(ctx, body, sig); err != nil {
				t.Fatal(err)
			}
		}
		bill, _ := f.svc.Bill(ctx, b.Number)
		if bill.Status != payments.StatusPaid || bill.Payment != second.Number || bill.PaidAmount != 900 {
			t.Errorf("bill %s by %s for %d", bill.Status, bill.Payment, bill.PaidAmount)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM payments_ledger WHERE kind = 'overpayment' AND payment = $1`, first.Number); got != 1 {
			t.Errorf("%d overpayment entries, want 1", got)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM events_outbox WHERE topic = $1`, payments.TopicBillPaid); got != 1 {
			t.Errorf("%d events, want 1", got)
		}
	}, migrations...)
}

// refundFailsOnce is a provider whose first refund fails with kind:
// Invalid when refused (a card closed meanwhile, say), Unavailable when
// unanswered (the network failed, or egov stopped, after the refund was
// reserved).
type refundFailsOnce struct {
	payments.Provider
	kind   errs.Kind
	failed atomic.Bool
}

func (p *refundFailsOnce) Refund(ctx context.Context, id string, amount int64, key string) (string, error) {
	if p.failed.CompareAndSwap(false, true) {
		return "", errs.E(p.kind, "payments.error.provider")
	}
	return p.Provider.Refund(ctx, id, amount, key)
}

// TestOverpaymentReturned: the money of a bill's second payment is
// listed for the agency's officials and returned whole, once, however
// many of them press at once; a refusal by the provider keeps it listed;
// the bill stays paid by its first payment.
func TestOverpaymentReturned(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		refuser := &refundFailsOnce{kind: errs.Invalid}
		f := newFixture(t, db, func(c *payments.Config) { refuser.Provider = c.Provider; c.Provider = refuser })
		ctx := context.Background()
		b := f.create(t, fee("fee-1", 900))
		first := f.paid(t, "tab-1", b)
		second := f.paid(t, "tab-2", b)
		for _, p := range []*payments.Payment{first, second} {
			body, sig := f.webhook(t, p)
			if err := f.svc.Callback(ctx, body, sig); err != nil {
				t.Fatal(err)
			}
		}
		over, err := f.svc.Overpayments(ctx, "migration")
		if err != nil || len(over) != 1 || over[0].Payment != second.Number || over[0].Bill != b.Number || over[0].Amount != 900 {
			t.Fatalf("overpayments: %+v, %v", over, err)
		}
		if list, _ := f.svc.Overpayments(ctx, "tax"); len(list) != 0 {
			t.Errorf("another agency sees %+v", list)
		}
		if _, err := f.svc.RefundOverpayment(ctx, "staff:x", "tax", second.Number, b.Number, "", "o0"); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another agency's overpayment: %v", err)
		}
		if _, err := f.svc.RefundOverpayment(ctx, "staff:op", "migration", first.Number, b.Number, "", "o0"); errs.KindOf(err) != errs.NotFound {
			t.Errorf("the payment that paid the bill is no overpayment: %v", err)
		}
		if _, err := f.svc.RefundOverpayment(ctx, "staff:op", "migration", second.Number, b.Number, "", "o1"); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("refused by the provider: %v", err)
		}
		if list, _ := f.svc.Overpayments(ctx, "migration"); len(list) != 1 {
			t.Fatalf("after a refusal the overpayment is not listed again: %+v", list)
		}
		// Officials press at once, some twice with the same key.
		var wg sync.WaitGroup
		var mu sync.Mutex
		refunds := map[string]int{}
		for i := range 8 {
			wg.Go(func() {
				key := "c" + string(rune('0'+i%4))
				rf, err := f.svc.RefundOverpayment(ctx, "staff:op", "migration", strings.ToLower(second.Number), b.Number, "", key)
				switch {
				case err == nil:
					mu.Lock()
					refunds[rf.Number]++
					mu.Unlock()
				case errs.KindOf(err) != errs.Conflict:
					t.Errorf("refund %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if len(refunds) != 1 {
			t.Errorf("refunds %v, want one (its key's repeats answering with it)", refunds)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM payments_refunds WHERE payment = $1 AND state = 'done'`, second.Number); got != 1 {
			t.Errorf("%d refunds done, want 1", got)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM payments_ledger WHERE kind = 'overpayment_refund' AND payment = $1 AND amount = -900`, second.Number); got != 1 {
			t.Errorf("%d ledger entries for the return, want 1", got)
		}
		if list, _ := f.svc.Overpayments(ctx, "migration"); len(list) != 0 {
			t.Errorf("still listed: %+v", list)
		}
		if bill, _ := f.svc.Bill(ctx, b.Number); bill.Status != payments.StatusPaid || bill.Payment != first.Number || bill.RefundedAmount != 0 {
			t.Errorf("bill %s by %s, %d refunded", bill.Status, bill.Payment, bill.RefundedAmount)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM events_outbox WHERE topic = $1`, payments.TopicBillRefunded); got != 0 {
			t.Errorf("%d bill-refunded events for an overpayment", got)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'payments.refund_overpayment'`); got != 2 {
			t.Errorf("%d audit entries, want 2 (the refused one and the one done)", got)
		}
	}, migrations...)
}

// TestOverpaymentReturnRecovered: a return whose acquirer call went
// unanswered stays reserved (no second official can start another) and
// is finished by the recovery job, once.
func TestOverpaymentReturnRecovered(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		flaky := &refundFailsOnce{kind: errs.Unavailable}
		f := newFixture(t, db, func(c *payments.Config) { flaky.Provider = c.Provider; c.Provider = flaky })
		ctx := context.Background()
		b := f.create(t, fee("fee-1", 900))
		_, second := f.paidTwice(t, b)
		if _, err := f.svc.RefundOverpayment(ctx, "staff:op", "migration", second.Number, b.Number, "", "o1"); errs.KindOf(err) != errs.Unavailable {
			t.Fatalf("unanswered: %v", err)
		}
		if list, _ := f.svc.Overpayments(ctx, "migration"); len(list) != 0 {
			t.Errorf("a return under way is listed: %+v", list)
		}
		if _, err := f.svc.RefundOverpayment(ctx, "staff:other", "migration", second.Number, b.Number, "", "o2"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("a second return while the first is pending: %v", err)
		}
		f.clock.Add(time.Hour)
		for range 2 {
			if _, err := f.svc.RecoverPending(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := count(t, db, `SELECT COUNT(*) FROM payments_refunds WHERE payment = $1 AND state = 'done'`, second.Number); got != 1 {
			t.Errorf("%d refunds done, want 1", got)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM payments_ledger WHERE kind = 'overpayment_refund'`); got != 1 {
			t.Errorf("%d ledger entries for the return, want 1", got)
		}
		if bill, _ := f.svc.Bill(ctx, b.Number); bill.Status != payments.StatusPaid || bill.RefundedAmount != 0 {
			t.Errorf("bill %s, %d refunded", bill.Status, bill.RefundedAmount)
		}
	}, migrations...)
}

// forgetful is a provider that has lost its payments (the sandbox after
// a restart).
type forgetful struct{ payments.Provider }

func (forgetful) Status(ctx context.Context, id string) (payments.ProviderPayment, error) {
	return payments.ProviderPayment{}, errs.E(errs.NotFound, "payments.error.not_found")
}

func TestRecoverForgottenPayment(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, func(c *payments.Config) { c.Provider = forgetful{c.Provider} })
		ctx := context.Background()
		p, err := f.svc.StartPayment(ctx, "public", []string{f.create(t, fee("fee-1", 500)).Number}, "k1")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Add(time.Hour)
		if n, err := f.svc.RecoverPending(ctx); err != nil || n != 0 {
			t.Fatalf("RecoverPending = %d, %v", n, err)
		}
		if got, _ := f.svc.Payment(ctx, p.Number); got.State != payments.PaymentFailed {
			t.Errorf("forgotten payment: %s", got.State)
		}
	}, migrations...)
}
