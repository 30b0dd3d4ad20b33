package govstack

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

// details are the problems' texts. The GovStack APIs are machine
// interfaces specified in English, so their errors are in English.
var details = map[string]string{
	"govstack.error.no_client":          "The gateway named no client subsystem.",
	"govstack.error.bad_json":           "The body is not the JSON object this operation takes.",
	"govstack.error.bad_code":           "The code is 1 to 64 letters, digits, '.', '-' or '_'.",
	"govstack.error.bad_version":        "The version is 1 to 64 letters, digits, '.', '-' or '_'.",
	"govstack.error.reserved_code":      "This code names a base registry.",
	"govstack.error.bad_schema":         "The schema is not a JSON schema that compiles.",
	"govstack.error.bad_key":            "The record's key is an integer or a text of at most 128 characters without '/', '?' or '#'.",
	"govstack.error.record_too_large":   "The record is larger than 256 KiB.",
	"govstack.error.record_invalid":     "The record does not satisfy the registry's schema.",
	"govstack.error.no_registry":        "No such registry.",
	"govstack.error.registry_exists":    "A registry with this code and version exists.",
	"govstack.error.not_owner":          "Only the client that defined this registry may change or delete it.",
	"govstack.error.no_read_right":      "This client may not read this registry.",
	"govstack.error.no_write_right":     "This client may not write to this registry.",
	"govstack.error.no_record":          "no record found",
	"govstack.error.record_exists":      "A record with this key exists.",
	"govstack.error.query_required":     "The operation needs query.content.",
	"govstack.error.base_read_only":     "Base registries are kept by their agencies and are read-only here.",
	"govstack.error.base_key_required":  "A base registry is searched by its key only: name it in query.content (or query.<key>).",
	"govstack.error.bad_search":         "search is UTF-8 text of at most 256 bytes.",
	"govstack.error.bad_batch":          "recipientInfo.batchEmailAsBase64 is base64 of a JSON list of 1 to 500 {\"recipientInfo\": {…}}.",
	"govstack.error.bad_encoding":       "emailContent.encoding is UTF-8.",
	"govstack.error.bad_email":          "The e-mail cannot be sent: check the address, the title and text (at most 2000 characters each) and the callback URI (https).",
	"govstack.error.bad_request_uid":    "requestUid is the uid a send answered.",
	"govstack.error.bad_status":         "status lists scheduled, processing, deferred, bounced, notSent or delivered.",
	"govstack.error.no_request":         "No e-mail was sent under this requestUid by this client.",
	"govstack.error.no_service":         "No such service.",
	"govstack.error.no_eform":           "No such e-form.",
	"govstack.error.bad_page":           "page is 1 or more and pageSize 1 to 100.",
	"govstack.error.no_field":           "The record has no such field.",
	"govstack.error.bad_ext":            "readValue answers json only.",
	"govstack.error.bad_user":           "userId is a FIN: seven letters and digits.",
	"govstack.error.no_usage":           "Person requests not found",
	"govstack.error.unknown_database":   "databaseId names no registry whose reads are tracked.",
	"govstack.error.bad_id":             "The id is a registry's number.",
	"govstack.error.not_served":         "Not served here: see docs/GOVSTACK.md.",
	"govstack.error.base_no_definition": "Base registries' definitions are not changed through this API.",
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
		Status: status, Detail: details[e.Message], Instance: r.URL.Path}
	for f, m := range e.Fields {
		p.Errors = append(p.Errors, web.ProblemField{Field: f, Detail: details[m]})
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
