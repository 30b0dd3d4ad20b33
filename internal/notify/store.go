package notify

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
)

// querier is what both *sql.DB and *sql.Tx offer, so reads can run inside
// a caller's transaction or on their own.
type querier = store.Querier

const templateColumns = `id, owner, key, version, subject, body, placeholders, created_at`

func scanTemplate(row interface{ Scan(...any) error }) (*Template, error) {
	var (
		t                      Template
		subject, body, holders string
	)
	if err := row.Scan(&t.ID, &t.Owner, &t.Key, &t.Version, &subject, &body, &holders, &t.CreatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(subject), &t.Subject); err != nil {
		return nil, fmt.Errorf("notify: template %s subject: %w", t.Key, err)
	}
	if err := json.Unmarshal([]byte(body), &t.Body); err != nil {
		return nil, fmt.Errorf("notify: template %s body: %w", t.Key, err)
	}
	if err := json.Unmarshal([]byte(holders), &t.Placeholders); err != nil {
		return nil, fmt.Errorf("notify: template %s placeholders: %w", t.Key, err)
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return &t, nil
}

// latestTemplate is the newest version of key, or a NotFound error.
func latestTemplate(ctx context.Context, q querier, key string) (*Template, error) {
	t, err := scanTemplate(q.QueryRowContext(ctx,
		`SELECT `+templateColumns+` FROM notify_templates WHERE key = $1 ORDER BY version DESC LIMIT 1`, key))
	if errors.Is(err, sql.ErrNoRows) {
		e := errs.E(errs.NotFound, "notify.error.template_not_found")
		e.Err = fmt.Errorf("notify: no template %q", key)
		return nil, e
	}
	if err != nil {
		return nil, fmt.Errorf("notify: template %s: %w", key, err)
	}
	return t, nil
}

func insertTemplate(ctx context.Context, tx *sql.Tx, t *Template) error {
	subject, _ := json.Marshal(t.Subject)
	body, _ := json.Marshal(t.Body)
	holders, _ := json.Marshal(t.Placeholders)
	return tx.QueryRowContext(ctx,
		`INSERT INTO notify_templates (owner, key, version, subject, body, placeholders, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		t.Owner, t.Key, t.Version, string(subject), string(body), string(holders), t.CreatedAt).Scan(&t.ID)
}

const messageColumns = `id, idempotency_key, account_id, fin, kind, template_key, template_version, lang,
	subject, body, html, in_inbox, unreachable, read_at, created_at`

func scanMessage(row interface{ Scan(...any) error }) (*Sent, error) {
	var (
		m           Sent
		l           string
		inInbox     int
		unreachable int
		readAt      sql.NullTime
	)
	if err := row.Scan(&m.ID, &m.IdempotencyKey, &m.AccountID, &m.FIN, &m.Kind, &m.TemplateKey, &m.TemplateVersion,
		&l, &m.Subject, &m.Body, &m.HTML, &inInbox, &unreachable, &readAt, &m.CreatedAt); err != nil {
		return nil, err
	}
	m.Lang, _ = lang.Parse(l)
	m.InInbox = inInbox == 1
	m.Unreachable = unreachable == 1
	if readAt.Valid {
		t := readAt.Time.UTC()
		m.ReadAt = &t
	}
	m.CreatedAt = m.CreatedAt.UTC()
	return &m, nil
}

// messageByKey loads a message and its deliveries by idempotency key;
// found is false when there is none.
func messageByKey(ctx context.Context, q querier, key string) (*Sent, bool, error) {
	m, err := scanMessage(q.QueryRowContext(ctx,
		`SELECT `+messageColumns+` FROM notify_messages WHERE idempotency_key = $1`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("notify: message %q: %w", key, err)
	}
	if m.Deliveries, err = deliveriesOf(ctx, q, m.ID); err != nil {
		return nil, false, err
	}
	return m, true, nil
}

const deliveryColumns = `id, message_id, channel, address, state, last_error, provider_id, created_at, updated_at`

func scanDelivery(row interface{ Scan(...any) error }) (*Delivery, error) {
	var d Delivery
	if err := row.Scan(&d.ID, &d.MessageID, &d.Channel, &d.Address, &d.State, &d.LastError, &d.ProviderID,
		&d.CreatedAt, &d.UpdatedAt); err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return &d, nil
}

func deliveriesOf(ctx context.Context, q querier, messageID int64) ([]Delivery, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT `+deliveryColumns+` FROM notify_deliveries WHERE message_id = $1 ORDER BY id`, messageID)
	if err != nil {
		return nil, fmt.Errorf("notify: deliveries of %d: %w", messageID, err)
	}
	defer rows.Close()
	var list []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, *d)
	}
	return list, rows.Err()
}

func insertAttachments(ctx context.Context, tx *sql.Tx, messageID int64, list []Attachment) error {
	for i, a := range list {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO notify_attachments (message_id, seq, filename, content_type, data) VALUES ($1, $2, $3, $4, $5)`,
			messageID, i, a.Filename, a.ContentType, base64.StdEncoding.EncodeToString(a.Data)); err != nil {
			return fmt.Errorf("notify: attachment %s: %w", a.Filename, err)
		}
	}
	return nil
}

func attachmentsOf(ctx context.Context, q querier, messageID int64) ([]Attachment, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT filename, content_type, data FROM notify_attachments WHERE message_id = $1 ORDER BY seq`, messageID)
	if err != nil {
		return nil, fmt.Errorf("notify: attachments of %d: %w", messageID, err)
	}
	defer rows.Close()
	var list []Attachment
	for rows.Next() {
		var (
			a    Attachment
			data string
		)
		if err := rows.Scan(&a.Filename, &a.ContentType, &data); err != nil {
			return nil, err
		}
		if a.Data, err = base64.StdEncoding.DecodeString(data); err != nil {
			return nil, fmt.Errorf("notify: attachment %s: %w", a.Filename, err)
		}
		list = append(list, a)
	}
	return list, rows.Err()
}

// setDeliveryState records the outcome of an attempt and tells the
// sender of an API notification (see deliveryChanged).
func (s *Service) setDeliveryState(ctx context.Context, tx *sql.Tx, id int64, state, reason, providerID string, now time.Time) error {
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	reason = strings.ToValidUTF8(reason, "?")
	q := `UPDATE notify_deliveries SET state = $2, last_error = $3, updated_at = $4 WHERE id = $1`
	args := []any{id, state, reason, now}
	if providerID != "" {
		q = `UPDATE notify_deliveries SET state = $2, last_error = $3, updated_at = $4, provider_id = $5 WHERE id = $1`
		args = append(args, providerID)
	}
	_, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("notify: delivery %d: %w", id, err)
	}
	return s.deliveryChanged(ctx, tx, id)
}
