// Package gateway is egov's data-exchange layer between the information
// systems of state bodies, compatible with X-Road's Message Protocol for
// REST (r1) and its REST metaservices.
//
// This is the provider side of one in-process security server: requests
// come in at /r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/{SERVICECODE}[/path]
// (from outside callers over HTTP, or from egov's own modules through
// Client), are checked — the caller is authenticated, the service known, the
// endpoint granted to the calling subsystem — and only then handed to the
// provider, an http.Handler called in process. Every exchange is written
// to a hash-chained message log whose head the security server's key
// signs in batches, and every read about a person goes to the data tracker
// that the person sees in the cabinet.
//
// Authentication. A member's own system proves which subsystem it is with
// an API key issued by the admin (IssueKey) in the X-Egov-Api-Key header;
// only the key's SHA-256 is stored. Between security servers (peer.go),
// mutual TLS with certificates from the federation's CA names the member,
// and each request and response is signed with the certificate's key. The header is not passed to the provider.
// (Authorization is not used, because X-Road passes it to the provider
// unmodified, for the provider's own JWTs.) Client, for egov's modules in
// the same process, needs no key.
//
// The purpose of a request travels in the X-Road-Purpose header, beside
// X-Road-UserId (the official acting) and X-Road-Issue.
package gateway

import (
	"embed"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/egov/egov/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations create the gateway_… tables.
var Migrations = store.Migrations{Module: "gateway", FS: store.MustSub(migrationsFS, "migrations")}

// Headers of the REST protocol, and egov's own.
const (
	HeaderClient           = "X-Road-Client"
	HeaderService          = "X-Road-Service"
	HeaderID               = "X-Road-Id"
	HeaderUserID           = "X-Road-UserId"
	HeaderIssue            = "X-Road-Issue"
	HeaderRepresentedParty = "X-Road-Represented-Party"
	HeaderRequestID        = "X-Road-Request-Id"
	HeaderRequestHash      = "X-Road-Request-Hash"
	HeaderError            = "X-Road-Error"
	// HeaderPurpose is egov's extension: why the data is read. It is shown
	// to the person in the data tracker.
	HeaderPurpose = "X-Road-Purpose"
	// HeaderAPIKey authenticates an outside client subsystem (see the
	// package comment).
	HeaderAPIKey = "X-Egov-Api-Key"
)

// Gateway is the security server: its configuration in the database, the
// in-process providers, the message log and the data tracker.
type Gateway struct {
	db     *store.DB
	logger *slog.Logger

	mu        sync.RWMutex
	providers map[string]http.Handler // by unversioned service ID
	specs     sync.Map                // unversioned service ID → *parsedSpec
	remote    sync.Map                // service ID + provider URL → reverse proxy

	// MaxBody is the largest request or response body accepted (bytes).
	MaxBody int64

	signMu sync.Mutex
	key    *signingKey

	peer *peering // set by Peer: this server among others

	logs     *logBatcher  // group commit of the message log
	inFlight atomic.Int64 // exchanges being served now
	conf     confCache    // configuration read by every exchange (cache.go)

	opts       Options // set by Configure
	keySealer  *sealer // seals the signing key (nil without a secret)
	bodySealer *sealer // seals logged bodies (nil without a secret)
}

// New returns the gateway on db.
func New(db *store.DB, logger *slog.Logger) *Gateway {
	if logger == nil {
		logger = slog.Default()
	}
	g := &Gateway{db: db, logger: logger, providers: map[string]http.Handler{}, MaxBody: 10 << 20}
	g.logs = newLogBatcher(g)
	return g
}

// AttachProvider makes h serve the service id in this process. Services
// registered with RegisterService are attached already; call this on a
// replica that did not register them itself.
func (g *Gateway) AttachProvider(id ServiceID, h http.Handler) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.providers[id.Unversioned().String()] = h
}

func (g *Gateway) provider(id ServiceID) http.Handler {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.providers[id.Unversioned().String()]
}

// providerFor is the handler serving svc: the one attached in process,
// else a reverse proxy to its provider URL (made once per URL, so its
// connections are reused).
func (g *Gateway) providerFor(svc *Service) http.Handler {
	if h := g.provider(svc.ID); h != nil || svc.ProviderURL == "" {
		return h
	}
	key := svc.ID.Unversioned().String() + "|" + svc.ProviderURL
	if h, ok := g.remote.Load(key); ok {
		return h.(http.Handler)
	}
	u, err := url.Parse(svc.ProviderURL)
	if err != nil {
		return nil
	}
	h, _ := g.remote.LoadOrStore(key, httpProvider(u))
	return h.(http.Handler)
}

// attach attaches the in-process provider of a service just registered.
func (g *Gateway) attach(svc *Service, h http.Handler) {
	if h != nil {
		g.AttachProvider(svc.ID, h)
	}
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
