package gateway

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Between security servers. Like X-Road's, egov's gateway runs on both
// sides of an exchange: the consumer's security server (the client proxy)
// takes the request from its member's system, signs it and sends it over
// HTTPS with mutual TLS to the provider's security server (the server
// proxy), which checks the certificate and the signature, the access
// rights, calls the provider, and signs the response; the consumer's side
// checks that signature and the request hash. Both log the exchange.
//
// Members are known by certificates their federation's CA issued, whose
// subject common name is the member's identifier (AZ/GOV/1000000001); the
// certificate's ECDSA key also signs the messages.

// Headers between security servers; neither reaches a provider or client.
const (
	// HeaderSignature is the consumer's signature over the request:
	// base64 ASN.1 ECDSA over SHA-256 of requestDigest.
	HeaderSignature = "X-Egov-Signature"
	// HeaderResponseSignature is the provider's signature over the
	// response: base64 ASN.1 ECDSA over SHA-256 of responseDigest.
	HeaderResponseSignature = "X-Egov-Response-Signature"
)

// X-Road error types of the exchange between security servers.
const (
	ErrServerAuth      = "Server.ServerProxy.SslAuthenticationFailed"
	ErrSignature       = "Server.ServerProxy.InvalidSignatureValue"
	ErrClientSignature = "Server.ClientProxy.InvalidSignatureValue"
	ErrNetwork         = "Server.ClientProxy.NetworkError"
	ErrUnknownServer   = "Server.ClientProxy.UnknownMember"
)

// Peering is a security server's place among the others.
type Peering struct {
	Member      ClientID        // this server's member (no subsystem)
	Certificate tls.Certificate // issued to Member; its ECDSA key signs messages
	Roots       *x509.CertPool  // the federation's CA
	Servers     map[string]string
	// Servers maps a member identifier (AZ/GOV/1000000001) to the base
	// URL of its security server's server proxy, https://host:port.
	Timeout time.Duration // per exchange; 30 s when zero
}

type peering struct {
	Peering
	signer   *batchSigner
	roots    verifiedRoots // batch signatures verified already
	client   *http.Client
	verified sync.Map // certificate signature → verifiedCert
}

// peerCtx marks a request that came from another security server, with
// the member its certificate names and the key that must have signed it.
type peerCtx struct {
	member ClientID
	key    *ecdsa.PublicKey
}

const keyPeer ctxKey = 1

// MemberOf reads the member a certificate was issued to.
func MemberOf(cert *x509.Certificate) (ClientID, error) {
	id, err := ParseClientID(cert.Subject.CommonName)
	if err != nil || id.Subsystem != "" {
		return ClientID{}, fmt.Errorf("gateway: certificate subject %q is not a member identifier", cert.Subject.CommonName)
	}
	return id, nil
}

// Peer makes g one security server among others: requests its member's
// systems send to another member's service go to that member's security
// server over mutual TLS.
func (g *Gateway) Peer(p Peering) error {
	if p.Certificate.Leaf == nil && len(p.Certificate.Certificate) > 0 {
		leaf, err := x509.ParseCertificate(p.Certificate.Certificate[0])
		if err != nil {
			return err
		}
		p.Certificate.Leaf = leaf
	}
	if p.Certificate.Leaf == nil {
		return errors.New("gateway: peering needs a certificate")
	}
	if m, err := MemberOf(p.Certificate.Leaf); err != nil || m != p.Member.MemberID() {
		return fmt.Errorf("gateway: the certificate is not %s's", p.Member)
	}
	signer, ok := p.Certificate.PrivateKey.(*ecdsa.PrivateKey)
	if !ok {
		return errors.New("gateway: the certificate's key must be ECDSA")
	}
	if p.Timeout == 0 {
		p.Timeout = 30 * time.Second
	}
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{p.Certificate},
		// The server is known by the member its certificate names, not by
		// a host name: VerifyConnection checks the chain and the member.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			_, err := verifyPeerCertificate(cs, p.Roots, x509.ExtKeyUsageServerAuth)
			return err
		},
		// New connections to a server already met resume the TLS session
		// (the certificate is still checked, by VerifyConnection).
		ClientSessionCache: tls.NewLRUClientSessionCache(256),
	}
	g.peer = &peering{Peering: p, signer: newBatchSigner(signer, signWindow, g.othersInFlight, func() int { return int(g.inFlight.Load()) }), client: &http.Client{
		Timeout: p.Timeout,
		// HTTP/1.1 over a pool of kept-alive connections: under load it
		// outruns one multiplexed HTTP/2 connection (bench/gateway).
		Transport: &http.Transport{TLSClientConfig: cfg, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second},
		// A provider's redirect is its answer, passed back as it is.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	return nil
}

// clientMember is verifyPeerCertificate for the server proxy's callers,
// remembered per certificate for a minute (never past its expiry): the
// handshake checked the chain already, and every request on a connection
// would otherwise verify it again, costing more than the request itself.
func (p *peering) clientMember(cs tls.ConnectionState) (ClientID, error) {
	if len(cs.PeerCertificates) == 0 {
		return ClientID{}, errors.New("gateway: no peer certificate")
	}
	leaf := cs.PeerCertificates[0]
	key := string(leaf.Signature)
	if v, ok := p.verified.Load(key); ok {
		c := v.(verifiedCert)
		if now := time.Now(); now.Before(c.until) && now.Before(leaf.NotAfter) {
			return c.member, nil
		}
	}
	member, err := verifyPeerCertificate(cs, p.Roots, x509.ExtKeyUsageClientAuth)
	if err != nil {
		p.verified.Delete(key)
		return ClientID{}, err
	}
	p.verified.Store(key, verifiedCert{member: member, until: time.Now().Add(time.Minute)})
	return member, nil
}

type verifiedCert struct {
	member ClientID
	until  time.Time
}

// verifyPeerCertificate checks the other server's chain against roots
// (expiry included) and answers the member it names.
func verifyPeerCertificate(cs tls.ConnectionState, roots *x509.CertPool, usage x509.ExtKeyUsage) (ClientID, error) {
	if len(cs.PeerCertificates) == 0 {
		return ClientID{}, errors.New("gateway: no peer certificate")
	}
	leaf := cs.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
		return ClientID{}, err
	}
	return MemberOf(leaf)
}

