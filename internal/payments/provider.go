package payments

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
)

// Provider is an acquirer: it takes card payments on its own hosted page
// and tells egov how they went. Every creating call carries an idempotency
// key, so a repeat (after a timeout or a crash) returns the first result
// instead of charging twice.
type Provider interface {
	// CreatePayment starts a payment of amount qəpik; the person is sent
	// to the returned redirect URL and comes back to returnURL.
	CreatePayment(ctx context.Context, amount int64, reference, returnURL, idempotencyKey string) (ProviderPayment, error)
	// Status is what the provider knows of a payment now.
	Status(ctx context.Context, id string) (ProviderPayment, error)
	// Refund gives back amount qəpik of a succeeded payment.
	Refund(ctx context.Context, id string, amount int64, idempotencyKey string) (refundID string, err error)
}

// Provider payment states.
const (
	StateCreated   = "created"   // waiting for the card
	StateSucceeded = "succeeded" // the money was taken
	StateFailed    = "failed"    // declined or abandoned
)

// ProviderPayment is a payment as the provider sees it; also the JSON of
// its API and webhooks.
type ProviderPayment struct {
	ID          string `json:"id"`
	State       string `json:"state"`
	Amount      int64  `json:"amount"`
	Refunded    int64  `json:"refunded"`
	Reference   string `json:"reference"`
	RedirectURL string `json:"next_url,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// HTTPProvider speaks the acquirer API the sandbox serves:
//
//	POST {base}/v1/payments                {amount, reference, return_url}  Idempotency-Key
//	GET  {base}/v1/payments/{id}
//	POST {base}/v1/payments/{id}/refunds   {amount}                         Idempotency-Key
//
// with Authorization: Bearer {APIKey}. Any acquirer of the same shape
// plugs in.
type HTTPProvider struct {
	BaseURL string
	APIKey  string
	Client  *http.Client
}

func (p *HTTPProvider) do(ctx context.Context, method, path, idem string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(p.BaseURL, "/")+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.APIKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	c := p.Client
	if c == nil {
		c = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return wrapErr(errs.Unavailable, "payments.error.provider", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return errs.E(errs.NotFound, "payments.error.not_found")
	case resp.StatusCode >= 500:
		return wrapErr(errs.Unavailable, "payments.error.provider", fmt.Errorf("%s %s: %s", method, path, resp.Status))
	case resp.StatusCode >= 400:
		return wrapErr(errs.Invalid, "payments.error.provider", fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, data))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return wrapErr(errs.Unavailable, "payments.error.provider", err)
	}
	return nil
}

// CreatePayment implements Provider.
func (p *HTTPProvider) CreatePayment(ctx context.Context, amount int64, reference, returnURL, idem string) (ProviderPayment, error) {
	var out ProviderPayment
	err := p.do(ctx, "POST", "/v1/payments", idem, map[string]any{"amount": amount, "reference": reference, "return_url": returnURL}, &out)
	return out, err
}

// Status implements Provider.
func (p *HTTPProvider) Status(ctx context.Context, id string) (ProviderPayment, error) {
	var out ProviderPayment
	err := p.do(ctx, "GET", "/v1/payments/"+pathEscape(id), "", nil, &out)
	return out, err
}

// Refund implements Provider.
func (p *HTTPProvider) Refund(ctx context.Context, id string, amount int64, idem string) (string, error) {
	var out struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	if err := p.do(ctx, "POST", "/v1/payments/"+pathEscape(id)+"/refunds", idem, map[string]any{"amount": amount}, &out); err != nil {
		return "", err
	}
	if out.State != StateSucceeded {
		return "", errs.E(errs.Invalid, "payments.error.refund_refused")
	}
	return out.ID, nil
}

func pathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// SignatureHeader is the webhook header carrying "t=<unix>,v1=<hex>", the
// HMAC-SHA256 of "<unix>." followed by the body.
const SignatureHeader = "Acquirer-Signature"

// Sign is the SignatureHeader value for body at time t.
func Sign(secret, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// errSignature is every reason a webhook is refused.
var errSignature = errors.New("payments: bad webhook signature")

// ParseWebhook checks a webhook's signature (made within tolerance of now)
// and decodes it.
func ParseWebhook(secret, body []byte, header string, now time.Time, tolerance time.Duration) (ProviderPayment, error) {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return ProviderPayment{}, errSignature
	}
	at := time.Unix(sec, 0)
	if d := now.Sub(at); d > tolerance || d < -tolerance {
		return ProviderPayment{}, errSignature
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return ProviderPayment{}, errSignature
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ProviderPayment{}, errSignature
	}
	var p ProviderPayment
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&p); err != nil || p.ID == "" || p.Amount < 0 {
		return ProviderPayment{}, fmt.Errorf("payments: webhook body: %w", errors.Join(err, errSignature))
	}
	return p, nil
}

// wrapErr is an error of kind with message whose cause is err (logged,
// never shown).
func wrapErr(kind errs.Kind, message string, err error) error {
	e := errs.E(kind, message)
	e.Err = err
	return e
}
