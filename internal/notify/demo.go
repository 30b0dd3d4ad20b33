package notify

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/egov/egov/internal/lang"
)

// DemoTemplates are the templates the demo's messages use, until the
// applications and payments modules bring their own.
var DemoTemplates = []Template{
	{
		Owner: PlatformOwner,
		Key:   "applications.status_changed",
		Subject: lang.Text{
			AZ: "{{number}} nömrəli müraciət: {{status}}",
			EN: "Application {{number}}: {{status}}",
			RU: "Заявление {{number}}: {{status}}",
		},
		Body: lang.Text{
			AZ: "{{service}} üzrə {{number}} nömrəli müraciətinizin vəziyyəti dəyişdi: {{status}}.\n\nTəfərrüatlar şəxsi kabinetinizdədir.",
			EN: "The status of your application {{number}} for {{service}} has changed: {{status}}.\n\nSee the details in your personal cabinet.",
			RU: "Статус вашего заявления {{number}} на услугу «{{service}}» изменился: {{status}}.\n\nПодробности — в личном кабинете.",
		},
	},
	{
		Owner: PlatformOwner,
		Key:   "payments.received",
		Subject: lang.Text{
			AZ: "Ödəniş qəbul edildi: {{amount}}",
			EN: "Payment received: {{amount}}",
			RU: "Платёж получен: {{amount}}",
		},
		Body: lang.Text{
			AZ: "{{service}} üçün {{amount}} məbləğində ödənişiniz qəbul edildi. Qəbz nömrəsi: {{receipt}}.",
			EN: "Your payment of {{amount}} for {{service}} has been received. Receipt number: {{receipt}}.",
			RU: "Ваш платёж на сумму {{amount}} за услугу «{{service}}» получен. Номер квитанции: {{receipt}}.",
		},
	},
}

// SeedDemo saves the demo templates and puts an application message and a
// payment message in the inbox of the person with fin, rendered in l.
// It is idempotent: a second call adds nothing.
func (s *Service) SeedDemo(ctx context.Context, fin string, l lang.Lang) error {
	for _, t := range DemoTemplates {
		if _, err := s.SaveTemplate(ctx, t); err != nil {
			return fmt.Errorf("notify: seed %s: %w", t.Key, err)
		}
	}
	status := map[lang.Lang]string{lang.AZ: "baxılır", lang.EN: "under review", lang.RU: "на рассмотрении"}[l]
	service := map[lang.Lang]string{lang.AZ: "Şəxsiyyət vəsiqəsinin verilməsi", lang.EN: "Identity card", lang.RU: "Выдача удостоверения личности"}[l]
	msgs := []Message{
		{Template: "applications.status_changed", Kind: KindApplication, IdempotencyKey: "demo:" + fin + ":application",
			Values: map[string]string{"number": "A-2026-000123", "service": service, "status": status}},
		{Template: "payments.received", Kind: KindPayment, IdempotencyKey: "demo:" + fin + ":payment",
			Values: map[string]string{"amount": "5,00 AZN", "service": service, "receipt": "P-2026-004567"}},
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, m := range msgs {
			m.To = Recipient{FIN: fin, Lang: l}
			if _, err := s.Send(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	})
}
