package gateway

import (
	"net/http"
	"strings"
)

// The REST metaservices (X-Road's Service Metadata Protocol for REST).

type metaEndpoints struct {
	Service []metaService `json:"service"`
}

type metaService struct {
	MemberClass    string     `json:"member_class"`
	MemberCode     string     `json:"member_code"`
	ObjectType     string     `json:"object_type"`
	ServiceCode    string     `json:"service_code"`
	ServiceType    string     `json:"service_type"`
	ServiceVersion string     `json:"service_version,omitempty"`
	SubsystemCode  string     `json:"subsystem_code"`
	XRoadInstance  string     `json:"xroad_instance"`
	EndpointList   []Endpoint `json:"endpoint_list"`
}

type metaClients struct {
	Member []metaClient `json:"member"`
}

type metaClient struct {
	ID   metaClientID `json:"id"`
	Name string       `json:"name"`
}

type metaClientID struct {
	MemberClass   string `json:"member_class"`
	MemberCode    string `json:"member_code"`
	ObjectType    string `json:"object_type"`
	SubsystemCode string `json:"subsystem_code,omitempty"`
	XRoadInstance string `json:"xroad_instance"`
}

// listClients answers GET /r1/listClients and /r1/{INSTANCE}/listClients:
// the members and subsystems of the instance. Like X-Road's, it is open
// to anyone: it is what global configuration publishes anyway.
func (g *Gateway) listClients(w http.ResponseWriter, r *http.Request, ex *exchange, instance []string) *XRoadError {
	inst := "AZ"
	if len(instance) == 1 {
		inst = instance[0]
		if err := checkPart("instance", inst); err != nil {
			return xerr(ErrBadRequest, err.Error())
		}
	}
	list, err := g.Clients(r.Context(), inst)
	if err != nil {
		return g.dbError(err)
	}
	out := metaClients{Member: []metaClient{}}
	for _, c := range list {
		typ, name := "MEMBER", c.MemberName
		if c.ID.IsSubsystem() {
			typ, name = "SUBSYSTEM", c.MemberName
		}
		out.Member = append(out.Member, metaClient{Name: name, ID: metaClientID{MemberClass: c.ID.Class, MemberCode: c.ID.Member,
			ObjectType: typ, SubsystemCode: c.ID.Subsystem, XRoadInstance: c.ID.Instance}})
	}
	return g.answerMeta(w, r, ex, out, nil)
}

// metaservice answers listMethods, allowedMethods and getOpenAPI of the
// provider subsystem named in the URL.
func (g *Gateway) metaservice(w http.ResponseWriter, r *http.Request, ex *exchange) *XRoadError {
	ctx := r.Context()
	if r.Method != http.MethodGet {
		return xerr(ErrBadRequest, "Metaservices answer GET only.")
	}
	provider := ex.service.Provider
	known, err := g.exists(ctx, `SELECT 1 FROM gateway_subsystems WHERE id = $1`, provider.String())
	if err != nil {
		return g.dbError(err)
	}
	if !known {
		return xerr(ErrUnknownService, "Unknown service provider: "+provider.String())
	}
	services, err := g.Services(ctx, provider)
	if err != nil {
		return g.dbError(err)
	}
	switch ex.service.Code {
	case "getOpenAPI":
		code := r.URL.Query().Get("serviceCode")
		for _, s := range services {
			if s.ID.Code == code {
				return g.answerMeta(w, r, ex, nil, s.OpenAPI)
			}
		}
		return xerr(ErrUnknownService, "Unknown service code: "+code)
	case "listMethods", "allowedMethods":
		out := metaEndpoints{Service: []metaService{}}
		for _, s := range services {
			eps := s.Endpoints
			if ex.service.Code == "allowedMethods" {
				grants, err := g.grants(ctx, ex.client, s.ID)
				if err != nil {
					return g.dbError(err)
				}
				eps = allowedEndpoints(s.Endpoints, grants)
				if len(eps) == 0 {
					continue
				}
			}
			if eps == nil {
				eps = []Endpoint{}
			}
			out.Service = append(out.Service, metaService{MemberClass: provider.Class, MemberCode: provider.Member, ObjectType: "SERVICE",
				ServiceCode: s.ID.Code, ServiceType: "OPENAPI", ServiceVersion: s.ID.Version, SubsystemCode: provider.Subsystem,
				XRoadInstance: provider.Instance, EndpointList: eps})
		}
		return g.answerMeta(w, r, ex, out, nil)
	}
	return xerr(ErrUnknownService, "Unknown metaservice")
}

// allowedEndpoints are the endpoints some grant covers.
func allowedEndpoints(eps, grants []Endpoint) []Endpoint {
	var out []Endpoint
	for _, e := range eps {
		for _, gr := range grants {
			if (gr.Method == "*" || strings.EqualFold(gr.Method, e.Method)) && pathMatches(splitPath(gr.Path), splitPath(e.Path)) {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

// answerMeta writes a metaservice's answer (v as JSON, or raw as is) with
// the protocol's response headers, and logs it.
func (g *Gateway) answerMeta(w http.ResponseWriter, r *http.Request, ex *exchange, v any, raw []byte) *XRoadError {
	body := raw
	if body == nil {
		var err error
		body, err = jsonBytes(v)
		if err != nil {
			return xerr(ErrServiceFailed, "Could not encode the answer.")
		}
	}
	q := ""
	if r.URL.RawQuery != "" {
		q = "?" + r.URL.RawQuery
	}
	ex.requestHash = RequestHash(r.Method, r.URL.EscapedPath()+q, filtered(r.Header, HeaderSignature, HeaderResponseSignature), nil)
	if e := checkPeerRequest(r.Context(), r, ex); e != nil {
		return e
	}
	if err := g.log(r.Context(), ex, http.StatusOK, "", BodyHash(body), nil); err != nil {
		return g.dbError(err)
	}
	if ex.client.Instance != "" {
		g.setResponseHeaders(w, ex)
	} else {
		w.Header().Set(HeaderID, ex.xRoadID)
		w.Header().Set(HeaderRequestID, ex.requestID)
		w.Header().Set(HeaderRequestHash, ex.requestHash)
	}
	if ex.service.Code == "" {
		w.Header().Del(HeaderService)
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	if err := g.signPeerResponse(r.Context(), w, ex, http.StatusOK, body); err != nil {
		return xerr(ErrSignature, "The response could not be signed.")
	}
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	return nil
}
