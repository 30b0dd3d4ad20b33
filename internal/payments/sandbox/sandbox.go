// Package sandbox is a test acquirer: a separate HTTP service that takes
// card payments on its own hosted page and speaks the API that
// payments.HTTPProvider expects. Mount it under a prefix of the app
// (http.StripPrefix) or run it on its own port; its state is in memory.
//
// API (Authorization: Bearer <APIKey>, JSON):
//
//	POST /v1/payments              {amount, reference, return_url} → 201 payment   (Idempotency-Key)
//	GET  /v1/payments/{id}         → payment
//	POST /v1/payments/{id}/refunds {amount} → 201 refund                           (Idempotency-Key)
//	GET  /v1/settlements?date=YYYY-MM-DD → CSV id,reference,amount,date
//
// Hosted pages: GET/POST /pay/{id}, GET/POST /pay/{id}/3ds, POST /pay/{id}/cancel.
//
// Test cards (any future expiry, any CVC):
//
//	4242424242424242  succeeds
//	4000000000000002  is declined
//	4000000000009995  is declined for insufficient funds
//	4000000000003220  asks for a 3-D Secure code: 123456 succeeds
//
// Any other number passing the Luhn check succeeds. Each change of state
// is sent to WebhookURL as the payment's JSON, signed in the
// Acquirer-Signature header ("t=<unix>,v1=<hex HMAC-SHA256 of t.body>"),
// and retried with backoff until answered 2xx.
package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Test cards.
const (
	CardSuccess           = "4242424242424242"
	CardDecline           = "4000000000000002"
	CardInsufficientFunds = "4000000000009995"
	Card3DS               = "4000000000003220"
	Code3DS               = "123456"
)

// Payment states, as payments.Provider knows them.
const (
	StateCreated   = "created"
	StateSucceeded = "succeeded"
	StateFailed    = "failed"
)

// Config configures the acquirer.
type Config struct {
	// BaseURL is where the acquirer is reachable from browsers, e.g.
	// "http://localhost:8080/sandbox-acquirer"; hosted page links start
	// with it.
	BaseURL string
	// APIKey is what API callers must send as a bearer token.
	APIKey string
	// WebhookURL receives signed notifications; none are sent when empty.
	WebhookURL    string
	WebhookSecret []byte
	// RetryDelays are the waits between webhook attempts (default 1s,
	// 5s, 30s, 2m, 10m).
	RetryDelays []time.Duration
	Client      *http.Client
	Logger      *slog.Logger
	Now         func() time.Time
}

// Payment is a payment as the acquirer keeps it; also its JSON.
type Payment struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	Amount    int64  `json:"amount"`
	Refunded  int64  `json:"refunded"`
	Reference string `json:"reference"`
	NextURL   string `json:"next_url,omitempty"`
	Reason    string `json:"reason,omitempty"`

	returnURL string
	needs3DS  bool
	card      string // last four digits
	settledOn string // YYYY-MM-DD (UTC) when succeeded
}

type stored struct {
	hash   [32]byte
	status int
	body   []byte
}

// Acquirer is the sandbox acquirer; it is an http.Handler.
type Acquirer struct {
	cfg      Config
	mux      *http.ServeMux
	mu       sync.Mutex
	payments map[string]*Payment
	idem     map[string]stored
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// New builds the acquirer.
func New(cfg Config) *Acquirer {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RetryDelays == nil {
		cfg.RetryDelays = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute}
	}
	a := &Acquirer{cfg: cfg, mux: http.NewServeMux(), payments: map[string]*Payment{}, idem: map[string]stored{}}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	a.mux.HandleFunc("POST /v1/payments", a.api(a.create))
	a.mux.HandleFunc("GET /v1/payments/{id}", a.api(a.status))
	a.mux.HandleFunc("POST /v1/payments/{id}/refunds", a.api(a.refund))
	a.mux.HandleFunc("GET /v1/settlements", a.api(a.settlements))
	a.mux.HandleFunc("GET /static/sandbox.css", a.stylesheet)
	cop := http.NewCrossOriginProtection()
	a.mux.Handle("GET /pay/{id}", http.HandlerFunc(a.cardPage))
	a.mux.Handle("POST /pay/{id}", cop.Handler(http.HandlerFunc(a.cardPost)))
	a.mux.Handle("GET /pay/{id}/3ds", http.HandlerFunc(a.threeDSPage))
	a.mux.Handle("POST /pay/{id}/3ds", cop.Handler(http.HandlerFunc(a.threeDSPost)))
	a.mux.Handle("POST /pay/{id}/cancel", cop.Handler(http.HandlerFunc(a.cancelPost)))
	return a
}

