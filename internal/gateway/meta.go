package gateway

import (
	"encoding/xml"
	"net/http"
	"strings"
)

// The REST metaservices (X-Road's Service Metadata Protocol for REST).

// With Accept: application/xml the same answers are XML: listClients as
// the Service Metadata Protocol's clientList (PR-META), listMethods and
// allowedMethods with the JSON's names as elements under
// restServiceDetailsList, each endpoint an <endpoint> of endpoint_list.

type metaEndpoints struct {
	XMLName xml.Name      `json:"-" xml:"restServiceDetailsList"`
	Service []metaService `json:"service" xml:"service"`
}

type metaService struct {
	MemberClass    string     `json:"member_class" xml:"member_class"`
	MemberCode     string     `json:"member_code" xml:"member_code"`
	ObjectType     string     `json:"object_type" xml:"object_type"`
	ServiceCode    string     `json:"service_code" xml:"service_code"`
	ServiceType    string     `json:"service_type" xml:"service_type"`
	ServiceVersion string     `json:"service_version,omitempty" xml:"service_version,omitempty"`
	SubsystemCode  string     `json:"subsystem_code" xml:"subsystem_code"`
	XRoadInstance  string     `json:"xroad_instance" xml:"xroad_instance"`
	EndpointList   []Endpoint `json:"endpoint_list" xml:"endpoint_list>endpoint"`
}

// xmlClientList is listClients in PR-META's XML.
type xmlClientList struct {
	XMLName xml.Name        `xml:"xrd:clientList"`
	XRD     string          `xml:"xmlns:xrd,attr"`
	ID      string          `xml:"xmlns:id,attr"`
	Member  []xmlClientItem `xml:"xrd:member"`
}

type xmlClientItem struct {
	ID struct {
		ObjectType    string `xml:"id:objectType,attr"`
		XRoadInstance string `xml:"id:xRoadInstance"`
		MemberClass   string `xml:"id:memberClass"`
		MemberCode    string `xml:"id:memberCode"`
		SubsystemCode string `xml:"id:subsystemCode,omitempty"`
	} `xml:"xrd:id"`
	Name string `xml:"xrd:name"`
}

// xmlOf is v as XML when it has an XML form.
func xmlOf(v any) ([]byte, error) {
	if c, ok := v.(metaClients); ok {
		l := xmlClientList{XRD: "http://x-road.eu/xsd/xroad.xsd", ID: "http://x-road.eu/xsd/identifiers"}
		for _, m := range c.Member {
			var it xmlClientItem
			it.ID.ObjectType, it.ID.XRoadInstance, it.ID.MemberClass = m.ID.ObjectType, m.ID.XRoadInstance, m.ID.MemberClass
			it.ID.MemberCode, it.ID.SubsystemCode, it.Name = m.ID.MemberCode, m.ID.SubsystemCode, m.Name
			l.Member = append(l.Member, it)
		}
		v = l
	}
	b, err := xml.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
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
		if wantsXML(r.Header.Values("Accept")) {
			body, err = xmlOf(v)
		} else {
			body, err = jsonBytes(v)
		}
		if err != nil {
			return xerr(ErrServiceFailed, "Could not encode the answer.")
		}
	}
	q := ""
	if r.URL.RawQuery != "" {
		q = "?" + r.URL.RawQuery
	}
	ex.requestHash = RequestHash(r.Method, r.URL.EscapedPath()+q, filtered(r.Header, HeaderSignature, HeaderResponseSignature), nil)
	if e := g.checkPeerRequest(r.Context(), r, ex); e != nil {
		return e
	}
	if err := g.log(ex, http.StatusOK, "", body, BodyHash(body), nil); err != nil {
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
	if raw == nil {
		w.Header().Set("Content-Type", contentTypeOf(body))
	} else {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
	}
	if err := g.signPeerResponse(r.Context(), w, ex, http.StatusOK, body); err != nil {
		return xerr(ErrSignature, "The response could not be signed.")
	}
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	return nil
}
