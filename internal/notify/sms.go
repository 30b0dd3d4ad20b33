package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/store"
)

// SMS is one text message to send. IdempotencyKey is derived from the
// delivery, so a provider that deduplicates on it sends a resent delivery
// once.
type SMS struct {
	IdempotencyKey string
	To             string // E.164, e.g. +994501234567
	Body           string
}

// SMSResult is what a provider answered: its ID for the message (receipts
// name it) and the state known now — StateSent when accepted, or
// StateDelivered when the provider already reports delivery.
type SMSResult struct {
	ProviderID string
	State      string
}

// SMSProvider sends SMS. The worker calls it outside any transaction (a
// remote provider's round trip must not hold the platform's write lock),
// possibly more than once for one delivery: a provider deduplicates on
// IdempotencyKey. A remote provider reports receipts later through
// Service.RecordReceipt. A final refusal is a *PermanentError; any other
// error is retried.
type SMSProvider interface {
	SendSMS(ctx context.Context, m SMS) (SMSResult, error)
}

// SandboxFailPrefix: numbers starting with it are refused permanently by
// the sandbox, so the failure path can be tried.
const SandboxFailPrefix = "+99400000"

// SandboxSMS is the built-in provider: nothing leaves the process. Each
// message is a row of notify_sms_sandbox, written on its own as a remote
// provider would accept it, with a unique idempotency key — the
// provider-side deduplication — and is reported delivered at once.
type SandboxSMS struct {
	db  *store.DB
	now func() time.Time
}

// SandboxSMS returns the sandbox provider, keeping its messages in the
// service's database.
func (s *Service) SandboxSMS() *SandboxSMS { return &SandboxSMS{db: s.db, now: time.Now} }

// SendSMS records m, or finds the record of an earlier send with the same
// key.
func (p *SandboxSMS) SendSMS(ctx context.Context, m SMS) (SMSResult, error) {
	if strings.HasPrefix(m.To, SandboxFailPrefix) {
		return SMSResult{}, &PermanentError{Reason: "sandbox: number " + m.To + " does not exist"}
	}
	var id int64
	err := p.db.QueryRowContext(ctx,
		`INSERT INTO notify_sms_sandbox (idempotency_key, to_number, body, status, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
		m.IdempotencyKey, m.To, m.Body, StateDelivered, p.now().UTC().Truncate(time.Microsecond)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = p.db.QueryRowContext(ctx,
			`SELECT id FROM notify_sms_sandbox WHERE idempotency_key = $1`, m.IdempotencyKey).Scan(&id)
	}
	if err != nil {
		return SMSResult{}, fmt.Errorf("notify: sandbox sms: %w", err)
	}
	return SMSResult{ProviderID: "sandbox-" + strconv.FormatInt(id, 10), State: StateDelivered}, nil
}

// SandboxMessage is one SMS the sandbox holds.
type SandboxMessage struct {
	IdempotencyKey string
	To             string
	Body           string
	Status         string
}

// SandboxMessages lists what the sandbox "sent" to a number, oldest
// first (for tests and the demo).
func (s *Service) SandboxMessages(ctx context.Context, to string) ([]SandboxMessage, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT idempotency_key, to_number, body, status FROM notify_sms_sandbox WHERE to_number = $1 ORDER BY id`, to)
	if err != nil {
		return nil, fmt.Errorf("notify: sandbox: %w", err)
	}
	defer rows.Close()
	var list []SandboxMessage
	for rows.Next() {
		var m SandboxMessage
		if err := rows.Scan(&m.IdempotencyKey, &m.To, &m.Body, &m.Status); err != nil {
			return nil, err
		}
		list = append(list, m)
	}
	return list, rows.Err()
}
