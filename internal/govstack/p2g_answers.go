package govstack

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/gateway"
)

// Answers to acknowledged requests. The request and its outbox event are
// kept in one transaction (acknowledge); the kind's subscriber writes the
// answer, a callback, once per request; the sender then calls the
// caller's callback service through the gateway as egov's govstack
// subsystem, so the call is checked against the callback's rights and
// logged like any exchange. The sender runs outside the subscriber's
// transaction because the gateway logs in a transaction of its own, which
// SQLite's one writer could not start while the delivery's is open.
// A callback is marked sent once the bank answered 2xx; should egov stop
// between the two, it is sent again with the same X-CorrelationID and
// requestId, which the bank recognises.

// p2gCallbackMaxAttempts is how many failed sends a callback is given
// before it is marked failed for an operator.
const p2gCallbackMaxAttempts = 12

// p2gLease is how long a sender holds a callback it is sending, so that
// another replica's sender leaves it alone meanwhile.
const p2gLease = time.Minute

// subscribeP2G registers the subscriber of each message kind.
func (s *Service) subscribeP2G(d *events.Dispatcher) {
	for _, kind := range []string{p2gKindBillInquiry, p2gKindBillPayment, p2gKindRTPRequest, p2gKindRTPStatus, p2gKindRTPUpdate} {
		d.Subscribe(p2gTopic(kind)+".answer", p2gTopic(kind), s.writeAnswer)
	}
}

// p2gCallback is one call to a caller's callback service.
type p2gCallback struct {
	Service string
	Method  string
	Path    string
	Header  http.Header
	Body    []byte
}

// writeAnswer writes the callback of the request the event names, in
// the delivery's transaction.
func (s *Service) writeAnswer(ctx context.Context, tx *sql.Tx, ev events.Event) error {
	var e p2gEvent
	if err := ev.Decode(&e); err != nil {
		return err
	}
	req, err := p2gRequestByID(ctx, tx, e.Request)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	cb, err := callbackOf(req)
	if err != nil {
		return err
	}
	header, _ := json.Marshal(cb.Header)
	_, err = tx.ExecContext(ctx, `INSERT INTO govstack_p2g_callbacks (request_id, service, method, path, header, body, state, next_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'due', $7) ON CONFLICT (request_id) DO NOTHING`,
		req.ID, cb.Service, cb.Method, cb.Path, string(header), string(cb.Body), time.Now().UTC())
	return err
}

// callbackOf is the answer to req, as its file gives it.
func callbackOf(req *p2gRequest) (p2gCallback, error) {
	client, err := gateway.ParseClientID(req.Client)
	if err != nil {
		return p2gCallback{}, err
	}
	cb := p2gCallback{Service: gateway.ServiceID{Provider: client, Code: CallbackServiceCode}.String(),
		Method: http.MethodPost, Header: http.Header{}}
	cb.Header.Set("Content-Type", "application/json")
	cb.Header.Set("X-CorrelationID", req.Correlation)
	var body any
	switch req.Kind {
	case p2gKindBillInquiry:
		// billInquiryResponse.yml
		cb.Path = "/bills/" + url.PathEscape(req.Bill)
		cb.Header.Set("Platform-TenantId", req.Tenant)
		cb.Header.Set("PayerFI-Id", req.Detail.PayerFI)
		a := billInquiryAnswer{RequestID: req.RequestID, Code: 0, Reason: "Bill found", BillID: req.Bill}
		if d := req.Detail; d.Found {
			a.BillDetails = &billDetails{BillerID: d.BillerID, BillerName: d.BillerName, BillStatus: d.Status,
				DueDate: d.DueDate, AmountOnDueDate: d.AmountDue, AmountAfterDueDate: d.AmountAfterDue}
		} else {
			a.Code, a.Reason = 1, "No such bill"
		}
		body = a
	case p2gKindBillPayment:
		// billPaymentResponse.yml
		cb.Path = "/billTransferRequests"
		cb.Header.Set("X-Platform-TenantId", req.Tenant)
		cb.Header.Set("X-PayerFI-Id", req.Detail.PayerFI)
		body = billPaymentAnswer{RequestID: req.RequestID, BillID: req.Bill, Status: req.Detail.Outcome,
			RejectReason: req.Detail.RejectReason}
	default:
		body, err = rtpCallback(req, &cb)
		if err != nil {
			return cb, err
		}
	}
	cb.Body, err = json.Marshal(body)
	return cb, err
}

