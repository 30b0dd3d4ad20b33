package documents

import (
	"bytes"
	"embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
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

// Locales are the module's messages (prefix "documents.").
var Locales = localesFS

// HTTP serves verification, the key set, the cabinet's documents and
// shared documents.
type HTTP struct {
	svc   *Service
	site  *web.Site
	pages *web.Pages
}

// NewHTTP builds the handlers and adds the module's messages to the site.
func NewHTTP(svc *Service, site *web.Site) *HTTP {
	site.Messages.MustLoad(localesFS, "locales")
	return &HTTP{svc: svc, site: site, pages: site.Pages(templatesFS, "templates")}
}

// People hold documents.
var people = web.Roles(identity.RoleCitizen, identity.RoleForeigner)

// Routes registers every route of the module.
func (h *HTTP) Routes(rt *web.Router) {
	rt.HandleFunc("GET "+KeysPath, web.Public, h.keys)
	rt.HandleFunc("GET /verify", web.Public, h.verifyForm)
	rt.HandleFunc("GET /verify/{number}", web.Public, h.verifyPage)
	rt.HandleFunc("GET /api/v1/documents/{number}/verification", web.Public, h.verifyAPI)
	rt.HandleFunc("POST /api/v1/verify", web.Public, h.verifyJWS)
	rt.HandleFunc("GET /shared/{token}", web.Public, h.shared)
	rt.HandleFunc("GET /cabinet/documents", people, h.list)
	rt.HandleFunc("GET /cabinet/documents/{number}", people, h.show)
	rt.HandleFunc("GET /cabinet/documents/{number}/pdf", people, h.pdf)
	rt.HandleFunc("GET /cabinet/documents/registry/{kind}/{number}/pdf", people, h.registryPDF)
	rt.HandleFunc("POST /cabinet/documents/{number}/shares", people, h.share)
	rt.HandleFunc("POST /cabinet/documents/{number}/shares/{id}/withdraw", people, h.withdraw)
	rt.HandleFunc("GET /cabinet/documents/{number}/qr", people, h.qr)
	h.officeRoutes(rt)
}

func (h *HTTP) keys(w http.ResponseWriter, r *http.Request) {
	set, err := h.svc.JWKS(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	web.JSON(w, http.StatusOK, set)
}

// verifyData is a verification result for a page.
type verifyData struct {
	R      Result
	Number string
	Shared *Share // when shown through a share
}

func (h *HTTP) verifyForm(w http.ResponseWriter, r *http.Request) {
	if n := strings.TrimSpace(r.URL.Query().Get("number")); n != "" {
		if num := parseNumber(n); num != "" {
			http.Redirect(w, r, "/verify/"+num, http.StatusSeeOther)
			return
		}
		v := h.site.View(r, "documents.verify.form_title", nil)
		v.Err = errs.E(errs.Invalid, "documents.error.number").Field("number", "documents.error.number")
		v.Form = url.Values{"number": {n}}
		h.pages.Render(w, r, http.StatusUnprocessableEntity, "verify_form", v)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "verify_form", h.site.View(r, "documents.verify.form_title", nil))
}

func (h *HTTP) verifyPage(w http.ResponseWriter, r *http.Request) {
	res, err := h.svc.VerifyNumber(r.Context(), r.PathValue("number"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "documents.verify.title", verifyData{R: res, Number: r.PathValue("number")})
	w.Header().Set("Cache-Control", "no-store")
	status := http.StatusOK
	if res.Status == Unknown {
		status = http.StatusNotFound
	}
	h.pages.Render(w, r, status, "verify", v)
}

// apiResult is a result as the API answers it.
type apiResult struct {
	Result
	VerifyURL string `json:"verify_url,omitempty"`
}

func (h *HTTP) answer(w http.ResponseWriter, res Result) {
	out := apiResult{Result: res}
	if res.Number != "" && res.Status != Unknown {
		out.VerifyURL = h.svc.VerifyURL(res.Number)
	}
	w.Header().Set("Cache-Control", "no-store")
	web.JSON(w, http.StatusOK, out)
}

func (h *HTTP) verifyAPI(w http.ResponseWriter, r *http.Request) {
	res, err := h.svc.VerifyNumber(r.Context(), r.PathValue("number"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	if res.Status == Unknown {
		h.site.Error(w, r, errs.E(errs.NotFound, "documents.error.not_found"))
		return
	}
	h.answer(w, res)
}

// verifyJWS takes {"jws": "…"} (a JWS or a QR code's content).
func (h *HTTP) verifyJWS(w http.ResponseWriter, r *http.Request) {
	var in struct {
		JWS string `json:"jws"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJWS+4096))
	if err != nil || json.Unmarshal(body, &in) != nil || strings.TrimSpace(in.JWS) == "" {
		h.site.Error(w, r, errs.E(errs.Invalid, "documents.error.jws").Field("jws", "documents.error.jws"))
		return
	}
	if !strings.Contains(in.JWS, ".") {
		h.site.Error(w, r, errs.E(errs.Invalid, "documents.error.jws").Field("jws", "documents.error.jws"))
		return
	}
	res, err := h.svc.Verify(r.Context(), in.JWS)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.answer(w, res)
}

func (h *HTTP) shared(w http.ResponseWriter, r *http.Request) {
	sh, err := h.svc.OpenShared(r.Context(), r.PathValue("token"))
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			w.Header().Set("Cache-Control", "no-store")
			h.pages.Render(w, r, http.StatusNotFound, "shared_gone", h.site.View(r, "documents.shared.gone_title", nil))
			return
		}
		h.site.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	v := h.site.View(r, "documents.shared.title", verifyData{R: sh.Result, Shared: sh.Share})
	h.pages.Render(w, r, http.StatusOK, "shared", v)
}

// finOf is the signed-in person's FIN, or a foreigner's subject (they
// have no FIN; documents name them by it).
func finOf(r *http.Request) string {
	p := web.PrincipalOf(r.Context())
	switch {
	case p == nil:
		return ""
	case p.FIN != "":
		return p.FIN
	case p.Has(identity.RoleForeigner):
		return p.Subject
	}
	return ""
}

func (h *HTTP) crumbs(v *web.View, inner bool) {
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.T("nav.cabinet"), URL: "/cabinet"}}
	if inner {
		v.Crumbs = append(v.Crumbs, web.Crumb{Label: v.T("documents.list.title"), URL: "/cabinet/documents"})
	}
	v.Crumbs = append(v.Crumbs, web.Crumb{Label: v.Title})
}

type row struct {
	D      *Document
	State  Status
	Issuer lang.Text
}

type listData struct {
	Issued        []row
	Registry      []RegistryDocument
	RegistryError bool
}

func (h *HTTP) list(w http.ResponseWriter, r *http.Request) {
	fin := finOf(r)
	d := listData{}
	if fin != "" {
		docs, err := h.svc.Holder(r.Context(), fin)
		if err != nil {
			h.site.Error(w, r, err)
			return
		}
		now := h.svc.now()
		for _, doc := range docs {
			d.Issued = append(d.Issued, row{D: doc, State: doc.State(now), Issuer: h.svc.AgencyName(doc.Agency)})
		}
		if h.svc.cfg.RegistryDocuments != nil {
			reg, err := h.svc.cfg.RegistryDocuments(r.Context(), fin)
			if err != nil {
				// The registries being away must not hide the documents
				// egov issued.
				h.svc.cfg.Logger.Warn("documents: registry documents", "err", err)
				d.RegistryError = true
			}
			d.Registry = reg
		}
	}
	v := h.site.View(r, "documents.list.title", d)
	h.crumbs(v, false)
	h.pages.Render(w, r, http.StatusOK, "list", v)
}

// showData is the holder's view of a document.
type showData struct {
	D       *Document
	R       Result
	Shares  []*Share
	Now     time.Time
	Created string // a share link just made, shown once
	Fors    []shareFor
	Choices []choice
}

// choice is a field the holder may show in a share.
type choice struct {
	Field
	Checked bool
}

// shareFor is one choice of a share's life.
type shareFor struct {
	Value string
	Hours int
}

var shareFors = []shareFor{{"1h", 1}, {"24h", 24}, {"72h", 72}, {"168h", 168}, {"720h", 720}}

func (h *HTTP) mine(r *http.Request) (*Document, error) {
	return h.svc.holderDocument(r.Context(), finOf(r), r.PathValue("number"))
}

func (h *HTTP) show(w http.ResponseWriter, r *http.Request) {
	h.renderShow(w, r, http.StatusOK, nil, "")
}

func (h *HTTP) renderShow(w http.ResponseWriter, r *http.Request, status int, fail error, created string) {
	doc, err := h.mine(r)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	res, err := h.svc.VerifyNumber(r.Context(), doc.Number)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	shares, err := h.svc.Shares(r.Context(), finOf(r), doc.Number)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := showData{D: doc, R: res, Shares: shares, Now: h.svc.now(), Created: created, Fors: shareFors}
	v := h.site.View(r, "", d)
	v.Title = doc.TypeName.In(v.Lang)
	h.crumbs(v, true)
	if fail != nil {
		v.Err, v.Form = errs.As(fail), web.Typed(r)
	} else {
		// By default the share shows the name and every field, for a day.
		v.Form = url.Values{"show_name": {"1"}, "for": {"24h"}}
		for _, f := range doc.Fields {
			v.Form.Add("fields", f.Key)
		}
	}
	for _, f := range doc.Fields {
		d.Choices = append(d.Choices, choice{Field: f, Checked: slices.Contains(v.Form["fields"], f.Key)})
	}
	v.Data = d
	w.Header().Set("Cache-Control", "private, no-store")
	h.pages.Render(w, r, status, "show", v)
}

func (h *HTTP) pdf(w http.ResponseWriter, r *http.Request) {
	doc, err := h.mine(r)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	b, err := h.svc.PDF(doc)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+doc.Number+`.pdf"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(b)
}

func (h *HTTP) share(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.site.Error(w, r, errs.E(errs.Invalid, "error.invalid"))
		return
	}
	dur := time.Duration(0)
	for _, f := range shareFors {
		if f.Value == r.PostFormValue("for") {
			dur = time.Duration(f.Hours) * time.Hour
		}
	}
	_, token, err := h.svc.Share(r.Context(), ShareRequest{HolderFIN: finOf(r), Number: r.PathValue("number"),
		Fields: r.PostForm["fields"], ShowName: r.PostFormValue("show_name") == "1", For: dur})
	if err != nil {
		if errs.KindOf(err) == errs.Invalid {
			h.renderShow(w, r, http.StatusUnprocessableEntity, err, "")
			return
		}
		h.site.Error(w, r, err)
		return
	}
	h.renderShow(w, r, http.StatusCreated, nil, h.svc.cfg.BaseURL+"/shared/"+token)
}

func (h *HTTP) withdraw(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err := h.svc.Withdraw(r.Context(), finOf(r), r.PathValue("number"), id); err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/documents/"+r.PathValue("number")+"?withdrawn=1#shares", http.StatusSeeOther)
}

// qrData is the rotating QR code's page.
type qrData struct {
	D       *Document
	Share   *Share
	Link    string
	Image   template.URL
	Until   time.Time
	Refresh int
}

func (h *HTTP) qr(w http.ResponseWriter, r *http.Request) {
	doc, err := h.mine(r)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	id, _ := strconv.ParseInt(r.URL.Query().Get("share"), 10, 64)
	token, until, err := h.svc.QRToken(r.Context(), finOf(r), doc.Number, id)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	link := h.svc.cfg.BaseURL + "/shared/" + token
	png, err := qrPNG(link)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	sh, _ := h.svc.share(r.Context(), finOf(r), doc.Number, id)
	d := qrData{D: doc, Share: sh, Link: link, Until: until, Refresh: int(QRWindow / time.Second),
		Image: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))}
	v := h.site.View(r, "documents.qr.title", d)
	h.crumbs(v, true)
	// The page renews itself each window without script, through the
	// Refresh header rather than a <meta http-equiv="refresh">: the
	// layout's head takes no page content (a meta in the body is invalid
	// HTML), and axe-core's meta-refresh rule flags the element.
	w.Header().Set("Refresh", strconv.Itoa(d.Refresh))
	w.Header().Set("Cache-Control", "private, no-store")
	h.pages.Render(w, r, http.StatusOK, "qr", v)
}

// registryPDF downloads one of the person's registry documents as an
// extract.
func (h *HTTP) registryPDF(w http.ResponseWriter, r *http.Request) {
	fin := finOf(r)
	if h.svc.cfg.RegistryDocuments == nil || fin == "" {
		h.site.Error(w, r, errs.E(errs.NotFound, "documents.error.not_found"))
		return
	}
	list, err := h.svc.cfg.RegistryDocuments(r.Context(), fin)
	if err != nil {
		h.site.Error(w, r, errs.E(errs.Unavailable, "documents.list.registry_error"))
		return
	}
	for _, rd := range list {
		if rd.Kind != r.PathValue("kind") || rd.Number != r.PathValue("number") {
			continue
		}
		var buf bytes.Buffer
		if err := WriteRegistryPDF(&buf, rd, web.LangOf(r.Context()), h.svc.now()); err != nil {
			h.site.Error(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(rd.Kind+"-"+rd.Number+".pdf"))
		w.Header().Set("Cache-Control", "private, no-store")
		w.Write(buf.Bytes())
		return
	}
	h.site.Error(w, r, errs.E(errs.NotFound, "documents.error.not_found"))
}
