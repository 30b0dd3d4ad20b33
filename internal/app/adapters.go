package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/identity/oidc"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/letters"
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

// applicationRegistries gives the applications module what the base
// registries know, always read through the gateway as the portal: the
// reads are logged and shown in the person's data tracker.
type applicationRegistries struct {
	gw *gateway.Client
}

func (c applicationRegistries) person(ctx context.Context, fin, purpose, userID string) (*registry.Person, error) {
	res, err := c.gw.Get(ctx, gateway.PersonsService.String(), "/"+url.PathEscape(fin), userID, purpose)
	if err != nil {
		return nil, err
	}
	if res.Status == http.StatusNotFound {
		return nil, nil
	}
	if res.Status != http.StatusOK {
		return nil, fmt.Errorf("population registry answered %d", res.Status)
	}
	var p registry.Person
	return &p, res.JSON(&p)
}

func (c applicationRegistries) Prefill(ctx context.Context, fin, voen string, attributes []string, purpose string) (map[string]applications.Prefilled, error) {
	out := map[string]applications.Prefilled{}
	need := func(prefix string) bool {
		return slices.ContainsFunc(attributes, func(a string) bool { return strings.HasPrefix(a, prefix+".") })
	}
	if fin != "" && need("population") {
		p, err := c.person(ctx, fin, purpose, fin)
		if err != nil {
			return nil, err
		}
		if p != nil {
			out["population.full_name"] = applications.Prefilled{Value: p.FullName(), Source: "population.full_name"}
			out["population.birth_date"] = applications.Prefilled{Value: registry.FormatDate(p.BirthDate), Source: "population.birth_date"}
			out["population.address"] = applications.Prefilled{Value: p.Address.String(), Source: "population.address"}
		}
	}
	if voen != "" && need("business") {
		res, err := c.gw.Get(ctx, gateway.CompaniesService.String(), "/"+url.PathEscape(voen), fin, purpose)
		if err != nil {
			return nil, err
		}
		if res.Status == http.StatusOK {
			var b registry.Business
			if err := res.JSON(&b); err != nil {
				return nil, err
			}
			out["business.voen"] = applications.Prefilled{Value: b.VOEN, Source: "business.voen"}
			out["business.name"] = applications.Prefilled{Value: b.Name, Source: "business.name"}
		}
	}
	if fin != "" && need("vehicles") {
		res, err := c.gw.Get(ctx, gateway.VehiclesService.String(), "?owner="+url.QueryEscape(fin), fin, purpose)
		if err != nil {
			return nil, err
		}
		if res.Status == http.StatusOK {
			var list struct {
				Items []registry.Vehicle `json:"items"`
			}
			if err := res.JSON(&list); err != nil {
				return nil, err
			}
			// One vehicle is filled in; several are offered to choose from.
			switch len(list.Items) {
			case 0:
			case 1:
				out["vehicles.plate"] = applications.Prefilled{Value: list.Items[0].Plate, Source: "vehicles.plate"}
			default:
				p := applications.Prefilled{Source: "vehicles.plate"}
				for _, v := range list.Items {
					p.Values = append(p.Values, v.Plate)
				}
				out["vehicles.plate"] = p
			}
		}
	}
	return out, nil
}

func (c applicationRegistries) Person(ctx context.Context, fin, purpose, userID string) ([]applications.Fact, error) {
	if fin == "" {
		return nil, nil
	}
	p, err := c.person(ctx, fin, purpose, userID)
	if err != nil || p == nil {
		return nil, err
	}
	return []applications.Fact{
		{Label: lang.Text{AZ: "Soyadı, adı, atasının adı", EN: "Full name", RU: "ФИО"}, Value: p.FullName()},
		{Label: lang.Text{AZ: "FİN", EN: "FIN", RU: "ФИН"}, Value: p.FIN},
		{Label: lang.Text{AZ: "Doğum tarixi", EN: "Date of birth", RU: "Дата рождения"}, Value: p.BirthDate.Format("02.01.2006")},
		{Label: lang.Text{AZ: "Ünvan", EN: "Address", RU: "Адрес"}, Value: p.Address.String()},
	}, nil
}

// agencyStaff lists an agency's officials from identity, for assignment
// and deadline alerts.
func (a *App) agencyStaff(ctx context.Context, agency string) ([]applications.Staff, error) {
	all, err := a.Identity.ListStaff(ctx)
	if err != nil {
		return nil, err
	}
	var out []applications.Staff
	for _, acct := range all {
		if acct.Agency != agency || acct.Disabled {
			continue
		}
		supervisor := slices.Contains(acct.Roles, identity.RoleAgencySupervisor)
		if !supervisor && !slices.Contains(acct.Roles, identity.RoleAgencyOperator) {
			continue
		}
		l, _ := lang.Parse(acct.Lang)
		email := ""
		if acct.EmailVerified {
			email = acct.Email
		}
		out = append(out, applications.Staff{AccountID: acct.ID, Name: acct.DisplayName, Supervisor: supervisor, Email: email, Lang: l})
	}
	return out, nil
}

// letterRecipient is the person a state body writes to: their account if
// they have one, else their record in the population registry (read
// through the gateway, so it shows in their data tracker); the letter then
// waits in their cabinet for their first sign-in.
func (a *App) letterRecipient(ctx context.Context, fin string) (letters.Person, error) {
	acct, err := a.Identity.PersonAccount(ctx, fin)
	if err == nil {
		l, _ := lang.Parse(acct.Lang)
		return letters.Person{AccountID: acct.ID, Name: acct.DisplayName, Lang: l}, nil
	}
	if errs.KindOf(err) != errs.NotFound {
		return letters.Person{}, err
	}
	p, err := applicationRegistries{a.Gateway.Client(gateway.Portal)}.person(ctx, fin, "official letter to the person", "")
	if err != nil {
		return letters.Person{}, err
	}
	if p == nil {
		return letters.Person{}, errs.E(errs.NotFound, "registry.error.person_not_found")
	}
	return letters.Person{Name: p.FullName(), Lang: lang.AZ}, nil
}

// registryContacts are the e-mail address and phone number the population
// registry holds for a person, for notifications; an unknown person, or a
// registry that cannot be read, leaves the message in the inbox.
func (a *App) registryContacts(ctx context.Context, fin string) (string, string, error) {
	p, err := a.Registry.Person(ctx, fin)
	if err != nil {
		return "", "", nil
	}
	return p.Email, p.Phone, nil
}
