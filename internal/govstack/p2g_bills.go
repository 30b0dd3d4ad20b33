package govstack

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/payments"
)

// A bill inquiry and a bill payment from a Payer FI: each is checked and
// acknowledged at once (202), and answered later by a call to the bank's
// callback service (p2g_answers.go).

// p2gAck is the acknowledgement both files declare for 202; the bill
// inquiry's 400 has the same shape.
type p2gAck struct {
	ResponseCode string `json:"responseCode"`
	Reason       string `json:"reason"`
	RequestID    string `json:"requestId,omitempty"`
}

// p2gPaymentAck is billPaymentRequest.yml's 202 (requestID, capital D)
// and, with code instead of responseCode, its 400.
type p2gPaymentAck struct {
	ResponseCode string `json:"responseCode,omitempty"`
	Code         string `json:"code,omitempty"`
	Reason       string `json:"reason"`
	RequestID    string `json:"requestID,omitempty"`
}

// Response codes of the acknowledgements.
const (
	p2gAccepted = "00"
	p2gRefused  = "01"
)

// p2gReady refuses requests when egov runs without the payments module.
func (s *Service) p2gReady() error {
	if s.pay == nil {
		return errs.E(errs.Unavailable, "govstack.error.payments_off")
	}
	return nil
}

// readP2G reads the body (a GET's too) within maxBody.
func readP2G(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, bad("govstack.error.p2g_too_large", "")
	}
	return body, nil
}

// bankOf checks that the caller is a Payer FI and that the PayerFI-Id it
// sent is its own.
func (s *Service) bankOf(ctx context.Context, caller string, h p2gHeader) (string, error) {
	id, err := s.payerFIOf(ctx, caller)
	if err != nil {
		return "", err
	}
	if h.PayerFI != id {
		return "", bad("govstack.error.p2g_not_your_id", "")
	}
	return id, nil
}

// p2gCaller is the subsystem calling the Payments block, once the block
// can answer; headerErr, the message's headers' error, goes first.
func (s *Service) p2gCaller(r *http.Request, headerErr error) (string, error) {
	caller, err := callerOf(r)
	if headerErr != nil {
		return caller, headerErr
	}
	if err == nil {
		err = s.p2gReady()
	}
	return caller, err
}

// billInquiry is GET /bills/{billId}?fields=inquiry, with its body.
func (s *Service) billInquiry(w http.ResponseWriter, r *http.Request) {
	var in billInquiry
	h, err := parseP2GHeader(r.Header, false)
	caller, err := s.p2gCaller(r, err)
	var body []byte
	if err == nil {
		body, err = readP2G(w, r)
	}
	if err == nil {
		in, err = parseBillInquiry(r.PathValue("billId"), r.URL.Query(), body)
	}
	var fi string
	if err == nil {
		fi, err = s.bankOf(r.Context(), caller, h)
	}
	var stored *p2gRequest
	if err == nil {
		req := p2gRequest{Kind: p2gKindBillInquiry, Client: caller, RequestID: in.RequestID, Correlation: h.Correlation,
			Tenant: h.Tenant, Bill: in.BillID}
		req.Detail, err = s.quote(r.Context(), fi, in.BillID)
		if err == nil && req.Detail.Found {
			// The bank learns of a person's bill: the person sees it,
			// before the answer can go.
			err = s.recordPersonalData(r.Context(), r, "GovStack Payments: bill inquiry "+in.BillID, []string{req.Detail.payer})
		}
		if err == nil {
			stored, _, err = s.acknowledge(r.Context(), req)
		}
		if err == nil && stored.Bill != in.BillID {
			err = bad("govstack.error.p2g_request_reused", "")
		}
	}
	var b *p2gBadRequest
	switch {
	case errors.As(err, &b):
		answer(w, http.StatusBadRequest, p2gAck{ResponseCode: p2gRefused, Reason: b.reason, RequestID: clip(in.RequestID, 12)})
	case err != nil:
		s.fail(w, r, err)
	default:
		answer(w, http.StatusAccepted, p2gAck{ResponseCode: p2gAccepted, Reason: "Accepted: the answer follows on the callback",
			RequestID: in.RequestID})
	}
}

// quote is what the bill inquiry answers about bill: its state and the
// amount due now, which a payment reported within
// payments.QuoteValidity must have moved.
func (s *Service) quote(ctx context.Context, fi, number string) (p2gDetail, error) {
	d := p2gDetail{PayerFI: fi}
	b, err := s.pay.Bill(ctx, number)
	if errs.KindOf(err) == errs.NotFound {
		return d, nil
	}
	if err != nil {
		return d, err
	}
	now := time.Now().UTC()
	d.Found, d.Status, d.QuotedAt = true, billStatus(b.Status), now
	d.BillerID, d.BillerName = clip(b.Agency, 10), clip(b.Agency, 10)
	d.DueDate = b.DueAt.Unix()
	if b.Status == payments.StatusOpen {
		d.AmountDue = b.Due(now)
		// A day past the due date, when a penalty rule starts to add.
		d.AmountAfterDue = b.Due(b.DueAt.Add(24 * time.Hour))
	}
	d.payer = b.PayerFIN
	return d, nil
}

