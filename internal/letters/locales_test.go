package letters_test

import (
	"testing"

	"github.com/egov/egov/internal/web/localetest"
)

func TestMessages(t *testing.T) {
	var dynamic []string
	for _, s := range []string{"sent", "extended", "answered", "overdue"} {
		dynamic = append(dynamic, "letters.status."+s)
	}
	for _, s := range []string{"open", "overdue", "answered", "all", "written"} {
		dynamic = append(dynamic, "letters.office.show_"+s)
	}
	localetest.Check(t, localetest.Module{Prefix: "letters.", Dynamic: dynamic, Skip: []string{"templates.go"}, MinUsed: 50})
}
