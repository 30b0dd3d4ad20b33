package gateway

import (
	"embed"
	"net/http"
	"strconv"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/nationalid"
	"github.com/egov/egov/internal/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed locales/*.json
var localesFS embed.FS

// HTTP serves the gateway's routes: the REST protocol and the data
// tracker's pages.
type HTTP struct {
	gw    *Gateway
	site  *web.Site
	pages *web.Pages
}

// NewHTTP loads the gateway's messages and pages into site.
func NewHTTP(gw *Gateway, site *web.Site) *HTTP {
	site.Messages.MustLoad(localesFS, "locales")
	return &HTTP{gw: gw, site: site, pages: site.Pages(templatesFS, "templates")}
}

// Locales are the gateway's messages (for completeness tests).
func Locales() *embed.FS { return &localesFS }

// Routes registers:
//
//	/r1/                    the REST protocol; the protocol authenticates (public at the web layer)
//	GET /cabinet/data-access  a person's data tracker (citizen)
//	GET /audit/data-access    every read, filtered (auditor)
//	/admin/gateway/…          members, subsystems, groups, services, access rights, API keys (admin; admin_http.go)
func (h *HTTP) Routes(rt *web.Router) {
	rt.Handle("/r1/", web.Public, h.gw)
	rt.HandleFunc("GET /cabinet/data-access", web.Roles("citizen"), h.cabinet)
	rt.HandleFunc("GET /audit/data-access", web.Roles("auditor"), h.audit)
	h.adminRoutes(rt)
}

type trackerData struct {
	Reads            []Read
	Audit            bool
	PrevURL, NextURL string
}

// pager sets the links to the pages before and after page.
func (d *trackerData) pager(r *http.Request, page int, more bool) {
	link := func(n int) string {
		q := r.URL.Query()
		q.Del("lang")
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		d.PrevURL = link(page - 1)
	}
	if more {
		d.NextURL = link(page + 1)
	}
}

const pageSize = 50

func pageOf(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 10000 {
		return 1
	}
	return n
}

func (h *HTTP) cabinet(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	page := pageOf(r)
	reads, err := h.gw.Reads(r.Context(), p.FIN, Page{Limit: pageSize + 1, Offset: (page - 1) * pageSize})
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	data := trackerData{Reads: reads}
	if len(reads) > pageSize {
		data.Reads = reads[:pageSize]
	}
	data.pager(r, page, len(reads) > pageSize)
	v := h.site.View(r, "gateway.tracker.title", data)
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.T("identity.cabinet.title"), URL: "/cabinet"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "data-access", v)
}

func (h *HTTP) audit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := ReadFilter{FIN: q.Get("fin"), Client: q.Get("client"), Service: q.Get("service"), Purpose: q.Get("purpose")}
	var bad errs.Validation
	if f.FIN != "" && !nationalid.ValidFIN(f.FIN) {
		bad.Add("fin", "gateway.error.bad_fin")
	}
	day := func(field string) time.Time {
		s := q.Get(field)
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", s, web.Baku)
		if err != nil {
			bad.Add(field, "gateway.error.bad_date")
		}
		return t
	}
	f.From = day("from")
	if to := day("to"); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1)
	}
	page := pageOf(r)
	data := trackerData{Audit: true}
	status := http.StatusOK
	if err := bad.Err(); err == nil {
		f.Page = Page{Limit: pageSize + 1, Offset: (page - 1) * pageSize}
		reads, err := h.gw.AllReads(r.Context(), f)
		if err != nil {
			h.site.Error(w, r, err)
			return
		}
		data.Reads = reads
		if len(reads) > pageSize {
			data.Reads = reads[:pageSize]
		}
		data.pager(r, page, len(reads) > pageSize)
	} else {
		status = http.StatusUnprocessableEntity
	}
	v := h.site.View(r, "gateway.audit.title", data)
	v.Form = q
	if err := bad.Err(); err != nil {
		v.Err = errs.As(err)
	}
	h.pages.Render(w, r, status, "audit-data-access", v)
}
