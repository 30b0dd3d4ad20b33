package gateway

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
)

// X-Road error types the gateway answers with. Client.* errors are the
// caller's (HTTP 400); Server.ClientProxy.* are raised on the consumer's
// side of the exchange (authentication, the client's identity) and
// Server.ServerProxy.* on the provider's (service, access, provider,
// database); both are HTTP 500, as the REST protocol's §4.6 maps them.
const (
	ErrBadRequest     = "Client.BadRequest"
	ErrInvalidClient  = "Client.InvalidClientIdentifier"
	ErrAuthFailed     = "Server.ClientProxy.SslAuthenticationFailed"
	ErrUnknownMember  = "Server.ClientProxy.UnknownMember"
	ErrUnknownService = "Server.ServerProxy.UnknownService"
	ErrAccessDenied   = "Server.ServerProxy.AccessDenied"
	ErrServiceFailed  = "Server.ServerProxy.ServiceFailed"
	ErrDatabase       = "Server.ServerProxy.DatabaseError"
)

// XRoadError is an error the security server answers itself, with the
// X-Road-Error header and a {"type","message","detail"} body; Detail is
// the X-Road-Id of the exchange, to find it in the message log.
type XRoadError struct {
	XMLName xml.Name `json:"-" xml:"error"`
	Status  int      `json:"-" xml:"-"`
	Type    string   `json:"type" xml:"type"`
	Message string   `json:"message" xml:"message"`
	Detail  string   `json:"detail" xml:"detail"`
}

func (e *XRoadError) Error() string { return e.Type + ": " + e.Message }

func xerr(typ, msg string) *XRoadError {
	status := http.StatusInternalServerError
	if strings.HasPrefix(typ, "Client.") {
		status = http.StatusBadRequest
	}
	return &XRoadError{Status: status, Type: typ, Message: msg}
}

// xroadErrorBody is e's body in the format the client asked for: XML when
// its Accept prefers it, JSON otherwise (§4.6: respect Accept, default
// application/json).
func xroadErrorBody(r *http.Request, e *XRoadError) []byte {
	if wantsXML(r.Header.Values("Accept")) {
		b, _ := xml.Marshal(e)
		return append([]byte(xml.Header), append(b, '\n')...)
	}
	b, _ := json.Marshal(e)
	return append(b, '\n')
}

func writeXRoadError(w http.ResponseWriter, r *http.Request, e *XRoadError, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentTypeOf(body))
	h.Set(HeaderError, e.Type)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(e.Status)
	w.Write(body)
}

// contentTypeOf names what xroadErrorBody or a metaservice wrote.
func contentTypeOf(body []byte) string {
	if len(body) > 0 && body[0] == '<' {
		return "application/xml;charset=utf-8"
	}
	return "application/json;charset=utf-8"
}
