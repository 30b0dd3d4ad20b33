package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/egov/egov/internal/consent"
)

// A person sees, in the cabinet, the consents given to organisations
// through the Consent block and withdraws one with a form (CSRF
// checked): the same change as the block's, signed, kept as a revision.
func TestCabinetWithdrawsAConsent(t *testing.T) {
	a, srv := newServer(t)
	ctx := context.Background()
	const org = "AZ/GOV/1000000020"
	ag, _, err := a.Consent.CreateAgreement(ctx, org, org+"/clinic", consent.Agreement{Version: "1", Purpose: "SMS reminders of appointments",
		LawfulBasis: "consent", Active: true, Controller: consent.Controller{Name: "Central Clinic"},
		Attributes: []consent.Attribute{{Name: "mobile number"}}})
	if err != nil {
		t.Fatal(err)
	}
	ind, err := a.Consent.CreateIndividual(ctx, org, consent.Individual{ExternalID: "5ZQX7KA", ExternalIDType: "fin"})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, _, err := a.Consent.CreateRecord(ctx, consent.Actor{Org: org, By: org + "/clinic"},
		consent.NewRecord{IndividualID: ind.ID, AgreementID: ag.ID, OptIn: true, Sign: true})
	if err != nil {
		t.Fatal(err)
	}

	b := signedIn(t, srv, "5ZQX7KA")
	if _, page := b.get("/cabinet/consents?lang=en"); !strings.Contains(page, `href="/cabinet/consents/agreements"`) {
		t.Errorf("the consents page does not link the organisations' consents")
	}
	code, page := b.get("/cabinet/consents/agreements?lang=en")
	if code != http.StatusOK || !strings.Contains(page, "SMS reminders of appointments") || !strings.Contains(page, "Central Clinic") ||
		!strings.Contains(page, "mobile number") || !strings.Contains(page, "Withdraw consent") {
		t.Fatalf("the cabinet's consents: %d\n%s", code, page)
	}
	withdraw := "/cabinet/consents/agreements/" + rec.ID + "/withdraw"

	// Without the form's CSRF token the post is refused.
	resp, err := b.c.PostForm(srv.URL+withdraw, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a post without the CSRF token: %d", resp.StatusCode)
	}
	// Another person cannot withdraw Aysel's consent.
	other := signedIn(t, srv, "2HPL4RM")
	other.get("/cabinet/consents/agreements")
	if code, _ := other.post(withdraw, url.Values{}); code != http.StatusNotFound {
		t.Errorf("another person's withdrawal: %d", code)
	}

	if code, _ := b.post(withdraw, url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", code)
	}
	_, page = b.get("/cabinet/consents/agreements?withdrawn=1&lang=en")
	if !strings.Contains(page, "Consent withdrawn") || !strings.Contains(page, "Consents you withdrew") {
		t.Errorf("after withdrawing:\n%s", page)
	}
	got, _, _, err := a.Consent.Record(ctx, consent.RecordFilter{Org: org}, rec.ID)
	if err != nil || got.OptIn || got.State != consent.StateSigned {
		t.Fatalf("the record after withdrawal: %+v %v", got, err)
	}
	if err := a.Consent.Verify(ctx, consent.RecordFilter{Org: org}, rec.ID); err != nil {
		t.Errorf("the withdrawal's signature: %v", err)
	}
	if revs, err := a.Consent.RecordRevisions(ctx, rec.ID); err != nil || len(revs) != 2 {
		t.Errorf("revisions: %d %v", len(revs), err)
	}
}
