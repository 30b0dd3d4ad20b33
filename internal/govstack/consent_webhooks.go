package govstack

import (
	"net/http"

	"github.com/egov/egov/internal/consent"
	"github.com/egov/egov/internal/errs"
)

// The organisation's webhooks (consent.Service.Subscribe posts them).

func (s *Service) consentWebhookCreate(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, _ string) (any, error) {
		var in struct{ Webhook *cWebhook }
		if err := decode(w, r, &in); err != nil || in.Webhook == nil {
			return nil, errs.E(errs.Invalid, "govstack.error.bad_json")
		}
		wh, err := s.consent.CreateWebhook(r.Context(), org, webhookFrom(*in.Webhook))
		if err != nil {
			return nil, err
		}
		return map[string]any{"webhook": webhookWire(wh, false)}, nil
	})
}

func webhookFrom(w cWebhook) consent.Webhook {
	return consent.Webhook{PayloadURL: w.PayloadURL, ContentType: w.ContentType, Disabled: w.Disabled, SecretKey: w.SecretKey}
}

func (s *Service) consentWebhookRead(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, _ string) (any, error) {
		wh, err := s.consent.Webhook(r.Context(), org, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return map[string]any{"webhook": webhookWire(wh, false)}, nil
	})
}

func (s *Service) consentWebhookUpdate(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, _ string) (any, error) {
		var in struct{ Webhook *cWebhook }
		if err := decode(w, r, &in); err != nil || in.Webhook == nil {
			return nil, errs.E(errs.Invalid, "govstack.error.bad_json")
		}
		wh, err := s.consent.UpdateWebhook(r.Context(), org, r.PathValue("id"), webhookFrom(*in.Webhook))
		if err != nil {
			return nil, err
		}
		return map[string]any{"webhook": webhookWire(wh, false)}, nil
	})
}

func (s *Service) consentWebhookDelete(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, _ string) (any, error) {
		return nil, s.consent.DeleteWebhook(r.Context(), org, r.PathValue("id"))
	})
}

func (s *Service) consentWebhooks(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, _ string) (any, error) {
		page, err := consentPage(r)
		if err != nil {
			return nil, err
		}
		list, err := s.consent.Webhooks(r.Context(), org, page)
		if err != nil {
			return nil, err
		}
		out := []*cWebhook{}
		for _, wh := range list {
			out = append(out, webhookWire(wh, false))
		}
		return map[string]any{"webhooks": out}, nil
	})
}
