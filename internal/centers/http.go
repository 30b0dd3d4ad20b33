package centers

import (
	"embed"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed locales/*.json
var localesFS embed.FS

// HTTP serves the centres' pages, booking, the kiosk, the desk, the board,
// ratings, the index and the JSON API.
type HTTP struct {
	svc   *Service
	site  *web.Site
	pages *web.Pages
	// PollInterval is how often a board's event stream looks for calls
	// made on other replicas.
	PollInterval time.Duration
}

// NewHTTP builds the handlers and adds the module's messages to the site.
func NewHTTP(svc *Service, site *web.Site) *HTTP {
	site.Messages.MustLoad(localesFS, "locales")
	return &HTTP{svc: svc, site: site, pages: site.Pages(templatesFS, "templates"), PollInterval: 500 * time.Millisecond}
}

// People book; centre operators work the desks.
var (
	people    = web.Roles(identity.RoleCitizen, identity.RoleForeigner)
	operators = web.Roles(identity.RoleCentreOperator)
)

// Routes registers every route of the module.
func (h *HTTP) Routes(rt *web.Router) {
	rt.HandleFunc("GET /centers", web.Public, h.list)
	rt.HandleFunc("GET /centers/index", web.Public, h.index)
	rt.HandleFunc("GET /centers/{slug}", web.Public, h.show)
	rt.HandleFunc("GET /centers/{slug}/book", people, h.bookPage)
	rt.HandleFunc("POST /centers/{slug}/book", people, h.book)
	rt.HandleFunc("GET /cabinet/bookings", people, h.bookings)
	rt.HandleFunc("POST /cabinet/bookings/{code}/cancel", people, h.cancel)
	rt.HandleFunc("POST /cabinet/bookings/{code}/checkin", people, h.cabinetCheckin)
	rt.HandleFunc("GET /centers/{slug}/kiosk", web.Public, h.kiosk)
	rt.HandleFunc("POST /centers/{slug}/kiosk", web.Public, h.issue)
	rt.HandleFunc("POST /centers/{slug}/checkin", web.Public, h.checkin)
	rt.HandleFunc("GET /centers/{slug}/board", web.Public, h.board)
	rt.HandleFunc("GET /centers/{slug}/board/events", web.Public, h.boardEvents)
	rt.HandleFunc("GET /centers/board.js", web.Public, h.boardScript)
	h.adminRoutes(rt)
	rt.HandleFunc("GET /centers/desk", operators, h.desk)
	for _, action := range []string{"call", "recall", "noshow", "transfer", "serve"} {
		rt.HandleFunc("POST /centers/desk/"+action, operators, h.deskAction)
	}
	// The one-time rating link is /centers/rate/{token}. ServeMux cannot
	// hold that beside /centers/{slug}/book (neither is more specific), so
	// the pattern is general and the handlers answer 404 unless it is
	// "rate".
	rt.HandleFunc("GET /centers/{page}/{token}", web.Public, h.ratePage)
	rt.HandleFunc("POST /centers/{page}/{token}", web.Public, h.rate)
	rt.HandleFunc("GET /api/v1/centers", web.Public, h.apiList)
	rt.HandleFunc("GET /api/v1/centers/index.json", web.Public, h.apiIndex)
	rt.HandleFunc("GET /api/v1/centers/index.csv", web.Public, h.apiIndexCSV)
	rt.HandleFunc("GET /api/v1/centers/{slug}", web.Public, h.apiShow)
}

func personOf(r *http.Request) Person {
	p := web.PrincipalOf(r.Context())
	if p == nil {
		return Person{}
	}
	id := p.FIN
	if id == "" {
		id = p.Subject
	}
	return Person{AccountID: p.AccountID, ID: id, Name: p.Name, Lang: web.LangOf(r.Context())}
}

func operatorOf(r *http.Request) Operator {
	p := web.PrincipalOf(r.Context())
	if p == nil {
		return Operator{}
	}
	return Operator{Login: strings.TrimPrefix(p.Subject, "staff:"), Centre: p.Centre}
}

// names are the catalog names of the centre's services.
func (h *HTTP) names(c *Centre) map[string]lang.Text {
	out := map[string]lang.Text{}
	for _, o := range c.Services {
		out[o.Service] = h.serviceName(o.Service)
	}
	return out
}

func (h *HTTP) serviceName(slug string) lang.Text {
	if svc := h.svc.CatalogService(slug); svc != nil {
		return svc.Name
	}
	return lang.Text{AZ: slug, EN: slug, RU: slug}
}

func (h *HTTP) crumbs(v *web.View, c *Centre) {
	v.Crumbs = []web.Crumb{{Label: v.T("centers.list.title"), URL: "/centers"}}
	if c != nil {
		v.Crumbs = append(v.Crumbs, web.Crumb{Label: v.Text(c.Name), URL: "/centers/" + c.Slug})
	}
	v.Crumbs = append(v.Crumbs, web.Crumb{Label: v.Title})
}

func (h *HTTP) list(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Centres(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "centers.list.title", list)
	v.Crumbs = []web.Crumb{{Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "centres", v)
}

// HoursRow is one weekday's hours as shown.
type HoursRow struct {
	Day   time.Weekday
	Open  bool
	Times Day
}

type showData struct {
	Centre *Centre
	Names  map[string]lang.Text
	Hours  []HoursRow
	Index  []IndexRow
}

func hoursRows(c *Centre) []HoursRow {
	var out []HoursRow
	for _, d := range Weekdays {
		day, ok := c.Hours[d]
		out = append(out, HoursRow{Day: d, Open: ok, Times: day})
	}
	return out
}

func (h *HTTP) show(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Centre(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	idx, err := h.svc.Index(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := showData{Centre: c, Names: h.names(c), Hours: hoursRows(c)}
	for _, row := range idx {
		if row.Level == "centre" && row.Key == c.Slug {
			d.Index = append(d.Index, row)
		}
	}
	v := h.site.View(r, "", d)
	v.Title = v.Text(c.Name)
	v.Crumbs = []web.Crumb{{Label: v.T("centers.list.title"), URL: "/centers"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "centre", v)
}

// atoiField reads a small positive integer form field.
func atoiField(s string) (int, bool) {
	if len(s) == 0 || len(s) > 4 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

func (h *HTTP) redirect(w http.ResponseWriter, r *http.Request, path string, q url.Values) {
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// renderErr shows page again with the error beside its fields and what
// was typed, or the error page for anything that is not about a field.
func (h *HTTP) renderErr(w http.ResponseWriter, r *http.Request, err error, v *web.View, page string) {
	e := errs.As(err)
	if len(e.Fields) == 0 {
		h.site.Error(w, r, err)
		return
	}
	v.Err = e
	v.Form = web.Typed(r)
	h.pages.Render(w, r, web.Status(e.Kind), page, v)
}
