package web

import (
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/egov/egov/internal/errs"
)

// Access is who may call a route. Every route declares one, so that a test
// can walk all routes and roles and check the answer of each.
type Access struct {
	Name  string
	Allow func(p *Principal) bool
}

// Public routes are open to everyone, signed in or not.
var Public = Access{Name: "public", Allow: func(*Principal) bool { return true }}

// SignedIn routes need any signed-in person.
var SignedIn = Access{Name: "signed-in", Allow: func(p *Principal) bool { return p != nil }}

// Roles allows a signed-in principal holding any of roles.
func Roles(roles ...string) Access {
	return Access{Name: "roles:" + strings.Join(roles, ","), Allow: func(p *Principal) bool {
		if p == nil {
			return false
		}
		for _, r := range roles {
			if slices.Contains(p.Roles, r) {
				return true
			}
		}
		return false
	}}
}

// Route is one registered route and who may call it.
type Route struct {
	Pattern string
	Access  Access
}

// Router is a ServeMux whose every route declares its Access.
type Router struct {
	site   *Site
	mux    *http.ServeMux
	routes []Route
}

// NewRouter returns an empty router.
func NewRouter(site *Site) *Router {
	rt := &Router{site: site, mux: http.NewServeMux()}
	// Anything no route claims gets the site's 404 page in the person's
	// language rather than the mux's plain text.
	rt.mux.Handle("/", rt.guard(Public, http.HandlerFunc(site.NotFound)))
	return rt
}

// Handle registers h at pattern (a ServeMux pattern such as
// "GET /services/{slug}"), guarded by access.
func (rt *Router) Handle(pattern string, access Access, h http.Handler) {
	rt.routes = append(rt.routes, Route{Pattern: pattern, Access: access})
	rt.mux.Handle(pattern, rt.guard(access, h))
}

// HandleFunc is Handle for a function.
func (rt *Router) HandleFunc(pattern string, access Access, h http.HandlerFunc) {
	rt.Handle(pattern, access, h)
}

func (rt *Router) guard(access Access, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if matched, ok := r.Context().Value(keyPattern).(*string); ok {
			*matched = r.Pattern
		}
		p := PrincipalOf(r.Context())
		if !access.Allow(p) {
			if p == nil {
				rt.site.Error(w, r, errs.E(errs.Unauthenticated, "error.unauthenticated.detail"))
			} else {
				rt.site.Error(w, r, errs.E(errs.Forbidden, "error.forbidden.detail"))
			}
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Routes lists every registered route, sorted by pattern.
func (rt *Router) Routes() []Route {
	list := append([]Route(nil), rt.routes...)
	sort.Slice(list, func(i, j int) bool { return list[i].Pattern < list[j].Pattern })
	return list
}

// ServeHTTP serves the routes.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.mux.ServeHTTP(w, r) }
