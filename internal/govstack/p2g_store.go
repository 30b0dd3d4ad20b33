package govstack

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/store"
)

// p2gRequest is one message a caller sent and egov acknowledged, with
// what its answer says.
type p2gRequest struct {
	ID          int64
	Kind        string // one of the p2gKind… constants
	Client      string // the caller's subsystem
	RequestID   string // the caller's requestId
	Correlation string
	Tenant      string
	Bill        string
	Detail      p2gDetail
}

const (
	p2gKindBillInquiry = "bill_inquiry"
	p2gKindBillPayment = "bill_payment"
)

// p2gTopic is the outbox topic of a kind's acknowledged requests; one
// subscriber per kind writes its answer.
func p2gTopic(kind string) string { return "govstack.p2g." + kind }

// p2gDetail is what the answer needs, decided when the request was
// acknowledged.
type p2gDetail struct {
	PayerFI string `json:"payerFI"`
	// A bill inquiry's answer: the bill as it was then, the amount quoted.
	Found          bool      `json:"found,omitempty"`
	Status         string    `json:"status,omitempty"`
	BillerID       string    `json:"billerId,omitempty"`
	BillerName     string    `json:"billerName,omitempty"`
	DueDate        int64     `json:"dueDate,omitempty"` // Unix seconds
	AmountDue      int64     `json:"amountDue,omitempty"`
	AmountAfterDue int64     `json:"amountAfterDue,omitempty"`
	QuotedAt       time.Time `json:"quotedAt,omitzero"`
	// A bill payment's answer.
	Outcome      string `json:"outcome,omitempty"` // ACK or RJC
	RejectReason string `json:"rejectReason,omitempty"`
	Payment      string `json:"payment,omitempty"`
	// A request to pay: the bank it goes to, egov's and the biller's
	// rtpId, the biller's institution, the status and when it changed.
	Target    string `json:"target,omitempty"`
	RTP       int64  `json:"rtp,omitempty"`
	BillerRTP int64  `json:"billerRtp,omitempty"`
	Biller    string `json:"biller,omitempty"`
	RTPStatus string `json:"rtpStatus,omitempty"`
	// BillerRequest is the requestId of the biller's request to pay,
	// which the update to the biller (rtpUpdate) refers to.
	BillerRequest string `json:"billerRequest,omitempty"`
	Updated       int64  `json:"updated,omitempty"` // Unix seconds
	// payer is the bill's payer while the inquiry is answered, never kept.
	payer string
}

type p2gEvent struct {
	Request int64 `json:"request"`
}

// acknowledge keeps req and publishes it to its kind's subscriber, in one
// transaction. A request the caller sent before (same kind and requestId)
// is not kept again: the first one is returned, with created false.
func (s *Service) acknowledge(ctx context.Context, req p2gRequest) (stored *p2gRequest, created bool, err error) {
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		stored, created, err = acknowledgeTx(ctx, tx, req)
		return err
	})
	return stored, created, err
}

// acknowledgeTx is acknowledge in the caller's transaction.
func acknowledgeTx(ctx context.Context, tx *sql.Tx, req p2gRequest) (*p2gRequest, bool, error) {
	detail, err := json.Marshal(req.Detail)
	if err != nil {
		return nil, false, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO govstack_p2g_requests (kind, client_id, request_id, correlation_id, tenant,
		bill, detail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (client_id, kind, request_id) DO NOTHING RETURNING id`,
		req.Kind, req.Client, req.RequestID, req.Correlation, req.Tenant, req.Bill, string(detail), time.Now().UTC()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		stored, err := p2gRequestBy(ctx, tx, req.Client, req.Kind, req.RequestID)
		return stored, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("govstack: keep %s: %w", req.Kind, err)
	}
	req.ID = id
	return &req, true, events.Publish(ctx, tx, p2gTopic(req.Kind), strconv.FormatInt(id, 10), p2gEvent{Request: id})
}

const p2gRequestColumns = `id, kind, client_id, request_id, correlation_id, tenant, bill, detail`

func scanP2GRequest(row *sql.Row) (*p2gRequest, error) {
	var (
		r      p2gRequest
		detail string
	)
	if err := row.Scan(&r.ID, &r.Kind, &r.Client, &r.RequestID, &r.Correlation, &r.Tenant, &r.Bill, &detail); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(detail), &r.Detail); err != nil {
		return nil, fmt.Errorf("govstack: detail of request %d: %w", r.ID, err)
	}
	return &r, nil
}

// p2gRequestBy is the request a caller sent under requestID; sql.ErrNoRows
// if none.
func p2gRequestBy(ctx context.Context, q store.Querier, client, kind, requestID string) (*p2gRequest, error) {
	return scanP2GRequest(q.QueryRowContext(ctx, `SELECT `+p2gRequestColumns+` FROM govstack_p2g_requests
		WHERE client_id = $1 AND kind = $2 AND request_id = $3`, client, kind, requestID))
}

func p2gRequestByID(ctx context.Context, q store.Querier, id int64) (*p2gRequest, error) {
	return scanP2GRequest(q.QueryRowContext(ctx, `SELECT `+p2gRequestColumns+` FROM govstack_p2g_requests WHERE id = $1`, id))
}
