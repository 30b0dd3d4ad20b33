package identity

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

// mandateRoutes are the cabinet's pages for acting for a business.
func (h *HTTP) mandateRoutes(rt *web.Router) {
	rt.HandleFunc("GET /cabinet/businesses", web.Roles(RoleCitizen), h.businesses)
	rt.HandleFunc("POST /cabinet/businesses/acting-as", web.Roles(RoleCitizen), h.actingAs)
	rt.HandleFunc("POST /cabinet/businesses/{voen}/mandates", web.Roles(RoleCitizen), h.grant)
	rt.HandleFunc("POST /cabinet/mandates/{id}/revoke", web.Roles(RoleCitizen), h.revoke)
	rt.HandleFunc("GET /cabinet/business", web.Roles(RoleBusiness), h.business)
}

type businessesData struct {
	Representations []Representation
	Granted         []*Mandate
	ActingFor       string
	Today           string
}

func (h *HTTP) businesses(w http.ResponseWriter, r *http.Request) {
	h.renderBusinesses(w, r, http.StatusOK, nil)
}

func (h *HTTP) renderBusinesses(w http.ResponseWriter, r *http.Request, status int, err error) {
	ctx := r.Context()
	p := web.PrincipalOf(ctx)
	reps, lerr := h.svc.Representations(ctx, p.FIN)
	if lerr != nil {
		h.site.Error(w, r, lerr)
		return
	}
	granted, lerr := h.svc.MandatesGrantedBy(ctx, p.FIN)
	if lerr != nil {
		h.site.Error(w, r, lerr)
		return
	}
	v := h.site.View(r, "identity.mandate.title", businessesData{Representations: reps, Granted: granted,
		ActingFor: p.ActingFor, Today: time.Now().In(web.Baku).Format("2006-01-02")})
	if err != nil {
		v.Err = errs.As(err)
		v.Form = web.Typed(r)
	}
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.T("identity.cabinet.title"), URL: "/cabinet"}, {Label: v.Title}}
	h.pages.Render(w, r, status, "businesses", v)
}

// actingAs switches whom the person acts for: a business they may
// represent, or (empty) themselves.
func (h *HTTP) actingAs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := web.PrincipalOf(ctx)
	voen := strings.TrimSpace(r.PostFormValue("voen"))
	if voen != "" {
		ok, err := h.svc.CanActFor(ctx, p.FIN, voen, "")
		if err != nil {
			h.site.Error(w, r, err)
			return
		}
		if !ok {
			h.site.Error(w, r, errs.E(errs.Forbidden, "identity.mandate.error.not_allowed"))
			return
		}
	}
	if err := h.site.Sessions.Set(ctx, web.SessionOf(ctx), "acting_for", voen); err != nil {
		h.site.Error(w, r, err)
		return
	}
	if voen == "" {
		http.Redirect(w, r, "/cabinet", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/cabinet/business", http.StatusSeeOther)
}

func (h *HTTP) grant(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := web.PrincipalOf(ctx)
	m := Mandate{VOEN: r.PathValue("voen"), GranteeFIN: r.PostFormValue("grantee"), CanDelegate: r.PostFormValue("can_delegate") == "yes"}
	switch r.PostFormValue("scope") {
	case "all":
		m.Services = []string{AllServices}
	case "some":
		for _, s := range strings.FieldsFunc(r.PostFormValue("services"), func(c rune) bool { return c == ',' || c == ' ' || c == '\n' }) {
			m.Services = append(m.Services, strings.ToLower(s))
		}
	}
	if until, err := time.ParseInLocation("2006-01-02", r.PostFormValue("valid_until"), web.Baku); err == nil {
		m.ValidUntil = until.Add(24 * time.Hour) // valid through the whole day named
	}
	if _, err := h.svc.Grant(ctx, p.FIN, m); err != nil {
		if k := errs.KindOf(err); k == errs.Invalid || k == errs.Forbidden {
			h.renderBusinesses(w, r, web.Status(k), err)
			return
		}
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/businesses", http.StatusSeeOther)
}

func (h *HTTP) revoke(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.site.NotFound(w, r)
		return
	}
	if err := h.svc.Revoke(r.Context(), web.PrincipalOf(r.Context()).FIN, id); err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/businesses", http.StatusSeeOther)
}

type businessData struct {
	Business BusinessRef
	Mandates []*Mandate
	Director bool
}

// business is the page of the business the person acts for.
func (h *HTTP) business(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := web.PrincipalOf(ctx)
	b, err := h.svc.businesses.Business(ctx, p.ActingFor)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := businessData{Business: b, Director: b.DirectorFIN == p.FIN}
	if d.Director {
		if d.Mandates, err = h.svc.MandatesOf(ctx, b.VOEN); err != nil {
			h.site.Error(w, r, err)
			return
		}
	}
	v := h.site.View(r, "", d)
	v.Title = b.Name
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.T("identity.cabinet.title"), URL: "/cabinet"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "business", v)
}
