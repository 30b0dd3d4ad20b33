package oidc

import (
	"net/http"
	"net/url"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/web"
)

// Routes mounts the provider. The protocol endpoints are the op package's
// handler, each path registered here so the site's route table lists it.
func (p *Provider) Routes(rt *web.Router) {
	proto := http.HandlerFunc(p.op.ServeHTTP)
	rt.Handle("GET /.well-known/openid-configuration", web.Public, proto)
	rt.Handle("GET /oauth/keys", web.Public, proto)
	rt.Handle("GET /oauth/authorize", web.Public, proto)
	rt.HandleFunc("GET /oauth/authorize/callback", web.Public, p.callback)
	rt.Handle("POST /oauth/token", web.Public, proto)
	rt.Handle("GET /oauth/userinfo", web.Public, proto)
	rt.Handle("POST /oauth/revoke", web.Public, proto)
	rt.Handle("POST /oauth/introspect", web.Public, proto)
	rt.HandleFunc("GET /oauth/end_session", web.Public, p.endSession)
	rt.HandleFunc("GET /oauth/consent", web.Public, p.consentPage)
	rt.HandleFunc("POST /oauth/consent", web.Public, p.consentPost)
	rt.HandleFunc("GET /cabinet/consents", web.Roles(identity.RoleCitizen), p.consentsPage)
	rt.HandleFunc("POST /cabinet/consents/{client}/revoke", web.Roles(identity.RoleCitizen), p.revoke)
}

// scopeItem is one requested data item on the consent screen.
type scopeItem struct{ Scope, Label, Hint string }

type consentData struct {
	Request *authRequest
	Client  *Client
	Scopes  []scopeItem
	Site    string // where the data goes: the redirect URI's host
}

// request loads the authorization request named by id for the signed-in
// person. It answers the response itself (sign-in redirect or error) and
// returns nil when there is nothing more to do.
func (p *Provider) request(w http.ResponseWriter, r *http.Request, id string) (*authRequest, *Client) {
	ctx := r.Context()
	a, err := findAuthRequest(ctx, p.db, "id", id, p.now())
	if err != nil {
		p.site.Error(w, r, err)
		return nil, nil
	}
	pr := web.PrincipalOf(ctx)
	if pr == nil {
		if containsPrompt(a.Prompt, oidc.PromptNone) {
			op.AuthRequestError(w, r, a, oidc.ErrLoginRequired(), p.op)
			return nil, nil
		}
		http.Redirect(w, r, "/auth/signin?next="+url.QueryEscape("/oauth/consent?id="+a.ID), http.StatusSeeOther)
		return nil, nil
	}
	if pr.FIN == "" {
		p.site.Error(w, r, errs.E(errs.Forbidden, "oidc.error.person_only"))
		return nil, nil
	}
	if a.IsDone {
		p.site.Error(w, r, errs.E(errs.Conflict, "oidc.error.request_used"))
		return nil, nil
	}
	c, err := findClient(ctx, p.db, a.ClientID)
	if err != nil {
		p.site.Error(w, r, err)
		return nil, nil
	}
	return a, c
}

func containsPrompt(prompts []string, want string) bool {
	for _, p := range prompts {
		if p == want {
			return true
		}
	}
	return false
}

// authTime is when the person signed in: the session's start.
func authTime(r *http.Request, now time.Time) time.Time {
	if s := web.SessionOf(r.Context()); s != nil && !s.CreatedAt.IsZero() {
		return s.CreatedAt.UTC()
	}
	return now
}

// consentPage shows what the client asks to read, unless the person has
// already allowed all of it (and was not asked to be asked again).
func (p *Provider) consentPage(w http.ResponseWriter, r *http.Request) {
	a, c := p.request(w, r, r.URL.Query().Get("id"))
	if a == nil {
		return
	}
	ctx := r.Context()
	fin := web.PrincipalOf(ctx).FIN
	consent, err := findConsent(ctx, p.db, fin, a.ClientID)
	if err != nil && errs.KindOf(err) != errs.NotFound {
		p.site.Error(w, r, err)
		return
	}
	if consent != nil && covers(consent.Scopes, a.Scopes) && !containsPrompt(a.Prompt, oidc.PromptConsent) {
		if err := p.complete(ctx, p.db, a, fin, authTime(r, p.now())); err != nil {
			p.site.Error(w, r, err)
			return
		}
		http.Redirect(w, r, "/oauth/authorize/callback?id="+url.QueryEscape(a.ID), http.StatusSeeOther)
		return
	}
	if containsPrompt(a.Prompt, oidc.PromptNone) {
		op.AuthRequestError(w, r, a, oidc.ErrInteractionRequired().WithDescription("consent required"), p.op)
		return
	}
	p.renderConsent(w, r, a, c)
}

