package evisa_test

import (
	"context"
	"strings"
	"testing"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/evisa"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// One name in Azerbaijani Latin, an English passport's spelling and
// Russian Cyrillic is one name; other names are not.
func TestSoundsLikeAcrossScripts(t *testing.T) {
	for _, tc := range []struct {
		name, a, b string
		want       bool
	}{
		{"Azerbaijani and English", "Məmmədov", "MAMMADOV", true},
		{"Azerbaijani and Russian", "Məmmədov", "Мамедов", true},
		{"English and Russian", "Mammadov", "Мамедов", true},
		{"Russian spelling in English", "Mamedov", "Məmmədov", true},
		{"ç and ч", "Elçin", "Эльчин", true},
		{"ç and ch", "Elçin", "ELCHIN", true},
		{"h and Russian г", "Hüseynov", "Гусейнов", true},
		{"ş and ш", "Şəbnəm", "Шабнам", true},
		{"x and kh", "Xəlilov", "Khalilov", true},
		{"x and х", "Xəlilov", "Халилов", true},
		{"q and g", "Quliyeva", "GULIYEVA", true},
		{"q and Russian к", "Quliyeva", "Кулиева", true},
		{"another name", "Məmmədov", "Mahmudov", false},
		{"another name in Cyrillic", "Məmmədov", "Мухтаров", false},
		{"an English name", "Məmmədov", "SMITH", false},
		{"empty", "", "Mammadov", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := evisa.SoundsLike(tc.a, tc.b); got != tc.want {
				t.Errorf("SoundsLike(%q, %q) = %v, want %v (skeletons %q, %q)", tc.a, tc.b, got, tc.want,
					evisa.Skeleton(tc.a), evisa.Skeleton(tc.b))
			}
		})
	}
}

func TestWatchListMatch(t *testing.T) {
	w := evisa.NewWatchList([]evisa.WatchEntry{
		{Name: "Məmmədov Elçin", Reason: "WL-1"},
		{Name: "Гусейнов Руслан", BirthYear: 1979, Reason: "WL-2"},
	})
	for _, tc := range []struct {
		name, person string
		born         int
		want         string
	}{
		{"passport order and spelling", "MAMMADOV ELCHIN", 1980, "WL-1"},
		{"given name first, Russian", "Эльчин Мамедов", 1980, "WL-1"},
		{"English spelling of a Russian listing", "HUSEYNOV RUSLAN", 1979, "WL-2"},
		{"listed birth year differs", "HUSEYNOV RUSLAN", 1990, ""},
		{"only the surname matches", "MAMMADOV RASHAD", 1980, ""},
		{"the demo foreigner", "SMITH JOHN", 1982, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := w.Match(tc.person, tc.born)
			switch {
			case tc.want == "" && len(got) != 0:
				t.Errorf("%s matched %+v, want nothing", tc.person, got)
			case tc.want != "" && (len(got) != 1 || got[0].Reason != tc.want):
				t.Errorf("%s matched %+v, want %s", tc.person, got, tc.want)
			}
		})
	}
}

// The embedded list parses and finds its own names.
func TestDefaultWatchList(t *testing.T) {
	list := evisa.DefaultWatchList()
	w := evisa.NewWatchList(list)
	for _, e := range list {
		if len(w.Match(e.Name, e.BirthYear)) == 0 {
			t.Errorf("%s does not match itself", e.Name)
		}
	}
}

func FuzzSkeleton(f *testing.F) {
	for _, s := range []string{"Məmmədov", "Мамедов", "MAMMADOV", "", "İİıı", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		s := evisa.Skeleton(name)
		for i := 0; i < len(s); i++ {
			if s[i] < 'a' || s[i] > 'z' {
				t.Fatalf("Skeleton(%q) = %q: not plain lower-case letters", name, s)
			}
		}
		if name != "" && !evisa.SoundsLike(name, name) && s != "" {
			t.Fatalf("%q does not sound like itself", name)
		}
	})
}

// Officials keep the watch list: a bad entry is refused field by field,
// a reference is listed once, every change is audited, and an
// application paid after an addition is checked against it; one paid
// after the removal is not.
func TestWatchListKept(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, err := f.svc.AddWatchEntry(ctx, operator, "  ", "1890", strings.Repeat("x", 65))
		fields := errs.As(err).Fields
		if fields["name"] != "evisa.error.watch_name" || fields["birth_year"] != "evisa.error.watch_birth_year" || fields["reason"] != "evisa.error.watch_reason" {
			t.Fatalf("bad entry: %v", err)
		}
		if _, err := f.svc.AddWatchEntry(ctx, operator, "Smith", "", "WL-7"); errs.As(err).Fields["reason"] != "evisa.error.watch_reason_taken" {
			t.Fatalf("a reference listed twice: %v", err)
		}
		e, err := f.svc.AddWatchEntry(ctx, operator, "  Smith   John ", "1982", " WL-2026-0042 ")
		if err != nil || e.Name != "Smith John" || e.BirthYear != 1982 || e.Reason != "WL-2026-0042" {
			t.Fatalf("AddWatchEntry = %+v, %v", e, err)
		}
		list, err := f.svc.WatchEntries(ctx)
		if err != nil || len(list) != 2 || list[1].Reason != "WL-2026-0042" || list[1].AddedBy != operator.Subject {
			t.Fatalf("WatchEntries = %+v, %v", list, err)
		}
		flagsOf := func(passport string) []string {
			t.Helper()
			p := smithForm()
			p.Number = passport
			a := f.applyAndPay(t, "standard", p)
			return a.People[0].Flags
		}
		if got := flagsOf("500000010"); len(got) != 1 || got[0] != "watchlist:WL-2026-0042" {
			t.Errorf("flags after the addition: %v", got)
		}
		if err := f.svc.RemoveWatchEntry(ctx, operator, e.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RemoveWatchEntry(ctx, operator, e.ID); errs.KindOf(err) != errs.NotFound {
			t.Errorf("removing twice: %v", err)
		}
		if got := flagsOf("500000011"); len(got) != 0 {
			t.Errorf("flags after the removal: %v", got)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action IN ('evisa.watchlist.add', 'evisa.watchlist.remove')`); n != 2 {
			t.Errorf("%d audited changes, want 2", n)
		}
	}, migrations...)
}