// ServeHTTP serves the API and the hosted pages.
func (a *Acquirer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	a.mux.ServeHTTP(w, r)
}

// Close stops webhook retries and waits for the ones in flight.
func (a *Acquirer) Close() {
	a.cancel()
	a.wg.Wait()
}

func newID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "sbx_" + hex.EncodeToString(b)
}

// csvBody is an API answer sent as CSV rather than JSON.
type csvBody string

type apiHandler func(r *http.Request, body []byte) (int, any)

// api checks the key, reads the body and, for POSTs, replays the stored
// answer of a repeated Idempotency-Key (422 when the body differs).
func (a *Acquirer) api(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !hmac.Equal([]byte(r.Header.Get("Authorization")), []byte("Bearer "+a.cfg.APIKey)) || a.cfg.APIKey == "" {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
			return
		}
		var body []byte
		if r.Method == http.MethodPost {
			var buf bytes.Buffer
			if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, 64<<10)); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body too large"})
				return
			}
			body = buf.Bytes()
			key := r.Header.Get("Idempotency-Key")
			if key == "" || len(key) > 255 {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Idempotency-Key required"})
				return
			}
			ik := r.URL.Path + "|" + key
			sum := sha256.Sum256(body)
			a.mu.Lock()
			if s, ok := a.idem[ik]; ok {
				a.mu.Unlock()
				if s.hash != sum {
					writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "Idempotency-Key reused with another body"})
					return
				}
				w.Header().Set("Idempotent-Replayed", "true")
				writeRaw(w, s.status, s.body)
				return
			}
			a.mu.Unlock()
			status, out := h(r, body)
			data, _ := json.Marshal(out)
			a.mu.Lock()
			if s, ok := a.idem[ik]; ok { // a concurrent twin answered first
				a.mu.Unlock()
				writeRaw(w, s.status, s.body)
				return
			}
			if status < 500 {
				a.idem[ik] = stored{hash: sum, status: status, body: data}
			}
			a.mu.Unlock()
			writeRaw(w, status, data)
			return
		}
		status, out := h(r, nil)
		if c, ok := out.(csvBody); ok {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.WriteHeader(status)
			w.Write([]byte(c))
			return
		}
		writeJSON(w, status, out)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, _ := json.Marshal(v)
	writeRaw(w, status, data)
}

func writeRaw(w http.ResponseWriter, status int, data []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(data)
}

func errBody(msg string) map[string]string { return map[string]string{"error": msg} }

func (a *Acquirer) view(p *Payment) Payment {
	out := *p
	if out.State == StateCreated {
		out.NextURL = strings.TrimSuffix(a.cfg.BaseURL, "/") + "/pay/" + p.ID
	}
	return out
}

