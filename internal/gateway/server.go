package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/google/uuid"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/nationalid"
)

type ctxKey int

// keyInProcess marks a request made through Client: its value is the
// ClientID the process vouches for, in place of an API key.
const keyInProcess ctxKey = 0

// exchange is one request through the gateway, as the message log and
// the data tracker record it.
type exchange struct {
	xRoadID, requestID string
	client             ClientID
	clientRaw          string
	service            ServiceID
	method             string
	userID, purpose    string
	issue, represented string
	requestHash        string
	body               []byte // the request body, once read
}

// ServeHTTP serves the REST protocol at /r1/… to its member's systems (and
// to egov's modules in process).
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ex := newExchange(r)
	if e := g.serve(w, r, ex); e != nil {
		g.fail(w, r, ex, e)
	}
}

// newExchange reads the protocol's headers of a request.
func newExchange(r *http.Request) *exchange {
	ex := &exchange{
		requestID:   newID(),
		xRoadID:     r.Header.Get(HeaderID),
		method:      r.Method,
		clientRaw:   r.Header.Get(HeaderClient),
		userID:      r.Header.Get(HeaderUserID),
		purpose:     r.Header.Get(HeaderPurpose),
		issue:       r.Header.Get(HeaderIssue),
		represented: r.Header.Get(HeaderRepresentedParty),
	}
	if ex.xRoadID == "" {
		ex.xRoadID = newID()
	}
	return ex
}

// newID is a time-ordered UUID (version 7, RFC 9562): the message log's
// index of X-Road ids then grows at its end instead of touching a random
// page for every exchange, which was most of what each batch wrote.
func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// fail answers e and logs the failed exchange.
func (g *Gateway) fail(w http.ResponseWriter, r *http.Request, ex *exchange, e *XRoadError) {
	e.Detail = ex.xRoadID
	if e.Status >= 500 && e.Type != ErrAccessDenied && e.Type != ErrUnknownService {
		g.logger.Warn("gateway: exchange failed", "type", e.Type, "message", e.Message, "x_road_id", ex.xRoadID)
	}
	body := xroadErrorBody(r, e)
	if err := g.log(ex, e.Status, e.Type, body, BodyHash(body), nil); err != nil {
		g.logger.Error("gateway: log failed exchange", "err", err, "x_road_id", ex.xRoadID)
	}
	w.Header().Set(HeaderID, ex.xRoadID)
	w.Header().Set(HeaderRequestID, ex.requestID)
	writeXRoadError(w, r, e, body)
}

// maxURI is the longest request URI accepted (§4.2 suggests limiting it).
const maxURI = 4096

// dropOwnCookies removes egov's own cookies (session, CSRF) from a
// request going to a provider; other cookies pass as the protocol says.
func dropOwnCookies(h http.Header) {
	cookies := (&http.Request{Header: h}).Cookies()
	h.Del("Cookie")
	var keep []string
	for _, c := range cookies {
		if !strings.HasPrefix(c.Name, "egov_") {
			keep = append(keep, c.Name+"="+c.Value)
		}
	}
	if len(keep) > 0 {
		h.Set("Cookie", strings.Join(keep, "; "))
	}
}

