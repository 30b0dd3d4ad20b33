package evisa_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/documents"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/evisa"
	"github.com/egov/egov/internal/files"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/refnum"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

var migrations = []store.Migrations{events.Migrations, audit.Migrations, notify.Migrations, files.Migrations,
	payments.Migrations, documents.Migrations, evisa.Migrations}

// clock is a settable time shared by the modules under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type fixture struct {
	svc   *evisa.Service
	files *files.Store
	db    *store.DB
	clock *clock
	pay   *payments.Service
}

// start is a Tuesday morning in Baku.
var start = time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	c := &clock{t: start}
	n := notify.New(db)
	n.SetClock(c.now)
	if err := n.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if err := evisa.SeedTemplates(ctx, n); err != nil {
		t.Fatal(err)
	}
	docs := documents.New(db, documents.Config{KeyEncryptionKey: make([]byte, 32), BaseURL: "https://egov.test", Now: c.now})
	// Paying at the acquirer is payments' own test; here bills are marked paid.
	pay := payments.New(db, payments.Config{Provider: &payments.HTTPProvider{BaseURL: "http://127.0.0.1:1"}, SigningKey: make([]byte, 32), WebhookSecret: make([]byte, 32),
		BaseURL: "https://egov.test", Now: c.now})
	store := files.NewStore(db.DB, t.TempDir(), files.SignatureScanner{})
	svc := evisa.New(db, evisa.Config{Files: store, Notify: n,
		Documents: docs, Payments: pay, WatchList: []evisa.WatchEntry{{Name: "Məmmədov Elçin", Reason: "WL-7"}}, Now: c.now})
	if err := svc.SeedWatchList(ctx); err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, files: store, db: db, clock: c, pay: pay}
}

func tripForm(speed string) evisa.ApplicationForm {
	return evisa.ApplicationForm{Email: "john.smith@example.com", Lang: "en", Speed: speed, EntryDate: "2026-12-01",
		Purpose: "tourism", Address: "Hotel Baku, Neftçilər prospekti 1"}
}

func smithForm() evisa.PersonForm {
	return evisa.PersonForm{Nationality: "GBR", Surname: "SMITH", GivenNames: "JOHN", Sex: "M", BirthDate: "1982-04-09",
		Number: "533401372", Expires: "2032-01-01"}
}

func photo(t *testing.T) evisa.Photo {
	return evisa.Photo{Name: "face.png", Content: encoded(t, "png", 300, 400)}
}

// applyAndPay has someone apply with the people's forms and pays the bill.
func (f *fixture) applyAndPay(t *testing.T, speed string, people ...evisa.PersonForm) *evisa.Application {
	t.Helper()
	ctx := context.Background()
	_, token, err := f.svc.Start(ctx, tripForm(speed))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range people {
		if _, _, err := f.svc.AddPerson(ctx, token, p, photo(t)); err != nil {
			t.Fatalf("add %s: %v", p.Surname, err)
		}
	}
	a, err := f.svc.Submit(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	f.markPaid(t, a)
	a, err = f.svc.ByToken(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) markPaid(t *testing.T, a *evisa.Application) {
	t.Helper()
	ctx := context.Background()
	if err := f.db.Tx(ctx, func(tx *sql.Tx) error { return f.svc.MarkPaid(ctx, tx, a.Number, a.Bill) }); err != nil {
		t.Fatal(err)
	}
}

var operator = evisa.Staff{Subject: "account:2", Agency: "migration"}
var officer = evisa.Staff{Subject: "account:3"}

// parallel runs fn n times at once and returns the errors.
func parallel(n int, fn func() error) []error {
	out := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); out[i] = fn() }()
	}
	wg.Wait()
	return out
}