// billStatus is a bill's status in at most the ten characters the file
// allows.
func billStatus(st payments.Status) string {
	switch st {
	case payments.StatusOpen:
		return "OPEN"
	case payments.StatusPaid:
		return "PAID"
	case payments.StatusCancelled:
		return "CANCELLED"
	case payments.StatusRefunded:
		return "REFUNDED"
	case payments.StatusPartiallyRefunded:
		return "PARTREFUND"
	}
	return "UNKNOWN"
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Reasons a payment is rejected (billPaymentResponse.yml's rejectReason):
// the file names them only; egov reads Und as a bill or inquiry it does
// not know, Dup as a bill already paid, and Def as an amount that differs
// from what is due.
const (
	rejectUnknown   = "Und"
	rejectDuplicate = "Dup"
	rejectAmount    = "Def"
)

// billTransfer is POST /billTransferRequests: the bank paid the bill it
// inquired about. The payment is settled now (payments.SettleTransfer,
// keyed on the bank's paymentReferenceID, so a repeat is the same
// payment), and the answer (ACK or RJC) follows on the callback.
func (s *Service) billTransfer(w http.ResponseWriter, r *http.Request) {
	var in billPayment
	h, err := parseP2GHeader(r.Header, true)
	caller, err := s.p2gCaller(r, err)
	var body []byte
	if err == nil {
		body, err = readP2G(w, r)
	}
	if err == nil {
		in, err = parseBillPayment(body)
	}
	var fi string
	if err == nil {
		fi, err = s.bankOf(r.Context(), caller, h)
	}
	if err == nil {
		var d p2gDetail
		if _, err = p2gRequestBy(r.Context(), s.db, caller, p2gKindBillPayment, in.RequestID); err == nil {
			// A repeat: acknowledged and answered already.
			answer(w, http.StatusAccepted, p2gPaymentAck{ResponseCode: p2gAccepted, Reason: "Accepted", RequestID: in.RequestID})
			return
		}
		if errors.Is(err, sql.ErrNoRows) {
			d, err = s.settleBillTransfer(r.Context(), caller, fi, in)
		}
		if err == nil {
			_, _, err = s.acknowledge(r.Context(), p2gRequest{Kind: p2gKindBillPayment, Client: caller, RequestID: in.RequestID,
				Correlation: h.Correlation, Tenant: h.Tenant, Bill: in.BillID, Detail: d})
		}
	}
	var b *p2gBadRequest
	switch {
	case errors.As(err, &b):
		answer(w, http.StatusBadRequest, p2gPaymentAck{Code: p2gRefused, Reason: b.reason, RequestID: clip(in.RequestID, 12)})
	case err != nil:
		s.fail(w, r, err)
	default:
		answer(w, http.StatusAccepted, p2gPaymentAck{ResponseCode: p2gAccepted, Reason: "Accepted: the answer follows on the callback",
			RequestID: in.RequestID})
	}
}

// settleBillTransfer settles the payment at the amount the inquiry
// quoted and says how it went.
func (s *Service) settleBillTransfer(ctx context.Context, caller, fi string, in billPayment) (p2gDetail, error) {
	d := p2gDetail{PayerFI: fi, Outcome: "RJC", RejectReason: rejectUnknown}
	inq, err := p2gRequestBy(ctx, s.db, caller, p2gKindBillInquiry, in.BillInquiryRequestID)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (inq.Bill != in.BillID || !inq.Detail.Found) {
		return d, nil // no inquiry of this bank about this bill
	}
	if err != nil {
		return d, err
	}
	if inq.Detail.AmountDue <= 0 {
		d.RejectReason = rejectDuplicate // paid or closed when inquired about
		return d, nil
	}
	p, err := s.pay.SettleTransfer(ctx, payments.Transfer{Bill: in.BillID, PayerFI: fi, Reference: in.PaymentReferenceID,
		Amount: inq.Detail.AmountDue, QuotedAt: inq.Detail.QuotedAt, IdempotencyKey: in.PaymentReferenceID})
	e := errs.As(err)
	switch {
	case err == nil:
		d.Outcome, d.RejectReason, d.Payment = "ACK", "", p.Number
	case e != nil && e.Kind == errs.NotFound:
	case e != nil && e.Message == "payments.error.amount_mismatch":
		d.RejectReason = rejectAmount
	case e != nil && e.Kind == errs.Conflict:
		d.RejectReason = rejectDuplicate
	default:
		return d, err
	}
	return d, nil
}
