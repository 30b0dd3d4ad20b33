package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/egov/egov/internal/errs"
)

const csrfCookie = "egov_csrf"

// csrfGuard implements the signed double-submit pattern: the browser holds
// a random value in a cookie, forms carry an HMAC of it under the site key.
// A cross-site page can neither read the cookie nor forge the HMAC. It
// works for visitors who have not signed in, so every form is covered.
type csrfGuard struct {
	key    []byte
	secure bool
}

func (g *csrfGuard) token(cookie string) string {
	mac := hmac.New(sha256.New, g.key)
	mac.Write([]byte("csrf|" + cookie))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// valid reports whether the request carries the token of its cookie, as the
// form field csrf_token or the X-CSRF-Token header.
func (g *csrfGuard) valid(r *http.Request, cookie string) bool {
	if cookie == "" {
		return false
	}
	sent := r.Header.Get("X-CSRF-Token")
	if sent == "" {
		sent = r.PostFormValue("csrf_token")
	}
	return sent != "" && hmac.Equal([]byte(sent), []byte(g.token(cookie)))
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// exemptFromCSRF: requests that authenticate without cookies (API keys,
// bearer tokens, gateway members) cannot be forged by a browser.
func exemptFromCSRF(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/r1/") || r.URL.Path == "/oauth/token" || r.URL.Path == "/oauth/introspect" || r.URL.Path == "/oauth/revoke" {
		return true
	}
	// The card acquirer's webhook: its HMAC signature is its
	// authentication (internal/payments checks it).
	if r.URL.Path == "/payments/callback" {
		return true
	}
	// Checking a document's signed payload (from a QR code) changes
	// nothing and needs no session: apps post it without cookies.
	if r.URL.Path == "/api/v1/verify" && r.Header.Get("Cookie") == "" {
		return true
	}
	if strings.HasPrefix(r.URL.Path, "/api/") && r.Header.Get("Authorization") != "" && r.Header.Get("Cookie") == "" {
		return true
	}
	return false
}

// CSRF makes sure every visitor has a CSRF cookie, puts the matching token
// in the request context for forms, and refuses unsafe requests that do
// not carry it.
func (s *Site) CSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		value := ""
		if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
			value = c.Value
		}
		if !safeMethod(r.Method) && !exemptFromCSRF(r) {
			if !s.csrf.valid(r, value) {
				s.Error(w, r, errs.E(errs.Forbidden, "error.csrf"))
				return
			}
		}
		if value == "" {
			raw := make([]byte, 32)
			rand.Read(raw)
			value = base64.RawURLEncoding.EncodeToString(raw)
			http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: value, Path: "/", HttpOnly: true, Secure: s.csrf.secure, SameSite: http.SameSiteLaxMode})
		}
		ctx := contextWith(r.Context(), keyCSRF, s.csrf.token(value))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
