package payments_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

func transfer(bill string, amount int64, ref string) payments.Transfer {
	return payments.Transfer{Bill: bill, PayerFI: "KAPIAZ2X", Reference: ref, Amount: amount, IdempotencyKey: ref}
}

// A bank transfer settles the bill as a card payment does: one payment,
// one ledger entry, one payments.bill_paid event and a signed receipt;
// a repeat with the same key is the same payment and changes nothing.
func TestSettleTransfer(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		b := f.create(t, fee("tr-1", 2500))
		p, err := f.svc.SettleTransfer(ctx, transfer(b.Number, 2500, "FT2611800001"))
		if err != nil {
			t.Fatal(err)
		}
		if p.State != payments.PaymentSettled || p.Amount != 2500 || p.ProviderID != "transfer:KAPIAZ2X:FT2611800001" {
			t.Fatalf("payment %+v", p)
		}
		again, err := f.svc.SettleTransfer(ctx, transfer(b.Number, 2500, "FT2611800001"))
		if err != nil || again.Number != p.Number {
			t.Fatalf("replay: %+v %v", again, err)
		}
		got, err := f.svc.Bill(ctx, b.Number)
		if err != nil || got.Status != payments.StatusPaid || got.PaidAmount != 2500 || got.Payment != p.Number {
			t.Fatalf("bill after transfer: %+v %v", got, err)
		}
		r, err := f.svc.ReceiptOf(ctx, p.Number)
		if err != nil || !f.svc.VerifyReceipt(r) || r.Payer != "payer-fi:KAPIAZ2X" {
			t.Fatalf("receipt %+v %v", r, err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM payments_ledger WHERE bill = $1 AND kind = 'payment'`, b.Number); n != 1 {
			t.Errorf("%d ledger entries, want 1", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM events_outbox WHERE topic = $1 AND key = $2`, payments.TopicBillPaid, b.Number); n != 1 {
			t.Errorf("%d events, want 1", n)
		}

		t.Run("NotTheAcquirers", func(t *testing.T) {
			// The acquirer never had the money: no refund through it, and
			// its settlement file is not expected to list the transfer.
			if _, err := f.svc.RefundBill(ctx, "staff:1", "", b.Number, 100, "test", "rf-1"); errs.KindOf(err) != errs.Conflict {
				t.Errorf("refund of a transfer: %v", err)
			}
			rep, err := f.svc.Reconcile(ctx, []payments.SettlementLine{{Line: 1, ProviderID: "pay_other", Amount: 1,
				Date: day.In(payments.Baku).Format(time.DateOnly)}})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range rep.Mismatches {
				if m.Payment == p.Number {
					t.Errorf("the transfer is reported missing from the acquirer's file: %+v", m)
				}
			}
		})

		t.Run("Errors", func(t *testing.T) {
			open := f.create(t, fee("tr-2", 1000))
			cases := []struct {
				name string
				tr   payments.Transfer
				kind errs.Kind
				msg  string
			}{
				{"UnknownBill", transfer("BNOSUCHBILL", 1000, "FT-x1"), errs.NotFound, "payments.error.not_found"},
				{"TooLittle", transfer(open.Number, 999, "FT-x2"), errs.Conflict, "payments.error.amount_mismatch"},
				{"TooMuch", transfer(open.Number, 1001, "FT-x3"), errs.Conflict, "payments.error.amount_mismatch"},
				{"AlreadyPaid", transfer(b.Number, 2500, "FT-x4"), errs.Conflict, "payments.error.not_open"},
				{"KeyOfAnotherBill", transfer(open.Number, 1000, "FT2611800001"), errs.Conflict, "payments.error.idempotency_reuse"},
				{"NoBank", payments.Transfer{Bill: open.Number, Reference: "r", Amount: 1000, IdempotencyKey: "k"}, errs.Invalid, ""},
				{"NoAmount", transfer(open.Number, 0, "FT-x5"), errs.Invalid, ""},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					_, err := f.svc.SettleTransfer(ctx, c.tr)
					e := errs.As(err)
					if e == nil || e.Kind != c.kind || (c.msg != "" && e.Message != c.msg) {
						t.Fatalf("got %v, want %s %s", err, c.kind, c.msg)
					}
				})
			}
			if got, _ := f.svc.Bill(ctx, open.Number); got.Status != payments.StatusOpen {
				t.Errorf("a refused transfer changed the bill: %s", got.Status)
			}
		})

		t.Run("QuoteHolds", func(t *testing.T) {
			// A fine quoted with its early-payment discount is settled at
			// that amount while the quote holds, though the discount has
			// ended meanwhile.
			fn := f.create(t, fine("tr-3"))
			f.clock.Add(18*24*time.Hour + 12*time.Hour)
			quoted := f.clock.Now()
			f.clock.Add(17 * time.Hour) // the discount ends at day 19
			tr := transfer(fn.Number, 2000, "FT-q1")
			if _, err := f.svc.SettleTransfer(ctx, tr); errs.KindOf(err) != errs.Conflict {
				t.Fatalf("the discounted amount was taken without a quote: %v", err)
			}
			tr.QuotedAt = f.clock.Now().Add(-payments.QuoteValidity - time.Minute)
			if _, err := f.svc.SettleTransfer(ctx, tr); errs.KindOf(err) != errs.Conflict {
				t.Fatalf("an expired quote was honoured: %v", err)
			}
			tr.QuotedAt = quoted
			if p, err := f.svc.SettleTransfer(ctx, tr); err != nil || p.Amount != 2000 {
				t.Fatalf("the quote was refused: %+v %v", p, err)
			}
		})
	}, migrations...)
}

// Concurrent repeats of one transfer settle it once and all answer the
// same payment.
func TestSettleTransferConcurrentReplays(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		b := f.create(t, fee("tr-c", 7000))
		const n = 8
		var wg sync.WaitGroup
		numbers := make([]string, n)
		failures := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := f.svc.SettleTransfer(context.Background(), transfer(b.Number, 7000, "FT-conc"))
				failures[i] = err
				if err == nil {
					numbers[i] = p.Number
				}
			}()
		}
		wg.Wait()
		for i := range n {
			if failures[i] != nil || numbers[i] != numbers[0] {
				t.Fatalf("replay %d: %s %v (first %s)", i, numbers[i], failures[i], numbers[0])
			}
		}
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM payments_payments`:                                1,
			`SELECT COUNT(*) FROM payments_ledger`:                                  1,
			`SELECT COUNT(*) FROM payments_receipts`:                                1,
			`SELECT COUNT(*) FROM events_outbox WHERE topic = 'payments.bill_paid'`: 1,
		} {
			if got := count(t, db, q); got != want {
				t.Errorf("%s: %d, want %d", q, got, want)
			}
		}
	}, migrations...)
}
