package sandbox_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egov/egov/internal/payments/sandbox"
)

const key = "test-key"

func call(t *testing.T, srv *httptest.Server, method, path, idem, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber() // amounts stay integers
	dec.Decode(&out)
	return resp.StatusCode, out, resp.Header
}

func TestAPI(t *testing.T) {
	acq := sandbox.New(sandbox.Config{BaseURL: "http://acq.test", APIKey: key})
	defer acq.Close()
	srv := httptest.NewServer(acq)
	defer srv.Close()
	body := `{"amount":1234,"reference":"P1","return_url":"https://egov.test/back"}`

	req, _ := http.NewRequest("POST", srv.URL+"/v1/payments", strings.NewReader(body))
	req.Header.Set("Idempotency-Key", "k1")
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without the key: %d", resp.StatusCode)
	}
	if status, _, _ := call(t, srv, "POST", "/v1/payments", "", body); status != http.StatusBadRequest {
		t.Errorf("without Idempotency-Key: %d", status)
	}
	status, first, _ := call(t, srv, "POST", "/v1/payments", "k1", body)
	if status != http.StatusCreated || first["state"] != "created" || !strings.HasPrefix(first["next_url"].(string), "http://acq.test/pay/sbx_") {
		t.Fatalf("create: %d %v", status, first)
	}
	status, again, hdr := call(t, srv, "POST", "/v1/payments", "k1", body)
	if status != http.StatusCreated || again["id"] != first["id"] || hdr.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d %v", status, again)
	}
	if status, _, _ := call(t, srv, "POST", "/v1/payments", "k1", strings.Replace(body, "1234", "1", 1)); status != http.StatusUnprocessableEntity {
		t.Errorf("same key, other body: %d", status)
	}
	id := first["id"].(string)
	if status, _, _ := call(t, srv, "POST", "/v1/payments/"+id+"/refunds", "r0", `{"amount":1}`); status != http.StatusUnprocessableEntity {
		t.Errorf("refund before paying: %d", status)
	}
	if err := acq.Charge(id, sandbox.CardSuccess); err != nil {
		t.Fatal(err)
	}
	if status, got, _ := call(t, srv, "GET", "/v1/payments/"+id, "", ""); status != http.StatusOK || got["state"] != "succeeded" {
		t.Errorf("status: %d %v", status, got)
	}
	// Concurrent repeats of one refund refund once.
	var wg sync.WaitGroup
	ids := make(chan any, 10)
	for range 10 {
		wg.Go(func() {
			_, rf, _ := call(t, srv, "POST", "/v1/payments/"+id+"/refunds", "r1", `{"amount":1000}`)
			ids <- rf["id"]
		})
	}
	wg.Wait()
	close(ids)
	var first1 any
	for got := range ids {
		if first1 == nil {
			first1 = got
		}
		if got != first1 || got == nil {
			t.Errorf("refund repeats answered %v and %v", first1, got)
		}
	}
	if status, _, _ := call(t, srv, "POST", "/v1/payments/"+id+"/refunds", "r2", `{"amount":235}`); status != http.StatusUnprocessableEntity {
		t.Errorf("refund of more than is left: %d", status)
	}
	if _, got, _ := call(t, srv, "GET", "/v1/payments/"+id, "", ""); got["refunded"] != json.Number("1000") {
		t.Errorf("refunded %v", got["refunded"])
	}
	if status, _, _ := call(t, srv, "GET", "/v1/payments/sbx_nope", "", ""); status != http.StatusNotFound {
		t.Errorf("unknown: %d", status)
	}
}

// TestWebhookRetried: a webhook the receiver fails is sent again until
// it is taken, each time signed over the very body.
func TestWebhookRetried(t *testing.T) {
	secret := []byte("sandbox-webhook-secret-0123456789")
	var calls atomic.Int32
	done := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sig := r.Header.Get("Acquirer-Signature")
		ts, v1, _ := strings.Cut(strings.TrimPrefix(sig, "t="), ",v1=")
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(ts + "."))
		mac.Write(body)
		if v1 != hex.EncodeToString(mac.Sum(nil)) {
			t.Errorf("bad signature %q", sig)
		}
		if calls.Add(1) < 3 {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if !strings.Contains(string(body), `"state":"succeeded"`) {
			t.Errorf("body %s", body)
		}
		close(done)
	}))
	defer hook.Close()
	acq := sandbox.New(sandbox.Config{APIKey: key, WebhookURL: hook.URL, WebhookSecret: secret,
		RetryDelays: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond}})
	defer acq.Close()
	srv := httptest.NewServer(acq)
	defer srv.Close()
	_, p, _ := call(t, srv, "POST", "/v1/payments", "k", `{"amount":5,"reference":"P","return_url":"https://e.test/"}`)
	if err := acq.Charge(p["id"].(string), sandbox.CardSuccess); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("webhook taken after %d calls", calls.Load())
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("%d calls, want 3", got)
	}
}
