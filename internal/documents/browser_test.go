package documents_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/egov/egov/internal/browsertest"
)

// TestBrowserPages: in Chromium, every page of the module in each
// language, and the share form after an error, is checked with axe-core
// and has one h1. Needs EGOV_TEST_CHROMIUM.
func TestBrowserPages(t *testing.T) {
	ctx := browsertest.Chromium(t)
	w := newWeb(t)
	check := func(what string, p browsertest.Page, want int) {
		t.Helper()
		if p.Status != want {
			t.Errorf("%s: status %d, want %d", what, p.Status, want)
		}
		if p.H1 != 1 {
			t.Errorf("%s: %d h1 elements", what, p.H1)
		}
		if vs := browsertest.Axe(t, ctx); len(vs) > 0 {
			t.Errorf("%s: %d axe-core violations:%s", what, len(vs), browsertest.Format(vs))
		}
	}
	n := w.doc.Number
	for _, l := range []string{"az", "en", "ru"} {
		check("verify "+l, browsertest.Open(t, ctx, w.srv.URL+"/verify/"+n+"?lang="+l), http.StatusOK)
	}
	check("verify unknown", browsertest.Open(t, ctx, w.srv.URL+"/verify/7KM2Q9XA4"), http.StatusNotFound)
	check("verify form", browsertest.Open(t, ctx, w.srv.URL+"/verify"), http.StatusOK)
	check("verify form error", browsertest.Open(t, ctx, w.srv.URL+"/verify?number=xyz"), http.StatusUnprocessableEntity)

	rec := httptest.NewRecorder()
	if _, err := w.site.Sessions.Start(context.Background(), rec, httptest.NewRequest("POST", "/", nil), "person:5ZQX7KA", nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range rec.Result().Cookies() {
		cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
		_, err := chromedp.Call(cctx, network.SetCookie, network.SetCookieParams{Name: c.Name, Value: c.Value, URL: w.srv.URL})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []string{"az", "en", "ru"} {
		check("list "+l, browsertest.Open(t, ctx, w.srv.URL+"/cabinet/documents?lang="+l), http.StatusOK)
		check("show "+l, browsertest.Open(t, ctx, w.srv.URL+"/cabinet/documents/"+n+"?lang="+l), http.StatusOK)
	}
	// Untick everything and share: the form comes back with its error.
	cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
	err := chromedp.Do(cctx, chromedp.Click(chromedp.ID("fields")), chromedp.Click(chromedp.ID("field-0")), chromedp.Click(chromedp.ID("field-1")))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	p := browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(`form[action$="/shares"] button`)))
	check("share error", p, http.StatusUnprocessableEntity)
	cctx, cancel = context.WithTimeout(ctx, browsertest.Timeout)
	err = chromedp.Do(cctx, chromedp.Click(chromedp.ID("field-1")))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	p = browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(`form[action$="/shares"] button`)))
	check("share made", p, http.StatusCreated)
	cctx, cancel = context.WithTimeout(ctx, browsertest.Timeout)
	link, err := chromedp.Run(cctx, chromedp.Value(chromedp.ID("share-link")))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	path := regexp.MustCompile(`/shared/.+$`).FindString(link)
	check("shared", browsertest.Open(t, ctx, w.srv.URL+path), http.StatusOK)
	check("shared gone", browsertest.Open(t, ctx, w.srv.URL+"/shared/sAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), http.StatusNotFound)
	browsertest.Open(t, ctx, w.srv.URL+"/cabinet/documents/"+n)
	cctx, cancel = context.WithTimeout(ctx, browsertest.Timeout)
	qr, err := chromedp.Run(cctx, chromedp.AttributeValue(chromedp.CSS(`a[href*="/qr?share="]`), "href"))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	check("qr", browsertest.Open(t, ctx, w.srv.URL+qr.Value), http.StatusOK)
}
