package centers_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/egov/egov/internal/centers"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web/localetest"
)

func TestMessages(t *testing.T) {
	var dynamic []string
	for _, d := range centers.Weekdays {
		dynamic = append(dynamic, "centers.weekday."+d.String())
	}
	for _, c := range centers.Criteria {
		dynamic = append(dynamic, "centers.index.criterion_"+c.Key)
	}
	for _, level := range []string{"centre", "service", "agency"} {
		dynamic = append(dynamic, "centers.index.level_"+level, "centers.index.name_"+level)
	}
	for score := 1; score <= 5; score++ {
		dynamic = append(dynamic, fmt.Sprintf("centers.rate.score_%d", score))
	}
	for _, s := range []string{centers.Booked, centers.CheckedIn, centers.Cancelled, centers.Lapsed} {
		dynamic = append(dynamic, "centers.booking."+s)
	}
	localetest.Check(t, localetest.Module{Prefix: "centers.", Dynamic: dynamic})
}

// TestServeOnce: two clicks on "serve" at once open one application; a
// failed hook gives the ticket back to the desk.
func TestServeOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		op := centers.Operator{Login: "asan.operator", Centre: "baku-1"}
		f.clock.Set(at("10:00"))
		f.svc.Issue(ctx, "baku-1", "passport", "")
		if _, err := f.svc.CallNext(ctx, op, 1); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make([]error, 10)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, results[i] = f.svc.Serve(ctx, op, 1, "5ZQX7KA", true)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range results {
			switch {
			case err == nil:
				ok++
			case errs.KindOf(err) != errs.Conflict:
				t.Errorf("unexpected %v", err)
			}
		}
		if ok != 1 || len(f.opened.calls) != 1 {
			t.Fatalf("%d serves succeeded, %d applications opened; want 1 and 1", ok, len(f.opened.calls))
		}

		failing := centers.New(db, centers.Config{Now: f.clock.Now, OpenApplication: func(context.Context, string, string, string) (string, error) {
			return "", errors.New("applications down")
		}})
		f.svc.Issue(ctx, "baku-1", "passport", "")
		called, err := failing.CallNext(ctx, op, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := failing.Serve(ctx, op, 1, "5ZQX7KA", true); err == nil {
			t.Fatal("served though the application could not be opened")
		}
		cur, err := failing.Current(ctx, "baku-1", 1)
		if err != nil || cur == nil || cur.ID != called.ID || cur.Status != centers.Called {
			t.Fatalf("after a failed hook the desk has %+v, %v", cur, err)
		}
		// Without a hook, serving completes and records no application.
		none := centers.New(db, centers.Config{Now: f.clock.Now})
		f.clock.Add(5 * time.Minute)
		out, err := none.Serve(ctx, op, 1, "", false)
		if err != nil || out.Application != "" || out.RatingToken == "" {
			t.Fatalf("serve without hook: %+v, %v", out, err)
		}
		if c, _ := none.ConsentOf(ctx, called.ID); c != nil {
			t.Errorf("consent recorded without a FIN: %+v", c)
		}
	}, migrations...)
}
