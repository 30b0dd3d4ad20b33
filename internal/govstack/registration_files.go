package govstack

import (
	"strconv"
	"time"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/lang"
)

// The Registration block's application files are egov's applications
// (internal/applications) as the specification's schemas say them. A
// file's id is the application's number; a form's answers are
// formData.data, one object {"value": …} per field (the schema takes an
// object for each), the value a text, a number, true/false or a list of
// texts as the e-form's JSON Schema says.

type applicationFileSubmit struct {
	ApplicationName string    `json:"applicationName,omitempty"`
	ApplicantID     string    `json:"applicantId"`
	Created         string    `json:"created,omitempty"`
	FormData        *formData `json:"formData,omitempty"`
	DocumentURLs    []string  `json:"documentUrls,omitempty"`
}

type formData struct {
	Data    map[string]map[string]any `json:"data,omitempty"`
	EFormID string                    `json:"eFormId,omitempty"`
}

type statusModel struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

type applicationFile struct {
	FileID          string                `json:"fileId"`
	ApplicantID     string                `json:"applicantId"` // required by the schema, though not among its properties
	Registered      string                `json:"registered,omitempty"`
	ServiceID       string                `json:"serviceId"`
	ServiceName     string                `json:"serviceName"`
	Status          statusModel           `json:"status"`
	Ended           bool                  `json:"ended"`
	ApplicationData applicationFileSubmit `json:"applicationData"`
}

type applicationListItem struct {
	FileID       string      `json:"fileId"`
	MainTaskID   string      `json:"mainTaskId,omitempty"`
	TaskTitle    string      `json:"taskTitle,omitempty"`
	AssigneeID   string      `json:"assigneeId,omitempty"`
	OperatorName string      `json:"operatorName,omitempty"`
	Status       statusModel `json:"status"`
	ApplicantID  string      `json:"applicantId"`
	Created      string      `json:"created"`
	Registered   string      `json:"registered,omitempty"`
	Description  string      `json:"description"`
	ServiceName  string      `json:"serviceName"`
	ServiceID    string      `json:"serviceId"`
	EFormID      string      `json:"eformId"`
	DocumentURLs []string    `json:"documentUrls"`
}

// fileStatus is an application's status as the specification's four:
// waiting on the agency, sent back to the applicant, approved (and
// issued), rejected (or withdrawn, which the specification has no code
// for); the title says egov's own status.
func fileStatus(st applications.Status) statusModel {
	code := "PENDING"
	switch st {
	case applications.InfoRequested:
		code = "SENDBACK"
	case applications.Approved, applications.Issued:
		code = "APPROVED"
	case applications.Rejected, applications.Withdrawn:
		code = "REJECTED"
	}
	return statusModel{Code: code, Title: statusTitles[st]}
}

var statusTitles = map[applications.Status]string{
	applications.Draft: "Draft", applications.Submitted: "Submitted", applications.AwaitingPayment: "Awaiting payment",
	applications.InReview: "In review", applications.InfoRequested: "More information requested",
	applications.Resubmitted: "Resubmitted", applications.Approved: "Approved", applications.Rejected: "Rejected",
	applications.Issued: "Issued", applications.Withdrawn: "Withdrawn",
}

// ended reports whether the agency's processing is over.
func ended(st applications.Status) bool { return st.Final() || st == applications.Approved }

func timeText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// answersIn reads formData.data into the form's answers; a value that is
// none of the shapes taken is a field error.
func answersIn(data map[string]map[string]any) (forms.Answers, map[string]string) {
	out := forms.Answers{}
	bad := map[string]string{}
	for name, obj := range data {
		v, ok := obj["value"]
		if !ok || len(obj) != 1 {
			bad[name] = "govstack.error.bad_value"
			continue
		}
		switch x := v.(type) {
		case string:
			out[name] = []string{x}
		case bool:
			out[name] = []string{map[bool]string{true: "yes", false: "no"}[x]}
		case float64:
			out[name] = []string{strconv.FormatFloat(x, 'f', -1, 64)}
		case []any:
			for _, item := range x {
				s, ok := item.(string)
				if !ok {
					bad[name] = "govstack.error.bad_value"
					break
				}
				out[name] = append(out[name], s)
			}
		default:
			bad[name] = "govstack.error.bad_value"
		}
	}
	return out, bad
}

// dataOf is the answers as formData.data, by the form's field types.
func dataOf(schema *forms.Schema, answers forms.Answers) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, f := range schema.Fields {
		vals := answers[f.Name]
		if len(vals) == 0 {
			continue
		}
		var v any = vals[0]
		switch f.Type {
		case forms.MultipleChoice, forms.File:
			v = vals
		case forms.YesNo:
			v = vals[0] == "yes"
		case forms.Number, forms.Money:
			if n, err := strconv.ParseFloat(vals[0], 64); err == nil {
				v = n
			}
		}
		out[f.Name] = map[string]any{"value": v}
	}
	return out
}

// documentIDs are the files attached to the application, for its
// documentUrls.
func documentIDs(a *applications.Application) []string {
	out := []string{}
	for _, at := range a.Attachments {
		out = append(out, at.FileID)
	}
	return out
}

// fileOf is the application as the specification's application file.
func (s *Service) fileOf(a *applications.Application, name string, l lang.Lang) applicationFile {
	sub := applicationFileSubmit{ApplicationName: name, ApplicantID: a.FIN, Created: a.CreatedAt.UTC().Format(time.RFC3339),
		DocumentURLs: documentIDs(a)}
	if schema, answers, err := s.apps.Answers(a); err == nil {
		sub.FormData = &formData{Data: dataOf(schema, answers), EFormID: eFormID(a.Service)}
	}
	return applicationFile{FileID: a.Number, ApplicantID: a.FIN, Registered: timeText(a.SubmittedAt), ServiceID: serviceID(a.Service),
		ServiceName: s.serviceName(a.Service, l), Status: fileStatus(a.Status), Ended: ended(a.Status), ApplicationData: sub}
}

func (s *Service) serviceName(slug string, l lang.Lang) string {
	if svc, err := s.catalog.Service(slug); err == nil {
		return svc.Name.In(l)
	}
	return slug
}

func (s *Service) listItemOf(a *applications.Application, l lang.Lang) applicationListItem {
	item := applicationListItem{FileID: a.Number, OperatorName: a.AssigneeName, Status: fileStatus(a.Status),
		ApplicantID: a.FIN, Created: a.CreatedAt.UTC().Format(time.RFC3339), Registered: timeText(a.SubmittedAt),
		Description: a.Ref(), ServiceName: s.serviceName(a.Service, l), ServiceID: serviceID(a.Service),
		EFormID: eFormID(a.Service), DocumentURLs: documentIDs(a)}
	if a.Status.Decidable() {
		item.MainTaskID, item.TaskTitle = a.Number, item.ServiceName
	}
	if a.AssigneeID != 0 {
		item.AssigneeID = strconv.FormatInt(a.AssigneeID, 10)
	}
	return item
}
