package applications_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/files"
	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
	"github.com/egov/egov/internal/workdays"
)

var migrations = []store.Migrations{events.Migrations, audit.Migrations, catalog.Migrations, notify.Migrations,
	files.Migrations, applications.Migrations}

// registries answers prefill and record reads from fixed data, and counts
// the official reads, which the real gateway logs.
type registries struct{ personReads atomic.Int32 }

func (r *registries) Prefill(ctx context.Context, fin, voen string, attrs []string, purpose string) (map[string]applications.Prefilled, error) {
	if !strings.HasPrefix(purpose, "application ") {
		return nil, errs.E(errs.Invalid, "no purpose")
	}
	return map[string]applications.Prefilled{
		"population.full_name":  {Value: "Məmmədova Aysel Rəşid qızı", Source: "population.full_name"},
		"population.birth_date": {Value: "1990-03-14", Source: "population.birth_date"},
	}, nil
}

func (r *registries) Person(ctx context.Context, fin, purpose, userID string) ([]applications.Fact, error) {
	r.personReads.Add(1)
	return []applications.Fact{{Label: lang.Text{AZ: "FİN", EN: "FIN", RU: "ФИН"}, Value: fin}}, nil
}

type fixture struct {
	cat    *catalog.Catalog
	svc    *applications.Service
	db     *store.DB
	notify *notify.Service
	regs   *registries
	clock  *clock
	files  *files.Store
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var (
	aysel      = applications.Actor{Kind: applications.ActorApplicant, AccountID: 10, ID: "5ZQX7KA", FIN: "5ZQX7KA", Name: "Aysel Məmmədova", Lang: lang.EN}
	operator   = applications.Actor{Kind: applications.ActorStaff, AccountID: 20, ID: "dim.operator", Name: "DİN Operator", Agency: "internal-affairs"}
	supervisor = applications.Staff{AccountID: 21, Name: "DİN Supervisor", Supervisor: true, Lang: lang.AZ}
	stranger   = applications.Actor{Kind: applications.ActorStaff, AccountID: 30, ID: "migration.operator", Name: "Migration Operator", Agency: "migration"}
)

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	cat := catalog.New(db, nil)
	seed, err := catalog.DemoSeed()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Seed(ctx, seed); err != nil {
		t.Fatal(err)
	}
	if err := cat.Load(ctx); err != nil {
		t.Fatal(err)
	}
	n := notify.New(db)
	if err := applications.SeedTemplates(ctx, n); err != nil {
		t.Fatal(err)
	}
	// A Wednesday morning in Baku, clear of holidays.
	c := &clock{t: time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)}
	regs := &registries{}
	fileStore := files.NewStore(db.DB, t.TempDir(), files.SignatureScanner{})
	svc := applications.New(db, applications.Config{Catalog: cat, Files: fileStore,
		Notify: n, Registries: regs, Now: c.Now, Calendar: workdays.Default(),
		StaffOf: func(ctx context.Context, agency string) ([]applications.Staff, error) {
			if agency != "internal-affairs" {
				return nil, nil
			}
			return []applications.Staff{{AccountID: 20, Name: "DİN Operator"}, supervisor}, nil
		}})
	return &fixture{cat: cat, svc: svc, db: db, notify: n, regs: regs, clock: c, files: fileStore}
}

