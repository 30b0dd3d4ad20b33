package govstack

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/files"
	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

// details are the problems' texts. The GovStack APIs are machine
// interfaces specified in English, so their errors are in English.
var details = map[string]string{
	"govstack.error.no_client":            "The gateway named no client subsystem.",
	"govstack.error.bad_json":             "The body is not the JSON object this operation takes.",
	"govstack.error.bad_code":             "The code is 1 to 64 letters, digits, '.', '-' or '_'.",
	"govstack.error.bad_version":          "The version is 1 to 64 letters, digits, '.', '-' or '_'.",
	"govstack.error.reserved_code":        "This code names a base registry.",
	"govstack.error.bad_schema":           "The schema is not a JSON schema that compiles.",
	"govstack.error.bad_key":              "The record's key is an integer or a text of at most 128 characters without '/', '?' or '#'.",
	"govstack.error.record_too_large":     "The record is larger than 256 KiB.",
	"govstack.error.record_invalid":       "The record does not satisfy the registry's schema.",
	"govstack.error.no_registry":          "No such registry.",
	"govstack.error.registry_exists":      "A registry with this code and version exists.",
	"govstack.error.not_owner":            "Only the client that defined this registry may change or delete it.",
	"govstack.error.no_read_right":        "This client may not read this registry.",
	"govstack.error.no_write_right":       "This client may not write to this registry.",
	"govstack.error.no_record":            "no record found",
	"govstack.error.record_exists":        "A record with this key exists.",
	"govstack.error.query_required":       "The operation needs query.content.",
	"govstack.error.base_read_only":       "Base registries are kept by their agencies and are read-only here.",
	"govstack.error.base_key_required":    "A base registry is searched by its key only: name it in query.content (or query.<key>).",
	"govstack.error.bad_search":           "search is UTF-8 text of at most 256 bytes.",
	"govstack.error.bad_batch":            "recipientInfo.batchEmailAsBase64 is base64 of a JSON list of 1 to 500 {\"recipientInfo\": {…}}.",
	"govstack.error.bad_encoding":         "emailContent.encoding is UTF-8.",
	"govstack.error.bad_email":            "The e-mail cannot be sent: check the address, the title and text (at most 2000 characters each) and the callback URI (https).",
	"govstack.error.bad_request_uid":      "requestUid is the uid a send answered.",
	"govstack.error.bad_status":           "status lists scheduled, processing, deferred, bounced, notSent or delivered.",
	"govstack.error.no_request":           "No e-mail was sent under this requestUid by this client.",
	"govstack.error.no_service":           "No such service.",
	"govstack.error.no_eform":             "No such e-form.",
	"govstack.error.bad_page":             "page is 1 or more and pageSize 1 to 100.",
	"govstack.error.no_field":             "The record has no such field.",
	"govstack.error.bad_ext":              "readValue answers json only.",
	"govstack.error.bad_user":             "userId is a FIN: seven letters and digits.",
	"govstack.error.no_usage":             "Person requests not found",
	"govstack.error.unknown_database":     "databaseId names no registry whose reads are tracked.",
	"govstack.error.bad_id":               "The id is a registry's number.",
	"govstack.error.not_served":           "Not served here: see docs/GOVSTACK.md.",
	"govstack.error.base_no_definition":   "Base registries' definitions are not changed through this API.",
	"govstack.error.payments_off":         "The Payments block is not served by this instance.",
	"govstack.error.not_payer_fi":         "This client is not a Payer FI registered with the Payments block.",
	"govstack.error.bad_payer_fi":         "A Payer FI has an id of 1 to 20 characters, a subsystem and a name.",
	"govstack.error.bad_biller":           "X-billerId is the calling system's member code.",
	"govstack.error.bad_p2g":              "The message breaks its specification.",
	"govstack.error.bill_not_open":        "The bill is paid, cancelled or owes nothing.",
	"govstack.error.rtp_amount":           "billDetails.amount is not what the bill owes now.",
	"govstack.error.unknown_payer_fi":     "payerFIBIC names no Payer FI registered with the Payments block.",
	"govstack.error.rtp_reused":           "This rtpId or requestId was used for another request to pay.",
	"govstack.error.no_rtp":               "No such request to pay of this client.",
	"govstack.error.p2g_too_large":        "The body is too large.",
	"govstack.error.p2g_not_your_id":      "PayerFI-Id is not the calling bank's.",
	"govstack.error.p2g_request_reused":   "This requestId was used for another bill.",
	"govstack.error.p2g_required":         "A header or field the specification requires is missing.",
	"govstack.error.p2g_too_long":         "A header or field is longer than the specification allows, or not UTF-8.",
	"govstack.error.p2g_fields":           "The query needs fields=inquiry.",
	"govstack.error.p2g_bill_mismatch":    "billId in the body is not the path's.",
	"govstack.error.p2g_rtp_id":           "rtpId is a positive integer: the biller's own for a request to pay, the rTPID egov sent for an answer.",
	"govstack.error.p2g_request_type":     "requestType is 00 or 01.",
	"govstack.error.p2g_rtp_status":       "rtpStatus is 00 or 01.",
	"govstack.error.p2g_transfer_request": "transferRequestId is the biller's rtpId of the request to pay.",
	"govstack.error.bad_application":      "The application file cannot be taken: see errors.",
	"govstack.error.bad_answers":          "The form's answers are not valid: see errors.",
	"govstack.error.bad_applicant":        "applicantId is the applicant's FIN: seven letters and digits.",
	"govstack.error.unknown_applicant":    "No person with this FIN is in the population registry.",
	"govstack.error.other_applicant":      "applicantId is not this application's applicant.",
	"govstack.error.bad_value":            "Each answer is an object {\"value\": …} with a text, a number, true or false, or a list of texts.",
	"govstack.error.not_online":           "This service cannot be applied for online.",
	"govstack.error.key_reused":           "This idempotency key (or created time) was used for another application.",
	"govstack.error.no_application":       "No such application file.",
	"govstack.error.not_submitter":        "Only the client that submitted the application may update it.",
	"govstack.error.no_message":           "formData.data.message's value is the answer to the agency (at most 5000 characters).",
	"govstack.error.bad_window":           "firstResult is 0 or more and maxResult 1 to 100.",
	"govstack.error.bad_sort":             "sortBy is created, dueDate or id; sortOrder asc or desc.",
	"govstack.error.bad_upload":           "The body is multipart/form-data with one part named file.",
	"govstack.error.no_document":          "A document is the url an upload by this client answered.",
	"govstack.error.no_task":              "No such task.",
	"govstack.error.bad_decision":         "data.decision is {\"code\": \"APPROVED\", \"REJECTED\" or \"SENDBACK\", \"reason\": {\"az\", \"en\", \"ru\"}, \"message\"}.",
	"govstack.error.bad_statistics":       "The statistics' parameters are not valid: see errors.",
	"govstack.error.bad_date":             "A date is YYYY-MM-DD.",
	"govstack.error.bad_timeframe":        "timeframe is day, week, month or year.",
	"govstack.error.bad_role":             "role is staff, api or system.",
	"govstack.error.bad_member":           "A member is INSTANCE/CLASS/MEMBER.",
	"govstack.error.no_agency":            "No such agency in the catalog.",
}

