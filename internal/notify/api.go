package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
)

// APISender is an agency's system calling the notifications API.
type APISender struct {
	Agency string // the agency's slug
	Key    string // the API key's principal subject, e.g. "apikey:live:3"
	Test   bool   // a test key: nothing reaches a person
}

// APIRequest is the body of POST /api/v1/notifications.
type APIRequest struct {
	Template      string            `json:"template"`
	To            APIRecipient      `json:"to"`
	Values        map[string]string `json:"values,omitempty"`
	Reference     string            `json:"reference,omitempty"`
	CallbackURL   string            `json:"callback_url,omitempty"`
	CallbackToken string            `json:"callback_token,omitempty"`
}

// APIRecipient is who an API notification is for. With a FIN the message
// is the person's: it is in their inbox, and goes by e-mail and SMS as
// the defaults for someone without choices allow (e-mail yes, SMS no), to
// the addresses given or else those in the registries. Without a FIN the
// e-mail address and/or phone given are used as they are.
type APIRecipient struct {
	FIN   string `json:"fin,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
	Lang  string `json:"lang,omitempty"` // az (default), en or ru
}

// Limits of an API request.
const (
	maxAPIBody        = 64 << 10
	maxAPIValues      = 50
	maxAPIValue       = 2000
	maxReference      = 100
	maxCallbackURL    = 500
	maxCallbackToken  = 200
	maxIdempotencyKey = 100
)

var (
	finPattern      = regexp.MustCompile(`^[0-9A-Z]{7}$`)
	valueKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_.]{0,63}$`)
	idemKeyPattern  = regexp.MustCompile(`^[\x21-\x7e]{1,100}$`)
)

// DecodeAPIRequest decodes and checks a request body strictly: unknown
// fields, trailing data and oversized fields are Invalid.
func DecodeAPIRequest(body []byte) (APIRequest, error) {
	var req APIRequest
	if len(body) > maxAPIBody {
		return req, errs.E(errs.Invalid, "notify.error.api_json")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return APIRequest{}, errs.E(errs.Invalid, "notify.error.api_json")
	}
	if _, err := dec.Token(); err != io.EOF {
		return APIRequest{}, errs.E(errs.Invalid, "notify.error.api_json")
	}
	return req, req.validate()
}

func (r *APIRequest) validate() error {
	var v errs.Validation
	if !keyPattern.MatchString(r.Template) || len(r.Template) > 200 {
		v.Add("template", "notify.error.key")
	}
	to := r.To
	if to.FIN == "" && to.Email == "" && to.Phone == "" {
		v.Add("to", "notify.error.no_recipient")
	}
	if to.FIN != "" && !finPattern.MatchString(to.FIN) {
		v.Add("to.fin", "notify.error.fin")
	}
	if to.Email != "" && (len(to.Email) > 254 || !emailPattern.MatchString(to.Email)) {
		v.Add("to.email", "notify.error.email")
	}
	if to.Phone != "" && !phonePattern.MatchString(to.Phone) {
		v.Add("to.phone", "notify.error.phone")
	}
	if _, ok := lang.Parse(to.Lang); to.Lang != "" && !ok {
		v.Add("to.lang", "notify.error.lang")
	}
	if len(r.Values) > maxAPIValues {
		v.Add("values", "notify.error.values")
	}
	for k, val := range r.Values {
		if !valueKeyPattern.MatchString(k) || utf8.RuneCountInString(val) > maxAPIValue {
			v.Add("values", "notify.error.values")
			break
		}
	}
	if utf8.RuneCountInString(r.Reference) > maxReference || strings.ContainsFunc(r.Reference, isControl) {
		v.Add("reference", "notify.error.reference")
	}
	if r.CallbackURL != "" && !validCallbackURL(r.CallbackURL) {
		v.Add("callback_url", "notify.error.callback_url")
	}
	if len(r.CallbackToken) > maxCallbackToken || strings.ContainsFunc(r.CallbackToken, isControl) ||
		r.CallbackToken != "" && r.CallbackURL == "" {
		v.Add("callback_token", "notify.error.callback_token")
	}
	return v.Err()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// validCallbackURL: https with a host, or http to the local machine (for
// an agency's development), at most maxCallbackURL bytes, no user info
// or fragment.
func validCallbackURL(s string) bool {
	if len(s) > maxCallbackURL || strings.ContainsFunc(s, isControl) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.User != nil || u.Fragment != "" || u.Opaque != "" || u.Hostname() == "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		return h == "localhost" || h == "127.0.0.1"
	}
	return false
}

