package govstack

import (
	"fmt"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

// Payments, person to government: fifteen files, each one side of one
// message between a payer's bank (the Payer FI), the Payments building
// block and the biller. egov is the building block and the biller at
// once, so the messages between those two stay inside egov; what is
// served is what a bank or a biller sends, and what egov sends back goes
// to the caller's callback service through the gateway.

// p2gDir is the folder of the files under specs/.
const p2gDir = "payments-p2g/"

// SpecPaymentsP2G names the Payments block: the files egov receives,
// merged into one description (p2gReceiveSpec).
const SpecPaymentsP2G = "payments-p2g"

// The files of the messages egov receives.
const (
	P2GBillInquiry     = p2gDir + "billInquiryRequest.yml"     // GET /bills/{billId}, from a Payer FI
	P2GBillPayment     = p2gDir + "billPaymentRequest.yml"     // POST /billTransferRequests, from a Payer FI
	P2GBillerRTP       = p2gDir + "billerRtpReq.yml"           // POST /rtpRequest, from a biller
	P2GPayerRTPAnswer  = p2gDir + "payerRtpResponse.yml"       // POST /rtpResponse, from a Payer FI
	P2GTransferRequest = p2gDir + "rtpStatusUpdateRequest.yml" // GET /transferRequests/{transferRequestId}, from a biller
)

// The files of the messages egov sends, to the caller's callback service.
const (
	P2GBillInquiryAnswer    = p2gDir + "billInquiryResponse.yml"     // POST /bills/{billId}
	P2GBillPaymentAnswer    = p2gDir + "billPaymentResponse.yml"     // POST /billTransferRequests
	P2GPayerRTP             = p2gDir + "payerRtpRequest.yml"         // POST /rtpRequest
	P2GTransferRequestState = p2gDir + "rtpStatusUpdateResponse.yml" // POST /transferRequests/{transferRequestId}
	P2GBillerRTPUpdate      = p2gDir + "billerRtpResponse.yml"       // POST /rtpUpdate, to the biller
)

// p2gBillerInquiryAnswer is one of the files between the building block
// and the biller, which egov does not exchange with itself; it is named
// for its fix.
const p2gBillerInquiryAnswer = p2gDir + "billInquiryBillerResponse.yml"

var (
	p2gReceived = []string{P2GBillInquiry, P2GBillPayment, P2GBillerRTP, P2GPayerRTPAnswer, P2GTransferRequest}
	p2gSent     = []string{P2GBillInquiryAnswer, P2GBillPaymentAnswer, P2GPayerRTP, P2GTransferRequestState, P2GBillerRTPUpdate}
)

// p2gReceiveSpec is the Payments block as served: the operations of the
// files egov receives, in one description.
func p2gReceiveSpec() (*openapi3.T, error) {
	return mergeSpecs("GovStack Payments: person to government (received by egov)", p2gReceived)
}

// P2GCallbackSpec is the description of a caller's callback service: the
// operations of the files egov sends, in one description. A Payer FI's
// callback service and a biller's are registered from it.
func P2GCallbackSpec() ([]byte, error) {
	doc, err := mergeSpecs("GovStack Payments: person to government (sent by egov)", p2gSent)
	if err != nil {
		return nil, err
	}
	return doc.MarshalJSON()
}

// mergeSpecs puts the files' paths and security schemes in one
// description; no two of them share an operation.
func mergeSpecs(title string, files []string) (*openapi3.T, error) {
	out := &openapi3.T{OpenAPI: "3.0.0", Info: &openapi3.Info{Title: title, Version: "1.0.0"}, Paths: openapi3.NewPaths(),
		Components: &openapi3.Components{SecuritySchemes: openapi3.SecuritySchemes{}}}
	for _, file := range files {
		doc, err := LoadSpec(file)
		if err != nil {
			return nil, err
		}
		paths := doc.Paths.InMatchingOrder()
		sort.Strings(paths)
		for _, path := range paths {
			item := doc.Paths.Value(path)
			into := out.Paths.Value(path)
			if into == nil {
				into = &openapi3.PathItem{}
				out.Paths.Set(path, into)
			}
			for method, op := range item.Operations() {
				if into.GetOperation(method) != nil {
					return nil, fmt.Errorf("govstack: %s %s is in two payment files", method, path)
				}
				into.SetOperation(method, op)
			}
		}
		if doc.Components != nil {
			for name, s := range doc.Components.SecuritySchemes {
				out.Components.SecuritySchemes[name] = s
			}
		}
	}
	return out, nil
}
