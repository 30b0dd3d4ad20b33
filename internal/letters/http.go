package letters

import (
	"embed"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/files"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed locales/*.json
var localesFS embed.FS

// HTTP serves the cabinet's letters and the agencies' letter inbox.
type HTTP struct {
	svc   *Service
	site  *web.Site
	pages *web.Pages
}

// NewHTTP builds the handlers and adds the module's messages (and the file
// store's) to the site.
func NewHTTP(svc *Service, site *web.Site) *HTTP {
	site.Messages.MustLoad(localesFS, "locales")
	site.Messages.MustLoad(files.Locales, "locales")
	return &HTTP{svc: svc, site: site, pages: site.Pages(templatesFS, "templates")}
}

// People write letters for themselves or for a business they act for.
var people = web.Roles(identity.RoleCitizen, identity.RoleForeigner)

// Officials read and answer their agency's letters.
var officials = web.Roles(identity.RoleAgencyOperator, identity.RoleAgencySupervisor)

// Routes registers every route of the module.
func (h *HTTP) Routes(rt *web.Router) {
	rt.HandleFunc("GET /cabinet/letters", people, h.list)
	rt.HandleFunc("GET /cabinet/letters/new", people, h.newPage)
	rt.HandleFunc("POST /cabinet/letters", people, h.write)
	rt.HandleFunc("GET /cabinet/letters/{number}", people, h.show)
	rt.HandleFunc("GET /cabinet/letters/{number}/files/{file}", people, h.download)
	rt.HandleFunc("GET /office/letters", officials, h.inbox)
	rt.HandleFunc("GET /office/letters/new", officials, h.officeNewPage)
	rt.HandleFunc("POST /office/letters", officials, h.officeWrite)
	rt.HandleFunc("GET /office/letters/{number}", officials, h.officeShow)
	rt.HandleFunc("POST /office/letters/{number}/answer", officials, h.answer)
	rt.HandleFunc("POST /office/letters/{number}/extend", officials, h.extend)
	rt.HandleFunc("GET /office/letters/{number}/files/{file}", officials, h.officeDownload)
}

// sessionCookie is the web layer's session cookie; the SHA-256 of its
// token is the session's ID as the server keeps it (web_sessions.id_hash).
// actorOf is the signed-in person or official as an Actor, with the
// session their letters are signed with.
func actorOf(r *http.Request) Actor {
	ctx := r.Context()
	a := Actor{Lang: web.LangOf(ctx)}
	p := web.PrincipalOf(ctx)
	if p == nil {
		return a
	}
	a.AccountID, a.Name, a.Subject = p.AccountID, p.Name, p.Subject
	if p.Has(identity.RoleAgencyOperator) || p.Has(identity.RoleAgencySupervisor) {
		a.Kind, a.ID, a.Agency = ActorStaff, strings.TrimPrefix(p.Subject, "staff:"), p.Agency
	} else {
		a.Kind, a.FIN, a.OnBehalf, a.ID = ActorPerson, p.FIN, p.ActingFor, p.FIN
		if a.ID == "" {
			a.ID = p.Subject
		}
	}
	if sess := web.SessionOf(ctx); sess != nil {
		a.SessionStarted = sess.CreatedAt
		// The hash of the token is what the server stores as the
		// session's ID, so the letter names the very session.
		a.Session = sess.IDHash()
	}
	return a
}

// maxUpload bounds a letter's post: five files of at most 10 MB and the
// text.
var maxUpload = MaxAttachments*files.DefaultLimits.MaxSize + 1<<20

// uploads reads the files chosen in the form's field; close closes them.
func uploads(w http.ResponseWriter, r *http.Request, field string) (list []Upload, close func(), err error) {
	close = func() {}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		return nil, close, r.ParseForm()
	}
	if r.MultipartForm == nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, close, errs.E(errs.Invalid, "files.error.too_large").
				FieldWith(field, "files.error.too_large", map[string]any{"Max": "10 MB"})
		}
	}
	var opened []multipart.File
	close = func() {
		for _, f := range opened {
			f.Close()
		}
	}
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size == 0 && fh.Filename == "" {
			continue // the input left empty
		}
		f, err := fh.Open()
		if err != nil {
			close()
			return nil, func() {}, err
		}
		opened = append(opened, f)
		list = append(list, Upload{Name: fh.Filename, Content: f})
	}
	return list, close, nil
}

// formFailure reports whether err is one to show on the form again
// rather than as an error page.
func formFailure(err error) bool {
	k := errs.KindOf(err)
	return k == errs.Invalid || k == errs.Unavailable
}

// paragraphs splits a letter's text into paragraphs of lines, so that it
// shows as written without inline styles.
func paragraphs(s string) [][]string {
	var out [][]string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.Trim(p, "\n"); strings.TrimSpace(p) != "" {
			out = append(out, strings.Split(p, "\n"))
		}
	}
	return out
}

// row is a letter in a folder or the inbox.
type row struct {
	L      *Letter
	State  string
	Agency lang.Text
}

func (h *HTTP) rows(list []*Letter) []row {
	now := h.svc.now()
	out := make([]row, len(list))
	for i, l := range list {
		out[i] = row{L: l, State: l.State(now), Agency: h.svc.AgencyName(l.Agency)}
	}
	return out
}

