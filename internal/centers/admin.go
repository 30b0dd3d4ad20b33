package centers

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/web"
)

// The platform's administrators set each centre's hours, the services it
// offers with their ticket letters, its desks and what each desk serves,
// and the queue's priority rules.
var admins = web.Roles(identity.RoleAdmin)

// MaxDesks bounds a centre's desks (the largest ASAN centre has about 60).
const MaxDesks = 99

func (h *HTTP) adminRoutes(rt *web.Router) {
	rt.HandleFunc("GET /admin/centres", admins, h.adminList)
	rt.HandleFunc("POST /admin/centres/priority", admins, h.adminPriority)
	rt.HandleFunc("GET /admin/centres/{slug}", admins, h.adminEdit)
	rt.HandleFunc("POST /admin/centres/{slug}", admins, h.adminSave)
}

// UpdateCentre replaces a centre's hours, services and desks. A service
// cannot be withdrawn while people are booked for it; by is recorded in
// the audit log.
func (s *Service) UpdateCentre(ctx context.Context, by string, c *Centre) error {
	if err := validateCentre(c); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		old, err := loadCentres(ctx, tx, c.Slug)
		if err != nil {
			return err
		}
		if len(old) == 0 {
			return notFound()
		}
		prev := old[0]
		c.Name, c.Address = prev.Name, prev.Address
		for _, o := range prev.Services {
			if c.Offers(o.Service) {
				continue
			}
			var booked int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM centers_bookings WHERE centre = $1 AND service = $2
				AND status = $3 AND starts_at >= $4`, c.Slug, o.Service, Booked, s.now()).Scan(&booked); err != nil {
				return err
			}
			if booked > 0 {
				return errs.E(errs.Conflict, "centers.admin.error.booked").FieldWith("offer-"+o.Service,
					"centers.admin.error.booked", map[string]any{"N": booked})
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM centers_offers WHERE centre = $1 AND service = $2`, c.Slug, o.Service); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM centers_desks WHERE centre = $1 AND number > $2`, c.Slug, len(c.Desks)); err != nil {
			return err
		}
		var position int
		if err := tx.QueryRowContext(ctx, `SELECT position FROM centers_centres WHERE slug = $1`, c.Slug).Scan(&position); err != nil {
			return err
		}
		if err := saveCentre(ctx, tx, c, position); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: by, Action: "centre.update", Object: "centre:" + c.Slug,
			Detail: map[string]string{"services": strconv.Itoa(len(c.Services)), "desks": strconv.Itoa(len(c.Desks))}})
		return err
	})
}

// validateCentre checks what an administrator sent, naming each field.
func validateCentre(c *Centre) error {
	var v errs.Validation
	for _, wd := range Weekdays {
		d, ok := c.Hours[wd]
		if !ok {
			continue
		}
		if (Hours{wd: d}).Validate() != nil {
			v.Add("hours-"+strconv.Itoa(int(wd)), "centers.admin.error.hours")
		}
	}
	letters := map[string]bool{}
	for _, o := range c.Services {
		if len(o.Letter) != 1 || o.Letter[0] < 'A' || o.Letter[0] > 'Z' {
			v.Add("letter-"+o.Service, "centers.admin.error.letter")
		} else if letters[o.Letter] {
			v.Add("letter-"+o.Service, "centers.admin.error.letter_taken")
		}
		letters[o.Letter] = true
	}
	if len(c.Desks) == 0 || len(c.Desks) > MaxDesks {
		v.AddWith("desks", "centers.admin.error.desks", map[string]any{"Max": MaxDesks})
	}
	for _, d := range c.Desks {
		if len(d.Services) == 0 {
			v.Add("desk-"+strconv.Itoa(d.Number), "centers.admin.error.desk_empty")
		}
		for _, sv := range d.Services {
			if !c.Offers(sv) {
				v.Add("desk-"+strconv.Itoa(d.Number), "centers.admin.error.desk_service")
				break
			}
		}
	}
	return v.Err()
}

// SetPriorityRules changes the ranks and minimum ages of existing rules.
func (s *Service) SetPriorityRules(ctx context.Context, by string, rules []PriorityRule) error {
	var v errs.Validation
	for _, r := range rules {
		if r.Rank < 1 || r.Rank > 100 {
			v.Add("rank-"+r.Code, "centers.admin.error.rank")
		}
		if r.MinAge < 0 || r.MinAge > 120 {
			v.Add("min_age-"+r.Code, "centers.admin.error.min_age")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, r := range rules {
			res, err := tx.ExecContext(ctx, `UPDATE centers_priority_rules SET rank = $1, min_age = $2 WHERE code = $3`, r.Rank, r.MinAge, r.Code)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return notFound()
			}
			if _, err := audit.Append(ctx, tx, audit.Entry{Actor: by, Action: "centre.priority_rule", Object: "priority_rule:" + r.Code,
				Detail: map[string]string{"rank": strconv.Itoa(r.Rank), "min_age": strconv.Itoa(r.MinAge)}}); err != nil {
				return err
			}
		}
		return nil
	})
}

type adminListData struct {
	Centres []*Centre
	Rules   []PriorityRule
}

func (h *HTTP) adminList(w http.ResponseWriter, r *http.Request) {
	h.renderAdminList(w, r, http.StatusOK, nil)
}

func (h *HTTP) renderAdminList(w http.ResponseWriter, r *http.Request, status int, fail error) {
	centres, err := h.svc.Centres(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	rules, err := h.svc.PriorityRules(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "centers.admin.title", adminListData{Centres: centres, Rules: rules})
	if fail != nil {
		v.Err, v.Form = errs.As(fail), web.Typed(r)
	} else {
		v.Form = url.Values{}
		for _, rl := range rules {
			v.Form.Set("rank-"+rl.Code, strconv.Itoa(rl.Rank))
			v.Form.Set("min_age-"+rl.Code, strconv.Itoa(rl.MinAge))
		}
	}
	h.pages.Render(w, r, status, "admin_centres", v)
}

func (h *HTTP) adminPriority(w http.ResponseWriter, r *http.Request) {
	rules, err := h.svc.PriorityRules(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	for i, rl := range rules {
		rules[i].Rank, _ = strconv.Atoi(strings.TrimSpace(r.PostFormValue("rank-" + rl.Code)))
		rules[i].MinAge, _ = strconv.Atoi(strings.TrimSpace(r.PostFormValue("min_age-" + rl.Code)))
		if r.PostFormValue("min_age-"+rl.Code) == "" {
			rules[i].MinAge = 0
		}
	}
	if err := h.svc.SetPriorityRules(r.Context(), web.PrincipalOf(r.Context()).Subject, rules); err != nil {
		if errs.KindOf(err) == errs.Invalid {
			h.renderAdminList(w, r, http.StatusUnprocessableEntity, err)
			return
		}
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/centres?saved=1", http.StatusSeeOther)
}

// adminCentreData is the edit form, drawn from the form's values: every
// service the catalog offers at centres, the week's hours and the desks.
type adminCentreData struct {
	Centre   *Centre
	Hours    []hoursRow
	Services []serviceRow
	Desks    []deskRow
}

type hoursRow struct {
	Key     string // the weekday's number, as in the fields' names
	Weekday time.Weekday
	Open    bool
}

type serviceRow struct {
	Slug, Name string
	Offered    bool
}

type deskRow struct {
	Number  int
	Choices []deskChoice
}

type deskChoice struct {
	Slug, Name string
	Checked    bool
}

func (h *HTTP) adminEdit(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Centre(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.renderAdminEdit(w, r, http.StatusOK, c, centreForm(c), nil)
}

func (h *HTTP) centreServices(r *http.Request) []*catalog.Service {
	if h.svc.cfg.Catalog == nil {
		return nil
	}
	return h.svc.cfg.Catalog.Services(web.LangOf(r.Context()), catalog.Filter{Channel: catalog.Centre})
}

func (h *HTTP) renderAdminEdit(w http.ResponseWriter, r *http.Request, status int, c *Centre, form url.Values, fail error) {
	l := web.LangOf(r.Context())
	d := adminCentreData{Centre: c}
	for _, wd := range Weekdays {
		k := strconv.Itoa(int(wd))
		d.Hours = append(d.Hours, hoursRow{Key: k, Weekday: wd, Open: form.Get("open-"+k) != ""})
	}
	services := h.centreServices(r)
	for _, s := range services {
		d.Services = append(d.Services, serviceRow{Slug: s.Slug, Name: s.Name.In(l), Offered: form.Get("offer-"+s.Slug) != ""})
	}
	n, _ := strconv.Atoi(strings.TrimSpace(form.Get("desks")))
	for i := 1; i <= min(max(n, 1), MaxDesks); i++ {
		row := deskRow{Number: i}
		checked := form["desk-"+strconv.Itoa(i)]
		for _, s := range services {
			if form.Get("offer-"+s.Slug) != "" || slices.Contains(checked, s.Slug) {
				row.Choices = append(row.Choices, deskChoice{Slug: s.Slug, Name: s.Name.In(l), Checked: slices.Contains(checked, s.Slug)})
			}
		}
		d.Desks = append(d.Desks, row)
	}
	v := h.site.View(r, "centers.admin.edit", d)
	v.Crumbs = []web.Crumb{{Label: v.T("centers.admin.title"), URL: "/admin/centres"}}
	v.Form = form
	if fail != nil {
		v.Err = errs.As(fail)
	}
	h.pages.Render(w, r, status, "admin_centre", v)
}

// centreForm is a centre as its edit form's values.
func centreForm(c *Centre) url.Values {
	f := url.Values{"desks": {strconv.Itoa(len(c.Desks))}}
	for wd, d := range c.Hours {
		k := strconv.Itoa(int(wd))
		f.Set("open-"+k, "1")
		f.Set("from-"+k, d.Open)
		f.Set("to-"+k, d.Close)
		f.Set("lunch_from-"+k, d.LunchFrom)
		f.Set("lunch_to-"+k, d.LunchTo)
	}
	for _, o := range c.Services {
		f.Set("offer-"+o.Service, "1")
		f.Set("letter-"+o.Service, o.Letter)
	}
	for _, d := range c.Desks {
		f["desk-"+strconv.Itoa(d.Number)] = slices.Clone(d.Services)
	}
	return f
}

// centreFrom reads the edit form back into a centre.
func centreFrom(slug string, f url.Values, services []*catalog.Service) *Centre {
	c := &Centre{Slug: slug, Hours: Hours{}}
	for _, wd := range Weekdays {
		k := strconv.Itoa(int(wd))
		if f.Get("open-"+k) == "" {
			continue
		}
		c.Hours[wd] = Day{Open: strings.TrimSpace(f.Get("from-" + k)), Close: strings.TrimSpace(f.Get("to-" + k)),
			LunchFrom: strings.TrimSpace(f.Get("lunch_from-" + k)), LunchTo: strings.TrimSpace(f.Get("lunch_to-" + k))}
	}
	for _, s := range services {
		if f.Get("offer-"+s.Slug) != "" {
			c.Services = append(c.Services, Offer{Service: s.Slug, Letter: strings.ToUpper(strings.TrimSpace(f.Get("letter-" + s.Slug)))})
		}
	}
	n, _ := strconv.Atoi(strings.TrimSpace(f.Get("desks")))
	for i := 1; i <= min(n, MaxDesks+1); i++ {
		c.Desks = append(c.Desks, Desk{Number: i, Services: f["desk-"+strconv.Itoa(i)]})
	}
	return c
}

func (h *HTTP) adminSave(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Centre(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	services := h.centreServices(r)
	if err := r.ParseForm(); err != nil {
		h.site.Error(w, r, errs.E(errs.Invalid, "error.bad_request"))
		return
	}
	updated := centreFrom(c.Slug, r.PostForm, services)
	// "Change the number of desks" only redraws the form.
	if r.PostFormValue("redraw") != "" {
		h.renderAdminEdit(w, r, http.StatusOK, c, r.PostForm, nil)
		return
	}
	if err := h.svc.UpdateCentre(r.Context(), web.PrincipalOf(r.Context()).Subject, updated); err != nil {
		if k := errs.KindOf(err); k == errs.Invalid || k == errs.Conflict {
			h.renderAdminEdit(w, r, web.Status(k), c, r.PostForm, err)
			return
		}
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/centres/"+c.Slug+"?saved=1", http.StatusSeeOther)
}
