package consent

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
)

// RecordEvent is what a webhook receives (JSON) when a record changes.
type RecordEvent struct {
	Event           string   `json:"event"` // consent_record.created, .updated, .signed, .deleted
	ConsentRecordID string   `json:"consentRecordId"`
	DataAgreementID string   `json:"dataAgreementId"`
	IndividualID    string   `json:"individualId"`
	OptIn           bool     `json:"optIn"`
	State           string   `json:"state"`
	Timestamp       string   `json:"timestamp"`
	Organisations   []string `json:"-"`
}

// recordEventWire keeps the organisations in the outbox; they are not
// sent.
type recordEventWire struct {
	RecordEvent
	Organisations []string `json:"organisations"`
}

// Headers of a webhook's POST: the event's id (the same on a retry, for
// the receiver to recognise a repeat) and the HMAC-SHA256 of the body
// under the webhook's secret key.
const (
	HeaderEventID   = "X-Consent-Event-Id"
	HeaderSignature = "X-Consent-Signature"
)

const webhookColumns = `id, owner, payload_url, content_type, disabled, secret_key`

func (s *Service) scanWebhook(row scanner) (*Webhook, error) {
	w := &Webhook{}
	var sealed string
	err := row.Scan(&w.ID, &w.Owner, &w.PayloadURL, &w.ContentType, &w.Disabled, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "consent.error.no_webhook")
	}
	if err != nil {
		return nil, err
	}
	secret, err := s.sealer.Open("consent webhook "+w.ID, sealed)
	if err != nil {
		return nil, err
	}
	w.SecretKey = string(secret)
	return w, nil
}

// CreateWebhook subscribes org's system at w.PayloadURL to its records'
// events. The secret key is sealed at rest.
func (s *Service) CreateWebhook(ctx context.Context, org string, w Webhook) (*Webhook, error) {
	if err := w.Validate(s.insecure); err != nil {
		return nil, err
	}
	w.ID, w.Owner = uuid.NewString(), org
	_, err := s.db.ExecContext(ctx, `INSERT INTO consent_webhooks (`+webhookColumns+`, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		w.ID, org, w.PayloadURL, w.ContentType, w.Disabled, s.sealer.Seal("consent webhook "+w.ID, []byte(w.SecretKey)), s.now())
	if err != nil {
		return nil, err
	}
	return &w, nil
}

// Webhook is org's webhook id.
func (s *Service) Webhook(ctx context.Context, org, id string) (*Webhook, error) {
	return s.scanWebhook(s.db.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM consent_webhooks
		WHERE id = $1 AND owner = $2 AND NOT deleted`, id, org))
}

// UpdateWebhook changes org's webhook.
func (s *Service) UpdateWebhook(ctx context.Context, org, id string, w Webhook) (*Webhook, error) {
	if err := w.Validate(s.insecure); err != nil {
		return nil, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE consent_webhooks SET payload_url = $1, content_type = $2, disabled = $3,
		secret_key = $4 WHERE id = $5 AND owner = $6 AND NOT deleted`, w.PayloadURL, w.ContentType, w.Disabled,
		s.sealer.Seal("consent webhook "+id, []byte(w.SecretKey)), id, org)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, errs.E(errs.NotFound, "consent.error.no_webhook")
	}
	w.ID, w.Owner = id, org
	return &w, nil
}

// DeleteWebhook ends org's webhook; events not yet sent to it are not.
func (s *Service) DeleteWebhook(ctx context.Context, org, id string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE consent_webhooks SET deleted = TRUE WHERE id = $1 AND owner = $2 AND NOT deleted`, id, org)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.NotFound, "consent.error.no_webhook")
	}
	return nil
}

// Webhooks lists org's webhooks.
func (s *Service) Webhooks(ctx context.Context, org string, p Page) ([]*Webhook, error) {
	p = p.clean()
	rows, err := s.db.QueryContext(ctx, `SELECT `+webhookColumns+` FROM consent_webhooks WHERE owner = $1 AND NOT deleted
		ORDER BY created_at, id LIMIT $2 OFFSET $3`, org, p.Limit, p.Offset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Webhook
	for rows.Next() {
		w, err := s.scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// Subscribe registers the webhooks' two outbox subscribers: one turns a
// record's event into one event per webhook to tell (in the dispatcher's
// transaction, so exactly once), the other posts each of those. A post
// that fails is retried with the dispatcher's backoff; one that succeeded
// is recorded delivered and never sent again, across restarts.
func (s *Service) Subscribe(d *events.Dispatcher) {
	d.Subscribe(FanOutSubscriber, TopicRecord, s.fanOut)
	d.Subscribe(DeliverSubscriber, TopicWebhook, s.deliver)
}

// webhookEvent is one record event for one webhook.
type webhookEvent struct {
	WebhookID string      `json:"webhookId"`
	EventID   string      `json:"eventId"`
	Body      RecordEvent `json:"body"`
}

func (s *Service) fanOut(ctx context.Context, tx *sql.Tx, ev events.Event) error {
	var e recordEventWire
	if err := ev.Decode(&e); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, org := range e.Organisations {
		if seen[org] {
			continue
		}
		seen[org] = true
		rows, err := tx.QueryContext(ctx, `SELECT id FROM consent_webhooks WHERE owner = $1 AND NOT deleted AND NOT disabled ORDER BY id`, org)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if err := events.Publish(ctx, tx, TopicWebhook, id, webhookEvent{WebhookID: id,
				EventID: strconv.FormatInt(ev.ID, 10), Body: e.RecordEvent}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Service) deliver(ctx context.Context, tx *sql.Tx, ev events.Event) error {
	var e webhookEvent
	if err := ev.Decode(&e); err != nil {
		return err
	}
	w, err := s.scanWebhook(tx.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM consent_webhooks
		WHERE id = $1 AND NOT deleted AND NOT disabled`, e.WebhookID))
	if errs.KindOf(err) == errs.NotFound {
		return nil // deleted or disabled since: nothing to send
	}
	if err != nil {
		return err
	}
	body, err := json.Marshal(e.Body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.PayloadURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, []byte(w.SecretKey))
	mac.Write(body)
	req.Header.Set("Content-Type", w.ContentType)
	req.Header.Set(HeaderEventID, e.EventID)
	req.Header.Set(HeaderSignature, "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("consent: webhook %s: %w", w.ID, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("consent: webhook %s answered %d", w.ID, resp.StatusCode)
	}
	return nil
}
