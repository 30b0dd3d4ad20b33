package letters

import (
	"net/http"
	"slices"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

// officeCrumbs leads from the back office to the page; below the inbox
// when inner.
func (h *HTTP) officeCrumbs(v *web.View, inner bool) {
	v.Nav = "office"
	v.Crumbs = []web.Crumb{{Label: v.T("nav.office"), URL: "/office"}}
	if inner {
		v.Crumbs = append(v.Crumbs, web.Crumb{Label: v.T("letters.office.title"), URL: "/office/letters"})
	}
	v.Crumbs = append(v.Crumbs, web.Crumb{Label: v.Title})
}

type inboxData struct {
	Show   Show
	Shows  []Show
	Rows   []row
	Agency lang.Text
}

func (h *HTTP) inbox(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	show := Show(r.URL.Query().Get("show"))
	if !slices.Contains(Shows, show) {
		show = ShowOpen
	}
	list, err := h.svc.Inbox(r.Context(), actor, show)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := inboxData{Show: show, Shows: Shows, Rows: h.rows(list), Agency: h.svc.AgencyName(actor.Agency)}
	v := h.site.View(r, "letters.office.title", d)
	h.officeCrumbs(v, false)
	h.pages.Render(w, r, http.StatusOK, "office", v)
}

type officeNewData struct {
	Agency lang.Text
}

func (h *HTTP) officeNewPage(w http.ResponseWriter, r *http.Request) {
	h.renderOfficeNew(w, r, http.StatusOK, nil)
}

func (h *HTTP) renderOfficeNew(w http.ResponseWriter, r *http.Request, status int, fail error) {
	v := h.site.View(r, "letters.office_new.title", officeNewData{Agency: h.svc.AgencyName(actorOf(r).Agency)})
	h.officeCrumbs(v, true)
	if fail != nil {
		v.Err, v.Form = errs.As(fail), web.Typed(r)
	}
	h.pages.Render(w, r, status, "office_new", v)
}

func (h *HTTP) officeWrite(w http.ResponseWriter, r *http.Request) {
	list, closeFiles, err := uploads(w, r, "files")
	defer closeFiles()
	if err != nil {
		if formFailure(err) {
			h.renderOfficeNew(w, r, http.StatusUnprocessableEntity, err)
			return
		}
		h.site.Error(w, r, errs.E(errs.Invalid, "error.invalid"))
		return
	}
	l, err := h.svc.WriteToPerson(r.Context(), actorOf(r), Draft{FIN: r.PostFormValue("fin"),
		Subject: r.PostFormValue("subject"), Text: r.PostFormValue("text"), Files: list})
	if err != nil {
		if formFailure(err) {
			h.renderOfficeNew(w, r, web.Status(errs.KindOf(err)), err)
			return
		}
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/office/letters/"+l.Number+"?sent=1", http.StatusSeeOther)
}

func (h *HTTP) officeShow(w http.ResponseWriter, r *http.Request) {
	l, err := h.svc.OfAgency(r.Context(), actorOf(r), r.PathValue("number"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.renderOffice(w, r, l, http.StatusOK, nil)
}

func (h *HTTP) renderOffice(w http.ResponseWriter, r *http.Request, l *Letter, status int, fail error) {
	d := h.thread(l, "/office/letters")
	d.Just = r.URL.Query().Get("sent") == "1"
	v := h.site.View(r, "", d)
	v.Title = v.T("letters.show.title", "Number", l.Ref())
	h.officeCrumbs(v, true)
	if fail != nil {
		v.Err, v.Form = errs.As(fail), web.Typed(r)
	}
	h.pages.Render(w, r, status, "office_show", v)
}

// officeResult answers an answer or an extension: back to the letter, or
// the letter again with the error beside its field (or, when the letter
// changed meanwhile, at the top) and what was typed kept.
func (h *HTTP) officeResult(w http.ResponseWriter, r *http.Request, err error) {
	number := r.PathValue("number")
	if err == nil {
		http.Redirect(w, r, "/office/letters/"+number, http.StatusSeeOther)
		return
	}
	if k := errs.KindOf(err); k != errs.Invalid && k != errs.Unavailable && k != errs.Conflict {
		h.site.Error(w, r, err)
		return
	}
	l, err2 := h.svc.OfAgency(r.Context(), actorOf(r), number)
	if err2 != nil {
		h.site.Error(w, r, err2)
		return
	}
	h.renderOffice(w, r, l, web.Status(errs.KindOf(err)), err)
}

func (h *HTTP) answer(w http.ResponseWriter, r *http.Request) {
	list, closeFiles, err := uploads(w, r, "answer_files")
	defer closeFiles()
	if err == nil {
		_, err = h.svc.Answer(r.Context(), actorOf(r), r.PathValue("number"), r.PostFormValue("answer"), list)
	}
	h.officeResult(w, r, err)
}

func (h *HTTP) extend(w http.ResponseWriter, r *http.Request) {
	_, err := h.svc.Extend(r.Context(), actorOf(r), r.PathValue("number"), r.PostFormValue("reason"))
	h.officeResult(w, r, err)
}

func (h *HTTP) officeDownload(w http.ResponseWriter, r *http.Request) {
	rc, a, err := h.svc.AgencyFile(r.Context(), actorOf(r), r.PathValue("number"), r.PathValue("file"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.serveFile(w, r, rc, a)
}
