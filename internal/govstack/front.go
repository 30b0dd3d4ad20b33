package govstack

import (
	"net/http"
	"strings"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
)

// HeaderIMClient is the GovStack Information Mediator's client header:
// INSTANCE/CLASS/MEMBER/SUBSYSTEM.
const HeaderIMClient = "Information-Mediator-Client"

// headerBase carries the address the caller used to the provider, for
// the absolute links of a list; the front end always sets it.
const headerBase = "X-Egov-Govstack-Base"

// Handler serves the blocks at the specifications' paths. Each request
// becomes an exchange through the gateway with the service of its block
// (see the package comment); the gateway's refusals (unknown client, bad
// key, no right) come back as X-Road errors with their X-Road-Error header.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		service, ok := serviceFor(r.URL.Path)
		if !ok && metaservice(r.URL.Path) {
			s.mediatorMetadata(w, r)
			return
		}
		if !ok {
			s.fail(w, r, errs.E(errs.NotFound, "govstack.error.not_served"))
			return
		}
		client := r.Header.Get(HeaderIMClient)
		if _, err := parseSubsystem(client); err != nil {
			s.fail(w, r, errs.E(errs.Unauthenticated, "govstack.error.no_client").Field(HeaderIMClient, "govstack.error.no_client"))
			return
		}
		target := "/r1/" + service.Encoded() + r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		req, err := http.NewRequestWithContext(r.Context(), r.Method, target, r.Body)
		if err != nil {
			s.fail(w, r, errs.E(errs.Invalid, "govstack.error.not_served"))
			return
		}
		req.Header = r.Header.Clone()
		req.RemoteAddr = r.RemoteAddr
		req.Header.Set(gateway.HeaderClient, client)
		setKey(req.Header, r.Header)
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		req.Header.Set(headerBase, scheme+"://"+r.Host)
		s.gw.ServeHTTP(w, req)
	})
}

// serviceFor is the gateway service whose block serves path.
func serviceFor(path string) (gateway.ServiceID, bool) {
	switch {
	case path == "/data/statistics":
		// Registration's, before the Digital Registries' /data/…: a
		// registry's paths have three segments or more.
		return StatisticsService, true
	case strings.HasPrefix(path, "/data/"):
		return RegistriesDataService, true
	case strings.HasPrefix(path, "/database/"), path == "/databases":
		return RegistriesDatabaseService, true
	case path == "/send/email/single", path == "/send/email/batch", path == "/status/email":
		return MessagingService, true
	case path == "/services", strings.HasPrefix(path, "/services/"), strings.HasPrefix(path, "/eForms/"),
		path == "/documents", path == "/applications", strings.HasPrefix(path, "/applications/"),
		path == "/tasks", strings.HasPrefix(path, "/tasks/"):
		return RegistrationService, true
	case strings.HasPrefix(path, "/config/"), strings.HasPrefix(path, "/service/"), strings.HasPrefix(path, "/audit/"):
		return ConsentService, true
	case strings.HasPrefix(path, "/bills/"), path == "/billTransferRequests", path == "/rtpRequest", path == "/rtpResponse",
		strings.HasPrefix(path, "/transferRequests/"):
		return PaymentsService, true
	}
	return gateway.ServiceID{}, false
}

func parseSubsystem(s string) (gateway.ClientID, error) {
	c, err := gateway.ParseClientID(s)
	if err == nil && !c.IsSubsystem() {
		err = gateway.ErrBadID
	}
	return c, err
}
