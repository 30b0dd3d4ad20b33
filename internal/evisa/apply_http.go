package evisa

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

type startData struct {
	Fees     Fees
	Purposes []string
}

func (h *HTTP) start(w http.ResponseWriter, r *http.Request) {
	h.renderStart(w, r, http.StatusOK, nil)
}

func (h *HTTP) renderStart(w http.ResponseWriter, r *http.Request, status int, err error) {
	v := h.site.View(r, "evisa.start.title", startData{Fees: h.svc.Fees(), Purposes: Purposes})
	v.Crumbs = []web.Crumb{{Label: v.T("nav.services"), URL: "/services"}, {Label: v.Title}}
	if err != nil {
		v.Err, v.Form = errs.As(err), web.Typed(r)
	}
	h.pages.Render(w, r, status, "start", v)
}

func (h *HTTP) create(w http.ResponseWriter, r *http.Request) {
	f := ApplicationForm{Email: r.PostFormValue("email"), Lang: string(web.LangOf(r.Context())), Speed: r.PostFormValue("speed"),
		EntryDate: r.PostFormValue("entry_date"), Purpose: r.PostFormValue("purpose"), Address: r.PostFormValue("address")}
	_, token, err := h.svc.Start(r.Context(), f)
	if errs.KindOf(err) == errs.Invalid {
		h.renderStart(w, r, http.StatusUnprocessableEntity, err)
		return
	}
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/e-visa/apply/"+token, http.StatusSeeOther)
}

type draftData struct {
	App       *Application
	Token     string
	Fee       Fee
	Total     int64
	Countries []Country
	PhotoID   string // a photo kept from a failed try
	Key       string // the payment form's idempotency key
	Max       int
	Hours     int // how long the bill waits
}

func newKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (h *HTTP) draft(w http.ResponseWriter, r *http.Request) {
	h.renderDraft(w, r, http.StatusOK, nil, "")
}

func (h *HTTP) renderDraft(w http.ResponseWriter, r *http.Request, status int, fail error, photoID string) {
	token := r.PathValue("token")
	a, err := h.svc.ByToken(r.Context(), token)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := draftData{App: a, Token: token, Countries: Countries, PhotoID: photoID, Key: newKey(), Max: MaxPeople,
		Hours: h.svc.Fees().UnpaidExpiresAfterHours}
	d.Fee, _ = h.svc.Fees().Of(a.Speed)
	d.Total = d.Fee.Total() * int64(len(a.People))
	if a.Amount > 0 {
		d.Total = a.Amount
	}
	v := h.site.View(r, "", &d)
	v.Title = v.T("evisa.draft.title", "Number", FormatNumber(a.Number))
	v.Crumbs = []web.Crumb{{Label: v.T("evisa.start.title"), URL: "/e-visa"}, {Label: v.Title}}
	if fail != nil {
		v.Err, v.Form = errs.As(fail), web.Typed(r)
	}
	h.pages.Render(w, r, status, "draft", v)
}

func (h *HTTP) addPerson(w http.ResponseWriter, r *http.Request) {
	f := PersonForm{MRZ1: r.PostFormValue("mrz1"), MRZ2: r.PostFormValue("mrz2"), Nationality: r.PostFormValue("nationality"),
		Surname: r.PostFormValue("surname"), GivenNames: r.PostFormValue("given_names"), Sex: r.PostFormValue("sex"),
		BirthDate: r.PostFormValue("birth_date"), Number: r.PostFormValue("number"), Expires: r.PostFormValue("expires")}
	photo := Photo{KeptID: r.PostFormValue("photo_id")}
	if file, fh, err := r.FormFile("photo"); err == nil {
		photo.Name = fh.Filename
		photo.Content, err = io.ReadAll(io.LimitReader(file, PhotoMaxBytes+1))
		file.Close()
		if err != nil {
			h.site.Error(w, r, err)
			return
		}
	}
	_, photoID, err := h.svc.AddPerson(r.Context(), r.PathValue("token"), f, photo)
	if errs.KindOf(err) == errs.Invalid {
		h.renderDraft(w, r, http.StatusUnprocessableEntity, err, photoID)
		return
	}
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/e-visa/apply/"+r.PathValue("token")+"#people", http.StatusSeeOther)
}

func (h *HTTP) removePerson(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := h.svc.RemovePerson(r.Context(), r.PathValue("token"), id); err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/e-visa/apply/"+r.PathValue("token")+"#people", http.StatusSeeOther)
}

func (h *HTTP) submit(w http.ResponseWriter, r *http.Request) {
	_, err := h.svc.Submit(r.Context(), r.PathValue("token"))
	if errs.KindOf(err) == errs.Invalid {
		h.renderDraft(w, r, http.StatusUnprocessableEntity, err, "")
		return
	}
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/e-visa/apply/"+r.PathValue("token"), http.StatusSeeOther)
}

type statusData struct {
	App    *Application
	Person *Person
}

func (h *HTTP) statusForm(w http.ResponseWriter, r *http.Request) {
	h.renderStatus(w, r, http.StatusOK, statusData{}, nil)
}

func (h *HTTP) renderStatus(w http.ResponseWriter, r *http.Request, status int, d statusData, fail error) {
	v := h.site.View(r, "evisa.status.title", d)
	v.Crumbs = []web.Crumb{{Label: v.T("evisa.start.title"), URL: "/e-visa"}, {Label: v.Title}}
	if r.Method == http.MethodPost {
		v.Form = web.Typed(r)
	}
	if fail != nil {
		v.Err = errs.As(fail)
	}
	h.pages.Render(w, r, status, "status", v)
}

func (h *HTTP) status(w http.ResponseWriter, r *http.Request) {
	a, p, err := h.svc.Status(r.Context(), r.PostFormValue("number"), r.PostFormValue("passport"))
	if errs.KindOf(err) == errs.TooMany {
		h.renderStatus(w, r, http.StatusTooManyRequests, statusData{}, errs.E(errs.TooMany, "evisa.error.status_too_many").
			Field("number", "evisa.error.status_too_many"))
		return
	}
	if errs.KindOf(err) == errs.NotFound {
		h.renderStatus(w, r, http.StatusNotFound, statusData{}, errs.E(errs.NotFound, "evisa.error.status_not_found").
			Field("number", "evisa.error.status_not_found"))
		return
	}
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.renderStatus(w, r, http.StatusOK, statusData{App: a, Person: p}, nil)
}

func (h *HTTP) pdf(w http.ResponseWriter, r *http.Request) {
	p, pdf, err := h.svc.VisaPDF(r.Context(), r.PostFormValue("number"), r.PostFormValue("passport"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="e-visa-`+p.VisaNumber+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(pdf)
}
