package payments_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/payments/sandbox"
)

func FuzzParseWebhook(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	body, _ := json.Marshal(payments.ProviderPayment{ID: "sbx_1", State: "succeeded", Amount: 100})
	f.Add(body, sandbox.Sign(webhookSecret, body, now))
	f.Add([]byte(`{}`), "t=1800000000,v1=00")
	f.Add([]byte(`{"id":"x","amount":-1}`), "v1=,t=")
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		p, err := payments.ParseWebhook(webhookSecret, body, header, now, time.Minute)
		if err != nil {
			return
		}
		// Whatever passes carries the signature of exactly this body.
		want := sandbox.Sign(webhookSecret, body, time.Unix(mustTS(t, header), 0))
		_, v1, _ := strings.Cut(want, ",v1=")
		if !strings.Contains(strings.ToLower(header), "v1="+v1) {
			t.Fatalf("accepted %q for %q", header, body)
		}
		if p.ID == "" || p.Amount < 0 {
			t.Fatalf("accepted %+v", p)
		}
	})
}

func mustTS(t *testing.T, header string) int64 {
	for _, part := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "t="); ok {
			var n int64
			for _, c := range v {
				n = n*10 + int64(c-'0')
			}
			return n
		}
	}
	t.Fatalf("no timestamp in %q", header)
	return 0
}

func FuzzParseSettlement(f *testing.F) {
	f.Add("id,reference,amount,date\nsbx_1,P1,10.00,2026-03-18\n")
	f.Add("id,reference,amount,date\nsbx_1,P1,10,2026-03-18\n\"a\"\"b\",x,0.01,2026-01-01\n")
	f.Add("id,reference,amount,date\nsbx_1,P1,1e3,2026-03-18\n")
	f.Fuzz(func(t *testing.T, data string) {
		lines, err := payments.ParseSettlement(strings.NewReader(data))
		if err != nil {
			return
		}
		for _, l := range lines {
			if l.Amount < 0 || l.ProviderID == "" {
				t.Fatalf("accepted %+v", l)
			}
			// Amounts read back as written.
			if got, err := payments.ParseAmount(payments.FormatAmount(l.Amount)); err != nil || got != l.Amount {
				t.Fatalf("amount %d round-trips to %d, %v", l.Amount, got, err)
			}
		}
	})
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0.01", "12", "12.3", "999999999999.99", "-1", ".50"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := payments.ParseAmount(s)
		if err != nil {
			return
		}
		if q < 0 {
			t.Fatalf("%q → %d", s, q)
		}
		w := payments.FormatAmount(q)
		if w != s && w != s+".00" {
			t.Fatalf("%q → %d → %q", s, q, w)
		}
	})
}
