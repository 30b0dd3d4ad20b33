package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/web"
)

// The admin's pages of the gateway: members, subsystems and groups
// (/admin/gateway), services registered from an OpenAPI description, their
// access rights, and the API keys of a subsystem. Identifiers hold "/", so
// they end the paths ({id...}).

var adminOnly = web.Roles("admin")

func (h *HTTP) adminRoutes(rt *web.Router) {
	rt.HandleFunc("GET /admin/gateway", adminOnly, h.adminOverview)
	rt.HandleFunc("POST /admin/gateway/members", adminOnly, h.addMember)
	rt.HandleFunc("POST /admin/gateway/subsystems", adminOnly, h.addSubsystem)
	rt.HandleFunc("POST /admin/gateway/groups", adminOnly, h.addGroup)
	rt.HandleFunc("POST /admin/gateway/group-members", adminOnly, h.addGroupMember)
	rt.HandleFunc("POST /admin/gateway/group-members/remove", adminOnly, h.removeGroupMember)
	rt.HandleFunc("GET /admin/gateway/services/new", adminOnly, h.serviceNew)
	rt.HandleFunc("POST /admin/gateway/services/new", adminOnly, h.serviceCreate)
	rt.HandleFunc("GET /admin/gateway/services/{id...}", adminOnly, h.servicePage)
	rt.HandleFunc("POST /admin/gateway/grants/{id...}", adminOnly, h.grant)
	rt.HandleFunc("POST /admin/gateway/revocations/{id...}", adminOnly, h.revoke)
	rt.HandleFunc("GET /admin/gateway/subsystems/{id...}", adminOnly, h.subsystemPage)
	rt.HandleFunc("POST /admin/gateway/keys/{id...}", adminOnly, h.issueKey)
	rt.HandleFunc("POST /admin/gateway/revoke-key/{id...}", adminOnly, h.revokeKey)
}

func actor(r *http.Request) string { return web.PrincipalOf(r.Context()).Subject }

func adminCrumbs(v *web.View, trail ...web.Crumb) []web.Crumb {
	return append([]web.Crumb{{Label: v.T("admin.title"), URL: "/admin"}, {Label: v.T("gateway.admin.title"), URL: "/admin/gateway"}}, trail...)
}

// failed renders a form's page again after a refused post, or the error
// page when the failure is not the person's.
func (h *HTTP) failed(w http.ResponseWriter, r *http.Request, err error, again func(status int, e *errs.Error)) {
	if k := errs.KindOf(err); k == errs.Internal || k == errs.Forbidden {
		h.site.Error(w, r, err)
		return
	}
	again(web.Status(errs.KindOf(err)), errs.As(err))
}

type overviewData struct {
	Members  []MemberEntry
	Services []*Service
	Groups   []Group
	Done     string
}

func (h *HTTP) adminOverview(w http.ResponseWriter, r *http.Request) {
	h.renderOverview(w, r, http.StatusOK, url.Values{}, nil, r.URL.Query().Get("done"))
}

func (h *HTTP) renderOverview(w http.ResponseWriter, r *http.Request, status int, form url.Values, e *errs.Error, done string) {
	ctx := r.Context()
	var d overviewData
	var err error
	if d.Members, err = h.gw.Directory(ctx); err == nil {
		if d.Services, err = h.gw.AllServices(ctx); err == nil {
			d.Groups, err = h.gw.Groups(ctx)
		}
	}
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	switch done {
	case "member", "subsystem", "group", "group_member", "service":
		d.Done = done
	}
	v := h.site.View(r, "gateway.admin.title", d)
	v.Form, v.Err = form, e
	v.Crumbs = adminCrumbs(v)[:2]
	v.Crumbs[1].URL = ""
	h.pages.Render(w, r, status, "admin-gateway", v)
}

