package govstack_test

import (
	"net/http"
	"sort"
	"testing"

	"github.com/egov/egov/internal/govstack"
)

// consentOperations are every operation of the Consent block, each with
// a request the specification takes (it declares no security and no
// headers: anonymous and unsecured).
func consentOperations() []operation {
	const id = "00000000-0000-4000-8000-000000000001"
	policy := map[string]any{"policy": map[string]any{"id": "", "name": "p", "version": "1", "url": "https://example.org/p"}}
	agreement := map[string]any{"dataAgreement": map[string]any{"id": "", "version": "1", "purpose": "p", "lawfulBasis": "consent", "dpia": ""}}
	individual := map[string]any{"individual": map[string]any{"id": "", "externalId": "5ZQX7KA", "externalIdType": "fin"}}
	webhook := map[string]any{"webhook": map[string]any{"id": "", "payloadUrl": "https://example.org/hook", "contentType": "application/json",
		"disabled": false, "secretKey": "0123456789abcdef"}}
	record := map[string]any{"id": id, "dataAgreementRevisionHash": "x", "state": "signed", "optIn": false}
	signature := map[string]any{"id": "", "payload": "", "signature": "", "verificationMethod": "", "verificationPayload": "",
		"verificationPayloadHash": "", "verificationSignedBy": "", "timestamp": ""}
	header := map[string]string{govstack.HeaderIndividual: id}
	op := func(method, path string, body any) operation {
		return operation{spec: cs, method: method, path: path, body: body, unsecured: true, anonymous: true, header: header}
	}
	return []operation{
		op("POST", "/config/policy/", policy),
		op("GET", "/config/policy/"+id+"/", nil),
		op("PUT", "/config/policy/"+id+"/", policy),
		op("DELETE", "/config/policy/"+id+"/", nil),
		op("GET", "/config/policy/"+id+"/revisions/", nil),
		op("GET", "/config/policies/", nil),
		op("GET", "/config/data-agreement/"+id+"/", nil),
		op("PUT", "/config/data-agreement/"+id+"/", agreement),
		op("DELETE", "/config/data-agreement/"+id+"/", nil),
		op("POST", "/config/data-agreement/", agreement),
		op("GET", "/config/data-agreements/", nil),
		op("POST", "/config/individual/", individual),
		op("GET", "/config/individual/"+id+"/", nil),
		op("GET", "/config/individuals/", nil),
		op("POST", "/config/webhook/", webhook),
		op("GET", "/config/webhook/"+id+"/", nil),
		op("PUT", "/config/webhook/"+id+"/", webhook),
		op("DELETE", "/config/webhook/"+id+"/", nil),
		op("GET", "/config/webhooks/", nil),
		op("POST", "/service/individual/", individual),
		op("GET", "/service/individual/"+id+"/", nil),
		op("PUT", "/service/individual/"+id+"/", individual),
		op("GET", "/service/individuals/", nil),
		op("GET", "/service/data-agreement/"+id+"/", nil),
		op("GET", "/service/policy/"+id+"/", nil),
		op("GET", "/service/verification/data-agreements/", nil),
		op("GET", "/service/verification/consent-records/", nil),
		op("GET", "/service/verification/consent-record/"+id+"/", nil),
		op("POST", "/service/individual/record/data-agreement/"+id+"/?individualId="+id, nil),
		op("GET", "/service/individual/record/data-agreement/"+id+"/", nil),
		op("POST", "/service/individual/record/consent-record/draft/?individualId="+id+"&dataAgreementId="+id, nil),
		op("POST", "/service/individual/record/consent-record/", map[string]any{"consentRecord": record, "signature": signature}),
		op("GET", "/service/individual/record/consent-record/", nil),
		op("PUT", "/service/individual/record/consent-record/"+id+"/", map[string]any{"consentRecord": record}),
		op("POST", "/service/individual/record/consent-record/"+id+"/signature/", map[string]any{"signature": signature}),
		op("PUT", "/service/individual/record/consent-record/"+id+"/signature/", map[string]any{"signature": signature}),
		op("GET", "/service/individual/record/data-agreement/"+id+"/all/", nil),
		op("DELETE", "/service/individual/record/", nil),
		op("GET", "/audit/consent-records/", nil),
		op("GET", "/audit/consent-record/"+id+"/", nil),
		op("GET", "/audit/data-agreements/", nil),
		op("GET", "/audit/data-agreement/"+id+"/", nil),
	}
}

// The list above is every operation of the specification, so the
// refusal test walks them all.
func TestConsentOperationsAreAllWalked(t *testing.T) {
	doc, err := govstack.LoadSpec(cs)
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			want = append(want, method+" "+path)
		}
	}
	rt := map[string]bool{}
	for _, op := range consentOperations() {
		req, _ := http.NewRequest(op.method, "http://x"+op.path, nil)
		for path, item := range doc.Paths.Map() {
			if item.GetOperation(op.method) != nil && matchTemplate(path, req.URL.Path) && !rt[op.method+" "+path] {
				rt[op.method+" "+path] = true
				got = append(got, op.method+" "+path)
			}
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if len(want) != 42 || len(got) != len(want) {
		t.Fatalf("the specification's %d operations:\n%v\nwalked %d:\n%v", len(want), want, len(got), got)
	}
}

// matchTemplate matches a path against an OpenAPI path template.
func matchTemplate(template, path string) bool {
	ts, ps := splitSlash(template), splitSlash(path)
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if len(ts[i]) > 0 && ts[i][0] == '{' {
			continue
		}
		if ts[i] != ps[i] {
			return false
		}
	}
	return true
}

func splitSlash(p string) []string {
	var out []string
	cur := ""
	for _, c := range p {
		if c == '/' {
			out = append(out, cur)
			cur = ""
			continue
		}
		cur += string(c)
	}
	return append(out, cur)
}
