// Package web is egov's HTTP layer shared by every module: the middleware
// chain (request IDs, logging, metrics, security headers, language,
// sessions, CSRF), page rendering in the site's layout and design system,
// and errors as translated pages or RFC 9457 problem details.
package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"sort"
	"strings"
	_ "time/tzdata" // Asia/Baku on machines without a zone database

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

//go:embed templates/*.html
var layoutFS embed.FS

//go:embed locales/*.json
var localeFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed migrations
var migrationsFS embed.FS

// Migrations create the web layer's tables (sessions, site secrets).
var Migrations = store.Migrations{Module: "web", FS: store.MustSub(migrationsFS, "migrations")}

// Site is the shared web layer handed to every module.
type Site struct {
	Messages *Messages
	Logger   *slog.Logger
	Sessions *Sessions
	Demo     bool
	csrf     *csrfGuard
	errors   *Pages

	// Resolve turns a signed-in session into its Principal. The identity
	// module sets it; a nil Resolve or nil Principal means nobody.
	Resolve func(ctx context.Context, s *Session) (*Principal, error)

	// ResolveBearer turns an API key sent as "Authorization: Bearer …" to
	// /api/ into its Principal (an agency's own system). It is asked only
	// when the request has no session; nil Principal means nobody.
	ResolveBearer func(ctx context.Context, token string) (*Principal, error)
}

// Options configure a Site.
type Options struct {
	Logger        *slog.Logger
	Secret        []byte
	SecureCookies bool
	Demo          bool
}

// NewSite builds the web layer on db.
func NewSite(db *store.DB, opts Options) *Site {
	s := &Site{
		Messages: NewMessages(),
		Logger:   opts.Logger,
		Sessions: &Sessions{db: db, secure: opts.SecureCookies},
		Demo:     opts.Demo,
		csrf:     &csrfGuard{key: opts.Secret, secure: opts.SecureCookies},
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	s.errors = s.Pages(layoutFS, "templates")
	return s
}

// Pages are a module's page templates, each parsed together with the
// site's layout and components.
type Pages struct {
	site  *Site
	pages map[string]*template.Template
}

// Pages parses every *.html in dir of fsys as a page, each together with
// the site's layout and components and the directory's partials (files
// whose names start with "_"). A page defines the blocks "title" and
// "main"; the layout supplies the rest.
func (s *Site) Pages(fsys fs.FS, dir string) *Pages {
	p := &Pages{site: s, pages: map[string]*template.Template{}}
	names, err := fs.Glob(fsys, path.Join(dir, "*.html"))
	if err != nil {
		panic(err)
	}
	var partials []string
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), "_") {
			partials = append(partials, name)
		}
	}
	for _, name := range names {
		page := strings.TrimSuffix(path.Base(name), ".html")
		if page == "layout" || page == "components" || strings.HasPrefix(page, "_") {
			continue
		}
		t := template.Must(template.New("layout").Funcs(funcs).ParseFS(layoutFS, "templates/layout.html", "templates/components.html"))
		p.pages[page] = template.Must(t.ParseFS(fsys, append(partials, name)...))
	}
	return p
}

// Pair is what the "pair" template function passes to a shared template:
// the page's view and one item, since a template takes one argument.
type Pair struct {
	V    *View
	Item any
}

var funcs = template.FuncMap{
	"pair": func(v *View, item any) Pair { return Pair{V: v, Item: item} },
	"list": func(items ...string) []string { return items },
}

// Render writes page with the view in the layout. The page is rendered to a
// buffer first so a template error becomes a clean 500, not half a page.
func (p *Pages) Render(w http.ResponseWriter, r *http.Request, status int, page string, v *View) {
	t, ok := p.pages[page]
	if !ok {
		p.site.Logger.Error("unknown page template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		p.site.Logger.Error("render", "page", page, "err", err, "request_id", RequestID(r.Context()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// View starts the view of a page for r with a translated title.
func (s *Site) View(r *http.Request, titleID string, data any) *View {
	l := LangOf(r.Context())
	v := &View{
		Lang:      l,
		Path:      r.URL.Path,
		Query:     cleanQuery(r),
		CSRF:      CSRFToken(r.Context()),
		Principal: PrincipalOf(r.Context()),
		Demo:      s.Demo,
		Data:      data,
		msgs:      s.Messages,
	}
	if titleID != "" {
		v.Title = v.T(titleID)
	}
	return v
}

// cleanQuery drops the lang parameter, which the switcher sets itself.
func cleanQuery(r *http.Request) map[string][]string {
	q := r.URL.Query()
	q.Del("lang")
	return q
}

// Error answers err as a page in the person's language, or as problem+json
// for API requests, with the status its kind maps to. Internal causes are
// logged with the request ID and never shown.
func (s *Site) Error(w http.ResponseWriter, r *http.Request, err error) {
	e := errs.As(err)
	status := Status(e.Kind)
	if status >= 500 {
		s.Logger.Error("request failed", "pattern", r.Pattern, "err", err, "request_id", RequestID(r.Context()))
	}
	if wantsJSON(r) {
		s.Problem(w, r, e)
		return
	}
	v := s.View(r, "error."+string(e.Kind)+".title", nil)
	v.Err = e
	s.errors.Render(w, r, status, "error", v)
}

// NotFound answers 404 in the person's language.
func (s *Site) NotFound(w http.ResponseWriter, r *http.Request) {
	s.Error(w, r, errs.E(errs.NotFound, "error.not_found.detail"))
}

// Status maps an error kind to its HTTP status.
func Status(k errs.Kind) int {
	switch k {
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.Unauthenticated:
		return http.StatusUnauthorized
	case errs.TooMany:
		return http.StatusTooManyRequests
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") ||
		strings.Contains(r.Header.Get("Accept"), "application/json") ||
		strings.Contains(r.Header.Get("Accept"), "application/problem+json")
}

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail,omitempty"`
	Instance  string         `json:"instance,omitempty"`
	Errors    []ProblemField `json:"errors,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
}

// ProblemField is one invalid field of a request.
type ProblemField struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// Problem answers e as application/problem+json in the request's language.
func (s *Site) Problem(w http.ResponseWriter, r *http.Request, e *errs.Error) {
	l := LangOf(r.Context())
	status := Status(e.Kind)
	p := Problem{
		Type:      "/problems/" + strings.ReplaceAll(string(e.Kind), "_", "-"),
		Title:     s.Messages.T(l, "error."+string(e.Kind)+".title"),
		Status:    status,
		Instance:  r.URL.Path,
		RequestID: RequestID(r.Context()),
	}
	if e.Kind != errs.Internal {
		p.Detail = s.Messages.T(l, e.Message, mapArgs(e.Args)...)
	}
	for field, msg := range e.Fields {
		p.Errors = append(p.Errors, ProblemField{Field: field, Detail: s.Messages.T(l, msg, argsIn(l, e.FieldArgs[field])...)})
	}
	sort.Slice(p.Errors, func(i, j int) bool { return p.Errors[i].Field < p.Errors[j].Field })
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", string(l))
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// JSON answers v as JSON with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// Static serves the design system's CSS and images.
func Static() http.Handler {
	h := http.StripPrefix("/static/", http.FileServerFS(store.MustSub(staticFS, "static")))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}
