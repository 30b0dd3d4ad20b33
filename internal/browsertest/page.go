package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Page is what a person lands on after following an address.
type Page struct {
	URL    string // the final address, after any redirects
	Status int    // the HTTP status of the document
	Title  string // document.title
	Lang   string // the lang attribute of <html>
	H1     int    // how many h1 elements the document has
}

// Open navigates the tab of ctx to url, waits for the page to load and
// describes it. It fails the test if the page cannot be loaded; a 4xx or 5xx
// answer is not a failure (a 404 page is a page too), so check Status.
func Open(t testing.TB, ctx context.Context, url string) Page {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	resp, err := chromedp.Run(sctx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	p := Current(t, ctx)
	if resp != nil {
		p.Status = int(resp.Status)
	}
	return p
}

// Follow runs an action that makes the tab navigate (a click on a link or a
// submit button), waits for the new page to load and describes it.
func Follow(t testing.TB, ctx context.Context, action chromedp.Action[chromedp.Void]) Page {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, action)
	if err != nil {
		t.Fatalf("follow: %v", err)
	}
	p := Current(t, ctx)
	if resp != nil {
		p.Status = int(resp.Status)
	}
	return p
}

// Current describes the page the tab of ctx shows now (Status is left 0).
// It reads the document through the DevTools protocol, so it works with the
// page's scripts disabled.
func Current(t testing.TB, ctx context.Context) Page {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	var p Page
	var err error
	if p.URL, err = chromedp.Run(sctx, chromedp.Location()); err != nil {
		t.Fatalf("read location: %v", err)
	}
	if p.Title, err = chromedp.Run(sctx, chromedp.Title()); err != nil {
		t.Fatalf("read title of %s: %v", p.URL, err)
	}
	attrs, err := chromedp.Run(sctx, chromedp.Attributes(chromedp.CSS("html")))
	if err != nil {
		t.Fatalf("read <html> of %s: %v", p.URL, err)
	}
	p.Lang = attrs["lang"]
	p.H1 = Count(t, ctx, "h1")
	return p
}

// Count returns how many elements of the current page match the CSS
// selector (0 when none do; it does not wait for one to appear).
func Count(t testing.TB, ctx context.Context, selector string) int {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	ids, err := chromedp.Run(sctx, chromedp.QueryNodeIDs(chromedp.CSSAll(selector), chromedp.AtLeast(0)))
	if err != nil {
		t.Fatalf("count %q: %v", selector, err)
	}
	return len(ids)
}

// DisableScripts turns the page scripts of the tab of ctx off (or on again),
// as a person who browses without JavaScript has them. It holds for later
// navigations in the tab. [Axe] still works in such a tab.
func DisableScripts(t testing.TB, ctx context.Context, disabled bool) {
	t.Helper()
	if err := setScripts(ctx, disabled); err != nil {
		t.Fatalf("disable scripts: %v", err)
	}
	scriptsOff.Store(chromedp.FromContext(ctx).Target, disabled)
}

// scriptsOff records, per tab (*chromedp.Target), whether DisableScripts
// turned its scripts off.
var scriptsOff sync.Map

func scriptsDisabled(ctx context.Context) bool {
	off, _ := scriptsOff.Load(chromedp.FromContext(ctx).Target)
	return off == true
}

func setScripts(ctx context.Context, disabled bool) error {
	sctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	_, err := chromedp.Call(sctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: disabled})
	return err
}

// Screenshot saves a PNG of the whole current page to path, creating its
// directory.
func Screenshot(t testing.TB, ctx context.Context, path string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
