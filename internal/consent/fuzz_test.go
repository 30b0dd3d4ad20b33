package consent

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/egov/egov/internal/nationalid"
)

// What organisations send (policies, agreements, individuals, webhooks
// as JSON) is outside data: decoding and validating never panic, and
// what is accepted keeps the rules the store relies on.
func FuzzValidate(f *testing.F) {
	f.Add(`{"name":"p","version":"1","url":"https://example.org/p","dataRetentionPeriodDays":30}`)
	f.Add(`{"version":"1","purpose":"SMS","lawfulBasis":"consent","attributes":[{"name":"mobile"}],"controller":{"url":"https://c.example.org"}}`)
	f.Add(`{"externalId":" 5zqx7ka ","externalIdType":"FIN"}`)
	f.Add(`{"payloadUrl":"https://h.example.org/x","contentType":"application/json","secretKey":"0123456789abcdef"}`)
	f.Add(`{"payloadUrl":"javascript:alert(1)","url":"https://user:pw@example.org"}`)
	f.Add(`{"lawfulBasis":"legitimate_interest","dataUse":"x","purpose":"` + strings.Repeat("a", 2001) + `"}`)
	f.Fuzz(func(t *testing.T, raw string) {
		var p Policy
		if json.Unmarshal([]byte(raw), &p) == nil && p.Validate() == nil {
			if u, err := url.Parse(p.URL); err != nil || u.Scheme != "https" || p.RetentionDays < 0 {
				t.Fatalf("accepted policy %+v", p)
			}
		}
		var a Agreement
		if json.Unmarshal([]byte(raw), &a) == nil && a.Validate() == nil {
			if !oneOf(a.LawfulBasis, LawfulBases) || len(a.Purpose) > 2000 || len(a.Attributes) > 100 {
				t.Fatalf("accepted agreement %+v", a)
			}
		}
		var i Individual
		if json.Unmarshal([]byte(raw), &i) == nil && i.Validate() == nil {
			if strings.EqualFold(i.ExternalIDType, ExternalIDTypeFIN) != (i.FIN != "") || i.FIN != "" && (!nationalid.ValidFIN(i.FIN) || i.ExternalID != i.FIN) {
				t.Fatalf("accepted individual %+v", i)
			}
		}
		var w Webhook
		if json.Unmarshal([]byte(raw), &w) == nil && w.Validate(false) == nil {
			if u, err := url.Parse(w.PayloadURL); err != nil || u.Scheme != "https" || u.Host == "" {
				t.Fatalf("accepted webhook %+v", w)
			}
		}
	})
}

// A stored snapshot or signature payload read back is parsed when
// verifying: whatever it holds, reading it never panics.
func FuzzObjectAt(f *testing.F) {
	f.Add(`{"objectData":{"dataAgreement":"a","optIn":true},"schemaName":"consentRecord","objectId":"x"}`)
	f.Add(`{"objectData":[1,2]}`)
	f.Add(`not json`)
	f.Fuzz(func(t *testing.T, snap string) {
		var a Agreement
		objectAt(&Revision{Snapshot: snap}, &a)
		var p payload
		json.Unmarshal([]byte(snap), &p)
	})
}