func count(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// SMITH JOHN applies, pays, is approved, gets his visa by e-mail, enters
// the country once and stays too long.
func TestVisaFromApplicationToBorder(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, token, err := f.svc.Start(ctx, tripForm("standard"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Submit(ctx, token); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("submitting nobody: %v, want invalid", err)
		}
		if _, _, err := f.svc.AddPerson(ctx, token, smithForm(), photo(t)); err != nil {
			t.Fatal(err)
		}
		family := smithForm()
		family.GivenNames, family.Sex, family.BirthDate, family.Number = "JANE", "F", "1984-02-02", "533401373"
		if _, _, err := f.svc.AddPerson(ctx, token, family, photo(t)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.AddPerson(ctx, token, smithForm(), photo(t)); errs.As(err).Fields["number"] != "evisa.error.passport_twice" {
			t.Fatalf("the same passport twice: %v", err)
		}

		// Paying twice at once moves the application once; one bill for both.
		a, err := f.svc.Submit(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != evisa.StatusUnpaid || a.Amount != 2*2600 || a.Bill == "" {
			t.Fatalf("submitted: %s, %d qəpik, bill %q", a.Status, a.Amount, a.Bill)
		}
		bill, err := f.pay.Bill(ctx, a.Bill)
		if err != nil || bill.PayerSubject != "foreigner:GBR:533401372" || bill.Amount != 5200 {
			t.Fatalf("bill %+v, %v", bill, err)
		}
		for _, err := range parallel(4, func() error {
			return db.Tx(ctx, func(tx *sql.Tx) error { return f.svc.MarkPaid(ctx, tx, a.Number, a.Bill) })
		}) {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'evisa.paid'`); n != 1 {
			t.Errorf("paid %d times, want once", n)
		}
		queue, err := f.svc.Queue(ctx)
		if err != nil || len(queue) != 2 {
			t.Fatalf("queue: %d people, %v", len(queue), err)
		}
		john := queue[0]
		if john.Number != "533401372" {
			john = queue[1]
		}
		if john.Application.DueAt == nil || john.Application.DueAt.Before(start.AddDate(0, 0, 3)) {
			t.Errorf("standard deadline %v, want three working days", john.Application.DueAt)
		}

		// Approving twice at once issues one visa and sends one e-mail.
		for _, err := range parallel(3, func() error { _, err := f.svc.Decide(ctx, operator, john.ID, true, ""); return err }) {
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, err := range parallel(3, func() error { _, err := f.svc.Issue(ctx, john.ID); return err }) {
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.Decide(ctx, operator, john.ID, false, "changed my mind"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("refusing after approving: %v, want conflict", err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM documents WHERE type = 'e_visa'`); n != 1 {
			t.Errorf("%d visas issued, want 1", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM notify_attachments a JOIN notify_messages m ON m.id = a.message_id
			WHERE m.template_key = 'evisa.issued' AND a.content_type = 'application/pdf'`); n != 1 {
			t.Errorf("%d e-mails with the visa, want 1", n)
		}
		// Jane is refused, with a reason she is told; refusing again is
		// no new decision, approving now is a conflict.
		jane := queue[0]
		if jane.ID == john.ID {
			jane = queue[1]
		}
		if _, err := f.svc.Decide(ctx, operator, jane.ID, false, ""); errs.As(err).Fields["reason"] != "evisa.error.reason" {
			t.Errorf("refusing without a reason: %v", err)
		}
		for range 2 {
			if p, err := f.svc.Decide(ctx, operator, jane.ID, false, "Incomplete travel details."); err != nil || p.Status != evisa.PersonRefused {
				t.Fatalf("refuse: %+v, %v", p, err)
			}
		}
		if _, err := f.svc.Decide(ctx, operator, jane.ID, true, ""); errs.KindOf(err) != errs.Conflict {
			t.Errorf("approving after refusing: %v", err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM notify_messages WHERE template_key = 'evisa.refused'`); n != 1 {
			t.Errorf("%d refusal e-mails, want 1", n)
		}
		if q, _ := f.svc.Queue(ctx); len(q) != 0 {
			t.Errorf("%d left in the queue after deciding both", len(q))
		}
		_, p, err := f.svc.Status(ctx, evisa.FormatNumber(a.Number), "533 401 372")
		if err != nil || p.Status != evisa.PersonIssued || p.VisaNumber == "" {
			t.Fatalf("status: %+v, %v", p, err)
		}
		if p.ValidUntil.Sub(*p.ValidFrom) != 90*24*time.Hour-time.Second {
			t.Errorf("valid %v – %v, want 90 days", p.ValidFrom, p.ValidUntil)
		}
		// Guessing passports for a known number stops after five misses.
		for i := range 6 {
			_, _, err := f.svc.Status(ctx, a.Number, fmt.Sprintf("99999999%d", i))
			if want := map[bool]errs.Kind{true: errs.TooMany, false: errs.NotFound}[i == 5]; errs.KindOf(err) != want {
				t.Fatalf("guess %d: %v, want %s", i+1, err, want)
			}
		}
		if _, _, err := f.svc.Status(ctx, a.Number, "533401372"); errs.KindOf(err) != errs.TooMany {
			t.Fatalf("the right passport during the pause: %v", err)
		}
		f.clock.set(start.Add(61 * time.Minute))
		if _, pdf, err := f.svc.VisaPDF(ctx, a.Number, "533401372"); err != nil || len(pdf) < 1000 {
			t.Errorf("PDF: %d bytes, %v", len(pdf), err)
		}
		if _, _, err := f.svc.VisaPDF(ctx, a.Number, "533401373"); err == nil {
			t.Error("Jane's visa, not issued, downloaded")
		}

		// At the border: not yet valid before the entry date.
		check := func(want string) *evisa.Check {
			t.Helper()
			c, err := f.svc.CheckVisa(ctx, officer, "", p.VisaNumber, "533401372")
			if err != nil || c.State != want {
				t.Fatalf("check: %+v, %v; want %s", c, err, want)
			}
			return c
		}
		check(evisa.VisaNotYetValid)
		if _, err := f.svc.RecordEntry(ctx, officer, p.VisaNumber, "k0"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("entry before the visa's start: %v", err)
		}
		f.clock.set(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
		check(evisa.VisaValid)
		if c, err := f.svc.CheckVisa(ctx, officer, "", p.VisaNumber, "533401373"); err != nil || c.State != evisa.VisaForged {
			t.Errorf("someone else's passport: %+v, %v; want forged", c, err)
		}
		if c, err := f.svc.CheckVisa(ctx, officer, "", refnum.Derive("never issued"), "533401372"); err != nil || c.State != evisa.VisaForged {
			t.Errorf("a number never issued: %+v, %v; want forged", c, err)
		}
		doc, err := documents.New(db, documents.Config{KeyEncryptionKey: make([]byte, 32), Now: f.clock.now}).Get(ctx, p.Document)
		if err != nil {
			t.Fatal(err)
		}
		if c, err := f.svc.CheckVisa(ctx, officer, "https://egov.test/verify/"+doc.Number+"#"+doc.JWS, "", ""); err != nil || c.State != evisa.VisaValid {
			t.Errorf("by QR: %+v, %v", c, err)
		}
		if c, err := f.svc.CheckVisa(ctx, officer, "https://egov.test/verify/"+doc.Number+"#"+doc.JWS[:len(doc.JWS)-4]+"AAAA", "", ""); err != nil || c.State != evisa.VisaForged {
			t.Errorf("a tampered QR: %+v, %v", c, err)
		}

		// The same entry sent four times at once is one entry; another is refused.
		for _, err := range parallel(4, func() error { _, err := f.svc.RecordEntry(ctx, officer, p.VisaNumber, "k1"); return err }) {
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.RecordEntry(ctx, officer, p.VisaNumber, "k2"); errs.As(err).Message != "evisa.error.second_entry" {
			t.Errorf("second entry: %v, want refused", err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM evisa_crossings WHERE kind = 'entry'`); n != 1 {
			t.Errorf("%d entries recorded", n)
		}
		c := check(evisa.VisaUsed)
		if c.CanEnter() || !c.CanExit() {
			t.Errorf("used visa: can enter %v, can exit %v", c.CanEnter(), c.CanExit())
		}

		// Thirty-one days later he is still here: an overstay.
		f.clock.set(time.Date(2027, 1, 2, 10, 0, 0, 0, time.UTC))
		over, err := f.svc.Overstays(ctx)
		if err != nil || len(over) != 1 || over[0].Person.Number != "533401372" || over[0].Exited != nil {
			t.Fatalf("overstays: %+v, %v", over, err)
		}
		if _, err := f.svc.RecordExit(ctx, officer, p.VisaNumber, "x1"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RecordExit(ctx, officer, p.VisaNumber, "x2"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("second exit: %v", err)
		}
		if over, _ := f.svc.Overstays(ctx); len(over) != 1 || over[0].Exited == nil {
			t.Errorf("a late exit stays listed: %+v", over)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'evisa.border_check'`); n < 5 {
			t.Errorf("%d border checks audited", n)
		}
	}, migrations...)
}

// Urgent applications come first in the queue, whatever their order of
// arrival; then the earliest deadline.
func TestQueueUrgentFirst(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		first := smithForm()
		f.applyAndPay(t, "standard", first)
		f.clock.set(start.Add(time.Hour))
		second := smithForm()
		second.Number, second.Surname = "100000001", "LATER"
		f.applyAndPay(t, "standard", second)
		f.clock.set(start.Add(2 * time.Hour))
		urgent := smithForm()
		urgent.Number, urgent.Surname = "200000002", "URGENT"
		f.applyAndPay(t, "urgent", urgent)
		queue, err := f.svc.Queue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range queue {
			got = append(got, p.Surname)
		}
		if len(got) != 3 || got[0] != "URGENT" || got[1] != "SMITH" || got[2] != "LATER" {
			t.Fatalf("queue %v, want URGENT, SMITH, LATER", got)
		}
		if d := queue[0].Application.DueAt.Sub(start.Add(2 * time.Hour)); d != 3*time.Hour {
			t.Errorf("urgent deadline in %v, want 3h", d)
		}
	}, migrations...)
}

// The automated checks flag a watch-listed name (in another script) and
// a passport already on a visa being decided.
func TestAutomatedChecks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		listed := smithForm()
		listed.Nationality, listed.Surname, listed.GivenNames, listed.Number = "USA", "MAMEDOV", "ELCHIN", "300000003"
		f.applyAndPay(t, "standard", listed)
		// Two drafts for one passport race to payment: the second is flagged.
		_, t1, _ := f.svc.Start(ctx, tripForm("standard"))
		_, t2, _ := f.svc.Start(ctx, tripForm("standard"))
		for _, tok := range []string{t1, t2} {
			if _, _, err := f.svc.AddPerson(ctx, tok, smithForm(), photo(t)); err != nil {
				t.Fatal(err)
			}
		}
		for _, tok := range []string{t1, t2} {
			a, err := f.svc.Submit(ctx, tok)
			if err != nil {
				t.Fatal(err)
			}
			f.markPaid(t, a)
		}
		_, t3, _ := f.svc.Start(ctx, tripForm("standard"))
		if _, _, err := f.svc.AddPerson(ctx, t3, smithForm(), photo(t)); errs.As(err).Fields["number"] != "evisa.error.passport_in_use" {
			t.Errorf("a third application for the passport: %v", err)
		}
		queue, err := f.svc.Queue(ctx)
		if err != nil || len(queue) != 3 {
			t.Fatalf("queue: %d, %v", len(queue), err)
		}
		flags := map[string][]string{}
		for _, p := range queue {
			flags[p.Surname] = append(flags[p.Surname], p.Flags...)
		}
		if len(flags["MAMEDOV"]) != 1 || flags["MAMEDOV"][0] != "watchlist:WL-7" {
			t.Errorf("watch-listed: %v", flags["MAMEDOV"])
		}
		if len(flags["SMITH"]) != 1 || flags["SMITH"][0] != "passport_in_use" {
			t.Errorf("one passport, two applications: %v", flags["SMITH"])
		}
	}, migrations...)
}

// The form's rules: eligibility, the passport's validity, the zone.
func TestPersonFormRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, token, err := f.svc.Start(ctx, tripForm("standard"))
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			edit  func(*evisa.PersonForm)
			field string
			key   string
		}{
			{"not eligible", func(p *evisa.PersonForm) { p.Nationality = "AFG" }, "nationality", "evisa.error.not_eligible"},
			{"unknown nationality", func(p *evisa.PersonForm) { p.Nationality = "XXX" }, "nationality", "evisa.error.nationality"},
			{"passport ends too soon", func(p *evisa.PersonForm) { p.Expires = "2027-04-01" }, "expires", "evisa.error.passport_validity"},
			{"bad passport number", func(p *evisa.PersonForm) { p.Number = "53-34" }, "number", "evisa.error.passport_number"},
			{"zone with a wrong digit", func(p *evisa.PersonForm) { p.MRZ1, p.MRZ2 = smith1, swap(smith2, 9, '1') }, "mrz1", "evisa.error.mrz"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				form := smithForm()
				tc.edit(&form)
				_, kept, err := f.svc.AddPerson(ctx, token, form, photo(t))
				if got := errs.As(err).Fields[tc.field]; got != tc.key {
					t.Errorf("%s: %q (%v), want %q", tc.field, got, err, tc.key)
				}
				if kept == "" {
					t.Error("the valid photo was not kept")
				}
			})
		}
		// A correct zone is enough without the fields.
		p, _, err := f.svc.AddPerson(ctx, token, evisa.PersonForm{MRZ1: smith1, MRZ2: smith2}, photo(t))
		if err != nil || p.Surname != "SMITH" || p.Number != "533401372" {
			t.Fatalf("by zone: %+v, %v", p, err)
		}
		if _, _, err := f.svc.Start(ctx, evisa.ApplicationForm{Email: "no", EntryDate: "2020-01-01"}); len(errs.As(err).Fields) != 5 {
			t.Errorf("an empty first page: %v", err)
		}
	}, migrations...)
}

