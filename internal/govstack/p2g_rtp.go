package govstack

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/payments"
)

// Request to pay. A biller (an agency's system) asks egov to ask the
// payer's bank to pay one of egov's bills (POST /rtpRequest); egov sends
// the bank the request (payerRtpRequest.yml, from the outbox), the bank
// says whether its customer accepted (POST /rtpResponse), and the biller
// is told of the answer on its callback service (billerRtpResponse.yml,
// POST /rtpUpdate, from the outbox; p2g_rtpupdate.go); it may also ask
// how it stands (GET /transferRequests/{its rtpId}), answered on its
// callback service (rtpStatusUpdateResponse.yml). The bank pays the bill
// as any other, by a bill inquiry and a bill payment.

const (
	p2gKindRTPRequest = "rtp_request"
	p2gKindRTPStatus  = "rtp_status"
)

// rtpHeader is what the RTP messages carry: X-billerId instead of the
// Payer FI's id.
type rtpHeader struct {
	Correlation string
	Tenant      string
	Biller      string
}

func parseRTPHeader(h http.Header) (rtpHeader, error) {
	out := rtpHeader{Correlation: h.Get("X-CorrelationID"), Tenant: h.Get("X-Platform-TenantId"), Biller: h.Get("X-billerId")}
	for _, f := range []struct{ name, v string }{{"X-CorrelationID", out.Correlation},
		{"X-Platform-TenantId", out.Tenant}, {"X-billerId", out.Biller}} {
		if err := p2gText(f.name, f.v, 20); err != nil {
			return out, err
		}
	}
	return out, nil
}

// rtpAsk is billerRtpReq.yml's body, with what egov needs of it.
type rtpAsk struct {
	RequestID   string `json:"requestId"`
	RTPID       int64  `json:"rtpId"`
	BillID      string `json:"billID"`
	RequestType string `json:"requestType"`
	PayerFI     struct {
		BIC     string `json:"payerFIBIC"`
		Address string `json:"financialAddress"`
	} `json:"payerFiDetails"`
	BillDetails struct {
		BillerName string `json:"billerName"`
		Amount     *int64 `json:"amount"`
	} `json:"billDetails"`
}

func parseRTPAsk(body []byte) (rtpAsk, error) {
	var in rtpAsk
	if err := strictJSON(body, &in); err != nil {
		return in, err
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"requestId", in.RequestID, 12}, {"billID", in.BillID, 20}, {"payerFiDetails.payerFIBIC", in.PayerFI.BIC, 20}} {
		if err := p2gText(f.name, f.v, f.max); err != nil {
			return in, err
		}
	}
	if in.RTPID <= 0 {
		return in, bad("govstack.error.p2g_rtp_id", "rtpId")
	}
	if in.RequestType != "" && in.RequestType != "00" && in.RequestType != "01" {
		return in, bad("govstack.error.p2g_request_type", "")
	}
	return in, nil
}

// rtpAnswer is payerRtpResponse.yml's body: the bank's customer accepted
// (00) or refused (01) egov's request to pay.
type rtpAnswer struct {
	RequestID    string  `json:"RequestId"`
	TxnID        string  `json:"txnId"`
	RTPID        int64   `json:"rtpId"`
	BillID       string  `json:"billId"`
	Status       string  `json:"rtpStatus"`
	RejectReason *string `json:"rejectReason"`
}

func parseRTPAnswer(body []byte) (rtpAnswer, error) {
	var in rtpAnswer
	if err := strictJSON(body, &in); err != nil {
		return in, err
	}
	if in.RTPID <= 0 {
		return in, bad("govstack.error.p2g_rtp_id", "rtpId")
	}
	if in.Status != "00" && in.Status != "01" {
		return in, bad("govstack.error.p2g_rtp_status", "")
	}
	if in.RejectReason != nil && len(*in.RejectReason) > 10 {
		return in, bad("govstack.error.p2g_too_long", "rejectReason")
	}
	return in, nil
}

// rtpAck is the 200 the RTP files declare.
type rtpAck struct {
	ResponseCode        string `json:"responseCode"`
	ResponseDescription string `json:"responseDescription"`
	RequestID           string `json:"requestID,omitempty"`
}

