package centers

import (
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

type rateData struct {
	Token   string
	Centre  lang.Text
	Service lang.Text
	Done    bool
}

func (h *HTTP) rateView(r *http.Request) (*web.View, error) {
	if r.PathValue("page") != "rate" {
		return nil, notFound()
	}
	token := r.PathValue("token")
	centre, service, err := h.svc.RatingOpen(r.Context(), token)
	if err != nil {
		return nil, err
	}
	d := &rateData{Token: token, Service: h.serviceName(service)}
	if c, err := h.svc.Centre(r.Context(), centre); err == nil {
		d.Centre = c.Name
	}
	v := h.site.View(r, "centers.rate.title", d)
	v.Crumbs = []web.Crumb{{Label: v.T("centers.list.title"), URL: "/centers"}, {Label: v.Title}}
	return v, nil
}

func (h *HTTP) ratePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	v, err := h.rateView(r)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "rate", v)
}

func (h *HTTP) rate(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	v, err := h.rateView(r)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	r.ParseForm()
	score, _ := ParseScore(r.PostFormValue("score"))
	if err := h.svc.Rate(r.Context(), r.PathValue("token"), Rating{Score: score, Comment: r.PostFormValue("comment")}); err != nil {
		h.renderErr(w, r, err, v, "rate")
		return
	}
	v.Data.(*rateData).Done = true
	v.Title = v.T("centers.rate.thanks")
	h.pages.Render(w, r, http.StatusOK, "rate", v)
}

// ParseScore reads a rating's score field: one digit 1–5.
func ParseScore(s string) (int, bool) {
	if len(s) != 1 || s[0] < '1' || s[0] > '5' {
		return 0, false
	}
	return int(s[0] - '0'), true
}

type indexData struct {
	Rows     []IndexRow
	Criteria []Criterion
	Names    map[string]string
}

// Name is the row's subject in the page's language.
func (d indexData) Name(row IndexRow) string { return d.Names[row.Level+":"+row.Key] }

// Levels are the index's levels in display order.
func (d indexData) Levels() []string { return []string{"centre", "agency", "service"} }

func (h *HTTP) indexNames(r *http.Request, rows []IndexRow, l lang.Lang) map[string]string {
	names := map[string]string{}
	for _, row := range rows {
		name := row.Key
		switch row.Level {
		case "centre":
			if c, err := h.svc.Centre(r.Context(), row.Key); err == nil {
				name = c.Name.In(l)
			}
		case "agency":
			if h.svc.cfg.Catalog != nil {
				if a, err := h.svc.cfg.Catalog.Agency(row.Key); err == nil {
					name = a.Name.In(l)
				}
			}
		case "service":
			name = h.serviceName(row.Key).In(l)
		}
		names[row.Level+":"+row.Key] = name
	}
	return names
}

func (h *HTTP) index(w http.ResponseWriter, r *http.Request) {
	rows, err := h.svc.Index(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "centers.index.title", indexData{Rows: rows, Criteria: Criteria,
		Names: h.indexNames(r, rows, web.LangOf(r.Context()))})
	v.Crumbs = []web.Crumb{{Label: v.T("centers.list.title"), URL: "/centers"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "index", v)
}

// apiCentre is a centre in the JSON API.
type apiCentre struct {
	Slug     string             `json:"slug"`
	Name     string             `json:"name"`
	Names    lang.Text          `json:"names"`
	Address  string             `json:"address"`
	Hours    map[string]Day     `json:"hours"`
	Services []apiCentreService `json:"services"`
	Desks    []apiDesk          `json:"desks"`
	Links    map[string]string  `json:"links"`
}

type apiCentreService struct {
	Slug   string `json:"slug"`
	Name   string `json:"name"`
	Letter string `json:"letter"`
}

type apiDesk struct {
	Number   int      `json:"number"`
	Services []string `json:"services"`
}

func (h *HTTP) apiCentre(c *Centre, l lang.Lang) apiCentre {
	out := apiCentre{Slug: c.Slug, Name: c.Name.In(l), Names: c.Name, Address: c.Address.In(l), Hours: map[string]Day{},
		Services: []apiCentreService{}, Desks: []apiDesk{},
		Links: map[string]string{"page": "/centers/" + c.Slug, "book": "/centers/" + c.Slug + "/book", "board": "/centers/" + c.Slug + "/board"}}
	for wd, d := range c.Hours {
		out.Hours[wd.String()] = d
	}
	for _, o := range c.Services {
		out.Services = append(out.Services, apiCentreService{Slug: o.Service, Name: h.serviceName(o.Service).In(l), Letter: o.Letter})
	}
	for _, d := range c.Desks {
		out.Desks = append(out.Desks, apiDesk(d))
	}
	return out
}

func (h *HTTP) apiList(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.Centres(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	l := web.LangOf(r.Context())
	items := []apiCentre{}
	for _, c := range list {
		items = append(items, h.apiCentre(c, l))
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items})
}

func (h *HTTP) apiShow(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Centre(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, errs.As(err))
		return
	}
	web.JSON(w, http.StatusOK, h.apiCentre(c, web.LangOf(r.Context())))
}

func (h *HTTP) apiIndex(w http.ResponseWriter, r *http.Request) {
	rows, err := h.svc.Index(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	names := h.indexNames(r, rows, web.LangOf(r.Context()))
	type item struct {
		IndexRow
		Name string `json:"name"`
	}
	items := []item{}
	for _, row := range rows {
		items = append(items, item{IndexRow: row, Name: names[row.Level+":"+row.Key]})
	}
	web.JSON(w, http.StatusOK, map[string]any{"criteria": Criteria, "window_days": int(IndexWindow.Hours() / 24), "items": items})
}

func num(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', 1, 64)
}

func (h *HTTP) apiIndexCSV(w http.ResponseWriter, r *http.Request) {
	rows, err := h.svc.Index(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	names := h.indexNames(r, rows, web.LangOf(r.Context()))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="asan-service-index.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"level", "key", "name", "score", "rating_score", "wait_score", "service_score", "attendance_score",
		"visits", "ratings", "mean_rating", "mean_wait_minutes", "mean_service_minutes", "no_shows"})
	for _, row := range rows {
		cw.Write([]string{row.Level, row.Key, names[row.Level+":"+row.Key], num(row.Score), num(row.Scores.Rating),
			num(row.Scores.Wait), num(row.Scores.Service), num(row.Scores.Attendance), strconv.Itoa(row.Visits),
			strconv.Itoa(row.Ratings), num(row.MeanRating), num(row.MeanWaitMin), num(row.MeanServeMin), strconv.Itoa(row.NoShows)})
	}
	cw.Flush()
}
