package govstack

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"unicode/utf8"
)

// The banks' messages, read strictly: the headers and fields the files
// require, within the lengths they give. A message that breaks them is
// answered 400 with the file's own body, whose reason says what is wrong.

// p2gHeader is what every message carries in its headers.
type p2gHeader struct {
	Correlation string // X-CorrelationID
	Tenant      string // (X-)Platform-TenantId
	PayerFI     string // (X-)PayerFI-Id
}

// p2gBadRequest is a message refused with the file's 400 body: its
// reason is the message key's text (answer.go's details), naming the
// header or field at fault.
type p2gBadRequest struct {
	key, field string
	reason     string
}

func (e *p2gBadRequest) Error() string { return e.reason }

func bad(key, field string) error {
	reason := details[key]
	if field != "" {
		reason += " (" + field + ")"
	}
	return &p2gBadRequest{key: key, field: field, reason: reason}
}

// p2gText checks a required text of at most max bytes.
func p2gText(name, v string, max int) error {
	if v == "" {
		return bad("govstack.error.p2g_required", name)
	}
	if len(v) > max || !utf8.ValidString(v) {
		return bad("govstack.error.p2g_too_long", name)
	}
	return nil
}

// parseP2GHeader reads the headers; the bill inquiry names them without
// the X- its later messages have (prefixed false).
func parseP2GHeader(h http.Header, prefixed bool) (p2gHeader, error) {
	x := ""
	if prefixed {
		x = "X-"
	}
	out := p2gHeader{Correlation: h.Get("X-CorrelationID"), Tenant: h.Get(x + "Platform-TenantId"), PayerFI: h.Get(x + "PayerFI-Id")}
	for _, f := range []struct{ name, v string }{{"X-CorrelationID", out.Correlation},
		{x + "Platform-TenantId", out.Tenant}, {x + "PayerFI-Id", out.PayerFI}} {
		if err := p2gText(f.name, f.v, 20); err != nil {
			return out, err
		}
	}
	return out, nil
}

// strictJSON decodes body into v, refusing anything but one JSON object.
func strictJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return bad("govstack.error.bad_json", "")
	}
	if dec.More() {
		return bad("govstack.error.bad_json", "")
	}
	return nil
}

// billInquiry is billInquiryRequest.yml's body.
type billInquiry struct {
	RequestID string `json:"requestId"`
	BillID    string `json:"billId"`
}

// parseBillInquiry reads a bill inquiry: the bill in the path, the
// required query fields=inquiry and the required body, whose billId (if
// given) must be the path's. egov needs requestId: it is what the payment
// refers to and what makes a repeat the same inquiry.
func parseBillInquiry(path string, query url.Values, body []byte) (billInquiry, error) {
	var in billInquiry
	if query.Get("fields") != "inquiry" {
		return in, bad("govstack.error.p2g_fields", "")
	}
	if err := strictJSON(body, &in); err != nil {
		return in, err
	}
	if err := p2gText("requestId", in.RequestID, 12); err != nil {
		return in, err
	}
	if err := p2gText("billId", path, 20); err != nil {
		return in, err
	}
	if in.BillID != "" && in.BillID != path {
		return in, bad("govstack.error.p2g_bill_mismatch", "")
	}
	in.BillID = path
	return in, nil
}

// billPayment is billPaymentRequest.yml's body: the bank paid the bill
// it inquired about, under its own reference.
type billPayment struct {
	RequestID            string `json:"requestId"`
	BillInquiryRequestID string `json:"billInquiryRequestId"`
	BillID               string `json:"billId"`
	PaymentReferenceID   string `json:"paymentReferenceID"`
}

func parseBillPayment(body []byte) (billPayment, error) {
	var in billPayment
	if err := strictJSON(body, &in); err != nil {
		return in, err
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"requestId", in.RequestID, 12}, {"billInquiryRequestId", in.BillInquiryRequestID, 12},
		{"billId", in.BillID, 20}, {"paymentReferenceID", in.PaymentReferenceID, 16}} {
		if err := p2gText(f.name, f.v, f.max); err != nil {
			return in, err
		}
	}
	return in, nil
}
