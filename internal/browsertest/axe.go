package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// AxeTags are the axe-core rule tags egov is held to: WCAG 2.0, 2.1 and 2.2
// at levels A and AA, and axe's best practices.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"}

// Violation is one axe-core rule that the page breaks, with the elements
// that break it.
type Violation struct {
	ID      string    `json:"id"`     // the rule, e.g. "color-contrast"
	Impact  string    `json:"impact"` // minor, moderate, serious or critical
	Help    string    `json:"help"`   // what the rule asks for
	HelpURL string    `json:"helpUrl"`
	Nodes   []AxeNode `json:"nodes"`
}

// AxeNode is one element that breaks a rule.
type AxeNode struct {
	Target  []string `json:"target"`  // CSS selectors that find the element
	HTML    string   `json:"html"`    // a snippet of its markup
	Summary string   `json:"summary"` // axe's account of what to fix
}

// axeRel is where .ci/run installs axe-core, from the repository's root.
const axeRel = ".ci/node_modules/axe-core/axe.min.js"

var axeSource struct {
	once sync.Once
	path string
	src  string
	err  error
}

// axeScript returns the source of axe.min.js: the file EGOV_TEST_AXE names,
// or else .ci/node_modules/axe-core/axe.min.js in the working directory or
// the nearest of its parents that has one.
func axeScript(t testing.TB) string {
	t.Helper()
	axeSource.once.Do(func() {
		path := os.Getenv("EGOV_TEST_AXE")
		if path == "" {
			dir, err := os.Getwd()
			if err != nil {
				axeSource.err = err
				return
			}
			for {
				if _, err := os.Stat(filepath.Join(dir, axeRel)); err == nil {
					path = filepath.Join(dir, axeRel)
					break
				}
				parent := filepath.Dir(dir)
				if parent == dir {
					break
				}
				dir = parent
			}
		}
		if path == "" {
			return
		}
		b, err := os.ReadFile(path)
		axeSource.path, axeSource.src, axeSource.err = path, string(b), err
	})
	Require(t, axeSource.path != "", "axe-core not found: set EGOV_TEST_AXE or run `npm ci` in .ci")
	if axeSource.err != nil {
		t.Fatalf("read axe-core %s: %v", axeSource.path, axeSource.err)
	}
	return axeSource.src
}

// axeRun runs axe on the document and keeps of each violation only what a
// person needs to find and fix it.
const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']})
  .then(r => r.violations.map(v => ({
    id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.flat(Infinity).map(String),
      html: n.html,
      summary: n.failureSummary || '',
    })),
  })))`

// Axe checks the page the tab of ctx shows with axe-core against [AxeTags]
// and returns the violations, none if the page passes. It injects axe-core
// into the page if it is not there yet (the tab bypasses the page's CSP; see
// [Chromium]). In a tab whose scripts are disabled it turns them on for its
// own run only, since axe-core is a script: the page's scripts, blocked at
// load, stay unrun. It skips the test when axe-core cannot be found, and fails it
// under CI.
func Axe(t testing.TB, ctx context.Context) []Violation {
	t.Helper()
	src := axeScript(t)
	if scriptsDisabled(ctx) {
		if err := setScripts(ctx, false); err != nil {
			t.Fatalf("axe: enable scripts: %v", err)
		}
		defer func() {
			if err := setScripts(ctx, true); err != nil {
				t.Errorf("axe: disable scripts again: %v", err)
			}
		}()
	}
	sctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	present, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		t.Fatalf("axe: %v", err)
	}
	if !present {
		if err := chromedp.Do(sctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			t.Fatalf("inject axe-core: %v", err)
		}
	}
	tags := `['` + strings.Join(AxeTags, `','`) + `']`
	vs, err := chromedp.Run(sctx, chromedp.Evaluate[[]Violation](fmt.Sprintf(axeRun, tags),
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	return vs
}

// Format writes violations for a person to read: each rule with its impact,
// what it asks, where to read more, and each offending element.
func Format(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  [%s] %s: %s (%s)", v.Impact, v.ID, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n    at %s\n      %s", strings.Join(n.Target, " "), n.HTML)
			if n.Summary != "" {
				fmt.Fprintf(&b, "\n      %s", strings.ReplaceAll(n.Summary, "\n", "\n      "))
			}
		}
	}
	return b.String()
}
