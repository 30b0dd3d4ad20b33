package applications

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

var supervisors = web.Roles(identity.RoleAgencySupervisor)

func (h *HTTP) officeRoutes(rt *web.Router) {
	rt.HandleFunc("GET /office", officials, h.queue)
	rt.HandleFunc("POST /office/bulk", officials, h.bulk)
	rt.HandleFunc("GET /office/applications/{number}", officials, h.officeShow)
	rt.HandleFunc("POST /office/applications/{number}/assign", officials, h.assign)
	rt.HandleFunc("POST /office/applications/{number}/request-info", officials, h.requestInfo)
	rt.HandleFunc("POST /office/applications/{number}/decide", officials, h.decide)
	rt.HandleFunc("GET /office/applications/{number}/files/{file}", officials, h.officeDownload)
	rt.HandleFunc("GET /office/corrections", officials, h.corrections)
	rt.HandleFunc("POST /office/corrections/{id}/resolve", officials, h.resolveCorrection)
	rt.HandleFunc("GET /office/keys", supervisors, h.keys)
	rt.HandleFunc("POST /office/keys", supervisors, h.createKey)
	rt.HandleFunc("POST /office/keys/{id}/revoke", supervisors, h.revokeKey)
}

func (h *HTTP) officeCrumbs(v *web.View) {
	v.Nav = "office"
	v.Crumbs = []web.Crumb{{Label: v.T("applications.office.title"), URL: "/office"}, {Label: v.Title}}
}

// queueFilter reads the queue's filters from the query string.
func (h *HTTP) queueFilter(r *http.Request, actor Actor) Filter {
	q := r.URL.Query()
	f := Filter{Service: q.Get("service"), Limit: 200}
	if st := Status(q.Get("status")); st.Valid() && st != Draft {
		f.Statuses = []Status{st}
	} else if q.Get("status") == "" {
		// Open work by default: what waits on the agency.
		f.Statuses = []Status{Submitted, InReview, Resubmitted, InfoRequested, AwaitingPayment}
	}
	switch q.Get("due") {
	case "overdue":
		f.DueBefore = h.svc.now()
	case "soon":
		f.DueBefore = h.svc.cfg.Calendar.AddWorkingDays(h.svc.now(), 2)
	}
	if !f.DueBefore.IsZero() && q.Get("status") == "" {
		// A deadline matters while the agency has to act.
		f.Statuses = []Status{Submitted, InReview, Resubmitted}
	}
	if q.Get("mine") == "1" {
		f.AssigneeID = actor.AccountID
	}
	return f
}

type queueData struct {
	Items    []*Application
	Names    map[string]lang.Text
	Services []serviceOption
	Statuses []Status
	Now      time.Time
	Done     int // applications a bulk action changed
	Failed   []string
	Agency   lang.Text
}

type serviceOption struct {
	Slug string
	Name lang.Text
}

func (h *HTTP) queue(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	items, err := h.svc.Queue(r.Context(), actor, h.queueFilter(r, actor))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := queueData{Items: items, Names: map[string]lang.Text{}, Now: h.svc.now(),
		Statuses: slices.DeleteFunc(slices.Clone(Statuses), func(s Status) bool { return s == Draft })}
	if ag, err := h.svc.cfg.Catalog.Agency(actor.Agency); err == nil {
		d.Agency = ag.Name
	}
	for _, svc := range h.svc.cfg.Catalog.Services(web.LangOf(r.Context()), catalog.Filter{Agency: actor.Agency}) {
		if svc.Agency == actor.Agency {
			d.Services = append(d.Services, serviceOption{Slug: svc.Slug, Name: svc.Name})
		}
	}
	for _, a := range items {
		d.Names[a.Service] = h.svc.name(a.Service)
	}
	d.Done, _ = strconv.Atoi(r.URL.Query().Get("done"))
	d.Failed = r.URL.Query()["failed"]
	v := h.site.View(r, "applications.office.title", d)
	v.Nav = "office"
	h.pages.Render(w, r, http.StatusOK, "office", v)
}

