package applications_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

func TestStartPrefilled(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a, next, err := f.svc.StartPrefilled(ctx, aysel, "identity-card", forms.Answers{"reason": {"expired"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Answers["reason"]; len(got) != 1 || got[0] != "expired" || a.Status != applications.Draft {
			t.Fatalf("draft answers = %v, status %s", a.Answers, a.Status)
		}
		if !strings.HasPrefix(next, "/cabinet/applications/"+a.Number+"/") {
			t.Errorf("next = %q", next)
		}
		// Accepting again resumes the draft and keeps what the person changed.
		if _, err := f.svc.SaveAnswers(ctx, aysel, a.Number, []string{"reason"}, forms.Answers{"reason": {"lost"}}); err != nil {
			t.Fatal(err)
		}
		again, _, err := f.svc.StartPrefilled(ctx, aysel, "identity-card", forms.Answers{"reason": {"expired"}})
		if err != nil || again.Number != a.Number || again.Answers["reason"][0] != "lost" {
			t.Fatalf("again = %+v, %v", again, err)
		}
	}, migrations...)
}

func TestApproveProactivelyIsIdempotent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := applications.Approval{Applicant: aysel, Service: "child-benefit", Answers: forms.Answers{"child_fin": {"6BNT4YD"}},
			Reason: lang.Text{AZ: "Uşaq doğuldu.", EN: "A child was born.", RU: "Родился ребёнок."}, Key: "proactive:7"}
		var wg sync.WaitGroup
		numbers := make([]string, 4)
		for i := range numbers {
			wg.Go(func() {
				a, err := f.svc.ApproveProactively(ctx, p)
				if err != nil {
					t.Error(err)
					return
				}
				numbers[i] = a.Number
			})
		}
		wg.Wait()
		for _, n := range numbers[1:] {
			if n != numbers[0] {
				t.Fatalf("numbers %v, want one application", numbers)
			}
		}
		a, steps, err := f.svc.Mine(ctx, aysel, numbers[0])
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != applications.Approved || a.Decision != p.Reason {
			t.Errorf("application %s, decision %v", a.Status, a.Decision)
		}
		if len(steps) != 2 || steps[0].Action != "submit" || steps[1].Action != "approve" || steps[1].ActorKind != applications.ActorSystem {
			t.Errorf("steps = %+v", steps)
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM applications WHERE service = 'child-benefit'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("applications = %d, %v; want 1", n, err)
		}
	}, migrations...)
}
