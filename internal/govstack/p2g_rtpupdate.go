package govstack

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// The update to the biller (billerRtpResponse.yml, POST /rtpUpdate): when
// the Payer FI answers a request to pay, the biller that asked for it is
// told on its callback service whether the payer accepted (00) or refused
// (01). The bank's answer and the update are recorded in one transaction
// and the update goes from the outbox like every answer, so it is sent
// once per answer, across restarts.

const p2gKindRTPUpdate = "rtp_update"

// errRTPNotWaiting is recordRTPAnswer's answer when no RTP of this bank
// waits under the id: unknown, another bank's, or refused already.
var errRTPNotWaiting = errors.New("govstack: no waiting request to pay")

// rtpRejectReasons are the reasons billerRtpResponse.yml allows; a bank's
// other reasons reach the biller as R (refused).
var rtpRejectReasons = map[string]bool{"R": true, "E": true, "W": true}

// recordRTPAnswer records the bank's answer to RTP in.RTPID (it must have
// gone to bank fi and still wait) and queues the update to the biller.
func (s *Service) recordRTPAnswer(ctx context.Context, in rtpAnswer, fi, status, reason string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var (
			biller, bill string
			billerRTP    int64
		)
		err := tx.QueryRowContext(ctx, `UPDATE govstack_p2g_rtps SET status = $1, reason = $2, updated_at = $3
			WHERE id = $4 AND payer_fi = $5 AND status = 'PND' RETURNING biller, biller_rtp, bill`,
			status, reason, time.Now().UTC(), in.RTPID, fi).Scan(&biller, &billerRTP, &bill)
		if errors.Is(err, sql.ErrNoRows) {
			return errRTPNotWaiting
		}
		if err != nil {
			return err
		}
		asked, err := rtpRequestOf(ctx, tx, biller, bill, in.RTPID)
		if err != nil {
			return err
		}
		d := p2gDetail{RTP: in.RTPID, BillerRTP: billerRTP, Biller: asked.Detail.Biller, BillerRequest: asked.RequestID,
			RTPStatus: in.Status}
		if in.Status == "01" {
			d.RejectReason = "R"
			if in.RejectReason != nil && rtpRejectReasons[*in.RejectReason] {
				d.RejectReason = *in.RejectReason
			}
		}
		// One update per RTP and answer: a repeat of the bank's answer
		// is the same update; an acceptance later refused is two.
		_, _, err = acknowledgeTx(ctx, tx, p2gRequest{Kind: p2gKindRTPUpdate, Client: biller,
			RequestID: strconv.FormatInt(in.RTPID, 10) + ":" + in.Status, Correlation: asked.Correlation, Tenant: asked.Tenant,
			Bill: bill, Detail: d})
		return err
	})
}

// rtpRequestOf is the biller's request that made RTP id (of bill): the
// update echoes its requestId, X-CorrelationID and tenant.
func rtpRequestOf(ctx context.Context, tx *sql.Tx, biller, bill string, id int64) (*p2gRequest, error) {
	rows, err := tx.QueryContext(ctx, `SELECT request_id, correlation_id, tenant, detail FROM govstack_p2g_requests
		WHERE client_id = $1 AND kind = $2 AND bill = $3 ORDER BY id`, biller, p2gKindRTPRequest, bill)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r      p2gRequest
			detail string
		)
		if err := rows.Scan(&r.RequestID, &r.Correlation, &r.Tenant, &detail); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(detail), &r.Detail); err != nil {
			return nil, err
		}
		if r.Detail.RTP == id {
			return &r, nil
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("govstack: request to pay %d has no request", id)
}

// rtpUpdateCallback is billerRtpResponse.yml's message to the biller.
func rtpUpdateCallback(req *p2gRequest, cb *p2gCallback) rtpUpdate {
	cb.Path = "/rtpUpdate"
	cb.Header.Set("X-Platform-TenantId", req.Tenant)
	cb.Header.Set("X-billerId", req.Detail.Biller)
	return rtpUpdate{RequestID: req.Detail.BillerRequest, RTPID: req.Detail.BillerRTP, BillID: req.Bill,
		RTPStatus: req.Detail.RTPStatus, RejectReason: req.Detail.RejectReason}
}

// rtpUpdate is billerRtpResponse.yml's body: the biller's own requestId
// and rtpId, the bank's status and, if refused, the reason.
type rtpUpdate struct {
	RequestID    string `json:"requestId"`
	RTPID        int64  `json:"rtpId"`
	BillID       string `json:"billId"`
	RTPStatus    string `json:"rtpStatus"`
	RejectReason string `json:"rejectReason,omitempty"`
}
