package govstack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/nationalid"
)

// Registration's applications, over internal/applications. An agency's
// system (a gateway client subsystem) submits a person's application
// whole; it is the person's application as if made in the portal (their
// cabinet, the agency's queue, the same deadline). A caller sees the
// applications it submitted and, when its member is linked to an agency
// (agencies.go), that agency's.

// headerIdempotencyKey makes a submission safe to replay.
const headerIdempotencyKey = "Idempotency-Key"

// caller is the authenticated client of a request, with the agency its
// member is linked to ("" for none).
type caller struct {
	id     gateway.ClientID
	agency string
}

func (s *Service) callerOf(r *http.Request) (caller, error) {
	c, err := gateway.ParseClientID(r.Header.Get(gateway.HeaderClient))
	if err != nil || !c.IsSubsystem() {
		return caller{}, errs.E(errs.Unauthenticated, "govstack.error.no_client")
	}
	agency, err := s.agencyOf(r.Context(), c)
	return caller{id: c, agency: agency}, err
}

// actor is the caller as the applications module's agency system.
func (c caller) actor() applications.Actor {
	return applications.Actor{Kind: applications.ActorAPI, ID: c.id.String(), Name: c.id.String(), Agency: c.agency}
}

func (s *Service) submitApplication(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := s.callerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	svc, err := s.serviceByID(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body applicationFileSubmit
	if err := decode(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	fin, ok := nationalid.ParseFIN(body.ApplicantID)
	v := errs.E(errs.Invalid, "govstack.error.bad_application")
	if !ok {
		v.Field("applicantId", "govstack.error.bad_applicant")
	}
	var answers map[string][]string
	if body.FormData != nil {
		if body.FormData.EFormID != "" && body.FormData.EFormID != eFormID(svc.Slug) {
			v.Field("formData.eFormId", "govstack.error.no_eform")
		}
		var bad map[string]string
		answers, bad = answersIn(body.FormData.Data)
		for f, m := range bad {
			v.Field("formData.data."+f, m)
		}
	}
	attachments, err := s.attachments(ctx, c, svc.Slug, body.DocumentURLs, answers)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(v.Fields) > 0 {
		s.fail(w, r, v)
		return
	}
	if !online(svc) {
		s.fail(w, r, errs.E(errs.Invalid, "govstack.error.not_online"))
		return
	}
	applicant, err := s.person(ctx, fin)
	if errs.KindOf(err) == errs.Invalid || errs.KindOf(err) == errs.NotFound {
		err = errs.E(errs.Invalid, "govstack.error.bad_application").Field("applicantId", "govstack.error.unknown_applicant")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.apps.SubmitFor(ctx, applications.Submission{Applicant: applicant, By: c.actor(), Service: svc.Slug,
		Answers: answers, Attachments: attachments, Key: submissionKey(r, c, svc.Slug, fin, body)})
	if err != nil {
		s.fail(w, r, withFieldPrefix(err))
		return
	}
	if a.Service != svc.Slug || a.FIN != fin {
		s.fail(w, r, errs.E(errs.Conflict, "govstack.error.key_reused"))
		return
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO govstack_submissions (number, client_id, name, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (number) DO NOTHING`, a.Number, c.id.String(), body.ApplicationName, time.Now().UTC()); err != nil {
		s.fail(w, r, err)
		return
	}
	answer(w, http.StatusOK, s.fileOf(a, s.submissionName(ctx, a.Number), lang.FromAcceptLanguage(r.Header.Get("Accept-Language"))))
}

// submissionKey is what makes a submission the same as an earlier one of
// the same caller: its Idempotency-Key header; else the service,
// applicant and the draft's creation time the body gives; else the whole
// body (the same content sent twice is one application).
func submissionKey(r *http.Request, c caller, slug, fin string, body applicationFileSubmit) string {
	prefix := c.id.String() + "|"
	if k := r.Header.Get(headerIdempotencyKey); k != "" {
		return prefix + "key|" + k
	}
	if body.Created != "" {
		return prefix + "created|" + slug + "|" + fin + "|" + body.Created
	}
	raw, _ := json.Marshal(body)
	sum := sha256.Sum256(raw)
	return prefix + "body|" + slug + "|" + hex.EncodeToString(sum[:])
}

// withFieldPrefix names the form's invalid fields as the body does.
func withFieldPrefix(err error) error {
	e := errs.As(err)
	if e == nil || e.Kind != errs.Invalid || len(e.Fields) == 0 {
		return err
	}
	out := &errs.Error{Kind: e.Kind, Message: "govstack.error.bad_answers", Fields: map[string]string{},
		FieldArgs: map[string]map[string]any{}}
	for f, m := range e.Fields {
		name := "formData.data." + f
		if f == "documentUrls" {
			name = f
		}
		out.Fields[name] = m
		if args := e.FieldArgs[f]; args != nil {
			out.FieldArgs[name] = args
		}
	}
	return out
}

// submissionName is the applicationName the submitter gave.
func (s *Service) submissionName(ctx context.Context, number string) string {
	var name string
	if err := s.db.QueryRowContext(ctx, `SELECT name FROM govstack_submissions WHERE number = $1`, number).Scan(&name); err != nil {
		return ""
	}
	return name
}

// visible loads the application number if c may see it: c submitted it,
// or it is of c's agency and not a draft. Any other is not found.
func (s *Service) visible(ctx context.Context, c caller, number string) (*applications.Application, error) {
	notFound := errs.E(errs.NotFound, "govstack.error.no_application")
	n, ok := applications.ParseNumber(number)
	if !ok {
		return nil, notFound
	}
	a, _, err := s.apps.ByNumber(ctx, n)
	if errs.KindOf(err) == errs.NotFound {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if c.agency != "" && a.Agency == c.agency && a.Status != applications.Draft {
		return a, nil
	}
	if !s.submittedBy(ctx, c, a.Number) {
		return nil, notFound
	}
	return a, nil
}

func (s *Service) getApplication(w http.ResponseWriter, r *http.Request) {
	c, err := s.callerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.visible(r.Context(), c, r.PathValue("id"))
	if err == nil {
		err = s.recordPersonalData(r.Context(), r, "Registration application "+a.Number, []string{a.FIN})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answer(w, http.StatusOK, s.fileOf(a, s.submissionName(r.Context(), a.Number), lang.FromAcceptLanguage(r.Header.Get("Accept-Language"))))
}

// listLimit bounds each source of a list (submitted, agency's).
const listLimit = 500

func (s *Service) listApplications(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := s.callerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	first, max, err := window(q.Get("firstResult"), q.Get("maxResult"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	slug := ""
	if id := q.Get("serviceId"); id != "" {
		svc, err := s.serviceByID(id)
		if err != nil {
			answer(w, http.StatusOK, []applicationListItem{})
			return
		}
		slug = svc.Slug
	}
	list, err := s.applicationsOf(ctx, c, applications.Filter{Service: slug, Limit: listLimit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if fin := strings.ToUpper(q.Get("applicantId")); fin != "" {
		list = slices.DeleteFunc(list, func(a *applications.Application) bool { return a.FIN != fin })
	}
	if err := sortApplications(list, q.Get("sortBy"), q.Get("sortOrder")); err != nil {
		s.fail(w, r, err)
		return
	}
	list = list[min(first, len(list)):min(first+max, len(list))]
	l := lang.FromAcceptLanguage(r.Header.Get("Accept-Language"))
	out := make([]applicationListItem, 0, len(list))
	var fins []string
	for _, a := range list {
		out = append(out, s.listItemOf(a, l))
		fins = append(fins, a.FIN)
	}
	if err := s.recordPersonalData(ctx, r, "Registration applications", fins); err != nil {
		s.fail(w, r, err)
		return
	}
	answer(w, http.StatusOK, out)
}

// applicationsOf is what c may see: what it submitted and its agency's
// (f narrows the agency's list; the submitted are filtered the same).
func (s *Service) applicationsOf(ctx context.Context, c caller, f applications.Filter) ([]*applications.Application, error) {
	var list []*applications.Application
	seen := map[string]bool{}
	if c.agency != "" {
		queue, err := s.apps.Queue(ctx, c.actor(), f)
		if err != nil {
			return nil, err
		}
		for _, a := range queue {
			seen[a.Number] = true
			list = append(list, a)
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT number FROM govstack_submissions WHERE client_id = $1
		ORDER BY created_at DESC LIMIT `+strconv.Itoa(listLimit), c.id.String())
	if err != nil {
		return nil, err
	}
	var numbers []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		numbers = append(numbers, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	submitted, err := s.apps.ByNumbers(ctx, numbers)
	if err != nil {
		return nil, err
	}
	for _, a := range submitted {
		if !seen[a.Number] && (f.Service == "" || a.Service == f.Service) && (len(f.Statuses) == 0 || slices.Contains(f.Statuses, a.Status)) {
			list = append(list, a)
		}
	}
	return list, nil
}

// window reads firstResult (from 0) and maxResult (1 to 100, default 10).
func window(first, max string) (int, int, error) {
	f, m := 0, 10
	var err error
	if first != "" {
		if f, err = strconv.Atoi(first); err != nil || f < 0 {
			return 0, 0, errs.E(errs.Invalid, "govstack.error.bad_window")
		}
	}
	if max != "" {
		if m, err = strconv.Atoi(max); err != nil || m < 1 || m > 100 {
			return 0, 0, errs.E(errs.Invalid, "govstack.error.bad_window")
		}
	}
	return f, m, nil
}

// sortApplications orders by created (the default, newest first), dueDate
// or id (the number), asc or desc.
func sortApplications(list []*applications.Application, by, order string) error {
	desc := order != "asc"
	if order != "" && order != "asc" && order != "desc" {
		return errs.E(errs.Invalid, "govstack.error.bad_sort")
	}
	key := func(a *applications.Application) string { return a.CreatedAt.UTC().Format(time.RFC3339Nano) + a.Number }
	switch by {
	case "", "created":
	case "dueDate":
		key = func(a *applications.Application) string { return timeText(a.DueAt) + a.Number }
	case "id":
		key = func(a *applications.Application) string { return a.Number }
	default:
		return errs.E(errs.Invalid, "govstack.error.bad_sort")
	}
	sort.SliceStable(list, func(i, j int) bool {
		if desc {
			return key(list[i]) > key(list[j])
		}
		return key(list[i]) < key(list[j])
	})
	return nil
}

// updateApplication is what the applications module lets a submitter do
// after submission: answer the agency's request for more information
// (status SENDBACK) with a message, formData.data.message's value, and
// documents; the application goes back to the agency.
func (s *Service) updateApplication(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := s.callerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.visible(ctx, c, r.PathValue("id"))
	if err == nil && !s.submittedBy(ctx, c, a.Number) {
		err = errs.E(errs.Forbidden, "govstack.error.not_submitter")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body applicationFileSubmit
	if err := decode(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if !strings.EqualFold(body.ApplicantID, a.FIN) {
		s.fail(w, r, errs.E(errs.Invalid, "govstack.error.bad_application").Field("applicantId", "govstack.error.other_applicant"))
		return
	}
	message := ""
	if body.FormData != nil {
		if m, ok := body.FormData.Data["message"]["value"].(string); ok {
			message = m
		}
	}
	files, err := s.attachments(ctx, c, a.Service, body.DocumentURLs, nil)
	if err == nil {
		var answered *applications.Application
		answered, err = s.apps.AnswerFor(ctx, c.actor(), a.Number, message, files)
		if errs.KindOf(err) == errs.Conflict && s.answeredWith(ctx, a.Number, message) {
			err = nil // a replay of the answer given last
		} else if err == nil {
			a = answered
		}
	}
	if e := errs.As(err); e != nil && e.Kind == errs.Invalid && e.Fields["message"] != "" {
		err = errs.E(errs.Invalid, "govstack.error.bad_application").Field("formData.data.message", "govstack.error.no_message")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answer(w, http.StatusOK, s.fileOf(a, s.submissionName(ctx, a.Number), lang.FromAcceptLanguage(r.Header.Get("Accept-Language"))))
}

// answeredWith reports whether the last answer to a request for more
// information on the application was message.
func (s *Service) answeredWith(ctx context.Context, number, message string) bool {
	_, steps, err := s.apps.ByNumber(ctx, number)
	if err != nil {
		return false
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].Action == "resubmit" {
			return steps[i].Note == strings.TrimSpace(message)
		}
	}
	return false
}

func (s *Service) submittedBy(ctx context.Context, c caller, number string) bool {
	var one int
	return s.db.QueryRowContext(ctx, `SELECT 1 FROM govstack_submissions WHERE number = $1 AND client_id = $2`,
		number, c.id.String()).Scan(&one) == nil
}
