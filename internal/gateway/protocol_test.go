package gateway_test

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// personsOpenAPI describes a provider like the population registry.
const personsOpenAPI = `{"openapi":"3.0.3","info":{"title":"Population registry","version":"1.0.0"},
"paths":{
 "/persons/{fin}":{"get":{"parameters":[{"name":"fin","in":"path","required":true,"schema":{"$ref":"#/components/schemas/FIN"}}]}},
 "/persons":{"get":{"parameters":[{"name":"parent","in":"query","schema":{"$ref":"#/components/schemas/FIN"}}]},"post":{}},
 "/persons/{fin}/panic":{"get":{}},
 "/persons/{fin}/error":{"get":{}}
}}`

// provider counts its calls and remembers the last request.
type provider struct {
	mu    sync.Mutex
	calls atomic.Int64
	last  *http.Request
	body  string
}

func (p *provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.calls.Add(1)
	b, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.last, p.body = r, string(b)
	p.mu.Unlock()
	switch {
	case strings.HasSuffix(r.URL.Path, "/panic"):
		panic("provider broke")
	case strings.HasSuffix(r.URL.Path, "/error"):
		// Category 1 (§4.6 example 1): the provider's own error, as is.
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(http.StatusMethodNotAllowed)
		w.Write([]byte(`{"status":405,"error":"Method Not Allowed"}`))
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("X-Powered-By", "registry")
	w.Header().Set("X-Road-Request-Hash", "forged by the provider")
	w.Header().Set("Connection", "close")
	w.Write([]byte(`{"path":"` + r.URL.Path + `"}`))
}

var (
	population = gateway.ClientID{Instance: "AZ", Class: "GOV", Member: "1000000001", Subsystem: "population"}
	portal     = gateway.ClientID{Instance: "AZ", Class: "GOV", Member: "1000000010", Subsystem: "portal"}
	erp        = gateway.ClientID{Instance: "AZ", Class: "COM", Member: "1700123451", Subsystem: "erp"}
	persons    = gateway.ServiceID{Provider: population, Code: "persons"}
)

type fixture struct {
	gw                *gateway.Gateway
	prov              *provider
	srv               *httptest.Server
	portalKey, erpKey string
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	gw := gateway.New(db, slog.New(slog.DiscardHandler))
	if err := gw.Configure(gateway.Options{Secret: testSecret}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{gw: gw, prov: &provider{}}
	for _, c := range []gateway.ClientID{population, portal, erp} {
		if err := gw.RegisterMember(ctx, c.MemberID(), "member "+c.Member); err != nil {
			t.Fatal(err)
		}
		if err := gw.RegisterSubsystem(ctx, c, "system "+c.Subsystem); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := gw.RegisterService(ctx, gateway.ServiceDef{ID: persons, BasePath: "/persons", OpenAPI: []byte(personsOpenAPI), Provider: f.prov})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(svc.Endpoints); got != 5 {
		t.Fatalf("endpoints = %v, want 5", svc.Endpoints)
	}
	if err := gw.Grant(ctx, portal, persons, gateway.AllEndpoints); err != nil {
		t.Fatal(err)
	}
	if f.portalKey, err = gw.IssueKey(ctx, portal); err != nil {
		t.Fatal(err)
	}
	if f.erpKey, err = gw.IssueKey(ctx, erp); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(gw)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) do(t *testing.T, method, path string, header map[string]string, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (f *fixture) asPortal(extra map[string]string) map[string]string {
	h := map[string]string{"X-Road-Client": portal.String(), gateway.HeaderAPIKey: f.portalKey}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

func TestRequestAndResponseHeaders(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		resp, body := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA?quu=1&quu=2", f.asPortal(map[string]string{
			"X-Road-Id": "fa2e18a5-c2cb-4d09-b994-f57727f7c3fb", "X-Road-UserId": "AZ5ZQX7KA", "X-Road-Issue": "MT324223MSD",
			"X-Road-Purpose": "test", "X-Powered-By": "PHP/5.2.17", "Proxy-Authorization": "secret", "X-Road-Request-Hash": "from client",
			"Authorization": "Bearer provider-jwt", "Cookie": "egov_session=s; theirs=1", "Connection": "X-Hop", "X-Hop": "1",
		}), "")
		if resp.StatusCode != 200 || body != `{"path":"/persons/5ZQX7KA"}` {
			t.Fatalf("status %d body %s", resp.StatusCode, body)
		}
		h := resp.Header
		for name, want := range map[string]string{
			"X-Road-Client":  "AZ/GOV/1000000010/portal",
			"X-Road-Service": "AZ/GOV/1000000001/population/persons",
			"X-Road-Id":      "fa2e18a5-c2cb-4d09-b994-f57727f7c3fb",
			"Content-Type":   "application/json;charset=utf-8",
			"X-Powered-By":   "registry",
			"X-Road-Error":   "",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("response %s = %q, want %q", name, got, want)
			}
		}
		if h.Get("X-Road-Request-Id") == "" {
			t.Error("no X-Road-Request-Id")
		}
		hash, err := base64.StdEncoding.DecodeString(h.Get("X-Road-Request-Hash"))
		if err != nil || len(hash) != sha512.Size {
			t.Errorf("X-Road-Request-Hash %q is not base64 SHA-512", h.Get("X-Road-Request-Hash"))
		}

		// What the provider saw.
		f.prov.mu.Lock()
		last := f.prov.last
		f.prov.mu.Unlock()
		if got, want := last.URL.RequestURI(), "/persons/5ZQX7KA?quu=1&quu=2"; got != want {
			t.Errorf("provider got %s, want %s (query unmodified)", got, want)
		}
		for name, want := range map[string]string{
			"X-Road-Client": "AZ/GOV/1000000010/portal", "X-Road-Service": "AZ/GOV/1000000001/population/persons",
			"X-Road-Id": "fa2e18a5-c2cb-4d09-b994-f57727f7c3fb", "X-Road-UserId": "AZ5ZQX7KA", "X-Road-Issue": "MT324223MSD",
			"X-Road-Purpose": "test", "X-Powered-By": "PHP/5.2.17", "Accept": "application/json",
			"Proxy-Authorization": "", "User-Agent": "", gateway.HeaderAPIKey: "", "X-Road-Request-Hash": "",
			"Authorization": "Bearer provider-jwt", "Cookie": "theirs=1", "X-Hop": "", "Connection": "",
		} {
			if got := last.Header.Get(name); got != want {
				t.Errorf("provider saw %s = %q, want %q", name, got, want)
			}
		}
		// The request hash recomputes from what the provider received.
		if got := gateway.RequestHash("GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA?quu=1&quu=2", last.Header, nil); got != h.Get("X-Road-Request-Hash") {
			t.Errorf("request hash %s does not recompute (%s)", h.Get("X-Road-Request-Hash"), got)
		}
		// The message log has the exchange with the same hash.
		msgs, err := f.gw.Messages(context.Background(), "fa2e18a5-c2cb-4d09-b994-f57727f7c3fb")
		if err != nil || len(msgs) != 1 {
			t.Fatalf("messages %v, %v", msgs, err)
		}
		m := msgs[0]
		if m.RequestHash != h.Get("X-Road-Request-Hash") || m.Client != portal.String() || m.Service != persons.String() ||
			m.Status != 200 || m.UserID != "AZ5ZQX7KA" || m.Purpose != "test" || m.Issue != "MT324223MSD" || m.RequestID != h.Get("X-Road-Request-Id") {
			t.Errorf("logged %+v", m)
		}
		if m.ResponseHash != gateway.BodyHash([]byte(body)) {
			t.Errorf("response hash %s, want hash of body", m.ResponseHash)
		}
	}, gateway.Migrations)
}

