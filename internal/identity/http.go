package identity

import (
	"embed"
	"net/http"
	"net/url"
	"strings"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed locales/*.json
var localesFS embed.FS

// HTTP serves signing in and out and the account pages of the cabinet.
type HTTP struct {
	svc        *Service
	site       *web.Site
	pages      *web.Pages
	demo       bool
	federation *Federation
}

// SetFederation offers sign-in through an external provider on the
// sign-in page.
func (h *HTTP) SetFederation(f *Federation) { h.federation = f }

// NewHTTP builds the handlers; demo enables the demo sign-in.
func NewHTTP(svc *Service, site *web.Site, demo bool) *HTTP {
	site.Messages.MustLoad(localesFS, "locales")
	site.Messages.MustLoad(foreignerLocalesFS, "locales/foreigner")
	return &HTTP{svc: svc, site: site, pages: site.Pages(withFederationSignin(withPasskeySignin(templatesFS)), "templates"), demo: demo}
}

// Routes registers the identity routes.
func (h *HTTP) Routes(rt *web.Router) {
	rt.HandleFunc("GET /auth/signin", web.Public, h.signinPage)
	rt.HandleFunc("GET /auth/staff", web.Public, h.staffPage)
	rt.HandleFunc("POST /auth/staff", web.Public, h.staffSignin)
	rt.HandleFunc("POST /auth/signout", web.SignedIn, h.signout)
	if h.demo {
		rt.HandleFunc("GET /auth/demo", web.Public, h.demoPage)
		rt.HandleFunc("POST /auth/demo", web.Public, h.demoSignin)
	}
	rt.HandleFunc("GET /cabinet", web.SignedIn, h.cabinet)
	rt.HandleFunc("GET /cabinet/activity", web.SignedIn, h.activity)
	rt.HandleFunc("GET /cabinet/security", web.SignedIn, h.security)
	rt.HandleFunc("POST /cabinet/security/totp", web.Roles(staffRoles...), h.totp)
	rt.HandleFunc("POST /cabinet/security/signout-all", web.SignedIn, h.signoutAll)
	h.mandateRoutes(rt)
	h.contactRoutes(rt)
	h.foreignerRoutes(rt)
}

// staffRoles are the roles a staff account may hold. An enrolling staff
// member has none of them yet, so the TOTP route also admits SignedIn
// staff through the check in the handler.
var staffRoles = []string{RoleAgencyOperator, RoleAgencySupervisor, RoleCentreOperator, RoleBorderOfficer, RoleAdmin, RoleAuditor, roleEnrolling}

// roleEnrolling is held by a staff member who has signed in with a
// password but not yet set up their second factor: it opens only the
// security page.
const roleEnrolling = "enrolling"

// next is where to go after signing in: a local path from ?next=, else
// the cabinet.
func next(r *http.Request) string {
	n := r.FormValue("next")
	if u, err := url.Parse(n); err == nil && n != "" && u.Scheme == "" && u.Host == "" && strings.HasPrefix(n, "/") && !strings.HasPrefix(n, "//") {
		return n
	}
	return "/cabinet"
}

func (h *HTTP) signinPage(w http.ResponseWriter, r *http.Request) {
	v := h.site.View(r, "identity.signin.title", map[string]any{"Next": r.URL.Query().Get("next"), "Federation": h.federation})
	v.Crumbs = []web.Crumb{{Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "signin", v)
}

func (h *HTTP) demoPage(w http.ResponseWriter, r *http.Request) {
	v := h.site.View(r, "identity.demo.title", demoPeople)
	v.Crumbs = []web.Crumb{{Label: v.T("identity.signin.title"), URL: "/auth/signin"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "demo", v)
}

// demoPeople are the demo's fixtures, listed on the demo sign-in page.
var demoPeople = map[string][]string{
	"People": {"5ZQX7KA", "2HPL4RM", "7MJD3TE", "3KCR8WN"},
	"Staff":  {"admin", "asan.operator", "dim.operator", "migration.operator", "border.officer", "auditor"},
}

// demoSignin signs in a demo person by FIN, or staff by login and
// password, without a second factor. It exists only in demo mode.
func (h *HTTP) demoSignin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var acct *Account
	var err error
	if fin := r.PostFormValue("fin"); fin != "" || r.PostFormValue("login") == "" {
		acct, err = h.svc.PersonAccount(ctx, fin)
		if err == nil {
			err = h.svc.SignIn(ctx, w, r, acct, "demo")
		}
	} else {
		acct, err = h.svc.CheckPassword(ctx, Attempt{Login: r.PostFormValue("login"), Password: r.PostFormValue("password"), Address: ClientAddress(r)})
		if err == nil {
			err = h.svc.SignIn(ctx, w, r, acct, "demo")
		}
	}
	if err != nil {
		h.formError(w, r, "demo", "identity.demo.title", demoPeople, err)
		return
	}
	http.Redirect(w, r, next(r), http.StatusSeeOther)
}

// formError shows the form again with the error next to its field and
// what was typed (never the password).
func (h *HTTP) formError(w http.ResponseWriter, r *http.Request, page, title string, data any, err error) {
	e := errs.As(err)
	if e.Kind == errs.Internal {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, title, data)
	v.Err = e
	v.Form = web.Typed(r, "password", "code")
	status := web.Status(e.Kind)
	if e.Kind == errs.Unauthenticated {
		status = http.StatusUnprocessableEntity // a wrong password is a form error, not a missing session
	}
	h.pages.Render(w, r, status, page, v)
}

func (h *HTTP) staffPage(w http.ResponseWriter, r *http.Request) {
	v := h.site.View(r, "identity.staff.title", nil)
	v.Crumbs = []web.Crumb{{Label: v.T("identity.signin.title"), URL: "/auth/signin"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "staff", v)
}

// staffSignin checks password and second factor. A staff member without
// a second factor signs in only to set one up.
func (h *HTTP) staffSignin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	acct, err := h.svc.CheckPassword(ctx, Attempt{Login: r.PostFormValue("login"), Password: r.PostFormValue("password"),
		Code: r.PostFormValue("code"), Address: ClientAddress(r)})
	if err != nil {
		h.formError(w, r, "staff", "identity.staff.title", nil, err)
		return
	}
	method := "password+totp"
	if !acct.TOTPEnabled {
		method = "password"
	}
	if err := h.svc.SignIn(ctx, w, r, acct, method); err != nil {
		h.site.Error(w, r, err)
		return
	}
	if !acct.TOTPEnabled {
		http.Redirect(w, r, "/cabinet/security", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, next(r), http.StatusSeeOther)
}

func (h *HTTP) signout(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.SignOut(r.Context(), w, r); err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (h *HTTP) signoutAll(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.SignOutEverywhere(r.Context(), w, r); err != nil {
		h.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

type cabinetData struct {
	Account  *Account
	Activity []Activity
}

func (h *HTTP) account(w http.ResponseWriter, r *http.Request) (*Account, bool) {
	acct, err := h.svc.Account(r.Context(), web.PrincipalOf(r.Context()).AccountID)
	if err != nil {
		h.site.Error(w, r, err)
		return nil, false
	}
	return acct, true
}

func (h *HTTP) cabinet(w http.ResponseWriter, r *http.Request) {
	acct, ok := h.account(w, r)
	if !ok {
		return
	}
	recent, err := h.svc.Activity(r.Context(), acct.ID, 5)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "identity.cabinet.title", cabinetData{Account: acct, Activity: recent})
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "cabinet", v)
}

func (h *HTTP) activity(w http.ResponseWriter, r *http.Request) {
	acct, ok := h.account(w, r)
	if !ok {
		return
	}
	list, err := h.svc.Activity(r.Context(), acct.ID, 200)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "identity.activity.title", cabinetData{Account: acct, Activity: list})
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.T("identity.cabinet.title"), URL: "/cabinet"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "activity", v)
}

type securityData struct {
	Account       *Account
	Secret        string
	URI           string
	RecoveryCodes []string
}

func (h *HTTP) security(w http.ResponseWriter, r *http.Request) {
	acct, ok := h.account(w, r)
	if !ok {
		return
	}
	h.renderSecurity(w, r, http.StatusOK, acct, nil, nil)
}

func (h *HTTP) renderSecurity(w http.ResponseWriter, r *http.Request, status int, acct *Account, codes []string, err error) {
	d := securityData{Account: acct, RecoveryCodes: codes}
	if acct.Kind == Staff && !acct.TOTPEnabled {
		secret, serr := h.svc.BeginTOTP(r.Context(), acct.ID)
		if serr != nil {
			h.site.Error(w, r, serr)
			return
		}
		d.Secret, d.URI = secret, TOTPURI("egov", acct.Login, secret)
	}
	v := h.site.View(r, "identity.security.title", d)
	if err != nil {
		v.Err = errs.As(err)
	}
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.T("identity.cabinet.title"), URL: "/cabinet"}, {Label: v.Title}}
	h.pages.Render(w, r, status, "security", v)
}

// totp confirms a staff member's authenticator; their session then gets
// its full roles.
func (h *HTTP) totp(w http.ResponseWriter, r *http.Request) {
	acct, ok := h.account(w, r)
	if !ok {
		return
	}
	codes, err := h.svc.ConfirmTOTP(r.Context(), acct.ID, r.PostFormValue("code"))
	if err != nil {
		h.renderSecurity(w, r, web.Status(errs.KindOf(err)), acct, nil, err)
		return
	}
	if sess := web.SessionOf(r.Context()); sess != nil {
		if err := h.site.Sessions.Set(r.Context(), sess, "mfa", "done"); err != nil {
			h.site.Error(w, r, err)
			return
		}
	}
	acct.TOTPEnabled = true
	h.renderSecurity(w, r, http.StatusOK, acct, codes, nil)
}