func cleanHeaderValue(s string) bool {
	if len(s) > 255 {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, ex *exchange) *XRoadError {
	g.inFlight.Add(1)
	defer g.inFlight.Add(-1)
	ctx := r.Context()
	for _, v := range []string{ex.xRoadID, ex.userID, ex.purpose, ex.issue, ex.represented} {
		if !cleanHeaderValue(v) {
			return xerr(ErrBadRequest, "An X-Road header is too long or holds control characters.")
		}
	}
	if len(r.URL.RequestURI()) > maxURI {
		return xerr(ErrBadRequest, fmt.Sprintf("The request URI is longer than %d characters: send large data in the body.", maxURI))
	}
	raw := r.URL.EscapedPath()
	if !strings.HasPrefix(raw, "/r1/") {
		return xerr(ErrBadRequest, "The request URL does not follow the X-Road Message Protocol for REST (r1): /r1/{serviceId}[/path].")
	}
	parts := strings.Split(strings.TrimPrefix(raw, "/r1/"), "/")
	if (len(parts) == 1 || len(parts) == 2) && parts[len(parts)-1] == "listClients" && r.Method == http.MethodGet {
		return g.listClients(w, r, ex, parts[:len(parts)-1])
	}
	if len(parts) < 5 {
		return xerr(ErrBadRequest, "The request URL names no service: want /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICECODE[/path].")
	}
	service, err := ParseServiceID(strings.Join(parts[:5], "/"))
	if err != nil {
		return xerr(ErrBadRequest, "Malformed service identifier in the request URL: "+err.Error())
	}
	ex.service = service
	rest := parts[5:]
	var relPath, relEscaped string
	for i, seg := range rest {
		d, err := url.PathUnescape(seg)
		// An empty segment only at the end: a path may end in "/" (the
		// GovStack Consent paths do), but "//" inside one is malformed.
		if err != nil || d == "." || d == ".." || strings.ContainsAny(d, "/\\") || (d == "" && i < len(rest)-1) {
			return xerr(ErrBadRequest, "Malformed path after the service identifier.")
		}
	}
	if len(rest) > 0 {
		relEscaped = "/" + strings.Join(rest, "/")
		relPath, _ = url.PathUnescape(relEscaped)
	}

	if ex.clientRaw == "" {
		return xerr(ErrBadRequest, "The X-Road-Client header is missing.")
	}
	client, err := ParseClientID(ex.clientRaw)
	if err != nil {
		return xerr(ErrInvalidClient, "Malformed X-Road-Client header: "+err.Error())
	}
	ex.client = client
	if p, ok := ctx.Value(keyPeer).(peerCtx); ok {
		// From another security server: its certificate vouches for its
		// own member's subsystems only (the signature is checked below).
		if client.MemberID() != p.member {
			return xerr(ErrServerAuth, "The client "+client.String()+" is not a subsystem of "+p.member.String()+", whose security server called.")
		}
	} else {
		if e := g.authenticate(ctx, r, client); e != nil {
			return e
		}
		if g.peer != nil && service.Provider.MemberID() != g.peer.Member.MemberID() {
			if client.MemberID() != g.peer.Member.MemberID() {
				return xerr(ErrAuthFailed, "This security server serves "+g.peer.Member.String()+"'s systems only.")
			}
			return g.forward(w, r, ex, relEscaped)
		}
	}

	if len(rest) == 0 {
		switch service.Code {
		case "listMethods", "allowedMethods", "getOpenAPI":
			return g.metaservice(w, r, ex)
		}
	}

	svc, err := g.Service(ctx, service)
	if errs.KindOf(err) == errs.NotFound {
		return xerr(ErrUnknownService, "Unknown service: "+service.String())
	}
	if err != nil {
		return g.dbError(err)
	}
	h := g.providerFor(svc)
	if h == nil {
		return xerr(ErrServiceFailed, "No provider is attached to service "+service.String())
	}
	checkPath := relPath
	if checkPath == "" {
		checkPath = "/"
	}
	ok, err := g.Allowed(ctx, client, service, r.Method, checkPath)
	if err != nil {
		return g.dbError(err)
	}
	if !ok {
		return xerr(ErrAccessDenied, fmt.Sprintf("Request is not allowed: %s may not call %s %s of %s", client, r.Method, endpointOf(svc, r.Method, checkPath), service))
	}

	body, err := g.readRequestBody(w, r)
	if err != nil {
		return xerr(ErrBadRequest, "The request body could not be read or is too large.")
	}
	ex.body = body
	target := svc.BasePath + relEscaped
	if target == "" {
		target = "/"
	}
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	preq, err := http.NewRequestWithContext(ctx, r.Method, target, bytes.NewReader(body))
	if err != nil {
		return xerr(ErrBadRequest, "The request could not be passed on.")
	}
	preq.Header = filtered(r.Header, HeaderRequestHash, HeaderRequestID, HeaderError, HeaderSignature, HeaderResponseSignature)
	dropOwnCookies(preq.Header)
	preq.Header.Set(HeaderClient, client.Encoded())
	preq.Header.Set(HeaderService, service.Encoded())
	preq.Header.Set(HeaderID, ex.xRoadID)
	if preq.Header.Get("Accept") == "" {
		preq.Header.Set("Accept", "application/json")
	}
	preq.RemoteAddr = r.RemoteAddr
	q := ""
	if r.URL.RawQuery != "" {
		q = "?" + r.URL.RawQuery
	}
	ex.requestHash = RequestHash(r.Method, "/r1/"+service.Encoded()+relEscaped+q, preq.Header, body)
	if e := g.checkPeerRequest(ctx, r, ex); e != nil {
		return e
	}

	rec := &recorder{header: http.Header{}, max: g.MaxBody}
	if e := callProvider(h, rec, preq); e != nil {
		return e
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.tooBig {
		return xerr(ErrServiceFailed, "The provider's response is too large.")
	}

	var fins []string
	if rec.status >= 200 && rec.status < 300 {
		fins = g.persons(svc, r.Method, relPath, preq.URL.Query(), ex.represented)
	}
	responseHash := BodyHash(rec.body)
	setSignature := g.startResponseSignature(ctx, ex, rec.status, responseHash)
	if err := g.log(ex, rec.status, "", rec.body, responseHash, fins); err != nil {
		return g.dbError(err)
	}
	h2 := w.Header()
	copyFiltered(h2, rec.header, HeaderClient, HeaderService, HeaderID, HeaderRequestID, HeaderRequestHash, HeaderError)
	g.setResponseHeaders(w, ex)
	if err := setSignature(w); err != nil {
		return xerr(ErrSignature, "The response could not be signed.")
	}
	w.WriteHeader(rec.status)
	w.Write(rec.body)
	return nil
}

func (g *Gateway) setResponseHeaders(w http.ResponseWriter, ex *exchange) {
	h := w.Header()
	h.Set(HeaderClient, ex.client.Encoded())
	h.Set(HeaderService, ex.service.Encoded())
	h.Set(HeaderID, ex.xRoadID)
	h.Set(HeaderRequestID, ex.requestID)
	h.Set(HeaderRequestHash, ex.requestHash)
}

func endpointOf(svc *Service, method, path string) string {
	for _, e := range svc.Endpoints {
		if e.Matches(method, path) {
			return e.Path
		}
	}
	return path
}

func (g *Gateway) dbError(err error) *XRoadError {
	g.logger.Error("gateway: database", "err", err)
	return xerr(ErrDatabase, "Error accessing the security server's database.")
}

// authenticate checks that the caller is the client it names: a process
// vouching for it through Client, or the holder of one of its API keys.
func (g *Gateway) authenticate(ctx context.Context, r *http.Request, client ClientID) *XRoadError {
	if vouched, ok := ctx.Value(keyInProcess).(ClientID); ok {
		if vouched != client {
			return xerr(ErrAuthFailed, "The in-process client is not "+client.String())
		}
		known, err := cached(g, "subsystem|"+client.String(), func() (bool, error) {
			return g.exists(ctx, `SELECT 1 FROM gateway_subsystems WHERE id = $1`, client.String())
		})
		if err != nil {
			return g.dbError(err)
		}
		if !known {
			return xerr(ErrUnknownMember, "Unknown client "+client.String())
		}
		return nil
	}
	key := r.Header.Get(HeaderAPIKey)
	if key == "" {
		return xerr(ErrAuthFailed, "The client is not authenticated: send the subsystem's API key in "+HeaderAPIKey+".")
	}
	owner, err := g.keyClient(ctx, key)
	if err != nil {
		return g.dbError(err)
	}
	if owner != client.String() {
		return xerr(ErrAuthFailed, "The API key does not belong to "+client.String())
	}
	return nil
}

// callProvider calls h, turning a panic into ServiceFailed.
func callProvider(h http.Handler, w *recorder, r *http.Request) (e *XRoadError) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				e = xerr(ErrServiceFailed, "The provider aborted the response.")
				return
			}
			e = xerr(ErrServiceFailed, "The provider failed.")
		}
	}()
	h.ServeHTTP(w, r)
	return w.failure
}

