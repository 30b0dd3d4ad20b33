package govstack

import (
	"net/http"
	"strings"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
)

// The Information Mediator's service metadata: listClients, listMethods,
// allowedMethods and getOpenAPI. The folder of specifications has no file
// for them, so they are the gateway's X-Road REST metaservices, at the
// paths X-Road gives them without the /r1 prefix:
//
//	GET /listClients, GET /{INSTANCE}/listClients
//	GET /{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/listMethods
//	GET /{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/allowedMethods
//	GET /{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/getOpenAPI?serviceCode=…

var metaservices = map[string]bool{"listMethods": true, "allowedMethods": true, "getOpenAPI": true}

// metaservice reports whether path names one of the metaservices.
func metaservice(path string) bool {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	last := parts[len(parts)-1]
	return (len(parts) <= 2 && last == "listClients") || (len(parts) == 5 && metaservices[last])
}

// mediatorMetadata passes a metaservice request to the gateway with the
// caller's Information-Mediator-Client as its X-Road-Client; listClients
// is open to anyone, as X-Road's is.
func (s *Service) mediatorMetadata(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.fail(w, r, errs.E(errs.Invalid, "govstack.error.not_served"))
		return
	}
	target := "/r1" + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, target, nil)
	if err != nil {
		s.fail(w, r, errs.E(errs.Invalid, "govstack.error.not_served"))
		return
	}
	req.Header = r.Header.Clone()
	req.RemoteAddr = r.RemoteAddr
	if c := r.Header.Get(HeaderIMClient); c != "" {
		req.Header.Set(gateway.HeaderClient, c)
	}
	setKey(req.Header, r.Header)
	s.gw.ServeHTTP(w, req)
}

// setKey puts the caller's API key where the gateway reads it: the
// specifications name the key's header Authorization.
// (the messaging block's, apiKey).
func setKey(out, in http.Header) {
	if out.Get(gateway.HeaderAPIKey) == "" {
		key := strings.TrimSpace(in.Get("apiKey"))
		if key == "" {
			key = strings.TrimSpace(strings.TrimPrefix(in.Get("Authorization"), "Bearer "))
		}
		if key != "" {
			out.Set(gateway.HeaderAPIKey, key)
		}
	}
	out.Del("Authorization")
	out.Del("apiKey")
}
