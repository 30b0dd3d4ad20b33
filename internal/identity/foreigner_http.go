package identity

import (
	"embed"
	"net/http"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

//go:embed locales/foreigner/*.json
var foreignerLocalesFS embed.FS

// foreignerRoutes registers the foreigner sign-in: one page that asks for
// the passport details and e-mail, then for the code sent to it.
func (h *HTTP) foreignerRoutes(rt *web.Router) {
	rt.HandleFunc("GET /auth/foreigner", web.Public, h.foreignerPage)
	rt.HandleFunc("POST /auth/foreigner", web.Public, h.foreignerPost)
}

// foreignerData is the foreigner page's data; with Code set it asks for
// the code sent to Email, carrying the passport and nationality along.
type foreignerData struct {
	Nationalities []Nationality
	Code          bool
	Email         string
}

func (h *HTTP) foreignerView(r *http.Request, d foreignerData) *web.View {
	d.Nationalities = Nationalities
	v := h.site.View(r, "identity.foreigner.title", d)
	v.Crumbs = []web.Crumb{{Label: v.T("identity.signin.title"), URL: "/auth/signin"}, {Label: v.Title}}
	return v
}

func (h *HTTP) foreignerPage(w http.ResponseWriter, r *http.Request) {
	h.pages.Render(w, r, http.StatusOK, "foreigner", h.foreignerView(r, foreignerData{}))
}

func foreignerRequest(r *http.Request) ForeignerRequest {
	return ForeignerRequest{
		Passport:    r.PostFormValue("passport"),
		Nationality: r.PostFormValue("nationality"),
		Surname:     r.PostFormValue("surname"),
		GivenNames:  r.PostFormValue("given_names"),
		BirthDate:   r.PostFormValue("birth_date"),
		Email:       r.PostFormValue("email"),
		Address:     ClientAddress(r),
	}
}

// foreignerPost sends the code (step "details") or checks it (step "code")
// and signs the foreigner in.
func (h *HTTP) foreignerPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	req := foreignerRequest(r)
	if r.PostFormValue("step") != "code" {
		if _, err := h.svc.StartForeignerSignin(ctx, req); err != nil {
			h.foreignerError(w, r, foreignerData{}, err)
			return
		}
		email, _ := NormalizeContact(ChannelEmail, req.Email)
		v := h.foreignerView(r, foreignerData{Code: true, Email: email})
		v.Form = web.Typed(r, foreignerFieldCode)
		h.pages.Render(w, r, http.StatusOK, "foreigner", v)
		return
	}
	acct, err := h.svc.ConfirmForeignerSignin(ctx, req, r.PostFormValue(foreignerFieldCode))
	if err != nil {
		h.foreignerError(w, r, foreignerData{Code: true, Email: req.Email}, err)
		return
	}
	if err := h.svc.SignIn(ctx, w, r, acct, "email-code"); err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, next(r), http.StatusSeeOther)
}

// foreignerError shows the step again with the error next to its field
// and what was typed (never the code).
func (h *HTTP) foreignerError(w http.ResponseWriter, r *http.Request, d foreignerData, err error) {
	e := errs.As(err)
	if e.Kind == errs.Internal {
		h.site.Error(w, r, err)
		return
	}
	v := h.foreignerView(r, d)
	v.Err = e
	v.Form = web.Typed(r, foreignerFieldCode)
	status := web.Status(e.Kind)
	if e.Kind == errs.Unauthenticated {
		status = http.StatusUnprocessableEntity // wrong details are a form error, not a missing session
	}
	h.pages.Render(w, r, status, "foreigner", v)
}
