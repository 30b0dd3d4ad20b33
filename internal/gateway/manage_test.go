package gateway_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// What the admin pages list, and that a change is seen by the next
// exchange at once although the configuration is cached.
func TestAdminListsAndCacheInvalidation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		dir, err := f.gw.Directory(ctx)
		if err != nil || len(dir) != 3 || len(dir[0].Subsystems) != 1 {
			t.Fatalf("Directory: %+v %v", dir, err)
		}
		if err := f.gw.RegisterGroup(ctx, "ministries", "Nazirliklər"); err != nil {
			t.Fatal(err)
		}
		if err := f.gw.AddToGroup(ctx, "ministries", erp); err != nil {
			t.Fatal(err)
		}
		if err := f.gw.GrantGroup(ctx, "ministries", persons, gateway.Endpoint{Method: "GET", Path: "/*"}); err != nil {
			t.Fatal(err)
		}
		rights, err := f.gw.AccessRights(ctx, persons)
		if err != nil || len(rights) != 2 || rights[0].Group != "ministries" || rights[1].Client != portal.String() {
			t.Fatalf("AccessRights: %+v %v", rights, err)
		}
		groups, err := f.gw.Groups(ctx)
		if err != nil || len(groups) != 1 || len(groups[0].Members) != 1 {
			t.Fatalf("Groups: %+v %v", groups, err)
		}

		asERP := map[string]string{"X-Road-Client": erp.String(), gateway.HeaderAPIKey: f.erpKey}
		if resp, body := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA", asERP, ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("through the group's grant: %d %s", resp.StatusCode, body)
		}
		// Revoked: the cached grant must not outlive the change.
		if err := f.gw.RevokeGroup(ctx, "ministries", persons, gateway.Endpoint{Method: "GET", Path: "/*"}); err != nil {
			t.Fatal(err)
		}
		if resp, _ := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA", asERP, ""); resp.Header.Get("X-Road-Error") != gateway.ErrAccessDenied {
			t.Errorf("after revoking the group's grant: %d %s", resp.StatusCode, resp.Header.Get("X-Road-Error"))
		}

		keys, err := f.gw.Keys(ctx, erp)
		if err != nil || len(keys) != 1 || keys[0].RevokedAt != nil || len(keys[0].ID) != 16 {
			t.Fatalf("Keys: %+v %v", keys, err)
		}
		if err := f.gw.RevokeKey(ctx, f.erpKey); err != nil {
			t.Fatal(err)
		}
		if resp, _ := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA", asERP, ""); resp.Header.Get("X-Road-Error") != gateway.ErrAuthFailed {
			t.Errorf("with a revoked key: %d %s", resp.StatusCode, resp.Header.Get("X-Road-Error"))
		}
		if keys, _ := f.gw.Keys(ctx, erp); len(keys) != 1 || keys[0].RevokedAt == nil {
			t.Errorf("Keys after revoking: %+v", keys)
		}
	}, gateway.Migrations)
}