// post handles one of the overview's forms: check reads the form into a
// change (or field errors), and the change is made and audited.
func (h *HTTP) post(w http.ResponseWriter, r *http.Request, done string, check func(f url.Values, bad *errs.Validation) (action, object string, fn func(q store.Querier) error)) {
	r.ParseForm()
	var bad errs.Validation
	action, object, fn := check(r.PostForm, &bad)
	err := bad.Err()
	if err == nil {
		err = h.gw.change(r.Context(), actor(r), action, object, nil, fn)
	}
	if err != nil {
		h.failed(w, r, err, func(status int, e *errs.Error) { h.renderOverview(w, r, status, web.Typed(r), e, "") })
		return
	}
	http.Redirect(w, r, "/admin/gateway?done="+done, http.StatusSeeOther)
}

func (h *HTTP) addMember(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "member", func(f url.Values, bad *errs.Validation) (string, string, func(store.Querier) error) {
		id, err := ParseClientID(strings.TrimSpace(f.Get("member_id")))
		if err != nil || id.IsSubsystem() {
			bad.Add("member_id", "gateway.error.bad_member")
		}
		name := strings.TrimSpace(f.Get("member_name"))
		if name == "" {
			bad.Add("member_name", "gateway.error.name_required")
		}
		return "gateway.member.register", "gateway_member:" + id.String(), func(q store.Querier) error {
			return registerMember(r.Context(), q, id, name)
		}
	})
}

func (h *HTTP) addSubsystem(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "subsystem", func(f url.Values, bad *errs.Validation) (string, string, func(store.Querier) error) {
		id, err := ParseClientID(strings.TrimSpace(f.Get("subsystem_member")) + "/" + strings.TrimSpace(f.Get("subsystem_code")))
		if strings.TrimSpace(f.Get("subsystem_member")) == "" {
			bad.Add("subsystem_member", "gateway.error.choose_member")
		} else if err != nil || !id.IsSubsystem() {
			bad.Add("subsystem_code", "gateway.error.bad_code")
		}
		name := strings.TrimSpace(f.Get("subsystem_name"))
		if name == "" {
			bad.Add("subsystem_name", "gateway.error.name_required")
		}
		return "gateway.subsystem.register", "gateway_subsystem:" + id.String(), func(q store.Querier) error {
			return registerSubsystem(r.Context(), q, id, name)
		}
	})
}

func (h *HTTP) addGroup(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "group", func(f url.Values, bad *errs.Validation) (string, string, func(store.Querier) error) {
		code, name := strings.TrimSpace(f.Get("group_code")), strings.TrimSpace(f.Get("group_name"))
		if checkPart("group code", code) != nil {
			bad.Add("group_code", "gateway.error.bad_code")
		}
		if name == "" {
			bad.Add("group_name", "gateway.error.name_required")
		}
		return "gateway.group.register", "gateway_group:" + code, func(q store.Querier) error {
			return registerGroup(r.Context(), q, code, name)
		}
	})
}

func (h *HTTP) addGroupMember(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "group_member", func(f url.Values, bad *errs.Validation) (string, string, func(store.Querier) error) {
		code := f.Get("gm_group")
		if code == "" {
			bad.Add("gm_group", "gateway.error.choose_group")
		}
		client, err := ParseClientID(f.Get("gm_client"))
		if err != nil || !client.IsSubsystem() {
			bad.Add("gm_client", "gateway.error.choose_subsystem")
		}
		return "gateway.group.add_member", "gateway_group:" + code, func(q store.Querier) error {
			return addToGroup(r.Context(), q, code, client)
		}
	})
}

func (h *HTTP) removeGroupMember(w http.ResponseWriter, r *http.Request) {
	h.post(w, r, "group_member_removed", func(f url.Values, bad *errs.Validation) (string, string, func(store.Querier) error) {
		code := f.Get("gm_group")
		client, err := ParseClientID(f.Get("gm_client"))
		if code == "" || err != nil || !client.IsSubsystem() {
			bad.Add("gm_client", "gateway.error.choose_subsystem")
		}
		return "gateway.group.remove_member", "gateway_group:" + code, func(q store.Querier) error {
			return removeFromGroup(r.Context(), q, code, client)
		}
	})
}