type officeData struct {
	App       *Application
	Name      lang.Text
	Steps     []Step
	Answers   []answerView
	Applicant []Fact
	Staff     []Staff
	Due       int
	Decisions []Attachment
	Supplied  []Attachment // files the applicant sent with answers
}

func (h *HTTP) officeShow(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	a, steps, err := h.svc.OfAgency(r.Context(), actor, r.PathValue("number"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.renderOffice(w, r, actor, a, steps, http.StatusOK, nil)
}

func (h *HTTP) renderOffice(w http.ResponseWriter, r *http.Request, actor Actor, a *Application, steps []Step, status int, fail error) {
	d := officeData{App: a, Name: h.svc.name(a.Service), Steps: steps}
	// Every view of the applicant's data is a read through the gateway,
	// logged with its purpose and shown in the person's data tracker.
	facts, err := h.svc.Applicant(r.Context(), actor, a)
	if err != nil {
		h.site.Logger.Warn("applicant record unavailable", "err", err)
	}
	d.Applicant = facts
	if schema, answers, err := h.svc.Answers(a); err == nil {
		d.Answers = answerViews(schema, answers, a, web.LangOf(r.Context()))
	}
	for _, at := range a.Attachments {
		switch at.Field {
		case decisionField:
			d.Decisions = append(d.Decisions, at)
		case "":
			d.Supplied = append(d.Supplied, at)
		}
	}
	if h.svc.cfg.StaffOf != nil {
		d.Staff, _ = h.svc.cfg.StaffOf(r.Context(), actor.Agency)
	}
	if a.DueAt != nil && a.Status.Open() {
		d.Due = h.svc.cfg.Calendar.WorkingDaysBetween(h.svc.now(), *a.DueAt)
	}
	v := h.site.View(r, "", d)
	v.Title = v.T("applications.show.title", "Number", a.Ref())
	h.officeCrumbs(v)
	if fail != nil {
		v.Err, v.Form = errs.As(fail), r.PostForm
	}
	h.pages.Render(w, r, status, "office_show", v)
}

// officeResult answers an office action: back to the application, or the
// page again with the error beside its field.
func (h *HTTP) officeResult(w http.ResponseWriter, r *http.Request, err error) {
	number := r.PathValue("number")
	if err == nil {
		http.Redirect(w, r, "/office/applications/"+number, http.StatusSeeOther)
		return
	}
	if errs.KindOf(err) != errs.Invalid {
		h.site.Error(w, r, err)
		return
	}
	actor := actorOf(r)
	a, steps, err2 := h.svc.OfAgency(r.Context(), actor, number)
	if err2 != nil {
		h.site.Error(w, r, err2)
		return
	}
	h.renderOffice(w, r, actor, a, steps, http.StatusUnprocessableEntity, err)
}

func (h *HTTP) assign(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PostFormValue("assignee"), 10, 64)
	_, err := h.svc.Assign(r.Context(), actorOf(r), r.PathValue("number"), id)
	h.officeResult(w, r, err)
}

func (h *HTTP) requestInfo(w http.ResponseWriter, r *http.Request) {
	_, err := h.svc.RequestInfo(r.Context(), actorOf(r), r.PathValue("number"), r.PostFormValue("message"))
	h.officeResult(w, r, err)
}

func (h *HTTP) decide(w http.ResponseWriter, r *http.Request) {
	reason := lang.Text{AZ: r.PostFormValue("reason_az"), EN: r.PostFormValue("reason_en"), RU: r.PostFormValue("reason_ru")}
	var err error
	switch r.PostFormValue("decision") {
	case "approve":
		_, err = h.svc.Decide(r.Context(), actorOf(r), r.PathValue("number"), true, reason)
	case "reject":
		_, err = h.svc.Decide(r.Context(), actorOf(r), r.PathValue("number"), false, reason)
	default:
		err = errs.E(errs.Invalid, "applications.error.decision").Field("decision", "applications.error.decision")
	}
	h.officeResult(w, r, err)
}

func (h *HTTP) officeDownload(w http.ResponseWriter, r *http.Request) {
	a, _, err := h.svc.OfAgency(r.Context(), actorOf(r), r.PathValue("number"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.serveFile(w, r, a)
}

// bulk applies one action to the chosen applications, each on its own,
// and reports how many it changed and which it could not.
func (h *HTTP) bulk(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	numbers := r.PostForm["number"]
	if len(numbers) > 200 {
		numbers = numbers[:200]
	}
	action := r.PostFormValue("action")
	done := 0
	q := url.Values{}
	for _, n := range numbers {
		var err error
		switch action {
		case "assign":
			_, err = h.svc.Assign(r.Context(), actor, n, 0)
		case "review":
			_, err = h.svc.StartReview(r.Context(), actor, n)
		default:
			h.site.Error(w, r, errs.E(errs.Invalid, "applications.error.bulk_action"))
			return
		}
		if err != nil {
			q.Add("failed", FormatNumber(n))
			continue
		}
		done++
	}
	q.Set("done", strconv.Itoa(done))
	http.Redirect(w, r, "/office?"+q.Encode(), http.StatusSeeOther)
}

type correctionsData struct {
	Items []*Correction
}

func (h *HTTP) corrections(w http.ResponseWriter, r *http.Request) {
	items, err := h.svc.Corrections(r.Context(), actorOf(r))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "applications.corrections.title", correctionsData{Items: items})
	h.officeCrumbs(v)
	h.pages.Render(w, r, http.StatusOK, "corrections", v)
}

func (h *HTTP) resolveCorrection(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.site.NotFound(w, r)
		return
	}
	if err := h.svc.ResolveCorrection(r.Context(), actorOf(r), id, r.PostFormValue("resolution")); err != nil {
		if errs.KindOf(err) != errs.Invalid {
			h.site.Error(w, r, err)
			return
		}
		items, _ := h.svc.Corrections(r.Context(), actorOf(r))
		v := h.site.View(r, "applications.corrections.title", correctionsData{Items: items})
		v.Err, v.Form = errs.As(err), r.PostForm
		h.officeCrumbs(v)
		h.pages.Render(w, r, http.StatusUnprocessableEntity, "corrections", v)
		return
	}
	http.Redirect(w, r, "/office/corrections", http.StatusSeeOther)
}

type keysData struct {
	Keys []APIKey
	New  string
}

func (h *HTTP) keys(w http.ResponseWriter, r *http.Request) {
	h.renderKeys(w, r, "", http.StatusOK, nil)
}

func (h *HTTP) renderKeys(w http.ResponseWriter, r *http.Request, created string, status int, fail error) {
	list, err := h.svc.Keys(r.Context(), actorOf(r))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "applications.keys.title", keysData{Keys: list, New: created})
	h.officeCrumbs(v)
	if fail != nil {
		v.Err, v.Form = errs.As(fail), r.PostForm
	}
	w.Header().Set("Cache-Control", "no-store")
	h.pages.Render(w, r, status, "keys", v)
}

func (h *HTTP) createKey(w http.ResponseWriter, r *http.Request) {
	key, err := h.svc.CreateKey(r.Context(), actorOf(r), r.PostFormValue("name"), r.PostFormValue("test") == "1")
	if err != nil {
		if errs.KindOf(err) != errs.Invalid {
			h.site.Error(w, r, err)
			return
		}
		h.renderKeys(w, r, "", http.StatusUnprocessableEntity, err)
		return
	}
	// The key is shown once, in this answer, and never again.
	h.renderKeys(w, r, key, http.StatusOK, nil)
}

func (h *HTTP) revokeKey(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.site.NotFound(w, r)
		return
	}
	if err := h.svc.RevokeKey(r.Context(), actorOf(r), id); err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/office/keys", http.StatusSeeOther)
}
