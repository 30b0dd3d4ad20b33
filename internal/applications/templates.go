package applications

import (
	"context"
	"fmt"

	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
)

// Templates are the messages the module sends: to the applicant at each
// step, and to an agency's supervisors when an application is overdue.
var Templates = []notify.Template{
	{Owner: notify.PlatformOwner, Key: "applications.submitted",
		Subject: lang.Text{AZ: "Müraciətiniz qəbul edildi: {{number}}", EN: "Application received: {{number}}", RU: "Заявление принято: {{number}}"},
		Body: lang.Text{
			AZ: "«{{service}}» xidməti üzrə müraciətiniz {{number}} nömrəsi ilə qəbul edildi. Onun gedişini şəxsi kabinetdə, «Müraciətlərim» bölməsində izləyə bilərsiniz.",
			EN: "Your application for “{{service}}” was received with the number {{number}}. Follow its progress in your cabinet, under “My applications”.",
			RU: "Ваше заявление на услугу «{{service}}» принято под номером {{number}}. Следите за ним в личном кабинете, в разделе «Мои заявления».",
		}},
	{Owner: notify.PlatformOwner, Key: "applications.info_requested",
		Subject: lang.Text{AZ: "Əlavə məlumat lazımdır: {{number}}", EN: "More information needed: {{number}}", RU: "Нужны дополнительные сведения: {{number}}"},
		Body: lang.Text{
			AZ: "«{{service}}» üzrə {{number}} nömrəli müraciətinizə baxan qurum əlavə məlumat istəyir:\n\n{{message}}\n\nCavabı şəxsi kabinetdə müraciətin səhifəsindən göndərin.",
			EN: "The agency reviewing your application {{number}} for “{{service}}” asks for more information:\n\n{{message}}\n\nAnswer on the application's page in your cabinet.",
			RU: "Ведомство, рассматривающее ваше заявление {{number}} на услугу «{{service}}», просит дополнительные сведения:\n\n{{message}}\n\nОтветьте на странице заявления в личном кабинете.",
		}},
	{Owner: notify.PlatformOwner, Key: "applications.approved",
		Subject: lang.Text{AZ: "Müraciətiniz təsdiq edildi: {{number}}", EN: "Application approved: {{number}}", RU: "Заявление одобрено: {{number}}"},
		Body: lang.Text{
			AZ: "«{{service}}» üzrə {{number}} nömrəli müraciətiniz təsdiq edildi.\n\n{{message}}",
			EN: "Your application {{number}} for “{{service}}” was approved.\n\n{{message}}",
			RU: "Ваше заявление {{number}} на услугу «{{service}}» одобрено.\n\n{{message}}",
		}},
	{Owner: notify.PlatformOwner, Key: "applications.rejected",
		Subject: lang.Text{AZ: "Müraciətiniz rədd edildi: {{number}}", EN: "Application refused: {{number}}", RU: "В заявлении отказано: {{number}}"},
		Body: lang.Text{
			AZ: "«{{service}}» üzrə {{number}} nömrəli müraciətiniz rədd edildi. Səbəb:\n\n{{message}}\n\nQərardan razı deyilsinizsə, qurumun özünə və ya məhkəməyə şikayət edə bilərsiniz.",
			EN: "Your application {{number}} for “{{service}}” was refused. The reason:\n\n{{message}}\n\nIf you disagree, you can complain to the agency itself or to a court.",
			RU: "В заявлении {{number}} на услугу «{{service}}» отказано. Причина:\n\n{{message}}\n\nЕсли вы не согласны, вы можете обжаловать решение в самом ведомстве или в суде.",
		}},
	{Owner: notify.PlatformOwner, Key: "applications.withdrawn",
		Subject: lang.Text{AZ: "Müraciət geri götürüldü: {{number}}", EN: "Application withdrawn: {{number}}", RU: "Заявление отозвано: {{number}}"},
		Body: lang.Text{
			AZ: "«{{service}}» üzrə {{number}} nömrəli müraciətinizi geri götürdünüz. Bunu siz etməmisinizsə, dərhal bizə yazın.",
			EN: "You withdrew your application {{number}} for “{{service}}”. If this was not you, tell us at once.",
			RU: "Вы отозвали заявление {{number}} на услугу «{{service}}». Если это были не вы, немедленно сообщите нам.",
		}},
	{Owner: notify.PlatformOwner, Key: "applications.overdue",
		Subject: lang.Text{AZ: "Müddəti keçib: {{number}}", EN: "Past its deadline: {{number}}", RU: "Срок истёк: {{number}}"},
		Body: lang.Text{
			AZ: "«{{service}}» üzrə {{number}} nömrəli müraciətə baxılma müddəti {{due}} tarixində bitib, qərar hələ verilməyib. Onu arxa ofisdə açın.",
			EN: "The deadline of application {{number}} for “{{service}}” ended on {{due}} and it is not decided yet. Open it in the back office.",
			RU: "Срок рассмотрения заявления {{number}} на услугу «{{service}}» истёк {{due}}, а решение ещё не принято. Откройте его в бэк-офисе.",
		}},
}

// approvedNote closes the message of an approval given without a reason.
var approvedNote = lang.Text{
	AZ: "Nəticə sənədi hazır olanda kabinetinizə göndəriləcək.",
	EN: "The resulting document will be sent to your cabinet when it is ready.",
	RU: "Итоговый документ поступит в ваш кабинет, когда будет готов.",
}

// SeedTemplates saves the module's message templates (a no-op for those
// already current).
func SeedTemplates(ctx context.Context, n *notify.Service) error {
	if err := n.SaveTemplates(ctx, Templates); err != nil {
		return fmt.Errorf("applications: %w", err)
	}
	return nil
}
