package govstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/consent"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/files"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/govstack"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/registry"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/web"
)

// Callers of the tests: the health ministry's pharmacy system defines the
// registry; the clinic reads it and the population registry; the nosy
// system may call the data API but has no right on the registry; the
// stranger has a key and no right at all.
var (
	pharmacies = gateway.ClientID{Instance: "AZ", Class: "GOV", Member: "1000000020", Subsystem: "pharmacies"}
	clinic     = gateway.ClientID{Instance: "AZ", Class: "GOV", Member: "1000000020", Subsystem: "clinic"}
	nosy       = gateway.ClientID{Instance: "AZ", Class: "COM", Member: "1700000001", Subsystem: "nosy"}
	stranger   = gateway.ClientID{Instance: "AZ", Class: "COM", Member: "1700000002", Subsystem: "stranger"}
)

type fixture struct {
	t       *testing.T
	db      *store.DB
	gw      *gateway.Gateway
	notify  *notify.Service
	catalog *catalog.Catalog
	apps    *applications.Service
	files   *files.Store
	person  func(ctx context.Context, fin string) (applications.Actor, error)
	svc     *govstack.Service
	consent *consent.Service
	srv     *httptest.Server
	keys    map[gateway.ClientID]string
	// specs by file, with their routers
	specs map[string]routers.Router
	// header is added to every request.
	header map[string]string
}

