package govstack_test

import (
	"testing"

	"github.com/egov/egov/internal/web/localetest"
)

// The admin page's messages (the blocks' own error texts are English, in
// answer.go's details, as the specifications' examples are).
func TestMessages(t *testing.T) {
	var dynamic []string
	for _, f := range []string{"link_member", "link_agency", "fi_id", "fi_subsystem", "fi_name", "fi_callback_url", "biller_subsystem", "biller_callback_url"} {
		dynamic = append(dynamic, "govstack.admin.field."+f)
	}
	for _, f := range []string{"fi_id", "fi_subsystem", "fi_name", "fi_callback_url", "biller_callback_url"} {
		dynamic = append(dynamic, "govstack.admin.hint."+f)
	}
	for _, d := range []string{"linked", "unlinked", "payer_fi", "biller"} {
		dynamic = append(dynamic, "govstack.admin.done."+d)
	}
	localetest.Check(t, localetest.Module{Prefix: "govstack.admin.", Dynamic: dynamic, MinUsed: 30})
}
