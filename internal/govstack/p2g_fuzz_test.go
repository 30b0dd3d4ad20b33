package govstack

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
)

// The banks' messages are outside input: whatever the headers, query and
// body, parsing answers a message within the files' limits or a 400
// reason, and never panics.
func FuzzP2GMessages(f *testing.F) {
	f.Add("B3K9Q2M7X1A", "fields=inquiry", `{"requestId":"INQ1","billId":"B3K9Q2M7X1A"}`, "C-1", "AZ", "KAPIAZ2X")
	f.Add("B3K9Q2M7X1A", "fields=other", `{"requestId":"INQ1"}`, "", "AZ", "KAPIAZ2X")
	f.Add("", "", `{"requestId":"PAY1","billInquiryRequestId":"INQ1","billId":"B3K9Q2M7X1A","paymentReferenceID":"FT0001"}`, "C", "T", "B")
	f.Add("x", "fields=inquiry", `{"requestId":"0123456789abc"}{}`, "012345678901234567890", "AZ", "B")
	f.Add("x", "fields=inquiry&fields=inquiry", `[]`, "C", "\xff", "B")
	f.Add("", "", `{"requestId":"RTP1","rtpId":41,"billID":"B3K9Q2M7X1A","requestType":"00","payerFiDetails":{"payerFIBIC":"KAPIAZ2X"},"billDetails":{"amount":5000}}`, "C", "AZ", "1000000020")
	f.Add("", "", `{"RequestId":"RR1","txnId":"T1","rtpId":1,"billId":"B3K9Q2M7X1A","rtpStatus":"01","rejectReason":null}`, "C", "AZ", "1000000020")
	f.Fuzz(func(t *testing.T, bill, query, body, correlation, tenant, payerFI string) {
		h := http.Header{}
		h.Set("X-CorrelationID", correlation)
		h.Set("Platform-TenantId", tenant)
		h.Set("X-Platform-TenantId", tenant)
		h.Set("PayerFI-Id", payerFI)
		h.Set("X-PayerFI-Id", payerFI)
		for _, prefixed := range []bool{false, true} {
			got, err := parseP2GHeader(h, prefixed)
			check(t, err)
			if err == nil && (len(got.Correlation) > 20 || len(got.Tenant) > 20 || len(got.PayerFI) > 20 || got.PayerFI == "") {
				t.Fatalf("header accepted out of bounds: %+v", got)
			}
		}
		q, _ := url.ParseQuery(query)
		in, err := parseBillInquiry(bill, q, []byte(body))
		check(t, err)
		if err == nil && (in.BillID != bill || len(in.BillID) > 20 || len(in.RequestID) > 12 || in.RequestID == "") {
			t.Fatalf("inquiry accepted out of bounds: %+v", in)
		}
		h.Set("X-billerId", payerFI)
		rh, err := parseRTPHeader(h)
		check(t, err)
		if err == nil && (len(rh.Correlation) > 20 || len(rh.Tenant) > 20 || len(rh.Biller) > 20) {
			t.Fatalf("RTP header accepted out of bounds: %+v", rh)
		}
		if ask, err := parseRTPAsk([]byte(body)); err == nil && (ask.RTPID <= 0 || len(ask.BillID) > 20 || ask.PayerFI.BIC == "") {
			t.Fatalf("RTP accepted out of bounds: %+v", ask)
		} else {
			check(t, err)
		}
		if ans, err := parseRTPAnswer([]byte(body)); err == nil && (ans.RTPID <= 0 || (ans.Status != "00" && ans.Status != "01")) {
			t.Fatalf("RTP answer accepted out of bounds: %+v", ans)
		} else {
			check(t, err)
		}
		p, err := parseBillPayment([]byte(body))
		check(t, err)
		if err == nil && (len(p.RequestID) > 12 || len(p.BillInquiryRequestID) > 12 || len(p.BillID) > 20 ||
			len(p.PaymentReferenceID) > 16 || p.PaymentReferenceID == "") {
			t.Fatalf("payment accepted out of bounds: %+v", p)
		}
	})
}

// check fails on an error that is not a 400 reason.
func check(t *testing.T, err error) {
	var b *p2gBadRequest
	if err != nil && (!errors.As(err, &b) || b.reason == "") {
		t.Fatalf("not a 400 reason: %v", err)
	}
}