// submitted starts, fills in and submits a criminal record certificate
// application for Aysel.
func (f *fixture) submitted(t *testing.T) *applications.Application {
	t.Helper()
	ctx := context.Background()
	a, err := f.svc.Start(ctx, aysel, "criminal-record-certificate")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveAnswers(ctx, aysel, a.Number, []string{"purpose"}, forms.Answers{"purpose": {"employer"}}); err != nil {
		t.Fatal(err)
	}
	a, err = f.svc.Submit(ctx, aysel, a.Number)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestApplicationFromDraftToDecision(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a, err := f.svc.Start(ctx, aysel, "criminal-record-certificate")
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != applications.Draft || a.Prefilled["full_name"].Value == "" || a.Prefilled["birth_date"].Value != "1990-03-14" {
			t.Fatalf("draft = %+v", a)
		}
		again, err := f.svc.Start(ctx, aysel, "criminal-record-certificate")
		if err != nil || again.Number != a.Number {
			t.Fatalf("starting again gave %v, %v; want the same draft %s", again, err, a.Number)
		}
		if _, ok := applications.ParseNumber(applications.FormatNumber(a.Number)); !ok {
			t.Fatalf("number %q does not check", a.Number)
		}

		// A wrong answer is kept, and reported.
		saved, err := f.svc.SaveAnswers(ctx, aysel, a.Number, []string{"purpose"}, forms.Answers{"purpose": {"moon"}})
		if errs.KindOf(err) != errs.Invalid || saved == nil || saved.Answers["purpose"][0] != "moon" {
			t.Fatalf("invalid answer: %v, %+v", err, saved)
		}
		if _, err := f.svc.Submit(ctx, aysel, a.Number); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("submitting an invalid form: %v", err)
		}
		// The registry's value is not the person's to overwrite.
		saved, err = f.svc.SaveAnswers(ctx, aysel, a.Number, []string{"purpose", "full_name"},
			forms.Answers{"purpose": {"abroad"}, "full_name": {"Someone Else"}, "apostille": {"yes"}})
		if err != nil {
			t.Fatal(err)
		}
		if saved.Answers["full_name"] != nil {
			t.Fatalf("a prefilled field was typed over: %v", saved.Answers)
		}
		if _, err := f.svc.SaveAnswers(ctx, aysel, a.Number, []string{"apostille"}, forms.Answers{"apostille": {"yes"}}); err != nil {
			t.Fatal(err)
		}
		sub, err := f.svc.Submit(ctx, aysel, a.Number)
		if err != nil {
			t.Fatal(err)
		}
		// Three working days from Wednesday 18 November 2026: Monday 23rd.
		if sub.Status != applications.Submitted || sub.DueAt == nil || sub.DueAt.In(web.Baku).Format("2006-01-02") != "2026-11-23" {
			t.Fatalf("submitted: status %s due %v", sub.Status, sub.DueAt)
		}
		if _, err := f.svc.Submit(ctx, aysel, a.Number); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("a second submission: %v", err)
		}

		if _, err := f.svc.Assign(ctx, operator, a.Number, 0); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(24 * time.Hour) // Thursday
		if _, err := f.svc.RequestInfo(ctx, operator, a.Number, "Which country is it for?"); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(24 * time.Hour) // Friday: one working day waited
		res, err := f.svc.Resubmit(ctx, aysel, a.Number, "Germany")
		if err != nil {
			t.Fatal(err)
		}
		if got := res.DueAt.In(web.Baku).Format("2006-01-02"); got != "2026-11-24" {
			t.Fatalf("deadline after one working day of waiting = %s, want 2026-11-24", got)
		}
		if _, err := f.svc.Decide(ctx, operator, a.Number, false, lang.Text{AZ: "Səbəb"}); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("a refusal without a reason in every language: %v", err)
		}
		done, err := f.svc.Decide(ctx, operator, a.Number, true, lang.Text{})
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != applications.Approved || done.DecidedAt == nil {
			t.Fatalf("decided: %+v", done)
		}
		for range 2 { // issuing twice changes nothing
			if err := db.Tx(ctx, func(tx *sql.Tx) error {
				_, err := f.svc.MarkIssued(ctx, tx, a.Number, "doc-1")
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}

		_, steps, err := f.svc.Mine(ctx, aysel, applications.FormatNumber(a.Number))
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, s := range steps {
			actions = append(actions, s.Action)
		}
		if got, want := strings.Join(actions, ","), "submit,assign,request_info,resubmit,approve,issue"; got != want {
			t.Fatalf("timeline %s, want %s", got, want)
		}
		inbox, _, err := f.notify.Inbox(ctx, notify.Owner{AccountID: aysel.AccountID}, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(inbox) != 3 { // received, information requested, approved
			for _, m := range inbox {
				t.Log(m.Subject)
			}
			t.Fatalf("%d messages in the inbox, want 3", len(inbox))
		}
		if !strings.Contains(inbox[len(inbox)-1].Subject+inbox[0].Subject, applications.FormatNumber(a.Number)) {
			t.Fatalf("messages do not name the application: %q", inbox[0].Subject)
		}
	}, migrations...)
}

func TestAnotherAgencyCannotSeeOrChange(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a := f.submitted(t)
		if _, _, err := f.svc.OfAgency(ctx, stranger, a.Number); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another agency read it: %v", err)
		}
		if _, err := f.svc.Assign(ctx, stranger, a.Number, 0); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another agency assigned it: %v", err)
		}
		if _, err := f.svc.Decide(ctx, stranger, a.Number, true, lang.Text{}); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another agency decided it: %v", err)
		}
		list, err := f.svc.Queue(ctx, stranger, applications.Filter{})
		if err != nil || len(list) != 0 {
			t.Fatalf("another agency's queue: %v, %v", list, err)
		}
		other := aysel
		other.AccountID, other.FIN, other.ID = 99, "2HPL4RM", "2HPL4RM"
		if _, _, err := f.svc.Mine(ctx, other, a.Number); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another person read it: %v", err)
		}
		if _, err := f.svc.Withdraw(ctx, other, a.Number); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another person withdrew it: %v", err)
		}
		mine, err := f.svc.Queue(ctx, operator, applications.Filter{})
		if err != nil || len(mine) != 1 {
			t.Fatalf("own agency's queue: %d, %v", len(mine), err)
		}
	}, migrations...)
}

