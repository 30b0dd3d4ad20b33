package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/egov/egov/internal/app"
	"github.com/egov/egov/internal/config"
)

// newServer starts egov in demo mode on a fresh SQLite store, served at
// http://127.0.0.1:PORT, which is also its base URL.
func newServer(t *testing.T) (*app.App, *httptest.Server) {
	t.Helper()
	return startApp(t, "127.0.0.1")
}

// startApp starts egov in demo mode on a fresh SQLite store on a loopback
// port, with base URL http://host:PORT: host is "127.0.0.1" or
// "localhost" (WebAuthn needs a host name, not an address). extra are more
// flags.
func startApp(t *testing.T, host string, extra ...string) (*app.App, *httptest.Server) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	args := append([]string{"-data-dir", t.TempDir(), "-demo", "true", "-base-url", "http://" + host + ":" + port}, extra...)
	cfg, _, err := config.Load(args, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a, err := app.New(ctx, cfg, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(a.Handler)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	srv.URL = cfg.BaseURL // the same port, by the host name asked for
	t.Cleanup(srv.Close)
	return a, srv
}

func client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestSecurityHeaders(t *testing.T) {
	_, srv := newServer(t)
	resp, _ := get(t, client(t), srv.URL+"/")
	for header, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "strict-origin-when-cross-origin",
		"X-Frame-Options":        "DENY",
	} {
		if got := resp.Header.Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, part := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, part) {
			t.Errorf("CSP %q lacks %q", csp, part)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
}

func TestNoInlineScriptOrStyle(t *testing.T) {
	_, srv := newServer(t)
	for _, path := range []string{"/", "/services", "/services/identity-card", "/search?q=pasport", "/no-such-page"} {
		_, body := get(t, client(t), srv.URL+path)
		for _, bad := range []string{"<script>", "<script ", "style=\"", " onclick=", "<style"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q, which the CSP forbids", path, bad)
			}
		}
	}
}

func TestLanguage(t *testing.T) {
	_, srv := newServer(t)
	htmlLang := regexp.MustCompile(`<html lang="([a-z]+)"`)
	langOf := func(body string) string {
		m := htmlLang.FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return m[1]
	}
	t.Run("DefaultAzerbaijani", func(t *testing.T) {
		_, body := get(t, client(t), srv.URL+"/")
		if got := langOf(body); got != "az" {
			t.Errorf("lang = %q, want az", got)
		}
	})
	t.Run("AcceptLanguage", func(t *testing.T) {
		_, body := get(t, client(t), srv.URL+"/", "Accept-Language", "ru-RU,ru;q=0.9")
		if got := langOf(body); got != "ru" {
			t.Errorf("lang = %q, want ru", got)
		}
	})
	t.Run("QueryIsRemembered", func(t *testing.T) {
		c := client(t)
		_, body := get(t, c, srv.URL+"/services?lang=en")
		if got := langOf(body); got != "en" {
			t.Errorf("lang = %q, want en", got)
		}
		_, body = get(t, c, srv.URL+"/agencies", "Accept-Language", "ru")
		if got := langOf(body); got != "en" {
			t.Errorf("after ?lang=en the next page is %q, want en", got)
		}
	})
	t.Run("UnknownLanguageIgnored", func(t *testing.T) {
		_, body := get(t, client(t), srv.URL+"/?lang=xx")
		if got := langOf(body); got != "az" {
			t.Errorf("lang = %q, want az", got)
		}
	})
}

func TestNotFoundPageInEachLanguage(t *testing.T) {
	_, srv := newServer(t)
	for lang, want := range map[string]string{"az": "Səhifə tapılmadı", "en": "Page not found", "ru": "Страница не найдена"} {
		resp, body := get(t, client(t), srv.URL+"/no-such-page?lang="+lang)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", lang, resp.StatusCode)
		}
		if !strings.Contains(body, want) {
			t.Errorf("%s: page lacks %q", lang, want)
		}
	}
	resp, _ := get(t, client(t), srv.URL+"/services/no-such-service")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown service: status %d, want 404", resp.StatusCode)
	}
}