func TestXRoadIDGeneratedAndBodyHashed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		resp, _ := f.do(t, "POST", "/r1/AZ/GOV/1000000001/population/persons", f.asPortal(map[string]string{"Content-Type": "application/json"}), `{"name":"x"}`)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		id := resp.Header.Get("X-Road-Id")
		if len(id) != 36 {
			t.Errorf("generated X-Road-Id %q is not a UUID", id)
		}
		f.prov.mu.Lock()
		last, body := f.prov.last, f.prov.body
		f.prov.mu.Unlock()
		if body != `{"name":"x"}` || last.Header.Get("Content-Type") != "application/json" || last.Header.Get("X-Road-Id") != id {
			t.Errorf("provider got body %q, headers %v", body, last.Header)
		}
		want := gateway.RequestHash("POST", "/r1/AZ/GOV/1000000001/population/persons", last.Header, []byte(body))
		if resp.Header.Get("X-Road-Request-Hash") != want {
			t.Error("request hash with a body does not recompute")
		}
		if want == gateway.RequestHash("POST", "/r1/AZ/GOV/1000000001/population/persons", last.Header, nil) {
			t.Error("the body does not change the hash")
		}
	}, gateway.Migrations)
}

// Every security-server error carries X-Road-Error and the body
// {"type","message","detail"}, and nothing reaches the provider.
// A path may end in "/" (GovStack Consent's do): it reaches the provider
// as it was sent.
func TestTrailingSlashPassedOn(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		resp, body := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA/", f.asPortal(nil), "")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Road-Error") != "" {
			t.Fatalf("status %d, %s: %s", resp.StatusCode, resp.Header.Get("X-Road-Error"), body)
		}
		f.prov.mu.Lock()
		last := f.prov.last
		f.prov.mu.Unlock()
		if got := last.URL.Path; got != "/persons/5ZQX7KA/" {
			t.Errorf("provider got %s", got)
		}
	}, gateway.Migrations)
}