// persons lists the FINs a successful request concerned.
func (g *Gateway) persons(svc *Service, method, relPath string, query url.Values, represented string) []string {
	var out []string
	if spec := g.spec(svc); spec != nil {
		out = spec.persons(method, svc.BasePath+relPath, query)
	}
	if represented != "" {
		// X-Road-Represented-Party: [CLASS/]CODE; a person's code is a FIN.
		code := represented[strings.LastIndex(represented, "/")+1:]
		out = append(out, code)
	}
	return distinctFINs(out)
}

// distinctFINs are the FINs in list, upper-cased, once each, in order;
// what is not shaped like a FIN is left out.
func distinctFINs(list []string) []string {
	seen := map[string]bool{}
	var fins []string
	for _, f := range list {
		f = nationalid.NormalizeFIN(f)
		if nationalid.ValidFIN(f) && !seen[f] {
			seen[f] = true
			fins = append(fins, f)
		}
	}
	return fins
}

// spec is svc's parsed OpenAPI description (full provider paths), kept
// per service until its description changes. Comparing the description
// with the one parsed costs a fraction of hashing it on every exchange.
func (g *Gateway) spec(svc *Service) *apiSpec {
	key := svc.ID.Unversioned().String()
	if p, ok := g.specs.Load(key); ok && bytes.Equal(p.(*parsedSpec).openapi, svc.OpenAPI) {
		return p.(*parsedSpec).spec
	}
	s, err := parseOpenAPI(svc.OpenAPI, "")
	if err != nil {
		return nil
	}
	g.specs.Store(key, &parsedSpec{openapi: svc.OpenAPI, spec: s})
	return s
}

