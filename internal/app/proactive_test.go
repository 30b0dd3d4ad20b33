package app_test

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/egov/egov/internal/app"
	"github.com/egov/egov/internal/browsertest"
	"github.com/egov/egov/internal/config"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/proactive"
	"github.com/egov/egov/internal/registry"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

// Right after start, the demo's cabinets show what the proactive services
// did and offer, and the offers can be answered.
func TestDemoCabinetsShowProactiveServices(t *testing.T) {
	_, srv := newServer(t)
	for _, c := range []struct {
		fin  string
		want []string
	}{
		{"5ZQX7KA", []string{"Birth certificate issued", "One-time child benefit assigned", "Notice of the registered birth sent",
			"Child benefit application made and approved for you"}},
		{"2HPL4RM", []string{"Renew your identity card: the form is filled in for you", "Inspection reminder sent"}},
		{"3KCR8WN", []string{"Get your identity card as you come of age"}},
		{"7MJD3TE", []string{"Your pension is ready: confirm your bank account"}},
	} {
		t.Run(c.fin, func(t *testing.T) {
			b := signedIn(t, srv, c.fin)
			code, page := b.get("/cabinet/for-you?lang=en")
			if code != http.StatusOK {
				t.Fatalf("GET /cabinet/for-you: %d", code)
			}
			for _, w := range c.want {
				if !strings.Contains(page, w) {
					t.Errorf("%s's page lacks %q", c.fin, w)
				}
			}
		})
	}
	t.Run("RenewalOpensTheFormPrefilled", func(t *testing.T) {
		b := signedIn(t, srv, "2HPL4RM")
		id := offerID(t, b, "Renew your identity card")
		code, _ := b.post("/cabinet/for-you/"+id+"/accept", url.Values{})
		if code != http.StatusSeeOther {
			t.Fatalf("accept: %d", code)
		}
		_, page := b.get("/cabinet/for-you/" + id + "?lang=en")
		if !strings.Contains(page, "You accepted") || !strings.Contains(page, "/cabinet/applications/") {
			t.Errorf("the accepted offer does not link its application:\n%s", page)
		}
	})
	t.Run("PensionNeedsAValidIBAN", func(t *testing.T) {
		b := signedIn(t, srv, "7MJD3TE")
		id := offerID(t, b, "Your pension is ready")
		b.get("/cabinet/for-you/" + id + "?lang=en")
		code, page := b.post("/cabinet/for-you/"+id+"/accept?lang=en", url.Values{"iban": {"AZ00NABZ00000000137010001944"}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(page, "IBAN") || !strings.Contains(page, "AZ00NABZ00000000137010001944") {
			t.Fatalf("bad IBAN: %d, want 422 with the error and what was typed", code)
		}
		code, _ = b.post("/cabinet/for-you/"+id+"/accept", url.Values{"iban": {"AZ21 NABZ 0000 0000 1370 1000 1944"}})
		if code != http.StatusSeeOther {
			t.Fatalf("good IBAN: %d", code)
		}
		_, page = b.get("/cabinet/for-you?answered=accepted&lang=en")
		if !strings.Contains(page, "You accepted the offer.") {
			t.Errorf("no confirmation after accepting")
		}
		_, page = b.get("/cabinet/for-you/" + id + "?lang=en")
		if !strings.Contains(page, "You accepted") || !strings.Contains(page, "Payment") {
			t.Errorf("the accepted offer does not show its payout")
		}
	})
	t.Run("Decline", func(t *testing.T) {
		b := signedIn(t, srv, "3KCR8WN")
		id := offerID(t, b, "Get your identity card")
		if code, _ := b.post("/cabinet/for-you/"+id+"/decline", url.Values{}); code != http.StatusSeeOther {
			t.Fatalf("decline: %d", code)
		}
		_, page := b.get("/cabinet/for-you?lang=en")
		if !strings.Contains(page, "Offers you declined") {
			t.Errorf("the declined offer is not listed as declined")
		}
		if code, _ := b.post("/cabinet/for-you/"+id+"/decline", url.Values{}); code != http.StatusConflict {
			t.Errorf("second decline: %d, want 409", code)
		}
		other := signedIn(t, srv, "5ZQX7KA")
		other.get("/cabinet/for-you")
		if code, _ := other.post("/cabinet/for-you/"+id+"/accept", url.Values{}); code != http.StatusNotFound {
			t.Errorf("another person's offer: %d, want 404", code)
		}
	})
}

// offerID finds the id of the offer whose title starts with title on the
// person's "for you" page.
func offerID(t *testing.T, b *browserClient, title string) string {
	t.Helper()
	_, page := b.get("/cabinet/for-you?lang=en")
	i := strings.Index(page, title)
	if i < 0 {
		t.Fatalf("no offer %q", title)
	}
	const marker = `href="/cabinet/for-you/`
	j := strings.LastIndex(page[:i], marker)
	if j < 0 {
		t.Fatalf("no link to offer %q", title)
	}
	id := page[j+len(marker):]
	return id[:strings.IndexByte(id, '"')]
}

// The same birth, delivered five times — concurrently, and again after a
// restart, with the certificate's action interrupted between issuing and
// being recorded — gives one certificate and one benefit.
func TestBirthDeliveredFiveTimesActsOnce(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		var db *store.DB
		open := func() *app.App {
			if db != nil {
				db.Close()
			}
			var a *app.App
			a, db = openApp(t, dir, nil)
			return a
		}
		fiveBirths(t, open)
		t.Cleanup(func() { db.Close() })
	})
	t.Run("postgres", func(t *testing.T) {
		db := storetest.Postgres(t, app.Migrations()...)
		dir := t.TempDir()
		fiveBirths(t, func() *app.App { a, _ := openApp(t, dir, db); return a })
	})
}

