package web

import (
	"context"

	"github.com/egov/egov/internal/lang"
)

type ctxKey int

const (
	keyLang ctxKey = iota
	keyRequestID
	keyCSRF
	keySession
	keyPrincipal
	keyPattern
	keyLangChosen
)

// LangOf is the language the request is served in.
func LangOf(ctx context.Context) lang.Lang {
	if l, ok := ctx.Value(keyLang).(lang.Lang); ok {
		return l
	}
	return lang.Default
}

// WithLang returns ctx served in l.
func WithLang(ctx context.Context, l lang.Lang) context.Context {
	return context.WithValue(ctx, keyLang, l)
}

// LangChosen reports whether the person chose the language on this very
// request (?lang=), as opposed to it coming from a cookie or the browser.
func LangChosen(ctx context.Context) bool {
	chosen, _ := ctx.Value(keyLangChosen).(bool)
	return chosen
}

// RequestID is the request's ID, as logged and returned in X-Request-Id.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// CSRFToken is the token forms of this request must carry.
func CSRFToken(ctx context.Context) string {
	t, _ := ctx.Value(keyCSRF).(string)
	return t
}

// SessionOf is the signed-in session of the request, or nil.
func SessionOf(ctx context.Context) *Session {
	s, _ := ctx.Value(keySession).(*Session)
	return s
}

// Principal is who is signed in, as the layout and authorization see them.
// The identity module fills it from the session.
type Principal struct {
	AccountID int64
	Subject   string // e.g. "person:5ZQX7KA", "staff:admin"
	Name      string
	Roles     []string
	FIN       string // a person's FIN; empty for staff
	Agency    string // the agency a staff member works in
	Centre    string // the service centre a centre operator works in
	ActingFor string // the VÖEN of the business a person acts for, if any
}

// Has reports whether p holds role.
func (p *Principal) Has(role string) bool {
	if p == nil {
		return false
	}
	for _, r := range p.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// PrincipalOf is who is signed in, or nil.
func PrincipalOf(ctx context.Context) *Principal {
	p, _ := ctx.Value(keyPrincipal).(*Principal)
	return p
}

// WithPrincipal returns ctx with p signed in.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, keyPrincipal, p)
}
