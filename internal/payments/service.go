package payments

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/nationalid"
	"github.com/egov/egov/internal/registry"
	"github.com/egov/egov/internal/store"
)

// TopicBillPaid is published, in the settling transaction, once per bill
// paid, with a BillPaid payload. Applications and e-visas act on it.
const TopicBillPaid = "payments.bill_paid"

// TopicBillRefunded is published once per refund, with a BillRefunded
// payload.
const TopicBillRefunded = "payments.bill_refunded"

// BillPaid is the payload of TopicBillPaid; the event key is the bill
// number.
type BillPaid struct {
	Bill      string `json:"bill"`
	Reference string `json:"reference"`
	Agency    string `json:"agency"`
	Service   string `json:"service,omitempty"`
	Kind      Kind   `json:"kind"`
	Amount    int64  `json:"amount"` // qəpik paid
	Payment   string `json:"payment"`
}

// BillRefunded is the payload of TopicBillRefunded.
type BillRefunded struct {
	Bill      string `json:"bill"`
	Reference string `json:"reference"`
	Agency    string `json:"agency"`
	Amount    int64  `json:"amount"` // qəpik refunded by this refund
	Refund    string `json:"refund"`
	Full      bool   `json:"full"` // nothing of the bill remains paid
}

// Config holds what the service needs from the app and other modules.
type Config struct {
	// Provider is the acquirer (an *HTTPProvider against the sandbox).
	Provider Provider
	// WebhookSecret checks the acquirer's webhook signatures.
	WebhookSecret []byte
	// SigningKey signs receipts (HMAC-SHA256); at least 16 bytes, stable
	// across restarts.
	SigningKey []byte
	// BaseURL is egov's public address, for the provider's return URL.
	BaseURL string
	// BirthDate is a person's date of birth from the population
	// registry, checked before bills are shown by FIN; an error of kind
	// NotFound means no such person. When nil, lookup by FIN is refused.
	BirthDate func(ctx context.Context, fin string) (time.Time, error)
	// IssueReceipt lets the documents module issue the receipt as a
	// document; its number is kept with the receipt. Optional.
	IssueReceipt func(ctx context.Context, r Receipt) (documentNumber string, err error)
	// PendingAfter is how old a payment without a callback must be before
	// RecoverPending asks the provider about it (default 10 minutes).
	PendingAfter time.Duration
	Logger       *slog.Logger
	Now          func() time.Time
}

// Service keeps bills and payments.
type Service struct {
	db  *store.DB
	cfg Config
}

