package govstack

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
)

// Registration's tasks are the applications awaiting their agency's
// decision (submitted, resubmitted or in review), seen by the systems of
// the agency's linked member (agencies.go). A task's id is the
// application's number, as is its mainTaskId and fileId. Completing it
// decides through the applications module, as an official does in
// /office: approve (the document is issued), reject with a reason, or
// send back asking for more information; the person is told.

var awaiting = []applications.Status{applications.Submitted, applications.InReview, applications.Resubmitted}

type userTask struct {
	TaskID      string      `json:"taskId"`
	MainTaskID  string      `json:"mainTaskId"`
	Name        string      `json:"name"`
	AssigneeID  string      `json:"assigneeId,omitempty"`
	RoleID      string      `json:"roleId"`
	Created     string      `json:"created,omitempty"`
	Description string      `json:"description"`
	ServiceID   string      `json:"serviceId"`
	ServiceName string      `json:"serviceName"`
	FileID      string      `json:"fileId"`
	EFormID     string      `json:"eFormId"`
	Status      statusModel `json:"status"`
}

type dataUserTask struct {
	TaskID        string                    `json:"taskId"`
	TaskName      string                    `json:"taskName"`
	AssigneeID    string                    `json:"assigneeId,omitempty"`
	RoleID        string                    `json:"roleId"`
	Created       string                    `json:"created,omitempty"`
	Description   string                    `json:"description"`
	FileID        string                    `json:"fileId"`
	ServiceID     string                    `json:"serviceId"`
	ServiceName   string                    `json:"serviceName"`
	EFormID       string                    `json:"eFormId"`
	FormVariables map[string]map[string]any `json:"formVariables"`
	Status        statusModel               `json:"status"`
	Data          map[string]map[string]any `json:"data"`
}

type completedTask struct {
	TaskID    string      `json:"taskId"`
	FileID    string      `json:"fileId"`
	ServiceID string      `json:"serviceId"`
	Status    statusModel `json:"status"`
}

func assignee(a *applications.Application) string {
	if a.AssigneeID == 0 {
		return ""
	}
	return strconv.FormatInt(a.AssigneeID, 10)
}

func (s *Service) taskOf(a *applications.Application, l lang.Lang) userTask {
	name := s.serviceName(a.Service, l)
	return userTask{TaskID: a.Number, MainTaskID: a.Number, Name: name, AssigneeID: assignee(a), RoleID: "agency:" + a.Agency,
		Created: timeText(a.SubmittedAt), Description: a.Ref(), ServiceID: serviceID(a.Service), ServiceName: name,
		FileID: a.Number, EFormID: eFormID(a.Service), Status: fileStatus(a.Status)}
}

