package admin

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity/oidc"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

func (a *Admin) clientList(w http.ResponseWriter, r *http.Request) {
	list, err := a.op.ListClients(r.Context())
	if err != nil {
		a.site.Error(w, r, err)
		return
	}
	v := a.site.View(r, "admin.clients.title", list)
	v.Crumbs = crumbs(v, web.Crumb{Label: v.Title})
	a.pages.Render(w, r, http.StatusOK, "clients", v)
}

// clientFormData is the data of the client forms.
type clientFormData struct {
	form
	Scopes     []string
	GrantTypes []string
	Client     *oidc.Client // when editing
	Secret     string       // a new secret, shown once
	Done       string
}

func clientData(values url.Values) clientFormData {
	return clientFormData{form: form{Values: values}, Scopes: oidc.PersonScopes, GrantTypes: oidc.GrantTypes}
}

// clientValues are the form values of a stored client.
func clientValues(c *oidc.Client) url.Values {
	v := url.Values{
		"id":                        {c.ID},
		"name_az":                   {c.Name.AZ},
		"name_en":                   {c.Name.EN},
		"name_ru":                   {c.Name.RU},
		"purpose_az":                {c.Purpose.AZ},
		"purpose_en":                {c.Purpose.EN},
		"purpose_ru":                {c.Purpose.RU},
		"redirect_uris":             {strings.Join(c.RedirectURIs, "\n")},
		"post_logout_redirect_uris": {strings.Join(c.PostLogoutRedirectURIs, "\n")},
		"grant_types":               c.GrantTypes,
		"confidential":              {"no"},
	}
	var api []string
	for _, s := range c.AllowedScopes {
		if slices.Contains(oidc.PersonScopes, s) {
			v.Add("scopes", s)
		} else {
			api = append(api, s)
		}
	}
	v.Set("api_scopes", strings.Join(api, " "))
	if c.Confidential {
		v.Set("confidential", "yes")
	}
	return v
}

// lines splits a textarea into its non-empty trimmed lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// postedClient reads a client from the form.
func postedClient(r *http.Request, id string) oidc.Client {
	f := r.PostForm
	c := oidc.Client{
		ID:                     id,
		Name:                   lang.Text{AZ: strings.TrimSpace(f.Get("name_az")), EN: strings.TrimSpace(f.Get("name_en")), RU: strings.TrimSpace(f.Get("name_ru"))},
		Purpose:                lang.Text{AZ: strings.TrimSpace(f.Get("purpose_az")), EN: strings.TrimSpace(f.Get("purpose_en")), RU: strings.TrimSpace(f.Get("purpose_ru"))},
		RedirectURIs:           lines(f.Get("redirect_uris")),
		PostLogoutRedirectURIs: lines(f.Get("post_logout_redirect_uris")),
		Confidential:           f.Get("confidential") == "yes",
		GrantTypes:             f["grant_types"],
	}
	for _, s := range oidc.PersonScopes { // in the consent screen's order
		if slices.Contains(f["scopes"], s) {
			c.AllowedScopes = append(c.AllowedScopes, s)
		}
	}
	for _, s := range strings.Fields(f.Get("api_scopes")) {
		if !slices.Contains(c.AllowedScopes, s) {
			c.AllowedScopes = append(c.AllowedScopes, s)
		}
	}
	return c
}

func (a *Admin) renderClientNew(w http.ResponseWriter, r *http.Request, status int, values url.Values, err error) {
	v := a.site.View(r, "admin.clients.new.title", clientData(values))
	v.Form = values
	if err != nil {
		v.Err = errs.As(err)
	}
	v.Crumbs = crumbs(v, web.Crumb{Label: v.T("admin.clients.title"), URL: "/admin/oidc-clients"}, web.Crumb{Label: v.Title})
	a.pages.Render(w, r, status, "client_new", v)
}

func (a *Admin) clientNew(w http.ResponseWriter, r *http.Request) {
	a.renderClientNew(w, r, http.StatusOK, url.Values{
		"confidential": {"yes"},
		"grant_types":  {oidc.GrantAuthorizationCode, oidc.GrantRefreshToken},
	}, nil)
}

