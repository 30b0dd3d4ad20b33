package govstack_test

import (
	"context"
	"testing"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/govstack"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// What the admin's page lists and removes, on both engines: the agency
// links, the Payer FIs with their callback addresses, and the billers
// (read from their rights on the gateway).
func TestAdminLinksBanksAndBillers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		if err := f.gw.RegisterMember(ctx, dimOffice.MemberID(), "Ministry of Internal Affairs"); err != nil {
			t.Fatal(err)
		}
		for _, agency := range []string{"justice", "internal-affairs"} { // the second replaces the first
			if err := f.svc.LinkAgency(ctx, dimOffice.MemberID(), agency); err != nil {
				t.Fatal(err)
			}
		}
		links, err := f.svc.AgencyLinks(ctx)
		if err != nil || len(links) != 1 || links[0].Member != dimOffice.MemberID() || links[0].Agency != "internal-affairs" {
			t.Fatalf("links: %+v %v", links, err)
		}
		if err := f.svc.UnlinkAgency(ctx, dimOffice.MemberID()); err != nil {
			t.Fatal(err)
		}
		if links, err := f.svc.AgencyLinks(ctx); err != nil || len(links) != 0 {
			t.Errorf("links after unlinking: %+v %v", links, err)
		}
		if err := f.svc.UnlinkAgency(ctx, dimOffice.MemberID()); errs.KindOf(err) != errs.NotFound {
			t.Errorf("unlinking twice: %v, want NotFound", err)
		}

		bank := gateway.ClientID{Instance: "AZ", Class: "COM", Member: "1400057421", Subsystem: "payments"}
		for _, url := range []string{"https://old.bank.example/cb", "https://bank.example/cb"} { // registering again updates
			if err := f.svc.RegisterPayerFI(ctx, govstack.PayerFI{ID: "AIIBAZ2X", Client: bank, Name: "Kapital Bank", CallbackURL: url}); err != nil {
				t.Fatal(err)
			}
		}
		fis, err := f.svc.PayerFIs(ctx)
		if err != nil || len(fis) != 1 || fis[0] != (govstack.PayerFI{ID: "AIIBAZ2X", Client: bank, Name: "Kapital Bank", CallbackURL: "https://bank.example/cb"}) {
			t.Errorf("Payer FIs: %+v %v", fis, err)
		}
		if err := f.svc.RegisterBiller(ctx, clinic, "http://clinic.example/cb"); err != nil {
			t.Fatal(err)
		}
		billers, err := f.svc.Billers(ctx)
		if err != nil || len(billers) != 1 || billers[0] != (govstack.Biller{Client: clinic, CallbackURL: "http://clinic.example/cb"}) {
			t.Errorf("billers (the bank is none): %+v %v", billers, err)
		}
	}, migrations()...)
}
