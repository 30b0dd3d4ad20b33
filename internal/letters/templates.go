package letters

import (
	"context"
	"fmt"

	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
)

// Templates are the messages the module sends to the person: when a state
// body answers their letter, extends its deadline, or writes to them.
// Every text uses the placeholders {{number}}, {{agency}} and {{subject}}.
var Templates = []notify.Template{
	{Owner: notify.PlatformOwner, Key: "letters.answered",
		Subject: lang.Text{AZ: "Məktubunuza cavab gəldi: {{number}}", EN: "Your letter has been answered: {{number}}", RU: "На ваше письмо ответили: {{number}}"},
		Body: lang.Text{
			AZ: "{{agency}} «{{subject}}» mövzusunda {{number}} nömrəli məktubunuza cavab verdi. Cavabı şəxsi kabinetdə, «Məktublarım» bölməsində oxuya bilərsiniz.",
			EN: "{{agency}} has answered your letter {{number}} about “{{subject}}”. Read the answer in your cabinet, under “My letters”.",
			RU: "Государственный орган ({{agency}}) ответил на ваше письмо {{number}} на тему «{{subject}}». Ответ можно прочитать в личном кабинете, в разделе «Мои письма».",
		}},
	{Owner: notify.PlatformOwner, Key: "letters.extended",
		Subject: lang.Text{AZ: "Məktubunuza baxılma müddəti uzadıldı: {{number}}", EN: "More time needed for your letter: {{number}}", RU: "Срок ответа на ваше письмо продлён: {{number}}"},
		Body: lang.Text{
			AZ: "{{agency}} «{{subject}}» mövzusunda {{number}} nömrəli məktubunuza cavab vermək üçün əlavə vaxt lazım olduğunu bildirdi. Yeni son tarixi və səbəbi şəxsi kabinetdə, məktubun səhifəsində görə bilərsiniz.",
			EN: "{{agency}} says it needs more time to answer your letter {{number}} about “{{subject}}”. See the new date and the reason on the letter's page in your cabinet.",
			RU: "Государственный орган ({{agency}}) продлил срок ответа на ваше письмо {{number}} на тему «{{subject}}». Новый срок и причина указаны на странице письма в личном кабинете.",
		}},
	{Owner: notify.PlatformOwner, Key: "letters.received",
		Subject: lang.Text{AZ: "Sizə rəsmi məktub gəldi: {{number}}", EN: "You have an official letter: {{number}}", RU: "Вам пришло официальное письмо: {{number}}"},
		Body: lang.Text{
			AZ: "{{agency}} sizə «{{subject}}» mövzusunda {{number}} nömrəli məktub göndərdi. Məktubu şəxsi kabinetdə, «Məktublarım» bölməsinin «Gələnlər» qovluğunda oxuya bilərsiniz.",
			EN: "{{agency}} has sent you the letter {{number}} about “{{subject}}”. Read it in your cabinet, in the “Received” folder under “My letters”.",
			RU: "Государственный орган ({{agency}}) направил вам письмо {{number}} на тему «{{subject}}». Прочитать его можно в личном кабинете, в папке «Входящие» раздела «Мои письма».",
		}},
}

// SeedTemplates saves the module's message templates (a no-op for those
// already current).
func SeedTemplates(ctx context.Context, n *notify.Service) error {
	if err := n.SaveTemplates(ctx, Templates); err != nil {
		return fmt.Errorf("letters: %w", err)
	}
	return nil
}
