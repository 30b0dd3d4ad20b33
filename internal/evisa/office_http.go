package evisa

import (
	"html/template"
	"net/http"
	"strconv"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

type queueData struct {
	People []*Person
}

func (h *HTTP) queue(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Queue(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "evisa.office.title", queueData{People: list})
	v.Nav = "office"
	v.Crumbs = []web.Crumb{{Label: v.T("nav.office"), URL: "/office"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "office", v)
}

type personData struct {
	P     *Person
	Photo template.URL
}

func (h *HTTP) person(w http.ResponseWriter, r *http.Request) {
	h.renderPerson(w, r, http.StatusOK, nil)
}

func (h *HTTP) renderPerson(w http.ResponseWriter, r *http.Request, status int, fail error) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	p, err := h.svc.Person(r.Context(), staffOf(r), id)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "", personData{P: p, Photo: h.photoURL(r, p)})
	v.Title = v.T("evisa.person.title", "Name", p.FullName())
	v.Nav = "office"
	v.Crumbs = []web.Crumb{{Label: v.T("nav.office"), URL: "/office"}, {Label: v.T("evisa.office.title"), URL: "/office/e-visa"}, {Label: v.Title}}
	if fail != nil {
		v.Err, v.Form = errs.As(fail), web.Typed(r)
	}
	h.pages.Render(w, r, status, "person", v)
}

func (h *HTTP) decide(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	approve := r.PostFormValue("decision") == "approve"
	if !approve && r.PostFormValue("decision") != "refuse" {
		h.renderPerson(w, r, http.StatusUnprocessableEntity, errs.E(errs.Invalid, "evisa.error.decision").Field("decision", "evisa.error.decision"))
		return
	}
	_, err := h.svc.Decide(r.Context(), staffOf(r), id, approve, r.PostFormValue("reason"))
	if errs.KindOf(err) == errs.Invalid {
		h.renderPerson(w, r, http.StatusUnprocessableEntity, err)
		return
	}
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/office/e-visa/people/"+r.PathValue("id"), http.StatusSeeOther)
}

type watchListData struct {
	Entries []ListedEntry
}

func (h *HTTP) watchList(w http.ResponseWriter, r *http.Request) {
	h.renderWatchList(w, r, http.StatusOK, nil)
}

// renderWatchList shows the list with the form to add to it, and fail's
// messages beside the fields with what was typed.
func (h *HTTP) renderWatchList(w http.ResponseWriter, r *http.Request, status int, fail error) {
	list, err := h.svc.WatchEntries(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "evisa.watch.title", watchListData{Entries: list})
	v.Nav = "office"
	v.Crumbs = []web.Crumb{{Label: v.T("nav.office"), URL: "/office"}, {Label: v.T("evisa.office.title"), URL: "/office/e-visa"}, {Label: v.Title}}
	if fail != nil {
		v.Err, v.Form = errs.As(fail), web.Typed(r)
	}
	h.pages.Render(w, r, status, "watchlist", v)
}

func (h *HTTP) addWatchEntry(w http.ResponseWriter, r *http.Request) {
	_, err := h.svc.AddWatchEntry(r.Context(), staffOf(r), r.PostFormValue("name"), r.PostFormValue("birth_year"), r.PostFormValue("reason"))
	if errs.KindOf(err) == errs.Invalid {
		h.renderWatchList(w, r, http.StatusUnprocessableEntity, err)
		return
	}
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/office/e-visa/watch-list", http.StatusSeeOther)
}

func (h *HTTP) removeWatchEntry(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := h.svc.RemoveWatchEntry(r.Context(), staffOf(r), id); err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/office/e-visa/watch-list", http.StatusSeeOther)
}
