package govstack_test

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/govstack"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// get calls a metaservice as client; there is no specification of them to
// check against, so the test checks X-Road's shapes.
func (f *fixture) get(client gateway.ClientID, key, path string) (int, http.Header, []byte) {
	f.t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	if client.Instance != "" {
		req.Header.Set(govstack.HeaderIMClient, client.String())
	}
	if key != "" {
		req.Header.Set("Authorization", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

type methods struct {
	Service []struct {
		ServiceCode  string `json:"service_code"`
		EndpointList []struct {
			Method string `json:"method"`
			Path   string `json:"path"`
		} `json:"endpoint_list"`
	} `json:"service"`
}

func TestInformationMediatorMetadata(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		gs := "/" + govstack.Subsystem.String()

		status, _, body := f.get(gateway.ClientID{}, "", "/listClients")
		if status != 200 || !strings.Contains(string(body), `"subsystem_code":"govstack"`) || !strings.Contains(string(body), `"subsystem_code":"clinic"`) {
			t.Errorf("listClients: %d %s", status, body)
		}

		var m methods
		status, _, body = f.get(clinic, f.keys[clinic], gs+"/listMethods")
		if err := json.Unmarshal(body, &m); status != 200 || err != nil || len(m.Service) < 4 {
			t.Fatalf("listMethods: %d %s", status, body)
		}
		endpoints := map[string]int{}
		for _, s := range m.Service {
			endpoints[s.ServiceCode] = len(s.EndpointList)
		}
		want := map[string]int{"registries-data": 10, "registries-database": 4, "messaging": 3, "registration": 12,
			"registration-statistics": 1, "consent": 42, "payments": 5}
		if !maps.Equal(endpoints, want) {
			t.Errorf("endpoints per service = %v, want the operations served: %v", endpoints, want)
		}

		if err := f.gw.Revoke(t.Context(), nosy, govstack.RegistriesDatabaseService, gateway.AllEndpoints); err != nil {
			t.Fatal(err)
		}
		if err := f.gw.Grant(t.Context(), nosy, govstack.RegistriesDatabaseService, gateway.Endpoint{Method: "GET", Path: "/databases"}); err != nil {
			t.Fatal(err)
		}
		m = methods{}
		status, _, body = f.get(nosy, f.keys[nosy], gs+"/allowedMethods")
		if err := json.Unmarshal(body, &m); status != 200 || err != nil {
			t.Fatalf("allowedMethods: %d %s", status, body)
		}
		allowed := map[string]int{}
		for _, s := range m.Service {
			allowed[s.ServiceCode] = len(s.EndpointList)
		}
		if allowed["registries-data"] != 10 || allowed["registries-database"] != 1 {
			t.Errorf("nosy's allowed methods = %v", allowed)
		}
		if status, h, _ := f.get(nosy, f.keys[nosy], "/database/1"); h.Get(gateway.HeaderError) != gateway.ErrAccessDenied {
			t.Errorf("an endpoint not granted answered %d", status)
		}

		status, _, body = f.get(clinic, f.keys[clinic], gs+"/getOpenAPI?serviceCode=registries-data")
		if status != 200 || !strings.Contains(string(body), "/data/{registryName}/{versionNumber}/read") {
			t.Errorf("getOpenAPI: %d %.200s", status, body)
		}

		cases := []struct {
			name   string
			client gateway.ClientID
			key    string
			path   string
			want   string
		}{
			{"NoKey", clinic, "", gs + "/listMethods", gateway.ErrAuthFailed},
			{"OthersKey", clinic, f.keys[nosy], gs + "/allowedMethods", gateway.ErrAuthFailed},
			{"UnknownProvider", clinic, f.keys[clinic], "/AZ/GOV/1000000099/none/listMethods", gateway.ErrUnknownService},
			{"UnknownServiceCode", clinic, f.keys[clinic], gs + "/getOpenAPI?serviceCode=none", gateway.ErrUnknownService},
		}
		for _, c := range cases {
			if _, h, body := f.get(c.client, c.key, c.path); h.Get(gateway.HeaderError) != c.want {
				t.Errorf("%s: %s, want %s: %s", c.name, h.Get(gateway.HeaderError), c.want, body)
			}
		}
	}, migrations()...)
}