func TestErrorsNeverReachProvider(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		url := "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA"
		tests := []struct {
			name, method, path string
			header             map[string]string
			status             int
			typ                string
		}{
			{"ClientHeaderMissing", "GET", url, map[string]string{gateway.HeaderAPIKey: f.portalKey}, 400, "Client.BadRequest"},
			{"ClientHeaderMalformed", "GET", url, map[string]string{"X-Road-Client": "AZ/GOV", gateway.HeaderAPIKey: f.portalKey}, 400, "Client.InvalidClientIdentifier"},
			{"ClientHeaderEmptyPart", "GET", url, map[string]string{"X-Road-Client": "AZ//1000000010/portal", gateway.HeaderAPIKey: f.portalKey}, 400, "Client.InvalidClientIdentifier"},
			{"NoAPIKey", "GET", url, map[string]string{"X-Road-Client": portal.String()}, 500, "Server.ClientProxy.SslAuthenticationFailed"},
			{"OtherClientsKey", "GET", url, map[string]string{"X-Road-Client": portal.String(), gateway.HeaderAPIKey: f.erpKey}, 500, "Server.ClientProxy.SslAuthenticationFailed"},
			{"AccessDenied", "GET", url, map[string]string{"X-Road-Client": erp.String(), gateway.HeaderAPIKey: f.erpKey}, 500, "Server.ServerProxy.AccessDenied"},
			{"UnknownService", "GET", "/r1/AZ/GOV/1000000001/population/nosuch/1", f.asPortal(nil), 500, "Server.ServerProxy.UnknownService"},
			{"UnknownProvider", "GET", "/r1/AZ/GOV/9/x/persons/1", f.asPortal(nil), 500, "Server.ServerProxy.UnknownService"},
			{"NoServiceInURL", "GET", "/r1/AZ/GOV/1000000001", f.asPortal(nil), 400, "Client.BadRequest"},
			{"EncodedSlashInPath", "GET", url + "%2F..", f.asPortal(nil), 400, "Client.BadRequest"},
			{"EmptySegmentInPath", "GET", "/r1/AZ/GOV/1000000001/population/persons//5ZQX7KA", f.asPortal(nil), 400, "Client.BadRequest"},
			{"URITooLong", "GET", url + "?q=" + strings.Repeat("x", 5000), f.asPortal(nil), 400, "Client.BadRequest"},
			{"HeaderTooLong", "GET", url, f.asPortal(map[string]string{"X-Road-Purpose": strings.Repeat("x", 300)}), 400, "Client.BadRequest"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := f.prov.calls.Load()
				resp, body := f.do(t, tt.method, tt.path, tt.header, "")
				if resp.StatusCode != tt.status {
					t.Errorf("status %d, want %d (%s)", resp.StatusCode, tt.status, body)
				}
				if got := resp.Header.Get("X-Road-Error"); got != tt.typ {
					t.Errorf("X-Road-Error %q, want %q", got, tt.typ)
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type %q", ct)
				}
				var e struct{ Type, Message, Detail string }
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Type != tt.typ || e.Message == "" || e.Detail != resp.Header.Get("X-Road-Id") {
					t.Errorf("body %s", body)
				}
				if f.prov.calls.Load() != before {
					t.Error("the request reached the provider")
				}
			})
		}
	}, gateway.Migrations)
}

