package notify

import (
	"embed"
	"html/template"
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

// HTTP serves the inbox of the personal cabinet and the person's channel
// choices.
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

// Routes registers the inbox routes, each needing a signed-in person and
// showing only that person's messages, and the notifications API of
// agencies' systems (APIRoutes).
func (h *HTTP) Routes(rt *web.Router) {
	rt.HandleFunc("GET /cabinet/messages", web.SignedIn, h.inbox)
	rt.HandleFunc("GET /cabinet/messages/settings", web.SignedIn, h.settings)
	rt.HandleFunc("POST /cabinet/messages/settings", web.SignedIn, h.saveSettings)
	rt.HandleFunc("GET /cabinet/messages/{id}", web.SignedIn, h.message)
	h.APIRoutes(rt)
	h.templateRoutes(rt)
}

func (h *HTTP) crumbs(v *web.View, inbox bool) {
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.T("identity.cabinet.title"), URL: "/cabinet"}}
	if inbox {
		v.Crumbs = append(v.Crumbs, web.Crumb{Label: v.T("notify.inbox.title"), URL: "/cabinet/messages"})
	}
	v.Crumbs = append(v.Crumbs, web.Crumb{Label: v.Title})
}

type inboxData struct {
	Messages []Sent
	Unread   int
}

func (h *HTTP) inbox(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	list, unread, err := h.svc.Inbox(r.Context(), Owner{AccountID: p.AccountID, FIN: p.FIN}, 200)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "notify.inbox.title", inboxData{Messages: list, Unread: unread})
	h.crumbs(v, false)
	h.pages.Render(w, r, http.StatusOK, "messages", v)
}

type messageData struct {
	Message *Sent
	HTML    template.HTML
	// Lang is the message's language when it differs from the page's,
	// for a lang attribute; "" otherwise.
	Lang lang.Lang
}

// message shows one message and marks it read. Another person's message
// is answered as not found, never as forbidden, so ids reveal nothing.
func (h *HTTP) message(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.site.NotFound(w, r)
		return
	}
	m, err := h.svc.Open(r.Context(), Owner{AccountID: p.AccountID, FIN: p.FIN}, id)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	// m.HTML was built by HTMLBody from escaped text at send time.
	data := messageData{Message: m, HTML: template.HTML(m.HTML)}
	if m.Lang != web.LangOf(r.Context()) {
		data.Lang = m.Lang
	}
	v := h.site.View(r, "", data)
	v.Title = m.Subject
	h.crumbs(v, true)
	h.pages.Render(w, r, http.StatusOK, "message", v)
}

type settingsData struct {
	Kinds []kindChoice
	Saved bool
}

type kindChoice struct {
	Kind         string
	Email, SMS   bool
	EmailID, SID string
}

func (h *HTTP) settings(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	prefs, err := h.svc.Preferences(r.Context(), p.AccountID)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	var kinds []kindChoice
	for _, k := range Kinds {
		c := kindChoice{Kind: k, EmailID: k + "-email", SID: k + "-sms"}
		for _, pr := range prefs {
			if pr.Kind == k && pr.Channel == ChannelEmail {
				c.Email = pr.Enabled
			}
			if pr.Kind == k && pr.Channel == ChannelSMS {
				c.SMS = pr.Enabled
			}
		}
		kinds = append(kinds, c)
	}
	v := h.site.View(r, "notify.settings.title", settingsData{Kinds: kinds, Saved: r.URL.Query().Get("saved") == "1"})
	h.crumbs(v, true)
	h.pages.Render(w, r, http.StatusOK, "settings", v)
}

// saveSettings stores a choice for every kind and channel: a checkbox
// left unticked turns the channel off.
func (h *HTTP) saveSettings(w http.ResponseWriter, r *http.Request) {
	p := web.PrincipalOf(r.Context())
	if err := r.ParseForm(); err != nil {
		h.site.Error(w, r, errs.E(errs.Invalid, "error.invalid"))
		return
	}
	for _, k := range Kinds {
		for _, c := range []string{ChannelEmail, ChannelSMS} {
			if err := h.svc.SetPreference(r.Context(), p.AccountID, k, c, r.PostForm.Get(k+"-"+c) == "on"); err != nil {
				h.site.Error(w, r, err)
				return
			}
		}
	}
	http.Redirect(w, r, "/cabinet/messages/settings?saved=1", http.StatusSeeOther)
}
