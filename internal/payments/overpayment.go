package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
)

// Overpayment is money a payment brought for a bill that was no longer
// open when it settled: the bill paid meanwhile by another payment (two
// tabs, two banks) or cancelled. The bill keeps the payment that settled
// it first; this money is the payer's, for an official to give back.
type Overpayment struct {
	Payment string
	Bill    string
	Agency  string
	Amount  int64
	At      time.Time
}

// Overpayments lists agency's overpayments not yet returned (nor being
// returned), oldest first.
func (s *Service) Overpayments(ctx context.Context, agency string) ([]Overpayment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT payment, bill, agency, amount, at FROM payments_overpayments
		WHERE agency = $1 AND refund = '' ORDER BY at, payment, bill`, agency)
	if err != nil {
		return nil, fmt.Errorf("payments: overpayments: %w", err)
	}
	defer rows.Close()
	var out []Overpayment
	for rows.Next() {
		var o Overpayment
		if err := rows.Scan(&o.Payment, &o.Bill, &o.Agency, &o.Amount, &o.At); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// RefundOverpayment gives back, through the provider that took it, the
// whole of what payment overpaid for bill, as the official by (a
// subject) of agency, for reason. The overpayment is reserved for this
// refund in one conditional UPDATE before the provider is asked, so it
// is returned once however many officials press at once; a refusal by
// the provider frees it again. The same key returns the first refund.
func (s *Service) RefundOverpayment(ctx context.Context, by, agency, payment, bill, reason, key string) (*Refund, error) {
	payment, bill = strings.ToUpper(strings.TrimSpace(payment)), strings.ToUpper(strings.TrimSpace(bill))
	if key == "" {
		return nil, errs.E(errs.Invalid, "payments.error.idempotency_key")
	}
	var o Overpayment
	err := s.db.QueryRowContext(ctx, `SELECT agency, amount FROM payments_overpayments WHERE payment = $1 AND bill = $2`,
		payment, bill).Scan(&o.Agency, &o.Amount)
	if errors.Is(err, sql.ErrNoRows) || err == nil && agency != "" && o.Agency != agency {
		return nil, errs.E(errs.NotFound, "payments.error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("payments: overpayment: %w", err)
	}
	p, err := s.Payment(ctx, payment)
	if err != nil {
		return nil, err
	}
	if err := refundable(p); err != nil {
		return nil, err
	}
	rf := &Refund{Number: newNumber("F", 12), Bill: bill, Payment: payment, Amount: o.Amount, State: "pending", By: by}
	idem := by + "|" + key
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		first, err := s.insertRefund(ctx, tx, rf, reason, idem)
		if err != nil || !first {
			rf = nil // on a repeat, the first refund stands
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE payments_overpayments SET refund = $1 WHERE payment = $2 AND bill = $3 AND refund = ''`,
			rf.Number, payment, bill)
		if err != nil {
			return fmt.Errorf("payments: reserve refund: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "payments.error.overpayment_returned")
		}
		return auditTx(ctx, tx, by, "payments.refund_overpayment", bill, map[string]string{"refund": rf.Number,
			"payment": payment, "amount": strconv.FormatInt(o.Amount, 10), "reason": reason})
	})
	if err != nil {
		return nil, err
	}
	if rf == nil {
		return s.refundByKey(ctx, idem)
	}
	return rf, s.completeRefund(ctx, rf, p.ProviderID)
}

// OverpaidBill is, for the payer, what became of money their payment
// brought for a bill no longer open.
type OverpaidBill struct {
	Bill   string
	Amount int64
	State  string // due (an official has yet to return it), pending (being returned), done
}

// OverpaidBy lists the bills payment overpaid, with what became of the
// money: the return page and the receipt tell the payer.
func (s *Service) OverpaidBy(ctx context.Context, payment string) ([]OverpaidBill, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT o.bill, o.amount, COALESCE(r.state, '') FROM payments_overpayments o
		LEFT JOIN payments_refunds r ON r.number = o.refund WHERE o.payment = $1 ORDER BY o.bill`, payment)
	if err != nil {
		return nil, fmt.Errorf("payments: overpaid by %s: %w", payment, err)
	}
	defer rows.Close()
	var out []OverpaidBill
	for rows.Next() {
		var b OverpaidBill
		if err := rows.Scan(&b.Bill, &b.Amount, &b.State); err != nil {
			return nil, err
		}
		if b.State != "pending" && b.State != "done" {
			b.State = "due"
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// returnsOverpayment reports whether refund holds an overpayment (rather
// than a share of its bill).
func returnsOverpayment(ctx context.Context, q querier, refund string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM payments_overpayments WHERE refund = $1`, refund).Scan(&n)
	return n > 0, err
}
