package gateway

import (
	"context"
	"net/http"
)

// Demo identifiers (../shared/DEMO.md, "Gateway").
var (
	Population = ClientID{Instance: "AZ", Class: "GOV", Member: "1000000001", Subsystem: "population"}
	Business   = ClientID{Instance: "AZ", Class: "GOV", Member: "1000000002", Subsystem: "business"}
	Vehicles   = ClientID{Instance: "AZ", Class: "GOV", Member: "1000000003", Subsystem: "vehicles"}
	Portal     = ClientID{Instance: "AZ", Class: "GOV", Member: "1000000010", Subsystem: "portal"}
	DemoERP    = ClientID{Instance: "AZ", Class: "COM", Member: "1700123451", Subsystem: "erp"}

	PersonsService   = ServiceID{Provider: Population, Code: "persons"}
	CompaniesService = ServiceID{Provider: Business, Code: "companies"}
	VehiclesService  = ServiceID{Provider: Vehicles, Code: "vehicles"}
)

// RegistryServices are the base registries' services: the service, the
// provider path it maps to and the registry whose OpenAPI describes it.
var RegistryServices = []struct {
	ID       ServiceID
	BasePath string
	Registry string // registry.OpenAPI(name)
}{
	{PersonsService, "/persons", "population"},
	{CompaniesService, "/companies", "business"},
	{VehiclesService, "/vehicles", "vehicles"},
}

// RegisterRegistries registers the members, subsystems and services of
// the base registries, served in process by provider (the registry's
// ProviderHandler), openapi returning a registry's description; and the
// portal (egov itself) as a client allowed all three. Every start calls
// it, demo or not: it is idempotent and attaches the provider.
func (g *Gateway) RegisterRegistries(ctx context.Context, provider http.Handler, openapi func(registry string) []byte) error {
	members := []struct {
		id        ClientID
		name, sub string
	}{
		{Population, "Daxili İşlər Nazirliyi", "Əhali reyestri"},
		{Business, "Dövlət Vergi Xidməti", "Hüquqi şəxslərin dövlət reyestri"},
		{Vehicles, "Daxili İşlər Nazirliyi — Dövlət Yol Polisi", "Nəqliyyat vasitələrinin reyestri"},
	}
	for _, m := range members {
		if err := g.RegisterMember(ctx, m.id.MemberID(), m.name); err != nil {
			return err
		}
		if err := g.RegisterSubsystem(ctx, m.id, m.sub); err != nil {
			return err
		}
	}
	for _, s := range RegistryServices {
		if _, err := g.RegisterService(ctx, ServiceDef{ID: s.ID, BasePath: s.BasePath, OpenAPI: openapi(s.Registry), Provider: provider}); err != nil {
			return err
		}
	}
	if err := g.RegisterMember(ctx, Portal.MemberID(), "Elektron Hökumət Portalı"); err != nil {
		return err
	}
	if err := g.RegisterSubsystem(ctx, Portal, "Portal"); err != nil {
		return err
	}
	for _, s := range RegistryServices {
		if err := g.Grant(ctx, Portal, s.ID, AllEndpoints); err != nil {
			return err
		}
	}
	return nil
}

// SeedDemo adds the demo business's ERP (AZ/COM/1700123451/erp), allowed
// companies only. Call it after RegisterRegistries, in demo mode.
func (g *Gateway) SeedDemo(ctx context.Context) error {
	if err := g.RegisterMember(ctx, DemoERP.MemberID(), "Xəzər Logistika MMC"); err != nil {
		return err
	}
	if err := g.RegisterSubsystem(ctx, DemoERP, "ERP"); err != nil {
		return err
	}
	return g.Grant(ctx, DemoERP, CompaniesService, AllEndpoints)
}