func TestAPIProblemDetails(t *testing.T) {
	_, srv := newServer(t)
	resp, body := get(t, client(t), srv.URL+"/api/v1/services?limit=0&lang=en")
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/problem+json" {
		t.Errorf("Content-Type = %q", got)
	}
	var p struct {
		Type, Title, Detail string
		Status              int
		Errors              []struct{ Field, Detail string }
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != 422 || p.Type == "" || p.Title == "" || len(p.Errors) != 1 || p.Errors[0].Field != "limit" {
		t.Errorf("problem = %+v", p)
	}
	if !strings.Contains(p.Errors[0].Detail, "limit") {
		t.Errorf("detail not in English: %q", p.Errors[0].Detail)
	}
	resp, body = get(t, client(t), srv.URL+"/api/v1/services/nope?lang=ru")
	if resp.StatusCode != 404 || !strings.Contains(body, "Такой услуги нет") {
		t.Errorf("unknown service: %d %s", resp.StatusCode, body)
	}
}

func TestSearchAPI(t *testing.T) {
	_, srv := newServer(t)
	for _, q := range []string{"sexsiyyet vesiqesi", "şəxsiyyət", "identity card", "удостоверение личности"} {
		resp, body := get(t, client(t), srv.URL+"/api/v1/services?q="+url.QueryEscape(q)+"&lang=en")
		if resp.StatusCode != 200 {
			t.Fatalf("%q: status %d", q, resp.StatusCode)
		}
		var out struct {
			Items []struct{ Slug, Name string }
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Items) == 0 || out.Items[0].Slug != "identity-card" {
			t.Errorf("%q: first result %+v, want identity-card", q, out.Items)
		}
	}
}

func TestCSRF(t *testing.T) {
	a, srv := newServer(t)
	_ = a
	c := client(t)
	// A state-changing request without the token is refused.
	resp, err := c.PostForm(srv.URL+"/search", url.Values{"q": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST without token: status %d, want 403", resp.StatusCode)
	}
	// A cross-site browser request is refused even before the token check.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/search", strings.NewReader("q=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: status %d, want 403", resp.StatusCode)
	}
}

func TestOperations(t *testing.T) {
	_, srv := newServer(t)
	// One request first, so the request counter has a series to show
	// whichever path the loop below visits first.
	get(t, client(t), srv.URL+"/")
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/static/egov.css": 200, "/api/v1/openapi.json": 200} {
		resp, body := get(t, client(t), srv.URL+path)
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", path, resp.StatusCode, want)
		}
		if path == "/metrics" && !strings.Contains(body, "egov_http_requests_total") {
			t.Errorf("/metrics lacks the request counter")
		}
	}
}

// Every /api/v1 route is described in the OpenAPI document.
func TestOpenAPICoversRoutes(t *testing.T) {
	a, srv := newServer(t)
	_, body := get(t, client(t), srv.URL+"/api/v1/openapi.json")
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range a.Router.Routes() {
		method, path, _ := strings.Cut(r.Pattern, " ")
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		op, ok := doc.Paths[path]
		if !ok {
			t.Errorf("%s is not in openapi.json", r.Pattern)
			continue
		}
		if _, ok := op[strings.ToLower(method)]; !ok {
			t.Errorf("%s: method %s not described", path, method)
		}
	}
}

func TestEveryRouteDeclaresAccess(t *testing.T) {
	a, _ := newServer(t)
	for _, r := range a.Router.Routes() {
		if r.Access.Name == "" || r.Access.Allow == nil {
			t.Errorf("%s declares no access", r.Pattern)
		}
	}
}

func TestMessagesComplete(t *testing.T) {
	a, _ := newServer(t)
	for l, ids := range a.Site.Messages.Missing() {
		t.Errorf("language %s lacks %d messages: %v", l, len(ids), ids)
	}
}
