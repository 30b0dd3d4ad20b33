package evisa

import (
	"html/template"
	"net/http"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

type borderData struct {
	Check  *Check
	Photo  template.URL
	Key    string
	Notice string // a message key: what was just recorded
}

func (h *HTTP) border(w http.ResponseWriter, r *http.Request) {
	h.renderBorder(w, r, http.StatusOK, borderData{}, nil)
}

func (h *HTTP) renderBorder(w http.ResponseWriter, r *http.Request, status int, d borderData, fail error) {
	d.Key = newKey()
	if d.Check != nil && d.Check.Person != nil {
		d.Photo = h.photoURL(r, d.Check.Person)
	}
	v := h.site.View(r, "evisa.border.title", d)
	v.Crumbs = []web.Crumb{{Label: v.Title}}
	if r.Method == http.MethodPost {
		v.Form = web.Typed(r)
	}
	if fail != nil {
		v.Err = errs.As(fail)
	}
	h.pages.Render(w, r, status, "border", v)
}

func (h *HTTP) check(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.CheckVisa(r.Context(), staffOf(r), r.PostFormValue("qr"), r.PostFormValue("visa"), r.PostFormValue("passport"))
	if errs.KindOf(err) == errs.Invalid {
		h.renderBorder(w, r, http.StatusUnprocessableEntity, borderData{}, err)
		return
	}
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.renderBorder(w, r, http.StatusOK, borderData{Check: c}, nil)
}

func (h *HTTP) entry(w http.ResponseWriter, r *http.Request) { h.cross(w, r, "entry") }
func (h *HTTP) exit(w http.ResponseWriter, r *http.Request)  { h.cross(w, r, "exit") }

// cross records an entry or exit, then shows the visa checked again.
func (h *HTTP) cross(w http.ResponseWriter, r *http.Request, kind string) {
	ctx, by, visa := r.Context(), staffOf(r), r.PostFormValue("visa")
	var err error
	if kind == "entry" {
		_, err = h.svc.RecordEntry(ctx, by, visa, r.PostFormValue("key"))
	} else {
		_, err = h.svc.RecordExit(ctx, by, visa, r.PostFormValue("key"))
	}
	status, notice := http.StatusOK, "evisa.border.recorded_"+kind
	switch errs.KindOf(err) {
	case errs.Conflict, errs.Invalid:
		status, notice = web.Status(errs.KindOf(err)), ""
	default:
		if err != nil {
			h.site.Error(w, r, err)
			return
		}
	}
	c, cerr := h.svc.CheckVisa(ctx, by, "", visa, r.PostFormValue("passport"))
	if cerr != nil {
		h.site.Error(w, r, cerr)
		return
	}
	h.renderBorder(w, r, status, borderData{Check: c, Notice: notice}, err)
}

type overstayData struct {
	List []Overstay
}

func (h *HTTP) overstays(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Overstays(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "evisa.overstays.title", overstayData{List: list})
	v.Crumbs = []web.Crumb{{Label: v.T("evisa.border.title"), URL: "/border"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "overstays", v)
}
