package applications

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

// agencyAPI is an official's session or an agency system's live API key;
// test keys are for the notifications API, where nothing they send
// reaches a person, and applications have no such pretend mode.
var agencyAPI = web.Access{Name: "roles:agency_operator,agency_supervisor,agency_system(live key)", Allow: func(p *web.Principal) bool {
	return (p.Has(identity.RoleAgencyOperator) || p.Has(identity.RoleAgencySupervisor) || p.Has(RoleAgencySystem)) && !identity.TestKey(p)
}}

func (h *HTTP) apiRoutes(rt *web.Router) {
	rt.HandleFunc("GET /api/v1/applications", agencyAPI, h.apiList)
	rt.HandleFunc("GET /api/v1/applications/{number}", agencyAPI, h.apiGet)
	rt.HandleFunc("POST /api/v1/applications/{number}/status", agencyAPI, h.apiStatus)
	rt.HandleFunc("POST /api/v1/applications/{number}/decision", agencyAPI, h.apiDecision)
	rt.HandleFunc("POST /api/v1/applications/{number}/attachments", agencyAPI, h.apiAttach)
	rt.HandleFunc("GET /api/v1/applications/{number}/attachments/{file}", agencyAPI, h.officeDownload)
}

// apiApplication is an application as agencies' systems see it.
type apiApplication struct {
	Number        string              `json:"number"`
	Service       string              `json:"service"`
	Agency        string              `json:"agency"`
	Status        Status              `json:"status"`
	ApplicantFIN  string              `json:"applicant_fin,omitempty"`
	ApplicantName string              `json:"applicant_name"`
	OnBehalf      string              `json:"on_behalf,omitempty"`
	Answers       map[string][]string `json:"answers,omitempty"`
	Attachments   []Attachment        `json:"attachments"`
	FeeQepik      int64               `json:"fee_qepik"`
	SubmittedAt   *time.Time          `json:"submitted_at,omitempty"`
	DueAt         *time.Time          `json:"due_at,omitempty"`
	DecidedAt     *time.Time          `json:"decided_at,omitempty"`
	Overdue       bool                `json:"overdue"`
	Assignee      string              `json:"assignee,omitempty"`
	Decision      *lang.Text          `json:"decision,omitempty"`
	Steps         []apiStep           `json:"steps,omitempty"`
}

type apiStep struct {
	Action string     `json:"action"`
	From   Status     `json:"from"`
	To     Status     `json:"to"`
	Actor  string     `json:"actor"`
	Note   string     `json:"note,omitempty"`
	Reason *lang.Text `json:"reason,omitempty"`
	At     time.Time  `json:"at"`
}

func (h *HTTP) toAPI(a *Application, steps []Step, full bool) apiApplication {
	out := apiApplication{Number: a.Number, Service: a.Service, Agency: a.Agency, Status: a.Status,
		ApplicantName: a.ApplicantName, OnBehalf: a.OnBehalf, Attachments: nonNilAttachments(a.Attachments),
		FeeQepik: a.FeeQepik, SubmittedAt: a.SubmittedAt, DueAt: a.DueAt, DecidedAt: a.DecidedAt, Overdue: a.Overdue,
		Assignee: a.AssigneeName}
	if a.Decision != (lang.Text{}) {
		d := a.Decision
		out.Decision = &d
	}
	if full {
		out.ApplicantFIN = a.FIN
		if _, answers, err := h.svc.Answers(a); err == nil {
			out.Answers = answers
		}
		for _, s := range steps {
			st := apiStep{Action: s.Action, From: s.From, To: s.To, Actor: s.ActorName, Note: s.Note, At: s.At}
			if s.Reason != (lang.Text{}) {
				reason := s.Reason
				st.Reason = &reason
			}
			out.Steps = append(out.Steps, st)
		}
	}
	return out
}

func (h *HTTP) apiList(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	items, err := h.svc.Queue(r.Context(), actor, h.queueFilter(r, actor))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	list := make([]apiApplication, 0, len(items))
	for _, a := range items {
		list = append(list, h.toAPI(a, nil, false))
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": list})
}

func (h *HTTP) apiGet(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	a, steps, err := h.svc.OfAgency(r.Context(), actor, r.PathValue("number"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	// Reading an application's answers is reading the person's data: the
	// registry read for the same purpose records it in their tracker.
	if _, err := h.svc.Applicant(r.Context(), actor, a); err != nil {
		h.site.Logger.Warn("applicant record unavailable", "err", err)
	}
	web.JSON(w, http.StatusOK, h.toAPI(a, steps, true))
}

// readJSON decodes a small JSON body strictly.
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.E(errs.Invalid, "applications.error.json")
	}
	return nil
}

func (h *HTTP) apiStatus(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Status   Status `json:"status"`
		Message  string `json:"message"`
		Assignee int64  `json:"assignee_id"`
	}
	// Whose application it is comes first: another agency learns nothing,
	// not even whether its request was well formed.
	if _, _, err := h.svc.OfAgency(r.Context(), actorOf(r), r.PathValue("number")); err != nil {
		h.site.Error(w, r, err)
		return
	}
	if err := readJSON(r, &body); err != nil {
		h.site.Error(w, r, err)
		return
	}
	actor := actorOf(r)
	number := r.PathValue("number")
	var a *Application
	var err error
	switch body.Status {
	case InReview:
		if body.Assignee != 0 || actor.Kind == ActorStaff {
			a, err = h.svc.Assign(r.Context(), actor, number, body.Assignee)
		} else {
			a, err = h.svc.StartReview(r.Context(), actor, number)
		}
	case InfoRequested:
		a, err = h.svc.RequestInfo(r.Context(), actor, number, body.Message)
	default:
		err = errs.E(errs.Invalid, "applications.error.api_status").Field("status", "applications.error.api_status")
	}
	h.apiAnswer(w, r, a, err)
}

func (h *HTTP) apiDecision(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Decision string    `json:"decision"`
		Reason   lang.Text `json:"reason"`
	}
	// Whose application it is comes first: another agency learns nothing,
	// not even whether its request was well formed.
	if _, _, err := h.svc.OfAgency(r.Context(), actorOf(r), r.PathValue("number")); err != nil {
		h.site.Error(w, r, err)
		return
	}
	if err := readJSON(r, &body); err != nil {
		h.site.Error(w, r, err)
		return
	}
	var a *Application
	var err error
	switch body.Decision {
	case "approve", "reject":
		a, err = h.svc.Decide(r.Context(), actorOf(r), r.PathValue("number"), body.Decision == "approve", body.Reason)
	default:
		err = errs.E(errs.Invalid, "applications.error.decision").Field("decision", "applications.error.decision")
	}
	h.apiAnswer(w, r, a, err)
}

// apiAttach stores the decision's file: a multipart "file" part, or the
// raw body with its name in the "name" query parameter.
func (h *HTTP) apiAttach(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	var (
		name    = r.URL.Query().Get("name")
		content io.Reader
	)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		file, fh, err := r.FormFile("file")
		if err != nil {
			h.site.Error(w, r, errs.E(errs.Invalid, "files.error.empty").Field("file", "files.error.empty"))
			return
		}
		defer file.Close()
		name, content = fh.Filename, file
	} else {
		content = r.Body
	}
	a, at, err := h.svc.AttachDecision(r.Context(), actorOf(r), r.PathValue("number"), name, content)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, map[string]any{"application": h.toAPI(a, nil, false), "attachment": at})
}

func (h *HTTP) apiAnswer(w http.ResponseWriter, r *http.Request, a *Application, err error) {
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, h.toAPI(a, nil, false))
}