// ServerTLSConfig is the TLS configuration of the server proxy's
// listener: this member's certificate, and a client certificate from the
// federation's CA required of every caller.
func (g *Gateway) ServerTLSConfig() *tls.Config {
	p := g.peer
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{p.Certificate},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.Roots,
	}
}

// ServerProxy serves other security servers: the same /r1/ protocol, the
// caller known by its certificate instead of an API key, the request's
// signature checked before anything reaches the provider, and the
// response signed.
func (g *Gateway) ServerProxy() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := newExchange(r)
		if g.peer == nil || r.TLS == nil {
			g.fail(w, r, ex, xerr(ErrServerAuth, "The server proxy takes requests over mutual TLS only."))
			return
		}
		member, err := g.peer.clientMember(*r.TLS)
		if err != nil {
			g.fail(w, r, ex, xerr(ErrServerAuth, "The client security server's certificate is not trusted."))
			return
		}
		key, ok := r.TLS.PeerCertificates[0].PublicKey.(*ecdsa.PublicKey)
		if !ok {
			g.fail(w, r, ex, xerr(ErrServerAuth, "The client security server's key is not ECDSA."))
			return
		}
		ctx := context.WithValue(r.Context(), keyPeer, peerCtx{member: member, key: key})
		if e := g.serve(w, r.WithContext(ctx), ex); e != nil {
			g.fail(w, r, ex, e)
		}
	})
}

// requestDigest is what the consumer's server signs: the exchange's
// identity and the hash of the request as the provider will receive it.
func requestDigest(xRoadID string, client ClientID, service ServiceID, requestHash string) []byte {
	sum := sha256.Sum256([]byte("egov-r1-request-1\n" + xRoadID + "\n" + client.String() + "\n" + service.String() + "\n" + requestHash))
	return sum[:]
}

// responseDigest is what the provider's server signs: the request it
// answers and the response.
func responseDigest(xRoadID, requestHash string, status int, bodyHash string) []byte {
	sum := sha256.Sum256([]byte("egov-r1-response-1\n" + xRoadID + "\n" + requestHash + "\n" + strconv.Itoa(status) + "\n" + bodyHash))
	return sum[:]
}

// sign answers the signature header for digest, signed alone or in a
// batch (batchsign.go).
func (p *peering) sign(digest []byte) (string, error) {
	return p.signer.sign(digest)
}

// verify checks a signature header from another security server.
func (p *peering) verify(key *ecdsa.PublicKey, digest []byte, header string) bool {
	return p.roots.verify(key, digest, header)
}

// checkPeerRequest is the server proxy's part of serve once the request
// hash is known: the client belongs to the calling server's member and
// the request carries that member's signature.
func (g *Gateway) checkPeerRequest(ctx context.Context, r *http.Request, ex *exchange) *XRoadError {
	p, ok := ctx.Value(keyPeer).(peerCtx)
	if !ok || g.peer == nil {
		return nil
	}
	if !g.peer.verify(p.key, requestDigest(ex.xRoadID, ex.client, ex.service, ex.requestHash), r.Header.Get(HeaderSignature)) {
		return xerr(ErrSignature, "The request's signature does not verify: it was changed on the way or not signed by "+p.member.String())
	}
	return nil
}

// signPeerResponse signs the response for the consumer's server, when the
// request came from one.
func (g *Gateway) signPeerResponse(ctx context.Context, w http.ResponseWriter, ex *exchange, status int, body []byte) error {
	return g.startResponseSignature(ctx, ex, status, BodyHash(body))(w)
}

