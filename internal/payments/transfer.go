package payments

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
)

// Transfer is a bill paid by bank transfer: the payer's bank (a Payer FI)
// moved the money to the treasury and reports it under its own reference.
type Transfer struct {
	Bill      string // the bill's number
	PayerFI   string // the bank, as egov knows it (its PayerFI-Id)
	Reference string // the bank's reference of the transfer
	Amount    int64  // qəpik moved
	// QuotedAt is when egov told the bank what was due (a bill inquiry);
	// the amount due then is what the bank must have moved. Zero means now.
	QuotedAt time.Time
	// IdempotencyKey makes a repeat return the first payment: the bank's
	// reference is the natural one.
	IdempotencyKey string
}

// QuoteValidity is how long an amount egov quoted to a bank holds: a
// transfer reported later must move what is due when it is reported.
const QuoteValidity = 24 * time.Hour

// maxTransferField bounds the bank's identifiers.
const maxTransferField = 100

// Validate says what is wrong with a transfer's fields.
func (t *Transfer) Validate() error {
	var v errs.Validation
	if t.Bill == "" {
		v.Add("bill", "payments.error.not_found")
	}
	if t.PayerFI == "" || len(t.PayerFI) > maxTransferField || strings.ContainsAny(t.PayerFI, "|:") {
		v.Add("payer_fi", "payments.error.payer_fi")
	}
	if t.Reference == "" || len(t.Reference) > maxTransferField {
		v.Add("reference", "payments.error.transfer_reference")
	}
	if t.Amount <= 0 || t.Amount > MaxAmount {
		v.Add("amount", "payments.error.amount")
	}
	if t.IdempotencyKey == "" || len(t.IdempotencyKey) > maxTransferField {
		v.Add("idempotency_key", "payments.error.idempotency_key")
	}
	return v.Err()
}

// SettleTransfer settles a bill paid by bank transfer through the same
// settlement as a card payment (one payment, one ledger entry, the
// payments.bill_paid event and a signed receipt, in one transaction). The
// amount must be exactly what the bill owed when quoted (Conflict
// payments.error.amount_mismatch otherwise: a partial payment is refused,
// not kept, so the bank returns the money); a bill no longer open is a
// Conflict payments.error.not_open. The bank's transfer is its payment
// (payer "payer-fi:<id>", provider ID "transfer:<id>:<reference>"). A
// repeat with the same bank and key returns the first payment, however
// many run at once; the same key for another bill or amount is a
// Conflict payments.error.idempotency_reuse. Should two banks pay one bill
// at the same moment, the second transfer is recorded as an overpayment
// for refund, as a second card payment is.
func (s *Service) SettleTransfer(ctx context.Context, t Transfer) (*Payment, error) {
	t.Bill = strings.ToUpper(strings.TrimSpace(t.Bill))
	if err := t.Validate(); err != nil {
		return nil, err
	}
	idem := "transfer|" + t.PayerFI + "|" + t.IdempotencyKey
	var (
		out     *Payment
		receipt Receipt
		done    bool
	)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if p, err := paymentBy(ctx, tx, "idem_key", idem); err == nil {
			out = p
			return nil
		} else if errs.KindOf(err) != errs.NotFound {
			return err
		}
		b, err := billBy(ctx, tx, "number", t.Bill)
		if err != nil {
			return err
		}
		// A concurrent repeat may have settled the bill since the key
		// was looked up (PostgreSQL's READ COMMITTED shows each statement
		// what committed before it): the bill is then paid, or owes
		// nothing, and the repeat's answer is that payment, not a refusal.
		repeated := func() bool {
			p, err := paymentBy(ctx, tx, "idem_key", idem)
			if err == nil {
				out = p
			}
			return err == nil
		}
		if b.Status != StatusOpen {
			if repeated() {
				return nil
			}
			return errs.E(errs.Conflict, "payments.error.not_open")
		}
		now := s.now()
		quoted := t.QuotedAt
		if quoted.IsZero() || quoted.After(now) || now.Sub(quoted) > QuoteValidity {
			quoted = now
		}
		if due := b.Due(quoted); t.Amount != due {
			if repeated() {
				return nil
			}
			return wrapErr(errs.Conflict, "payments.error.amount_mismatch",
				fmt.Errorf("transfer for %s: %d moved, %d due", b.Number, t.Amount, due))
		}
		p := &Payment{Number: newNumber("P", 12), ProviderID: "transfer:" + t.PayerFI + ":" + t.Reference,
			Amount: t.Amount, Bills: []PaidBill{{Number: b.Number, Amount: t.Amount}}, Payer: "payer-fi:" + t.PayerFI,
			State: PaymentCreated, CreatedAt: now}
		res, err := tx.ExecContext(ctx, `INSERT INTO payments_payments (number, provider_id, amount, bills, payer, state,
			idem_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (idem_key) DO NOTHING`,
			p.Number, p.ProviderID, p.Amount, jsonBills(p.Bills), p.Payer, string(p.State), idem, p.CreatedAt)
		if err != nil {
			return fmt.Errorf("payments: insert transfer: %w", err)
		}
		if p, err = paymentBy(ctx, tx, "idem_key", idem); err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			out = p // a concurrent repeat committed first
			return nil
		}
		receipt, done, err = s.settleTx(ctx, tx, p)
		out = p
		return err
	})
	if err != nil {
		return nil, err
	}
	if done {
		s.issueReceipt(ctx, receipt)
	}
	if len(out.Bills) != 1 || out.Bills[0].Number != t.Bill || out.Amount != t.Amount {
		return nil, errs.E(errs.Conflict, "payments.error.idempotency_reuse")
	}
	return s.Payment(ctx, out.Number)
}

// IsTransfer reports whether p is a bank transfer rather than a card
// payment through the acquirer.
func IsTransfer(p *Payment) bool { return strings.HasPrefix(p.ProviderID, "transfer:") }
