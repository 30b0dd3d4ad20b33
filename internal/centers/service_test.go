package centers_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/centers"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

var migrations = []store.Migrations{events.Migrations, catalog.Migrations, notify.Migrations, centers.Migrations}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type opened struct {
	mu    sync.Mutex
	calls []string
}

func (o *opened) open(_ context.Context, fin, service, operator string) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, fin+"/"+service+"/"+operator)
	return fmt.Sprintf("APP%05d", len(o.calls)), nil
}

type fixture struct {
	svc    *centers.Service
	db     *store.DB
	notify *notify.Service
	clock  *clock
	opened *opened
}

// monday is Monday 16 March 2026, 08:00 in Baku.
var monday = at("08:00")

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
	if err := centers.SeedTemplates(ctx, n); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: monday}
	n.SetClock(c.Now)
	o := &opened{}
	svc := centers.New(db, centers.Config{Catalog: cat, Notify: n, OpenApplication: o.open, Now: c.Now,
		BaseURL: "https://egov.example",
		BirthDate: func(_ context.Context, fin string) (time.Time, error) {
			if fin == "7MJD3TE" {
				return time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC), nil
			}
			return time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), nil
		}})
	if err := svc.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, db: db, notify: n, clock: c, opened: o}
}

func person(i int) centers.Person {
	return centers.Person{AccountID: int64(1000 + i), ID: fmt.Sprintf("P%06d", i), Name: fmt.Sprintf("Person %d", i), Lang: lang.EN}
}

var tural = centers.Person{AccountID: 4, ID: "3KCR8WN", Name: "Tural Quliyev", Lang: lang.AZ}

func wantKind(t *testing.T, err error, kind errs.Kind, msg string) {
	t.Helper()
	if got := errs.KindOf(err); got != kind {
		t.Fatalf("error %v: kind %s, want %s", err, got, kind)
	}
	if msg != "" && errs.As(err).Message != msg && errs.As(err).Fields["slot"] != msg {
		t.Fatalf("error %v: message %q, want %q", err, errs.As(err).Message, msg)
	}
}

func TestSeedDemo(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		if err := f.svc.SeedDemo(ctx); err != nil { // a second run changes nothing
			t.Fatal(err)
		}
		list, err := f.svc.Centres(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) < 5 {
			t.Fatalf("%d centres, want at least 5", len(list))
		}
		want := map[string]bool{"baku-1": true, "baku-2": true, "sumqayit": true, "ganja": true, "mingachevir": true}
		for _, c := range list {
			delete(want, c.Slug)
			if c.Name.EN == "" || c.Name.AZ == "" || c.Name.RU == "" || c.Address.EN == "" || len(c.Services) == 0 || len(c.Desks) == 0 {
				t.Errorf("centre %s incomplete: %+v", c.Slug, c)
			}
			for _, o := range c.Services {
				svc := f.svc.CatalogService(o.Service)
				if svc == nil || !svc.HasChannel(catalog.Centre) {
					t.Errorf("%s offers %s, not a centre service", c.Slug, o.Service)
				}
				if c.Capacity(o.Service) == 0 {
					t.Errorf("%s offers %s at no desk", c.Slug, o.Service)
				}
			}
		}
		if len(want) > 0 {
			t.Errorf("missing centres %v", want)
		}
		b1, _ := f.svc.Centre(ctx, "baku-1")
		if b1.Name.EN != "ASAN xidmət centre No. 1 (Bakı)" {
			t.Errorf("baku-1 is %q", b1.Name.EN)
		}
		rules, err := f.svc.PriorityRules(ctx)
		if err != nil || len(rules) != 2 {
			t.Fatalf("rules %v, %v", rules, err)
		}
	}, migrations...)
}

