// Package browsertest is a small harness for tests that drive egov's pages
// in headless Chromium, as a person would, through chromedp.
//
// A test starts a browser with [Chromium], opens pages with [Open] and
// checks them with [Axe] (accessibility) or with chromedp's own actions:
//
//	ctx := browsertest.Chromium(t)
//	p := browsertest.Open(t, ctx, srv.URL+"/?lang=en")
//	if vs := browsertest.Axe(t, ctx); len(vs) > 0 {
//		t.Errorf("%s: %s", p.URL, browsertest.Format(vs))
//	}
//
// The browser comes from EGOV_TEST_CHROMIUM (a path such as /usr/bin/chromium)
// and axe-core from EGOV_TEST_AXE (the path of axe.min.js). Without them the
// tests skip, except under CI=true, where nothing may be skipped and a
// missing browser or axe-core fails the test. .ci/run installs both.
package browsertest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Timeout bounds one step of a test: a navigation, a query, an axe run.
const Timeout = 60 * time.Second

// InCI reports whether the tests run in CI (CI=true), where a test that
// would skip for want of a tool must fail instead.
func InCI() bool {
	v := os.Getenv("CI")
	return v == "true" || v == "1"
}

// Require skips the test, or fails it under CI, with the reason why.
func Require(t testing.TB, ok bool, reason string) {
	t.Helper()
	if ok {
		return
	}
	if InCI() {
		t.Fatalf("%s (CI=true: browser tests may not be skipped)", reason)
	}
	t.Skip(reason)
}

// Chromium starts a headless Chromium for the test and returns the context
// of its first tab. The browser stops and its profile is removed when the
// test ends. It skips the test when EGOV_TEST_CHROMIUM is unset, and fails
// it under CI.
//
// The pages' Content-Security-Policy holds in the tab, as it does for a
// person: [Axe] injects axe-core through the DevTools protocol, which the
// policy does not restrict, so the page is checked with exactly the styles
// and scripts that a person's browser lets it use. [BypassCSP] turns the
// policy off for a tab that needs that. Scripts of the pages run as usual;
// see [DisableScripts].
func Chromium(t testing.TB) context.Context {
	t.Helper()
	exec := os.Getenv("EGOV_TEST_CHROMIUM")
	Require(t, exec != "", "EGOV_TEST_CHROMIUM is not set (the path of a Chromium binary, e.g. /usr/bin/chromium)")
	if _, err := os.Stat(exec); err != nil {
		t.Fatalf("EGOV_TEST_CHROMIUM: %v", err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exec),
		chromedp.UserDataDir(t.TempDir()),
		// As root on a machine without a network: no sandbox, no GPU, and
		// nothing that phones home.
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first call starts the browser; it must not carry a timeout, which
	// would stop the browser when it ends.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium %s: %v", exec, err)
	}
	return ctx
}

// NewTab opens another tab of the browser of ctx, closed when the test ends.
// Tabs are independent: one may run with scripts disabled while another
// does not.
func NewTab(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return tab
}

// BypassCSP makes the tab of ctx ignore the Content-Security-Policy of the
// pages it loads from now on, e.g. to add a script tag to a page. Checks of
// what a person sees should leave the policy in force.
func BypassCSP(t testing.TB, ctx context.Context) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	if _, err := chromedp.Call(sctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatalf("bypass CSP: %v", err)
	}
}
