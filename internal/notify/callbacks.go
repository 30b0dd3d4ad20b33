package notify

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/egov/egov/internal/events"
)

// TopicCallback is the outbox topic of a status callback to make: a
// delivery of an API notification with a callback URL changed state.
// Subscribe CallbackHandler to it under CallbackSubscriber.
const (
	TopicCallback      = "notify.callback"
	CallbackSubscriber = "notify.callbacks"
)

// CallbackTimeout bounds one callback request.
const CallbackTimeout = 10 * time.Second

type callbackEvent struct {
	MessageID  int64     `json:"message_id"`
	DeliveryID int64     `json:"delivery_id"`
	Status     string    `json:"status"`
	Channel    string    `json:"channel"`
	Reason     string    `json:"reason"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Callback is the JSON body POSTed to a sender's callback URL.
type Callback struct {
	ID        int64     `json:"id"`
	Reference string    `json:"reference"`
	Status    string    `json:"status"`
	Channel   string    `json:"channel"`
	Reason    string    `json:"reason"`
	UpdatedAt time.Time `json:"updated_at"`
}

// deliveryChanged is called in the transaction that changed delivery
// id's state. For an API notification it brings the notification's
// status up to date and, if the sender gave a callback URL, publishes the
// callback to make, in the same transaction.
func (s *Service) deliveryChanged(ctx context.Context, tx *sql.Tx, id int64) error {
	d, err := scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM notify_deliveries WHERE id = $1`, id))
	if err != nil {
		return fmt.Errorf("notify: delivery %d: %w", id, err)
	}
	var url string
	err = tx.QueryRowContext(ctx, `SELECT callback_url FROM notify_api_messages WHERE message_id = $1`, d.MessageID).Scan(&url)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // not sent through the API
	}
	if err != nil {
		return fmt.Errorf("notify: api message %d: %w", d.MessageID, err)
	}
	if err := refreshAPIStatus(ctx, tx, d.MessageID); err != nil {
		return err
	}
	if url == "" || d.State == StatePending {
		return nil
	}
	return events.Publish(ctx, tx, TopicCallback, strconv.FormatInt(d.MessageID, 10), callbackEvent{
		MessageID: d.MessageID, DeliveryID: d.ID, Status: d.State, Channel: d.Channel, Reason: d.LastError, UpdatedAt: d.UpdatedAt,
	})
}

// Callbacks returns what to subscribe (events.SubscribePrepared) under
// CallbackSubscriber: a preparer that POSTs a status callback to the
// sender's URL with "Authorization: Bearer <callback_token>" before the
// dispatcher's transaction — another organisation's server, however slow,
// holds no transaction open — and a handler with nothing left to record.
// Any answer but 2xx (redirects included: they are not followed) or a
// network error is an error, so the dispatcher retries with backoff.
// client defaults to one with CallbackTimeout; each request is bounded by
// CallbackTimeout whatever the client.
func (s *Service) Callbacks(client *http.Client) (events.Preparer, events.Handler) {
	c := http.Client{Timeout: CallbackTimeout}
	if client != nil {
		c = *client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	post := func(ctx context.Context, ev events.Event) error {
		var p callbackEvent
		if err := ev.Decode(&p); err != nil {
			return err
		}
		var ref, url, token string
		err := s.db.QueryRowContext(ctx, `SELECT reference, callback_url, callback_token FROM notify_api_messages WHERE message_id = $1`,
			p.MessageID).Scan(&ref, &url, &token)
		if errors.Is(err, sql.ErrNoRows) || err == nil && url == "" {
			return nil
		}
		if err != nil {
			return fmt.Errorf("notify: callback of %d: %w", p.MessageID, err)
		}
		body, _ := json.Marshal(Callback{ID: p.MessageID, Reference: ref, Status: p.Status, Channel: p.Channel,
			Reason: p.Reason, UpdatedAt: p.UpdatedAt.UTC()})
		ctx, cancel := context.WithTimeout(ctx, CallbackTimeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return nil // validated when sent; an unusable URL cannot get better
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "egov-notify")
		req.Header.Set("X-Egov-Event-Id", strconv.FormatInt(ev.ID, 10))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := c.Do(req)
		if err != nil {
			return fmt.Errorf("notify: callback of %d: %w", p.MessageID, err)
		}
		io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		res.Body.Close()
		if res.StatusCode/100 != 2 {
			return fmt.Errorf("notify: callback of %d: %s answered %d", p.MessageID, req.URL.Host, res.StatusCode)
		}
		return nil
	}
	prepare := func(ctx context.Context, ev events.Event) (any, error) { return nil, post(ctx, ev) }
	recorded := func(context.Context, *sql.Tx, events.Event) error { return nil }
	return prepare, recorded
}
