package gateway

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// Standalone configures one member's security server running on its own
// (`egov gateway serve`): its identity and certificates, where the other
// members' servers are, the members it knows, the services its providers
// offer over HTTP, who may call them, and its own systems' API keys.
// Relative file names are relative to the configuration file.
type Standalone struct {
	Member    string            `json:"member"`     // AZ/GOV/1000000001
	Cert      string            `json:"cert"`       // PEM certificate issued to Member by the CA
	Key       string            `json:"key"`        // PEM private key (ECDSA) of Cert
	CA        string            `json:"ca"`         // PEM certificates of the federation's CA
	Listen    string            `json:"listen"`     // for the member's own systems (HTTP)
	ListenTLS string            `json:"listen_tls"` // for other security servers (mutual TLS)
	Servers   map[string]string `json:"servers"`    // member → https://host:port of its server
	// Secret (or SecretFile, a file holding it) is the server's secret:
	// the message log's signing key is sealed under a key derived from
	// it, and so are the bodies when KeepBodies is set.
	Secret     string `json:"secret"`
	SecretFile string `json:"secret_file"`
	KeepBodies bool   `json:"keep_bodies"`
	// Retention is how long the message log keeps an exchange, as a Go
	// duration ("8760h"); "" or "0": for ever.
	Retention string `json:"retention"`
	Members   []struct {
		ID         string   `json:"id"`
		Name       string   `json:"name"`
		Subsystems []string `json:"subsystems"`
	} `json:"members"`
	Services []struct {
		ID       string `json:"id"`        // AZ/GOV/1000000001/population/persons
		URL      string `json:"url"`       // the provider's base URL, e.g. http://127.0.0.1:9000
		BasePath string `json:"base_path"` // e.g. /persons
		OpenAPI  string `json:"openapi"`   // file of its OpenAPI 3 description
	} `json:"services"`
	Grants []struct {
		Client  string `json:"client"`
		Service string `json:"service"`
		Method  string `json:"method"` // "" or "*": every method
		Path    string `json:"path"`   // "" or "**": every path
	} `json:"grants"`
	// Keys are the member's own systems' API keys, as SHA-256 hex: the
	// configuration never holds a key itself.
	Keys []struct {
		Client string `json:"client"`
		SHA256 string `json:"sha256"`
	} `json:"keys"`

	dir string
}

// LoadStandalone reads a standalone security server's configuration.
func LoadStandalone(path string) (*Standalone, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Standalone
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("gateway: %s: %w", path, err)
	}
	s.dir = filepath.Dir(path)
	if s.Member == "" || s.Listen == "" || s.ListenTLS == "" || s.Cert == "" || s.Key == "" || s.CA == "" {
		return nil, fmt.Errorf("gateway: %s needs member, listen, listen_tls, cert, key and ca", path)
	}
	if (s.Secret == "") == (s.SecretFile == "") {
		return nil, fmt.Errorf("gateway: %s needs one of secret and secret_file", path)
	}
	if s.Retention != "" {
		if d, err := time.ParseDuration(s.Retention); err != nil || d < 0 {
			return nil, fmt.Errorf("gateway: %s: retention %q is not a duration like 8760h", path, s.Retention)
		}
	}
	return &s, nil
}

// Options are the server's settings that are not kept in its database.
func (s *Standalone) Options() (Options, error) {
	secret := []byte(s.Secret)
	if s.SecretFile != "" {
		raw, err := os.ReadFile(s.file(s.SecretFile))
		if err != nil {
			return Options{}, fmt.Errorf("gateway: secret: %w", err)
		}
		secret = bytes.TrimSpace(raw)
	}
	if len(secret) < 16 {
		return Options{}, errors.New("gateway: the secret must be at least 16 characters")
	}
	o := Options{Secret: secret, KeepBodies: s.KeepBodies}
	if s.Retention != "" {
		o.Retention, _ = time.ParseDuration(s.Retention)
	}
	return o, nil
}

func (s *Standalone) file(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(s.dir, name)
}

