package evisa

import (
	"context"
	"fmt"

	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
)

// Templates are the e-mails to the applicant: the visa, with its PDF,
// or the refusal with its reason.
var Templates = []notify.Template{
	{Owner: notify.PlatformOwner, Key: "evisa.issued",
		Subject: lang.Text{AZ: "Elektron vizanız: {{visa}}", EN: "Your e-visa: {{visa}}", RU: "Ваша электронная виза: {{visa}}"},
		Body: lang.Text{
			AZ: "{{number}} nömrəli müraciət üzrə {{name}} üçün elektron viza verildi. Viza nömrəsi: {{visa}}, qüvvədədir: {{from}} – {{until}}, bir giriş, 30 günədək qalma. Vizanı çap edin və ya telefonda saxlayın: PDF bu məktuba əlavə olunub. Sərhəddə onu pasportla birlikdə təqdim edin.",
			EN: "An e-visa was issued to {{name}} on application {{number}}. Visa number: {{visa}}, valid {{from}} – {{until}}, one entry, a stay of up to 30 days. Print it or keep it on your phone: the PDF is attached. Show it at the border with your passport.",
			RU: "По заявлению {{number}} для {{name}} выдана электронная виза. Номер визы: {{visa}}, действует {{from}} – {{until}}, один въезд, пребывание до 30 дней. Распечатайте её или сохраните в телефоне: PDF приложен к письму. Предъявите её на границе вместе с паспортом.",
		}},
	{Owner: notify.PlatformOwner, Key: "evisa.refused",
		Subject: lang.Text{AZ: "Elektron viza verilmədi: {{number}}", EN: "E-visa refused: {{number}}", RU: "В электронной визе отказано: {{number}}"},
		Body: lang.Text{
			AZ: "{{number}} nömrəli müraciət üzrə {{name}} üçün elektron viza verilmədi. Səbəb:\n\n{{reason}}\n\nAzərbaycan Respublikasının səfirliyinə və ya konsulluğuna müraciət edə bilərsiniz.",
			EN: "The e-visa for {{name}} on application {{number}} was refused. The reason:\n\n{{reason}}\n\nYou may apply at an embassy or consulate of the Republic of Azerbaijan.",
			RU: "В электронной визе для {{name}} по заявлению {{number}} отказано. Причина:\n\n{{reason}}\n\nВы можете обратиться в посольство или консульство Азербайджанской Республики.",
		}},
}

// SeedTemplates saves the module's message templates (a no-op for those
// already current).
func SeedTemplates(ctx context.Context, n *notify.Service) error {
	if err := n.SaveTemplates(ctx, Templates); err != nil {
		return fmt.Errorf("evisa: %w", err)
	}
	return nil
}