// startResponseSignature starts signing the response, when the request
// came from another security server, and returns what sets the signature
// header once it is ready: the caller logs the exchange meanwhile, so
// under load the signature's batch and the log's gather at once rather
// than one after the other.
func (g *Gateway) startResponseSignature(ctx context.Context, ex *exchange, status int, bodyHash string) func(http.ResponseWriter) error {
	if _, ok := ctx.Value(keyPeer).(peerCtx); !ok || g.peer == nil {
		return func(http.ResponseWriter) error { return nil }
	}
	done := g.peer.signer.start(responseDigest(ex.xRoadID, ex.requestHash, status, bodyHash))
	return func(w http.ResponseWriter) error {
		res := <-done
		if res.err != nil {
			return res.err
		}
		w.Header().Set(HeaderResponseSignature, res.header)
		return nil
	}
}

// forward sends a request for another member's service to that member's
// security server, as the consumer's side of the exchange.
func (g *Gateway) forward(w http.ResponseWriter, r *http.Request, ex *exchange, relEscaped string) *XRoadError {
	ctx := r.Context()
	p := g.peer
	base, ok := p.Servers[ex.service.Provider.MemberID().String()]
	if !ok {
		return xerr(ErrUnknownServer, "No security server is known for member "+ex.service.Provider.MemberID().String())
	}
	body, err := g.readRequestBody(w, r)
	if err != nil {
		return xerr(ErrBadRequest, "The request body could not be read or is too large.")
	}
	ex.body = body
	target := "/r1/" + ex.service.Encoded() + relEscaped
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	header := filtered(r.Header, HeaderRequestHash, HeaderRequestID, HeaderError, HeaderSignature, HeaderResponseSignature)
	dropOwnCookies(header)
	header.Set(HeaderClient, ex.client.Encoded())
	header.Set(HeaderService, ex.service.Encoded())
	header.Set(HeaderID, ex.xRoadID)
	if header.Get("Accept") == "" {
		header.Set("Accept", "application/json")
	}
	ex.requestHash = RequestHash(r.Method, target, header, body)
	sig, err := p.sign(requestDigest(ex.xRoadID, ex.client, ex.service, ex.requestHash))
	if err != nil {
		return xerr(ErrClientSignature, "The request could not be signed.")
	}
	out, err := http.NewRequestWithContext(ctx, r.Method, base+target, bytes.NewReader(body))
	if err != nil {
		return xerr(ErrNetwork, "The provider's security server address is not usable.")
	}
	out.Header = header // filtered made it a copy already
	out.Header.Set(HeaderSignature, sig)
	resp, err := p.client.Do(out)
	if err != nil {
		var certErr *tls.CertificateVerificationError
		var alert tls.AlertError
		if errors.As(err, &certErr) || errors.As(err, &alert) || isTLSRefusal(err) {
			return xerr(ErrAuthFailed, "Mutual TLS with the provider's security server failed: "+tlsReason(err))
		}
		return xerr(ErrNetwork, "The provider's security server could not be reached.")
	}
	defer resp.Body.Close()
	rbody, err := readBody(resp.Body, resp.ContentLength, g.MaxBody)
	if err != nil {
		return xerr(ErrNetwork, "The provider's security server's answer could not be read or is too large.")
	}
	if xe := resp.Header.Get(HeaderError); xe != "" {
		// The provider's side refused: its X-Road error goes back as it is.
		if err := g.log(ex, resp.StatusCode, xe, rbody, BodyHash(rbody), nil); err != nil {
			return g.dbError(err)
		}
		copyResponse(w, resp, rbody, ex)
		return nil
	}
	if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
		return xerr(ErrClientSignature, "The provider's answer came without its certificate.")
	}
	key, ok := resp.TLS.PeerCertificates[0].PublicKey.(*ecdsa.PublicKey)
	responseHash := BodyHash(rbody)
	if !ok || !p.verify(key, responseDigest(ex.xRoadID, ex.requestHash, resp.StatusCode, responseHash), resp.Header.Get(HeaderResponseSignature)) {
		return xerr(ErrClientSignature, "The provider's response signature does not verify.")
	}
	if got := resp.Header.Get(HeaderRequestHash); got != ex.requestHash {
		return xerr(ErrClientSignature, "The provider answered a different request: the request hash does not match.")
	}
	if err := g.log(ex, resp.StatusCode, "", rbody, responseHash, nil); err != nil {
		return g.dbError(err)
	}
	copyResponse(w, resp, rbody, ex)
	return nil
}

// copyResponse passes the provider side's answer to the client.
func copyResponse(w http.ResponseWriter, resp *http.Response, body []byte, ex *exchange) {
	h := w.Header()
	copyFiltered(h, resp.Header, HeaderResponseSignature)
	h.Set(HeaderID, ex.xRoadID)
	if ex.requestID != "" && h.Get(HeaderRequestID) == "" {
		h.Set(HeaderRequestID, ex.requestID)
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(body)
}

// isTLSRefusal reports whether err is the server refusing the handshake
// over a certificate. A received alert's type is not exported, so its
// text ("remote error: tls: …") is what can be told apart.
func isTLSRefusal(err error) bool {
	s := err.Error()
	return strings.Contains(s, "tls: ") || strings.Contains(s, "x509: ")
}

func tlsReason(err error) string {
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return certErr.Err.Error()
	}
	var alert tls.AlertError
	if errors.As(err, &alert) {
		return alert.Error()
	}
	return "the handshake was refused"
}