func TestEndpointGrant(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		if err := f.gw.Grant(ctx, erp, persons, gateway.Endpoint{Method: "GET", Path: "/*"}); err != nil {
			t.Fatal(err)
		}
		h := map[string]string{"X-Road-Client": erp.String(), gateway.HeaderAPIKey: f.erpKey}
		if resp, body := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA", h, ""); resp.StatusCode != 200 {
			t.Errorf("granted endpoint: %d %s", resp.StatusCode, body)
		}
		if resp, _ := f.do(t, "POST", "/r1/AZ/GOV/1000000001/population/persons", h, "{}"); resp.Header.Get("X-Road-Error") != gateway.ErrAccessDenied {
			t.Error("POST was let through on a GET /* grant")
		}
		if resp, _ := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA/error", h, ""); resp.Header.Get("X-Road-Error") != gateway.ErrAccessDenied {
			t.Error("GET /*/error was let through on a GET /* grant")
		}
		if err := f.gw.Revoke(ctx, erp, persons, gateway.Endpoint{Method: "GET", Path: "/*"}); err != nil {
			t.Fatal(err)
		}
		if resp, _ := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA", h, ""); resp.Header.Get("X-Road-Error") != gateway.ErrAccessDenied {
			t.Error("revoked grant still works")
		}
		if err := f.gw.RevokeKey(ctx, f.portalKey); err != nil {
			t.Fatal(err)
		}
		if resp, _ := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA", f.asPortal(nil), ""); resp.Header.Get("X-Road-Error") != gateway.ErrAuthFailed {
			t.Error("revoked key still works")
		}
		if err := f.gw.Grant(ctx, erp, gateway.ServiceID{Provider: population, Code: "nosuch"}, gateway.AllEndpoints); err == nil {
			t.Error("granted an unknown service")
		}
	}, gateway.Migrations)
}

func TestProviderErrors(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		// Category 1: the provider's error comes back as is, no X-Road-Error.
		resp, body := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA/error", f.asPortal(nil), "")
		if resp.StatusCode != 405 || resp.Header.Get("X-Road-Error") != "" || !strings.Contains(body, "Method Not Allowed") || resp.Header.Get("X-Road-Request-Hash") == "" {
			t.Errorf("provider error: %d %v %s", resp.StatusCode, resp.Header, body)
		}
		// The provider fails: Server.ServerProxy.ServiceFailed.
		resp, _ = f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA/panic", f.asPortal(nil), "")
		if resp.StatusCode != 500 || resp.Header.Get("X-Road-Error") != gateway.ErrServiceFailed {
			t.Errorf("provider panic: %d %s", resp.StatusCode, resp.Header.Get("X-Road-Error"))
		}
	}, gateway.Migrations)
}

