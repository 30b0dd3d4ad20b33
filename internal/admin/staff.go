package admin

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/web"
)

type staffListData struct {
	Staff []*identity.Account
	Self  string
}

func (a *Admin) staffList(w http.ResponseWriter, r *http.Request) {
	list, err := a.ids.ListStaff(r.Context())
	if err != nil {
		a.site.Error(w, r, err)
		return
	}
	v := a.site.View(r, "admin.staff.title", staffListData{Staff: list, Self: actor(r)})
	v.Crumbs = crumbs(v, web.Crumb{Label: v.Title})
	a.pages.Render(w, r, http.StatusOK, "staff_list", v)
}

// staffFormData is the data of the new-staff and edit-staff forms.
type staffFormData struct {
	form
	Roles    []string
	Agencies []*catalog.Agency
	Account  *identity.Account // on the edit page
	Self     bool              // the admin is editing their own account
	Done     string            // what was just done, for the notice
	Password string            // a generated password, shown once
}

func (a *Admin) staffData(r *http.Request, values url.Values) staffFormData {
	return staffFormData{form: form{Values: values}, Roles: identity.StaffRoles, Agencies: a.cat.Agencies(web.LangOf(r.Context()))}
}

func (a *Admin) renderStaffNew(w http.ResponseWriter, r *http.Request, status int, values url.Values, err error) {
	v := a.site.View(r, "admin.staff.new.title", a.staffData(r, values))
	v.Form = values
	if err != nil {
		v.Err = errs.As(err)
	}
	v.Crumbs = crumbs(v, web.Crumb{Label: v.T("admin.staff.title"), URL: "/admin/staff"}, web.Crumb{Label: v.Title})
	a.pages.Render(w, r, status, "staff_new", v)
}

func (a *Admin) staffNew(w http.ResponseWriter, r *http.Request) {
	a.renderStaffNew(w, r, http.StatusOK, url.Values{"password_mode": {"typed"}}, nil)
}

// access reads the roles, agency and centre of a staff form, checking the
// agency against the catalog into v.
func (a *Admin) access(r *http.Request, v *errs.Validation) identity.StaffAccess {
	acc := identity.StaffAccess{Roles: r.PostForm["roles"], Agency: strings.TrimSpace(r.PostFormValue("agency")), Centre: strings.TrimSpace(r.PostFormValue("centre"))}
	if acc.Agency != "" {
		if _, err := a.cat.Agency(acc.Agency); err != nil {
			v.Add("agency", "admin.error.agency_unknown")
		}
	}
	return acc
}

// staffCreate creates a staff account with a typed (twice) or generated
// initial password; a generated one is shown once on the next page.
func (a *Admin) staffCreate(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	var extra errs.Validation
	acc := a.access(r, &extra)
	m := identity.StaffMember{Login: r.PostFormValue("login"), Name: r.PostFormValue("name"),
		Roles: acc.Roles, Agency: acc.Agency, Centre: acc.Centre}
	generated := r.PostFormValue("password_mode") == "generate"
	if generated {
		m.Password = identity.GeneratePassword()
	} else {
		m.Password = r.PostFormValue("password")
		if m.Password != r.PostFormValue("password_confirm") {
			extra.Add("password_confirm", "admin.error.password_mismatch")
		}
	}
	err := merge(identity.ValidateNewStaff(m), &extra)
	var acct *identity.Account
	if err == nil {
		acct, err = a.ids.CreateStaff(r.Context(), actor(r), m)
	}
	if err != nil {
		if errs.KindOf(err) == errs.Internal {
			a.site.Error(w, r, err)
			return
		}
		a.renderStaffNew(w, r, status(err), typed(r), err)
		return
	}
	if !generated {
		http.Redirect(w, r, "/admin/staff/"+acct.Login+"?done=created", http.StatusSeeOther)
		return
	}
	// The generated password is shown on this answer only: it is stored
	// as a hash and never again readable.
	d := a.staffData(r, accountValues(acct))
	d.Account, d.Done, d.Password = acct, "created", m.Password
	a.renderStaffEdit(w, r, http.StatusCreated, d, nil)
}