// An application not paid in time lapses and its bill is cancelled; a
// paid one does not.
func TestUnpaidExpire(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, token, _ := f.svc.Start(ctx, tripForm("standard"))
		if _, _, err := f.svc.AddPerson(ctx, token, smithForm(), photo(t)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Submit(ctx, token); err != nil {
			t.Fatal(err)
		}
		paid := smithForm()
		paid.Number = "400000004"
		f.applyAndPay(t, "standard", paid)
		f.clock.set(start.Add(47 * time.Hour))
		if n, _, err := f.svc.Housekeep(ctx); err != nil || n != 0 {
			t.Fatalf("before the time: %d expired, %v", n, err)
		}
		f.clock.set(start.Add(49 * time.Hour))
		if n, _, err := f.svc.Housekeep(ctx); err != nil || n != 1 {
			t.Fatalf("after: %d expired, %v", n, err)
		}
		a, _ := f.svc.ByToken(ctx, token)
		b, _ := f.pay.Bill(ctx, a.Bill)
		if a.Status != evisa.StatusExpired || a.People[0].Status != evisa.PersonExpired || b.Status != payments.StatusCancelled {
			t.Errorf("after expiry: %s, %s, bill %s", a.Status, a.People[0].Status, b.Status)
		}
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return f.svc.MarkPaid(ctx, tx, a.Number, a.Bill) }); err != nil {
			t.Fatal(err)
		}
		if a, _ = f.svc.ByToken(ctx, token); a.Status != evisa.StatusExpired {
			t.Errorf("an expired application moved on: %s", a.Status)
		}
	}, migrations...)
}
