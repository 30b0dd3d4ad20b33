package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/nationalid"
)

// PayoutStatus is where a payout stands.
type PayoutStatus string

// A payout waits for the person's bank account, is then scheduled for the
// next payment run, and is paid (or cancelled).
const (
	PayoutAwaitingAccount PayoutStatus = "awaiting_account"
	PayoutScheduled       PayoutStatus = "scheduled"
	PayoutPaid            PayoutStatus = "paid"
	PayoutCancelled       PayoutStatus = "cancelled"
)

// Payout is money from the state to a person: a benefit, a pension.
type Payout struct {
	ID       int64
	Number   string
	PayeeFIN string
	IBAN     string // empty until the person gives one
	Amount   int64  // qəpik
	Agency   string // the paying agency's catalog slug
	Service  string // the catalog service it is for, if any
	Reason   string
	Status   PayoutStatus
	// Reference is what caused it, e.g. a proactive rule's action.
	Reference string
	// IdempotencyKey makes creating the payout again return the first one.
	IdempotencyKey string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Validate checks a payout before it is stored.
func (p *Payout) Validate() error {
	var v errs.Validation
	if p.PayeeFIN == "" {
		v.Add("payee_fin", "payments.error.payee")
	}
	if p.Amount <= 0 {
		v.Add("amount", "payments.error.amount")
	}
	if p.IBAN != "" && !ValidIBAN(p.IBAN) {
		v.Add("iban", "payments.error.iban")
	}
	if p.Agency == "" || strings.TrimSpace(p.Reason) == "" || p.IdempotencyKey == "" {
		v.Add("payout", "error.invalid")
	}
	return v.Err()
}

// NormalizeIBAN removes spaces and upper-cases what a person typed.
func NormalizeIBAN(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// ValidIBAN reports whether s (normalised) is an IBAN whose check digits
// are right (ISO 13616: the number moved to start with its country and
// check digits, letters as 10–35, is 1 modulo 97). Azerbaijan's IBANs have
// 28 characters; other countries' are accepted by their own lengths
// between 15 and 34.
func ValidIBAN(s string) bool {
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	if s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' || s[2] < '0' || s[2] > '9' || s[3] < '0' || s[3] > '9' {
		return false
	}
	if s[:2] == "AZ" && len(s) != 28 {
		return false
	}
	rem := 0
	for _, c := range s[4:] + s[:4] {
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			rem = (rem*100 + int(c-'A') + 10) % 97
		default:
			return false
		}
	}
	return rem == 1
}

// CreatePayout adds a payout in the caller's transaction: scheduled when
// it has an account, otherwise awaiting one. The same idempotency key
// again returns the payout first created with it, unchanged.
func (s *Service) CreatePayout(ctx context.Context, tx *sql.Tx, p Payout) (*Payout, error) {
	p.PayeeFIN, p.IBAN = nationalid.NormalizeFIN(p.PayeeFIN), NormalizeIBAN(p.IBAN)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	p.Number, p.CreatedAt, p.UpdatedAt = newNumber("P", 10), now, now
	p.Status = PayoutAwaitingAccount
	if p.IBAN != "" {
		p.Status = PayoutScheduled
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO payments_payouts (number, payee_fin, iban, amount, agency, service, reason,
		status, reference, idem_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (idem_key) DO NOTHING`, p.Number, p.PayeeFIN, p.IBAN, p.Amount, p.Agency, p.Service, p.Reason,
		string(p.Status), p.Reference, p.IdempotencyKey, now, now)
	if err != nil {
		return nil, fmt.Errorf("payments: insert payout: %w", err)
	}
	return payoutBy(ctx, tx, "idem_key", p.IdempotencyKey)
}

// SetPayoutAccount gives a payout waiting for an account the payee's
// IBAN, in the caller's transaction, and schedules it.
func (s *Service) SetPayoutAccount(ctx context.Context, tx *sql.Tx, number, iban string) (*Payout, error) {
	iban = NormalizeIBAN(iban)
	if !ValidIBAN(iban) {
		return nil, errs.E(errs.Invalid, "payments.error.iban").Field("iban", "payments.error.iban")
	}
	res, err := tx.ExecContext(ctx, `UPDATE payments_payouts SET iban = $1, status = $2, updated_at = $3
		WHERE number = $4 AND status = $5`, iban, string(PayoutScheduled), s.now(), number, string(PayoutAwaitingAccount))
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, errs.E(errs.Conflict, "payments.error.payout_state")
	}
	return payoutBy(ctx, tx, "number", number)
}

// GiveAccount is the payee giving the IBAN a payout waits for. Someone
// else's payout is not found.
func (s *Service) GiveAccount(ctx context.Context, fin, number, iban string) (*Payout, error) {
	var out *Payout
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		p, err := payoutBy(ctx, tx, "number", number)
		if err != nil {
			return err
		}
		if p.PayeeFIN != nationalid.NormalizeFIN(fin) {
			return errs.E(errs.NotFound, "payments.error.not_found")
		}
		out, err = s.SetPayoutAccount(ctx, tx, number, iban)
		return err
	})
	return out, err
}

// PayoutsOf lists the payouts to a person, newest first.
func (s *Service) PayoutsOf(ctx context.Context, fin string) ([]*Payout, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+payoutColumns+` FROM payments_payouts WHERE payee_fin = $1
		ORDER BY created_at DESC, id DESC`, nationalid.NormalizeFIN(fin))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Payout
	for rows.Next() {
		p, err := scanPayout(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

const payoutColumns = `id, number, payee_fin, iban, amount, agency, service, reason, status, reference, idem_key, created_at, updated_at`

func payoutBy(ctx context.Context, q querier, column, value string) (*Payout, error) {
	p, err := scanPayout(q.QueryRowContext(ctx, `SELECT `+payoutColumns+` FROM payments_payouts WHERE `+column+` = $1`, value))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "payments.error.not_found")
	}
	return p, err
}

func scanPayout(row interface{ Scan(...any) error }) (*Payout, error) {
	var p Payout
	var status string
	if err := row.Scan(&p.ID, &p.Number, &p.PayeeFIN, &p.IBAN, &p.Amount, &p.Agency, &p.Service, &p.Reason, &status,
		&p.Reference, &p.IdempotencyKey, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	p.Status = PayoutStatus(status)
	return &p, nil
}
