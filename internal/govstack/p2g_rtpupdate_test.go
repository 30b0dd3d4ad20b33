package govstack_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/egov/egov/internal/govstack"
	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// The biller hears of each answer of the bank to its request to pay on
// its callback service (POST /rtpUpdate, validated against
// billerRtpResponse.yml by the biller's server), exactly once: under
// concurrent repeats of the bank's answer, and across a restart with
// senders racing.
func TestP2GRTPUpdate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := p2gSetup(t, db)

		t.Run("ConcurrentRepeats", func(t *testing.T) {
			b := f.bill(t, p2gFee("rtpu-conc", 2200))
			rtp := f.askRTP(t, "RTPU1", 61, b)
			from := len(f.biller.received(t))
			var wg sync.WaitGroup
			statuses := make([]int, 6)
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i] = f.answerRTP(t, "RRU1", rtp, "00", nil).status
				}()
			}
			wg.Wait()
			for i, st := range statuses {
				if st != http.StatusOK {
					t.Errorf("repeat %d answered %d", i, st)
				}
			}
			f.deliver(t, 0)
			got := f.updates(t, from)
			if len(got) != 1 || got[0]["rtpStatus"] != "00" || got[0]["rtpId"] != 61.0 || got[0]["requestId"] != "RTPU1" {
				t.Fatalf("the biller was told %+v, want one acceptance", got)
			}

			// The payer changes their mind: a second answer, a second
			// update, with the reason as the bank gave it.
			reason := "E"
			accepted(t, f.answerRTP(t, "RRU2", rtp, "01", &reason), http.StatusOK)
			accepted(t, f.answerRTP(t, "RRU2", rtp, "01", &reason), http.StatusOK)
			f.deliver(t, 0)
			got = f.updates(t, from)
			if len(got) != 2 || got[1]["rtpStatus"] != "01" || got[1]["rejectReason"] != "E" {
				t.Fatalf("the biller was told %+v, want the acceptance then the refusal", got)
			}
		})

		t.Run("OnceAcrossRestart", func(t *testing.T) {
			b := f.bill(t, p2gFee("rtpu-restart", 900))
			rtp := f.askRTP(t, "RTPU2", 62, b)
			from := len(f.biller.received(t))
			reason := "W"
			accepted(t, f.answerRTP(t, "RRU3", rtp, "01", &reason), http.StatusOK)
			before := f.svc
			f.restart(t)
			if _, err := f.events.DispatchOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for _, svc := range []*govstack.Service{before, f.svc, f.svc} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := svc.SendP2GAnswers(context.Background()); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			f.deliver(t, 0)
			got := f.updates(t, from)
			if len(got) != 1 || got[0]["rtpStatus"] != "01" || got[0]["rejectReason"] != "W" || got[0]["rtpId"] != 62.0 {
				t.Fatalf("the biller was told %+v, want one refusal", got)
			}
		})

		t.Run("RefusedAnswersTellNothing", func(t *testing.T) {
			from := len(f.biller.received(t))
			if res := f.answerRTP(t, "RRU4", 99998, "00", nil); res.status != http.StatusNotFound {
				t.Errorf("an unknown request to pay answered: %d %s", res.status, res.body)
			}
			f.deliver(t, 0)
			if got := f.updates(t, from); len(got) != 0 {
				t.Errorf("the biller was told %+v of an answer refused", got)
			}
		})
	}, append(migrations(), payments.Migrations)...)
}

// askRTP asks as the clinic for a request to pay bill and returns egov's
// rtpId the bank was sent.
func (f *p2gFixture) askRTP(t *testing.T, requestID string, billerRTP int, bill *payments.Bill) any {
	t.Helper()
	from := len(f.bank.received(t))
	accepted(t, f.rtpCall(t, clinic, govstack.P2GBillerRTP, "POST", "/rtpRequest", rtpAsk(requestID, billerRTP, bill.Number, bill.Amount)), http.StatusOK)
	asked := f.deliver(t, from)
	if len(asked) != 1 || asked[0].path != "/rtpRequest" {
		t.Fatalf("the bank got %+v", asked)
	}
	return asked[0].body["rTPID"]
}

// answerRTP answers request to pay rtp as the bank.
func (f *p2gFixture) answerRTP(t *testing.T, requestID string, rtp any, status string, reason *string) result {
	t.Helper()
	body := map[string]any{"RequestId": requestID, "rtpId": rtp, "rtpStatus": status}
	if reason != nil {
		body["rejectReason"] = *reason
	}
	return f.rtpCall(t, bank, govstack.P2GPayerRTPAnswer, "POST", "/rtpResponse", body)
}

// updates are the bodies of the /rtpUpdate calls the biller received
// since from.
func (f *p2gFixture) updates(t *testing.T, from int) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, c := range f.biller.received(t)[from:] {
		if c.path != "/rtpUpdate" {
			t.Errorf("the biller got %s %v", c.path, c.body)
			continue
		}
		out = append(out, c.body)
	}
	return out
}
