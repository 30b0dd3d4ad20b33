package govstack

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/egov/egov/internal/gateway"
)

// The gateway records a read of a person when the exchange names them: a
// FIN in its path or query, or as the represented party. A block that
// answers a person's data found by something else (an application's
// number, a generic registry's record) names them afterwards: it calls
// PersonalDataService in process, as the calling client, with the FINs
// in its query, so the gateway records each of them with the caller, the
// official (X-Road-UserId) and the purpose, as it does for a base
// registry's read, and logs that exchange too.

// personalDataOpenAPI describes PersonalDataService: one endpoint whose
// fin parameter the gateway reads as the persons concerned.
var personalDataOpenAPI = []byte(`{"openapi": "3.0.3",
 "info": {"title": "GovStack blocks: persons whose data was answered", "version": "1"},
 "paths": {"/personal-data/reads": {"get": {"operationId": "personalDataRead",
  "parameters": [{"name": "fin", "in": "query", "required": true, "explode": true,
   "schema": {"type": "array", "items": {"type": "string"}}}],
  "responses": {"204": {"description": "recorded"}}}}}}`)

// personalDataEndpoint is what a caller is granted on PersonalDataService.
var personalDataEndpoint = gateway.Endpoint{Method: http.MethodGet, Path: "/personal-data/reads"}

// personalDataRead answers the in-process call: the gateway has recorded
// the persons by the time it logs the answer.
func (s *Service) personalDataRead(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusNoContent)
}

// maxFINsPerRecord bounds one call's query (a page of a list is at most
// 100 records).
const maxFINsPerRecord = 200

// recordPersonalData records that the caller of r was answered the data
// of the persons fins, for what (e.g. "Registration application
// 7KM2Q9XA4"), with the caller's X-Road-Purpose and X-Road-UserId. A
// caller the block answered is granted the recording endpoint on first
// use: it records only what the block has already decided to answer.
func (s *Service) recordPersonalData(ctx context.Context, r *http.Request, what string, fins []string) error {
	var list []string
	for _, f := range fins {
		if gateway.IsFIN(f) && !slices.Contains(list, f) {
			list = append(list, f)
		}
	}
	if len(list) == 0 {
		return nil
	}
	client, err := gateway.ParseClientID(r.Header.Get(gateway.HeaderClient))
	if err != nil {
		return err
	}
	ok, err := s.gw.Allowed(ctx, client, PersonalDataService, personalDataEndpoint.Method, personalDataEndpoint.Path)
	if err != nil {
		return err
	}
	if !ok {
		if err := s.gw.Grant(ctx, client, PersonalDataService, personalDataEndpoint); err != nil {
			return err
		}
	}
	purpose := what
	if p := r.Header.Get(gateway.HeaderPurpose); p != "" {
		purpose += ": " + p
	}
	for len(list) > 0 {
		n := min(len(list), maxFINsPerRecord)
		q := url.Values{"fin": list[:n]}
		list = list[n:]
		resp, err := s.gw.Client(client).Get(ctx, PersonalDataService.String(), personalDataEndpoint.Path+"?"+q.Encode(),
			r.Header.Get(gateway.HeaderUserID), purpose)
		if err != nil {
			return err
		}
		if resp.Status != http.StatusNoContent {
			return errUnrecorded
		}
	}
	return nil
}

// errUnrecorded is a recording the gateway did not accept: the block
// then answers nothing rather than an unrecorded read.
var errUnrecorded = errors.New("govstack: the gateway did not record the read of personal data")