type serviceNewData struct {
	Members []MemberEntry
}

func (h *HTTP) serviceNew(w http.ResponseWriter, r *http.Request) {
	h.renderServiceNew(w, r, http.StatusOK, url.Values{}, nil)
}

func (h *HTTP) renderServiceNew(w http.ResponseWriter, r *http.Request, status int, form url.Values, e *errs.Error) {
	members, err := h.gw.Directory(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "gateway.admin.service_new.title", serviceNewData{Members: members})
	v.Form, v.Err = form, e
	v.Crumbs = adminCrumbs(v, web.Crumb{Label: v.Title})
	h.pages.Render(w, r, status, "admin-service-new", v)
}

// maxOpenAPI is the largest OpenAPI description accepted (bytes).
const maxOpenAPI = 2 << 20

// serviceCreate registers a service from an OpenAPI description uploaded
// as a file or pasted as text (the file wins when both are given).
func (h *HTTP) serviceCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxOpenAPI+64<<10)
	err := r.ParseMultipartForm(maxOpenAPI)
	if errors.Is(err, http.ErrNotMultipart) {
		err = r.ParseForm() // pasted text only, from a client that sends no files
	}
	if err != nil {
		h.renderServiceNew(w, r, http.StatusRequestEntityTooLarge, url.Values{}, errs.E(errs.Invalid, "gateway.error.openapi_too_large").Field("openapi", "gateway.error.openapi_too_large"))
		return
	}
	f := r.PostForm
	var bad errs.Validation
	id, perr := ParseServiceID(strings.TrimSpace(f.Get("provider")) + "/" + strings.TrimSpace(f.Get("code")))
	if f.Get("provider") == "" {
		bad.Add("provider", "gateway.error.choose_subsystem")
	} else if perr != nil {
		bad.Add("code", "gateway.error.bad_code")
	}
	if v := strings.TrimSpace(f.Get("version")); v != "" {
		if checkPart("version", v) != nil {
			bad.Add("version", "gateway.error.bad_code")
		}
		id.Version = v
	}
	spec := []byte(f.Get("openapi"))
	if file, _, err := r.FormFile("openapi_file"); err == nil {
		spec, err = io.ReadAll(io.LimitReader(file, maxOpenAPI))
		file.Close()
		if err != nil {
			bad.Add("openapi_file", "gateway.error.bad_openapi")
		}
	}
	if strings.TrimSpace(string(spec)) == "" {
		bad.Add("openapi", "gateway.error.openapi_required")
	}
	def := ServiceDef{ID: id, BasePath: strings.TrimSpace(f.Get("base_path")), OpenAPI: spec, ProviderURL: strings.TrimSpace(f.Get("provider_url"))}
	if def.ProviderURL == "" {
		bad.Add("provider_url", "gateway.error.bad_provider_url")
	}
	err = bad.Err()
	if err == nil {
		err = h.gw.change(r.Context(), actor(r), "gateway.service.register", "gateway_service:"+id.Unversioned().String(),
			map[string]string{"provider_url": def.ProviderURL, "base_path": def.BasePath}, func(q store.Querier) error {
				_, err := registerService(r.Context(), q, def)
				return err
			})
	}
	if err != nil {
		if e := errs.As(err); e != nil && e.Message == "gateway.error.bad_openapi" && len(e.Fields) == 0 {
			err = e.Field("openapi", "gateway.error.bad_openapi")
		}
		h.failed(w, r, err, func(status int, e *errs.Error) { h.renderServiceNew(w, r, status, web.Typed(r), e) })
		return
	}
	http.Redirect(w, r, "/admin/gateway/services/"+id.Unversioned().String()+"?done=registered", http.StatusSeeOther)
}

type serviceData struct {
	Service *Service
	Rights  []AccessRight
	Members []MemberEntry
	Groups  []Group
	Done    string
}

// Grantee is how a right's holder is written in the grant form:
// "client:ID" or "group:CODE".
func (a AccessRight) Grantee() string {
	if a.Group != "" {
		return "group:" + a.Group
	}
	return "client:" + a.Client
}