func (s *Service) listTasks(w http.ResponseWriter, r *http.Request) {
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
	out := []userTask{}
	if c.agency == "" {
		answer(w, http.StatusOK, out) // no agency, no tasks
		return
	}
	list, err := s.apps.Queue(r.Context(), c.actor(), applications.Filter{Statuses: awaiting, Limit: listLimit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, id := range []string{q.Get("mainTaskId"), q.Get("fileId")} {
		if id != "" {
			n, _ := applications.ParseNumber(id)
			list = slices.DeleteFunc(list, func(a *applications.Application) bool { return a.Number != n })
		}
	}
	if id := q.Get("assigneeId"); id != "" {
		list = slices.DeleteFunc(list, func(a *applications.Application) bool { return assignee(a) != id })
	}
	if q.Get("sortBy") != "" || q.Get("sortOrder") != "" {
		if err := sortApplications(list, q.Get("sortBy"), q.Get("sortOrder")); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	list = list[min(first, len(list)):min(first+max, len(list))]
	l := lang.FromAcceptLanguage(r.Header.Get("Accept-Language"))
	var fins []string
	for _, a := range list {
		out = append(out, s.taskOf(a, l))
		fins = append(fins, a.FIN)
	}
	if err := s.recordPersonalData(r.Context(), r, "Registration tasks", fins); err != nil {
		s.fail(w, r, err)
		return
	}
	answer(w, http.StatusOK, out)
}

// task loads the open task id of c's agency.
func (s *Service) task(r *http.Request, c caller, id string) (*applications.Application, error) {
	notFound := errs.E(errs.NotFound, "govstack.error.no_task")
	if c.agency == "" {
		return nil, notFound
	}
	a, err := s.visible(r.Context(), c, id)
	if errs.KindOf(err) == errs.NotFound || err == nil && a.Agency != c.agency {
		return nil, notFound
	}
	return a, err
}

func (s *Service) getTask(w http.ResponseWriter, r *http.Request) {
	c, err := s.callerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.task(r, c, r.PathValue("id"))
	if err == nil && !slices.Contains(awaiting, a.Status) {
		err = errs.E(errs.NotFound, "govstack.error.no_task")
	}
	if err == nil {
		err = s.recordPersonalData(r.Context(), r, "Registration task "+a.Number, []string{a.FIN})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := lang.FromAcceptLanguage(r.Header.Get("Accept-Language"))
	t := s.taskOf(a, l)
	out := dataUserTask{TaskID: t.TaskID, TaskName: t.Name, AssigneeID: t.AssigneeID, RoleID: t.RoleID, Created: t.Created,
		Description: t.Description, FileID: t.FileID, ServiceID: t.ServiceID, ServiceName: t.ServiceName, EFormID: t.EFormID,
		FormVariables: map[string]map[string]any{}, Status: t.Status,
		Data: map[string]map[string]any{"applicant": {"value": a.FIN}, "dueDate": {"value": timeText(a.DueAt)}}}
	if schema, answers, err := s.apps.Answers(a); err == nil {
		out.FormVariables = dataOf(schema, answers)
	}
	answer(w, http.StatusOK, out)
}

// decision is a task's completion: data.decision of the body.
type decision struct {
	Code    string    `json:"code"`    // APPROVED, REJECTED or SENDBACK
	Reason  lang.Text `json:"reason"`  // an approval's (optional) or rejection's reason, in az, en and ru
	Message string    `json:"message"` // what SENDBACK asks the applicant
}

func (s *Service) completeTask(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := s.callerOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body struct {
		Data struct {
			Decision *decision `json:"decision"`
		} `json:"data"`
	}
	if err := decode(w, r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.task(r, c, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := body.Data.Decision
	if d == nil || !slices.Contains([]string{"APPROVED", "REJECTED", "SENDBACK"}, d.Code) {
		s.fail(w, r, errs.E(errs.Invalid, "govstack.error.bad_decision").Field("data.decision.code", "govstack.error.bad_decision"))
		return
	}
	var done *applications.Application
	switch d.Code {
	case "SENDBACK":
		done, err = s.apps.RequestInfo(ctx, c.actor(), a.Number, d.Message)
	default:
		done, err = s.apps.Decide(ctx, c.actor(), a.Number, d.Code == "APPROVED", d.Reason)
	}
	if errs.KindOf(err) == errs.Conflict {
		// Completed already: a replay answers what it did, another
		// decision is refused.
		if again, _, lerr := s.apps.ByNumber(ctx, a.Number); lerr == nil && fileStatus(again.Status).Code == d.Code {
			done, err = again, nil
		}
	}
	if err != nil {
		s.fail(w, r, decisionFields(err))
		return
	}
	answer(w, http.StatusOK, completedTask{TaskID: done.Number, FileID: done.Number, ServiceID: serviceID(done.Service),
		Status: fileStatus(done.Status)})
}

// decisionFields names the invalid parts of a decision as the body does.
func decisionFields(err error) error {
	e := errs.As(err)
	if e == nil || e.Kind != errs.Invalid || len(e.Fields) == 0 {
		return err
	}
	out := &errs.Error{Kind: e.Kind, Message: "govstack.error.bad_decision", Fields: map[string]string{},
		FieldArgs: map[string]map[string]any{}}
	for f, m := range e.Fields {
		name := "data.decision." + f
		if l, ok := strings.CutPrefix(f, "reason_"); ok {
			name = "data.decision.reason." + l
		}
		out.Fields[name] = m
		if args := e.FieldArgs[f]; args != nil {
			out.FieldArgs[name] = args
		}
	}
	return out
}