// New builds the service. It panics without a provider or keys: a
// programming error caught at start-up.
func New(db *store.DB, cfg Config) *Service {
	if cfg.Provider == nil {
		panic("payments: Config.Provider is required")
	}
	if len(cfg.SigningKey) < 16 || len(cfg.WebhookSecret) < 16 {
		panic("payments: Config.SigningKey and WebhookSecret must be at least 16 bytes")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PendingAfter == 0 {
		cfg.PendingAfter = 10 * time.Minute
	}
	return &Service{db: db, cfg: cfg}
}

func (s *Service) now() time.Time { return dbTime(s.cfg.Now()) }

// CreateBill adds a bill in the caller's transaction. Creating a bill
// with an idempotency key already used returns the bill first created
// with it, unchanged.
func (s *Service) CreateBill(ctx context.Context, tx *sql.Tx, b Bill) (*Bill, error) {
	b.PayerFIN, b.PayerVOEN = nationalid.NormalizeFIN(b.PayerFIN), strings.TrimSpace(b.PayerVOEN)
	b.PayerSubject = strings.TrimSpace(b.PayerSubject)
	if b.Plate != "" {
		b.Plate = registry.NormalizePlate(b.Plate)
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	if b.IssuedAt.IsZero() {
		b.IssuedAt = now
	}
	b.IssuedAt, b.DueAt = dbTime(b.IssuedAt), dbTime(b.DueAt)
	b.Number, b.Status, b.CreatedAt = newNumber("B", 10), StatusOpen, now
	b.PaidAmount, b.RefundedAmount, b.PaidAt, b.Payment = 0, 0, nil, ""
	if _, err := insertBill(ctx, tx, &b); err != nil {
		return nil, err
	}
	return billBy(ctx, tx, "idem_key", b.IdempotencyKey)
}

// CancelBill cancels an open bill in the caller's transaction (an
// application withdrawn, a fine quashed), as actor, who is audited. A
// bill already paid cannot be cancelled: refund it instead.
func (s *Service) CancelBill(ctx context.Context, tx *sql.Tx, actor, number, reason string) error {
	res, err := tx.ExecContext(ctx, `UPDATE payments_bills SET status = 'cancelled' WHERE number = $1 AND status = 'open'`, number)
	if err != nil {
		return fmt.Errorf("payments: cancel %s: %w", number, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		if _, err := billBy(ctx, tx, "number", number); err != nil {
			return err
		}
		return errs.E(errs.Conflict, "payments.error.not_open")
	}
	return auditTx(ctx, tx, actor, "payments.cancel", number, map[string]string{"reason": reason})
}

// ForgetPayer removes, in tx, who was to pay a bill that was cancelled
// unpaid: such a bill is no record of money, and its payer (a
// traveller's passport number, say) must go with the application that
// made it. A bill open or paid keeps its payer (Conflict
// payments.error.not_cancelled); forgetting twice is no error.
func (s *Service) ForgetPayer(ctx context.Context, tx *sql.Tx, actor, number string) error {
	res, err := tx.ExecContext(ctx, `UPDATE payments_bills SET payer_fin = '', payer_voen = '', payer_subject = '', plate = ''
		WHERE number = $1 AND status = 'cancelled' AND payment = ''`, number)
	if err != nil {
		return fmt.Errorf("payments: forget the payer of %s: %w", number, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		if _, err := billBy(ctx, tx, "number", number); err != nil {
			return err
		}
		return errs.E(errs.Conflict, "payments.error.not_cancelled")
	}
	return auditTx(ctx, tx, actor, "payments.forget_payer", number, nil)
}

// Bill is the bill with the number.
func (s *Service) Bill(ctx context.Context, number string) (*Bill, error) {
	return billBy(ctx, s.db, "number", strings.ToUpper(strings.TrimSpace(number)))
}

// BillsOf lists the bills of a payer, newest first: a FIN, a VÖEN, or
// the identity subject of a person without a FIN.
func (s *Service) BillsOf(ctx context.Context, payer string) ([]*Bill, error) {
	payer = strings.TrimSpace(payer)
	if payer == "" {
		return nil, nil
	}
	if strings.Contains(payer, ":") {
		return listBills(ctx, s.db, `payer_subject = $1`, payer)
	}
	return listBills(ctx, s.db, `payer_fin = $1 OR payer_voen = $1`, strings.ToUpper(payer))
}

// FindByPlate lists the fines on a vehicle's plate.
func (s *Service) FindByPlate(ctx context.Context, plate string) ([]*Bill, error) {
	plate = registry.NormalizePlate(plate)
	if !registry.ValidPlate(plate) {
		return nil, errs.E(errs.Invalid, "payments.error.plate").Field("plate", "payments.error.plate")
	}
	return listBills(ctx, s.db, `plate = $1`, plate)
}

// FindByFIN lists a person's bills if birth is their date of birth. A
// wrong date and an unknown FIN give the same NotFound, so the form tells
// nothing about who exists.
func (s *Service) FindByFIN(ctx context.Context, fin string, birth time.Time) ([]*Bill, error) {
	fin, ok := nationalid.ParseFIN(fin)
	notFound := errs.E(errs.NotFound, "payments.find.none")
	if !ok || s.cfg.BirthDate == nil {
		return nil, notFound
	}
	// Five wrong dates an hour for one FIN, then no more tries: the
	// birth date is what keeps a person's bills private.
	var misses int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM payments_find_misses WHERE fin = $1 AND at > $2`,
		fin, s.now().Add(-time.Hour)).Scan(&misses); err != nil {
		return nil, err
	}
	if misses >= maxFindMisses {
		return nil, errs.E(errs.TooMany, "payments.error.find_too_many")
	}
	born, err := s.cfg.BirthDate(ctx, fin)
	if err != nil && errs.KindOf(err) != errs.NotFound {
		return nil, err
	}
	if err != nil || born.Format(time.DateOnly) != birth.Format(time.DateOnly) {
		if _, err := s.db.ExecContext(ctx, `INSERT INTO payments_find_misses (fin, at) VALUES ($1, $2)`, fin, s.now()); err != nil {
			return nil, err
		}
		return nil, notFound
	}
	return s.BillsOf(ctx, fin)
}

// maxFindMisses is how many wrong birth dates an hour one FIN may be given.
const maxFindMisses = 5

// Points is the penalty points of a person's traffic fines issued in the
// year before now, and the fines that carry them.
func (s *Service) Points(ctx context.Context, fin string) (int, []*Bill, error) {
	list, err := listBills(ctx, s.db, `payer_fin = $1 AND kind = 'fine' AND points > 0 AND status <> 'cancelled' AND issued_at > $2`,
		strings.ToUpper(fin), s.now().AddDate(-1, 0, 0))
	if err != nil {
		return 0, nil, err
	}
	total := 0
	for _, b := range list {
		total += b.Points
	}
	return total, list, nil
}

// MaxBillsPerPayment bounds how many bills one payment pays.
const MaxBillsPerPayment = 20

// StartPayment starts paying the open bills with the numbers, as payer (a
// subject, or "public"), and returns the payment whose RedirectURL the
// person is sent to. The same key returns the same payment, so a form
// posted twice starts one payment.
func (s *Service) StartPayment(ctx context.Context, payer string, numbers []string, key string) (*Payment, error) {
	if key == "" || len(key) > 100 {
		return nil, errs.E(errs.Invalid, "payments.error.idempotency_key")
	}
	idem := payer + "|" + key
	if p, err := paymentBy(ctx, s.db, "idem_key", idem); err == nil {
		return p, nil
	}
	var list []string
	for _, n := range numbers {
		n = strings.ToUpper(strings.TrimSpace(n))
		if n != "" && !slices.Contains(list, n) {
			list = append(list, n)
		}
	}
	if len(list) == 0 || len(list) > MaxBillsPerPayment {
		return nil, errs.E(errs.Invalid, "payments.error.choose").Field("bill", "payments.error.choose")
	}
	now := s.now()
	p := &Payment{Number: newNumber("P", 12), Payer: payer, State: PaymentCreated, CreatedAt: now}
	for _, n := range list {
		b, err := s.Bill(ctx, n)
		if err != nil {
			return nil, err
		}
		due := b.Due(now)
		if due <= 0 {
			return nil, errs.E(errs.Conflict, "payments.error.not_open")
		}
		p.Bills = append(p.Bills, PaidBill{Number: b.Number, Amount: due})
		p.Amount += due
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO payments_payments (number, amount, bills, payer, state, idem_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idem_key) DO NOTHING`,
		p.Number, p.Amount, jsonBills(p.Bills), p.Payer, string(p.State), idem, p.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("payments: insert payment: %w", err)
	}
	if p, err = paymentBy(ctx, s.db, "idem_key", idem); err != nil {
		return nil, err
	}
	if err := s.createAtProvider(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// ReturnURL is where the provider sends the person back to.
func (s *Service) ReturnURL(p *Payment) string {
	return strings.TrimSuffix(s.cfg.BaseURL, "/") + "/payments/return?payment=" + url.QueryEscape(p.Number)
}

// createAtProvider registers p with the provider (under p's number as the
// idempotency key, so a repeat finds the same provider payment) and
// keeps the provider's ID.
func (s *Service) createAtProvider(ctx context.Context, p *Payment) error {
	if p.ProviderID != "" {
		return nil
	}
	pp, err := s.cfg.Provider.CreatePayment(ctx, p.Amount, p.Number, s.ReturnURL(p), p.Number)
	if err != nil {
		if errs.KindOf(err) == errs.Invalid {
			s.markFailed(ctx, p.Number)
		}
		return err
	}
	if pp.ID == "" || pp.Amount != p.Amount {
		return wrapErr(errs.Unavailable, "payments.error.provider", fmt.Errorf("provider answered %q for %d", pp.ID, pp.Amount))
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE payments_payments SET provider_id = $1, redirect_url = $2 WHERE number = $3`,
		pp.ID, pp.RedirectURL, p.Number); err != nil {
		return fmt.Errorf("payments: keep provider id: %w", err)
	}
	p.ProviderID, p.RedirectURL = pp.ID, pp.RedirectURL
	return nil
}

func (s *Service) markFailed(ctx context.Context, number string) {
	if _, err := s.db.ExecContext(ctx, `UPDATE payments_payments SET state = 'failed' WHERE number = $1 AND state = 'created'`, number); err != nil {
		s.cfg.Logger.Warn("payments: mark failed", "payment", number, "err", err)
	}
}

// Payment is the payment with egov's number.
func (s *Service) Payment(ctx context.Context, number string) (*Payment, error) {
	return paymentBy(ctx, s.db, "number", strings.TrimSpace(number))
}

// Callback handles a webhook from the provider: body signed in header.
// A succeeded payment is settled (once, whatever the number of calls).
func (s *Service) Callback(ctx context.Context, body []byte, header string) error {
	pp, err := ParseWebhook(s.cfg.WebhookSecret, body, header, s.cfg.Now(), 10*time.Minute)
	if err != nil {
		return wrapErr(errs.Unauthenticated, "payments.error.signature", err)
	}
	return s.apply(ctx, pp)
}

// Return is called when the person comes back from the provider: the
// provider is asked how the payment went, and a succeeded one settled.
func (s *Service) Return(ctx context.Context, number string) (*Payment, error) {
	p, err := s.Payment(ctx, number)
	if err != nil {
		return nil, err
	}
	if p.State == PaymentCreated && p.ProviderID != "" {
		pp, err := s.cfg.Provider.Status(ctx, p.ProviderID)
		if err != nil {
			return nil, err
		}
		if err := s.apply(ctx, pp); err != nil {
			return nil, err
		}
		return s.Payment(ctx, number)
	}
	return p, nil
}

// apply acts on what the provider says of a payment.
func (s *Service) apply(ctx context.Context, pp ProviderPayment) error {
	switch pp.State {
	case StateSucceeded:
		_, err := s.settle(ctx, pp)
		return err
	case StateFailed:
		p, err := paymentBy(ctx, s.db, "provider_id", pp.ID)
		if err != nil {
			return err
		}
		s.markFailed(ctx, p.Number)
	}
	return nil
}

// settle marks the payment's bills paid, writes the ledger, publishes
// the events and signs the receipt, all in one transaction that only the
// first caller gets to commit: the payment's state changes from not
// settled to settled in a conditional UPDATE, which a concurrent or later
// caller finds already done. It reports whether this call settled it.
func (s *Service) settle(ctx context.Context, pp ProviderPayment) (bool, error) {
	var (
		done    bool
		receipt Receipt
	)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		p, err := paymentBy(ctx, tx, "provider_id", pp.ID)
		if err != nil {
			return err
		}
		if p.State == PaymentSettled {
			return nil
		}
		if pp.Amount != p.Amount {
			return wrapErr(errs.Conflict, "payments.error.amount_mismatch",
				fmt.Errorf("payment %s: provider took %d, expected %d", p.Number, pp.Amount, p.Amount))
		}
		receipt, done, err = s.settleTx(ctx, tx, p)
		return err
	})
	if err != nil || !done {
		return false, err
	}
	s.issueReceipt(ctx, receipt)
	return true, nil
}

// settleTx is settle's work in the caller's transaction, for a payment
// whose money has arrived, by card or by bank transfer: the payment
// changes from not settled to settled in a conditional UPDATE (a
// concurrent or later caller finds it done and reports false), each bill
// is marked paid with one ledger entry and one payments.bill_paid event,
// and the receipt is signed.
func (s *Service) settleTx(ctx context.Context, tx *sql.Tx, p *Payment) (Receipt, bool, error) {
	now := s.now()
	res, err := tx.ExecContext(ctx, `UPDATE payments_payments SET state = 'settled', settled_at = $1
		WHERE id = $2 AND state <> 'settled'`, now, p.ID)
	if err != nil {
		return Receipt{}, false, fmt.Errorf("payments: settle %s: %w", p.Number, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Receipt{}, false, nil // settled meanwhile by another caller
	}
	for _, pb := range p.Bills {
		b, err := billBy(ctx, tx, "number", pb.Number)
		if err != nil {
			return Receipt{}, false, err
		}
		res, err := tx.ExecContext(ctx, `UPDATE payments_bills SET status = 'paid', paid_amount = $1, paid_at = $2,
			payment = $3 WHERE id = $4 AND status = 'open'`, pb.Amount, now, p.Number, b.ID)
		if err != nil {
			return Receipt{}, false, fmt.Errorf("payments: mark %s paid: %w", b.Number, err)
		}
		kind := "payment"
		if n, _ := res.RowsAffected(); n != 1 {
			// Paid already by another payment (or cancelled): the
			// money is kept apart for an official to refund.
			kind = "overpayment"
		}
		if err := insertLedger(ctx, tx, LedgerEntry{Kind: kind, Payment: p.Number, Bill: b.Number, Agency: b.Agency,
			BudgetCode: b.BudgetCode, Service: b.Service, Amount: pb.Amount, At: now}, p.Number); err != nil {
			return Receipt{}, false, err
		}
		if kind == "overpayment" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO payments_overpayments (payment, bill, agency, amount, at)
				VALUES ($1, $2, $3, $4, $5)`, p.Number, b.Number, b.Agency, pb.Amount, now); err != nil {
				return Receipt{}, false, fmt.Errorf("payments: keep the overpayment of %s: %w", b.Number, err)
			}
		}
		if kind == "payment" {
			if err := events.Publish(ctx, tx, TopicBillPaid, b.Number, BillPaid{Bill: b.Number, Reference: b.Reference,
				Agency: b.Agency, Service: b.Service, Kind: b.Kind, Amount: pb.Amount, Payment: p.Number}); err != nil {
				return Receipt{}, false, err
			}
		}
	}
	receipt := Receipt{Number: newNumber("R", 12), Payment: p.Number, ProviderID: p.ProviderID, Payer: p.Payer,
		Amount: p.Amount, Bills: p.Bills, IssuedAt: now}
	receipt.Signature = s.sign(receipt)
	if _, err := tx.ExecContext(ctx, `INSERT INTO payments_receipts (number, payment, provider_id, payer, amount, bills,
		issued_at, signature) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, receipt.Number, receipt.Payment,
		receipt.ProviderID, receipt.Payer, receipt.Amount, jsonBills(receipt.Bills), receipt.IssuedAt, receipt.Signature); err != nil {
		return Receipt{}, false, fmt.Errorf("payments: receipt: %w", err)
	}
	return receipt, true, nil
}

// issueReceipt has the documents module issue a settled payment's
// receipt, after its transaction committed; a failure leaves the signed
// receipt without its document.
func (s *Service) issueReceipt(ctx context.Context, receipt Receipt) {
	if s.cfg.IssueReceipt == nil {
		return
	}
	if doc, err := s.cfg.IssueReceipt(ctx, receipt); err != nil {
		s.cfg.Logger.Warn("payments: issue receipt document", "receipt", receipt.Number, "err", err)
	} else if _, err := s.db.ExecContext(ctx, `UPDATE payments_receipts SET document_number = $1 WHERE number = $2`, doc, receipt.Number); err != nil {
		s.cfg.Logger.Warn("payments: keep receipt document", "receipt", receipt.Number, "err", err)
	}
}

// AbandonAfter is how long a payment may wait for the card before
// RecoverPending stops asking about it.
const AbandonAfter = 24 * time.Hour

// RecoverPending asks the provider about every payment older than
// Config.PendingAfter that is neither settled nor failed, and settles
// those whose money was taken (the callback never came, or egov stopped
// before settling). It also retries refunds the provider did not answer.
// It returns how many payments it settled. Run it every few minutes.
func (s *Service) RecoverPending(ctx context.Context) (int, error) {
	list, err := listPayments(ctx, s.db, `state = 'created' AND created_at < $1`, s.now().Add(-s.cfg.PendingAfter))
	if err != nil {
		return 0, err
	}
	settled := 0
	var failures []error
	for _, p := range list {
		if err := s.createAtProvider(ctx, p); err != nil {
			failures = append(failures, err)
			continue
		}
		pp, err := s.cfg.Provider.Status(ctx, p.ProviderID)
		if errs.KindOf(err) == errs.NotFound {
			// The provider has no such payment (the sandbox forgets
			// on restart): no money can have been taken through it.
			s.markFailed(ctx, p.Number)
			continue
		}
		if err != nil {
			failures = append(failures, err)
			continue
		}
		switch pp.State {
		case StateSucceeded:
			ok, err := s.settle(ctx, pp)
			if err != nil {
				failures = append(failures, err)
			} else if ok {
				settled++
			}
		case StateFailed:
			s.markFailed(ctx, p.Number)
		default:
			// Never paid for a day: abandoned. Should the person pay on
			// the old page after all, the webhook still settles it.
			if p.CreatedAt.Before(s.now().Add(-AbandonAfter)) {
				s.markFailed(ctx, p.Number)
			}
		}
	}
	if err := s.retryRefunds(ctx); err != nil {
		failures = append(failures, err)
	}
	return settled, errors.Join(failures...)
}

// receiptText is the canonical text a receipt's signature covers.
func receiptText(r Receipt) string {
	var b strings.Builder
	b.WriteString("egov-receipt-v1|" + r.Number + "|" + r.Payment + "|" + r.ProviderID + "|" + r.Payer + "|")
	b.WriteString(strconv.FormatInt(r.Amount, 10))
	for _, pb := range r.Bills {
		b.WriteString("|" + pb.Number + ":" + strconv.FormatInt(pb.Amount, 10))
	}
	b.WriteString("|" + r.IssuedAt.UTC().Format(time.RFC3339Nano))
	return b.String()
}

func (s *Service) sign(r Receipt) string {
	mac := hmac.New(sha256.New, s.cfg.SigningKey)
	mac.Write([]byte(receiptText(r)))
	return hex.EncodeToString(mac.Sum(nil))
}

// VerifyReceipt reports whether the receipt's signature is egov's.
func (s *Service) VerifyReceipt(r *Receipt) bool {
	want, err := hex.DecodeString(r.Signature)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, s.cfg.SigningKey)
	mac.Write([]byte(receiptText(*r)))
	return hmac.Equal(want, mac.Sum(nil))
}

// Receipt is the receipt with the number.
func (s *Service) Receipt(ctx context.Context, number string) (*Receipt, error) {
	r, err := scanReceipt(s.db.QueryRowContext(ctx, `SELECT `+receiptColumns+` FROM payments_receipts WHERE number = $1`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "payments.error.not_found")
	}
	return r, err
}

// ReceiptOf is the receipt of a settled payment.
func (s *Service) ReceiptOf(ctx context.Context, payment string) (*Receipt, error) {
	r, err := scanReceipt(s.db.QueryRowContext(ctx, `SELECT `+receiptColumns+` FROM payments_receipts WHERE payment = $1`, payment))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "payments.error.not_found")
	}
	return r, err
}

// ReceiptsFor lists the receipts of payments made by subject or paying
// bills of subject or of any of payers (FINs and VÖENs), newest first.
func (s *Service) ReceiptsFor(ctx context.Context, subject string, payers ...string) ([]*Receipt, error) {
	seen := map[string]bool{}
	var out []*Receipt
	add := func(query string, arg string) error {
		rows, err := s.db.QueryContext(ctx, query, arg)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanReceipt(rows)
			if err != nil {
				return err
			}
			if !seen[r.Number] {
				seen[r.Number] = true
				out = append(out, r)
			}
		}
		return rows.Err()
	}
	if subject != "" {
		if err := add(`SELECT `+receiptColumns+` FROM payments_receipts WHERE payer = $1`, subject); err != nil {
			return nil, err
		}
	}
	for _, p := range append(payers, subject) {
		if p == "" {
			continue
		}
		if err := add(`SELECT `+receiptColumns+` FROM payments_receipts WHERE payment IN
			(SELECT payment FROM payments_bills WHERE (payer_fin = $1 OR payer_voen = $1 OR payer_subject = $1)
			AND payment <> '')`, p); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b *Receipt) int { return b.IssuedAt.Compare(a.IssuedAt) })
	return out, nil
}

// auditTx appends an audit entry for a staff action.
func auditTx(ctx context.Context, tx *sql.Tx, actor, action, object string, detail map[string]string) error {
	_, err := audit.Append(ctx, tx, audit.Entry{Actor: actor, Action: action, Object: object, Detail: detail})
	return err
}