// EndpointValue is how an endpoint is written in the forms: "METHOD PATH".
func (e Endpoint) EndpointValue() string { return e.Method + " " + e.Path }

func (h *HTTP) serviceFrom(w http.ResponseWriter, r *http.Request) (*Service, bool) {
	id, err := ParseServiceID(r.PathValue("id"))
	if err != nil {
		h.site.Error(w, r, errs.E(errs.NotFound, "gateway.error.unknown_service"))
		return nil, false
	}
	svc, err := h.gw.Service(r.Context(), id)
	if err != nil {
		h.site.Error(w, r, err)
		return nil, false
	}
	return svc, true
}

func (h *HTTP) servicePage(w http.ResponseWriter, r *http.Request) {
	svc, ok := h.serviceFrom(w, r)
	if !ok {
		return
	}
	h.renderService(w, r, http.StatusOK, svc, url.Values{}, nil, r.URL.Query().Get("done"))
}

func (h *HTTP) renderService(w http.ResponseWriter, r *http.Request, status int, svc *Service, form url.Values, e *errs.Error, done string) {
	ctx := r.Context()
	d := serviceData{Service: svc}
	var err error
	if d.Rights, err = h.gw.AccessRights(ctx, svc.ID); err == nil {
		if d.Members, err = h.gw.Directory(ctx); err == nil {
			d.Groups, err = h.gw.Groups(ctx)
		}
	}
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	switch done {
	case "registered", "granted", "revoked":
		d.Done = done
	}
	v := h.site.View(r, "", d)
	v.Title = v.T("gateway.admin.service.title", "ID", svc.ID.Unversioned().String())
	v.Form, v.Err = form, e
	v.Crumbs = adminCrumbs(v, web.Crumb{Label: svc.ID.Code})
	h.pages.Render(w, r, status, "admin-service", v)
}

// rightOf reads the grantee and endpoint of the grant and revoke forms.
func rightOf(f url.Values, bad *errs.Validation) (client ClientID, group string, e Endpoint) {
	kind, who, _ := strings.Cut(f.Get("grantee"), ":")
	switch kind {
	case "client":
		var err error
		if client, err = ParseClientID(who); err != nil || !client.IsSubsystem() {
			bad.Add("grantee", "gateway.error.choose_grantee")
		}
	case "group":
		group = who
	default:
		bad.Add("grantee", "gateway.error.choose_grantee")
	}
	method, path, ok := strings.Cut(f.Get("endpoint"), " ")
	if e = (Endpoint{Method: method, Path: path}); !ok || e.validate() != nil {
		bad.Add("endpoint", "gateway.error.choose_endpoint")
	}
	return client, group, e
}

func (h *HTTP) grant(w http.ResponseWriter, r *http.Request) {
	h.changeRight(w, r, "gateway.access.grant", "granted", func(ctx context.Context, q store.Querier, svc ServiceID, client ClientID, group string, e Endpoint) error {
		if group != "" {
			return grantGroup(ctx, q, group, svc, e)
		}
		return grant(ctx, q, client, svc, e)
	})
}

func (h *HTTP) revoke(w http.ResponseWriter, r *http.Request) {
	h.changeRight(w, r, "gateway.access.revoke", "revoked", func(ctx context.Context, q store.Querier, svc ServiceID, client ClientID, group string, e Endpoint) error {
		if group != "" {
			return revokeGroup(ctx, q, group, svc, e)
		}
		return revoke(ctx, q, client, svc, e)
	})
}

