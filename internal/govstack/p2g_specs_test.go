package govstack_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/egov/egov/internal/govstack"
)

// Every payments file loads with its fixes (a fix whose text is gone
// fails the load) and is a valid description; the block's and the
// callback service's merged descriptions are too.
func TestP2GSpecsLoad(t *testing.T) {
	files := []string{"billInquiryBillerRequest.yml", "billInquiryBillerResponse.yml", "billInquiryRequest.yml",
		"billInquiryResponse.yml", "billPaymentRequest.yml", "billPaymentResponse.yml", "billerRtpReq.yml",
		"billerRtpResponse.yml", "markBillPpaymentRequest.yml", "markBillPpaymentResponse.yml", "payerRtpRequest.yml",
		"payerRtpResponse.yml", "rtpStatusUpdateRequest.yml", "rtpStatusUpdateResponse.yml", "voucherRedemptionforBillPayment.yml"}
	for _, f := range files {
		doc, err := govstack.LoadSpec("payments-p2g/" + f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	block, err := govstack.LoadSpec(govstack.SpecPaymentsP2G)
	if err != nil {
		t.Fatal(err)
	}
	if err := block.Validate(context.Background()); err != nil {
		t.Errorf("the block's description: %v", err)
	}
	var served []string
	for path, item := range block.Paths.Map() {
		for method := range item.Operations() {
			served = append(served, method+" "+path)
		}
	}
	slices.Sort(served)
	want := []string{"GET /bills/{billId}", "GET /transferRequests/{transferRequestId}", "POST /billTransferRequests",
		"POST /rtpRequest", "POST /rtpResponse"}
	if !slices.Equal(served, want) {
		t.Errorf("the block serves %v, want %v", served, want)
	}
	raw, err := govstack.P2GCallbackSpec()
	if err != nil {
		t.Fatal(err)
	}
	callback, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := callback.Validate(context.Background()); err != nil {
		t.Errorf("the callback service's description: %v", err)
	}
	var paths map[string]json.RawMessage
	json.Unmarshal(mustJSON(t, callback.Paths.Map()), &paths)
	if len(paths) != 5 {
		t.Errorf("the callback service has %d paths, want 5", len(paths))
	}
}

func mustJSON(t *testing.T, v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
