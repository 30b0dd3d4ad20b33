package admin_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/egov/egov/internal/browsertest"
	"github.com/egov/egov/internal/storetest"
)

// TestBrowserAdminPagesAccessible opens every admin and audit page, and
// the forms after a failed post, in each language and runs axe-core on
// them. It needs EGOV_TEST_CHROMIUM (see internal/app/browser_test.go).
func TestBrowserAdminPagesAccessible(t *testing.T) {
	ctx := browsertest.Chromium(t)
	s := newStack(t, storetest.SQLite(t, migrations...))
	check := func(t *testing.T, p browsertest.Page, want int) {
		t.Helper()
		if p.Status != want {
			t.Errorf("status = %d, want %d", p.Status, want)
		}
		if p.H1 != 1 {
			t.Errorf("%d h1 elements, want 1", p.H1)
		}
		if vs := browsertest.Axe(t, ctx); len(vs) > 0 {
			t.Errorf("%d axe-core violations:%s", len(vs), browsertest.Format(vs))
		}
	}
	for _, who := range []string{"admin", "auditor"} {
		cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
		browsertest.Open(t, ctx, s.srv.URL+"/auth/demo?lang=en")
		if err := chromedp.Do(cctx, chromedp.SendKeys(chromedp.ID("login"), who), chromedp.SendKeys(chromedp.ID("password"), "demo")); err != nil {
			t.Fatal(err)
		}
		browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(`form:has(#login) [type="submit"]`)))
		cancel()
		paths := []string{"/audit", "/audit?from=2026-02-31"}
		if who == "admin" {
			paths = append(paths, "/admin", "/admin/staff", "/admin/staff/new", "/admin/staff/admin", "/admin/staff/auditor",
				"/admin/oidc-clients", "/admin/oidc-clients/new")
		}
		for _, path := range paths {
			for _, l := range []string{"az", "en", "ru"} {
				u := path + "?lang=" + l
				if len(path) > 6 && path[:7] == "/audit?" {
					u = path + "&lang=" + l
				}
				t.Run(who+u, func(t *testing.T) {
					want := http.StatusOK
					if path == "/audit?from=2026-02-31" {
						want = http.StatusUnprocessableEntity
					}
					check(t, browsertest.Open(t, ctx, s.srv.URL+u), want)
				})
			}
		}
		if who != "admin" {
			continue
		}
		// The forms after a failed post, with every error shown; and the
		// pages that show a secret once, and the verification result.
		for _, tc := range []struct{ path, submit string }{
			{"/admin/staff/new?lang=en", `main form [type="submit"]`},
			{"/admin/oidc-clients/new?lang=en", `main form [type="submit"]`},
			{"/audit?lang=en", `form[action="/audit/verify"] [type="submit"]`},
		} {
			t.Run("post "+tc.path, func(t *testing.T) {
				browsertest.Open(t, ctx, s.srv.URL+tc.path)
				p := browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(tc.submit)))
				if p.H1 != 1 {
					t.Errorf("%d h1", p.H1)
				}
				if vs := browsertest.Axe(t, ctx); len(vs) > 0 {
					t.Errorf("%d axe-core violations:%s", len(vs), browsertest.Format(vs))
				}
			})
		}
		t.Run("client created", func(t *testing.T) {
			browsertest.Open(t, ctx, s.srv.URL+"/admin/oidc-clients/new?lang=en")
			cctx, cancel := context.WithTimeout(ctx, browsertest.Timeout)
			defer cancel()
			for id, v := range map[string]string{"id": "axe-client", "name_az": "A", "name_en": "A", "name_ru": "A",
				"purpose_az": "P", "purpose_en": "P", "purpose_ru": "P", "redirect_uris": "https://rp.example/cb"} {
				if err := chromedp.Do(cctx, chromedp.SendKeys(chromedp.ID(id), v)); err != nil {
					t.Fatal(err)
				}
			}
			p := browsertest.Follow(t, ctx, chromedp.Click(chromedp.CSS(`main form [type="submit"]`)))
			check(t, p, http.StatusCreated)
		})
	}
}