// moduleMessages are the messages of the modules whose errors the blocks
// pass on (the form engine's, files', applications'), in English.
var moduleMessages = sync.OnceValue(func() *web.Messages {
	m := web.NewMessages()
	m.MustLoad(forms.Locales, "locales")
	m.MustLoad(files.Locales, "locales")
	m.MustLoad(applications.Locales, "locales")
	return m
})

// detailOf is the English text of a message key with its placeholders.
func detailOf(key string, args map[string]any) string {
	if d, ok := details[key]; ok {
		return d
	}
	if key == "" {
		return ""
	}
	var pairs []any
	for k, v := range args {
		if t, ok := v.(lang.Text); ok {
			v = t.In(lang.EN)
		}
		pairs = append(pairs, k, v)
	}
	return moduleMessages().T(lang.EN, key, pairs...)
}

// fail answers err as problem details, or, when the specification
// declares the status with an application/json body, as that.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error, declaredJSON ...int) {
	e := errs.As(err)
	if e == nil || e.Kind == errs.Internal || e.Kind == "" {
		s.logger.Error("govstack: request failed", "path", r.URL.Path, "err", err)
		e = errs.E(errs.Internal, "")
	}
	status := web.Status(e.Kind)
	if e.Kind == errs.Invalid {
		// The specifications answer a bad request 400, never 422.
		status = http.StatusBadRequest
	}
	p := web.Problem{Type: "/problems/" + strings.ReplaceAll(string(e.Kind), "_", "-"), Title: http.StatusText(status),
		Status: status, Detail: detailOf(e.Message, e.Args), Instance: r.URL.Path}
	for f, m := range e.Fields {
		p.Errors = append(p.Errors, web.ProblemField{Field: f, Detail: detailOf(m, e.FieldArgs[f])})
	}
	sort.Slice(p.Errors, func(i, j int) bool { return p.Errors[i].Field < p.Errors[j].Field })
	if inner := errors.Unwrap(e); inner != nil && e.Kind == errs.Invalid {
		// The schema's own explanation helps the caller fix the record.
		p.Errors = append(p.Errors, web.ProblemField{Field: "content", Detail: inner.Error()})
	}
	ct := "application/problem+json"
	for _, s := range declaredJSON {
		if s == status {
			ct = "application/json"
		}
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// answer writes v as JSON.
func answer(w http.ResponseWriter, status int, v any) { web.JSON(w, status, v) }

// maxBody is the largest request body read.
const maxBody = 1 << 20

// decode reads a JSON object body into v.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return errs.E(errs.Invalid, "govstack.error.bad_json")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &errs.Error{Kind: errs.Invalid, Message: "govstack.error.bad_json", Err: err}
	}
	return nil
}
