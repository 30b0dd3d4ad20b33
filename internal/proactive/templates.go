package proactive

import (
	"context"
	"fmt"

	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
)

// Templates are the notices the seeded rules send. A notice's values are
// the event's facts (child, plate, date, …) and the action's title.
var Templates = []notify.Template{
	{Owner: notify.PlatformOwner, Key: "proactive.birth_registered",
		Subject: lang.Text{AZ: "Uşağınızın doğumu qeydə alındı", EN: "Your child's birth is registered", RU: "Рождение вашего ребёнка зарегистрировано"},
		Body: lang.Text{
			AZ: "{{date}} tarixində doğulan uşağınızın (FİN {{child}}) doğumu qeydə alındı. Təbrik edirik! Dövlət ərizə gözləmədən doğum haqqında şəhadətnaməni verdi və birdəfəlik müavinəti təyin etdi. Hamısını şəxsi kabinetdə, «Sizin üçün» bölməsində görə bilərsiniz.",
			EN: "The birth of your child (FIN {{child}}) on {{date}} is registered. Congratulations! Without waiting for an application, the state issued the birth certificate and assigned the one-time benefit. See it all in your cabinet, under “For you”.",
			RU: "Рождение вашего ребёнка (ФИН {{child}}) {{date}} зарегистрировано. Поздравляем! Не дожидаясь заявления, государство выдало свидетельство о рождении и назначило единовременное пособие. Всё это — в личном кабинете, в разделе «Для вас».",
		}},
	{Owner: notify.PlatformOwner, Key: "proactive.inspection_due",
		Subject: lang.Text{AZ: "Texniki baxış vaxtı yaxınlaşır: {{plate}}", EN: "Vehicle inspection due soon: {{plate}}", RU: "Скоро техосмотр: {{plate}}"},
		Body: lang.Text{
			AZ: "{{plate}} nömrəli avtomobilinizin texniki baxışı {{date}} tarixinədək keçirilməlidir. Texniki baxışa onlayn yazıla bilərsiniz: «Avtomobilin texniki baxışı» xidməti.",
			EN: "Your vehicle {{plate}} must pass its technical inspection by {{date}}. You can book the inspection online: the “Vehicle inspection” service.",
			RU: "Ваш автомобиль {{plate}} должен пройти техосмотр до {{date}}. Записаться можно онлайн: услуга «Техосмотр автомобиля».",
		}},
}

// SeedTemplates saves Templates (a new version only where one changed).
func SeedTemplates(ctx context.Context, n *notify.Service) error {
	if err := n.SaveTemplates(ctx, Templates); err != nil {
		return fmt.Errorf("proactive: %w", err)
	}
	return nil
}
