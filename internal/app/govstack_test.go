package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/govstack"
	"github.com/egov/egov/internal/registry"
)

// The GovStack blocks are wired to the app's gateway and registries: the
// demo business's ERP, once granted the data API, reads its own company
// and not a person.
func TestGovStackServesTheBaseRegistries(t *testing.T) {
	a, _ := newServer(t)
	ctx := context.Background()
	srv := httptest.NewServer(a.GovStack.Handler())
	t.Cleanup(srv.Close)
	if err := a.Gateway.Grant(ctx, gateway.DemoERP, govstack.RegistriesDataService, gateway.AllEndpoints); err != nil {
		t.Fatal(err)
	}
	key, err := a.Gateway.IssueKey(ctx, gateway.DemoERP)
	if err != nil {
		t.Fatal(err)
	}
	read := func(registry, query string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", srv.URL+"/data/"+registry+"/1.0/read", strings.NewReader(`{"query":{"content":`+query+`}}`))
		req.Header.Set(govstack.HeaderIMClient, gateway.DemoERP.String())
		req.Header.Set("Authorization", key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	status, body := read("business", `{"voen":"1700123451"}`)
	content, _ := body["content"].(map[string]any)
	if status != 200 || content["name"] != "Xəzər Logistika MMC" {
		t.Errorf("business read: %d %v", status, body)
	}
	if status, body := read("population", `{"fin":"2HPL4RM"}`); status != http.StatusForbidden {
		t.Errorf("the ERP read a person: %d %v", status, body)
	}
}

// The Registration block is wired to the app's applications and people:
// a submission through it is the person's application in their cabinet.
func TestGovStackSubmitsApplications(t *testing.T) {
	a, _ := newServer(t)
	ctx := context.Background()
	srv := httptest.NewServer(a.GovStack.Handler())
	t.Cleanup(srv.Close)
	if err := a.Gateway.Grant(ctx, gateway.DemoERP, govstack.RegistrationService, gateway.AllEndpoints); err != nil {
		t.Fatal(err)
	}
	key, err := a.Gateway.IssueKey(ctx, gateway.DemoERP)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := a.Catalog.Service("criminal-record-certificate")
	if err != nil {
		t.Fatal(err)
	}
	var id string
	req, _ := http.NewRequest("GET", srv.URL+"/services?name=criminal", nil)
	req.Header.Set(govstack.HeaderIMClient, gateway.DemoERP.String())
	req.Header.Set("Authorization", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list []struct {
		ID          string
		ServiceBody []struct{ Code, Value string }
	}
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	for _, s := range list {
		for _, p := range s.ServiceBody {
			if p.Code == "slug" && p.Value == svc.Slug {
				id = s.ID
			}
		}
	}
	body := `{"applicantId": "` + registry.DemoFatherFIN + `", "formData": {"data": {"purpose": {"value": "employer"}}}}`
	req, _ = http.NewRequest("POST", srv.URL+"/services/"+id+"/applications", strings.NewReader(body))
	req.Header.Set(govstack.HeaderIMClient, gateway.DemoERP.String())
	req.Header.Set("Authorization", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ FileID string }
	json.NewDecoder(resp.Body).Decode(&file)
	resp.Body.Close()
	if resp.StatusCode != 200 || file.FileID == "" {
		t.Fatalf("submission: %d %+v", resp.StatusCode, file)
	}
	acct, err := a.Identity.PersonAccount(ctx, registry.DemoFatherFIN)
	if err != nil {
		t.Fatal(err)
	}
	mine, err := a.Applications.ListMine(ctx, applications.Actor{Kind: applications.ActorApplicant, AccountID: acct.ID})
	if err != nil || !slices.ContainsFunc(mine, func(x *applications.Application) bool { return x.Number == file.FileID }) {
		t.Errorf("the cabinet does not hold %s: %v", file.FileID, err)
	}
}