// ValidIdempotencyKey reports whether an Idempotency-Key header is
// usable: 1 to 100 printable ASCII characters.
func ValidIdempotencyKey(k string) bool { return idemKeyPattern.MatchString(k) }

func (r *APIRequest) hash() string {
	b, _ := json.Marshal(r)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// apiRecord is stored beside an API message.
type apiRecord struct {
	agency, key, idempotencyKey, hash string
	test                              bool
	reference, callbackURL, token     string
}

func insertAPIRecord(ctx context.Context, tx *sql.Tx, messageID int64, a *apiRecord, now time.Time) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO notify_api_messages (message_id, agency, api_key, idempotency_key, request_hash, test, reference,
			callback_url, callback_token, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		messageID, a.agency, a.key, a.idempotencyKey, a.hash, boolInt(a.test), a.reference, a.callbackURL, a.token,
		StatePending, now)
	if err != nil {
		return fmt.Errorf("notify: store api message: %w", err)
	}
	return nil
}

// overallStatus is a notification's state from its deliveries': pending
// while any is; else delivered if any was; else sent if any was; else
// failed if any did; else expired. A notification without deliveries
// (inbox only, or a test) is delivered.
func overallStatus(states []string) string {
	if len(states) == 0 {
		return StateDelivered
	}
	for _, want := range []string{StatePending, StateDelivered, StateSent, StateFailed} {
		for _, s := range states {
			if s == want {
				return want
			}
		}
	}
	return StateExpired
}

