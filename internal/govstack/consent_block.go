package govstack

import (
	"encoding/json"
	"net/http"

	"github.com/egov/egov/internal/consent"
)

// The consent block's errors are the consent module's messages
// (internal/consent/locales), answered in English as the other blocks'.
func init() {
	raw, err := consent.Locales.ReadFile("locales/en.json")
	if err != nil {
		panic(err)
	}
	var en map[string]string
	if err := json.Unmarshal(raw, &en); err != nil {
		panic(err)
	}
	for k, v := range en {
		if _, ok := details[k]; !ok {
			details[k] = v
		}
	}
}

func ownAgreements(org string) consent.AgreementFilter { return consent.AgreementFilter{Owner: org} }

func activeAgreements(string) consent.AgreementFilter {
	return consent.AgreementFilter{ActiveOnly: true}
}

func allAgreements(string) consent.AgreementFilter { return consent.AgreementFilter{Deleted: true} }

// consentServicePolicy reads any organisation's policy: the one an
// agreement someone is asked to consent to is made under.
func (s *Service) consentServicePolicy(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(string, string) (any, error) {
		p, rev, err := s.consent.Policy(r.Context(), "", r.PathValue("id"), r.URL.Query().Get("revisionId"))
		if err != nil {
			return nil, err
		}
		return map[string]any{"policy": policyWire(p), "revision": revisionWire(rev)}, nil
	})
}

// trackIndividuals records in the data tracker that the caller was
// answered about the individuals that are persons (a FIN), before the
// answer goes.
func (s *Service) trackIndividuals(r *http.Request, what string, ids ...string) error {
	var fins []string
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		if fin := s.consent.FINOf(r.Context(), id); fin != "" {
			fins = append(fins, fin)
		}
	}
	return s.recordPersonalData(r.Context(), r, what, fins)
}
