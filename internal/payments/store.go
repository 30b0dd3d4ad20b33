package payments

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations are the module's tables.
var Migrations = store.Migrations{Module: "payments", FS: store.MustSub(migrationsFS, "migrations")}

type querier = store.Querier

const billColumns = `id, number, kind, payer_fin, payer_voen, payer_subject, plate, agency, budget_code, service, description,
	amount, points, issued_at, due_at, rule, status, reference, idem_key, paid_amount, refunded_amount, paid_at,
	payment, created_at`

type scanner interface{ Scan(...any) error }

func scanBill(row scanner) (*Bill, error) {
	var (
		b    Bill
		rule string
		paid sql.NullTime
	)
	if err := row.Scan(&b.ID, &b.Number, &b.Kind, &b.PayerFIN, &b.PayerVOEN, &b.PayerSubject, &b.Plate, &b.Agency, &b.BudgetCode,
		&b.Service, &b.Description, &b.Amount, &b.Points, &b.IssuedAt, &b.DueAt, &rule, &b.Status, &b.Reference,
		&b.IdempotencyKey, &b.PaidAmount, &b.RefundedAmount, &paid, &b.Payment, &b.CreatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(rule), &b.Rule); err != nil {
		return nil, fmt.Errorf("payments: rule of %s: %w", b.Number, err)
	}
	b.IssuedAt, b.DueAt, b.CreatedAt = b.IssuedAt.UTC(), b.DueAt.UTC(), b.CreatedAt.UTC()
	if paid.Valid {
		t := paid.Time.UTC()
		b.PaidAt = &t
	}
	return &b, nil
}

func listBills(ctx context.Context, q querier, where string, args ...any) ([]*Bill, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+billColumns+` FROM payments_bills WHERE `+where+` ORDER BY issued_at DESC, id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("payments: list bills: %w", err)
	}
	defer rows.Close()
	var out []*Bill
	for rows.Next() {
		b, err := scanBill(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func billBy(ctx context.Context, q querier, column, value string) (*Bill, error) {
	b, err := scanBill(q.QueryRowContext(ctx, `SELECT `+billColumns+` FROM payments_bills WHERE `+column+` = $1`, value))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "payments.error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("payments: bill: %w", err)
	}
	return b, nil
}

func insertBill(ctx context.Context, q querier, b *Bill) (bool, error) {
	rule, _ := json.Marshal(b.Rule)
	res, err := q.ExecContext(ctx, `INSERT INTO payments_bills (number, kind, payer_fin, payer_voen, payer_subject, plate,
		agency, budget_code, service, description, amount, points, issued_at, due_at, rule, status, reference, idem_key,
		created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		ON CONFLICT (idem_key) DO NOTHING`,
		b.Number, string(b.Kind), b.PayerFIN, b.PayerVOEN, b.PayerSubject, b.Plate, b.Agency, b.BudgetCode, b.Service, b.Description,
		b.Amount, b.Points, b.IssuedAt.UTC(), b.DueAt.UTC(), string(rule), string(b.Status), b.Reference,
		b.IdempotencyKey, b.CreatedAt.UTC())
	if err != nil {
		return false, fmt.Errorf("payments: insert bill: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

const paymentColumns = `id, number, provider_id, redirect_url, amount, bills, payer, state, created_at, settled_at`

func scanPayment(row scanner) (*Payment, error) {
	var (
		p       Payment
		bills   string
		settled sql.NullTime
	)
	if err := row.Scan(&p.ID, &p.Number, &p.ProviderID, &p.RedirectURL, &p.Amount, &bills, &p.Payer, &p.State,
		&p.CreatedAt, &settled); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(bills), &p.Bills); err != nil {
		return nil, fmt.Errorf("payments: bills of %s: %w", p.Number, err)
	}
	p.CreatedAt = p.CreatedAt.UTC()
	if settled.Valid {
		t := settled.Time.UTC()
		p.SettledAt = &t
	}
	return &p, nil
}

func paymentBy(ctx context.Context, q querier, column, value string) (*Payment, error) {
	p, err := scanPayment(q.QueryRowContext(ctx, `SELECT `+paymentColumns+` FROM payments_payments WHERE `+column+` = $1`, value))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "payments.error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("payments: payment: %w", err)
	}
	return p, nil
}

func listPayments(ctx context.Context, q querier, where string, args ...any) ([]*Payment, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+paymentColumns+` FROM payments_payments WHERE `+where+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("payments: list payments: %w", err)
	}
	defer rows.Close()
	var out []*Payment
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func insertLedger(ctx context.Context, q querier, e LedgerEntry, ref string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO payments_ledger (kind, ref, payment, bill, agency, budget_code, service, amount, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.Kind, ref, e.Payment, e.Bill, e.Agency, e.BudgetCode, e.Service, e.Amount, e.At.UTC())
	if err != nil {
		return fmt.Errorf("payments: ledger: %w", err)
	}
	return nil
}

func listLedger(ctx context.Context, q querier, where string, args ...any) ([]LedgerEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, payment, bill, agency, budget_code, service, amount, at
		FROM payments_ledger WHERE `+where+` ORDER BY at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("payments: ledger: %w", err)
	}
	defer rows.Close()
	var out []LedgerEntry
	for rows.Next() {
		var e LedgerEntry
		if err := rows.Scan(&e.ID, &e.Kind, &e.Payment, &e.Bill, &e.Agency, &e.BudgetCode, &e.Service, &e.Amount, &e.At); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanReceipt(row scanner) (*Receipt, error) {
	var (
		r     Receipt
		bills string
	)
	if err := row.Scan(&r.Number, &r.Payment, &r.ProviderID, &r.Payer, &r.Amount, &bills, &r.IssuedAt, &r.Signature,
		&r.DocumentNumber); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(bills), &r.Bills); err != nil {
		return nil, err
	}
	r.IssuedAt = r.IssuedAt.UTC()
	return &r, nil
}

const receiptColumns = `number, payment, provider_id, payer, amount, bills, issued_at, signature, document_number`

func jsonBills(b []PaidBill) string {
	if b == nil {
		b = []PaidBill{}
	}
	out, _ := json.Marshal(b)
	return string(out)
}

// dbTime is t at the precision both engines keep.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