func (h *HTTP) changeRight(w http.ResponseWriter, r *http.Request, action, done string,
	fn func(ctx context.Context, q store.Querier, svc ServiceID, client ClientID, group string, e Endpoint) error) {
	svc, ok := h.serviceFrom(w, r)
	if !ok {
		return
	}
	r.ParseForm()
	var bad errs.Validation
	client, group, e := rightOf(r.PostForm, &bad)
	err := bad.Err()
	if err == nil {
		err = h.gw.change(r.Context(), actor(r), action, "gateway_service:"+svc.ID.Unversioned().String(),
			map[string]string{"grantee": r.PostForm.Get("grantee"), "method": e.Method, "path": e.Path}, func(q store.Querier) error {
				return fn(r.Context(), q, svc.ID, client, group, e)
			})
	}
	if err != nil {
		h.failed(w, r, err, func(status int, e *errs.Error) { h.renderService(w, r, status, svc, web.Typed(r), e, "") })
		return
	}
	http.Redirect(w, r, "/admin/gateway/services/"+svc.ID.Unversioned().String()+"?done="+done, http.StatusSeeOther)
}

type subsystemData struct {
	Subsystem ClientID
	Keys      []APIKey
	NewKey    string // shown once, right after issuing
	Done      string
}

func (h *HTTP) subsystemFrom(w http.ResponseWriter, r *http.Request) (ClientID, bool) {
	id, err := ParseClientID(r.PathValue("id"))
	if err == nil && id.IsSubsystem() {
		var ok bool
		if ok, err = h.gw.exists(r.Context(), `SELECT 1 FROM gateway_subsystems WHERE id = $1`, id.String()); err == nil && ok {
			return id, true
		}
	}
	if err == nil || errs.KindOf(err) != errs.Internal {
		err = errs.E(errs.NotFound, "gateway.error.unknown_subsystem")
	}
	h.site.Error(w, r, err)
	return ClientID{}, false
}

func (h *HTTP) subsystemPage(w http.ResponseWriter, r *http.Request) {
	id, ok := h.subsystemFrom(w, r)
	if !ok {
		return
	}
	done := r.URL.Query().Get("done")
	if done != "revoked" {
		done = ""
	}
	h.renderSubsystem(w, r, http.StatusOK, subsystemData{Subsystem: id, Done: done}, nil)
}

func (h *HTTP) renderSubsystem(w http.ResponseWriter, r *http.Request, status int, d subsystemData, e *errs.Error) {
	keys, err := h.gw.Keys(r.Context(), d.Subsystem)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d.Keys = keys
	v := h.site.View(r, "", d)
	v.Title = v.T("gateway.admin.subsystem.title", "ID", d.Subsystem.String())
	v.Err = e
	v.Crumbs = adminCrumbs(v, web.Crumb{Label: d.Subsystem.Subsystem})
	h.pages.Render(w, r, status, "admin-subsystem", v)
}

// issueKey issues a key and shows it on this answer only: the page is not
// a redirect, and only the key's hash is stored.
func (h *HTTP) issueKey(w http.ResponseWriter, r *http.Request) {
	id, ok := h.subsystemFrom(w, r)
	if !ok {
		return
	}
	var key string
	err := h.gw.change(r.Context(), actor(r), "gateway.key.issue", "gateway_subsystem:"+id.String(), nil, func(q store.Querier) error {
		var err error
		key, err = issueKey(r.Context(), q, id)
		return err
	})
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	h.renderSubsystem(w, r, http.StatusCreated, subsystemData{Subsystem: id, NewKey: key, Done: "issued"}, nil)
}

func (h *HTTP) revokeKey(w http.ResponseWriter, r *http.Request) {
	id, ok := h.subsystemFrom(w, r)
	if !ok {
		return
	}
	keyID := r.PostFormValue("key")
	err := h.gw.change(r.Context(), actor(r), "gateway.key.revoke", "gateway_subsystem:"+id.String(), map[string]string{"key": keyID},
		func(q store.Querier) error { return revokeKeyByID(r.Context(), q, id, keyID) })
	if err != nil {
		h.failed(w, r, err, func(status int, e *errs.Error) { h.renderSubsystem(w, r, status, subsystemData{Subsystem: id}, e) })
		return
	}
	http.Redirect(w, r, "/admin/gateway/subsystems/"+id.String()+"?done=revoked", http.StatusSeeOther)
}
