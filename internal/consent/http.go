package consent

import (
	"embed"
	"net/http"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

// HTTP serves the cabinet's page of a person's consent records.
type HTTP struct {
	svc   *Service
	site  *web.Site
	pages *web.Pages
}

// NewHTTP builds the handlers and adds the module's messages to the site.
func NewHTTP(svc *Service, site *web.Site) *HTTP {
	site.Messages.MustLoad(Locales, "locales")
	return &HTTP{svc: svc, site: site, pages: site.Pages(templatesFS, "templates")}
}

// Routes registers the module's routes.
func (h *HTTP) Routes(rt *web.Router) {
	people := web.Roles(identity.RoleCitizen)
	rt.HandleFunc("GET /cabinet/consents/agreements", people, h.agreements)
	rt.HandleFunc("POST /cabinet/consents/agreements/{id}/withdraw", people, h.withdraw)
}

type agreementsData struct {
	Given     []*PersonRecord
	Withdrawn []*PersonRecord
	Notice    bool
}

// agreements lists the consents the person gave to organisations through
// the Consent building block, newest first: those in force, with a
// button to withdraw each, then those withdrawn.
func (h *HTTP) agreements(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	d := agreementsData{Notice: r.URL.Query().Get("withdrawn") != ""}
	if p.FIN != "" {
		list, err := h.svc.PersonRecords(r.Context(), p.FIN)
		if err != nil {
			h.site.Error(w, r, err)
			return
		}
		for _, rec := range list {
			if rec.OptIn {
				d.Given = append(d.Given, rec)
			} else {
				d.Withdrawn = append(d.Withdrawn, rec)
			}
		}
	}
	v := h.site.View(r, "consent.cabinet.title", d)
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.T("nav.cabinet"), URL: "/cabinet"},
		{Label: v.T("oidc.consents.title"), URL: "/cabinet/consents"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "agreements", v)
}

// withdraw withdraws one consent: the same change as the block's update
// to opt-out, signed as the person's, which the organisation's webhooks
// hear of.
func (h *HTTP) withdraw(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	if p.FIN == "" {
		h.site.Error(w, r, errs.E(errs.Forbidden, "consent.error.person_only"))
		return
	}
	if err := h.svc.Withdraw(r.Context(), p.FIN, r.PathValue("id")); err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/consents/agreements?withdrawn=1", http.StatusSeeOther)
}
