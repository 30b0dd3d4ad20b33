package notify

import (
	"context"
	"net/http"
	"regexp"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

// Agencies write their own templates in /office/templates: each save is a
// new version, checked like any template (every language, the same
// placeholders), and a preview renders it in the three languages with
// sample values before any message uses it. Platform templates are shown
// for reference and cannot be changed there.

var officials = web.Roles(identity.RoleAgencyOperator, identity.RoleAgencySupervisor)

func (h *HTTP) templateRoutes(rt *web.Router) {
	rt.HandleFunc("GET /office/templates", officials, h.templates)
	rt.HandleFunc("GET /office/templates/new", officials, h.newTemplate)
	rt.HandleFunc("POST /office/templates", officials, h.saveTemplate)
	rt.HandleFunc("GET /office/templates/{key}", officials, h.template)
}

// Templates lists the latest version of every template of owners.
func (s *Service) Templates(ctx context.Context, owners ...string) ([]*Template, error) {
	var out []*Template
	for _, owner := range owners {
		rows, err := s.db.QueryContext(ctx, `SELECT `+templateColumns+` FROM notify_templates t WHERE owner = $1
			AND version = (SELECT MAX(version) FROM notify_templates WHERE key = t.key) ORDER BY key`, owner)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			t, err := scanTemplate(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// agencyOwner is the owner name of an official's agency's templates.
func agencyOwner(p *web.Principal) string { return p.Agency }

type templatesData struct {
	Own, Platform []*Template
	Saved         string
}

func (h *HTTP) templates(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	own, err := h.svc.Templates(r.Context(), agencyOwner(p))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	platform, err := h.svc.Templates(r.Context(), PlatformOwner)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "notify.templates.title", templatesData{Own: own, Platform: platform})
	h.officeCrumbs(v, false)
	h.pages.Render(w, r, http.StatusOK, "templates", v)
}

func (h *HTTP) officeCrumbs(v *web.View, list bool) {
	v.Nav = "office"
	v.Crumbs = []web.Crumb{{Label: v.T("nav.office"), URL: "/office"}}
	if list {
		v.Crumbs = append(v.Crumbs, web.Crumb{Label: v.T("notify.templates.title"), URL: "/office/templates"})
	}
	v.Crumbs = append(v.Crumbs, web.Crumb{Label: v.Title})
}

type templateData struct {
	T        *Template
	Editable bool
	Previews []preview
	Values   map[string]string
}

type preview struct {
	Lang lang.Lang
	R    Rendered
	Err  string
}

func (h *HTTP) newTemplate(w http.ResponseWriter, r *http.Request) {
	v := h.site.View(r, "notify.templates.new", templateData{Editable: true})
	h.officeCrumbs(v, true)
	h.pages.Render(w, r, http.StatusOK, "template", v)
}

// template shows the latest version of one template, a form for the next,
// and the preview with the sample values in the query (v.NAME=value).
func (h *HTTP) template(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	t, err := h.svc.Template(r.Context(), r.PathValue("key"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	if t.Owner != agencyOwner(p) && t.Owner != PlatformOwner {
		h.site.NotFound(w, r) // another agency's template
		return
	}
	d := templateData{T: t, Editable: t.Owner == agencyOwner(p), Values: map[string]string{}}
	for _, name := range t.Placeholders {
		val := r.URL.Query().Get("v." + name)
		if val == "" {
			val = "«" + name + "»"
		}
		d.Values[name] = val
	}
	for _, l := range lang.All {
		out, err := t.Render(l, d.Values)
		pv := preview{Lang: l, R: out}
		if err != nil {
			pv.Err = err.Error()
		}
		d.Previews = append(d.Previews, pv)
	}
	v := h.site.View(r, "", d)
	v.Title = v.T("notify.templates.one", "Key", t.Key, "Version", t.Version)
	h.officeCrumbs(v, true)
	h.pages.Render(w, r, http.StatusOK, "template", v)
}

var keyShape = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)

// saveTemplate saves a new template or the next version of one of the
// agency's own.
func (h *HTTP) saveTemplate(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	t := Template{Owner: agencyOwner(p), Key: r.PostFormValue("key"),
		Subject: lang.Text{AZ: r.PostFormValue("subject_az"), EN: r.PostFormValue("subject_en"), RU: r.PostFormValue("subject_ru")},
		Body:    lang.Text{AZ: r.PostFormValue("body_az"), EN: r.PostFormValue("body_en"), RU: r.PostFormValue("body_ru")}}
	var err error
	if !keyShape.MatchString(t.Key) || len(t.Key) > 100 {
		err = errs.E(errs.Invalid, "notify.error.key").Field("key", "notify.error.key")
	} else {
		_, err = h.svc.SaveTemplate(r.Context(), t)
	}
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
			h.site.Error(w, r, err)
			return
		}
		e := errs.As(err)
		if e.Kind == errs.Conflict && len(e.Fields) == 0 {
			e.Field("key", e.Message)
		}
		v := h.site.View(r, "notify.templates.new", templateData{Editable: true})
		v.Err, v.Form = e, r.PostForm
		h.officeCrumbs(v, true)
		h.pages.Render(w, r, http.StatusUnprocessableEntity, "template", v)
		return
	}
	http.Redirect(w, r, "/office/templates/"+t.Key, http.StatusSeeOther)
}

// SubjectIn is the subject exactly as written in l, for editing.
func (t *Template) SubjectIn(l lang.Lang) string { return t.Subject.Exact(l) }

// BodyIn is the body exactly as written in l, for editing.
func (t *Template) BodyIn(l lang.Lang) string { return t.Body.Exact(l) }