// openApp builds egov in demo mode on dir's SQLite store, or on db.
func openApp(t *testing.T, dir string, db *store.DB) (*app.App, *store.DB) {
	t.Helper()
	cfg, _, err := config.Load([]string{"-data-dir", dir, "-demo", "true", "-base-url", "http://127.0.0.1:1"},
		func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if db == nil {
		if db, err = app.Open(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	a, err := app.New(ctx, cfg, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return a, db
}

func fiveBirths(t *testing.T, open func() *app.App) {
	ctx := context.Background()
	a := open()
	child := &registry.Person{FIN: "4NBR2TX", FirstName: "Nərgiz", LastName: "Məmmədova", Patronymic: "Rəşad qızı",
		Sex: registry.Female, BirthDate: time.Now().In(web.Baku).AddDate(0, 0, -1), BirthPlace: "Bakı",
		Family: []registry.FamilyLink{{Relation: registry.Mother, FIN: registry.DemoMotherFIN}, {Relation: registry.Father, FIN: registry.DemoFatherFIN}}}
	if err := a.Registry.RegisterBirth(ctx, child); err != nil {
		t.Fatal(err)
	}
	duplicate := func(a *app.App) {
		err := a.DB.Tx(ctx, func(tx *sql.Tx) error {
			ev := registry.BirthEvent(child)
			return events.Publish(ctx, tx, registry.TopicBirth, ev.Key, ev)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Three deliveries (the registration's and two duplicates), taken in
	// and carried out by three workers at once.
	duplicate(a)
	duplicate(a)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for range 3 {
				if _, err := a.Events.DispatchOnce(ctx); err != nil {
					t.Error(err)
				}
				if _, err := a.Proactive.Execute(ctx); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	key := "birth:" + child.FIN
	certificate := func(a *app.App) (id int64, number string) {
		t.Helper()
		err := a.DB.QueryRowContext(ctx, `SELECT id, reference FROM proactive_actions WHERE event_key = $1 AND kind = $2`,
			key, proactive.ActIssueDocument).Scan(&id, &number)
		if err != nil {
			t.Fatal(err)
		}
		return id, number
	}
	id, first := certificate(a)
	if first == "" {
		t.Fatal("the certificate was not issued")
	}
	// A crash after the certificate was issued and before its action was
	// recorded done: the action is pending again when egov restarts.
	if _, err := a.DB.ExecContext(ctx, `UPDATE proactive_actions SET status = 'pending', reference = '' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	a = open()
	duplicate(a)
	duplicate(a)
	for {
		n, err := a.Events.DispatchOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if _, err := a.Proactive.Execute(ctx); err != nil {
		t.Fatal(err)
	}

	one := func(what, query string, args ...any) {
		t.Helper()
		var n int
		if err := a.DB.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%s: %d, want 1", what, n)
		}
	}
	one("birth events in the outbox", `SELECT COUNT(DISTINCT key) FROM events_outbox WHERE key = $1`, key)
	one("certificates", `SELECT COUNT(*) FROM documents d JOIN proactive_actions p ON d.idempotency_key = 'proactive:' || p.id
		WHERE p.event_key = $1`, key)
	one("benefits", `SELECT COUNT(*) FROM payments_payouts o JOIN proactive_actions p ON o.idem_key = 'proactive:' || p.id
		WHERE p.event_key = $1`, key)
	one("benefit actions", `SELECT COUNT(*) FROM proactive_actions WHERE event_key = $1 AND kind = 'payout'`, key)
	one("benefit applications", `SELECT COUNT(*) FROM applications a JOIN proactive_actions p ON a.number = p.reference
		WHERE p.event_key = $1 AND p.kind = 'approve_application'`, key)
	one("notices to the father", `SELECT COUNT(*) FROM proactive_actions WHERE event_key = $1 AND fin = $2`, key, registry.DemoFatherFIN)
	var outbox, pending int
	if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM events_outbox WHERE key = $1`, key).Scan(&outbox); err != nil {
		t.Fatal(err)
	}
	if outbox != 5 {
		t.Errorf("birth events published: %d, want 5", outbox)
	}
	if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM proactive_actions WHERE event_key = $1 AND status <> 'done'`, key).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Errorf("%d actions not done", pending)
	}
	if _, again := certificate(a); again != first {
		t.Errorf("after the restart the certificate is %s, want the first one %s", again, first)
	}
}

// In the browser, in every language, every page checked: Gülnarə confirms
// her bank account for the pension (a wrong IBAN first), Rəşad accepts
// the renewal and lands in the prefilled form, and the administrator
// tests and dry-runs a rule and writes a broken one.
func TestBrowserProactive(t *testing.T) {
	ctx := browsertest.Chromium(t)
	for _, l := range browserLangs {
		t.Run(l, func(t *testing.T) {
			_, srv := startBrowserApp(t)
			w := &walk{t: t, ctx: ctx, lang: l}
			setValue := func(id, value string) {
				t.Helper()
				if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID(id), value)); err != nil {
					t.Fatal(err)
				}
			}
			signInWithDemoForm(t, ctx, srv, "7MJD3TE")
			w.accessible("for you", 200, browsertest.Open(t, ctx, srv.URL+"/cabinet/for-you?lang="+l))
			w.accessible("the pension offer", 200, w.click(`main a.button[href^="/cabinet/for-you/"]`))
			setValue("iban", "AZ00NABZ00000000137010001944")
			w.accessible("a wrong IBAN", http.StatusUnprocessableEntity, w.click(`form[action$="/accept"] button`))
			w.shot("for-you-iban-error")
			if browsertest.Count(t, ctx, ".error-summary a[href='#iban']") != 1 {
				t.Error("no error summary linking to the IBAN")
			}
			setValue("iban", "AZ21NABZ00000000137010001944")
			w.accessible("accepted", 200, w.click(`form[action$="/accept"] button`))
			if browsertest.Count(t, ctx, ".notice.success") != 1 {
				t.Error("no confirmation")
			}

			signInWithDemoForm(t, ctx, srv, "2HPL4RM")
			w.accessible("Rəşad's offers", 200, browsertest.Open(t, ctx, srv.URL+"/cabinet/for-you?lang="+l))
			w.shot("for-you")
			w.accessible("the prefilled form", 0, w.click(`form[action$="/accept"] button`))
			if u := browsertest.Current(t, ctx).URL; !strings.Contains(u, "/cabinet/applications/") {
				t.Errorf("accepting the renewal led to %s, want the application form", u)
			}

			signInWithDemoForm(t, ctx, srv, "admin")
			w.accessible("rules", 200, browsertest.Open(t, ctx, srv.URL+"/admin/rules?lang="+l))
			w.accessible("a rule", 200, w.click(`a[href="/admin/rules/identity-card-at-18/1"]`))
			setValue("fin", "3KCR8WN")
			w.accessible("tested", 200, w.click(`form[action$="/test"] button`))
			if !strings.Contains(w.text("main"), "3KCR8WN") {
				t.Error("the test result does not name the person")
			}
			w.accessible("dry run", 200, w.click(`form[action$="/dry-run"] button`))
			w.shot("rule-dry-run")
			w.accessible("new rule", 200, browsertest.Open(t, ctx, srv.URL+"/admin/rules/new?lang="+l))
			w.accessible("a broken rule", http.StatusUnprocessableEntity, w.click(`form[action="/admin/rules"] button`))
			if browsertest.Count(t, ctx, ".error-summary a") == 0 {
				t.Error("no error summary for the broken rule")
			}
		})
	}
}