// billInquiryAnswer is billInquiryResponse.yml's body; code 0 is
// success, 1 failure.
type billInquiryAnswer struct {
	RequestID   string       `json:"requestId"`
	Code        int          `json:"code"`
	Reason      string       `json:"reason"`
	BillID      string       `json:"billId"`
	BillDetails *billDetails `json:"billDetails,omitempty"`
}

// billDetails are the bill as the bank sees it; amounts in qəpik, the due
// date in Unix seconds.
type billDetails struct {
	BillerID           string `json:"billerId"`
	BillerName         string `json:"billerName"`
	BillStatus         string `json:"billStatus"`
	DueDate            int64  `json:"dueDate"`
	AmountOnDueDate    int64  `json:"amountonDueDate"`
	AmountAfterDueDate int64  `json:"amountAfterDueDate"`
}

// billPaymentAnswer is billPaymentResponse.yml's body.
type billPaymentAnswer struct {
	RequestID    string `json:"requestId"`
	BillID       string `json:"billId"`
	Status       string `json:"status"`
	RejectReason string `json:"rejectReason,omitempty"`
}

// SendP2GAnswers sends the callbacks that are due and reports how many
// went. Run it after the dispatcher delivers, and now and then
// (RunP2GAnswers does).
func (s *Service) SendP2GAnswers(ctx context.Context) (int, error) {
	now := time.Now().UTC()
	rows, err := s.db.QueryContext(ctx, `SELECT request_id FROM govstack_p2g_callbacks WHERE state = 'due' AND next_at <= $1
		ORDER BY next_at LIMIT 100`, now)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	sent := 0
	var failures []error
	for _, id := range ids {
		ok, err := s.sendAnswer(ctx, id)
		if err != nil {
			failures = append(failures, err)
		}
		if ok {
			sent++
		}
	}
	return sent, errors.Join(failures...)
}

// sendAnswer claims callback id for a lease, sends it and records how
// it went. It reports whether it was delivered by this call.
func (s *Service) sendAnswer(ctx context.Context, id int64) (bool, error) {
	now := time.Now().UTC()
	res, err := s.db.ExecContext(ctx, `UPDATE govstack_p2g_callbacks SET next_at = $1
		WHERE request_id = $2 AND state = 'due' AND next_at <= $3`, now.Add(p2gLease), id, now)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil // another sender has it
	}
	var (
		cb       p2gCallback
		header   string
		body     string
		attempts int
	)
	if err := s.db.QueryRowContext(ctx, `SELECT service, method, path, header, body, attempts FROM govstack_p2g_callbacks
		WHERE request_id = $1`, id).Scan(&cb.Service, &cb.Method, &cb.Path, &header, &body, &attempts); err != nil {
		return false, err
	}
	if err := json.Unmarshal([]byte(header), &cb.Header); err != nil {
		return false, err
	}
	resp, err := s.gw.Client(Subsystem).DoHeader(ctx, cb.Method, cb.Service, cb.Path, cb.Header, bytes.NewReader([]byte(body)))
	if err == nil && (resp.Status < 200 || resp.Status > 299) {
		err = fmt.Errorf("the callback service answered %d", resp.Status)
	}
	if err == nil {
		_, err = s.db.ExecContext(ctx, `UPDATE govstack_p2g_callbacks SET state = 'sent', sent_at = $1, attempts = attempts + 1,
			last_error = '' WHERE request_id = $2`, time.Now().UTC(), id)
		return err == nil, err
	}
	attempts++
	state, next := "due", time.Now().UTC().Add(time.Duration(1<<min(attempts, 10))*time.Second)
	if attempts >= p2gCallbackMaxAttempts {
		state = "failed"
	}
	// The error names the service and the status, never a body.
	s.logger.Warn("govstack: payments callback not delivered", "request", id, "service", cb.Service, "attempt", attempts, "err", err)
	if _, uerr := s.db.ExecContext(ctx, `UPDATE govstack_p2g_callbacks SET state = $1, next_at = $2, attempts = $3, last_error = $4
		WHERE request_id = $5`, state, next, attempts, clip(err.Error(), 500), id); uerr != nil {
		return false, uerr
	}
	return false, nil
}

// RunP2GAnswers sends due callbacks every interval until ctx ends.
func (s *Service) RunP2GAnswers(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.SendP2GAnswers(ctx); err != nil && ctx.Err() == nil {
			s.logger.Warn("govstack: send payments answers", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
