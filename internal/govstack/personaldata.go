package govstack

import (
	"context"
	"net/http"
)

// recordPersonalData records that the caller of r was answered the data
// of the persons fins, for what (e.g. "Registration application
// 7KM2Q9XA4"), in the gateway's data tracker under this exchange: its
// client, service, X-Road id, official (X-Road-UserId) and purpose
// (X-Road-Purpose after what). The gateway records a read by itself when
// the request names the person (a base registry's read); a block that
// finds them by something else (an application's number, a generic
// registry's record) names them here. A block answers nothing it could
// not record.
func (s *Service) recordPersonalData(ctx context.Context, r *http.Request, what string, fins []string) error {
	return s.gw.RecordReads(ctx, r, what, fins)
}
