package payments_test

import (
	"testing"

	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/web/localetest"
)

func TestMessages(t *testing.T) {
	var dynamic []string
	for _, s := range []string{"open", "paid", "cancelled", "refunded", "partially_refunded"} {
		dynamic = append(dynamic, "payments.status."+s)
	}
	for _, s := range []string{"fee", "fine", "tax"} {
		dynamic = append(dynamic, "payments.kind."+s)
	}
	for _, s := range []string{"payment", "refund", "overpayment", "overpayment_refund"} {
		dynamic = append(dynamic, "payments.entry."+s)
	}
	for _, s := range []string{"due", "pending", "done"} {
		dynamic = append(dynamic, "payments.receipt.overpaid_"+s)
	}
	for _, s := range []string{"amount", "missing", "unknown"} {
		dynamic = append(dynamic, "payments.recon.kind."+s)
	}
	for _, s := range []payments.PayoutStatus{payments.PayoutAwaitingAccount, payments.PayoutScheduled, payments.PayoutPaid, payments.PayoutCancelled} {
		dynamic = append(dynamic, "payments.payouts.status."+string(s))
	}
	localetest.Check(t, localetest.Module{Prefix: "payments.", Dynamic: dynamic, MinUsed: 60})
}