func (a *Acquirer) create(r *http.Request, body []byte) (int, any) {
	var in struct {
		Amount    int64  `json:"amount"`
		Reference string `json:"reference"`
		ReturnURL string `json:"return_url"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Amount <= 0 || in.Reference == "" ||
		!(strings.HasPrefix(in.ReturnURL, "http://") || strings.HasPrefix(in.ReturnURL, "https://")) {
		return http.StatusBadRequest, errBody("amount, reference and return_url are required")
	}
	p := &Payment{ID: newID(), State: StateCreated, Amount: in.Amount, Reference: in.Reference, returnURL: in.ReturnURL}
	a.mu.Lock()
	a.payments[p.ID] = p
	v := a.view(p)
	a.mu.Unlock()
	return http.StatusCreated, v
}

func (a *Acquirer) status(r *http.Request, _ []byte) (int, any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.payments[r.PathValue("id")]
	if !ok {
		return http.StatusNotFound, errBody("no such payment")
	}
	return http.StatusOK, a.view(p)
}

func (a *Acquirer) refund(r *http.Request, body []byte) (int, any) {
	var in struct {
		Amount int64 `json:"amount"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Amount <= 0 {
		return http.StatusBadRequest, errBody("amount is required")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.payments[r.PathValue("id")]
	if !ok {
		return http.StatusNotFound, errBody("no such payment")
	}
	if p.State != StateSucceeded || p.Refunded+in.Amount > p.Amount {
		return http.StatusUnprocessableEntity, map[string]any{"state": StateFailed, "error": "more than was paid"}
	}
	p.Refunded += in.Amount
	return http.StatusCreated, map[string]any{"id": "rf_" + newID()[4:], "state": StateSucceeded, "amount": in.Amount}
}

func (a *Acquirer) settlements(r *http.Request, _ []byte) (int, any) {
	day := r.URL.Query().Get("date")
	a.mu.Lock()
	defer a.mu.Unlock()
	var lines []string
	for _, p := range a.payments {
		if p.State == StateSucceeded && p.settledOn == day {
			lines = append(lines, fmt.Sprintf("%s,%s,%d.%02d,%s", p.ID, p.Reference, p.Amount/100, p.Amount%100, day))
		}
	}
	slices.Sort(lines)
	return http.StatusOK, csvBody("id,reference,amount,date\n" + strings.Join(append(lines, ""), "\n"))
}

// Errors of Charge.
var (
	ErrNoPayment    = errors.New("sandbox: no such payment")
	ErrNotOpen      = errors.New("sandbox: payment is not waiting for a card")
	ErrInvalidCard  = errors.New("sandbox: the card number is not valid")
	ErrDeclined     = errors.New("sandbox: the card was declined")
	ErrInsufficient = errors.New("sandbox: insufficient funds")
	ErrWrongCode    = errors.New("sandbox: wrong 3-D Secure code")
)

// ErrNeeds3DS is returned by Charge when the card asks for a code.
var ErrNeeds3DS = errors.New("sandbox: 3-D Secure code required")

// Charge pays payment id with card, as the hosted page does. It returns
// ErrNeeds3DS for the 3-D Secure card; Confirm3DS completes it.
func (a *Acquirer) Charge(id, card string) error {
	card = NormalizeCard(card)
	if !Luhn(card) {
		return ErrInvalidCard
	}
	a.mu.Lock()
	p, ok := a.payments[id]
	if !ok {
		a.mu.Unlock()
		return ErrNoPayment
	}
	if p.State != StateCreated {
		a.mu.Unlock()
		return ErrNotOpen
	}
	p.card = card[len(card)-4:]
	switch card {
	case CardDecline:
		a.mu.Unlock()
		return ErrDeclined
	case CardInsufficientFunds:
		a.mu.Unlock()
		return ErrInsufficient
	case Card3DS:
		p.needs3DS = true
		a.mu.Unlock()
		return ErrNeeds3DS
	}
	a.succeed(p)
	a.mu.Unlock()
	return nil
}

// Confirm3DS completes a 3-D Secure payment with the code.
func (a *Acquirer) Confirm3DS(id, code string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.payments[id]
	if !ok {
		return ErrNoPayment
	}
	if p.State != StateCreated || !p.needs3DS {
		return ErrNotOpen
	}
	if !hmac.Equal([]byte(code), []byte(Code3DS)) {
		return ErrWrongCode
	}
	a.succeed(p)
	return nil
}

// Cancel abandons a payment waiting for a card.
func (a *Acquirer) Cancel(id string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.payments[id]
	if !ok {
		return ErrNoPayment
	}
	if p.State != StateCreated {
		return ErrNotOpen
	}
	p.State, p.Reason = StateFailed, "cancelled"
	a.notify(*p)
	return nil
}

// succeed marks p paid and notifies; a.mu is held.
func (a *Acquirer) succeed(p *Payment) {
	p.State = StateSucceeded
	p.settledOn = a.cfg.Now().UTC().Format(time.DateOnly)
	a.notify(*p)
}

// notify sends p's state to the webhook in the background, retrying.
func (a *Acquirer) notify(p Payment) {
	if a.cfg.WebhookURL == "" {
		return
	}
	p.NextURL = ""
	body, _ := json.Marshal(p)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		for attempt := 0; ; attempt++ {
			if a.send(body) {
				return
			}
			if attempt >= len(a.cfg.RetryDelays) {
				a.cfg.Logger.Warn("sandbox: webhook given up", "payment", p.ID)
				return
			}
			select {
			case <-a.ctx.Done():
				return
			case <-time.After(a.cfg.RetryDelays[attempt]):
			}
		}
	}()
}

func (a *Acquirer) send(body []byte) bool {
	req, err := http.NewRequestWithContext(a.ctx, "POST", a.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Acquirer-Signature", Sign(a.cfg.WebhookSecret, body, a.cfg.Now()))
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode/100 == 2
}

// Sign is the Acquirer-Signature of body at t.
func Sign(secret, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// NormalizeCard drops the spaces and hyphens people type in card numbers.
func NormalizeCard(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c != ' ' && c != '-' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// Luhn reports whether s is 12 to 19 digits passing the Luhn check.
func Luhn(s string) bool {
	if len(s) < 12 || len(s) > 19 {
		return false
	}
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if (len(s)-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
