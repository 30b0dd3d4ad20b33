package proactive_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/proactive"
	"github.com/egov/egov/internal/registry"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

var migrations = []store.Migrations{events.Migrations, audit.Migrations, registry.Migrations, proactive.Migrations}

// demoDay is the tests' "today" (noon in Baku) and the demo day.
var demoDay = time.Date(2026, 3, 18, 8, 0, 0, 0, time.UTC)

type fixture struct {
	db  *store.DB
	reg *registry.Registry
	svc *proactive.Service
	now time.Time
}

// newFixture seeds the registry's demo fixtures and the seeded rules.
// The service has no actions: these tests record, the app's tests carry
// out.
func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, reg: registry.New(db), now: demoDay}
	if _, err := f.reg.SeedDemo(ctx, demoDay); err != nil {
		t.Fatal(err)
	}
	f.svc = proactive.New(db, proactive.Config{Registry: f.reg, Now: func() time.Time { return f.now }})
	if n, err := f.svc.SeedRules(ctx); err != nil || n != 6 {
		t.Fatalf("SeedRules = %d, %v; want 6", n, err)
	}
	return f
}

func count(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) intake(t *testing.T, ev proactive.Event) int {
	t.Helper()
	var n int
	err := f.db.Tx(context.Background(), func(tx *sql.Tx) error {
		var err error
		n, err = f.svc.Intake(context.Background(), tx, ev)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIntakeActsOncePerPersonAndEvent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		birth := proactive.Event{Type: proactive.EventBirth, Key: "birth:" + registry.DemoNewbornFIN, FIN: registry.DemoNewbornFIN,
			Date: demoDay.AddDate(0, 0, -2), Facts: proactive.Facts{"mother": registry.DemoMotherFIN, "father": registry.DemoFatherFIN,
				"child": registry.DemoNewbornFIN}}
		// The certificate, two notices, the benefit's application and payout.
		if got := f.intake(t, birth); got != 5 {
			t.Fatalf("first intake recorded %d actions, want 5", got)
		}
		for i := range 3 {
			if got := f.intake(t, birth); got != 0 {
				t.Fatalf("duplicate %d recorded %d actions, want 0", i, got)
			}
		}
		recs, err := f.svc.Records(context.Background(), registry.DemoMotherFIN)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, r := range recs {
			kinds[r.Kind]++
			if r.RuleVersion != 1 || r.Status != proactive.StatusPending || r.Facts["child"] != registry.DemoNewbornFIN {
				t.Errorf("record %+v", r)
			}
		}
		if kinds[proactive.ActIssueDocument] != 1 || kinds[proactive.ActPayout] != 1 || kinds[proactive.ActNotify] != 1 ||
			kinds[proactive.ActApproveApplication] != 1 {
			t.Errorf("mother's records by kind = %v", kinds)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM proactive_actions WHERE fin = $1`, registry.DemoFatherFIN); got != 1 {
			t.Errorf("father's records = %d, want 1 (the notice)", got)
		}
	}, migrations...)
}

func TestIntakeSkipsWhenConditionFails(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		// A birth without a mother meets neither birth rule's condition.
		ev := proactive.Event{Type: proactive.EventBirth, Key: "birth:x", FIN: registry.DemoNewbornFIN, Facts: proactive.Facts{}}
		if got := f.intake(t, ev); got != 0 {
			t.Errorf("recorded %d, want 0", got)
		}
	}, migrations...)
}

func TestScanIsIncremental(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		rep, err := f.svc.Scan(ctx, demoDay)
		if err != nil {
			t.Fatal(err)
		}
		// Rəşad's card (25 days) and inspection (20 days), Gülnarə's
		// pension (20 days), Tural's 18th birthday (40 days).
		if rep.Rules != 4 || rep.Actions != 4 {
			t.Fatalf("first scan = %+v, want 4 rules and 4 actions", rep)
		}
		want := map[string][]string{
			registry.DemoFatherFIN:    {"vehicle-inspection-reminder", "identity-card-renewal"},
			registry.DemoPensionerFIN: {"pension-at-65"},
			registry.DemoTeenFIN:      {"identity-card-at-18"},
		}
		for fin, rules := range want {
			recs, err := f.svc.Records(ctx, fin)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(rules) {
				t.Fatalf("%s has %d records, want %v", fin, len(recs), rules)
			}
			for _, r := range recs {
				found := false
				for _, id := range rules {
					found = found || r.RuleID == id
				}
				if !found {
					t.Errorf("%s: unexpected record of %s", fin, r.RuleID)
				}
			}
		}
		t.Run("SameDayAgainDoesNothing", func(t *testing.T) {
			rep, err := f.svc.Scan(ctx, demoDay)
			if err != nil || rep.Actions != 0 || rep.Matched != 0 {
				t.Fatalf("scan again = %+v, %v", rep, err)
			}
		})
		t.Run("NextDayReadsOnlyTheNewDay", func(t *testing.T) {
			// Someone turning 18 in 61 days is outside today's window
			// and inside tomorrow's.
			p := &registry.Person{FIN: "9ZZZ9ZZ", FirstName: "Leyla", LastName: "Əliyeva", Sex: registry.Female,
				BirthDate: registry.Date(demoDay).AddDate(-18, 0, 61), Citizenship: registry.CitizenshipAZE}
			if err := f.reg.AddPerson(ctx, p); err != nil {
				t.Fatal(err)
			}
			rep, err := f.svc.Scan(ctx, demoDay.AddDate(0, 0, 1))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Actions != 1 || rep.Matched != 1 {
				t.Fatalf("next day's scan = %+v, want exactly Leyla's offer", rep)
			}
			if got := count(t, db, `SELECT COUNT(*) FROM proactive_actions WHERE fin = $1 AND rule_id = 'identity-card-at-18'`, p.FIN); got != 1 {
				t.Errorf("Leyla's offers = %d", got)
			}
		})
		t.Run("ForgottenWatermarkRecordsNothingTwice", func(t *testing.T) {
			if _, err := db.ExecContext(ctx, `DELETE FROM proactive_watermarks`); err != nil {
				t.Fatal(err)
			}
			rep, err := f.svc.Scan(ctx, demoDay.AddDate(0, 0, 1))
			if err != nil || rep.Actions != 0 || rep.Matched == 0 {
				t.Fatalf("rescan = %+v, %v; want matches but no new actions", rep, err)
			}
		})
	}, migrations...)
}

func TestOffers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		if _, err := f.svc.Scan(ctx, demoDay); err != nil {
			t.Fatal(err)
		}
		recs, err := f.svc.Records(ctx, registry.DemoTeenFIN)
		if err != nil || len(recs) != 1 || recs[0].Status != proactive.StatusOpen {
			t.Fatalf("Tural's records = %+v, %v", recs, err)
		}
		offer := recs[0]
		t.Run("ErrOthersOffer", func(t *testing.T) {
			if err := f.svc.Decline(ctx, registry.DemoMotherFIN, offer.ID); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("decline as another = %v, want not found", err)
			}
		})
		t.Run("Decline", func(t *testing.T) {
			if err := f.svc.Decline(ctx, registry.DemoTeenFIN, offer.ID); err != nil {
				t.Fatal(err)
			}
			r, err := f.svc.Record(ctx, registry.DemoTeenFIN, offer.ID)
			if err != nil || r.Status != proactive.StatusDeclined {
				t.Fatalf("after decline = %+v, %v", r, err)
			}
		})
		t.Run("ErrAnsweredTwice", func(t *testing.T) {
			if err := f.svc.Decline(ctx, registry.DemoTeenFIN, offer.ID); errs.KindOf(err) != errs.Conflict {
				t.Fatalf("second decline = %v, want conflict", err)
			}
			if _, err := f.svc.Accept(ctx, registry.DemoTeenFIN, offer.ID, ""); errs.KindOf(err) != errs.Conflict {
				t.Fatalf("accept after decline = %v, want conflict", err)
			}
		})
		t.Run("DeclinedStaysDeclinedOnRescan", func(t *testing.T) {
			if _, err := db.ExecContext(ctx, `DELETE FROM proactive_watermarks`); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Scan(ctx, demoDay); err != nil {
				t.Fatal(err)
			}
			r, err := f.svc.Record(ctx, registry.DemoTeenFIN, offer.ID)
			if err != nil || r.Status != proactive.StatusDeclined {
				t.Fatalf("after rescan = %+v, %v", r, err)
			}
		})
	}, migrations...)
}

func TestRuleVersions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		admin := proactive.Author{ID: "staff:admin", Admin: true}
		dim := proactive.Author{ID: "staff:dim.supervisor", Agency: "internal-affairs"}
		justice := proactive.Author{ID: "staff:justice.supervisor", Agency: "justice"}
		def := []byte(validRule)
		t.Run("ErrOtherAgency", func(t *testing.T) {
			if _, err := f.svc.SaveDraft(ctx, justice, def); errs.KindOf(err) != errs.Invalid {
				t.Fatalf("justice writing internal-affairs' rule = %v, want invalid", err)
			}
		})
		r, err := f.svc.SaveDraft(ctx, dim, def)
		if err != nil {
			t.Fatal(err)
		}
		if r.Version != 2 || r.Status != proactive.RuleDraft {
			t.Fatalf("draft = v%d %s, want v2 draft", r.Version, r.Status)
		}
		t.Run("TestAgainstAPerson", func(t *testing.T) {
			trial, err := f.svc.Test(ctx, dim, r, registry.DemoTeenFIN)
			if err != nil || !trial.Matches || len(trial.Records) != 1 || trial.Records[0].FIN != registry.DemoTeenFIN {
				t.Fatalf("Test = %+v, %v", trial, err)
			}
			if _, err := f.svc.Test(ctx, dim, r, "0000000"); errs.KindOf(err) != errs.Invalid {
				t.Fatalf("Test unknown FIN = %v, want invalid", err)
			}
		})
		t.Run("DryRun", func(t *testing.T) {
			d, err := f.svc.DryRunRule(ctx, dim, r)
			if err != nil || d.Matched != 1 || len(d.Sample) != 1 || d.Sample[0] != registry.DemoTeenFIN {
				t.Fatalf("DryRun = %+v, %v", d, err)
			}
			if _, err := f.svc.DryRunRule(ctx, justice, r); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("DryRun by another agency = %v, want not found", err)
			}
		})
		if err := f.svc.Publish(ctx, admin, r.ID, r.Version); err != nil {
			t.Fatal(err)
		}
		live, err := f.svc.LiveRules(ctx, proactive.EventAge)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range live {
			if l.ID == r.ID && l.Version != 2 {
				t.Errorf("live version of %s = %d, want 2", r.ID, l.Version)
			}
		}
		if got := count(t, db, `SELECT COUNT(*) FROM proactive_rules WHERE rule_id = $1 AND status = 'retired'`, r.ID); got != 1 {
			t.Errorf("retired versions = %d, want 1", got)
		}
		if _, err := f.svc.Scan(ctx, demoDay); err != nil {
			t.Fatal(err)
		}
		if got := count(t, db, `SELECT rule_version FROM proactive_actions WHERE rule_id = $1`, r.ID); got != 2 {
			t.Errorf("the action was recorded with version %d, want 2", got)
		}
	}, migrations...)
}
