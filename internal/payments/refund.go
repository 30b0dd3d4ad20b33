package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
)

// Refund is money given back on a paid bill.
type Refund struct {
	Number  string
	Bill    string
	Payment string
	Amount  int64
	State   string // pending, done, failed
	By      string
}

// RefundBill gives back amount qəpik of a paid bill, as the official by
// (a subject) of agency, for reason. Refunds never exceed what was paid:
// the amount is reserved on the bill in one conditional UPDATE before
// the provider is asked, so concurrent refunds cannot both pass. The
// same key returns the first refund.
func (s *Service) RefundBill(ctx context.Context, by, agency, number string, amount int64, reason, key string) (*Refund, error) {
	b, err := s.Bill(ctx, number)
	if err != nil {
		return nil, err
	}
	if agency != "" && b.Agency != agency {
		return nil, errs.E(errs.NotFound, "payments.error.not_found")
	}
	if amount <= 0 {
		return nil, errs.E(errs.Invalid, "payments.error.amount").Field("amount", "payments.error.amount")
	}
	if key == "" {
		return nil, errs.E(errs.Invalid, "payments.error.idempotency_key")
	}
	if b.Payment == "" {
		return nil, errs.E(errs.Conflict, "payments.error.not_paid")
	}
	p, err := s.Payment(ctx, b.Payment)
	if err != nil {
		return nil, err
	}
	if err := refundable(p); err != nil {
		return nil, err
	}
	rf := &Refund{Number: newNumber("F", 12), Bill: b.Number, Payment: p.Number, Amount: amount, State: "pending", By: by}
	idem := by + "|" + key
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		first, err := s.insertRefund(ctx, tx, rf, reason, idem)
		if err != nil || !first {
			rf = nil // on a repeat, the first refund stands
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE payments_bills SET refunded_amount = refunded_amount + $1
			WHERE id = $2 AND status IN ('paid', 'partially_refunded') AND paid_amount - refunded_amount >= $1`, amount, b.ID)
		if err != nil {
			return fmt.Errorf("payments: reserve refund: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Invalid, "payments.error.refund_too_much").Field("amount", "payments.error.refund_too_much")
		}
		return auditTx(ctx, tx, by, "payments.refund", b.Number, map[string]string{"refund": rf.Number,
			"amount": strconv.FormatInt(amount, 10), "reason": reason})
	})
	if err != nil {
		return nil, err
	}
	if rf == nil {
		return s.refundByKey(ctx, idem)
	}
	return rf, s.completeRefund(ctx, rf, p.ProviderID)
}

// refundable refuses a refund through the acquirer of a payment that
// never went through it.
func refundable(p *Payment) error {
	if IsTransfer(p) {
		// The money goes back by a bank transfer, which egov does not
		// make.
		return errs.E(errs.Conflict, "payments.error.transfer_refund")
	}
	return nil
}

// insertRefund records rf, pending, under the idempotency key idem in
// tx; first is false when idem was used before (nothing is written).
func (s *Service) insertRefund(ctx context.Context, tx *sql.Tx, rf *Refund, reason, idem string) (first bool, err error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO payments_refunds (number, bill, payment, amount, state, reason, by_subject,
		idem_key, created_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8) ON CONFLICT (idem_key) DO NOTHING`,
		rf.Number, rf.Bill, rf.Payment, rf.Amount, reason, rf.By, idem, s.now())
	if err != nil {
		return false, fmt.Errorf("payments: refund: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s *Service) refundByKey(ctx context.Context, idem string) (*Refund, error) {
	var rf Refund
	err := s.db.QueryRowContext(ctx, `SELECT number, bill, payment, amount, state, by_subject FROM payments_refunds WHERE idem_key = $1`,
		idem).Scan(&rf.Number, &rf.Bill, &rf.Payment, &rf.Amount, &rf.State, &rf.By)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "payments.error.not_found")
	}
	return &rf, err
}

