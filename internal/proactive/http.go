package proactive

import (
	"embed"
	"net/http"
	"strconv"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed locales/*.json
var localesFS embed.FS

// HTTP serves the cabinet's "for you" pages and the rule pages.
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

var (
	// People see what the state did for them and answer its offers.
	people = web.Roles(identity.RoleCitizen)
	// Rules are written by the platform's administrator and agencies'
	// supervisors (for their own agency).
	ruleWriters = web.Roles(identity.RoleAdmin, identity.RoleAgencySupervisor)
)

// Routes registers every route of the module.
func (h *HTTP) Routes(rt *web.Router) {
	rt.HandleFunc("GET /cabinet/for-you", people, h.forYou)
	rt.HandleFunc("GET /cabinet/for-you/{id}", people, h.record)
	rt.HandleFunc("POST /cabinet/for-you/{id}/accept", people, h.accept)
	rt.HandleFunc("POST /cabinet/for-you/{id}/decline", people, h.decline)

	rt.HandleFunc("GET /admin/rules", ruleWriters, h.rules)
	rt.HandleFunc("GET /admin/rules/new", ruleWriters, h.newRule)
	rt.HandleFunc("POST /admin/rules", ruleWriters, h.saveRule)
	rt.HandleFunc("GET /admin/rules/{id}/{version}", ruleWriters, h.rule)
	rt.HandleFunc("POST /admin/rules/{id}/{version}/test", ruleWriters, h.testRule)
	rt.HandleFunc("POST /admin/rules/{id}/{version}/dry-run", ruleWriters, h.dryRun)
	rt.HandleFunc("POST /admin/rules/{id}/{version}/publish", ruleWriters, h.publish)
}

func authorOf(r *http.Request) Author {
	p := web.PrincipalOf(r.Context())
	return Author{ID: p.Subject, Agency: p.Agency, Admin: p.Has(identity.RoleAdmin)}
}

func pathID(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, errs.E(errs.NotFound, "proactive.error.not_found")
	}
	return n, nil
}

// cabinetCrumbs are the breadcrumbs of the cabinet's pages.
func cabinetCrumbs(v *web.View, last ...web.Crumb) []web.Crumb {
	return append([]web.Crumb{{Label: v.T("nav.cabinet"), URL: "/cabinet"}}, last...)
}
