package govstack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
)

// baseReg is a base registry (internal/registry) as the data API sees it:
// read-only, one record at a time by its key, read through the gateway as
// the calling client, so the caller's rights on the registry's own
// service apply and a read of a person goes to their data tracker.
type baseReg struct {
	code    string
	key     string // the record's key field
	service gateway.ServiceID
}

// baseVersion is the version the base registries answer to.
const baseVersion = "1.0"

var baseRegs = []baseReg{
	{"population", "fin", gateway.PersonsService},
	{"business", "voen", gateway.CompaniesService},
	{"vehicles", "plate", gateway.VehiclesService},
}

func baseRegistry(code string) *baseReg {
	for i := range baseRegs {
		if baseRegs[i].code == code {
			return &baseRegs[i]
		}
	}
	return nil
}

// keyIn is the key a query names: its key field, or "id".
func (b *baseReg) keyIn(query map[string]any) (string, bool) {
	for _, f := range []string{b.key, "id"} {
		if k, ok := query[f].(string); ok && k != "" {
			return k, true
		}
	}
	return "", false
}

// read reads the record key as caller; the record carries its key as "id"
// too. Purpose and official come from the request's X-Road-Purpose and
// X-Road-UserId headers, which the data tracker shows the person.
func (s *Service) baseRead(ctx context.Context, r *http.Request, b *baseReg, key string) (map[string]any, bool, error) {
	caller, err := callerOf(r)
	if err != nil {
		return nil, false, err
	}
	client, err := gateway.ParseClientID(caller)
	if err != nil {
		return nil, false, errs.E(errs.Unauthenticated, "govstack.error.no_client")
	}
	purpose := r.Header.Get(gateway.HeaderPurpose)
	if purpose == "" {
		purpose = "GovStack Digital Registries: read"
	}
	resp, err := s.gw.Client(client).Get(ctx, b.service.String(), "/"+url.PathEscape(key), r.Header.Get(gateway.HeaderUserID), purpose)
	var xe *gateway.XRoadError
	if errors.As(err, &xe) {
		switch xe.Type {
		case gateway.ErrAccessDenied:
			return nil, false, errs.E(errs.Forbidden, "govstack.error.no_read_right")
		case gateway.ErrUnknownService:
			return nil, false, errs.E(errs.NotFound, "govstack.error.no_registry")
		}
		return nil, false, err
	}
	if err != nil {
		return nil, false, err
	}
	switch {
	case resp.Status == http.StatusNotFound || resp.Status == http.StatusBadRequest:
		// A malformed key names no record either.
		return nil, false, nil
	case resp.Status != http.StatusOK:
		return nil, false, errs.E(errs.Unavailable, "")
	}
	var content map[string]any
	if err := json.Unmarshal(resp.Body, &content); err != nil {
		return nil, false, err
	}
	content["id"] = key
	return content, true, nil
}

// baseFind is read and exists on a base registry: the query must name the
// key, and the record must match the rest of the query.
func (s *Service) baseFind(r *http.Request, b *baseReg, query map[string]any) (map[string]any, bool, error) {
	key, ok := b.keyIn(query)
	if !ok {
		return nil, false, errs.E(errs.Invalid, "govstack.error.base_key_required")
	}
	content, found, err := s.baseRead(r.Context(), r, b, key)
	if err != nil || !found {
		return nil, false, err
	}
	q := map[string]any{}
	for k, v := range query {
		if k != "id" {
			q[k] = v
		}
	}
	return content, matches(content, q), nil
}