// Two officials deciding at once, or a person submitting twice at once:
// exactly one wins and the timeline records one step.
func TestConcurrentChangesHappenOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a, err := f.svc.Start(ctx, aysel, "criminal-record-certificate")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveAnswers(ctx, aysel, a.Number, []string{"purpose"}, forms.Answers{"purpose": {"employer"}}); err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				if _, err := f.svc.Submit(ctx, aysel, a.Number); err == nil {
					wins.Add(1)
				} else if k := errs.KindOf(err); k != errs.Conflict {
					t.Errorf("submit: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d submissions won, want 1", wins.Load())
		}
		wins.Store(0)
		for i := range 6 {
			wg.Go(func() {
				reason := lang.Text{AZ: "x", EN: "x", RU: "x"}
				if _, err := f.svc.Decide(ctx, operator, a.Number, i%2 == 0, reason); err == nil {
					wins.Add(1)
				} else if k := errs.KindOf(err); k != errs.Conflict {
					t.Errorf("decide: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d decisions won, want 1", wins.Load())
		}
		_, steps, err := f.svc.Mine(ctx, aysel, a.Number)
		if err != nil {
			t.Fatal(err)
		}
		if len(steps) != 2 {
			t.Fatalf("%d steps, want submit and one decision: %+v", len(steps), steps)
		}
	}, migrations...)
}

func TestOverdueIsFlaggedToTheSupervisorOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a := f.submitted(t)
		if n, err := f.svc.FlagOverdue(ctx); err != nil || n != 0 {
			t.Fatalf("flagged %d before the deadline: %v", n, err)
		}
		f.clock.Add(10 * 24 * time.Hour)
		if n, err := f.svc.FlagOverdue(ctx); err != nil || n != 1 {
			t.Fatalf("flagged %d, want 1: %v", n, err)
		}
		if n, err := f.svc.FlagOverdue(ctx); err != nil || n != 0 {
			t.Fatalf("flagged %d again: %v", n, err)
		}
		got, _, err := f.svc.OfAgency(ctx, operator, a.Number)
		if err != nil || !got.Overdue {
			t.Fatalf("overdue = %v, %v", got, err)
		}
		list, err := f.svc.Queue(ctx, operator, applications.Filter{Overdue: true})
		if err != nil || len(list) != 1 {
			t.Fatalf("overdue queue: %d, %v", len(list), err)
		}
		inbox, _, err := f.notify.Inbox(ctx, notify.Owner{AccountID: supervisor.AccountID}, 10)
		if err != nil || len(inbox) != 1 || !strings.Contains(inbox[0].Subject, applications.FormatNumber(a.Number)) {
			t.Fatalf("supervisor's inbox: %v, %v", inbox, err)
		}
	}, migrations...)
}

func TestAttachmentsAreCheckedAndStored(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a := f.submitted(t)
		if _, err := f.svc.RequestInfo(ctx, operator, a.Number, "Attach your passport, please."); err != nil {
			t.Fatal(err)
		}
		eicar := `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`
		if _, err := f.svc.AddFile(ctx, aysel, a.Number, "", "passport.pdf", strings.NewReader(eicar)); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("an infected file: %v", err)
		}
		pdf := "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
		got, err := f.svc.AddFile(ctx, aysel, a.Number, "", "passport.png", strings.NewReader(pdf))
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Attachments) != 1 || got.Attachments[0].Type != "application/pdf" {
			t.Fatalf("attachments %+v", got.Attachments)
		}
		if _, err := f.svc.Resubmit(ctx, aysel, a.Number, "Here it is."); err != nil {
			t.Fatal(err)
		}
	}, migrations...)
}

