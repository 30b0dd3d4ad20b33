package notify

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/egov/egov/internal/errs"
)

func FuzzDecodeAPIRequest(f *testing.F) {
	for _, s := range []string{
		`{"template":"tax.reminder","to":{"email":"a@example.az"},"values":{"number":"1"},"reference":"r"}`,
		`{"template":"tax.reminder","to":{"fin":"5ZQX7KA","lang":"ru"},"callback_url":"https://x.az/cb","callback_token":"t"}`,
		`{"template":"tax.reminder","to":{"phone":"+994501234567"},"callback_url":"http://localhost:8080/"}`,
		`{"template":"tax.reminder","to":{"phone":"+994501234567"}} x`,
		`{"template":1}`, `[]`, `null`, ``, `{"to":{"fin":"\u0000"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeAPIRequest(body)
		if err != nil {
			if errs.KindOf(err) != errs.Invalid {
				t.Fatalf("error %v is not Invalid", err)
			}
			return
		}
		if !keyPattern.MatchString(req.Template) || req.To == (APIRecipient{}) ||
			utf8.RuneCountInString(req.Reference) > maxReference || len(req.Values) > maxAPIValues ||
			len(req.CallbackToken) > maxCallbackToken || req.CallbackToken != "" && req.CallbackURL == "" {
			t.Fatalf("accepted %+v", req)
		}
		if req.CallbackURL != "" && (!validCallbackURL(req.CallbackURL) ||
			!strings.HasPrefix(req.CallbackURL, "https://") && !strings.HasPrefix(req.CallbackURL, "http://")) {
			t.Fatalf("accepted callback %q", req.CallbackURL)
		}
		// What was accepted encodes back to an equal request (the hash
		// that tells a replay from a new request is stable).
		again, _ := json.Marshal(req)
		req2, err := DecodeAPIRequest(again)
		if err != nil || req2.hash() != req.hash() {
			t.Fatalf("round trip of %s: %+v, %v", again, req2, err)
		}
	})
}

func TestValidCallbackURL(t *testing.T) {
	for s, want := range map[string]bool{
		"https://agency.gov.az/notify":             true,
		"http://localhost:8080/cb":                 true,
		"http://127.0.0.1/cb":                      true,
		"http://agency.gov.az/cb":                  false,
		"http://localhost.evil.az/":                false,
		"https://user:pw@agency.gov.az":            false,
		"ftp://agency.gov.az":                      false,
		"https:///nohost":                          false,
		"https://a.az/#frag":                       false,
		"https://a.az/" + strings.Repeat("x", 500): false,
	} {
		if got := validCallbackURL(s); got != want {
			t.Errorf("validCallbackURL(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestOverallStatus(t *testing.T) {
	for _, c := range []struct {
		states []string
		want   string
	}{
		{nil, StateDelivered},
		{[]string{StateSent, StatePending}, StatePending},
		{[]string{StateFailed, StateDelivered}, StateDelivered},
		{[]string{StateFailed, StateSent}, StateSent},
		{[]string{StateExpired, StateFailed}, StateFailed},
		{[]string{StateExpired}, StateExpired},
	} {
		if got := overallStatus(c.states); got != c.want {
			t.Errorf("overallStatus(%v) = %s, want %s", c.states, got, c.want)
		}
	}
}
