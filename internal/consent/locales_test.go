package consent_test

import (
	"testing"

	"github.com/egov/egov/internal/consent"
	"github.com/egov/egov/internal/web/localetest"
)

func TestMessages(t *testing.T) {
	var dynamic []string
	for _, b := range consent.LawfulBases {
		dynamic = append(dynamic, "consent.basis."+b)
	}
	dynamic = append(dynamic, "consent.state."+consent.StateSigned, "consent.state."+consent.StateUnsigned,
		// Named by the GovStack block (internal/govstack/consent_*.go).
		"consent.error.bad_page", "consent.error.individual_mismatch", "consent.error.individual_required",
		"consent.error.agreement_required", "consent.error.opt_in_required")
	localetest.Check(t, localetest.Module{Prefix: "consent.", Dynamic: dynamic})
}