// clientCreate registers the client; a confidential client's secret is
// shown on this answer only.
func (a *Admin) clientCreate(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	c := postedClient(r, strings.TrimSpace(r.PostFormValue("id")))
	secret, err := a.op.CreateClient(r.Context(), c)
	if err != nil {
		if errs.KindOf(err) == errs.Internal {
			a.site.Error(w, r, err)
			return
		}
		a.renderClientNew(w, r, status(err), typed(r), err)
		return
	}
	stored, err := a.op.Client(r.Context(), c.ID)
	if err != nil {
		a.site.Error(w, r, err)
		return
	}
	d := clientData(clientValues(stored))
	d.Client, d.Secret, d.Done = stored, secret, "created"
	a.renderClientEdit(w, r, http.StatusCreated, d, nil)
}

func (a *Admin) renderClientEdit(w http.ResponseWriter, r *http.Request, status int, d clientFormData, err error) {
	v := a.site.View(r, "", d)
	v.Title = v.T("admin.clients.edit.title", "ID", d.Client.ID)
	v.Form = d.Values
	if err != nil {
		v.Err = errs.As(err)
	}
	v.Crumbs = crumbs(v, web.Crumb{Label: v.T("admin.clients.title"), URL: "/admin/oidc-clients"}, web.Crumb{Label: d.Client.ID})
	a.pages.Render(w, r, status, "client_edit", v)
}

func (a *Admin) client(w http.ResponseWriter, r *http.Request) (*oidc.Client, bool) {
	c, err := a.op.Client(r.Context(), r.PathValue("id"))
	if err != nil {
		a.site.Error(w, r, err)
		return nil, false
	}
	return c, true
}

func (a *Admin) clientEdit(w http.ResponseWriter, r *http.Request) {
	c, ok := a.client(w, r)
	if !ok {
		return
	}
	d := clientData(clientValues(c))
	d.Client = c
	if done := r.URL.Query().Get("done"); done == "saved" {
		d.Done = done
	}
	a.renderClientEdit(w, r, http.StatusOK, d, nil)
}

func (a *Admin) clientUpdate(w http.ResponseWriter, r *http.Request) {
	c, ok := a.client(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	secret, err := a.op.UpdateClient(r.Context(), postedClient(r, c.ID))
	if err != nil {
		if errs.KindOf(err) != errs.Invalid {
			a.site.Error(w, r, err)
			return
		}
		values := typed(r)
		values.Set("id", c.ID)
		d := clientData(values)
		d.Client = c
		a.renderClientEdit(w, r, status(err), d, err)
		return
	}
	if secret == "" {
		http.Redirect(w, r, "/admin/oidc-clients/"+c.ID+"?done=saved", http.StatusSeeOther)
		return
	}
	a.showSecret(w, r, c.ID, secret, "saved")
}

// clientRotate gives the client a new secret and shows it once.
func (a *Admin) clientRotate(w http.ResponseWriter, r *http.Request) {
	c, ok := a.client(w, r)
	if !ok {
		return
	}
	secret, err := a.op.RotateClientSecret(r.Context(), c.ID)
	if err != nil {
		if errs.KindOf(err) == errs.Invalid {
			d := clientData(clientValues(c))
			d.Client = c
			a.renderClientEdit(w, r, status(err), d, err)
			return
		}
		a.site.Error(w, r, err)
		return
	}
	a.showSecret(w, r, c.ID, secret, "rotated")
}

func (a *Admin) showSecret(w http.ResponseWriter, r *http.Request, id, secret, done string) {
	stored, err := a.op.Client(r.Context(), id)
	if err != nil {
		a.site.Error(w, r, err)
		return
	}
	d := clientData(clientValues(stored))
	d.Client, d.Secret, d.Done = stored, secret, done
	a.renderClientEdit(w, r, http.StatusOK, d, nil)
}