func TestMetaservices(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		type list struct {
			Service []struct {
				MemberClass   string             `json:"member_class"`
				MemberCode    string             `json:"member_code"`
				ObjectType    string             `json:"object_type"`
				ServiceCode   string             `json:"service_code"`
				ServiceType   string             `json:"service_type"`
				SubsystemCode string             `json:"subsystem_code"`
				XRoadInstance string             `json:"xroad_instance"`
				EndpointList  []gateway.Endpoint `json:"endpoint_list"`
			} `json:"service"`
		}
		before := f.prov.calls.Load()
		resp, body := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/listMethods", f.asPortal(map[string]string{"Accept": "application/json"}), "")
		var l list
		if err := json.Unmarshal([]byte(body), &l); err != nil || resp.StatusCode != 200 || len(l.Service) != 1 {
			t.Fatalf("listMethods: %d %s", resp.StatusCode, body)
		}
		s := l.Service[0]
		if s.MemberClass != "GOV" || s.MemberCode != "1000000001" || s.ObjectType != "SERVICE" || s.ServiceCode != "persons" ||
			s.ServiceType != "OPENAPI" || s.SubsystemCode != "population" || s.XRoadInstance != "AZ" || len(s.EndpointList) != 5 {
			t.Errorf("listMethods service %+v", s)
		}
		if resp.Header.Get("X-Road-Service") != "AZ/GOV/1000000001/population/listMethods" || resp.Header.Get("X-Road-Request-Hash") == "" {
			t.Errorf("listMethods headers %v", resp.Header)
		}
		want := map[gateway.Endpoint]bool{{Method: "GET", Path: "/*"}: true, {Method: "GET", Path: "/"}: true, {Method: "POST", Path: "/"}: true,
			{Method: "GET", Path: "/*/panic"}: true, {Method: "GET", Path: "/*/error"}: true}
		for _, e := range s.EndpointList {
			if !want[e] {
				t.Errorf("unexpected endpoint %+v", e)
			}
		}

		// allowedMethods: the ERP is granted one endpoint.
		f.gw.Grant(context.Background(), erp, persons, gateway.Endpoint{Method: "GET", Path: "/*"})
		_, body = f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/allowedMethods", map[string]string{"X-Road-Client": erp.String(), gateway.HeaderAPIKey: f.erpKey}, "")
		l = list{}
		json.Unmarshal([]byte(body), &l)
		if len(l.Service) != 1 || len(l.Service[0].EndpointList) != 1 || l.Service[0].EndpointList[0] != (gateway.Endpoint{Method: "GET", Path: "/*"}) {
			t.Errorf("allowedMethods for erp: %s", body)
		}
		_, body = f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/allowedMethods", f.asPortal(nil), "")
		l = list{}
		json.Unmarshal([]byte(body), &l)
		if len(l.Service) != 1 || len(l.Service[0].EndpointList) != 5 {
			t.Errorf("allowedMethods for portal: %s", body)
		}

		// getOpenAPI returns the description as registered.
		resp, body = f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/getOpenAPI?serviceCode=persons", f.asPortal(nil), "")
		if resp.StatusCode != 200 || body != personsOpenAPI {
			t.Errorf("getOpenAPI: %d %s", resp.StatusCode, body)
		}
		resp, _ = f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/getOpenAPI?serviceCode=nosuch", f.asPortal(nil), "")
		if resp.Header.Get("X-Road-Error") != gateway.ErrUnknownService {
			t.Errorf("getOpenAPI of an unknown service: %v", resp.Header)
		}

		// listClients lists members and subsystems.
		resp, body = f.do(t, "GET", "/r1/AZ/listClients", nil, "")
		var clients struct {
			Member []struct {
				ID struct {
					MemberClass   string `json:"member_class"`
					MemberCode    string `json:"member_code"`
					ObjectType    string `json:"object_type"`
					SubsystemCode string `json:"subsystem_code"`
					XRoadInstance string `json:"xroad_instance"`
				} `json:"id"`
				Name string `json:"name"`
			} `json:"member"`
		}
		if err := json.Unmarshal([]byte(body), &clients); err != nil || resp.StatusCode != 200 || len(clients.Member) != 6 {
			t.Fatalf("listClients: %d %s", resp.StatusCode, body)
		}
		found := false
		for _, m := range clients.Member {
			if m.ID.ObjectType == "SUBSYSTEM" && m.ID.SubsystemCode == "portal" && m.ID.MemberCode == "1000000010" && m.ID.XRoadInstance == "AZ" {
				found = true
			}
		}
		if !found {
			t.Errorf("listClients lacks the portal: %s", body)
		}
		if f.prov.calls.Load() != before {
			t.Error("a metaservice reached the provider")
		}
	}, gateway.Migrations)
}

func TestInProcessClient(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		res, err := f.gw.Client(portal).Get(ctx, "AZ/GOV/1000000001/population/persons", "/5ZQX7KA", "AZ2HPL4RM", "test")
		if err != nil || res.Status != 200 {
			t.Fatalf("Get: %v %v", res, err)
		}
		var v struct{ Path string }
		if err := res.JSON(&v); err != nil || v.Path != "/persons/5ZQX7KA" {
			t.Errorf("body %s", res.Body)
		}
		before := f.prov.calls.Load()
		_, err = f.gw.Client(erp).Get(ctx, "AZ/GOV/1000000001/population/persons", "/5ZQX7KA", "", "test")
		var xe *gateway.XRoadError
		if !errors.As(err, &xe) || xe.Type != gateway.ErrAccessDenied {
			t.Errorf("erp Get: %v", err)
		}
		stranger := gateway.ClientID{Instance: "AZ", Class: "GOV", Member: "9", Subsystem: "x"}
		_, err = f.gw.Client(stranger).Get(ctx, "AZ/GOV/1000000001/population/persons", "/5ZQX7KA", "", "test")
		if !errors.As(err, &xe) || xe.Type != gateway.ErrUnknownMember {
			t.Errorf("unknown client Get: %v", err)
		}
		if f.prov.calls.Load() != before {
			t.Error("a refused request reached the provider")
		}
	}, gateway.Migrations)
}