// billerOf checks that X-billerId is the calling subsystem's member code:
// a biller speaks for its own institution.
func billerOf(caller string, h rtpHeader) error {
	c, err := gateway.ParseClientID(caller)
	if err != nil {
		return err
	}
	if h.Biller != c.Member {
		return errs.E(errs.Invalid, "govstack.error.bad_biller").Field("X-billerId", "govstack.error.bad_biller")
	}
	return nil
}

// rtpRequest is POST /rtpRequest from a biller.
func (s *Service) rtpRequest(w http.ResponseWriter, r *http.Request) {
	h, err := parseRTPHeader(r.Header)
	if err == nil && p2gText("X-Callback-URL", r.Header.Get("X-Callback-URL"), 100) != nil {
		err = bad("govstack.error.p2g_required", "X-Callback-URL")
	}
	caller, err := s.p2gCaller(r, err)
	if err == nil {
		err = billerOf(caller, h)
	}
	var in rtpAsk
	if err == nil {
		var body []byte
		if body, err = readP2G(w, r); err == nil {
			in, err = parseRTPAsk(body)
		}
	}
	var b *payments.Bill
	if err == nil {
		b, err = s.pay.Bill(r.Context(), in.BillID)
	}
	if err == nil {
		// The biller learns what a person owes: the person sees it.
		err = s.recordPersonalData(r.Context(), r, "GovStack Payments: request to pay "+b.Number, []string{b.PayerFIN})
	}
	if err == nil {
		err = s.askToPay(r.Context(), caller, h, in, b)
	}
	if err != nil {
		s.failP2G(w, r, err)
		return
	}
	answer(w, http.StatusOK, rtpAck{ResponseCode: p2gAccepted, ResponseDescription: "Accepted: the request goes to the payer's bank",
		RequestID: in.RequestID})
}

// failP2G answers an error no file declares: a message that breaks its
// file is a 400 problem with the reason.
func (s *Service) failP2G(w http.ResponseWriter, r *http.Request, err error) {
	var b *p2gBadRequest
	if errors.As(err, &b) {
		e := errs.E(errs.Invalid, b.key)
		if b.field != "" {
			e = e.Field(b.field, b.key)
		}
		err = e
	}
	s.fail(w, r, err)
}

// askToPay records the RTP of bill b and the request in one go: the bill
// must be open, the amount (if given) what is due, and the bank a Payer
// FI.
func (s *Service) askToPay(ctx context.Context, caller string, h rtpHeader, in rtpAsk, b *payments.Bill) error {
	due := b.Due(time.Now().UTC())
	if b.Status != payments.StatusOpen || due <= 0 {
		return errs.E(errs.Conflict, "govstack.error.bill_not_open")
	}
	if in.BillDetails.Amount != nil && *in.BillDetails.Amount != due {
		return errs.E(errs.Conflict, "govstack.error.rtp_amount")
	}
	var bankClient string
	err := s.db.QueryRowContext(ctx, `SELECT client_id FROM govstack_p2g_payer_fis WHERE id = $1`, in.PayerFI.BIC).Scan(&bankClient)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotFound, "govstack.error.unknown_payer_fi")
	}
	if err != nil {
		return err
	}
	// The RTP and the request to the bank are kept together, once per
	// biller's rtpId.
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := time.Now().UTC()
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO govstack_p2g_rtps (biller, biller_rtp, bill, payer_fi, amount, status,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'PND', $6, $6) ON CONFLICT (biller, biller_rtp) DO NOTHING RETURNING id`,
			caller, in.RTPID, b.Number, in.PayerFI.BIC, due, now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			// Asked before: the first request stands.
			var bill string
			if err := tx.QueryRowContext(ctx, `SELECT bill FROM govstack_p2g_rtps WHERE biller = $1 AND biller_rtp = $2`,
				caller, in.RTPID).Scan(&bill); err != nil {
				return err
			}
			if bill != b.Number {
				return errs.E(errs.Conflict, "govstack.error.rtp_reused")
			}
			return nil
		}
		if err != nil {
			return err
		}
		_, created, err := acknowledgeTx(ctx, tx, p2gRequest{Kind: p2gKindRTPRequest, Client: caller, RequestID: in.RequestID,
			Correlation: h.Correlation, Tenant: h.Tenant, Bill: b.Number,
			Detail: p2gDetail{Target: bankClient, RTP: id, AmountDue: due, Biller: h.Biller, BillerName: clip(b.Agency, 10)}})
		if err == nil && !created {
			err = errs.E(errs.Conflict, "govstack.error.rtp_reused") // a requestId of another RTP
		}
		return err
	})
}

// rtpResponse is POST /rtpResponse from the Payer FI the request went to.
func (s *Service) rtpResponse(w http.ResponseWriter, r *http.Request) {
	_, err := parseRTPHeader(r.Header)
	caller, err := s.p2gCaller(r, err)
	var fi string
	if err == nil {
		fi, err = s.payerFIOf(r.Context(), caller)
	}
	var in rtpAnswer
	if err == nil {
		var body []byte
		if body, err = readP2G(w, r); err == nil {
			in, err = parseRTPAnswer(body)
		}
	}
	if err == nil {
		status, reason := "PND", "ACCEPTED"
		if in.Status == "01" {
			status, reason = "RJC", "REFUSED"
			if in.RejectReason != nil && *in.RejectReason != "" {
				reason = *in.RejectReason
			}
		}
		// Only the bank asked, and only while the RTP waits; the
		// update to the biller is queued with the answer.
		err = s.recordRTPAnswer(r.Context(), in, fi, status, reason)
		if errors.Is(err, errRTPNotWaiting) {
			err = s.rtpKnown(r.Context(), in.RTPID, fi)
		}
	}
	if err != nil {
		s.failP2G(w, r, err)
		return
	}
	answer(w, http.StatusOK, rtpAck{ResponseCode: p2gAccepted, ResponseDescription: "Recorded", RequestID: clip(in.RequestID, 12)})
}

// rtpKnown is nil when the RTP id went to bank fi (and was answered
// before), NotFound otherwise.
func (s *Service) rtpKnown(ctx context.Context, id int64, fi string) error {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM govstack_p2g_rtps WHERE id = $1 AND payer_fi = $2`, id, fi).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotFound, "govstack.error.no_rtp")
	}
	return err
}

