package notify

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
)

// ContactCodeTemplate is the platform template of a contact verification
// code; its placeholder is {{code}}.
const ContactCodeTemplate = "identity.contact_code"

// PlatformTemplates are the platform's own templates, saved by Seed.
var PlatformTemplates = []Template{{
	Owner: PlatformOwner,
	Key:   ContactCodeTemplate,
	Subject: lang.Text{
		AZ: "Təsdiq kodu: {{code}}",
		EN: "Your confirmation code: {{code}}",
		RU: "Код подтверждения: {{code}}",
	},
	Body: lang.Text{
		AZ: "Əlaqə məlumatınızı təsdiqləmək üçün kod: {{code}}\n\nKod 15 dəqiqə etibarlıdır. Bu kodu heç kimə deməyin. Kodu siz istəməmisinizsə, bu məktubu nəzərə almayın.",
		EN: "Your code to confirm this contact detail: {{code}}\n\nThe code is valid for 15 minutes. Do not share it with anyone. If you did not ask for it, ignore this message.",
		RU: "Код для подтверждения контактных данных: {{code}}\n\nКод действителен 15 минут. Никому его не сообщайте. Если вы не запрашивали код, не обращайте внимания на это сообщение.",
	},
}}

// Seed saves the platform templates (a no-op for those already current).
func (s *Service) Seed(ctx context.Context) error {
	for _, t := range PlatformTemplates {
		if _, err := s.SaveTemplate(ctx, t); err != nil {
			return fmt.Errorf("notify: seed %s: %w", t.Key, err)
		}
	}
	return nil
}

// SendSecurityCode sends a contact verification code to exactly the
// address in to for channel ("email": to.Email, "sms": to.Phone), in the
// caller's transaction, whatever the person's channel choices. The other
// address is ignored. Each code is its own message (the idempotency key
// is derived from the channel, address and code).
func (s *Service) SendSecurityCode(ctx context.Context, tx *sql.Tx, to Recipient, channel, code string) error {
	switch channel {
	case ChannelEmail:
		to.Phone = ""
	case ChannelSMS:
		to.Email = ""
	default:
		return errs.E(errs.Invalid, "notify.error.channel").Field("channel", "notify.error.channel")
	}
	if code == "" {
		return errs.E(errs.Invalid, "notify.error.missing_value")
	}
	address := to.Email + to.Phone
	_, err := s.Send(ctx, tx, Message{
		To:             to,
		Template:       ContactCodeTemplate,
		Values:         map[string]string{"code": code},
		Kind:           KindSecurity,
		IdempotencyKey: "contact-code:" + channel + ":" + address + ":" + code,
	})
	return err
}
