package gateway

import (
	"encoding/json"
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
	Status  int    `json:"-"`
	Type    string `json:"type"`
	Message string `json:"message"`
	Detail  string `json:"detail"`
}

func (e *XRoadError) Error() string { return e.Type + ": " + e.Message }

func xerr(typ, msg string) *XRoadError {
	status := http.StatusInternalServerError
	if strings.HasPrefix(typ, "Client.") {
		status = http.StatusBadRequest
	}
	return &XRoadError{Status: status, Type: typ, Message: msg}
}

func writeXRoadError(w http.ResponseWriter, e *XRoadError) {
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=utf-8")
	h.Set(HeaderError, e.Type)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(e)
}
