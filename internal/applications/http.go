package applications

import (
	"embed"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/files"
	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed locales/*.json
var localesFS embed.FS

// HTTP serves the cabinet's applications, the back office and the API.
type HTTP struct {
	svc   *Service
	site  *web.Site
	pages *web.Pages
}

// NewHTTP builds the handlers and adds the module's messages (and the
// form engine's and file store's) to the site.
func NewHTTP(svc *Service, site *web.Site) *HTTP {
	site.Messages.MustLoad(localesFS, "locales")
	site.Messages.MustLoad(forms.Locales, "locales")
	site.Messages.MustLoad(files.Locales, "locales")
	return &HTTP{svc: svc, site: site, pages: site.Pages(templatesFS, "templates")}
}

// Applicants are people applying for themselves or for a business they
// represent; staff do not apply.
var applicants = web.Roles(identity.RoleCitizen, identity.RoleForeigner)

// Officials work an agency's applications.
var officials = web.Roles(identity.RoleAgencyOperator, identity.RoleAgencySupervisor)

// Routes registers every route of the module.
func (h *HTTP) Routes(rt *web.Router) {
	rt.HandleFunc("GET /services/{slug}/apply", applicants, h.startPage)
	rt.HandleFunc("POST /services/{slug}/apply", applicants, h.start)
	rt.HandleFunc("GET /cabinet/applications", applicants, h.list)
	rt.HandleFunc("GET /cabinet/applications/{number}", applicants, h.show)
	rt.HandleFunc("GET /cabinet/applications/{number}/form/{page}", applicants, h.formPage)
	rt.HandleFunc("POST /cabinet/applications/{number}/form/{page}", applicants, h.saveForm)
	rt.HandleFunc("GET /cabinet/applications/{number}/check", applicants, h.check)
	rt.HandleFunc("POST /cabinet/applications/{number}/submit", applicants, h.submit)
	rt.HandleFunc("POST /cabinet/applications/{number}/withdraw", applicants, h.withdraw)
	rt.HandleFunc("POST /cabinet/applications/{number}/respond", applicants, h.respond)
	rt.HandleFunc("POST /cabinet/applications/{number}/files/{file}/remove", applicants, h.removeFile)
	rt.HandleFunc("GET /cabinet/applications/{number}/files/{file}", applicants, h.download)
	rt.HandleFunc("GET /cabinet/applications/{number}/correction/{field}", applicants, h.correctionPage)
	rt.HandleFunc("POST /cabinet/applications/{number}/correction/{field}", applicants, h.correct)
	h.officeRoutes(rt)
	h.apiRoutes(rt)
}

// actorOf is the signed-in person or official as an Actor.
func actorOf(r *http.Request) Actor {
	p := web.PrincipalOf(r.Context())
	a := Actor{Lang: web.LangOf(r.Context())}
	if p == nil {
		return a
	}
	a.AccountID, a.Name, a.Agency = p.AccountID, p.Name, p.Agency
	switch {
	case strings.HasPrefix(p.Subject, "apikey:"):
		a.Kind, a.ID = ActorAPI, p.Name
	case p.Has(identity.RoleAgencyOperator) || p.Has(identity.RoleAgencySupervisor):
		a.Kind, a.ID = ActorStaff, strings.TrimPrefix(p.Subject, "staff:")
	default:
		a.Kind, a.ID, a.FIN, a.OnBehalf = ActorApplicant, p.FIN, p.FIN, p.ActingFor
		if a.ID == "" {
			a.ID = p.Subject
		}
	}
	return a
}

func (h *HTTP) crumbs(v *web.View, app *Application) {
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.T("identity.cabinet.title"), URL: "/cabinet"},
		{Label: v.T("applications.list.title"), URL: "/cabinet/applications"}}
	if app != nil {
		v.Crumbs = append(v.Crumbs, web.Crumb{Label: app.Ref(), URL: "/cabinet/applications/" + app.Number})
	}
	v.Crumbs = append(v.Crumbs, web.Crumb{Label: v.Title})
}

type startData struct {
	Service  any
	Agency   any
	Registry []lang.Text // what will be filled in from the registries
	Pages    int
}

func (h *HTTP) startPage(w http.ResponseWriter, r *http.Request) {
	svc, schema, err := h.svc.onlineService(r.PathValue("slug"), actorOf(r))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := startData{Service: svc, Pages: len(schema.Pages())}
	if ag, err := h.svc.cfg.Catalog.Agency(svc.Agency); err == nil {
		d.Agency = ag
	}
	for _, f := range schema.Fields {
		if f.Registry != "" {
			d.Registry = append(d.Registry, f.Label)
		}
	}
	v := h.site.View(r, "", d)
	v.Title = v.Text(svc.Name)
	v.Nav = "services"
	v.Crumbs = []web.Crumb{{Label: v.T("nav.services"), URL: "/services"}, {Label: v.Title, URL: "/services/" + svc.Slug},
		{Label: v.T("applications.start.crumb")}}
	h.pages.Render(w, r, http.StatusOK, "start", v)
}

func (h *HTTP) start(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.Start(r.Context(), actorOf(r), r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/applications/"+a.Number+"/form/1", http.StatusSeeOther)
}

type listData struct {
	Drafts       []*Application
	Applications []*Application
	Names        map[string]lang.Text
	Corrections  []*Correction
}

func (h *HTTP) list(w http.ResponseWriter, r *http.Request) {
	all, err := h.svc.ListMine(r.Context(), actorOf(r))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := listData{Names: map[string]lang.Text{}}
	if d.Corrections, err = h.svc.MyCorrections(r.Context(), actorOf(r)); err != nil {
		h.site.Error(w, r, err)
		return
	}
	for _, a := range all {
		switch a.Status {
		case Draft:
			d.Drafts = append(d.Drafts, a)
		case Withdrawn:
			if a.SubmittedAt == nil {
				continue // a discarded draft
			}
			d.Applications = append(d.Applications, a)
		default:
			d.Applications = append(d.Applications, a)
		}
		d.Names[a.Service] = h.svc.name(a.Service)
	}
	v := h.site.View(r, "applications.list.title", d)
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.T("identity.cabinet.title"), URL: "/cabinet"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "list", v)
}

type showData struct {
	App       *Application
	Name      lang.Text
	Steps     []Step
	Answers   []answerView
	Decisions []Attachment // files the agency attached
	Submitted bool
	Due       int // working days left, when open
}

func (h *HTTP) show(w http.ResponseWriter, r *http.Request) {
	a, steps, err := h.svc.Mine(r.Context(), actorOf(r), r.PathValue("number"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	if a.Status == Draft {
		http.Redirect(w, r, h.svc.resumeAt(a), http.StatusSeeOther)
		return
	}
	h.renderShow(w, r, a, steps, http.StatusOK, nil)
}

func (h *HTTP) renderShow(w http.ResponseWriter, r *http.Request, a *Application, steps []Step, status int, fail error) {
	d := showData{App: a, Name: h.svc.name(a.Service), Steps: steps, Submitted: r.URL.Query().Get("submitted") == "1"}
	if schema, answers, err := h.svc.Answers(a); err == nil {
		d.Answers = answerViews(schema, answers, a, web.LangOf(r.Context()))
	}
	for _, at := range a.Attachments {
		if at.Field == decisionField {
			d.Decisions = append(d.Decisions, at)
		}
	}
	if a.DueAt != nil && a.Status.Open() {
		d.Due = h.svc.cfg.Calendar.WorkingDaysBetween(h.svc.now(), *a.DueAt)
	}
	v := h.site.View(r, "", d)
	v.Title = v.T("applications.show.title", "Number", a.Ref())
	h.crumbs(v, nil)
	if fail != nil {
		v.Err = errs.As(fail)
		v.Form = r.PostForm
	}
	h.pages.Render(w, r, status, "show", v)
}

// answerView is one answer as the check page and the office show it.
type answerView struct {
	Name      string
	Label     string
	Value     string
	Files     []Attachment
	Prefilled bool
	Source    string // message id of the registry's name
	Page      int    // the form page that asks it, 0 when not asked
}

func answerViews(schema *forms.Schema, answers forms.Answers, a *Application, l lang.Lang) []answerView {
	pageOf := map[string]int{}
	for i, p := range askablePages(schema, a) {
		for _, f := range p.Fields {
			pageOf[f.Name] = i + 1
		}
	}
	var out []answerView
	for _, f := range schema.Fields {
		if !schema.Visible(f, answers) {
			continue
		}
		av := answerView{Name: f.Name, Label: f.Label.In(l), Page: pageOf[f.Name]}
		if p, ok := a.Prefilled[f.Name]; ok && p.Value != "" {
			av.Prefilled, av.Source = true, "applications.source."+registryOf(p.Source)
		}
		if f.Type == forms.File {
			for _, at := range a.Attachments {
				if at.Field == f.Name {
					av.Files = append(av.Files, at)
				}
			}
		} else {
			av.Value = schema.Display(f, answers[f.Name], l)
		}
		out = append(out, av)
	}
	return out
}

func registryOf(attribute string) string {
	reg, _, _ := strings.Cut(attribute, ".")
	return reg
}

// askablePages are the pages of the form that ask the person something:
// pages whose every field is known from a registry or hidden by an earlier
// answer are skipped.
func askablePages(schema *forms.Schema, a *Application) []forms.Page {
	answers := forms.Answers{}
	for k, v := range a.Answers {
		answers[k] = v
	}
	for name, p := range a.Prefilled {
		if p.Value != "" {
			answers[name] = []string{p.Value}
		}
	}
	var out []forms.Page
	for _, p := range schema.Pages() {
		var asked []forms.Field
		for _, f := range p.Fields {
			if a.Prefilled[f.Name].Value != "" || !schema.Visible(f, answers) {
				continue
			}
			asked = append(asked, f)
		}
		if len(asked) > 0 {
			out = append(out, forms.Page{Key: p.Key, Fields: asked})
		}
	}
	return out
}

// fieldView is one input of a form page, ready for the template.
type fieldView struct {
	Name         string
	Type         string
	Label        string
	Hint         string
	Value        string
	Options      []optionView
	Error        string
	Required     bool
	InputType    string
	InputMode    string
	Autocomplete string
	Files        []Attachment
	Choices      []string // known values to pick from (a person's vehicles)
}

type optionView struct {
	Value   string
	Label   string
	Checked bool
}

type formData struct {
	App      *Application
	Name     lang.Text
	Page     int
	Pages    int
	Fields   []fieldView
	Known    []answerView // what the registries filled in
	Multi    bool         // the page uploads files
	Change   bool
	Previous string
	Order    []string // field names, for the error summary
}

func (h *HTTP) draft(w http.ResponseWriter, r *http.Request) (*Application, *forms.Schema, bool) {
	a, _, err := h.svc.Mine(r.Context(), actorOf(r), r.PathValue("number"))
	if err != nil {
		h.site.Error(w, r, err)
		return nil, nil, false
	}
	if a.Status != Draft {
		http.Redirect(w, r, "/cabinet/applications/"+a.Number, http.StatusSeeOther)
		return nil, nil, false
	}
	svc, err := h.svc.cfg.Catalog.Service(a.Service)
	if err != nil {
		h.site.Error(w, r, err)
		return nil, nil, false
	}
	schema, err := h.svc.Form(svc)
	if err != nil {
		h.site.Error(w, r, err)
		return nil, nil, false
	}
	return a, schema, true
}

func (h *HTTP) formPage(w http.ResponseWriter, r *http.Request) {
	a, schema, ok := h.draft(w, r)
	if !ok {
		return
	}
	h.renderForm(w, r, a, schema, nil, nil)
}

func pageIndex(r *http.Request, n int) (int, bool) {
	i, err := strconv.Atoi(r.PathValue("page"))
	return i, err == nil && i >= 1 && i <= n
}

func (h *HTTP) renderForm(w http.ResponseWriter, r *http.Request, a *Application, schema *forms.Schema, typed url.Values, fail error) {
	pages := askablePages(schema, a)
	if len(pages) == 0 {
		http.Redirect(w, r, "/cabinet/applications/"+a.Number+"/check", http.StatusSeeOther)
		return
	}
	i, ok := pageIndex(r, len(pages))
	if !ok {
		http.Redirect(w, r, "/cabinet/applications/"+a.Number+"/form/1", http.StatusSeeOther)
		return
	}
	l := web.LangOf(r.Context())
	v := h.site.View(r, "", nil)
	if fail != nil {
		v.Err = errs.As(fail)
	}
	d := formData{App: a, Name: h.svc.name(a.Service), Page: i, Pages: len(pages), Change: r.URL.Query().Get("change") == "1"}
	if i > 1 {
		d.Previous = "/cabinet/applications/" + a.Number + "/form/" + strconv.Itoa(i-1)
	} else {
		d.Previous = "/services/" + a.Service
	}
	if i == 1 {
		answers := h.svc.merged(a, schema)
		for _, av := range answerViews(schema, answers, a, l) {
			if av.Prefilled {
				d.Known = append(d.Known, av)
			}
		}
	}
	for _, f := range pages[i-1].Fields {
		fv := fieldView{Name: f.Name, Type: string(f.Type), Label: f.Label.In(l), Hint: f.Hint.In(l), Required: f.Required,
			Error: v.FieldError(f.Name), Choices: a.Prefilled[f.Name].Values}
		values := a.Answers[f.Name]
		if typed != nil {
			values = typed[f.Name]
		}
		if len(values) > 0 {
			fv.Value = values[0]
		}
		fv.InputType, fv.InputMode, fv.Autocomplete = inputKind(f.Type)
		for _, o := range f.Options {
			fv.Options = append(fv.Options, optionView{Value: o.Value, Label: o.Label.In(l), Checked: slices.Contains(values, o.Value)})
		}
		if f.Type == forms.YesNo {
			for _, o := range []string{"yes", "no"} {
				fv.Options = append(fv.Options, optionView{Value: o, Label: v.T("forms." + o), Checked: slices.Contains(values, o)})
			}
		}
		if f.Type == forms.File {
			d.Multi = true
			for _, at := range a.Attachments {
				if at.Field == f.Name {
					fv.Files = append(fv.Files, at)
				}
			}
		}
		d.Fields = append(d.Fields, fv)
		d.Order = append(d.Order, f.Name)
	}
	v.Data = d
	v.Title = pages[i-1].Fields[0].Label.In(l)
	if len(pages[i-1].Fields) > 1 || pages[i-1].Key != "" {
		v.Title = d.Name.In(l)
	}
	h.crumbs(v, nil)
	status := http.StatusOK
	if fail != nil {
		status = http.StatusUnprocessableEntity
	}
	h.pages.Render(w, r, status, "form", v)
}

// inputKind is the HTML input type, input mode and autocomplete token of
// a field type, so phones bring up the right keyboard.
func inputKind(t forms.Type) (inputType, inputMode, autocomplete string) {
	switch t {
	case forms.Number, forms.Money:
		return "text", "decimal", ""
	case forms.Date:
		return "date", "", ""
	case forms.Phone:
		return "tel", "tel", "tel"
	case forms.Email:
		return "email", "email", "email"
	case forms.FIN, forms.VOEN, forms.Plate:
		return "text", "", "off"
	}
	return "text", "", ""
}

// maxUpload bounds a form post with files: the file limit and room for
// the other fields.
const maxUpload = 12 << 20

func (h *HTTP) saveForm(w http.ResponseWriter, r *http.Request) {
	a, schema, ok := h.draft(w, r)
	if !ok {
		return
	}
	pages := askablePages(schema, a)
	i, ok := pageIndex(r, len(pages))
	if !ok {
		http.Redirect(w, r, "/cabinet/applications/"+a.Number+"/form/1", http.StatusSeeOther)
		return
	}
	page := pages[i-1]
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			h.renderForm(w, r, a, schema, r.PostForm, errs.E(errs.Invalid, "files.error.too_large").
				FieldWith(firstFileField(page), "files.error.too_large", map[string]any{"Max": "10 MB"}))
			return
		}
	} else if err := r.ParseForm(); err != nil {
		h.site.Error(w, r, errs.E(errs.Invalid, "error.invalid"))
		return
	}
	actor := actorOf(r)
	typed := forms.Answers{}
	var names []string
	for _, f := range page.Fields {
		names = append(names, f.Name)
		if vals := r.PostForm[f.Name]; len(vals) > 0 {
			typed[f.Name] = vals
		}
		if f.Type == forms.File && r.MultipartForm != nil {
			for _, fh := range r.MultipartForm.File[f.Name] {
				if fh.Size == 0 && fh.Filename == "" {
					continue
				}
				file, err := fh.Open()
				if err != nil {
					h.site.Error(w, r, err)
					return
				}
				a, err = h.svc.AddFile(r.Context(), actor, a.Number, f.Name, fh.Filename, file)
				file.Close()
				if err != nil {
					if errs.KindOf(err) == errs.Invalid || errs.KindOf(err) == errs.Unavailable {
						h.renderForm(w, r, h.reload(r, a), schema, r.PostForm, err)
						return
					}
					h.site.Error(w, r, err)
					return
				}
			}
		}
	}
	saved, invalid := h.svc.SaveAnswers(r.Context(), actor, a.Number, names, typed)
	if saved == nil {
		h.site.Error(w, r, invalid)
		return
	}
	if invalid != nil {
		h.renderForm(w, r, saved, schema, r.PostForm, invalid)
		return
	}
	if r.URL.Query().Get("change") == "1" {
		http.Redirect(w, r, "/cabinet/applications/"+a.Number+"/check", http.StatusSeeOther)
		return
	}
	// The next page is counted again: this answer may show or hide pages.
	next := askablePages(schema, saved)
	after := i + 1
	for j, p := range next {
		if p.Fields[0].Name == page.Fields[0].Name {
			after = j + 2
		}
	}
	if after > len(next) {
		http.Redirect(w, r, "/cabinet/applications/"+a.Number+"/check", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/cabinet/applications/"+a.Number+"/form/"+strconv.Itoa(after), http.StatusSeeOther)
}

func firstFileField(p forms.Page) string {
	for _, f := range p.Fields {
		if f.Type == forms.File {
			return f.Name
		}
	}
	return "file"
}

// reload reads the application again after a partial change; on failure
// the copy at hand serves.
func (h *HTTP) reload(r *http.Request, a *Application) *Application {
	if fresh, _, err := h.svc.Mine(r.Context(), actorOf(r), a.Number); err == nil {
		return fresh
	}
	return a
}

type checkData struct {
	App     *Application
	Name    lang.Text
	Answers []answerView
	Pages   int
}

func (h *HTTP) check(w http.ResponseWriter, r *http.Request) {
	a, schema, ok := h.draft(w, r)
	if !ok {
		return
	}
	h.renderCheck(w, r, a, schema, nil)
}

func (h *HTTP) renderCheck(w http.ResponseWriter, r *http.Request, a *Application, schema *forms.Schema, fail error) {
	l := web.LangOf(r.Context())
	answers := schema.Clean(h.svc.merged(a, schema))
	d := checkData{App: a, Name: h.svc.name(a.Service), Answers: answerViews(schema, answers, a, l),
		Pages: len(askablePages(schema, a))}
	v := h.site.View(r, "applications.check.title", d)
	h.crumbs(v, nil)
	status := http.StatusOK
	if fail != nil {
		e := errs.As(fail)
		// Field errors link to the page that asks the field.
		summary := errs.E(e.Kind, e.Message)
		for field, msg := range e.Fields {
			summary.FieldWith(field, msg, e.FieldArgs[field])
		}
		v.Err = summary
		status = http.StatusUnprocessableEntity
	}
	h.pages.Render(w, r, status, "check", v)
}

func (h *HTTP) submit(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.Submit(r.Context(), actorOf(r), r.PathValue("number"))
	if err != nil {
		if errs.KindOf(err) == errs.Invalid {
			if d, schema, ok := h.draft(w, r); ok {
				h.renderCheck(w, r, d, schema, err)
			}
			return
		}
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/applications/"+a.Number+"?submitted=1", http.StatusSeeOther)
}

func (h *HTTP) withdraw(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.Withdraw(r.Context(), actorOf(r), r.PathValue("number"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	if a.SubmittedAt == nil {
		http.Redirect(w, r, "/cabinet/applications", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/cabinet/applications/"+a.Number, http.StatusSeeOther)
}

func (h *HTTP) respond(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	number := r.PathValue("number")
	fail := func(err error) {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Unavailable {
			h.site.Error(w, r, err)
			return
		}
		a, steps, err2 := h.svc.Mine(r.Context(), actor, number)
		if err2 != nil {
			h.site.Error(w, r, err2)
			return
		}
		h.renderShow(w, r, a, steps, http.StatusUnprocessableEntity, err)
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			fail(errs.E(errs.Invalid, "files.error.too_large").FieldWith("file", "files.error.too_large", map[string]any{"Max": "10 MB"}))
			return
		}
		for _, fh := range r.MultipartForm.File["file"] {
			if fh.Size == 0 && fh.Filename == "" {
				continue
			}
			file, err := fh.Open()
			if err != nil {
				h.site.Error(w, r, err)
				return
			}
			_, err = h.svc.AddFile(r.Context(), actor, number, "", fh.Filename, file)
			file.Close()
			if err != nil {
				fail(err)
				return
			}
		}
	}
	if _, err := h.svc.Resubmit(r.Context(), actor, number, r.PostFormValue("message")); err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, "/cabinet/applications/"+number, http.StatusSeeOther)
}

func (h *HTTP) removeFile(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.RemoveFile(r.Context(), actorOf(r), r.PathValue("number"), r.PathValue("file"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/cabinet/applications/"+a.Number+"/") {
		back = "/cabinet/applications/" + a.Number + "/check"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (h *HTTP) download(w http.ResponseWriter, r *http.Request) {
	a, _, err := h.svc.Mine(r.Context(), actorOf(r), r.PathValue("number"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.serveFile(w, r, a)
}

// serveFile sends one of the application's files, as an attachment so the
// browser never renders it in egov's origin.
func (h *HTTP) serveFile(w http.ResponseWriter, r *http.Request, a *Application) {
	id := r.PathValue("file")
	i := slices.IndexFunc(a.Attachments, func(at Attachment) bool { return at.FileID == id })
	if i < 0 {
		h.site.NotFound(w, r)
		return
	}
	rc, f, err := h.svc.cfg.Files.Open(r.Context(), id)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", f.Type)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(a.Attachments[i].Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	if _, err := io.Copy(w, rc); err != nil && !errors.Is(err, http.ErrHandlerTimeout) {
		h.site.Logger.Warn("send file", "err", err)
	}
}

type correctionData struct {
	App   *Application
	Field answerView
}

func (h *HTTP) correctionTarget(w http.ResponseWriter, r *http.Request) (*Application, answerView, bool) {
	a, _, err := h.svc.Mine(r.Context(), actorOf(r), r.PathValue("number"))
	if err != nil {
		h.site.Error(w, r, err)
		return nil, answerView{}, false
	}
	schema, answers, err := h.svc.Answers(a)
	if err != nil {
		h.site.Error(w, r, err)
		return nil, answerView{}, false
	}
	for _, av := range answerViews(schema, answers, a, web.LangOf(r.Context())) {
		if av.Name == r.PathValue("field") && av.Prefilled {
			return a, av, true
		}
	}
	h.site.NotFound(w, r)
	return nil, answerView{}, false
}

func (h *HTTP) correctionPage(w http.ResponseWriter, r *http.Request) {
	a, av, ok := h.correctionTarget(w, r)
	if !ok {
		return
	}
	v := h.site.View(r, "applications.correction.title", correctionData{App: a, Field: av})
	h.crumbs(v, a)
	h.pages.Render(w, r, http.StatusOK, "correction", v)
}

func (h *HTTP) correct(w http.ResponseWriter, r *http.Request) {
	a, av, ok := h.correctionTarget(w, r)
	if !ok {
		return
	}
	if _, err := h.svc.ReportCorrection(r.Context(), actorOf(r), a, av.Name, r.PostFormValue("says")); err != nil {
		if errs.KindOf(err) != errs.Invalid {
			h.site.Error(w, r, err)
			return
		}
		v := h.site.View(r, "applications.correction.title", correctionData{App: a, Field: av})
		v.Err, v.Form = errs.As(err), r.PostForm
		h.crumbs(v, a)
		h.pages.Render(w, r, http.StatusUnprocessableEntity, "correction", v)
		return
	}
	back := "/cabinet/applications/" + a.Number
	if a.Status == Draft {
		back += "/check"
	}
	http.Redirect(w, r, back+"?reported=1", http.StatusSeeOther)
}

// resumeAt is where a draft picks up: the first page with a missing or
// wrong answer, or the check page when every page is acceptable.
func (s *Service) resumeAt(a *Application) string {
	base := "/cabinet/applications/" + a.Number
	svc, err := s.cfg.Catalog.Service(a.Service)
	if err != nil {
		return base + "/form/1"
	}
	schema, err := s.Form(svc)
	if err != nil {
		return base + "/form/1"
	}
	answers := s.merged(a, schema)
	for i, p := range askablePages(schema, a) {
		names := make([]string, len(p.Fields))
		for j, f := range p.Fields {
			names[j] = f.Name
		}
		if schema.Validate(answers, names...) != nil {
			return base + "/form/" + strconv.Itoa(i+1)
		}
	}
	return base + "/check"
}

// name is the service's name in three languages, or its slug.
func (s *Service) name(slug string) lang.Text {
	if svc, err := s.cfg.Catalog.Service(slug); err == nil {
		return svc.Name
	}
	return lang.Text{AZ: slug, EN: slug, RU: slug}
}
