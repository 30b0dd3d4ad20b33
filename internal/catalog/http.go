package catalog

import (
	"embed"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed locales/*.json
var localesFS embed.FS

// HTTP serves the catalog's pages and JSON API.
type HTTP struct {
	catalog *Catalog
	site    *web.Site
	pages   *web.Pages
}

// NewHTTP builds the catalog's handlers and adds its messages to the site.
func NewHTTP(c *Catalog, site *web.Site) *HTTP {
	site.Messages.MustLoad(localesFS, "locales")
	return &HTTP{catalog: c, site: site, pages: site.Pages(templatesFS, "templates")}
}

// Routes registers the catalog's routes. Everything here is public.
func (h *HTTP) Routes(rt *web.Router) {
	rt.HandleFunc("GET /{$}", web.Public, h.home)
	rt.HandleFunc("GET /search", web.Public, h.searchPage)
	rt.HandleFunc("GET /services", web.Public, h.servicesPage)
	rt.HandleFunc("GET /services/{slug}", web.Public, h.servicePage)
	rt.HandleFunc("GET /agencies", web.Public, h.agenciesPage)
	rt.HandleFunc("GET /agencies/{slug}", web.Public, h.agencyPage)
	rt.HandleFunc("GET /situations", web.Public, h.situationsPage)
	rt.HandleFunc("GET /situations/{slug}", web.Public, h.situationPage)
	rt.HandleFunc("GET /api/v1/services", web.Public, h.apiServices)
	rt.HandleFunc("GET /api/v1/services/{slug}", web.Public, h.apiService)
	rt.HandleFunc("GET /api/v1/agencies", web.Public, h.apiAgencies)
	rt.HandleFunc("GET /api/v1/situations", web.Public, h.apiSituations)
}

// filterFrom reads the listing filters of a request, ignoring unknown values.
func filterFrom(r *http.Request) Filter {
	q := r.URL.Query()
	f := Filter{Agency: q.Get("agency"), Situation: q.Get("situation")}
	switch a := Audience(q.Get("audience")); a {
	case Citizen, Business, Foreigner:
		f.Audience = a
	}
	switch c := Channel(q.Get("channel")); c {
	case Online, Centre, Proactive:
		f.Channel = c
	}
	return f
}

type homeData struct {
	Popular    []*Service
	Situations []*Situation
	Count      int
	Agencies   int
}

func (h *HTTP) home(w http.ResponseWriter, r *http.Request) {
	v := h.site.View(r, "catalog.home.title", homeData{
		Popular:    h.catalog.Popular(8),
		Situations: h.catalog.Situations(),
		Count:      h.catalog.Count(),
		Agencies:   len(h.catalog.view().agencies),
	})
	h.pages.Render(w, r, http.StatusOK, "home", v)
}

type searchData struct {
	Query   string
	Results []*Service
	Filter  Filter
}

const searchLimit = 30

func (h *HTTP) searchPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	f := filterFrom(r)
	d := searchData{Query: q, Filter: f, Results: h.catalog.Search(q, f, searchLimit)}
	v := h.site.View(r, "catalog.search.title", d)
	v.Crumbs = []web.Crumb{{Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "search", v)
}

type servicesData struct {
	Services  []*Service
	Filter    Filter
	Audiences []Audience
	Channels  []Channel
	Agencies  map[string]*Agency
}

func (h *HTTP) servicesPage(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r.Context())
	f := filterFrom(r)
	v := h.site.View(r, "catalog.services.title", servicesData{
		Services: h.catalog.Services(l, f), Filter: f,
		Audiences: Audiences, Channels: Channels, Agencies: h.catalog.view().agencyBy,
	})
	v.Nav = "services"
	v.Crumbs = []web.Crumb{{Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "services", v)
}

type serviceData struct {
	Service    *Service
	Agency     *Agency
	Situations []*Situation
	Related    []*Service
}

func (h *HTTP) servicePage(w http.ResponseWriter, r *http.Request) {
	s, err := h.catalog.Service(r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	l := web.LangOf(r.Context())
	agency, _ := h.catalog.Agency(s.Agency)
	d := serviceData{Service: s, Agency: agency}
	for _, slug := range s.Situations {
		if sit, err := h.catalog.Situation(slug); err == nil {
			d.Situations = append(d.Situations, sit)
		}
	}
	for _, other := range h.catalog.Services(l, Filter{Agency: s.Agency}) {
		if other.Slug != s.Slug && len(d.Related) < 5 {
			d.Related = append(d.Related, other)
		}
	}
	v := h.site.View(r, "", d)
	v.Title = s.Name.In(l)
	v.Nav = "services"
	v.Crumbs = []web.Crumb{{Label: v.T("nav.services"), URL: "/services"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "service", v)
}

type agenciesData struct {
	Agencies []*Agency
	Counts   map[string]int
}

func (h *HTTP) agenciesPage(w http.ResponseWriter, r *http.Request) {
	l := web.LangOf(r.Context())
	counts := map[string]int{}
	for _, s := range h.catalog.Services(l, Filter{}) {
		counts[s.Agency]++
	}
	v := h.site.View(r, "catalog.agencies.title", agenciesData{Agencies: h.catalog.Agencies(l), Counts: counts})
	v.Nav = "agencies"
	v.Crumbs = []web.Crumb{{Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "agencies", v)
}

type agencyData struct {
	Agency   *Agency
	Services []*Service
}

func (h *HTTP) agencyPage(w http.ResponseWriter, r *http.Request) {
	a, err := h.catalog.Agency(r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	l := web.LangOf(r.Context())
	v := h.site.View(r, "", agencyData{Agency: a, Services: h.catalog.Services(l, Filter{Agency: a.Slug})})
	v.Title = a.Name.In(l)
	v.Nav = "agencies"
	v.Crumbs = []web.Crumb{{Label: v.T("nav.agencies"), URL: "/agencies"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "agency", v)
}

func (h *HTTP) situationsPage(w http.ResponseWriter, r *http.Request) {
	v := h.site.View(r, "catalog.situations.title", h.catalog.Situations())
	v.Nav = "situations"
	v.Crumbs = []web.Crumb{{Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "situations", v)
}

type situationData struct {
	Situation *Situation
	Services  []*Service
}

func (h *HTTP) situationPage(w http.ResponseWriter, r *http.Request) {
	s, err := h.catalog.Situation(r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	l := web.LangOf(r.Context())
	v := h.site.View(r, "", situationData{Situation: s, Services: h.catalog.Services(l, Filter{Situation: s.Slug})})
	v.Title = s.Name.In(l)
	v.Nav = "situations"
	v.Crumbs = []web.Crumb{{Label: v.T("nav.situations"), URL: "/situations"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "situation", v)
}

// APIService is a service as the JSON API shows it, in one language.
type APIService struct {
	Slug         string     `json:"slug"`
	Name         string     `json:"name"`
	Summary      string     `json:"summary"`
	Agency       string     `json:"agency"`
	AgencyName   string     `json:"agency_name"`
	Audience     []Audience `json:"audience"`
	Channels     []Channel  `json:"channels"`
	FeeQepik     int64      `json:"fee_qepik"`
	DeadlineDays int        `json:"deadline_days"`
	Situations   []string   `json:"situations"`
	URL          string     `json:"url"`
}

// APIServiceDetail adds what the service page shows.
type APIServiceDetail struct {
	APIService
	Description string          `json:"description"`
	Documents   []string        `json:"documents"`
	Form        json.RawMessage `json:"form,omitempty"`
	Texts       map[string]any  `json:"texts"`
}

func (h *HTTP) apiOf(s *Service, l lang.Lang) APIService {
	out := APIService{
		Slug: s.Slug, Name: s.Name.In(l), Summary: s.Summary.In(l), Agency: s.Agency,
		Audience: s.Audience, Channels: s.Channels, FeeQepik: s.FeeQepik, DeadlineDays: s.DeadlineDays,
		Situations: nonNil(s.Situations), URL: "/services/" + s.Slug,
	}
	if a, err := h.catalog.Agency(s.Agency); err == nil {
		out.AgencyName = a.Name.In(l)
	}
	return out
}

// apiLang is the language of an API answer: ?lang= or the request's.
func apiLang(r *http.Request) lang.Lang {
	if l, ok := lang.Parse(r.URL.Query().Get("lang")); ok {
		return l
	}
	return web.LangOf(r.Context())
}

func (h *HTTP) apiServices(w http.ResponseWriter, r *http.Request) {
	l := apiLang(r)
	q := r.URL.Query()
	limit := 50
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			h.site.Problem(w, r, errs.E(errs.Invalid, "catalog.error.limit").Field("limit", "catalog.error.limit"))
			return
		}
		limit = n
	}
	f := filterFrom(r)
	var list []*Service
	if query := q.Get("q"); query != "" {
		list = h.catalog.Search(query, f, limit)
	} else {
		list = h.catalog.Services(l, f)
		if len(list) > limit {
			list = list[:limit]
		}
	}
	items := make([]APIService, 0, len(list))
	for _, s := range list {
		items = append(items, h.apiOf(s, l))
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items, "lang": l})
}

func (h *HTTP) apiService(w http.ResponseWriter, r *http.Request) {
	s, err := h.catalog.Service(r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	l := apiLang(r)
	docs := make([]string, 0, len(s.Documents))
	for _, d := range s.Documents {
		docs = append(docs, d.In(l))
	}
	web.JSON(w, http.StatusOK, APIServiceDetail{
		APIService:  h.apiOf(s, l),
		Description: s.Description.In(l),
		Documents:   docs,
		Form:        s.Form,
		Texts:       map[string]any{"name": s.Name, "summary": s.Summary, "description": s.Description},
	})
}

func (h *HTTP) apiAgencies(w http.ResponseWriter, r *http.Request) {
	l := apiLang(r)
	type item struct {
		Slug    string `json:"slug"`
		Name    string `json:"name"`
		Short   string `json:"short"`
		Website string `json:"website"`
		URL     string `json:"url"`
	}
	items := []item{}
	for _, a := range h.catalog.Agencies(l) {
		items = append(items, item{a.Slug, a.Name.In(l), a.Short.In(l), a.Website, "/agencies/" + a.Slug})
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items, "lang": l})
}

func (h *HTTP) apiSituations(w http.ResponseWriter, r *http.Request) {
	l := apiLang(r)
	type item struct {
		Slug string `json:"slug"`
		Name string `json:"name"`
		URL  string `json:"url"`
	}
	items := []item{}
	for _, s := range h.catalog.Situations() {
		items = append(items, item{s.Slug, s.Name.In(l), "/situations/" + s.Slug})
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items, "lang": l})
}
