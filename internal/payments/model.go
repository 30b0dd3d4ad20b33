// Package payments is the government payment portal: bills (state fees,
// fines, taxes) that people and businesses owe, paying them through an
// acquirer (a Provider), settling each payment exactly once, refunds,
// signed receipts, and the agencies' reports and reconciliation.
//
// Money is always an int64 of qəpik (1 manat = 100 qəpik); no float ever
// holds an amount (TestNoFloats checks the package's source).
package payments

import (
	"crypto/rand"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/nationalid"
)

// Kind is what a bill is for.
type Kind string

const (
	KindFee  Kind = "fee"  // a state fee for a service
	KindFine Kind = "fine" // an administrative fine
	KindTax  Kind = "tax"  // a tax
)

// Status is where a bill is.
type Status string

const (
	StatusOpen              Status = "open"
	StatusPaid              Status = "paid"
	StatusCancelled         Status = "cancelled"
	StatusRefunded          Status = "refunded"
	StatusPartiallyRefunded Status = "partially_refunded"
)

// Rule is how the amount due changes with time, as data. Rates are in
// basis points (1/100 of a percent), so 0.1% is 10 and 50% is 5000.
type Rule struct {
	// PenaltyBPPerDay is added for each whole day after the due date.
	PenaltyBPPerDay int64 `json:"penalty_bp_per_day,omitempty"`
	// PenaltyCapBP caps the total penalty as a share of the amount.
	PenaltyCapBP int64 `json:"penalty_cap_bp,omitempty"`
	// DiscountBP is taken off when paid within DiscountDays of issue.
	DiscountBP   int64 `json:"discount_bp,omitempty"`
	DiscountDays int   `json:"discount_days,omitempty"`
}

// Rules known by name. TrafficFine follows Article 18.4 of the Code of
// Administrative Offences of Azerbaijan as commonly applied to traffic
// fines: half off when paid within 20 days of the decision. TaxLate is the
// late-payment interest of the Tax Code (0.1% a day), capped here at the
// amount itself.
var (
	TrafficFine = Rule{DiscountBP: 5000, DiscountDays: 20}
	TaxLate     = Rule{PenaltyBPPerDay: 10, PenaltyCapBP: 10000}
)

// share is amount × bp / 10000, rounded half up, in integers only.
func share(amount, bp int64) int64 { return (amount*bp + 5000) / 10000 }

// Due is what is owed on a bill at time now under its rule: the amount
// less an early-payment discount, or plus the late penalty.
func (r Rule) Due(amount int64, issued, due, now time.Time) int64 {
	if r.DiscountBP > 0 && r.DiscountDays > 0 && now.Before(issued.AddDate(0, 0, r.DiscountDays)) {
		return amount - share(amount, r.DiscountBP)
	}
	if r.PenaltyBPPerDay > 0 && now.After(due) {
		days := int64(now.Sub(due) / (24 * time.Hour))
		p := share(amount, r.PenaltyBPPerDay*days)
		if r.PenaltyCapBP > 0 {
			p = min(p, share(amount, r.PenaltyCapBP))
		}
		return amount + p
	}
	return amount
}

// Bill is one amount someone owes a state body.
type Bill struct {
	ID        int64
	Number    string
	Kind      Kind
	PayerFIN  string // a person's FIN, or
	PayerVOEN string // a business's VÖEN, or
	// PayerSubject is a person without a FIN as identity knows them,
	// e.g. "foreigner:GBR:533401372" for an e-visa fee.
	PayerSubject string
	Plate        string // for traffic fines: the vehicle's plate
	Agency       string // the agency's catalog slug
	BudgetCode   string // budget classification code
	Service      string // the catalog service the fee is for, if any
	Description  string
	Amount       int64 // qəpik, before discount or penalty
	Points       int   // penalty points of a traffic fine
	IssuedAt     time.Time
	DueAt        time.Time
	Rule         Rule
	Status       Status
	Reference    string // what created the bill, e.g. an application number
	// IdempotencyKey makes creating the bill again return the first one.
	IdempotencyKey string
	PaidAmount     int64
	RefundedAmount int64
	PaidAt         *time.Time
	Payment        string // the number of the payment that settled it
	CreatedAt      time.Time
}

// Payer is whom the bill is to: the FIN or the VÖEN.
func (b *Bill) Payer() string {
	switch {
	case b.PayerVOEN != "":
		return b.PayerVOEN
	case b.PayerSubject != "":
		return b.PayerSubject
	}
	return b.PayerFIN
}

