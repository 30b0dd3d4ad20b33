package govstack

import (
	"net/http"

	"github.com/egov/egov/internal/errs"
)

// The organisation's individuals: the same for /config and /service.

func (s *Service) consentIndividualCreate(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, _ string) (any, error) {
		var in struct{ Individual *cIndividual }
		if err := decode(w, r, &in); err != nil || in.Individual == nil {
			return nil, errs.E(errs.Invalid, "govstack.error.bad_json")
		}
		i, err := s.consent.CreateIndividual(r.Context(), org, individualFrom(*in.Individual))
		if err != nil {
			return nil, err
		}
		if err := s.trackIndividuals(r, "GovStack Consent: individual", i.ID); err != nil {
			return nil, err
		}
		return map[string]any{"individual": individualWire(i)}, nil
	})
}

func (s *Service) consentIndividualRead(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, _ string) (any, error) {
		i, err := s.consent.Individual(r.Context(), org, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		if err := s.trackIndividuals(r, "GovStack Consent: individual", i.ID); err != nil {
			return nil, err
		}
		return map[string]any{"individual": individualWire(i)}, nil
	})
}

func (s *Service) consentIndividualUpdate(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, _ string) (any, error) {
		var in struct{ Individual *cIndividual }
		if err := decode(w, r, &in); err != nil || in.Individual == nil {
			return nil, errs.E(errs.Invalid, "govstack.error.bad_json")
		}
		i, err := s.consent.UpdateIndividual(r.Context(), org, r.PathValue("id"), individualFrom(*in.Individual))
		if err != nil {
			return nil, err
		}
		if err := s.trackIndividuals(r, "GovStack Consent: individual", i.ID); err != nil {
			return nil, err
		}
		return map[string]any{"individual": individualWire(i)}, nil
	})
}

func (s *Service) consentIndividuals(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, _ string) (any, error) {
		page, err := consentPage(r)
		if err != nil {
			return nil, err
		}
		list, err := s.consent.Individuals(r.Context(), org, page)
		if err != nil {
			return nil, err
		}
		out, ids := []*cIndividual{}, []string{}
		for _, i := range list {
			out, ids = append(out, individualWire(i)), append(ids, i.ID)
		}
		if err := s.trackIndividuals(r, "GovStack Consent: individuals", ids...); err != nil {
			return nil, err
		}
		return map[string]any{"individuals": out}, nil
	})
}
