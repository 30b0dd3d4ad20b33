package gateway_test

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/registry"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// The demo contract (DEMO.md, "Gateway") with the real registries behind.
func TestDemoSeed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		reg := registry.New(db)
		if _, err := reg.SeedDemo(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		gw := gateway.New(db, slog.New(slog.DiscardHandler))
		for range 2 { // idempotent
			if err := gw.RegisterRegistries(ctx, reg.ProviderHandler(nil), registry.OpenAPI); err != nil {
				t.Fatal(err)
			}
			if err := gw.SeedDemo(ctx); err != nil {
				t.Fatal(err)
			}
		}
		portal, erp := gw.Client(gateway.Portal), gw.Client(gateway.DemoERP)
		tests := []struct {
			name          string
			c             *gateway.Client
			service, path string
			want          string // in the body; "" for access denied
		}{
			{"PortalPerson", portal, "AZ/GOV/1000000001/population/persons", "/5ZQX7KA", "5ZQX7KA"},
			{"PortalCompany", portal, "AZ/GOV/1000000002/business/companies", "/1700123451", "1700123451"},
			{"PortalCompaniesOfDirector", portal, "AZ/GOV/1000000002/business/companies", "?director=2HPL4RM", "1700123451"},
			{"PortalVehicle", portal, "AZ/GOV/1000000003/vehicles/vehicles", "/10-AB-123", "10-AB-123"},
			{"PortalVehiclesOfOwner", portal, "AZ/GOV/1000000003/vehicles/vehicles", "?owner=2HPL4RM", "10-AB-123"},
			{"ERPCompany", erp, "AZ/GOV/1000000002/business/companies", "/1700123451", "1700123451"},
			{"ERPPersonDenied", erp, "AZ/GOV/1000000001/population/persons", "/5ZQX7KA", ""},
			{"ERPVehicleDenied", erp, "AZ/GOV/1000000003/vehicles/vehicles", "/10-AB-123", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, err := tt.c.Get(ctx, tt.service, tt.path, "", "demo check")
				if tt.want == "" {
					var xe *gateway.XRoadError
					if !errors.As(err, &xe) || xe.Type != gateway.ErrAccessDenied {
						t.Errorf("want access denied, got %v", err)
					}
					return
				}
				if err != nil || res.Status != 200 || !strings.Contains(string(res.Body), tt.want) {
					t.Fatalf("%v %v", res, err)
				}
			})
		}
		// The director was read twice: as a director and as an owner
		// (query FINs), never through company or vehicle paths.
		reads, err := gw.Reads(ctx, "2HPL4RM", gateway.Page{})
		if err != nil || len(reads) != 2 {
			t.Errorf("reads of 2HPL4RM: %+v %v", reads, err)
		}
		reads, err = gw.Reads(ctx, "5ZQX7KA", gateway.Page{})
		if err != nil || len(reads) != 1 || reads[0].ServiceTitle != "Population registry" || reads[0].ClientMember != "Elektron Hökumət Portalı" {
			t.Errorf("reads of 5ZQX7KA: %+v %v", reads, err)
		}
		clients, err := gw.Clients(ctx, "AZ")
		if err != nil || len(clients) != 10 {
			t.Errorf("clients: %+v %v", clients, err)
		}
	}, registry.Migrations, gateway.Migrations)
}

// The two migration folders give the same tables and columns.
func TestSchemasMatch(t *testing.T) {
	ctx := context.Background()
	lite, err := storetest.SQLite(t, gateway.Migrations).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := storetest.Postgres(t, gateway.Migrations).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lite, pg) {
		t.Errorf("SQLite %v\nPostgreSQL %v", lite, pg)
	}
}
