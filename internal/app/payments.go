package app

import (
	"context"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/config"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/payments/sandbox"
	"github.com/egov/egov/internal/seal"
	"github.com/egov/egov/internal/web"
)

// feeBudgetCode is the budget classification code of state fees (dövlət
// rüsumu) paid for e-services.
const feeBudgetCode = "142110"

// setUpPayments builds payments against the configured acquirer, or the
// built-in sandbox one (served at /sandbox-acquirer, over real HTTP to
// egov's own address) with keys derived from the platform secret.
func (a *App) setUpPayments(cfg *config.Config, secret []byte, logger *slog.Logger) {
	url, apiKey, webhook := cfg.PaymentsURL, cfg.PaymentsAPIKey, []byte(cfg.PaymentsWebhookSecret)
	if url == "" {
		url = cfg.BaseURL + "/sandbox-acquirer"
		apiKey = hex.EncodeToString(seal.DeriveKey(secret, "egov sandbox acquirer api key v1"))
		webhook = seal.DeriveKey(secret, "egov sandbox acquirer webhook v1")
		a.Acquirer = sandbox.New(sandbox.Config{BaseURL: url, APIKey: apiKey, WebhookURL: cfg.BaseURL + payments.CallbackPath,
			WebhookSecret: webhook, Logger: logger})
	}
	a.Payments = payments.New(a.DB, payments.Config{Provider: &payments.HTTPProvider{BaseURL: url, APIKey: apiKey},
		WebhookSecret: webhook, SigningKey: seal.DeriveKey(secret, "egov payment receipts v1"), BaseURL: cfg.BaseURL,
		BirthDate: a.birthDate, IssueReceipt: a.issueReceipt, Logger: logger})
}

// birthDate is a person's date of birth from the population registry, for
// finding their bills by FIN without signing in.
func (a *App) birthDate(ctx context.Context, fin string) (time.Time, error) {
	p, err := a.Registry.Person(ctx, fin)
	if err != nil {
		return time.Time{}, err
	}
	return p.BirthDate, nil
}

// feeBill asks for an application's state fee, in its submission's
// transaction; submitting again finds the same bill.
func (a *App) feeBill(ctx context.Context, tx *sql.Tx, ap *applications.Application) (string, error) {
	svc, err := a.Catalog.Service(ap.Service)
	if err != nil {
		return "", err
	}
	b, err := a.Payments.CreateBill(ctx, tx, payments.Bill{Kind: payments.KindFee, PayerFIN: ap.FIN, PayerVOEN: ap.OnBehalf,
		Agency: ap.Agency, BudgetCode: feeBudgetCode, Service: ap.Service, Description: svc.Name.AZ + " — " + applications.FormatNumber(ap.Number),
		Amount: ap.FeeQepik, DueAt: a.Applications.Calendar().AddWorkingDays(time.Now(), 10),
		Reference: ap.Number, IdempotencyKey: "application:" + ap.Number})
	if err != nil {
		return "", err
	}
	return b.Number, nil
}

// feePaid moves an application on when its fee is paid, in the payment's
// event's transaction.
func (a *App) feePaid(ctx context.Context, tx *sql.Tx, ev events.Event) error {
	var paid payments.BillPaid
	if err := ev.Decode(&paid); err != nil {
		return err
	}
	number, ok := applications.ParseNumber(paid.Reference)
	if paid.Kind != payments.KindFee || !ok {
		return nil
	}
	_, err := a.Applications.MarkPaid(ctx, tx, number, paid.Bill)
	if errs.KindOf(err) == errs.NotFound {
		return nil // a fee of something else
	}
	return err
}

// recoverPayments asks the acquirer, every interval, about payments whose
// callback never came, and settles those it took the money for.
func (a *App) recoverPayments(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := a.Payments.RecoverPending(ctx); err != nil && ctx.Err() == nil {
			a.Logger.Warn("recover pending payments", "err", err)
		}
	}
}

// paymentTemplates are the messages about bills and payments.
var paymentTemplates = []notify.Template{
	{Owner: notify.PlatformOwner, Key: "payments.paid",
		Subject: lang.Text{AZ: "Ödəniş qəbul edildi: {{bill}}", EN: "Payment received: {{bill}}", RU: "Платёж получен: {{bill}}"},
		Body: lang.Text{
			AZ: "{{bill}} nömrəli hesab üzrə {{amount}} ödənildi. İmzalı qəbz kabinetinizdə, «Ödənişlərim» bölməsindədir.",
			EN: "{{amount}} was paid for bill {{bill}}. The signed receipt is in your cabinet, under “My payments”.",
			RU: "По счёту {{bill}} оплачено {{amount}}. Подписанная квитанция — в личном кабинете, в разделе «Мои платежи».",
		}},
	{Owner: notify.PlatformOwner, Key: "payments.fine_issued",
		Subject: lang.Text{AZ: "Ödənilməmiş cərimə: {{bill}}", EN: "A fine to pay: {{bill}}", RU: "Неоплаченный штраф: {{bill}}"},
		Body: lang.Text{
			AZ: "{{description}}. Məbləğ: {{amount}}, son tarix: {{due}}. Cəriməni «Ödənişlərim» bölməsində ödəyə bilərsiniz; vaxtında ödəniş endirim qazandıra bilər.",
			EN: "{{description}}. Amount: {{amount}}, due by {{due}}. Pay it under “My payments”; paying early may earn a discount.",
			RU: "{{description}}. Сумма: {{amount}}, срок: {{due}}. Оплатите штраф в разделе «Мои платежи»; при ранней оплате возможна скидка.",
		}},
}

// tellPaid puts a message about a settled bill in the payer's inbox, in
// the payment's event's transaction.
func (a *App) tellPaid(ctx context.Context, tx *sql.Tx, ev events.Event) error {
	var paid payments.BillPaid
	if err := ev.Decode(&paid); err != nil {
		return err
	}
	b, err := a.Payments.Bill(ctx, paid.Bill)
	if err != nil {
		return err
	}
	if b.PayerFIN == "" {
		return nil // a business's or a foreigner's bill: their own channels, later
	}
	_, err = a.Notify.Send(ctx, tx, notify.Message{To: notify.Recipient{FIN: b.PayerFIN, Lang: lang.AZ},
		Template: "payments.paid", Kind: notify.KindPayment, IdempotencyKey: "payments:paid:" + b.Number,
		Values: map[string]string{"bill": b.Number, "amount": manat(paid.Amount)}})
	return err
}

// tellDemoFines tells the demo people of the fines seeded for them.
func (a *App) tellDemoFines(ctx context.Context, fin string) error {
	bills, err := a.Payments.BillsOf(ctx, fin)
	if err != nil {
		return err
	}
	return a.DB.Tx(ctx, func(tx *sql.Tx) error {
		for _, b := range bills {
			if b.Kind != payments.KindFine || b.Status != payments.StatusOpen {
				continue
			}
			if _, err := a.Notify.Send(ctx, tx, notify.Message{To: notify.Recipient{FIN: fin, Lang: lang.AZ},
				Template: "payments.fine_issued", Kind: notify.KindPayment, IdempotencyKey: "payments:fine:" + b.Number,
				Values: map[string]string{"bill": b.Number, "description": b.Description, "amount": manat(b.Amount),
					"due": b.DueAt.In(web.Baku).Format("02.01.2006")}}); err != nil {
				return err
			}
		}
		return nil
	})
}