// parsedSpec is a service's OpenAPI description and its parse.
type parsedSpec struct {
	openapi []byte
	spec    *apiSpec
}

// log writes the exchange to the message log (with its bodies, sealed,
// when the server keeps them) and its reads of persons to the data
// tracker, in one transaction shared with the exchanges logged at the
// same moment (logbatch.go), and returns once that has committed.
func (g *Gateway) log(ex *exchange, status int, errType string, response []byte, responseHash string, fins []string) error {
	service := ""
	if ex.service.Code != "" {
		service = ex.service.String()
	}
	client := ex.clientRaw
	if ex.client.Instance != "" {
		client = ex.client.String()
	}
	if len(client) > 1024 {
		client = client[:1024]
	}
	// The batch is written under a context of its own: a caller hanging
	// up must not lose the record of what was answered.
	var bodies [2]string
	if g.opts.KeepBodies && g.bodySealer != nil {
		bodies = [2]string{g.bodySealer.seal(bodyLabel("request", ex.requestID), ex.body), g.bodySealer.seal(bodyLabel("response", ex.requestID), response)}
	}
	return g.logs.add(&logEntry{
		msg: Message{XRoadID: ex.xRoadID, RequestID: ex.requestID, Client: client, Service: service,
			Method: ex.method, UserID: ex.userID, Purpose: ex.purpose, Issue: ex.issue, Status: status, ErrorType: errType,
			RequestHash: ex.requestHash, ResponseHash: responseHash},
		bodies: bodies, fins: fins,
	})
}

// readRequestBody reads r's body whole, up to the gateway's MaxBody.
func (g *Gateway) readRequestBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	return readBody(http.MaxBytesReader(w, r.Body, g.MaxBody), r.ContentLength, g.MaxBody)
}

// errTooLarge is a body longer than the gateway takes.
var errTooLarge = errors.New("gateway: body too large")

// readBody reads a body of the declared length (-1: unknown) whole, into
// a buffer of that size rather than one regrown as it fills; more than
// limit bytes is errTooLarge.
func readBody(body io.Reader, declared, limit int64) ([]byte, error) {
	if declared > limit {
		return nil, errTooLarge
	}
	// ReadFrom wants MinRead bytes free before each read, the last one
	// (which finds the end) included.
	buf := bytes.NewBuffer(make([]byte, 0, max(declared, 0)+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(body, limit+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, errTooLarge
	}
	return buf.Bytes(), nil
}

// recorder collects the provider's answer in memory.
type recorder struct {
	header  http.Header
	status  int
	body    []byte
	max     int64
	tooBig  bool
	failure *XRoadError // the provider could not be called, or its answer not read
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if int64(len(r.body)+len(b)) > r.max {
		r.tooBig = true
		return 0, fmt.Errorf("gateway: response larger than %d bytes", r.max)
	}
	r.body = append(r.body, b...)
	return len(b), nil
}
