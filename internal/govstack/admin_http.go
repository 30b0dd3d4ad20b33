package govstack

import (
	"context"
	"database/sql"
	"embed"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/web"
)

// The admin's page of the blocks (/admin/govstack): which gateway member
// acts for which catalog agency (the Registration block's offices), and
// the Payments block's banks (Payer FIs) and billers. Every change is
// recorded in the audit log, as the gateway's admin pages do.

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed locales/*.json
var localesFS embed.FS

// Locales are the admin page's messages (for completeness tests).
func Locales() *embed.FS { return &localesFS }

// HTTP serves the admin's page of the blocks.
type HTTP struct {
	svc   *Service
	site  *web.Site
	pages *web.Pages
}

// NewHTTP loads the page's messages and templates into site.
func NewHTTP(svc *Service, site *web.Site) *HTTP {
	site.Messages.MustLoad(localesFS, "locales")
	return &HTTP{svc: svc, site: site, pages: site.Pages(templatesFS, "templates")}
}

var adminOnly = web.Roles("admin")

// Routes registers /admin/govstack and its forms (admin).
func (h *HTTP) Routes(rt *web.Router) {
	rt.HandleFunc("GET /admin/govstack", adminOnly, h.overview)
	rt.HandleFunc("POST /admin/govstack/agency-links", adminOnly, h.link)
	rt.HandleFunc("POST /admin/govstack/agency-links/remove", adminOnly, h.unlink)
	rt.HandleFunc("POST /admin/govstack/payer-fis", adminOnly, h.registerPayerFI)
	rt.HandleFunc("POST /admin/govstack/billers", adminOnly, h.registerBiller)
}

type adminData struct {
	Links    []linkRow
	Members  []gateway.MemberEntry
	Agencies []*catalog.Agency
	PayerFIs []PayerFI
	Billers  []Biller
	Done     string
}

// linkRow is a link with its agency's name ("" when the catalog no
// longer has the agency).
type linkRow struct {
	AgencyLink
	Name string
}

func (h *HTTP) overview(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, url.Values{}, nil, r.URL.Query().Get("done"))
}

func (h *HTTP) render(w http.ResponseWriter, r *http.Request, status int, form url.Values, e *errs.Error, done string) {
	ctx := r.Context()
	v := h.site.View(r, "govstack.admin.page.title", nil)
	d := adminData{Agencies: h.svc.catalog.Agencies(v.Lang)}
	links, err := h.svc.AgencyLinks(ctx)
	if err == nil {
		if d.Members, err = h.svc.gw.Directory(ctx); err == nil {
			if d.PayerFIs, err = h.svc.PayerFIs(ctx); err == nil {
				d.Billers, err = h.svc.Billers(ctx)
			}
		}
	}
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	for _, l := range links {
		row := linkRow{AgencyLink: l}
		if a, err := h.svc.catalog.Agency(l.Agency); err == nil {
			row.Name = v.Text(a.Name)
		}
		d.Links = append(d.Links, row)
	}
	switch done {
	case "linked", "unlinked", "payer_fi", "biller":
		d.Done = done
	}
	v.Data = d
	v.Form, v.Err = form, e
	v.Crumbs = []web.Crumb{{Label: v.T("admin.title"), URL: "/admin"}, {Label: v.Title}}
	h.pages.Render(w, r, status, "admin-govstack", v)
}

// change is what one of the page's forms does. The agency links change
// in the audit entry's transaction (tx); a bank or a biller is registered
// on the gateway, in the gateway's own transactions (first), and audited
// once registered.
type change struct {
	action, object string
	detail         map[string]string
	first          func(ctx context.Context) error
	tx             func(ctx context.Context, q store.Querier) error
}

// post handles one of the page's forms: check reads the form into a
// change (or field errors); the change is made and audited.
func (h *HTTP) post(w http.ResponseWriter, r *http.Request, done string, check func(f url.Values, bad *errs.Validation) change) {
	r.ParseForm()
	var bad errs.Validation
	c := check(r.PostForm, &bad)
	ctx := r.Context()
	err := bad.Err()
	if err == nil && c.first != nil {
		err = c.first(ctx)
	}
	if err == nil {
		err = h.svc.db.Tx(ctx, func(tx *sql.Tx) error {
			if c.tx != nil {
				if err := c.tx(ctx, tx); err != nil {
					return err
				}
			}
			_, err := audit.Append(ctx, tx, audit.Entry{Actor: web.PrincipalOf(ctx).Subject, Action: c.action, Object: c.object, Detail: c.detail})
			return err
		})
	}
	if err != nil {
		if k := errs.KindOf(err); k == errs.Internal || k == errs.Forbidden {
			h.site.Error(w, r, err)
			return
		}
		h.render(w, r, web.Status(errs.KindOf(err)), web.Typed(r), errs.As(err), "")
		return
	}
	http.Redirect(w, r, "/admin/govstack?done="+done, http.StatusSeeOther)
}

func (h *HTTP) link(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "linked", func(f url.Values, bad *errs.Validation) change {
		member, err := gateway.ParseClientID(f.Get("link_member"))
		if err != nil || member.IsSubsystem() {
			bad.Add("link_member", "govstack.admin.error.choose_member")
		}
		agency := f.Get("link_agency")
		if _, err := h.svc.catalog.Agency(agency); err != nil {
			bad.Add("link_agency", "govstack.admin.error.choose_agency")
		}
		return change{action: "govstack.agency.link", object: "gateway_member:" + member.String(), detail: map[string]string{"agency": agency},
			tx: func(ctx context.Context, q store.Querier) error { return linkAgency(ctx, q, member, agency) }}
	})
}

func (h *HTTP) unlink(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "unlinked", func(f url.Values, bad *errs.Validation) change {
		member, err := gateway.ParseClientID(f.Get("link_member"))
		if err != nil || member.IsSubsystem() {
			bad.Add("link_member", "govstack.admin.error.choose_member")
		}
		return change{action: "govstack.agency.unlink", object: "gateway_member:" + member.String(),
			tx: func(ctx context.Context, q store.Querier) error { return unlinkAgency(ctx, q, member) }}
	})
}

// bicLike is a PayerFI-Id: a BIC (8 or 11 characters) or another bank
// code of capital Latin letters and digits, at most 20.
var bicLike = regexp.MustCompile(`^[A-Z0-9]{4,20}$`)

func (h *HTTP) registerPayerFI(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "payer_fi", func(f url.Values, bad *errs.Validation) change {
		fi := PayerFI{ID: strings.TrimSpace(f.Get("fi_id")), Name: strings.TrimSpace(f.Get("fi_name")),
			CallbackURL: strings.TrimSpace(f.Get("fi_callback_url"))}
		if !bicLike.MatchString(fi.ID) {
			bad.Add("fi_id", "govstack.admin.error.bad_bic")
		}
		client, err := gateway.ParseClientID(strings.TrimSpace(f.Get("fi_subsystem")))
		if err != nil || !client.IsSubsystem() {
			bad.Add("fi_subsystem", "govstack.admin.error.bad_subsystem")
		}
		fi.Client = client
		if fi.Name == "" || len(fi.Name) > 200 {
			bad.Add("fi_name", "govstack.admin.error.name_required")
		}
		if !webURL(fi.CallbackURL) {
			bad.Add("fi_callback_url", "govstack.admin.error.bad_url")
		}
		return change{action: "govstack.payer_fi.register", object: "govstack_payer_fi:" + fi.ID,
			detail: map[string]string{"subsystem": client.String(), "callback_url": fi.CallbackURL},
			first:  func(ctx context.Context) error { return h.svc.RegisterPayerFI(ctx, fi) }}
	})
}

func (h *HTTP) registerBiller(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "biller", func(f url.Values, bad *errs.Validation) change {
		client, err := gateway.ParseClientID(f.Get("biller_subsystem"))
		if err != nil || !client.IsSubsystem() {
			bad.Add("biller_subsystem", "govstack.admin.error.choose_subsystem")
		}
		callback := strings.TrimSpace(f.Get("biller_callback_url"))
		if !webURL(callback) {
			bad.Add("biller_callback_url", "govstack.admin.error.bad_url")
		}
		return change{action: "govstack.biller.register", object: "gateway_subsystem:" + client.String(),
			detail: map[string]string{"callback_url": callback},
			first:  func(ctx context.Context) error { return h.svc.RegisterBiller(ctx, client, callback) }}
	})
}

// webURL reports whether s is an absolute http or https address.
func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && len(s) <= 2000 && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}
