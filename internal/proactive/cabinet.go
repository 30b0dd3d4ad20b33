package proactive

import (
	"net/http"
	"strings"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

// forYouData is the cabinet's "for you" page: offers waiting for an
// answer, what the state did for the person, and what it is doing.
type forYouData struct {
	Offers   []*Record
	Done     []*Record
	Pending  []*Record
	Declined []*Record
	Notice   string // a message key after an answer
}

func (h *HTTP) forYou(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	list, err := h.svc.Records(r.Context(), p.FIN)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := forYouData{}
	for _, rec := range list {
		switch rec.Status {
		case StatusOpen:
			d.Offers = append(d.Offers, rec)
		case StatusDone, StatusAccepted:
			d.Done = append(d.Done, rec)
		case StatusDeclined:
			d.Declined = append(d.Declined, rec)
		default:
			d.Pending = append(d.Pending, rec)
		}
	}
	switch r.URL.Query().Get("answered") {
	case "accepted":
		d.Notice = "proactive.cabinet.accepted"
	case "declined":
		d.Notice = "proactive.cabinet.declined"
	}
	v := h.site.View(r, "proactive.cabinet.title", d)
	v.Nav = "cabinet"
	v.Crumbs = cabinetCrumbs(v, web.Crumb{Label: v.Title})
	h.pages.Render(w, r, http.StatusOK, "for_you", v)
}

func (h *HTTP) loadRecord(w http.ResponseWriter, r *http.Request) (*Record, bool) {
	id, err := pathID(r, "id")
	if err == nil {
		var rec *Record
		if rec, err = h.svc.Record(r.Context(), web.PrincipalOf(r.Context()).FIN, id); err == nil {
			return rec, true
		}
	}
	h.site.Error(w, r, err)
	return nil, false
}

func (h *HTTP) record(w http.ResponseWriter, r *http.Request) {
	rec, ok := h.loadRecord(w, r)
	if ok {
		h.renderRecord(w, r, http.StatusOK, rec, nil)
	}
}

func (h *HTTP) renderRecord(w http.ResponseWriter, r *http.Request, status int, rec *Record, err error) {
	v := h.site.View(r, "", rec)
	v.Title = v.Text(rec.Action.Title)
	v.Nav = "cabinet"
	v.Crumbs = cabinetCrumbs(v, web.Crumb{Label: v.T("proactive.cabinet.title"), URL: "/cabinet/for-you"}, web.Crumb{Label: v.Title})
	if err != nil {
		v.Err, v.Form = errs.As(err), web.Typed(r)
	}
	h.pages.Render(w, r, status, "record", v)
}

func (h *HTTP) accept(w http.ResponseWriter, r *http.Request) {
	rec, ok := h.loadRecord(w, r)
	if !ok {
		return
	}
	next, err := h.svc.Accept(r.Context(), rec.FIN, rec.ID, strings.TrimSpace(r.PostFormValue("iban")))
	switch {
	case err == nil && next != "":
		http.Redirect(w, r, next, http.StatusSeeOther)
	case err == nil:
		http.Redirect(w, r, "/cabinet/for-you?answered=accepted", http.StatusSeeOther)
	case errs.KindOf(err) == errs.Invalid:
		h.renderRecord(w, r, http.StatusUnprocessableEntity, rec, err)
	default:
		h.site.Error(w, r, err)
	}
}

func (h *HTTP) decline(w http.ResponseWriter, r *http.Request) {
	rec, ok := h.loadRecord(w, r)
	if !ok {
		return
	}
	if err := h.svc.Decline(r.Context(), rec.FIN, rec.ID); err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/for-you?answered=declined", http.StatusSeeOther)
}
