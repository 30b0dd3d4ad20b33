package evisa

import (
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"

	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed locales/*.json
var localesFS embed.FS

// HTTP serves the applicant's, the migration service's and the border's
// pages.
type HTTP struct {
	svc   *Service
	site  *web.Site
	pages *web.Pages
}

// NewHTTP builds the handlers and adds the module's messages to the site.
func NewHTTP(svc *Service, site *web.Site) *HTTP {
	site.Messages.MustLoad(localesFS, "locales")
	return &HTTP{svc: svc, site: site, pages: site.Pages(templatesFS, "templates")}
}

// migrationOfficials are the migration service's operators and
// supervisors; officials of other agencies are refused.
var migrationOfficials = web.Access{Name: "agency:" + Agency, Allow: func(p *web.Principal) bool {
	return p != nil && p.Agency == Agency && (p.Has(identity.RoleAgencyOperator) || p.Has(identity.RoleAgencySupervisor))
}}

// borderOfficers check visas and record crossings.
var borderOfficers = web.Roles(identity.RoleBorderOfficer)

// Routes registers every route of the module.
func (h *HTTP) Routes(rt *web.Router) {
	// Applying needs no account: the draft's secret token is its key.
	rt.HandleFunc("GET /e-visa", web.Public, h.start)
	rt.HandleFunc("POST /e-visa", web.Public, h.create)
	rt.HandleFunc("GET /e-visa/apply/{token}", web.Public, h.draft)
	rt.HandleFunc("POST /e-visa/apply/{token}/people", web.Public, h.addPerson)
	rt.HandleFunc("POST /e-visa/apply/{token}/people/{id}/remove", web.Public, h.removePerson)
	rt.HandleFunc("POST /e-visa/apply/{token}/submit", web.Public, h.submit)
	rt.HandleFunc("GET /e-visa/status", web.Public, h.statusForm)
	rt.HandleFunc("POST /e-visa/status", web.Public, h.status)
	rt.HandleFunc("POST /e-visa/status/pdf", web.Public, h.pdf)

	rt.HandleFunc("GET /office/e-visa", migrationOfficials, h.queue)
	rt.HandleFunc("GET /office/e-visa/people/{id}", migrationOfficials, h.person)
	rt.HandleFunc("POST /office/e-visa/people/{id}/decide", migrationOfficials, h.decide)
	rt.HandleFunc("GET /office/e-visa/watch-list", migrationOfficials, h.watchList)
	rt.HandleFunc("POST /office/e-visa/watch-list", migrationOfficials, h.addWatchEntry)
	rt.HandleFunc("POST /office/e-visa/watch-list/{id}/remove", migrationOfficials, h.removeWatchEntry)

	rt.HandleFunc("GET /border", borderOfficers, h.border)
	rt.HandleFunc("POST /border/check", borderOfficers, h.check)
	rt.HandleFunc("POST /border/entry", borderOfficers, h.entry)
	rt.HandleFunc("POST /border/exit", borderOfficers, h.exit)
	rt.HandleFunc("GET /border/overstays", borderOfficers, h.overstays)
}

func staffOf(r *http.Request) Staff {
	p := web.PrincipalOf(r.Context())
	return Staff{Subject: p.Subject, Agency: p.Agency}
}

// photoURL is a person's photo inline, so that only the page that shows
// it (with its access and audit) ever hands it out.
func (h *HTTP) photoURL(r *http.Request, p *Person) template.URL {
	b, err := h.svc.PhotoOf(r.Context(), p)
	if err != nil {
		h.site.Logger.Warn("evisa: photo", "person", p.ID, "err", err)
		return ""
	}
	return template.URL("data:" + p.PhotoType + ";base64," + base64.StdEncoding.EncodeToString(b))
}
