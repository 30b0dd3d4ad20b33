package govstack_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/govstack"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

const msg = govstack.SpecMessaging

func emailTo(addr string) map[string]any {
	return map[string]any{
		"callback":      map[string]any{"URI": "https://clinic.example.org/callback"},
		"senderInfo":    map[string]any{"organisationName": "Klinika", "email": "no-reply@clinic.example.org"},
		"recipientInfo": map[string]any{"email": addr, "name": "Aysel"},
		"emailContent":  map[string]any{"encoding": "UTF-8", "title": "Qəbul vaxtınız", "content": "Sabah saat 10:00-da gözləyirik."},
	}
}

func batchTo(addrs ...string) map[string]any {
	var list []map[string]any
	for _, a := range addrs {
		list = append(list, map[string]any{"recipientInfo": map[string]any{"email": a}})
	}
	raw, _ := json.Marshal(list)
	e := emailTo("")
	delete(e, "callback")
	e["callbackURI"] = map[string]any{"URI": "https://clinic.example.org/callback"}
	e["recipientInfo"] = map[string]any{"batchEmailAsBase64": base64.StdEncoding.EncodeToString(raw)}
	return e
}

type acceptedAnswer struct {
	Response   string
	RequestUID string
}

// E-mail sent singly and in batches through the notifications module, and
// their statuses, every request and answer checked against the
// specification (with its Swagger 2 bodies made OpenAPI 3 ones).
func TestMessaging(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		agency := "govstack:" + clinic.String()

		var one acceptedAnswer
		f.call(msg, clinic, "POST", "/send/email/single", emailTo("aysel@example.org")).json(t, &one)
		list, err := f.notify.Notifications(ctx, agency, notify.NotificationFilter{Reference: one.RequestUID})
		if err != nil || len(list) != 1 || list[0].TemplateKey != "govstack.email" {
			t.Fatalf("notifications of %s: %+v %v", one.RequestUID, list, err)
		}
		n, err := f.notify.Notification(ctx, agency, list[0].ID)
		if err != nil || len(n.Deliveries) != 1 || n.Deliveries[0].Channel != "email" || n.Deliveries[0].Address != "aysel@example.org" {
			t.Fatalf("deliveries: %+v %v", n, err)
		}

		var batch acceptedAnswer
		f.call(msg, clinic, "POST", "/send/email/batch", batchTo("a@example.org", "b@example.org", "c@example.org")).json(t, &batch)
		if batch.RequestUID == one.RequestUID {
			t.Fatal("a batch got the single e-mail's uid")
		}

		status := func(t *testing.T, client gateway.ClientID, uid, query string, invalid bool) (int, map[string]int) {
			f := *f
			f.t = t
			f.header = map[string]string{"requestUid": uid}
			res := f.call(msg, client, "GET", "/status/email"+query, nil, invalid)
			var counts map[string]int
			if res.status == http.StatusOK {
				res.json(t, &counts)
			}
			return res.status, counts
		}
		if code, c := status(t, clinic, batch.RequestUID, "?status=scheduled&status=delivered", false); code != 200 || c["scheduled"] != 3 || c["delivered"] != 0 || len(c) != 2 {
			t.Errorf("batch status: %d %v", code, c)
		}
		if code, c := status(t, clinic, one.RequestUID, "?status=scheduled", false); code != 200 || c["scheduled"] != 1 {
			t.Errorf("single status: %d %v", code, c)
		}

		t.Run("errors", func(t *testing.T) {
			bad := emailTo("not an address")
			badBatch := batchTo("a@example.org")
			badBatch["recipientInfo"] = map[string]any{"batchEmailAsBase64": "%%%"}
			latin1 := emailTo("a@example.org")
			latin1["emailContent"].(map[string]any)["encoding"] = "ISO-8859-1"
			cases := []struct {
				name, path string
				body       any
			}{
				{"BadAddress", "/send/email/single", bad},
				{"BadEncoding", "/send/email/single", latin1},
				{"BadBase64", "/send/email/batch", badBatch},
				{"EmptyBatch", "/send/email/batch", batchTo()},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					f := *f
					f.t = t
					if res := f.call(msg, clinic, "POST", c.path, c.body); res.status != http.StatusMethodNotAllowed {
						t.Errorf("status %d, want 405: %s", res.status, res.body)
					}
				})
			}
			if code, _ := status(t, clinic, batch.RequestUID, "?status=lost", true); code != http.StatusMethodNotAllowed {
				t.Errorf("unknown status answered %d", code)
			}
			if code, _ := status(t, nosy, batch.RequestUID, "?status=scheduled", false); code != http.StatusNotFound {
				t.Errorf("another client read the batch's status: %d", code)
			}
			if code, _ := status(t, clinic, "9d6c8a1e-0000-4000-8000-000000000000", "?status=scheduled", false); code != http.StatusNotFound {
				t.Errorf("an unknown uid answered %d", code)
			}
		})
	}, migrations()...)
}
