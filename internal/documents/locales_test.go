package documents_test

import (
	"testing"

	"github.com/egov/egov/internal/web/localetest"
)

func TestMessages(t *testing.T) {
	var dynamic []string
	for _, s := range []string{"valid", "suspended", "revoked", "expired", "tampered", "unknown"} {
		dynamic = append(dynamic, "documents.status."+s, "documents.explain."+s)
	}
	for _, s := range []string{"valid", "suspended", "revoked"} {
		dynamic = append(dynamic, "documents.error.status_"+s)
	}
	for _, s := range []string{"1h", "24h", "72h", "168h", "720h"} {
		dynamic = append(dynamic, "documents.share.for_"+s)
	}
	for _, s := range []string{"link", "qr"} {
		dynamic = append(dynamic, "documents.share.via_"+s)
	}
	localetest.Check(t, localetest.Module{Prefix: "documents.", Dynamic: dynamic})
}