func TestGroupGrant(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		c := f.gw.Client(erp)
		denied := func() bool {
			_, err := c.Get(ctx, persons.String(), "/5ZQX7KA", "", "test")
			var xe *gateway.XRoadError
			return errors.As(err, &xe) && xe.Type == gateway.ErrAccessDenied
		}
		if !denied() {
			t.Fatal("erp allowed before any grant")
		}
		if err := f.gw.RegisterGroup(ctx, "business-systems", "Business systems"); err != nil {
			t.Fatal(err)
		}
		if err := f.gw.GrantGroup(ctx, "business-systems", persons, gateway.Endpoint{Method: "GET", Path: "/*"}); err != nil {
			t.Fatal(err)
		}
		if !denied() {
			t.Error("erp allowed through a group it is not in")
		}
		if err := f.gw.AddToGroup(ctx, "business-systems", erp); err != nil {
			t.Fatal(err)
		}
		if denied() {
			t.Error("erp denied though its group is granted")
		}
		if err := f.gw.RemoveFromGroup(ctx, "business-systems", erp); err != nil {
			t.Fatal(err)
		}
		if !denied() {
			t.Error("erp allowed after leaving the group")
		}
		if err := f.gw.AddToGroup(ctx, "no-such-group", erp); err == nil {
			t.Error("added to an unknown group")
		}
		if err := f.gw.RevokeGroup(ctx, "business-systems", persons, gateway.Endpoint{Method: "GET", Path: "/*"}); err != nil {
			t.Fatal(err)
		}
	}, gateway.Migrations)
}

// A provider reached over HTTP gets the request at its base URL's path
// followed by the service's, its hop-by-hop response headers are not
// passed back, and one that cannot be reached is the server proxy's
// ServiceFailed rather than an answer of its own.
func TestHTTPProvider(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		remote := httptest.NewServer(f.prov)
		defer remote.Close()
		down := httptest.NewServer(f.prov)
		down.Close()
		for _, s := range []struct {
			code, url string
		}{{"remote", remote.URL + "/registry/v1/"}, {"root", remote.URL}, {"down", down.URL}} {
			id := gateway.ServiceID{Provider: population, Code: s.code}
			if _, err := f.gw.RegisterService(ctx, gateway.ServiceDef{ID: id, BasePath: "/persons", OpenAPI: []byte(personsOpenAPI), ProviderURL: s.url}); err != nil {
				t.Fatal(err)
			}
			if err := f.gw.Grant(ctx, portal, id, gateway.AllEndpoints); err != nil {
				t.Fatal(err)
			}
		}
		resp, body := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/remote/5ZQX7KA?q=a%2Fb", f.asPortal(nil), "")
		if resp.StatusCode != 200 || body != `{"path":"/registry/v1/persons/5ZQX7KA"}` {
			t.Fatalf("remote: status %d body %s", resp.StatusCode, body)
		}
		f.prov.mu.Lock()
		gotQuery := f.prov.last.URL.RawQuery
		f.prov.mu.Unlock()
		if gotQuery != "q=a%2Fb" {
			t.Errorf("provider got query %q", gotQuery)
		}
		if resp.Header.Get("Connection") == "close" || resp.Header.Get("X-Powered-By") != "registry" {
			t.Errorf("response headers: %v", resp.Header)
		}
		if resp, body := f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/root/5ZQX7KA", f.asPortal(nil), ""); resp.StatusCode != 200 || body != `{"path":"/persons/5ZQX7KA"}` {
			t.Fatalf("provider URL without a path: status %d body %s", resp.StatusCode, body)
		}
		resp, body = f.do(t, "GET", "/r1/AZ/GOV/1000000001/population/down/5ZQX7KA", f.asPortal(nil), "")
		if got := resp.Header.Get("X-Road-Error"); got != "Server.ServerProxy.ServiceFailed" || resp.StatusCode != http.StatusInternalServerError {
			t.Fatalf("down: status %d, X-Road-Error %q, body %s", resp.StatusCode, got, body)
		}
	}, gateway.Migrations)
}
