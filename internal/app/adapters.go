package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/identity/oidc"
	"github.com/egov/egov/internal/registry"
)

// businessRegistry shows identity the business registry, for mandates.
type businessRegistry struct{ r *registry.Registry }

func businessRef(b *registry.Business) identity.BusinessRef {
	return identity.BusinessRef{VOEN: b.VOEN, Name: b.Name, DirectorFIN: b.DirectorFIN, Active: b.Status == "active"}
}

func (b businessRegistry) DirectedBy(ctx context.Context, fin string) ([]identity.BusinessRef, error) {
	list, err := b.r.BusinessesDirectedBy(ctx, fin)
	if err != nil {
		return nil, err
	}
	refs := make([]identity.BusinessRef, len(list))
	for i := range list {
		refs[i] = businessRef(&list[i])
	}
	return refs, nil
}

func (b businessRegistry) Business(ctx context.Context, voen string) (identity.BusinessRef, error) {
	biz, err := b.r.Business(ctx, voen)
	if err != nil {
		return identity.BusinessRef{}, err
	}
	return businessRef(biz), nil
}

// personClaims answers the OpenID Connect provider's questions about a
// person from the base registries: only the items of the scopes asked.
// The person is read through the gateway as the portal, so the read shows
// in their data tracker with the purpose.
type personClaims struct {
	r  *registry.Registry
	gw *gateway.Client
}

func (c personClaims) Claims(ctx context.Context, fin string, scopes []string) (map[string]any, error) {
	res, err := c.gw.Get(ctx, gateway.PersonsService.String(), "/"+url.PathEscape(fin), "", "ASAN Login: "+strings.Join(scopes, " "))
	if err != nil {
		return nil, err
	}
	if res.Status == http.StatusNotFound {
		return nil, errs.E(errs.NotFound, "registry.error.person_not_found")
	}
	if res.Status != http.StatusOK {
		return nil, fmt.Errorf("claims: population registry answered %d", res.Status)
	}
	var p registry.Person
	if err := res.JSON(&p); err != nil {
		return nil, err
	}
	claims := map[string]any{}
	for _, scope := range scopes {
		switch scope {
		case oidc.ScopeFIN:
			claims["fin"] = p.FIN
		case oidc.ScopeName:
			claims["name"] = p.FullName()
			claims["given_name"] = p.FirstName
			claims["family_name"] = p.LastName
			claims["patronymic"] = p.Patronymic
		case oidc.ScopeBirthdate:
			claims["birthdate"] = registry.FormatDate(p.BirthDate)
		case oidc.ScopeAddress:
			claims["address"] = map[string]any{
				"formatted":   p.Address.String(),
				"locality":    p.Address.City,
				"region":      p.Address.Region,
				"postal_code": p.Address.PostalCode,
				"country":     "AZ",
			}
		case oidc.ScopePhone:
			if p.Phone != "" {
				// Registry contact details were verified by the agency that
				// recorded them.
				claims["phone_number"], claims["phone_number_verified"] = p.Phone, true
			}
		case oidc.ScopeEmail:
			if p.Email != "" {
				claims["email"], claims["email_verified"] = p.Email, true
			}
		case oidc.ScopeVehicles:
			vehicles, err := c.r.VehiclesOwnedBy(ctx, fin)
			if err != nil {
				return nil, err
			}
			list := []map[string]any{}
			for _, v := range vehicles {
				list = append(list, map[string]any{"plate": v.Plate, "make": v.Make, "model": v.Model, "year": v.Year})
			}
			claims["vehicles"] = list
		case oidc.ScopeBusinesses:
			businesses, err := c.r.BusinessesDirectedBy(ctx, fin)
			if err != nil {
				return nil, err
			}
			list := []map[string]any{}
			for _, b := range businesses {
				list = append(list, map[string]any{"voen": b.VOEN, "name": b.Name, "role": "director"})
			}
			claims["businesses"] = list
		}
	}
	return claims, nil
}
