package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

func newSite(t *testing.T, db *store.DB) *web.Site {
	secret, err := web.LoadSecret(context.Background(), db, "")
	if err != nil {
		t.Fatal(err)
	}
	return web.NewSite(db, web.Options{Secret: secret})
}

func TestSecretIsSharedByReplicas(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		one, err := web.LoadSecret(ctx, db, "")
		if err != nil {
			t.Fatal(err)
		}
		two, err := web.LoadSecret(ctx, db, "")
		if err != nil {
			t.Fatal(err)
		}
		if string(one) != string(two) || len(one) != 32 {
			t.Errorf("replicas got different or short keys")
		}
	}, web.Migrations)
}

// sessionApp signs in on POST /in (rotating), reports the subject on GET /me
// and signs out everywhere on POST /out-all.
func sessionApp(site *web.Site) http.Handler {
	rt := web.NewRouter(site)
	rt.HandleFunc("GET /form", web.Public, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(web.CSRFToken(r.Context())))
	})
	rt.HandleFunc("POST /in", web.Public, func(w http.ResponseWriter, r *http.Request) {
		if _, err := site.Sessions.Start(r.Context(), w, r, r.PostFormValue("who"), nil); err != nil {
			site.Error(w, r, err)
		}
	})
	rt.HandleFunc("GET /me", web.Public, func(w http.ResponseWriter, r *http.Request) {
		if s := web.SessionOf(r.Context()); s != nil {
			w.Write([]byte(s.Subject))
		}
	})
	rt.HandleFunc("POST /out-all", web.Public, func(w http.ResponseWriter, r *http.Request) {
		site.Sessions.EndAll(r.Context(), web.SessionOf(r.Context()).Subject)
	})
	return site.Handler(rt, nil)
}

type browser struct {
	t      *testing.T
	base   string
	cookie map[string]string
}

func (b *browser) do(method, path string, form url.Values) (int, string) {
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.cookie {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookie, c.Name)
		} else {
			b.cookie[c.Name] = c.Value
		}
	}
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestSessionsAndCSRF(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		site := newSite(t, db)
		srv := httptest.NewServer(sessionApp(site))
		defer srv.Close()
		b := &browser{t: t, base: srv.URL, cookie: map[string]string{}}

		_, token := b.do("GET", "/form", nil)
		if code, _ := b.do("POST", "/in", url.Values{"who": {"account:1"}}); code != http.StatusForbidden {
			t.Fatalf("POST without CSRF token: %d, want 403", code)
		}
		if code, _ := b.do("POST", "/in", url.Values{"who": {"account:1"}, "csrf_token": {"forged"}}); code != http.StatusForbidden {
			t.Fatalf("POST with a forged token: %d, want 403", code)
		}
		if code, _ := b.do("POST", "/in", url.Values{"who": {"account:1"}, "csrf_token": {token}}); code != http.StatusOK {
			t.Fatalf("sign in: %d", code)
		}
		first := b.cookie["egov_session"]
		if _, who := b.do("GET", "/me", nil); who != "account:1" {
			t.Fatalf("me = %q", who)
		}
		// Signing in again rotates the session: the old token is dead.
		b.do("POST", "/in", url.Values{"who": {"account:1"}, "csrf_token": {token}})
		second := b.cookie["egov_session"]
		if first == second {
			t.Fatal("session token not rotated on sign-in")
		}
		old := &browser{t: t, base: srv.URL, cookie: map[string]string{"egov_session": first}}
		if _, who := old.do("GET", "/me", nil); who != "" {
			t.Errorf("old session still works after rotation: %q", who)
		}
		// Sign out everywhere ends every session of the subject.
		other := &browser{t: t, base: srv.URL, cookie: map[string]string{}}
		_, otherToken := other.do("GET", "/form", nil)
		other.do("POST", "/in", url.Values{"who": {"account:1"}, "csrf_token": {otherToken}})
		b.do("POST", "/out-all", url.Values{"csrf_token": {token}})
		if _, who := other.do("GET", "/me", nil); who != "" {
			t.Errorf("other device still signed in after sign-out everywhere")
		}
	}, web.Migrations)
}

func TestMoneyAndTranslations(t *testing.T) {
	db := storetest.SQLite(t, web.Migrations)
	site := newSite(t, db)
	req := httptest.NewRequest("GET", "/", nil)
	for _, tc := range []struct {
		lang  lang.Lang
		qepik int64
		want  string
	}{
		{lang.AZ, 500, "5,00 AZN"},
		{lang.EN, 2650, "26.50 AZN"},
		{lang.RU, 0, "Бесплатно"},
		{lang.AZ, -105, "-1,05 AZN"},
	} {
		v := site.View(req.WithContext(web.WithLang(req.Context(), tc.lang)), "", nil)
		if got := v.Money(tc.qepik); got != tc.want {
			t.Errorf("Money(%d) in %s = %q, want %q", tc.qepik, tc.lang, got, tc.want)
		}
	}
	if got := site.Messages.T(lang.RU, "error.not_found.title"); got != "Страница не найдена" {
		t.Errorf("T = %q", got)
	}
	if got := site.Messages.T(lang.EN, "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key shows %q, want the key", got)
	}
}

func TestProblemStatusPerKind(t *testing.T) {
	for kind, want := range map[errs.Kind]int{
		errs.Invalid: 422, errs.NotFound: 404, errs.Conflict: 409, errs.Forbidden: 403,
		errs.Unauthenticated: 401, errs.TooMany: 429, errs.Unavailable: 503, errs.Internal: 500,
	} {
		if got := web.Status(kind); got != want {
			t.Errorf("Status(%s) = %d, want %d", kind, got, want)
		}
	}
}