func migrations() []store.Migrations {
	return []store.Migrations{events.Migrations, notify.Migrations, catalog.Migrations, registry.Migrations, gateway.Migrations,
		web.Migrations, audit.Migrations, identity.Migrations, files.Migrations, applications.Migrations, govstack.Migrations,
		consent.Migrations}
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	reg := registry.New(db)
	if _, err := reg.SeedDemo(ctx, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	gw := gateway.New(db, slog.New(slog.DiscardHandler))
	f := &fixture{t: t, db: db, gw: gw, keys: map[gateway.ClientID]string{}, specs: map[string]routers.Router{}}
	if err := gw.RegisterRegistries(ctx, reg.ProviderHandler(nil), registry.OpenAPI); err != nil {
		t.Fatal(err)
	}
	f.notify = notify.New(db)
	f.catalog = catalog.New(db, slog.New(slog.DiscardHandler))
	seed, err := catalog.DemoSeed()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.catalog.Seed(ctx, seed); err != nil {
		t.Fatal(err)
	}
	// Applications as the app builds them, without payments and
	// documents; people's accounts open from the population registry.
	f.files = files.NewStore(db.DB, t.TempDir(), files.SignatureScanner{})
	f.apps = applications.New(db, applications.Config{Catalog: f.catalog, Files: f.files, Notify: f.notify,
		Logger: slog.New(slog.DiscardHandler)})
	if err := applications.SeedTemplates(ctx, f.notify); err != nil {
		t.Fatal(err)
	}
	people := identity.New(db, nil, func(ctx context.Context, fin string) (string, error) {
		p, err := reg.Person(ctx, fin)
		if err != nil {
			return "", err
		}
		return p.FullName(), nil
	}, slog.New(slog.DiscardHandler))
	f.person = func(ctx context.Context, fin string) (applications.Actor, error) {
		acct, err := people.PersonAccount(ctx, fin)
		if err != nil {
			return applications.Actor{}, err
		}
		return applications.Actor{Kind: applications.ActorApplicant, AccountID: acct.ID, ID: fin, FIN: fin,
			Name: acct.DisplayName, Lang: lang.EN}, nil
	}
	// The consent block's webhooks go to test servers over http.
	f.consent, err = consent.New(consent.Config{DB: db, SealKey: make([]byte, 32), InsecureWebhooks: true,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	svc := govstack.New(govstack.Config{DB: db, Gateway: gw, Notify: f.notify, Catalog: f.catalog,
		Applications: f.apps, Files: f.files, Applicant: f.person, Consent: f.consent, Logger: slog.New(slog.DiscardHandler)})
	f.svc = svc
	if err := svc.Register(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []gateway.ClientID{pharmacies, clinic, nosy, stranger} {
		if err := gw.RegisterMember(ctx, c.MemberID(), "member "+c.Member); err != nil {
			t.Fatal(err)
		}
		if err := gw.RegisterSubsystem(ctx, c, "system "+c.Subsystem); err != nil {
			t.Fatal(err)
		}
		key, err := gw.IssueKey(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		f.keys[c] = key
	}
	grants := []struct {
		c gateway.ClientID
		s gateway.ServiceID
	}{
		{pharmacies, govstack.RegistriesDataService}, {pharmacies, govstack.RegistriesDatabaseService},
		{clinic, govstack.RegistriesDataService}, {clinic, govstack.RegistriesDatabaseService}, {clinic, gateway.PersonsService},
		{nosy, govstack.RegistriesDataService}, {nosy, govstack.RegistriesDatabaseService},
		{clinic, govstack.MessagingService}, {nosy, govstack.MessagingService}, {clinic, govstack.RegistrationService},
	}
	for _, g := range grants {
		if err := gw.Grant(ctx, g.c, g.s, gateway.AllEndpoints); err != nil {
			t.Fatal(err)
		}
	}
	f.srv = httptest.NewServer(svc.Handler())
	t.Cleanup(f.srv.Close)
	for _, file := range []string{govstack.SpecRegistriesData, govstack.SpecRegistriesDatabase, govstack.SpecMessaging, govstack.SpecRegistration,
		govstack.SpecRegistrationStatistics, govstack.SpecConsent, govstack.P2GBillInquiry, govstack.P2GBillPayment,
		govstack.P2GBillerRTP, govstack.P2GPayerRTPAnswer, govstack.P2GTransferRequest} {
		doc, err := govstack.LoadSpec(file)
		if err != nil {
			t.Fatal(err)
		}
		doc.Servers = openapi3.Servers{{URL: f.srv.URL}}
		rt, err := gorillamux.NewRouter(doc)
		if err != nil {
			t.Fatal(err)
		}
		f.specs[file] = rt
	}
	return f
}

// result is one exchange as the test saw it.
type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("answer %d is not JSON: %v: %s", r.status, err, r.body)
	}
}

// call makes a request as client (no key for a zero client) and checks
// the request and the response against spec: a request the test means to
// be valid must be (invalid says it is not), and every response must be
// what the specification declares for its status, or, for a status it
// does not declare, problem details or the gateway's X-Road error.
func (f *fixture) call(spec string, client gateway.ClientID, method, path string, body any, invalid ...bool) result {
	f.t.Helper()
	var raw []byte
	contentType := ""
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			f.t.Fatal(err)
		}
		contentType = "application/json"
	}
	return f.callRaw(spec, client, method, path, contentType, raw, invalid...)
}

// callRaw is call with a body of any content type (none when empty).
func (f *fixture) callRaw(spec string, client gateway.ClientID, method, path, contentType string, raw []byte, invalid ...bool) result {
	t := f.t
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if client.Instance != "" {
		req.Header.Set(govstack.HeaderIMClient, client.String())
		if key := f.keys[client]; key != "" {
			// Where each specification puts the key.
			name := "Authorization"
			if spec == govstack.SpecMessaging {
				name = "apiKey"
			}
			req.Header.Set(name, key)
		}
	}
	for k, v := range f.header {
		req.Header.Set(k, v)
	}
	route, params, err := f.specs[spec].FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: not an operation of %s: %v", method, path, spec, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: func(_ context.Context, a *openapi3filter.AuthenticationInput) error {
			if a.RequestValidationInput.Request.Header.Get(a.SecurityScheme.Name) == "" {
				return errors.New("no API key")
			}
			return nil
		}}}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	wantInvalid := len(invalid) > 0 && invalid[0]
	if reqErr != nil && !wantInvalid {
		t.Fatalf("%s %s: the request breaks the specification: %v", method, path, reqErr)
	}
	if reqErr == nil && wantInvalid {
		t.Fatalf("%s %s: the request meant to break the specification passes it", method, path)
	}
	req.Body = io.NopCloser(bytes.NewReader(raw))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	res := result{status: resp.StatusCode, header: resp.Header, body: out}
	if route.Operation.Responses.Status(resp.StatusCode) == nil && route.Operation.Responses.Default() == nil {
		f.checkUndeclared(method, path, res)
		return res
	}
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	rin.SetBodyBytes(out)
	if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
		t.Fatalf("%s %s: the answer %d breaks the specification: %v\n%s", method, path, resp.StatusCode, err, out)
	}
	return res
}

// checkUndeclared checks an answer whose status the specification does
// not declare: an error, as problem details or an X-Road error.
func (f *fixture) checkUndeclared(method, path string, res result) {
	t := f.t
	t.Helper()
	if res.status < 400 {
		t.Fatalf("%s %s: success %d the specification does not declare: %s", method, path, res.status, res.body)
	}
	if res.header.Get(gateway.HeaderError) != "" {
		var x gateway.XRoadError
		if err := json.Unmarshal(res.body, &x); err != nil || x.Type == "" || !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s %s: malformed X-Road error %d: %s", method, path, res.status, res.body)
		}
		return
	}
	var p struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	if res.header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(res.body, &p) != nil || p.Status != res.status || p.Title == "" {
		t.Fatalf("%s %s: error %d is not problem details: %s %s", method, path, res.status, res.header.Get("Content-Type"), res.body)
	}
}