func TestAPIKeys(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		key, err := f.svc.CreateKey(ctx, operator, "DİN case system", false)
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.ResolveKey(ctx, key)
		if err != nil || p == nil || p.Agency != "internal-affairs" || !p.Has(applications.RoleAgencySystem) {
			t.Fatalf("resolve: %+v, %v", p, err)
		}
		if identity.TestKey(p) {
			t.Fatal("a live key reads as a test key")
		}
		testKey, err := f.svc.CreateKey(ctx, operator, "DİN sandbox", true)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := f.svc.ResolveKey(ctx, testKey); err != nil || !identity.TestKey(p) || !strings.HasPrefix(testKey, "egk_test_") {
			t.Fatalf("a test key: %+v %v", p, err)
		}
		if p, _ := f.svc.ResolveKey(ctx, key+"x"); p != nil {
			t.Fatal("a wrong key resolved")
		}
		keys, err := f.svc.Keys(ctx, operator)
		if err != nil || len(keys) != 2 {
			t.Fatalf("keys: %v, %v", keys, err)
		}
		live := keys[1] // newest first
		if err := f.svc.RevokeKey(ctx, stranger, live.ID); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another agency revoked the key: %v", err)
		}
		if err := f.svc.RevokeKey(ctx, operator, live.ID); err != nil {
			t.Fatal(err)
		}
		if p, _ := f.svc.ResolveKey(ctx, key); p != nil {
			t.Fatal("a revoked key still works")
		}
	}, migrations...)
}

func TestDraftResumesWhereItStopped(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a, err := f.svc.Start(ctx, aysel, "criminal-record-certificate")
		if err != nil {
			t.Fatal(err)
		}
		if got := applications.ResumeAt(f.svc, a); got != "/cabinet/applications/"+a.Number+"/form/1" {
			t.Fatalf("a fresh draft resumes at %s", got)
		}
		a, err = f.svc.SaveAnswers(ctx, aysel, a.Number, []string{"purpose"}, forms.Answers{"purpose": {"employer"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := applications.ResumeAt(f.svc, a); got != "/cabinet/applications/"+a.Number+"/check" {
			t.Fatalf("an answered draft resumes at %s", got)
		}
	}, migrations...)
}

func TestCorrectionGoesToTheRegistersAgency(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a, err := f.svc.Start(ctx, aysel, "criminal-record-certificate")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ReportCorrection(ctx, aysel, a, "full_name", " "); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("an empty correction: %v", err)
		}
		c, err := f.svc.ReportCorrection(ctx, aysel, a, "full_name", "Məmmədova Aysel Rəşad qızı")
		if err != nil {
			t.Fatal(err)
		}
		if c.Agency != "internal-affairs" || c.Value != "Məmmədova Aysel Rəşid qızı" || c.Registry() != "population" {
			t.Fatalf("correction %+v", c)
		}
		if list, err := f.svc.Corrections(ctx, stranger); err != nil || len(list) != 0 {
			t.Fatalf("another agency sees corrections: %v %v", list, err)
		}
		if err := f.svc.ResolveCorrection(ctx, stranger, c.ID, "done"); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another agency resolved it: %v", err)
		}
		if err := f.svc.ResolveCorrection(ctx, operator, c.ID, "Registry record corrected."); err != nil {
			t.Fatal(err)
		}
		mine, err := f.svc.MyCorrections(ctx, aysel)
		if err != nil || len(mine) != 1 || mine[0].Status != applications.CorrectionResolved {
			t.Fatalf("my corrections: %+v %v", mine, err)
		}
	}, migrations...)
}

