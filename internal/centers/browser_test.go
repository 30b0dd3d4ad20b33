package centers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/egov/egov/internal/browsertest"
	"github.com/egov/egov/internal/web"
)

// TestBrowserVisit is the walk-through in Chromium, with the
// centre's clock pinned to a Monday: 3KCR8WN books a slot, checks in from
// his cabinet, asan.operator calls him and serves him (an application is
// opened with his consent), he rates the visit, and the service index
// changes. Every page passes axe-core. Needs EGOV_TEST_CHROMIUM.
func TestBrowserVisit(t *testing.T) {
	ctx := browsertest.Chromium(t)
	w := newWeb(t)
	w.clock.Set(at("09:00"))
	// The pages with the design system's stylesheet, as the app serves them.
	mux := http.NewServeMux()
	mux.Handle("/static/", web.Static())
	mux.Handle("/", w.srv.Config.Handler)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	check := func(what string, p browsertest.Page, want int) {
		t.Helper()
		if p.Status != want {
			t.Fatalf("%s: status %d at %s, want %d", what, p.Status, p.URL, want)
		}
		if p.H1 != 1 {
			t.Errorf("%s: %d h1 elements", what, p.H1)
		}
		if vs := browsertest.Axe(t, ctx); len(vs) > 0 {
			t.Errorf("%s: %d axe-core violations:%s", what, len(vs), browsertest.Format(vs))
		}
	}
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
		defer cancel()
		if err := chromedp.Do(cctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	click := func(selector string) browsertest.Page {
		t.Helper()
		return browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(selector)))
	}
	text := func(selector string) string {
		t.Helper()
		cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
		defer cancel()
		s, err := chromedp.Run(cctx, chromedp.TextContent(chromedp.CSS(selector)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// signIn puts a session of subject in the browser, in place of any.
	signIn := func(subject string) {
		t.Helper()
		cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
		defer cancel()
		if _, err := chromedp.Call(cctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		if subject == "" {
			return
		}
		rec := httptest.NewRecorder()
		if _, err := w.site.Sessions.Start(context.Background(), rec, httptest.NewRequest("POST", "/", nil), subject, nil); err != nil {
			t.Fatal(err)
		}
		for _, c := range rec.Result().Cookies() {
			if _, err := chromedp.Call(cctx, network.SetCookie, network.SetCookieParams{Name: c.Name, Value: c.Value, URL: srv.URL}); err != nil {
				t.Fatal(err)
			}
		}
	}

	// He books the 10:00 slot for a passport.
	signIn("person:3KCR8WN")
	check("booking", browsertest.Open(t, ctx, srv.URL+"/centers/baku-1/book?service=passport&day=2026-03-16&lang=en"), http.StatusOK)
	do(chromedp.Click(chromedp.CSS(`input[name="slot"][value="2026-03-16T06:00:00Z"]`)))
	p := click(`form[method="post"][action="/centers/baku-1/book"] button[type="submit"]`)
	check("booked", p, http.StatusOK)
	if !strings.Contains(text("main"), "16.03.2026 10:00") {
		t.Fatalf("the booking is not in his cabinet: %s", text("main"))
	}
	// At 09:40 he checks in from the cabinet.
	w.clock.Set(at("09:40"))
	check("bookings at 09:40", browsertest.Open(t, ctx, srv.URL+"/cabinet/bookings?lang=en"), http.StatusOK)
	check("checked in", click(`form[action$="/checkin"] button`), http.StatusOK)

	// At 10:00 the operator calls the next person: him, by appointment.
	w.clock.Set(at("10:00"))
	signIn("staff:asan.operator")
	check("desk", browsertest.Open(t, ctx, srv.URL+"/centers/desk?desk=1&lang=en"), http.StatusOK)
	check("called", click(`form[action="/centers/desk/call"] button`), http.StatusOK)
	if !strings.Contains(text("main"), "B-001") {
		t.Fatalf("the desk does not show his ticket: %s", text("main"))
	}
	// The board as a screen without JavaScript shows it (its event stream
	// is TestBoardEvents's).
	browsertest.DisableScripts(t, ctx, true)
	check("board", browsertest.Open(t, ctx, srv.URL+"/centers/baku-1/board?lang=en"), http.StatusOK)
	if !strings.Contains(text("main"), "B-001") {
		t.Error("the board does not show the call")
	}
	browsertest.DisableScripts(t, ctx, false)
	check("desk again", browsertest.Open(t, ctx, srv.URL+"/centers/desk?desk=1&lang=en"), http.StatusOK)
	w.clock.Set(at("10:12"))
	do(chromedp.Click(chromedp.ID("consent")))
	p = click(`form[action="/centers/desk/serve"] button[type="submit"]`)
	check("served", p, http.StatusOK)
	if got := w.opened.calls; len(got) != 1 || got[0] != "3KCR8WN/passport/asan.operator" {
		t.Fatalf("applications opened: %v", got)
	}
	cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
	attr, err := chromedp.Run(cctx, chromedp.AttributeValue(chromedp.CSS(`a[href^="/centers/rate/"]`), "href"))
	cancel()
	link := attr.Value
	if err != nil || link == "" {
		t.Fatalf("no rating link: %v", err)
	}

	// He rates the visit through the link he was sent; the index changes.
	signIn("")
	_, before, _ := w.client(t, "", "en").get("/api/v1/centers/index.json")
	check("rate", browsertest.Open(t, ctx, srv.URL+link+"?lang=en"), http.StatusOK)
	do(chromedp.Click(chromedp.ID("score-5")))
	check("rated", click(`form[action^="/centers/rate/"] button[type="submit"]`), http.StatusOK)
	_, after, _ := w.client(t, "", "en").get("/api/v1/centers/index.json")
	if before == after || !strings.Contains(after, `"mean_rating":5`) {
		t.Errorf("the index did not change:\n%s\n%s", before, after)
	}
	check("index", browsertest.Open(t, ctx, srv.URL+"/centers/index?lang=en"), http.StatusOK)
}
