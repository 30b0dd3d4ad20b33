// Package admin is the platform administration and the auditor's view:
// staff accounts (roles within an agency or centre, disabling, resetting
// the second factor), the OpenID Connect clients, and the audit log with
// its chain verification. Every change goes through the identity and oidc
// services, which audit it in the same transaction.
package admin

import (
	"embed"
	"net/http"
	"net/url"

	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/identity/oidc"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed locales/*.json
var localesFS embed.FS

// Admin serves the administration and audit pages.
type Admin struct {
	site  *web.Site
	ids   *identity.Service
	op    *oidc.Provider
	cat   *catalog.Catalog
	db    *store.DB
	pages *web.Pages
}

// New builds the pages. db is read by the audit log pages only.
func New(site *web.Site, ids *identity.Service, op *oidc.Provider, cat *catalog.Catalog, db *store.DB) *Admin {
	site.Messages.MustLoad(localesFS, "locales")
	return &Admin{site: site, ids: ids, op: op, cat: cat, db: db, pages: site.Pages(templatesFS, "templates")}
}

var (
	adminOnly = web.Roles(identity.RoleAdmin)
	auditors  = web.Roles(identity.RoleAuditor, identity.RoleAdmin)
)

// Routes registers the pages: /admin/… for the platform admin, /audit for
// auditors and the admin.
func (a *Admin) Routes(rt *web.Router) {
	rt.HandleFunc("GET /admin", adminOnly, a.overview)

	rt.HandleFunc("GET /admin/staff", adminOnly, a.staffList)
	rt.HandleFunc("GET /admin/staff/new", adminOnly, a.staffNew)
	rt.HandleFunc("POST /admin/staff/new", adminOnly, a.staffCreate)
	rt.HandleFunc("GET /admin/staff/{login}", adminOnly, a.staffEdit)
	rt.HandleFunc("POST /admin/staff/{login}", adminOnly, a.staffUpdate)
	rt.HandleFunc("POST /admin/staff/{login}/disable", adminOnly, a.staffDisable)
	rt.HandleFunc("POST /admin/staff/{login}/enable", adminOnly, a.staffEnable)
	rt.HandleFunc("POST /admin/staff/{login}/totp-reset", adminOnly, a.staffResetTOTP)

	rt.HandleFunc("GET /admin/oidc-clients", adminOnly, a.clientList)
	rt.HandleFunc("GET /admin/oidc-clients/new", adminOnly, a.clientNew)
	rt.HandleFunc("POST /admin/oidc-clients/new", adminOnly, a.clientCreate)
	rt.HandleFunc("GET /admin/oidc-clients/{id}", adminOnly, a.clientEdit)
	rt.HandleFunc("POST /admin/oidc-clients/{id}", adminOnly, a.clientUpdate)
	rt.HandleFunc("POST /admin/oidc-clients/{id}/secret", adminOnly, a.clientRotate)

	rt.HandleFunc("GET /audit", auditors, a.auditLog)
	rt.HandleFunc("POST /audit/verify", auditors, a.auditVerify)
}

// crumbs are the breadcrumbs of an admin page: the overview, then trail.
func crumbs(v *web.View, trail ...web.Crumb) []web.Crumb {
	return append([]web.Crumb{{Label: v.T("admin.title"), URL: "/admin"}}, trail...)
}

func (a *Admin) overview(w http.ResponseWriter, r *http.Request) {
	v := a.site.View(r, "admin.title", nil)
	v.Crumbs = []web.Crumb{{Label: v.Title}}
	a.pages.Render(w, r, http.StatusOK, "overview", v)
}

// actor is the signed-in admin's subject, for the audit log.
func actor(r *http.Request) string { return web.PrincipalOf(r.Context()).Subject }

// typed is what the person posted, without passwords and the CSRF token,
// to show again after an error.
func typed(r *http.Request) url.Values { return web.Typed(r, "password", "password_confirm") }

// form is the page data of a form: the values shown (typed, or loaded)
// and helpers for choices.
type form struct {
	Values url.Values
}

// Has reports whether value is among the values of field, for checkboxes.
func (f form) Has(field, value string) bool {
	for _, v := range f.Values[field] {
		if v == value {
			return true
		}
	}
	return false
}

// merge adds the field errors of extra to err (both may be nil) and
// returns the result, an Invalid error when any field is wrong.
func merge(err error, extra *errs.Validation) error {
	more := extra.Err()
	if more == nil {
		return err
	}
	if err == nil {
		return more
	}
	e := errs.As(err)
	if e.Kind != errs.Invalid {
		return err
	}
	for f, msg := range errs.As(more).Fields {
		if _, ok := e.Fields[f]; !ok {
			e.Field(f, msg)
		}
	}
	return e
}

// status is the HTTP status of a form error.
func status(err error) int { return web.Status(errs.KindOf(err)) }