// Due is what paying the bill at now costs.
func (b *Bill) Due(now time.Time) int64 {
	if b.Status != StatusOpen {
		return 0
	}
	return b.Rule.Due(b.Amount, b.IssuedAt, b.DueAt, now)
}

// Discounted reports whether paying now earns the early-payment discount.
func (b *Bill) Discounted(now time.Time) bool { return b.Due(now) < b.Amount && b.Status == StatusOpen }

// Overdue reports whether the bill is open past its due date.
func (b *Bill) Overdue(now time.Time) bool { return b.Status == StatusOpen && now.After(b.DueAt) }

// Refundable is what is left to refund.
func (b *Bill) Refundable() int64 { return b.PaidAmount - b.RefundedAmount }

// MaxAmount bounds one bill: 100 million manat.
const MaxAmount int64 = 100_000_000 * 100

// Validate says what is wrong with a new bill.
func (b *Bill) Validate() error {
	var v errs.Validation
	switch b.Kind {
	case KindFee, KindFine, KindTax:
	default:
		v.Add("kind", "payments.error.kind")
	}
	payers := 0
	for _, p := range []string{b.PayerFIN, b.PayerVOEN, b.PayerSubject} {
		if p != "" {
			payers++
		}
	}
	if payers != 1 || len(b.PayerSubject) > 200 {
		v.Add("payer", "payments.error.payer")
	}
	if b.PayerFIN != "" && !nationalid.ValidFIN(b.PayerFIN) {
		v.Add("payer", "payments.error.payer")
	}
	if b.PayerVOEN != "" && !nationalid.ValidVOEN(b.PayerVOEN) {
		v.Add("payer", "payments.error.payer")
	}
	if b.Agency == "" {
		v.Add("agency", "payments.error.agency")
	}
	if b.BudgetCode == "" {
		v.Add("budget_code", "payments.error.budget_code")
	}
	if b.Amount <= 0 || b.Amount > MaxAmount {
		v.Add("amount", "payments.error.amount")
	}
	if b.DueAt.IsZero() {
		v.Add("due", "payments.error.due")
	}
	if b.IdempotencyKey == "" || len(b.IdempotencyKey) > 200 {
		v.Add("idempotency_key", "payments.error.idempotency_key")
	}
	if b.Rule.DiscountBP < 0 || b.Rule.DiscountBP > 10000 || b.Rule.PenaltyBPPerDay < 0 || b.Rule.PenaltyCapBP < 0 {
		v.Add("rule", "payments.error.rule")
	}
	return v.Err()
}

// PaymentState is where a payment is.
type PaymentState string

const (
	PaymentCreated PaymentState = "created" // sent to the provider, not settled
	PaymentSettled PaymentState = "settled" // the money arrived; bills marked paid
	PaymentFailed  PaymentState = "failed"  // declined, abandoned or refused
)

// Payment is one payment of one or several bills.
type Payment struct {
	ID          int64
	Number      string // egov's reference, sent to the provider
	ProviderID  string
	RedirectURL string
	Amount      int64
	Bills       []PaidBill
	Payer       string // who started it: a subject, or "public"
	State       PaymentState
	CreatedAt   time.Time
	SettledAt   *time.Time
}

// PaidBill is one bill in a payment, with what was paid for it.
type PaidBill struct {
	Number string `json:"number"`
	Amount int64  `json:"amount"`
}

// LedgerEntry is one movement of money: a payment of a bill (positive)
// or a refund (negative).
type LedgerEntry struct {
	ID         int64
	Kind       string // payment, refund, overpayment
	Payment    string
	Bill       string
	Agency     string
	BudgetCode string
	Service    string
	Amount     int64
	At         time.Time
}

// Receipt is the signed record of a settled payment.
type Receipt struct {
	Number         string
	Payment        string
	ProviderID     string
	Payer          string
	Amount         int64
	Bills          []PaidBill
	IssuedAt       time.Time
	Signature      string
	DocumentNumber string // set when the documents module issued it
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newNumber is prefix and n random Crockford base-32 characters.
func newNumber(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	var sb strings.Builder
	sb.WriteString(prefix)
	for _, x := range b {
		sb.WriteByte(crockford[int(x)%32])
	}
	return sb.String()
}
