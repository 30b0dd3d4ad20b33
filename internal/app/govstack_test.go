package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/govstack"
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
