package govstack

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/lang"
)

// The Registration block's catalogue (specs/registration-api.json):
// services and their e-forms, read from egov's catalog in the language of
// Accept-Language (Azerbaijani by default). A service's id is a UUID
// derived from its slug, so it stays the same on every replica and start;
// a service with an online form has one e-form, version 1, whose id is
// derived the same way.

var (
	serviceIDs = uuid.MustParse("3c9f4a4e-5d0b-4b8e-9a59-2f0a1d6c7e11") // namespace of service ids
	eFormIDs   = uuid.MustParse("8e2b7c1d-0f4a-4e6b-b3d5-6a9c2e1f4d70") // namespace of e-form ids
)

func serviceID(slug string) string { return uuid.NewSHA1(serviceIDs, []byte(slug)).String() }
func eFormID(slug string) string   { return uuid.NewSHA1(eFormIDs, []byte(slug)).String() }

type property struct {
	Code  string `json:"code"`
	Value string `json:"value"`
}

type registrationService struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Version      string     `json:"version"`
	Type         string     `json:"type"`
	IsExecutable bool       `json:"isExecutable"`
	IsClosed     bool       `json:"isClosed"`
	Description  string     `json:"description"`
	ServiceBody  []property `json:"serviceBody"`
}

type eForm struct {
	EFormID     string         `json:"eFormId"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Version     string         `json:"version"`
	Latest      bool           `json:"latest"`
	Schema      map[string]any `json:"schema,omitempty"`
}

func online(s *catalog.Service) bool { return s.HasChannel(catalog.Online) && len(s.Form) > 0 }

func serviceOf(s *catalog.Service, l lang.Lang) registrationService {
	body := []property{{"slug", s.Slug}, {"agency", s.Agency}, {"feeQepik", strconv.FormatInt(s.FeeQepik, 10)},
		{"deadlineWorkingDays", strconv.Itoa(s.DeadlineDays)}}
	for _, c := range s.Channels {
		body = append(body, property{"channel", string(c)})
	}
	return registrationService{ID: serviceID(s.Slug), Name: s.Name.In(l), Version: "1", Type: "Public",
		IsExecutable: online(s), Description: s.Summary.In(l), ServiceBody: body}
}

// serviceByID finds the catalog service whose derived id is id.
func (s *Service) serviceByID(id string) (*catalog.Service, error) {
	for _, svc := range s.catalog.Services(lang.Default, catalog.Filter{}) {
		if serviceID(svc.Slug) == id {
			return svc, nil
		}
	}
	return nil, errs.E(errs.NotFound, "govstack.error.no_service")
}

func (s *Service) registrationServices(w http.ResponseWriter, r *http.Request) {
	l := lang.FromAcceptLanguage(r.Header.Get("Accept-Language"))
	name := strings.ToLower(r.URL.Query().Get("name"))
	out := []registrationService{}
	for _, svc := range s.catalog.Services(l, catalog.Filter{}) {
		if name != "" && !strings.Contains(strings.ToLower(strings.Join(svc.Name.All(), "\n")), name) {
			continue
		}
		out = append(out, serviceOf(svc, l))
	}
	answer(w, http.StatusOK, out)
}

func (s *Service) registrationService(w http.ResponseWriter, r *http.Request) {
	svc, err := s.serviceByID(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answer(w, http.StatusOK, serviceOf(svc, lang.FromAcceptLanguage(r.Header.Get("Accept-Language"))))
}

func (s *Service) serviceEForms(w http.ResponseWriter, r *http.Request) {
	svc, err := s.serviceByID(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := lang.FromAcceptLanguage(r.Header.Get("Accept-Language"))
	out := []eForm{}
	if online(svc) {
		out = append(out, eForm{EFormID: eFormID(svc.Slug), Name: svc.Name.In(l), Description: svc.Summary.In(l), Version: "1", Latest: true})
	}
	answer(w, http.StatusOK, out)
}

func (s *Service) eForm(w http.ResponseWriter, r *http.Request) {
	l := lang.FromAcceptLanguage(r.Header.Get("Accept-Language"))
	for _, svc := range s.catalog.Services(l, catalog.Filter{}) {
		if !online(svc) || eFormID(svc.Slug) != r.PathValue("id") {
			continue
		}
		f, err := forms.Parse(svc.Form)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		answer(w, http.StatusOK, eForm{EFormID: eFormID(svc.Slug), Name: svc.Name.In(l), Description: svc.Summary.In(l),
			Version: "1", Latest: true, Schema: jsonSchemaOf(f, l)})
		return
	}
	s.fail(w, r, errs.E(errs.NotFound, "govstack.error.no_eform"))
}
