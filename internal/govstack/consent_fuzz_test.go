package govstack

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/egov/egov/internal/consent"
)

// The Consent block's query strings, individual header and bodies are
// outside input: reading them never panics, pages stay in bounds, and
// the individual named is the one given.
func FuzzConsentRequest(f *testing.F) {
	f.Add("offset=2&limit=10", "", `{"dataAgreement":{"id":"","version":"1","purpose":"p","lawfulBasis":"consent","dpia":""}}`)
	f.Add("limit=101", "abc", `{"policy":{"name":"p","url":"https://x"}}`)
	f.Add("offset=-1&individualId=a", "b", `{"individual":{"externalId":"5zqx7ka","externalIdType":"fin"}}`)
	f.Add("individualId=%zz", "", `{"consentRecord":{"optIn":false,"dataAgreement":null}}`)
	f.Add("limit=9999999999999999999999", "x", `{"webhook":{"payloadUrl":"http://[::1","secretKey":""}}`)
	f.Fuzz(func(t *testing.T, query, header, body string) {
		r := httptest.NewRequest("GET", "/config/policies/", nil)
		r.URL.RawQuery = query
		r.Header.Set(HeaderIndividual, header)
		if p, err := consentPage(r); err == nil && (p.Offset < 0 || p.Limit < 0 || p.Limit > consent.MaxLimit) {
			t.Fatalf("page out of bounds: %+v", p)
		}
		if id, err := individualOf(r); err == nil {
			q := ""
			if v, err := url.ParseQuery(query); err == nil {
				q = v.Get("individualId")
			}
			if id != q && id != r.Header.Get(HeaderIndividual) || id == "" {
				t.Fatalf("individual %q from query %q and header %q", id, query, header)
			}
		}
		var in struct {
			Policy        *cPolicy
			DataAgreement *cAgreement
			Individual    *cIndividual
			Webhook       *cWebhook
			ConsentRecord *cRecord
		}
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		if in.Policy != nil {
			p := policyFrom(*in.Policy)
			p.Validate()
		}
		if in.DataAgreement != nil {
			a := agreementFrom(*in.DataAgreement)
			a.Validate()
		}
		if in.Individual != nil {
			i := individualFrom(*in.Individual)
			i.Validate()
		}
		if in.Webhook != nil {
			w := webhookFrom(*in.Webhook)
			w.Validate(false)
		}
	})
}
