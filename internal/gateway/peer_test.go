package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/storetest"
)

// testCA issues member certificates, as a federation's certification
// authority does.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "AZ test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

var serial int64 = 100

// issue makes a certificate for member, valid until notAfter.
func (ca *testCA) issue(t *testing.T, member gateway.ClientID, notAfter time.Time) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: member.String()},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// pair is two security servers: the portal's (consumer) and the
// population registry's (provider), exchanging over mutual TLS.
type pair struct {
	consumer, provider     *gateway.Gateway
	client                 *httptest.Server // the consumer's side, for the portal's systems
	server                 *httptest.Server // the provider's server proxy
	prov                   *provider
	portalKey, strangerKey string
	ca                     *testCA
}

var stranger = gateway.ClientID{Instance: "AZ", Class: "GOV", Member: "1000000010", Subsystem: "stranger"}

func newPair(t *testing.T) *pair {
	t.Helper()
	ctx := context.Background()
	p := &pair{ca: newCA(t), prov: &provider{}}
	logger := slog.New(slog.DiscardHandler)

	p.provider = gateway.New(storetest.SQLite(t, gateway.Migrations), logger)
	// The provider's server knows the federation's members, as X-Road's
	// global configuration tells every security server.
	for _, c := range []gateway.ClientID{population, portal} {
		if err := p.provider.RegisterMember(ctx, c.MemberID(), c.Member); err != nil {
			t.Fatal(err)
		}
		if err := p.provider.RegisterSubsystem(ctx, c, c.Subsystem); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.provider.RegisterService(ctx, gateway.ServiceDef{ID: persons, BasePath: "/persons", OpenAPI: []byte(personsOpenAPI), Provider: p.prov}); err != nil {
		t.Fatal(err)
	}
	if err := p.provider.Grant(ctx, portal, persons, gateway.AllEndpoints); err != nil {
		t.Fatal(err)
	}
	if err := p.provider.Peer(gateway.Peering{Member: population.MemberID(), Certificate: p.ca.issue(t, population.MemberID(), time.Now().Add(time.Hour)), Roots: p.ca.pool}); err != nil {
		t.Fatal(err)
	}
	p.server = httptest.NewUnstartedServer(p.provider.ServerProxy())
	p.server.TLS = p.provider.ServerTLSConfig()
	p.server.StartTLS()
	t.Cleanup(p.server.Close)

	p.consumer = gateway.New(storetest.SQLite(t, gateway.Migrations), logger)
	for _, c := range []gateway.ClientID{portal, stranger} {
		if err := p.consumer.RegisterMember(ctx, c.MemberID(), "Portal"); err != nil {
			t.Fatal(err)
		}
		if err := p.consumer.RegisterSubsystem(ctx, c, c.Subsystem); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if p.portalKey, err = p.consumer.IssueKey(ctx, portal); err != nil {
		t.Fatal(err)
	}
	if p.strangerKey, err = p.consumer.IssueKey(ctx, stranger); err != nil {
		t.Fatal(err)
	}
	p.peer(t, p.consumer, p.ca.issue(t, portal.MemberID(), time.Now().Add(time.Hour)), p.ca.pool)
	p.client = httptest.NewServer(p.consumer)
	t.Cleanup(p.client.Close)
	return p
}

// peer makes g the portal's security server with cert, trusting roots.
func (p *pair) peer(t *testing.T, g *gateway.Gateway, cert tls.Certificate, roots *x509.CertPool) {
	t.Helper()
	if err := g.Peer(gateway.Peering{Member: portal.MemberID(), Certificate: cert, Roots: roots,
		Servers: map[string]string{population.MemberID().String(): p.server.URL}}); err != nil {
		t.Fatal(err)
	}
}

func call(t *testing.T, base, path string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
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

func xroadError(t *testing.T, resp *http.Response, body, want string) {
	t.Helper()
	var e struct{ Type, Message string }
	json.Unmarshal([]byte(body), &e)
	if resp.Header.Get("X-Road-Error") != want || e.Type != want {
		t.Fatalf("status %d, X-Road-Error %q, body %s; want %s", resp.StatusCode, resp.Header.Get("X-Road-Error"), body, want)
	}
}

const personPath = "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA"

func TestTwoSecurityServersOverMutualTLS(t *testing.T) {
	p := newPair(t)
	ctx := context.Background()
	resp, body := call(t, p.client.URL, personPath+"?x=1", map[string]string{"X-Road-Client": portal.String(),
		gateway.HeaderAPIKey: p.portalKey, "X-Road-Id": "exchange-1", "X-Road-UserId": "AZ123", "X-Road-Purpose": "test"})
	if resp.StatusCode != 200 || !strings.Contains(body, `"/persons/5ZQX7KA"`) {
		t.Fatalf("through two servers: %d %s", resp.StatusCode, body)
	}
	last := p.prov.last
	if want := gateway.RequestHash("GET", personPath+"?x=1", last.Header, nil); resp.Header.Get("X-Road-Request-Hash") != want {
		t.Fatalf("request hash %q, want the provider's request's %q", resp.Header.Get("X-Road-Request-Hash"), want)
	}
	for _, h := range []string{gateway.HeaderSignature, gateway.HeaderAPIKey} {
		if last.Header.Get(h) != "" {
			t.Errorf("the provider received %s", h)
		}
	}
	if resp.Header.Get(gateway.HeaderResponseSignature) != "" {
		t.Error("the client received the servers' response signature")
	}
	// Both sides logged the exchange; the provider's side recorded the
	// read of the person for the data tracker.
	for name, g := range map[string]*gateway.Gateway{"consumer": p.consumer, "provider": p.provider} {
		msgs, err := g.Messages(ctx, "exchange-1")
		if err != nil || len(msgs) != 1 || msgs[0].Status != 200 {
			t.Fatalf("%s's log: %+v %v", name, msgs, err)
		}
	}
	reads, err := p.provider.Reads(ctx, "5ZQX7KA", gateway.Page{})
	if err != nil || len(reads) != 1 || reads[0].Purpose != "test" || reads[0].Client != portal.String() {
		t.Fatalf("data tracker: %+v %v", reads, err)
	}
}

// Every failure is the X-Road error the protocol names, and nothing
// reaches the provider.
func TestSecurityServersRefuse(t *testing.T) {
	p := newPair(t)
	asPortal := map[string]string{"X-Road-Client": portal.String(), gateway.HeaderAPIKey: p.portalKey}

	t.Run("denied access", func(t *testing.T) {
		resp, body := call(t, p.client.URL, personPath, map[string]string{"X-Road-Client": stranger.String(), gateway.HeaderAPIKey: p.strangerKey})
		xroadError(t, resp, body, gateway.ErrAccessDenied)
	})
	t.Run("unknown service", func(t *testing.T) {
		resp, body := call(t, p.client.URL, "/r1/AZ/GOV/1000000001/population/nosuch/5ZQX7KA", asPortal)
		xroadError(t, resp, body, gateway.ErrUnknownService)
	})
	t.Run("bad client header", func(t *testing.T) {
		resp, body := call(t, p.client.URL, personPath, map[string]string{"X-Road-Client": "AZ/GOV", gateway.HeaderAPIKey: p.portalKey})
		xroadError(t, resp, body, gateway.ErrInvalidClient)
	})
	t.Run("another member's client through this server", func(t *testing.T) {
		resp, body := call(t, p.client.URL, personPath, map[string]string{"X-Road-Client": erp.String(), gateway.HeaderAPIKey: p.portalKey})
		xroadError(t, resp, body, gateway.ErrAuthFailed)
	})

	// Calls straight to the provider's server proxy, as a security server
	// with the portal's certificate would make them.
	direct := func(t *testing.T, cert tls.Certificate, header map[string]string) (*http.Response, string) {
		t.Helper()
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: p.ca.pool, InsecureSkipVerify: true}}}
		req, _ := http.NewRequest("GET", p.server.URL+personPath, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	portalCert := p.ca.issue(t, portal.MemberID(), time.Now().Add(time.Hour))
	t.Run("tampered signature", func(t *testing.T) {
		resp, body := direct(t, portalCert, map[string]string{"X-Road-Client": portal.String(), gateway.HeaderSignature: "MEUCIQ=="})
		xroadError(t, resp, body, gateway.ErrSignature)
	})
	t.Run("client of another member than the certificate's", func(t *testing.T) {
		resp, body := direct(t, portalCert, map[string]string{"X-Road-Client": erp.String()})
		xroadError(t, resp, body, gateway.ErrServerAuth)
	})
	t.Run("expired certificate", func(t *testing.T) {
		expired := gateway.New(storetest.SQLite(t, gateway.Migrations), slog.New(slog.DiscardHandler))
		ctx := context.Background()
		expired.RegisterMember(ctx, portal.MemberID(), "Portal")
		expired.RegisterSubsystem(ctx, portal, "portal")
		key, _ := expired.IssueKey(ctx, portal)
		p.peer(t, expired, p.ca.issue(t, portal.MemberID(), time.Now().Add(-time.Hour)), p.ca.pool)
		srv := httptest.NewServer(expired)
		defer srv.Close()
		resp, body := call(t, srv.URL, personPath, map[string]string{"X-Road-Client": portal.String(), gateway.HeaderAPIKey: key})
		xroadError(t, resp, body, gateway.ErrAuthFailed)
	})
	t.Run("provider's server from another CA", func(t *testing.T) {
		other := newCA(t)
		untrusting := gateway.New(storetest.SQLite(t, gateway.Migrations), slog.New(slog.DiscardHandler))
		ctx := context.Background()
		untrusting.RegisterMember(ctx, portal.MemberID(), "Portal")
		untrusting.RegisterSubsystem(ctx, portal, "portal")
		key, _ := untrusting.IssueKey(ctx, portal)
		p.peer(t, untrusting, other.issue(t, portal.MemberID(), time.Now().Add(time.Hour)), other.pool)
		srv := httptest.NewServer(untrusting)
		defer srv.Close()
		resp, body := call(t, srv.URL, personPath, map[string]string{"X-Road-Client": portal.String(), gateway.HeaderAPIKey: key})
		xroadError(t, resp, body, gateway.ErrAuthFailed)
	})
	if n := p.prov.calls.Load(); n != 0 {
		t.Fatalf("the provider was called %d times", n)
	}
}

// A response whose signature does not verify (a server in the middle with
// a certificate of the right member but not the provider's answer) is
// refused by the consumer's server.
func TestConsumerChecksTheResponse(t *testing.T) {
	p := newPair(t)
	forged := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Road-Request-Hash", "whatever")
		w.Header().Set(gateway.HeaderResponseSignature, "MEUCIQ==")
		w.Write([]byte(`{"fin":"5ZQX7KA","name":"forged"}`))
	}))
	forged.TLS = &tls.Config{Certificates: []tls.Certificate{p.ca.issue(t, population.MemberID(), time.Now().Add(time.Hour))},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: p.ca.pool}
	forged.StartTLS()
	defer forged.Close()
	if err := p.consumer.Peer(gateway.Peering{Member: portal.MemberID(), Certificate: p.ca.issue(t, portal.MemberID(), time.Now().Add(time.Hour)),
		Roots: p.ca.pool, Servers: map[string]string{population.MemberID().String(): forged.URL}}); err != nil {
		t.Fatal(err)
	}
	resp, body := call(t, p.client.URL, personPath, map[string]string{"X-Road-Client": portal.String(), gateway.HeaderAPIKey: p.portalKey})
	xroadError(t, resp, body, gateway.ErrClientSignature)
	if strings.Contains(body, "forged") {
		t.Fatal("the forged answer reached the client")
	}
}