// Apply registers the configuration in g's database (idempotently: a
// restart finds it there) and makes g a peer of the other servers.
func (s *Standalone) Apply(ctx context.Context, g *Gateway) error {
	opts, err := s.Options()
	if err != nil {
		return err
	}
	if err := g.Configure(opts); err != nil {
		return err
	}
	member, err := ParseClientID(s.Member)
	if err != nil || member.Subsystem != "" {
		return fmt.Errorf("gateway: member %q is not a member identifier", s.Member)
	}
	cert, err := tls.LoadX509KeyPair(s.file(s.Cert), s.file(s.Key))
	if err != nil {
		return fmt.Errorf("gateway: certificate: %w", err)
	}
	pem, err := os.ReadFile(s.file(s.CA))
	if err != nil {
		return fmt.Errorf("gateway: CA: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return errors.New("gateway: no certificate in the CA file")
	}
	for _, m := range s.Members {
		id, err := ParseClientID(m.ID)
		if err != nil {
			return fmt.Errorf("gateway: member %q: %w", m.ID, err)
		}
		if err := g.RegisterMember(ctx, id, m.Name); err != nil {
			return err
		}
		for _, sub := range m.Subsystems {
			id.Subsystem = sub
			if err := g.RegisterSubsystem(ctx, id, sub); err != nil {
				return err
			}
		}
	}
	for _, svc := range s.Services {
		id, err := ParseServiceID(svc.ID)
		if err != nil {
			return fmt.Errorf("gateway: service %q: %w", svc.ID, err)
		}
		target, err := url.Parse(svc.URL)
		if err != nil || (target.Scheme != "http" && target.Scheme != "https") {
			return fmt.Errorf("gateway: service %s: provider URL %q", svc.ID, svc.URL)
		}
		spec, err := os.ReadFile(s.file(svc.OpenAPI))
		if err != nil {
			return fmt.Errorf("gateway: service %s: %w", svc.ID, err)
		}
		if _, err := g.RegisterService(ctx, ServiceDef{ID: id, BasePath: svc.BasePath, OpenAPI: spec, Provider: httpProvider(target)}); err != nil {
			return err
		}
	}
	for _, gr := range s.Grants {
		client, err := ParseClientID(gr.Client)
		if err != nil {
			return fmt.Errorf("gateway: grant to %q: %w", gr.Client, err)
		}
		svc, err := ParseServiceID(gr.Service)
		if err != nil {
			return fmt.Errorf("gateway: grant of %q: %w", gr.Service, err)
		}
		e := AllEndpoints
		if gr.Method != "" {
			e.Method = gr.Method
		}
		if gr.Path != "" {
			e.Path = gr.Path
		}
		if err := g.Grant(ctx, client, svc, e); err != nil {
			return err
		}
	}
	for _, k := range s.Keys {
		client, err := ParseClientID(k.Client)
		if err != nil {
			return fmt.Errorf("gateway: key of %q: %w", k.Client, err)
		}
		if err := g.registerKeyHash(ctx, client, k.SHA256); err != nil {
			return err
		}
	}
	return g.Peer(Peering{Member: member, Certificate: cert, Roots: roots, Servers: s.Servers})
}

// registerKeyHash adds an API key of a subsystem by its SHA-256, once.
func (g *Gateway) registerKeyHash(ctx context.Context, client ClientID, hash string) error {
	defer g.invalidate()
	if b, err := hex.DecodeString(hash); err != nil || len(b) != 32 {
		return fmt.Errorf("gateway: key of %s: not a SHA-256 in hex", client)
	}
	res, err := g.db.ExecContext(ctx, `INSERT INTO gateway_api_keys (key_hash, client_id, created_at)
		SELECT $1, id, $3 FROM gateway_subsystems WHERE id = $2 ON CONFLICT DO NOTHING`, hash, client.String(), now())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if ok, err := g.exists(ctx, `SELECT 1 FROM gateway_api_keys WHERE key_hash = $1`, hash); err != nil || ok {
			return err
		}
		return fmt.Errorf("gateway: key of unknown subsystem %s", client)
	}
	return nil
}

// httpProvider passes a checked request on to a provider over HTTP.
func httpProvider(target *url.URL) http.Handler {
	if target.Path == "" {
		// JoinPath on an empty path would give a path without its "/".
		t := *target
		t.Path = "/"
		target = &t
	}
	return &remoteProvider{target: target}
}

// remoteProvider is a provider reached over HTTP. serve has already
// built the request it passes (headers filtered, body read) and collects
// the answer in a recorder, so this is one round trip rather than a
// reverse proxy, which would copy the request again and stream the answer
// through a 32 KiB buffer of its own for every exchange (half of what the
// provider's security server allocated under load).
type remoteProvider struct{ target *url.URL }

func (p *remoteProvider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec, ok := w.(*recorder)
	if !ok {
		panic("gateway: a remote provider answers into serve's recorder only")
	}
	// The provider's base path, then the request's (serve has refused
	// dot segments and empty ones but a last).
	u := p.target.JoinPath(r.URL.EscapedPath())
	u.RawQuery = r.URL.RawQuery
	out := r.WithContext(r.Context())
	out.URL, out.Host, out.RequestURI = u, p.target.Host, ""
	resp, err := providerTransport.RoundTrip(out)
	if err != nil {
		rec.failure = xerr(ErrServiceFailed, "The service provider could not be reached.")
		return
	}
	defer resp.Body.Close()
	copyFiltered(rec.header, resp.Header)
	rec.WriteHeader(resp.StatusCode)
	body, err := readBody(resp.Body, resp.ContentLength, rec.max)
	switch {
	case errors.Is(err, errTooLarge):
		rec.tooBig = true
	case err != nil:
		rec.failure = xerr(ErrServiceFailed, "The service provider's answer could not be read.")
	default:
		rec.body = body
	}
}

var providerTransport = &http.Transport{
	Proxy:               nil,
	MaxIdleConns:        1024,
	MaxIdleConnsPerHost: 256,
	IdleConnTimeout:     90 * time.Second,
	ForceAttemptHTTP2:   true,
	DisableCompression:  true,
}
