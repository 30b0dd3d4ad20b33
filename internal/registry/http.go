package registry

import (
	"embed"
	"encoding/json"
	"net/http"

	"github.com/egov/egov/internal/errs"
)

//go:embed openapi/*.json
var openapiFS embed.FS

// Registries names the three registries, as OpenAPI knows them.
var Registries = []string{"population", "business", "vehicles"}

// OpenAPI returns the OpenAPI 3 description of one registry's provider
// API ("population", "business" or "vehicles"), or nil for another name.
func OpenAPI(registry string) []byte {
	b, err := openapiFS.ReadFile("openapi/" + registry + ".json")
	if err != nil {
		return nil
	}
	return b
}

// ProviderHandler serves the registries' JSON APIs, as a service provider
// behind the gateway (which authorises, signs and logs each call; this
// handler does none of that):
//
//	GET /persons/{fin}              population: a person with documents and family
//	GET /companies/{voen}           business: a business
//	GET /companies?director={fin}   business: the businesses a person directs
//	GET /vehicles/{plate}           vehicles: a vehicle
//	GET /vehicles?owner={fin}       vehicles: the vehicles a person owns
//
// Lists answer {"items": […]}. Every error, including an unknown path, goes
// to onError: an *errs.Error of kind NotFound for an unknown person,
// business, vehicle or path, Invalid for a malformed identifier. A nil
// onError answers a small application/problem+json.
func (r *Registry) ProviderHandler(onError func(w http.ResponseWriter, r *http.Request, err error)) http.Handler {
	if onError == nil {
		onError = writeProblem
	}
	h := &provider{reg: r, onError: onError}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /persons/{fin}", h.person)
	mux.HandleFunc("GET /companies/{voen}", h.business)
	mux.HandleFunc("GET /companies", h.businesses)
	mux.HandleFunc("GET /vehicles/{plate}", h.vehicle)
	mux.HandleFunc("GET /vehicles", h.vehicles)
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		onError(w, req, errs.E(errs.NotFound, "registry.error.not_found"))
	})
	return mux
}

type provider struct {
	reg     *Registry
	onError func(w http.ResponseWriter, r *http.Request, err error)
}

type list[T any] struct {
	Items []T `json:"items"`
}

func (h *provider) person(w http.ResponseWriter, r *http.Request) {
	p, err := h.reg.Person(r.Context(), r.PathValue("fin"))
	h.answer(w, r, p, err)
}

func (h *provider) business(w http.ResponseWriter, r *http.Request) {
	b, err := h.reg.Business(r.Context(), r.PathValue("voen"))
	h.answer(w, r, b, err)
}

func (h *provider) businesses(w http.ResponseWriter, r *http.Request) {
	fin := r.URL.Query().Get("director")
	if fin == "" {
		h.onError(w, r, errs.E(errs.Invalid, "registry.error.director_required").Field("director", "registry.error.director_required"))
		return
	}
	items, err := h.reg.BusinessesDirectedBy(r.Context(), fin)
	h.answer(w, r, list[Business]{items}, err)
}

func (h *provider) vehicle(w http.ResponseWriter, r *http.Request) {
	v, err := h.reg.Vehicle(r.Context(), r.PathValue("plate"))
	h.answer(w, r, v, err)
}

func (h *provider) vehicles(w http.ResponseWriter, r *http.Request) {
	fin := r.URL.Query().Get("owner")
	if fin == "" {
		h.onError(w, r, errs.E(errs.Invalid, "registry.error.owner_required").Field("owner", "registry.error.owner_required"))
		return
	}
	items, err := h.reg.VehiclesOwnedBy(r.Context(), fin)
	h.answer(w, r, list[Vehicle]{items}, err)
}

func (h *provider) answer(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		h.onError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}

// writeProblem is the default error answer: problem details with the
// message key as the title.
func writeProblem(w http.ResponseWriter, _ *http.Request, err error) {
	e := errs.As(err)
	status := http.StatusInternalServerError
	switch e.Kind {
	case errs.Invalid:
		status = http.StatusBadRequest
	case errs.NotFound:
		status = http.StatusNotFound
	case errs.Conflict:
		status = http.StatusConflict
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"status": status, "title": e.Message})
}