// A service with a fee waits for payment: the bill is asked for in the
// submission's transaction, and paying (twice) starts the deadline once.
func TestFeeWaitsForPayment(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		var bills []string
		f.svc = applications.New(db, applications.Config{Catalog: f.cat, Files: files.NewStore(db.DB, t.TempDir(), nil),
			Notify: f.notify, Registries: f.regs, Now: f.clock.Now,
			Bill: func(ctx context.Context, tx *sql.Tx, a *applications.Application) (string, error) {
				bills = append(bills, a.Number)
				return "BILL-1", nil
			}})
		// An identity card costs 5 manat.
		a, err := f.svc.Start(ctx, aysel, "identity-card")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveAnswers(ctx, aysel, a.Number, []string{"reason", "centre", "phone", "address"},
			forms.Answers{"reason": {"expired"}, "centre": {"baku-1"}, "phone": {"050 123 45 67"}, "address": {"Bakı, Nizami küçəsi 10"}}); err != nil {
			t.Fatal(err)
		}
		if a, err = f.svc.Submit(ctx, aysel, a.Number); err != nil {
			t.Fatal(err)
		}
		if a.FeeQepik != 500 || a.Status != applications.AwaitingPayment || a.DueAt != nil || len(bills) != 1 {
			t.Fatalf("submitted with a fee: %s due %v bills %v", a.Status, a.DueAt, bills)
		}
		for range 2 {
			if err := db.Tx(ctx, func(tx *sql.Tx) error {
				_, err := f.svc.MarkPaid(ctx, tx, a.Number, "BILL-1")
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		_, steps, err := f.svc.Mine(ctx, aysel, a.Number)
		if err != nil || len(steps) != 2 || steps[1].Action != "paid" {
			t.Fatalf("steps %+v %v", steps, err)
		}
	}, migrations...)
}

// A discarded draft lets its uploads go: housekeeping's sweep deletes
// the content once no other application's upload holds it.
func TestDiscardedDraftLetsItsFilesGo(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		store := f.files
		pdf := "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
		// Two drafts (of two services: a service's draft is resumed, not
		// started twice) holding the same upload.
		draft := func(service, field string) (*applications.Application, string) {
			a, err := f.svc.Start(ctx, aysel, service)
			if err != nil {
				t.Fatal(err)
			}
			a, err = f.svc.AddFile(ctx, aysel, a.Number, field, "letter.pdf", strings.NewReader(pdf))
			if err != nil || len(a.Attachments) != 1 {
				t.Fatalf("upload: %+v, %v", a, err)
			}
			return a, a.Attachments[0].FileID
		}
		first, id := draft("criminal-record-certificate", "supporting_document")
		second, same := draft("residence-registration", "consent")
		if same != id {
			t.Fatalf("the same content stored twice: %s, %s", id, same)
		}

		if _, err := f.svc.Withdraw(ctx, aysel, first.Number); err != nil {
			t.Fatal(err)
		}
		if n, err := store.Sweep(ctx, 10); err != nil || n != 0 {
			t.Fatalf("swept %d, %v while the second draft holds the file", n, err)
		}
		if _, err := store.Get(ctx, id); err != nil {
			t.Fatalf("the second draft's file: %v", err)
		}
		got, err := f.svc.Withdraw(ctx, aysel, second.Number)
		if err != nil || got.Status != applications.Withdrawn || len(got.Attachments) != 0 {
			t.Fatalf("discarded: %+v, %v", got, err)
		}
		if n, err := store.Sweep(ctx, 10); err != nil || n != 1 {
			t.Fatalf("swept %d, %v; want the file", n, err)
		}
		if _, err := store.Get(ctx, id); errs.KindOf(err) != errs.NotFound {
			t.Errorf("the file after both drafts were discarded: %v", err)
		}
	}, migrations...)
}

// Applications never sent go 30 days after their last change — drafts
// left alone and drafts discarded alike — with their timelines and
// uploads; a recent draft and anything sent stay.
func TestUnsentApplicationsPurged(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		pdf := "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
		sent := f.submitted(t)
		left, err := f.svc.Start(ctx, aysel, "criminal-record-certificate")
		if err != nil {
			t.Fatal(err)
		}
		left, err = f.svc.AddFile(ctx, aysel, left.Number, "supporting_document", "letter.pdf", strings.NewReader(pdf))
		if err != nil {
			t.Fatal(err)
		}
		if !left.PurgeAt().Equal(left.UpdatedAt.Add(applications.DraftRetention)) {
			t.Errorf("PurgeAt %v for a draft changed at %v", left.PurgeAt(), left.UpdatedAt)
		}
		discarded, err := f.svc.Start(ctx, aysel, "residence-registration")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Withdraw(ctx, aysel, discarded.Number); err != nil {
			t.Fatal(err)
		}

		f.clock.Add(applications.DraftRetention - time.Hour)
		recent, err := f.svc.Start(ctx, aysel, "divorce-certificate")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.PurgeUnsent(ctx, 100); err != nil || n != 0 {
			t.Fatalf("purged %d, %v before 30 days", n, err)
		}
		f.clock.Add(2 * time.Hour)
		if n, err := f.svc.PurgeUnsent(ctx, 100); err != nil || n != 2 {
			t.Fatalf("purged %d, %v; want the draft left alone and the discarded one", n, err)
		}
		for _, number := range []string{left.Number, discarded.Number} {
			if _, _, err := f.svc.Mine(ctx, aysel, number); errs.KindOf(err) != errs.NotFound {
				t.Errorf("%s after the purge: %v", number, err)
			}
		}
		for _, number := range []string{sent.Number, recent.Number} {
			if _, _, err := f.svc.Mine(ctx, aysel, number); err != nil {
				t.Errorf("%s was purged: %v", number, err)
			}
		}
		var steps int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM application_steps s WHERE NOT EXISTS
			(SELECT 1 FROM applications a WHERE a.id = s.application_id)`).Scan(&steps)
		if steps != 0 {
			t.Errorf("%d steps left of purged applications", steps)
		}
		if n, err := f.files.Sweep(ctx, 10); err != nil || n != 1 {
			t.Errorf("swept %d, %v; want the purged draft's upload", n, err)
		}
	}, migrations...)
}
