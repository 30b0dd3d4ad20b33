package govstack_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/egov/egov/internal/consent"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// hookServer is an organisation's system receiving webhooks: it checks
// each POST's HMAC and counts the deliveries it accepted per event; it
// refuses while down.
type hookServer struct {
	mu       sync.Mutex
	down     bool
	accepted map[string][]consent.RecordEvent
	bad      int
}

func (h *hookServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	mac := hmac.New(sha256.New, []byte(hookSecret))
	mac.Write(body)
	h.mu.Lock()
	defer h.mu.Unlock()
	var ev consent.RecordEvent
	if r.Header.Get(consent.HeaderSignature) != "sha256="+hex.EncodeToString(mac.Sum(nil)) || json.Unmarshal(body, &ev) != nil ||
		r.Header.Get("Content-Type") != "application/json" {
		h.bad++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if h.down {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	id := r.Header.Get(consent.HeaderEventID)
	h.accepted[id] = append(h.accepted[id], ev)
}

const hookSecret = "s3cret-0123456789abcdef"

// A record's events reach the organisation's webhook once each: a
// delivery that fails is retried by the next dispatcher (a restart),
// and one delivered is not sent again by any later one.
func TestConsentWebhookDeliveredOnceAcrossRestart(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := consentFixture(t, db)
		ctx := context.Background()
		hook := &hookServer{down: true, accepted: map[string][]consent.RecordEvent{}}
		srv := httptest.NewServer(hook)
		t.Cleanup(srv.Close)
		var wh struct {
			Webhook struct{ ID, SecretKey string }
		}
		f.call(cs, clinic, "POST", "/config/webhook/", map[string]any{"webhook": map[string]any{"id": "", "payloadUrl": srv.URL + "/consent",
			"contentType": "application/json", "disabled": false, "secretKey": hookSecret}}).json(t, &wh)
		if wh.Webhook.SecretKey != "" {
			t.Errorf("the webhook's secret is answered back")
		}
		// Another organisation's webhook hears nothing of the clinic's records.
		f.call(cs, nosy, "POST", "/config/webhook/", map[string]any{"webhook": map[string]any{"id": "", "payloadUrl": srv.URL + "/nosy",
			"contentType": "application/json", "disabled": false, "secretKey": hookSecret}})

		agreement, individual := consentSetUp(t, f)
		rec := signedRecord(t, f, agreement, individual).ConsentRecord

		run := func(d *events.Dispatcher, rounds int) {
			for range rounds {
				if _, err := d.DispatchOnce(ctx); err != nil {
					t.Fatal(err)
				}
				time.Sleep(5 * time.Millisecond) // past the backoff
			}
		}
		dispatcher := func() *events.Dispatcher {
			d := events.NewDispatcher(db, slog.New(slog.DiscardHandler), events.WithBackoff(time.Millisecond, time.Millisecond))
			f.consent.Subscribe(d)
			return d
		}
		run(dispatcher(), 3) // the system is down: every post fails
		hook.mu.Lock()
		if len(hook.accepted) != 0 {
			t.Fatalf("accepted while down: %v", hook.accepted)
		}
		hook.down = false
		hook.mu.Unlock()

		run(dispatcher(), 3) // restarted: the failed posts go
		run(dispatcher(), 3) // and again: nothing goes twice

		hook.mu.Lock()
		defer hook.mu.Unlock()
		if hook.bad != 0 {
			t.Errorf("%d posts with a bad signature or body", hook.bad)
		}
		var kinds []string
		for id, evs := range hook.accepted {
			if len(evs) != 1 {
				t.Errorf("event %s delivered %d times", id, len(evs))
			}
			if evs[0].ConsentRecordID != rec.ID {
				t.Errorf("event %s is about %s", id, evs[0].ConsentRecordID)
			}
			kinds = append(kinds, evs[0].Event)
		}
		if len(kinds) != 2 {
			t.Errorf("events delivered: %v, want created and signed", kinds)
		}
	}, migrations()...)
}
