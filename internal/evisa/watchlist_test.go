package evisa_test

import (
	"testing"

	"github.com/egov/egov/internal/evisa"
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