// TestLastPlaceRace: 100 people race for the last place of a slot;
// exactly one gets it.
func TestLastPlaceRace(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		c, _ := f.svc.Centre(ctx, "baku-1")
		slot := at("11:00")
		capacity := c.Capacity("pension")
		if capacity < 2 {
			t.Fatalf("pension has capacity %d", capacity)
		}
		for i := range capacity - 1 {
			if _, err := f.svc.Book(ctx, person(i), "baku-1", "pension", slot); err != nil {
				t.Fatal(err)
			}
		}
		var wins, full atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		errc := make(chan error, 100)
		for i := range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := f.svc.Book(ctx, person(100+i), "baku-1", "pension", slot)
				switch {
				case err == nil:
					wins.Add(1)
				case errs.As(err).Message == "centers.error.slot_full":
					full.Add(1)
				default:
					errc <- err
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Errorf("unexpected error: %v", err)
		}
		if got := wins.Load(); got != 1 {
			t.Fatalf("%d people got the last place, want exactly 1", got)
		}
		if got := full.Load(); got != 99 {
			t.Errorf("%d were told the slot is full, want 99", got)
		}
		var taken, n int
		if err := db.QueryRowContext(ctx, `SELECT taken FROM centers_slots WHERE centre = 'baku-1' AND service = 'pension'`).Scan(&taken); err != nil {
			t.Fatal(err)
		}
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM centers_bookings WHERE status = 'booked'`).Scan(&n)
		if taken != capacity || n != capacity {
			t.Errorf("taken %d, bookings %d, want %d", taken, n, capacity)
		}
		slots, _ := f.svc.Availability(ctx, c, "pension", slot)
		for _, s := range slots {
			if s.Start.Equal(slot) && s.Free != 0 {
				t.Errorf("full slot shows %d free", s.Free)
			}
		}
	}, migrations...)
}

func TestBookingRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		slot := at("11:00")
		b, err := f.svc.Book(ctx, tural, "baku-1", "passport", slot)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("NoTwoBookingsAtOnce", func(t *testing.T) {
			_, err := f.svc.Book(ctx, tural, "baku-2", "pension", slot)
			wantKind(t, err, errs.Conflict, "centers.error.overlap")
		})
		t.Run("NotASlot", func(t *testing.T) {
			_, err := f.svc.Book(ctx, tural, "baku-1", "passport", at("11:05"))
			wantKind(t, err, errs.Invalid, "")
			_, err = f.svc.Book(ctx, tural, "baku-1", "passport", at("13:15")) // lunch
			wantKind(t, err, errs.Invalid, "")
			_, err = f.svc.Book(ctx, tural, "baku-1", "passport", at("07:45").Add(-24*time.Hour)) // past
			wantKind(t, err, errs.Invalid, "")
			_, err = f.svc.Book(ctx, tural, "baku-1", "passport", at("11:00").AddDate(0, 0, 15)) // too far
			wantKind(t, err, errs.Invalid, "")
			_, err = f.svc.Book(ctx, tural, "baku-1", "weapon-permit", at("11:15"))
			wantKind(t, err, errs.Invalid, "")
		})
		t.Run("ClosedOnHolidays", func(t *testing.T) {
			novruz := at("11:00").AddDate(0, 0, 4) // Friday 20 March 2026
			_, err := f.svc.Book(ctx, tural, "baku-1", "passport", novruz)
			wantKind(t, err, errs.Invalid, "")
			c, _ := f.svc.Centre(ctx, "baku-1")
			for _, d := range f.svc.Days(c) {
				if d.Day() == 20 {
					t.Error("Novruz offered for booking")
				}
			}
			if days := f.svc.Days(c); len(days) < 6 || days[0].Day() != 16 {
				t.Errorf("bookable days %v", days)
			}
		})
		t.Run("CancelFreesThePlace", func(t *testing.T) {
			if err := f.svc.Cancel(ctx, person(1), b.Code); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("another person cancelled: %v", err)
			}
			if err := f.svc.Cancel(ctx, tural, b.Code); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.Cancel(ctx, tural, b.Code); errs.KindOf(err) != errs.Conflict {
				t.Fatalf("second cancel: %v", err)
			}
			var taken int
			db.QueryRowContext(ctx, `SELECT taken FROM centers_slots WHERE service = 'passport'`).Scan(&taken)
			if taken != 0 {
				t.Errorf("taken %d after cancel", taken)
			}
			if _, err := f.svc.Book(ctx, tural, "baku-2", "pension", slot); err != nil {
				t.Fatalf("the time is free again: %v", err)
			}
		})
		t.Run("Rebook", func(t *testing.T) {
			list, _ := f.svc.Bookings(ctx, tural.AccountID)
			var active *centers.Booking
			for _, x := range list {
				if x.Status == centers.Booked {
					active = x
				}
			}
			nb, err := f.svc.Rebook(ctx, tural, active.Ref(), at("15:00"))
			if err != nil {
				t.Fatal(err)
			}
			if nb.Centre != "baku-2" || nb.Service != "pension" || !nb.StartsAt.Equal(at("15:00")) {
				t.Errorf("rebooked %+v", nb)
			}
			old, _ := f.svc.Booking(ctx, tural, active.Code)
			if old.Status != centers.Cancelled {
				t.Errorf("old booking %s", old.Status)
			}
		})
	}, migrations...)
}

func TestRemindersOnceTheDayBefore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		tomorrow := at("10:00").AddDate(0, 0, 1)
		b, err := f.svc.Book(ctx, tural, "baku-1", "passport", tomorrow)
		if err != nil {
			t.Fatal(err)
		}
		later, _ := f.svc.Book(ctx, tural, "baku-1", "passport", tomorrow.AddDate(0, 0, 1))
		n, err := f.svc.SendReminders(ctx, f.clock.Now())
		if err != nil || n != 1 {
			t.Fatalf("sent %d, %v; want 1", n, err)
		}
		if n, err := f.svc.SendReminders(ctx, f.clock.Now().Add(time.Hour)); err != nil || n != 0 {
			t.Fatalf("second run sent %d, %v", n, err)
		}
		m, err := f.notify.Message(ctx, "centers.reminder:"+b.Code)
		if err != nil {
			t.Fatal(err)
		}
		if m.AccountID != tural.AccountID || m.Lang != lang.AZ {
			t.Errorf("reminder to %d in %s", m.AccountID, m.Lang)
		}
		if _, err := f.notify.Message(ctx, "centers.reminder:"+later.Code); err == nil {
			t.Error("a booking two days ahead was reminded already")
		}
	}, migrations...)
}

func TestCheckIn(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		b, err := f.svc.Book(ctx, tural, "baku-1", "passport", at("10:00"))
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Set(at("09:29"))
		_, err = f.svc.CheckIn(ctx, "baku-1", b.Ref(), 0)
		wantKind(t, err, errs.Conflict, "centers.error.early")
		if _, err := f.svc.CheckIn(ctx, "baku-2", b.Ref(), 0); errs.KindOf(err) != errs.NotFound {
			t.Errorf("checked in at another centre: %v", err)
		}
		if _, err := f.svc.CheckIn(ctx, "baku-1", b.Code, 999); errs.KindOf(err) != errs.NotFound {
			t.Errorf("someone else checked in from their cabinet: %v", err)
		}
		f.clock.Set(at("09:30"))
		tk, err := f.svc.CheckIn(ctx, "baku-1", b.Code, tural.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Number != "B-001" || tk.DueAt == nil || !tk.DueAt.Equal(at("10:00")) || tk.Person != tural.ID {
			t.Errorf("ticket %+v", tk)
		}
		again, err := f.svc.CheckIn(ctx, "baku-1", b.Code, 0)
		if err != nil || again.ID != tk.ID {
			t.Errorf("second check-in: %v, %v", again, err)
		}
		// A senior (from the registry's birth date) gets the age rule.
		gul := centers.Person{AccountID: 3, ID: "7MJD3TE", Name: "Gülnarə", Lang: lang.AZ}
		g, err := f.svc.Book(ctx, gul, "baku-1", "pension", at("10:00"))
		if err != nil {
			t.Fatal(err)
		}
		gt, err := f.svc.CheckIn(ctx, "baku-1", g.Code, 0)
		if err != nil || gt.Priority != "senior" || gt.Rank != 10 {
			t.Errorf("senior ticket %+v, %v", gt, err)
		}
		// More than ten minutes late lapses the booking.
		late, _ := f.svc.Book(ctx, person(5), "baku-1", "passport", at("10:30"))
		f.clock.Set(at("10:41"))
		_, err = f.svc.CheckIn(ctx, "baku-1", late.Code, 0)
		wantKind(t, err, errs.Conflict, "centers.error.late")
		lb, _ := f.svc.Booking(ctx, person(5), late.Code)
		if lb.Status != centers.Lapsed {
			t.Errorf("late booking is %s", lb.Status)
		}
	}, migrations...)
}

func TestQueueServeRateIndex(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		op := centers.Operator{Login: "asan.operator", Centre: "baku-1"}
		f.clock.Set(at("09:00"))
		w1, wait, err := f.svc.Issue(ctx, "baku-1", "passport", "")
		if err != nil {
			t.Fatal(err)
		}
		if w1.Number != "B-001" || wait != centers.DefaultServiceTime/3 {
			t.Errorf("ticket %s, wait %v", w1.Number, wait)
		}
		f.clock.Add(time.Minute)
		w2, _, _ := f.svc.Issue(ctx, "baku-1", "passport", "")
		f.clock.Add(time.Minute)
		w3, _, err := f.svc.Issue(ctx, "baku-1", "passport", "disability")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Issue(ctx, "baku-1", "passport", "vip"); errs.KindOf(err) != errs.Invalid {
			t.Errorf("unknown priority: %v", err)
		}
		if w2.Number != "B-002" || w3.Number != "B-003" {
			t.Errorf("numbers %s %s", w2.Number, w3.Number)
		}
		if _, err := f.svc.CallNext(ctx, centers.Operator{Login: "x", Centre: "baku-2"}, 6); errs.KindOf(err) != errs.Invalid {
			t.Errorf("desk 6 of baku-2: %v", err)
		}
		// A ticket left from yesterday is never called.
		f.clock.Set(at("09:00").Add(-24 * time.Hour))
		if _, _, err := f.svc.Issue(ctx, "baku-1", "passport", "disability"); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(at("09:02"))
		// Desk 3 serves civil services only: nobody for it.
		if _, err := f.svc.CallNext(ctx, op, 3); errs.KindOf(err) != errs.NotFound {
			t.Errorf("desk 3 called: %v", err)
		}
		f.clock.Set(at("09:03"))
		first, err := f.svc.CallNext(ctx, op, 1)
		if err != nil || first.ID != w3.ID {
			t.Fatalf("called %v, %v; want the priority ticket %s", first, err, w3.Number)
		}
		if _, err := f.svc.CallNext(ctx, op, 1); errs.KindOf(err) != errs.Conflict {
			t.Errorf("called twice to a busy desk: %v", err)
		}
		if _, err := f.svc.Recall(ctx, op, 1); err != nil {
			t.Fatal(err)
		}
		calls, _ := f.svc.Board(ctx, "baku-1", 10)
		if len(calls) != 2 || calls[0].Number != w3.Number || calls[0].Desk != 1 {
			t.Errorf("board %+v", calls)
		}
		// Transfer to desk 2, which calls it first.
		if _, err := f.svc.Transfer(ctx, op, 1, 2); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.CallNext(ctx, op, 2)
		if err != nil || got.ID != w3.ID {
			t.Fatalf("desk 2 called %v, %v", got, err)
		}
		// Desk 1 calls the next walk-in, who does not come.
		n1, _ := f.svc.CallNext(ctx, op, 1)
		if n1.ID != w1.ID {
			t.Errorf("desk 1 called %s, want %s", n1.Number, w1.Number)
		}
		if _, err := f.svc.NoShow(ctx, op, 1); err != nil {
			t.Fatal(err)
		}
		// Serving needs consent when a FIN is given.
		f.clock.Add(12 * time.Minute)
		_, err = f.svc.Serve(ctx, op, 2, "5ZQX7KA", false)
		if e := errs.As(err); e.Kind != errs.Invalid || e.Fields["consent"] == "" {
			t.Fatalf("serve without consent: %v", err)
		}
		out, err := f.svc.Serve(ctx, op, 2, "5zqx7ka", true)
		if err != nil {
			t.Fatal(err)
		}
		if out.Application != "APP00001" || len(f.opened.calls) != 1 || f.opened.calls[0] != "5ZQX7KA/passport/asan.operator" {
			t.Errorf("application %q, hook calls %v", out.Application, f.opened.calls)
		}
		if _, err := f.svc.Serve(ctx, op, 2, "5ZQX7KA", true); errs.KindOf(err) != errs.Conflict || len(f.opened.calls) != 1 {
			t.Errorf("served twice: %v, %d applications", err, len(f.opened.calls))
		}
		consent, err := f.svc.ConsentOf(ctx, w3.ID)
		if err != nil || consent == nil || consent.Person != "5ZQX7KA" || consent.Operator != "asan.operator" ||
			consent.Service != "passport" || consent.Application != "APP00001" || !consent.GivenAt.Equal(f.clock.Now()) {
			t.Errorf("consent %+v, %v", consent, err)
		}
		// Recent service times make the estimate.
		if st, _ := f.svc.ServiceTime(ctx, "baku-1", "passport"); st != 12*time.Minute {
			t.Errorf("service time %v, want 12m", st)
		}
		// Rating: once, with the token only.
		before, _ := f.svc.Index(ctx)
		if err := f.svc.Rate(ctx, out.RatingToken+"x", centers.Rating{Score: 5}); errs.KindOf(err) != errs.NotFound {
			t.Errorf("wrong token: %v", err)
		}
		if err := f.svc.Rate(ctx, out.RatingToken, centers.Rating{Score: 6}); errs.KindOf(err) != errs.Invalid {
			t.Errorf("score 6: %v", err)
		}
		if err := f.svc.Rate(ctx, out.RatingToken, centers.Rating{Score: 4, Comment: "Quick"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Rate(ctx, out.RatingToken, centers.Rating{Score: 1}); errs.KindOf(err) != errs.Conflict {
			t.Errorf("rated twice: %v", err)
		}
		after, err := f.svc.Index(ctx)
		if err != nil {
			t.Fatal(err)
		}
		row := func(rows []centers.IndexRow, level, key string) *centers.IndexRow {
			for i := range rows {
				if rows[i].Level == level && rows[i].Key == key {
					return &rows[i]
				}
			}
			return nil
		}
		for _, k := range [][2]string{{"centre", "baku-1"}, {"agency", "internal-affairs"}, {"service", "passport"}} {
			r := row(after, k[0], k[1])
			if r == nil || r.MeanRating == nil || *r.MeanRating != 4 || r.Ratings != 1 || r.Visits != 1 || r.NoShows != 1 {
				t.Fatalf("%v: %+v", k, r)
			}
			if *r.Scores.Rating != 75 || *r.Scores.Attendance != 50 || r.Score == nil {
				t.Errorf("%v scores %+v", k, r.Scores)
			}
			if b := row(before, k[0], k[1]); b == nil || b.Score == nil || *b.Score == *r.Score {
				t.Errorf("%v: the rating did not change the score", k)
			}
		}
	}, migrations...)
}