// transferRequestStatus is GET /transferRequests/{transferRequestId}, the
// biller's own rtpId: acknowledged at once, answered on its callback
// service with the status as it is now.
func (s *Service) transferRequestStatus(w http.ResponseWriter, r *http.Request) {
	var body struct {
		RequestID string `json:"RequestId"`
	}
	h, err := parseRTPHeader(r.Header)
	caller, err := s.p2gCaller(r, err)
	if err == nil {
		err = billerOf(caller, h)
		if errs.KindOf(err) == errs.Invalid {
			err = bad("govstack.error.bad_biller", "")
		}
	}
	var raw []byte
	if err == nil {
		raw, err = readP2G(w, r)
	}
	if err == nil && len(raw) > 0 {
		err = strictJSON(raw, &body)
	}
	rtp, perr := strconv.ParseInt(r.PathValue("transferRequestId"), 10, 64)
	if err == nil && (perr != nil || rtp <= 0) {
		err = bad("govstack.error.p2g_transfer_request", "")
	}
	if err == nil && len(body.RequestID) > 12 {
		err = bad("govstack.error.p2g_too_long", "RequestId")
	}
	if err == nil {
		if body.RequestID == "" {
			body.RequestID = h.Correlation // the body is optional
		}
		var d p2gDetail
		d, err = s.rtpStatus(r.Context(), caller, rtp)
		if err == nil {
			err = s.recordPersonalData(r.Context(), r, "GovStack Payments: status of a request to pay", []string{d.payer})
		}
		if err == nil {
			_, _, err = s.acknowledge(r.Context(), p2gRequest{Kind: p2gKindRTPStatus, Client: caller, RequestID: body.RequestID,
				Correlation: h.Correlation, Tenant: h.Tenant, Bill: strconv.FormatInt(rtp, 10), Detail: d})
		}
	}
	var b *p2gBadRequest
	switch {
	case errors.As(err, &b):
		answer(w, http.StatusBadRequest, p2gPaymentAck{Code: p2gRefused, Reason: b.reason, RequestID: clip(body.RequestID, 12)})
	case err != nil:
		s.fail(w, r, err)
	default:
		answer(w, http.StatusAccepted, p2gPaymentAck{ResponseCode: p2gAccepted, Reason: "Accepted: the status follows on the callback",
			RequestID: clip(body.RequestID, 12)})
	}
}