func (p *Provider) renderConsent(w http.ResponseWriter, r *http.Request, a *authRequest, c *Client) {
	v := p.site.View(r, "oidc.consent.title", nil)
	data := consentData{Request: a, Client: c}
	if u, err := url.Parse(a.RedirectURI); err == nil {
		data.Site = u.Host
	}
	for _, s := range orderedScopes(a.Scopes) {
		data.Scopes = append(data.Scopes, scopeItem{Scope: s, Label: v.T("oidc.scope." + s), Hint: v.T("oidc.scope." + s + ".hint")})
	}
	v.Data = data
	v.Crumbs = []web.Crumb{{Label: v.Title}}
	p.pages.Render(w, r, http.StatusOK, "consent", v)
}

// consentPost records the person's decision: approve completes the
// request; anything else answers access_denied to the client.
func (p *Provider) consentPost(w http.ResponseWriter, r *http.Request) {
	a, _ := p.request(w, r, r.PostFormValue("id"))
	if a == nil {
		return
	}
	ctx := r.Context()
	if r.PostFormValue("decision") != "approve" {
		if err := (&storage{p}).DeleteAuthRequest(ctx, a.ID); err != nil {
			p.site.Error(w, r, err)
			return
		}
		op.AuthRequestError(w, r, a, oidc.ErrAccessDenied().WithDescription("the person declined to share their data"), p.op)
		return
	}
	if err := p.approve(ctx, a, web.PrincipalOf(ctx).FIN, authTime(r, p.now())); err != nil {
		p.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/oauth/authorize/callback?id="+url.QueryEscape(a.ID), http.StatusSeeOther)
}

// callback hands a completed request back to the op package, which
// redirects to the client with the code — only in the browser of the
// person who approved it.
func (p *Provider) callback(w http.ResponseWriter, r *http.Request) {
	a, err := findAuthRequest(r.Context(), p.db, "id", r.URL.Query().Get("id"), p.now())
	if err != nil {
		p.site.Error(w, r, err)
		return
	}
	pr := web.PrincipalOf(r.Context())
	if pr == nil || pr.FIN == "" || pr.FIN != a.FIN {
		p.site.Error(w, r, errs.E(errs.Forbidden, "error.forbidden.detail"))
		return
	}
	// Signing in to a service through egov is part of the person's
	// activity history ("which services they used").
	if c, err := p.Client(r.Context(), a.ClientID); err == nil {
		if err := p.ids.RecordServiceUse(r.Context(), pr.AccountID, c.Name.In(web.LangOf(r.Context()))); err != nil {
			p.site.Error(w, r, err)
			return
		}
	}
	p.op.ServeHTTP(w, r)
}

// endSession is RP-initiated logout. When the ID token hint names the
// person signed in here, their egov session ends too; the op package then
// ends the client's tokens and redirects to the registered address.
func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if hint, pr := r.URL.Query().Get("id_token_hint"), web.PrincipalOf(ctx); hint != "" && pr != nil && pr.FIN != "" {
		vctx := op.ContextWithIssuer(ctx, p.cfg.Issuer)
		claims, err := op.VerifyIDTokenHint[*oidc.IDTokenClaims](vctx, hint, p.op.IDTokenHintVerifier(vctx))
		if err == nil && len(claims.Audience) > 0 && claims.Subject == p.secrets.pairwiseSubject(claims.Audience[0], pr.FIN) {
			if err := p.ids.SignOut(ctx, w, r); err != nil {
				p.site.Error(w, r, err)
				return
			}
		}
	}
	p.op.ServeHTTP(w, r)
}

type consentsData struct {
	Consents []consentView
}

type consentView struct {
	Consent
	Name    string
	Purpose string
	Items   []string
}

// consentsPage lists the person's consents in the cabinet.
func (p *Provider) consentsPage(w http.ResponseWriter, r *http.Request) {
	pr := web.PrincipalOf(r.Context())
	v := p.site.View(r, "oidc.consents.title", nil)
	v.Crumbs = []web.Crumb{{Label: v.T("oidc.cabinet"), URL: "/cabinet"}, {Label: v.Title}}
	data := consentsData{}
	if pr.FIN != "" {
		list, err := p.Consents(r.Context(), pr.FIN)
		if err != nil {
			p.site.Error(w, r, err)
			return
		}
		for _, c := range list {
			cv := consentView{Consent: c, Name: c.ClientID}
			if c.Client != nil {
				cv.Name, cv.Purpose = v.Text(c.Client.Name), v.Text(c.Client.Purpose)
			}
			for _, s := range orderedScopes(c.Scopes) {
				cv.Items = append(cv.Items, v.T("oidc.scope."+s))
			}
			data.Consents = append(data.Consents, cv)
		}
	}
	v.Data = data
	p.pages.Render(w, r, http.StatusOK, "consents", v)
}

// revoke withdraws a consent from the cabinet.
func (p *Provider) revoke(w http.ResponseWriter, r *http.Request) {
	pr := web.PrincipalOf(r.Context())
	if pr.FIN == "" {
		p.site.Error(w, r, errs.E(errs.Forbidden, "oidc.error.person_only"))
		return
	}
	if err := p.RevokeConsent(r.Context(), pr.FIN, r.PathValue("client")); err != nil {
		p.site.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/cabinet/consents?revoked="+url.QueryEscape(r.PathValue("client")), http.StatusSeeOther)
}