// completeRefund asks the provider for a reserved refund (under the
// refund's number as the idempotency key) and records the result: a
// refused refund frees its reservation; an unanswered one stays pending
// for RecoverPending to retry.
func (s *Service) completeRefund(ctx context.Context, rf *Refund, providerID string) error {
	ref, err := s.cfg.Provider.Refund(ctx, providerID, rf.Amount, rf.Number)
	if err != nil {
		if errs.KindOf(err) != errs.Invalid {
			return err // pending: retried later with the same key
		}
		txErr := s.db.Tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE payments_refunds SET state = 'failed' WHERE number = $1 AND state = 'pending'`, rf.Number)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nil
			}
			// Free what the refund reserved: an overpayment, or else a
			// share of the bill.
			res, err = tx.ExecContext(ctx, `UPDATE payments_overpayments SET refund = '' WHERE refund = $1`, rf.Number)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				_, err = tx.ExecContext(ctx, `UPDATE payments_bills SET refunded_amount = refunded_amount - $1 WHERE number = $2`, rf.Amount, rf.Bill)
			}
			return err
		})
		rf.State = "failed"
		return errors.Join(err, txErr)
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE payments_refunds SET state = 'done', provider_ref = $1 WHERE number = $2 AND state = 'pending'`,
			ref, rf.Number)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil // recorded already
		}
		b, err := billBy(ctx, tx, "number", rf.Bill)
		if err != nil {
			return err
		}
		over, err := returnsOverpayment(ctx, tx, rf.Number)
		if err != nil {
			return err
		}
		if over {
			// The bill stays as it was: the money returned was never
			// its due.
			rf.State = "done"
			return insertLedger(ctx, tx, LedgerEntry{Kind: "overpayment_refund", Payment: rf.Payment, Bill: b.Number,
				Agency: b.Agency, BudgetCode: b.BudgetCode, Service: b.Service, Amount: -rf.Amount, At: s.now()}, rf.Number)
		}
		status := StatusPartiallyRefunded
		if b.RefundedAmount >= b.PaidAmount {
			status = StatusRefunded
		}
		if _, err := tx.ExecContext(ctx, `UPDATE payments_bills SET status = $1 WHERE id = $2`, string(status), b.ID); err != nil {
			return err
		}
		if err := insertLedger(ctx, tx, LedgerEntry{Kind: "refund", Payment: rf.Payment, Bill: b.Number, Agency: b.Agency,
			BudgetCode: b.BudgetCode, Service: b.Service, Amount: -rf.Amount, At: s.now()}, rf.Number); err != nil {
			return err
		}
		rf.State = "done"
		return events.Publish(ctx, tx, TopicBillRefunded, b.Number, BillRefunded{Bill: b.Number, Reference: b.Reference,
			Agency: b.Agency, Amount: rf.Amount, Refund: rf.Number, Full: status == StatusRefunded})
	})
}

func (s *Service) retryRefunds(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT r.number, r.bill, r.payment, r.amount, r.state, r.by_subject, p.provider_id
		FROM payments_refunds r JOIN payments_payments p ON p.number = r.payment
		WHERE r.state = 'pending' AND r.created_at < $1`, s.now().Add(-s.cfg.PendingAfter))
	if err != nil {
		return err
	}
	type pending struct {
		rf  Refund
		pid string
	}
	var list []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.rf.Number, &p.rf.Bill, &p.rf.Payment, &p.rf.Amount, &p.rf.State, &p.rf.By, &p.pid); err != nil {
			rows.Close()
			return err
		}
		list = append(list, p)
	}
	rows.Close()
	var failures []error
	for _, p := range list {
		if err := s.completeRefund(ctx, &p.rf, p.pid); err != nil {
			failures = append(failures, err)
		}
	}
	return errors.Join(failures...)
}

// Refunds lists the refunds of a bill.
func (s *Service) Refunds(ctx context.Context, bill string) ([]Refund, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT number, bill, payment, amount, state, by_subject FROM payments_refunds
		WHERE bill = $1 ORDER BY id`, bill)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Refund
	for rows.Next() {
		var rf Refund
		if err := rows.Scan(&rf.Number, &rf.Bill, &rf.Payment, &rf.Amount, &rf.State, &rf.By); err != nil {
			return nil, err
		}
		out = append(out, rf)
	}
	return out, rows.Err()
}
