package browsertest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/egov/egov/internal/browsertest"
)

// The harness's own checks, on pages made to pass or fail, served with a
// Content-Security-Policy as strict as egov's.
var pages = map[string]string{
	"/good": `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Good</title>
<script src="/script.js"></script></head>
<body><main><h1 id="h">Good</h1><p>Fine.</p></main></body></html>`,
	"/bad": `<!doctype html><html><head><meta charset="utf-8"><title>Bad</title></head>
<body><h1>One</h1><h1>Two</h1><img src="/x.png"><input type="text"></body></html>`,
	"/script.js": `document.addEventListener('DOMContentLoaded', () => { document.getElementById('h').textContent = 'Scripted'; });`,
}

func serve(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'")
		if strings.HasSuffix(r.URL.Path, ".js") {
			w.Header().Set("Content-Type", "text/javascript")
		} else {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func heading(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBrowserHarness(t *testing.T) {
	ctx := browsertest.Chromium(t)
	srv := serve(t)

	t.Run("GoodPage", func(t *testing.T) {
		p := browsertest.Open(t, ctx, srv.URL+"/good")
		if p.Status != 200 || p.Lang != "en" || p.H1 != 1 || p.Title != "Good" || p.URL != srv.URL+"/good" {
			t.Errorf("page = %+v", p)
		}
		if got := browsertest.Count(t, ctx, "h1#h"); got != 1 {
			t.Errorf("Count(h1#h) = %d", got)
		}
		if got := heading(t, ctx); got != "Scripted" {
			t.Errorf("h1 = %q: the page's own script did not run", got)
		}
		if vs := browsertest.Axe(t, ctx); len(vs) > 0 {
			t.Errorf("violations on a good page:%s", browsertest.Format(vs))
		}
	})

	t.Run("BadPage", func(t *testing.T) {
		p := browsertest.Open(t, ctx, srv.URL+"/bad")
		if p.Lang != "" || p.H1 != 2 {
			t.Errorf("page = %+v", p)
		}
		vs := browsertest.Axe(t, ctx)
		var ids []string
		for _, v := range vs {
			ids = append(ids, v.ID)
		}
		for _, want := range []string{"html-has-lang", "image-alt", "label"} {
			if !slices.Contains(ids, want) {
				t.Errorf("axe found %v, want %s among them", ids, want)
			}
		}
		if s := browsertest.Format(vs); !strings.Contains(s, `<img src="/x.png">`) {
			t.Errorf("Format does not show the offending element:%s", s)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		if p := browsertest.Open(t, ctx, srv.URL+"/missing"); p.Status != 404 {
			t.Errorf("status = %d, want 404", p.Status)
		}
	})

	t.Run("ScriptsDisabled", func(t *testing.T) {
		tab := browsertest.NewTab(t, ctx)
		browsertest.DisableScripts(t, tab, true)
		browsertest.Open(t, tab, srv.URL+"/good")
		if got := heading(t, tab); got != "Good" {
			t.Errorf("h1 = %q: the page's script ran", got)
		}
		if vs := browsertest.Axe(t, tab); len(vs) > 0 {
			t.Errorf("violations:%s", browsertest.Format(vs))
		}
		if got := heading(t, tab); got != "Good" {
			t.Errorf("after Axe, h1 = %q: the page's script ran", got)
		}
	})
}