func refreshAPIStatus(ctx context.Context, tx *sql.Tx, messageID int64) error {
	ds, err := deliveriesOf(ctx, tx, messageID)
	if err != nil {
		return err
	}
	states := make([]string, len(ds))
	for i, d := range ds {
		states[i] = d.State
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notify_api_messages SET status = $2 WHERE message_id = $1`,
		messageID, overallStatus(states)); err != nil {
		return fmt.Errorf("notify: api status of %d: %w", messageID, err)
	}
	return nil
}

// Notification is a message sent through the API, as its sender sees it.
type Notification struct {
	ID              int64
	Agency          string
	Reference       string
	Status          string
	Test            bool
	Unreachable     bool
	TemplateKey     string
	TemplateVersion int
	CreatedAt       time.Time
	Deliveries      []Delivery
}

// SendAPI sends req for an agency's system under the sender's
// idempotency key (the Idempotency-Key header). The same key with the
// same request returns the first notification and created false; with
// another request it is a Conflict. The template must be the agency's or
// the platform's (others are NotFound). A test sender's message is
// recorded, never delivered nor put in an inbox; its deliveries are
// delivered at once.
func (s *Service) SendAPI(ctx context.Context, from APISender, idempotencyKey string, req APIRequest) (*Notification, bool, error) {
	if from.Agency == "" || from.Key == "" {
		return nil, false, errs.E(errs.Forbidden, "error.forbidden.detail")
	}
	if !ValidIdempotencyKey(idempotencyKey) {
		return nil, false, errs.E(errs.Invalid, "notify.error.api_idempotency_key").Field("Idempotency-Key", "notify.error.api_idempotency_key")
	}
	if err := req.validate(); err != nil {
		return nil, false, err
	}
	mode := "live"
	if from.Test {
		mode = "test"
	}
	key := "api:" + from.Agency + ":" + mode + ":" + idempotencyKey
	hash := req.hash()
	var (
		n       *Notification
		created bool
		queued  bool
	)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if done, err := s.replay(ctx, tx, from.Agency, key, hash); err != nil || done != nil {
			n = done
			return err
		}
		t, err := latestTemplate(ctx, tx, req.Template)
		if err != nil {
			return err
		}
		if t.Owner != from.Agency && t.Owner != PlatformOwner || t.Key == ContactCodeTemplate {
			e := errs.E(errs.NotFound, "notify.error.template_not_found")
			e.Err = fmt.Errorf("notify: template %q is %s's", t.Key, t.Owner)
			return e
		}
		l, _ := lang.Parse(req.To.Lang)
		m := Message{
			To:       Recipient{FIN: req.To.FIN, Email: req.To.Email, Phone: req.To.Phone, Lang: l},
			Template: req.Template, Values: req.Values, Kind: KindGeneral, IdempotencyKey: key, Sender: from.Agency,
		}
		sent, isNew, err := s.send(ctx, tx, m, sendOptions{
			test: from.Test, explicit: req.To.FIN == "", senderBucket: "key:" + from.Key,
			api: &apiRecord{agency: from.Agency, key: from.Key, idempotencyKey: key, hash: hash, test: from.Test,
				reference: req.Reference, callbackURL: req.CallbackURL, token: req.CallbackToken},
		})
		if err != nil {
			return err
		}
		if !isNew {
			// A concurrent request with the key committed first.
			done, err := s.replay(ctx, tx, from.Agency, key, hash)
			if err == nil && done == nil {
				err = errs.E(errs.Conflict, "notify.error.api_idempotency_conflict")
			}
			n = done
			return err
		}
		created, queued = true, !from.Test && len(sent.Deliveries) > 0
		n, err = notificationByID(ctx, tx, from.Agency, sent.ID)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	if queued && s.queued != nil {
		s.queued()
	}
	return n, created, nil
}

// replay is the notification already sent under key, or nil; a different
// request under the same key is a Conflict.
func (s *Service) replay(ctx context.Context, tx *sql.Tx, agency, key, hash string) (*Notification, error) {
	var (
		id   int64
		prev string
	)
	err := tx.QueryRowContext(ctx, `SELECT message_id, request_hash FROM notify_api_messages WHERE idempotency_key = $1`,
		key).Scan(&id, &prev)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("notify: api idempotency: %w", err)
	}
	if prev != hash {
		return nil, errs.E(errs.Conflict, "notify.error.api_idempotency_conflict")
	}
	return notificationByID(ctx, tx, agency, id)
}

const notificationSelect = `SELECT m.id, a.agency, a.reference, a.status, a.test, m.unreachable, m.template_key,
	m.template_version, m.created_at FROM notify_api_messages a JOIN notify_messages m ON m.id = a.message_id`

func scanNotification(row interface{ Scan(...any) error }) (*Notification, error) {
	var (
		n                 Notification
		test, unreachable int
	)
	if err := row.Scan(&n.ID, &n.Agency, &n.Reference, &n.Status, &test, &unreachable, &n.TemplateKey,
		&n.TemplateVersion, &n.CreatedAt); err != nil {
		return nil, err
	}
	n.Test, n.Unreachable = test == 1, unreachable == 1
	n.CreatedAt = n.CreatedAt.UTC()
	return &n, nil
}

func notificationByID(ctx context.Context, q querier, agency string, id int64) (*Notification, error) {
	n, err := scanNotification(q.QueryRowContext(ctx, notificationSelect+` WHERE a.message_id = $1 AND a.agency = $2`, id, agency))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "error.not_found.detail")
	}
	if err != nil {
		return nil, fmt.Errorf("notify: notification %d: %w", id, err)
	}
	if n.Deliveries, err = deliveriesOf(ctx, q, n.ID); err != nil {
		return nil, err
	}
	return n, nil
}

// Notification returns an API notification of agency with its
// deliveries; another agency's is NotFound.
func (s *Service) Notification(ctx context.Context, agency string, id int64) (*Notification, error) {
	return notificationByID(ctx, s.db, agency, id)
}

// NotificationFilter narrows Notifications; empty fields match all.
type NotificationFilter struct {
	Reference   string
	Status      string
	Unreachable bool // only the messages that reached no outside channel
	Limit       int  // default and maximum 500
}

// Notifications lists agency's API notifications, newest first, without
// their deliveries.
func (s *Service) Notifications(ctx context.Context, agency string, f NotificationFilter) ([]Notification, error) {
	q := notificationSelect + ` WHERE a.agency = $1`
	args := []any{agency}
	if f.Reference != "" {
		args = append(args, f.Reference)
		q += fmt.Sprintf(` AND a.reference = $%d`, len(args))
	}
	if f.Status != "" {
		args = append(args, f.Status)
		q += fmt.Sprintf(` AND a.status = $%d`, len(args))
	}
	if f.Unreachable {
		q += ` AND m.unreachable = 1`
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(` ORDER BY m.created_at DESC, m.id DESC LIMIT $%d`, len(args))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("notify: notifications: %w", err)
	}
	defer rows.Close()
	list := []Notification{}
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, *n)
	}
	return list, rows.Err()
}
