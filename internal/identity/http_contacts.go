package identity

import (
	"net/http"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

func (h *HTTP) contactRoutes(rt *web.Router) {
	rt.HandleFunc("GET /cabinet/contacts", web.SignedIn, h.contacts)
	rt.HandleFunc("POST /cabinet/contacts/{channel}", web.SignedIn, h.contactStart)
	rt.HandleFunc("POST /cabinet/contacts/{channel}/confirm", web.SignedIn, h.contactConfirm)
}

type contactsData struct {
	Account      *Account
	PendingEmail string
	PendingPhone string
	Sent         string // the channel a code was just sent on
	Verified     string // the channel just verified
}

func (h *HTTP) contacts(w http.ResponseWriter, r *http.Request) {
	h.renderContacts(w, r, http.StatusOK, nil)
}

func (h *HTTP) renderContacts(w http.ResponseWriter, r *http.Request, status int, err error) {
	ctx := r.Context()
	acct, ok := h.account(w, r)
	if !ok {
		return
	}
	d := contactsData{Account: acct, Sent: r.URL.Query().Get("sent"), Verified: r.URL.Query().Get("verified")}
	var lerr error
	if d.PendingEmail, lerr = h.svc.PendingContact(ctx, acct.ID, ChannelEmail); lerr == nil {
		d.PendingPhone, lerr = h.svc.PendingContact(ctx, acct.ID, ChannelPhone)
	}
	if lerr != nil {
		h.site.Error(w, r, lerr)
		return
	}
	v := h.site.View(r, "identity.contact.title", d)
	if err != nil {
		v.Err = errs.As(err)
		v.Form = web.Typed(r)
	}
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.T("identity.cabinet.title"), URL: "/cabinet"}, {Label: v.Title}}
	h.pages.Render(w, r, status, "contacts", v)
}

func channelOf(r *http.Request) (string, bool) {
	switch c := r.PathValue("channel"); c {
	case ChannelEmail, ChannelPhone:
		return c, true
	}
	return "", false
}

func (h *HTTP) contactStart(w http.ResponseWriter, r *http.Request) {
	channel, ok := channelOf(r)
	if !ok {
		h.site.NotFound(w, r)
		return
	}
	p := web.PrincipalOf(r.Context())
	if err := h.svc.StartContactVerification(r.Context(), p.AccountID, channel, r.PostFormValue(channel)); err != nil {
		h.contactError(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/contacts?sent="+channel+"#"+channel+"_code", http.StatusSeeOther)
}

func (h *HTTP) contactConfirm(w http.ResponseWriter, r *http.Request) {
	channel, ok := channelOf(r)
	if !ok {
		h.site.NotFound(w, r)
		return
	}
	p := web.PrincipalOf(r.Context())
	if err := h.svc.ConfirmContact(r.Context(), p.AccountID, channel, r.PostFormValue(channel+"_code")); err != nil {
		h.contactError(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/contacts?verified="+channel, http.StatusSeeOther)
}

func (h *HTTP) contactError(w http.ResponseWriter, r *http.Request, err error) {
	switch k := errs.KindOf(err); k {
	case errs.Invalid, errs.TooMany, errs.Unavailable:
		h.renderContacts(w, r, web.Status(k), err)
	default:
		h.site.Error(w, r, err)
	}
}
