package govstack

import (
	"net/http"
	"strconv"

	"github.com/egov/egov/internal/consent"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
)

// SpecConsent is the Consent building block's specification.
const SpecConsent = "consent-api.yaml"

// HeaderIndividual names the individual an operation acts for, where the
// specification says "Individual ID supplied as HTTP header" without
// naming the header (the name is the reference implementation's).
const HeaderIndividual = "X-ConsentBB-IndividualId"

// organisation is the calling organisation (the client's member, which
// owns what it creates) and the calling system (its subsystem).
func organisation(r *http.Request) (org, by string, err error) {
	c, err := gateway.ParseClientID(r.Header.Get(gateway.HeaderClient))
	if err != nil || !c.IsSubsystem() {
		return "", "", errs.E(errs.Unauthenticated, "govstack.error.no_client")
	}
	return c.MemberID().String(), c.String(), nil
}

// consentPage reads offset and limit (0 or more; limit at most 100).
func consentPage(r *http.Request) (consent.Page, error) {
	var p consent.Page
	for name, dst := range map[string]*int{"offset": &p.Offset, "limit": &p.Limit} {
		v := r.URL.Query().Get(name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || name == "limit" && n > consent.MaxLimit {
			return p, errs.E(errs.Invalid, "consent.error.bad_page").Field(name, "consent.error.bad_page")
		}
		*dst = n
	}
	return p, nil
}

// consentCall runs an operation for the calling organisation.
func (s *Service) consentCall(w http.ResponseWriter, r *http.Request, op func(org, by string) (any, error)) {
	org, by, err := organisation(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := op(org, by)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if out == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	answer(w, http.StatusOK, out)
}

// --- policies

func (s *Service) consentPolicyCreate(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, by string) (any, error) {
		var in struct{ Policy *cPolicy }
		if err := decode(w, r, &in); err != nil || in.Policy == nil {
			return nil, errs.E(errs.Invalid, "govstack.error.bad_json")
		}
		p, rev, err := s.consent.CreatePolicy(r.Context(), org, by, policyFrom(*in.Policy))
		if err != nil {
			return nil, err
		}
		return map[string]any{"policy": policyWire(p), "revision": revisionWire(rev)}, nil
	})
}

func (s *Service) consentPolicyRead(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, _ string) (any, error) {
		p, rev, err := s.consent.Policy(r.Context(), org, r.PathValue("id"), r.URL.Query().Get("revisionId"))
		if err != nil {
			return nil, err
		}
		return map[string]any{"policy": policyWire(p), "revision": revisionWire(rev)}, nil
	})
}

func (s *Service) consentPolicyUpdate(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, by string) (any, error) {
		var in struct{ Policy *cPolicy }
		if err := decode(w, r, &in); err != nil || in.Policy == nil {
			return nil, errs.E(errs.Invalid, "govstack.error.bad_json")
		}
		p, rev, err := s.consent.UpdatePolicy(r.Context(), org, by, r.PathValue("id"), policyFrom(*in.Policy))
		if err != nil {
			return nil, err
		}
		return map[string]any{"policy": policyWire(p), "revision": revisionWire(rev)}, nil
	})
}

func (s *Service) consentPolicyDelete(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, by string) (any, error) {
		rev, err := s.consent.DeletePolicy(r.Context(), org, by, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return map[string]any{"revision": revisionWire(rev)}, nil
	})
}

// consentPolicyRevisions answers the policy (as the specification
// declares) and, as egov's extra field, its revisions.
func (s *Service) consentPolicyRevisions(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, _ string) (any, error) {
		page, err := consentPage(r)
		if err != nil {
			return nil, err
		}
		p, revs, err := s.consent.PolicyRevisions(r.Context(), org, r.PathValue("id"), page)
		if err != nil {
			return nil, err
		}
		return map[string]any{"policy": policyWire(p), "revisions": revisionsWire(revs)}, nil
	})
}

func (s *Service) consentPolicies(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, _ string) (any, error) {
		page, err := consentPage(r)
		if err != nil {
			return nil, err
		}
		list, err := s.consent.Policies(r.Context(), org, page)
		if err != nil {
			return nil, err
		}
		out := []*cPolicy{}
		for _, p := range list {
			out = append(out, policyWire(p))
		}
		return map[string]any{"policies": out}, nil
	})
}

// --- data agreements

func (s *Service) consentAgreementCreate(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, by string) (any, error) {
		var in struct{ DataAgreement *cAgreement }
		if err := decode(w, r, &in); err != nil || in.DataAgreement == nil {
			return nil, errs.E(errs.Invalid, "govstack.error.bad_json")
		}
		a, rev, err := s.consent.CreateAgreement(r.Context(), org, by, agreementFrom(*in.DataAgreement))
		if err != nil {
			return nil, err
		}
		return map[string]any{"dataAgreement": s.agreementWire(r.Context(), a), "revision": revisionWire(rev)}, nil
	})
}

// consentAgreementRead reads an agreement: the caller's own (config), or
// any organisation's that is not deleted (service: an agreement is what
// anyone may be asked to consent to).
func (s *Service) consentAgreementRead(own bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.consentCall(w, r, func(org, _ string) (any, error) {
			f := consent.AgreementFilter{}
			if own {
				f.Owner = org
			}
			a, rev, err := s.consent.Agreement(r.Context(), f, r.PathValue("id"))
			if err != nil {
				return nil, err
			}
			return map[string]any{"dataAgreement": s.agreementWire(r.Context(), a), "revision": revisionWire(rev)}, nil
		})
	}
}

func (s *Service) consentAgreementUpdate(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, by string) (any, error) {
		var in struct{ DataAgreement *cAgreement }
		if err := decode(w, r, &in); err != nil || in.DataAgreement == nil {
			return nil, errs.E(errs.Invalid, "govstack.error.bad_json")
		}
		a, rev, err := s.consent.UpdateAgreement(r.Context(), org, by, r.PathValue("id"), agreementFrom(*in.DataAgreement))
		if err != nil {
			return nil, err
		}
		return map[string]any{"dataAgreement": s.agreementWire(r.Context(), a), "revision": revisionWire(rev)}, nil
	})
}

func (s *Service) consentAgreementDelete(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, by string) (any, error) {
		rev, err := s.consent.DeleteAgreement(r.Context(), org, by, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return map[string]any{"revision": revisionWire(rev)}, nil
	})
}

// consentAgreements lists agreements under key: the caller's own
// (config), the active ones of every organisation (verification), or
// all, deleted ones too (audit).
func (s *Service) consentAgreements(key string, filter func(org string) consent.AgreementFilter) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.consentCall(w, r, func(org, _ string) (any, error) {
			page, err := consentPage(r)
			if err != nil {
				return nil, err
			}
			list, err := s.consent.Agreements(r.Context(), filter(org), page)
			if err != nil {
				return nil, err
			}
			out := []*cAgreement{}
			for _, a := range list {
				out = append(out, s.agreementWire(r.Context(), a))
			}
			return map[string]any{key: out}, nil
		})
	}
}