// crumbs leads from the cabinet to the page; below the folders when
// inner.
func (h *HTTP) crumbs(v *web.View, inner bool) {
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.T("nav.cabinet"), URL: "/cabinet"}}
	if inner {
		v.Crumbs = append(v.Crumbs, web.Crumb{Label: v.T("letters.list.title"), URL: "/cabinet/letters"})
	}
	v.Crumbs = append(v.Crumbs, web.Crumb{Label: v.Title})
}

type listData struct {
	Folder   string // sent or received
	Rows     []row
	Sent     int
	Received int
	OnBehalf string
}

func (h *HTTP) list(w http.ResponseWriter, r *http.Request) {
	actor := actorOf(r)
	sent, err := h.svc.Sent(r.Context(), actor)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	received, err := h.svc.Received(r.Context(), actor)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := listData{Folder: "sent", Sent: len(sent), Received: len(received), OnBehalf: actor.OnBehalf}
	if r.URL.Query().Get("folder") == "received" {
		d.Folder, d.Rows = "received", h.rows(received)
	} else {
		d.Rows = h.rows(sent)
	}
	v := h.site.View(r, "letters.list.title", d)
	h.crumbs(v, false)
	h.pages.Render(w, r, http.StatusOK, "list", v)
}

type agencyOption struct {
	Slug string
	Name string
}

type newData struct {
	Agencies []agencyOption
	OnBehalf string
	Session  time.Time
}

func (h *HTTP) newPage(w http.ResponseWriter, r *http.Request) {
	h.renderNew(w, r, http.StatusOK, nil)
}

func (h *HTTP) renderNew(w http.ResponseWriter, r *http.Request, status int, fail error) {
	actor := actorOf(r)
	l := web.LangOf(r.Context())
	d := newData{OnBehalf: actor.OnBehalf, Session: actor.SessionStarted}
	for _, a := range h.svc.cfg.Catalog.Agencies(l) {
		d.Agencies = append(d.Agencies, agencyOption{Slug: a.Slug, Name: a.Name.In(l)})
	}
	v := h.site.View(r, "letters.new.title", d)
	h.crumbs(v, true)
	if fail != nil {
		v.Err, v.Form = errs.As(fail), web.Typed(r)
	} else if ag := r.URL.Query().Get("agency"); ag != "" {
		// A link from an agency's page chooses it.
		v.Form = url.Values{"agency": {ag}}
	}
	h.pages.Render(w, r, status, "new", v)
}

func (h *HTTP) write(w http.ResponseWriter, r *http.Request) {
	list, closeFiles, err := uploads(w, r, "files")
	defer closeFiles()
	if err != nil {
		if formFailure(err) {
			h.renderNew(w, r, http.StatusUnprocessableEntity, err)
			return
		}
		h.site.Error(w, r, errs.E(errs.Invalid, "error.invalid"))
		return
	}
	l, err := h.svc.Write(r.Context(), actorOf(r), Draft{Agency: r.PostFormValue("agency"),
		Subject: r.PostFormValue("subject"), Text: r.PostFormValue("text"), Files: list})
	if err != nil {
		if formFailure(err) {
			h.renderNew(w, r, web.Status(errs.KindOf(err)), err)
			return
		}
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/letters/"+l.Number+"?sent=1", http.StatusSeeOther)
}

// threadData is a letter with its thread, for the person and the office.
type threadData struct {
	L         *Letter
	State     string
	Agency    lang.Text
	Verified  bool
	DaysLeft  int
	Text      [][]string
	Reason    [][]string
	Answer    [][]string
	Extended  time.Time // when an extension would make the answer due
	Just      bool      // the letter was just sent
	FilesBase string    // where its files download from
}

func (h *HTTP) thread(l *Letter, base string) threadData {
	now := h.svc.now()
	d := threadData{L: l, State: l.State(now), Agency: h.svc.AgencyName(l.Agency), Verified: h.svc.Verify(l),
		Text: paragraphs(l.Text), Reason: paragraphs(l.ExtensionReason), Answer: paragraphs(l.Answer),
		FilesBase: base + "/" + l.Number + "/files/"}
	if l.Open() {
		d.DaysLeft = h.svc.DaysLeft(l)
	}
	if l.Extendable(now) {
		d.Extended = h.svc.cfg.Calendar.AddWorkingDays(l.SentAt, ExtendedDays)
	}
	return d
}

func (h *HTTP) show(w http.ResponseWriter, r *http.Request) {
	l, err := h.svc.Mine(r.Context(), actorOf(r), r.PathValue("number"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := h.thread(l, "/cabinet/letters")
	d.Just = r.URL.Query().Get("sent") == "1"
	v := h.site.View(r, "", d)
	v.Title = v.T("letters.show.title", "Number", l.Ref())
	h.crumbs(v, true)
	h.pages.Render(w, r, http.StatusOK, "show", v)
}

func (h *HTTP) download(w http.ResponseWriter, r *http.Request) {
	rc, a, err := h.svc.MyFile(r.Context(), actorOf(r), r.PathValue("number"), r.PathValue("file"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.serveFile(w, r, rc, a)
}

// serveFile sends a letter's file as an attachment, so the browser never
// renders it in egov's origin.
func (h *HTTP) serveFile(w http.ResponseWriter, r *http.Request, rc io.ReadCloser, a Attachment) {
	defer rc.Close()
	w.Header().Set("Content-Type", a.Type)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(a.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	if _, err := io.Copy(w, rc); err != nil && !errors.Is(err, http.ErrHandlerTimeout) {
		h.site.Logger.Warn("send file", "err", err)
	}
}
