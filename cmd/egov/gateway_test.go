package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary be an `egov gateway serve` process, so a
// test can run two security servers as separate processes.
func TestMain(m *testing.M) {
	if conf := os.Getenv("EGOV_TEST_GATEWAY_CONFIG"); conf != "" {
		err := run(context.Background(), []string{"gateway", "serve", "-gateway-config", conf,
			"-data-dir", os.Getenv("EGOV_TEST_GATEWAY_DATA"), "-log-level", "warn"}, os.Stdout, os.Stderr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gateway:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// pki writes a CA and member certificates as PEM files, as a federation's
// certification authority would hand them out.
type pki struct {
	dir  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	n    int64
}

func newPKI(t *testing.T, dir string) *pki {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "AZ federation CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", der)
	return &pki{dir: dir, cert: cert, key: key, n: 1}
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// issue writes name.pem and name-key.pem for member and returns the pair.
func (p *pki) issue(t *testing.T, name, member string, notAfter time.Time) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p.n++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(p.n), Subject: pkix.Name{CommonName: member},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(p.dir, name+".pem"), "CERTIFICATE", der)
	kder, _ := x509.MarshalECPrivateKey(key)
	writePEM(t, filepath.Join(p.dir, name+"-key.pem"), "EC PRIVATE KEY", kder)
	pair, err := tls.LoadX509KeyPair(filepath.Join(p.dir, name+".pem"), filepath.Join(p.dir, name+"-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return pair
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startGateway runs `egov gateway serve` with conf in a child process and
// waits until it answers.
func startGateway(t *testing.T, name string, conf map[string]any) (listen string, data string) {
	t.Helper()
	dir := t.TempDir()
	raw, _ := json.Marshal(conf)
	path := filepath.Join(conf["_dir"].(string), name+".json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "EGOV_TEST_GATEWAY_CONFIG="+path, "EGOV_TEST_GATEWAY_DATA="+dir)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("%s's output:\n%s", name, logs.String())
		}
	})
	listen = conf["listen"].(string)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + listen + "/healthz")
		if err == nil {
			resp.Body.Close()
			return listen, dir
		}
		select {
		case <-done:
			t.Fatalf("%s exited:\n%s", name, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start:\n%s", name, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const (
	portalMember     = "AZ/GOV/1000000010"
	populationMember = "AZ/GOV/1000000001"
	personsService   = "AZ/GOV/1000000001/population/persons"
	personsPath      = "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA"
)

const personsSpec = `{"openapi":"3.0.3","info":{"title":"Population registry","version":"1"},
"paths":{"/persons/{fin}":{"get":{"parameters":[{"name":"fin","in":"path","required":true,"schema":{"type":"string"}}]}}}}`

func sha(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }

// Two `egov gateway serve` processes — the portal's and the population
// registry's security servers — exchange over loopback with mutual TLS;
// the protocol's cases hold across them, and what is refused never
// reaches the provider.
func TestTwoGatewayProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two processes")
	}
	dir := t.TempDir()
	ca := newPKI(t, dir)
	portalCert := ca.issue(t, "portal", portalMember, time.Now().Add(time.Hour))
	ca.issue(t, "population", populationMember, time.Now().Add(time.Hour))
	expired := ca.issue(t, "expired", portalMember, time.Now().Add(-time.Hour))
	if err := os.WriteFile(filepath.Join(dir, "persons.json"), []byte(personsSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	registry := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"fin":%q,"purpose":%q}`, strings.TrimPrefix(r.URL.Path, "/persons/"), r.Header.Get("X-Road-Purpose"))
	}))
	defer registry.Close()

	portalTLS, populationTLS := freeAddr(t), freeAddr(t)
	members := []map[string]any{
		{"id": portalMember, "name": "Elektron Hökumət Portalı", "subsystems": []string{"portal", "other"}},
		{"id": populationMember, "name": "Daxili İşlər Nazirliyi", "subsystems": []string{"population"}},
	}
	servers := map[string]string{portalMember: "https://" + portalTLS, populationMember: "https://" + populationTLS}
	startGateway(t, "population", map[string]any{"_dir": dir, "member": populationMember, "cert": "population.pem",
		"key": "population-key.pem", "ca": "ca.pem", "listen": freeAddr(t), "listen_tls": populationTLS, "servers": servers,
		"secret":   "the population server's secret",
		"members":  members,
		"services": []map[string]any{{"id": personsService, "url": registry.URL, "base_path": "/persons", "openapi": "persons.json"}},
		"grants":   []map[string]any{{"client": portalMember + "/portal", "service": personsService}},
	})
	const portalKey, otherKey = "egk_portal-system-key", "egk_other-system-key"
	if err := os.WriteFile(filepath.Join(dir, "portal-secret"), []byte("the portal server's secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	portal, portalData := startGateway(t, "portal", map[string]any{"_dir": dir, "member": portalMember, "cert": "portal.pem",
		"key": "portal-key.pem", "ca": "ca.pem", "listen": freeAddr(t), "listen_tls": portalTLS, "servers": servers,
		"secret_file": "portal-secret", "keep_bodies": true, "retention": "8760h",
		"members": members,
		"keys": []map[string]any{{"client": portalMember + "/portal", "sha256": sha(portalKey)},
			{"client": portalMember + "/other", "sha256": sha(otherKey)}},
	})

	get := func(path string, header map[string]string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+portal+path, nil)
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
	asPortal := map[string]string{"X-Road-Client": portalMember + "/portal", "X-Egov-Api-Key": portalKey,
		"X-Road-Id": "two-processes-1", "X-Road-UserId": "AZ0001", "X-Road-Purpose": "test across processes"}
	resp, body := get(personsPath, asPortal)
	if resp.StatusCode != 200 || !strings.Contains(body, `"fin":"5ZQX7KA"`) || !strings.Contains(body, "test across processes") {
		t.Fatalf("exchange: %d %s", resp.StatusCode, body)
	}
	for _, h := range []string{"X-Road-Id", "X-Road-Request-Id", "X-Road-Request-Hash", "X-Road-Client", "X-Road-Service"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("response lacks %s", h)
		}
	}
	resp, body = get("/r1/AZ/GOV/1000000001/population/listMethods", asPortal)
	if resp.StatusCode != 200 || !strings.Contains(body, `"persons"`) {
		t.Errorf("listMethods across the servers: %d %s", resp.StatusCode, body)
	}
	before := calls.Load()
	refusals := []struct {
		name, path string
		header     map[string]string
		want       string
	}{
		{"denied access", personsPath, map[string]string{"X-Road-Client": portalMember + "/other", "X-Egov-Api-Key": otherKey}, "Server.ServerProxy.AccessDenied"},
		{"unknown service", "/r1/AZ/GOV/1000000001/population/nosuch/5ZQX7KA", asPortal, "Server.ServerProxy.UnknownService"},
		{"bad client header", personsPath, map[string]string{"X-Road-Client": "AZ/GOV", "X-Egov-Api-Key": portalKey}, "Client.InvalidClientIdentifier"},
		{"no client header", personsPath, map[string]string{"X-Egov-Api-Key": portalKey}, "Client.BadRequest"},
		{"wrong key", personsPath, map[string]string{"X-Road-Client": portalMember + "/portal", "X-Egov-Api-Key": otherKey}, "Server.ClientProxy.SslAuthenticationFailed"},
	}
	for _, c := range refusals {
		resp, body := get(c.path, c.header)
		if resp.Header.Get("X-Road-Error") != c.want || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %q %s, want %s", c.name, resp.StatusCode, resp.Header.Get("X-Road-Error"), body, c.want)
		}
	}
	// Straight to the provider's security server, as a security server:
	// with a signature that does not verify, and with an expired
	// certificate.
	direct := func(cert tls.Certificate, header map[string]string) (*http.Response, string, error) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, InsecureSkipVerify: true}}}
		req, _ := http.NewRequest("GET", "https://"+populationTLS+personsPath, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b), nil
	}
	resp, body, err := direct(portalCert, map[string]string{"X-Road-Client": portalMember + "/portal", "X-Egov-Signature": "MEUCIQ=="})
	if err != nil || resp.Header.Get("X-Road-Error") != "Server.ServerProxy.InvalidSignatureValue" {
		t.Errorf("tampered signature: %v %v %s", err, resp, body)
	}
	if _, _, err := direct(expired, map[string]string{"X-Road-Client": portalMember + "/portal"}); err == nil {
		t.Error("an expired certificate was accepted")
	}
	if n := calls.Load() - before; n != 0 {
		t.Errorf("refused requests reached the provider %d times", n)
	}

	// The consumer's side logged the exchange; its log verifies.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"gateway", "verify", "-data-dir", portalData}, &out, &out); err != nil || !strings.Contains(out.String(), "intact") {
		t.Errorf("the portal server's log: %v %s", err, out.String())
	}

	// It kept the bodies sealed: not in its files in clear, but in the
	// evidence when asked for with its configuration (and so its secret).
	files, _ := filepath.Glob(filepath.Join(portalData, "*"))
	for _, f := range files {
		if raw, _ := os.ReadFile(f); bytes.Contains(raw, []byte(`"fin":"5ZQX7KA"`)) {
			t.Errorf("%s holds the response body in clear", f)
		}
	}
	out.Reset()
	err = run(context.Background(), []string{"gateway", "evidence", "-x-road-id", "two-processes-1", "-bodies",
		"-gateway-config", filepath.Join(dir, "portal.json"), "-data-dir", portalData}, &out, &out)
	var ev struct{ Bodies struct{ Response []byte } }
	if err != nil || json.Unmarshal(out.Bytes(), &ev) != nil || !bytes.Contains(ev.Bodies.Response, []byte(`"fin":"5ZQX7KA"`)) {
		t.Errorf("evidence with bodies: %v %s", err, out.String())
	}
	var checked bytes.Buffer
	if err := gatewayCheck(bytes.NewReader(out.Bytes()), &checked, "-"); err != nil {
		t.Errorf("the evidence with bodies does not check: %v", err)
	}
}