// rtpStatus is how the biller's RTP stands: COM once the bill is paid
// (with the payment's number), RJC if the payer refused, CAN if the bill
// was cancelled, EXP if it is open past its due date, else PND.
func (s *Service) rtpStatus(ctx context.Context, biller string, billerRTP int64) (p2gDetail, error) {
	var (
		d       p2gDetail
		bill    string
		updated time.Time
	)
	err := s.db.QueryRowContext(ctx, `SELECT id, bill, status, updated_at FROM govstack_p2g_rtps WHERE biller = $1 AND biller_rtp = $2`,
		biller, billerRTP).Scan(&d.RTP, &bill, &d.RTPStatus, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return d, errs.E(errs.NotFound, "govstack.error.no_rtp")
	}
	if err != nil {
		return d, err
	}
	d.BillerRTP, d.Updated = billerRTP, updated.Unix()
	b, err := s.pay.Bill(ctx, bill)
	if err != nil {
		return d, err
	}
	d.payer = b.PayerFIN
	switch {
	case b.Status == payments.StatusPaid || b.Status == payments.StatusRefunded || b.Status == payments.StatusPartiallyRefunded:
		d.RTPStatus, d.Payment = "COM", b.Payment
		if b.PaidAt != nil {
			d.Updated = b.PaidAt.Unix()
		}
	case d.RTPStatus == "RJC":
	case b.Status == payments.StatusCancelled:
		d.RTPStatus = "CAN"
	case time.Now().After(b.DueAt):
		d.RTPStatus = "EXP"
	}
	return d, nil
}

// rtpCallback is the answer to an RTP request (to the Payer FI), the
// bank's answer passed on (to the biller) or the answer to a status
// inquiry (to the biller).
func rtpCallback(req *p2gRequest, cb *p2gCallback) (any, error) {
	switch req.Kind {
	case p2gKindRTPRequest:
		// payerRtpRequest.yml, to the bank.
		bank, err := gateway.ParseClientID(req.Detail.Target)
		if err != nil {
			return nil, err
		}
		cb.Service = gateway.ServiceID{Provider: bank, Code: CallbackServiceCode}.String()
		cb.Path = "/rtpRequest"
		cb.Header.Set("X-Platform-TenantId", req.Tenant)
		cb.Header.Set("X-billerId", req.Detail.Biller)
		return payerRTP{TxnID: "T" + strconv.FormatInt(req.Detail.RTP, 10), RTPID: req.Detail.RTP,
			BillDetails: payerRTPBill{BillID: req.Bill, BillerName: req.Detail.BillerName, Amount: req.Detail.AmountDue}}, nil
	case p2gKindRTPUpdate:
		return rtpUpdateCallback(req, cb), nil
	case p2gKindRTPStatus:
		// rtpStatusUpdateResponse.yml, to the biller.
		cb.Path = "/transferRequests/" + strconv.FormatInt(req.Detail.BillerRTP, 10)
		cb.Header.Set("X-Platform-TenantId", req.Tenant)
		c, err := gateway.ParseClientID(req.Client)
		if err != nil {
			return nil, err
		}
		cb.Header.Set("X-billerId", c.Member)
		return rtpState{RTPID: req.Detail.BillerRTP, RequestID: clip(req.RequestID, 12), RequestStatus: req.Detail.RTPStatus,
			PaymentReferenceID: req.Detail.Payment, LastUpdateDate: req.Detail.Updated}, nil
	}
	return nil, fmt.Errorf("govstack: no answer for %s", req.Kind)
}

// payerRTP is payerRtpRequest.yml's body; its bill's keys have spaces.
type payerRTP struct {
	TxnID       string       `json:"TxnID"`
	RTPID       int64        `json:"rTPID"`
	BillDetails payerRTPBill `json:"billDetails"`
}

type payerRTPBill struct {
	BillID     string `json:"Bill ID"`
	BillerName string `json:"Biller Name"`
	Amount     int64  `json:"Amount"` // qəpik
}

// rtpState is rtpStatusUpdateResponse.yml's body.
type rtpState struct {
	RTPID              int64  `json:"rtpId"`
	RequestID          string `json:"RequestId"`
	RequestStatus      string `json:"requestStatus"`
	PaymentReferenceID string `json:"PaymentReferenceID,omitempty"`
	LastUpdateDate     int64  `json:"lastUpdateDate"` // Unix seconds
}