func accountValues(acct *identity.Account) url.Values {
	return url.Values{"roles": acct.Roles, "agency": {acct.Agency}, "centre": {acct.Centre}}
}

var doneNotices = []string{"created", "saved", "disabled", "enabled", "totp_reset"}

func (a *Admin) renderStaffEdit(w http.ResponseWriter, r *http.Request, status int, d staffFormData, err error) {
	d.Self = d.Account.Subject == actor(r)
	v := a.site.View(r, "admin.staff.edit.title", d)
	v.Title = v.T("admin.staff.edit.title", "Login", d.Account.Login)
	v.Form = d.Values
	if err != nil {
		v.Err = errs.As(err)
	}
	v.Crumbs = crumbs(v, web.Crumb{Label: v.T("admin.staff.title"), URL: "/admin/staff"}, web.Crumb{Label: d.Account.Login})
	a.pages.Render(w, r, status, "staff_edit", v)
}

func (a *Admin) staffAccount(w http.ResponseWriter, r *http.Request) (*identity.Account, bool) {
	acct, err := a.ids.StaffAccount(r.Context(), r.PathValue("login"))
	if err == nil && acct.Kind != identity.Staff {
		err = errs.E(errs.NotFound, "identity.error.account_not_found")
	}
	if err != nil {
		a.site.Error(w, r, err)
		return nil, false
	}
	return acct, true
}

func (a *Admin) staffEdit(w http.ResponseWriter, r *http.Request) {
	acct, ok := a.staffAccount(w, r)
	if !ok {
		return
	}
	d := a.staffData(r, accountValues(acct))
	d.Account = acct
	if done := r.URL.Query().Get("done"); slices.Contains(doneNotices, done) {
		d.Done = done
	}
	a.renderStaffEdit(w, r, http.StatusOK, d, nil)
}

func (a *Admin) staffUpdate(w http.ResponseWriter, r *http.Request) {
	acct, ok := a.staffAccount(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	var extra errs.Validation
	acc := a.access(r, &extra)
	err := merge(acc.Validate(), &extra)
	if err == nil {
		err = a.ids.SetStaffAccess(r.Context(), actor(r), acct.Login, acc)
	}
	if err != nil {
		if errs.KindOf(err) == errs.Internal || errs.KindOf(err) == errs.NotFound {
			a.site.Error(w, r, err)
			return
		}
		d := a.staffData(r, typed(r))
		d.Account = acct
		a.renderStaffEdit(w, r, status(err), d, err)
		return
	}
	http.Redirect(w, r, "/admin/staff/"+acct.Login+"?done=saved", http.StatusSeeOther)
}

// staffAction runs one change to the account and goes back to its page.
func (a *Admin) staffAction(w http.ResponseWriter, r *http.Request, done string, do func(login string) error) {
	acct, ok := a.staffAccount(w, r)
	if !ok {
		return
	}
	if err := do(acct.Login); err != nil {
		if errs.KindOf(err) == errs.Forbidden {
			d := a.staffData(r, accountValues(acct))
			d.Account = acct
			a.renderStaffEdit(w, r, http.StatusForbidden, d, err)
			return
		}
		a.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/staff/"+acct.Login+"?done="+done, http.StatusSeeOther)
}

func (a *Admin) staffDisable(w http.ResponseWriter, r *http.Request) {
	a.staffAction(w, r, "disabled", func(login string) error { return a.ids.SetStaffDisabled(r.Context(), actor(r), login, true) })
}

func (a *Admin) staffEnable(w http.ResponseWriter, r *http.Request) {
	a.staffAction(w, r, "enabled", func(login string) error { return a.ids.SetStaffDisabled(r.Context(), actor(r), login, false) })
}

func (a *Admin) staffResetTOTP(w http.ResponseWriter, r *http.Request) {
	a.staffAction(w, r, "totp_reset", func(login string) error { return a.ids.ResetStaffTOTP(r.Context(), actor(r), login) })
}
