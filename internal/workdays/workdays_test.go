package workdays_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/egov/egov/internal/workdays"
)

var baku = time.FixedZone("Baku", 4*3600)

// date is noon of a Baku date, clear of any day boundary.
func date(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, baku)
	if err != nil {
		panic(err)
	}
	return t.Add(12 * time.Hour)
}

func TestDefaultParses(t *testing.T) {
	c := workdays.Default()
	for _, y := range []int{2025, 2026, 2027} {
		if !c.Covers(time.Date(y, 6, 1, 0, 0, 0, 0, baku)) {
			t.Errorf("Covers(%d) = false", y)
		}
	}
	if c.Covers(date("2024-12-31")) || c.Covers(date("2028-01-01")) {
		t.Error("Covers outside 2025–2027 = true")
	}
}

// restDays is every Monday–Friday that is not a working day, by year: the
// weekday holidays plus the rest days art. 105.5 derives. It is written out
// by hand so that a change to the data or the rule shows up here.
var restDays = map[int][]string{
	2025: {
		"01-01", "01-02", // New Year, Wed–Thu
		"01-20",                   // National Mourning Day, Mon
		"03-10",                   // for 8 March, a Saturday
		"03-20", "03-21", "03-24", // Novruz on Thu, Fri, Mon
		"03-25", "03-26", // for Novruz on Sat 22 and Sun 23
		"03-31",          // Ramazan, Mon
		"04-01",          // for Ramazan on Sun 30 March
		"05-09",          // Fri
		"05-28",          // Wed
		"06-06",          // Qurban, Fri
		"06-09",          // for Qurban on Sat 7 June
		"06-16",          // for 15 June, a Sunday
		"06-26",          // Thu
		"11-10", "11-11", // for 8 and 9 November, Sat–Sun
		"12-31", // Wed
	},
	2026: {
		"01-01", "01-02", "01-20",
		"03-09",                   // for 8 March, a Sunday
		"03-20", "03-23", "03-24", // Novruz on Fri, Mon, Tue
		"03-25", "03-26", "03-27", "03-30", // for Novruz Sat 21 and Sun 22, and Ramazan on Novruz 20 and 21
		"05-11",          // for 9 May, a Saturday
		"05-27", "05-28", // Qurban, Wed–Thu; 28 May is also Independence Day
		"05-29", // for Qurban sharing 28 May with Independence Day
		"06-15", "06-26",
		"11-09", // Flag Day, Mon
		"11-10", // for Victory Day on Sunday 8 November
		"12-31",
	},
	2027: {
		"01-01", // Fri
		"01-04", // for 2 January, a Saturday
		"01-20",
		"03-08",
		"03-10", "03-11", // Ramazan, Wed–Thu
		"03-22", "03-23", "03-24", // Novruz on Mon–Wed
		"03-25", "03-26", // for Novruz on Sat 20 and Sun 21
		"05-10",          // for 9 May, a Sunday
		"05-17", "05-18", // Qurban, Mon–Tue
		"05-28",
		"06-15",
		"06-28", // for 26 June, a Saturday
		"11-08", "11-09",
		"12-31",
	},
}

func TestRestDaysTable(t *testing.T) {
	c := workdays.Default()
	for year, want := range restDays {
		var got []string
		for d := time.Date(year, 1, 1, 12, 0, 0, 0, baku); d.Year() == year; d = d.AddDate(0, 0, 1) {
			weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
			working := c.IsWorkingDay(d)
			if weekend && working {
				t.Errorf("%s is a weekend day but a working day (no transfers are encoded)", d.Format(time.DateOnly))
			}
			if !weekend && !working {
				got = append(got, d.Format("01-02"))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%d weekday rest days:\n got %v\nwant %v", year, got, want)
		}
	}
}

func TestKnownDates(t *testing.T) {
	c := workdays.Default()
	for _, tc := range []struct {
		date    string
		working bool
		holiday string // English name, "" when none
	}{
		{"2025-01-01", false, "New Year"},
		{"2025-01-03", true, ""},
		{"2025-01-20", false, "National Mourning Day"}, // Monday
		{"2025-03-19", true, ""},
		{"2025-03-20", false, "Novruz"},
		{"2025-03-22", false, "Novruz"}, // Saturday
		{"2025-03-24", false, "Novruz"},
		// Novruz's Saturday and Sunday move to 25 and 26 March (art. 105.5).
		{"2025-03-25", false, ""},
		{"2025-03-26", false, ""},
		{"2025-03-27", true, ""},
		{"2025-03-30", false, "Eid al-Fitr (Ramazan Bayram)"}, // Sunday
		{"2025-03-31", false, "Eid al-Fitr (Ramazan Bayram)"},
		{"2025-04-01", false, ""},
		{"2025-04-02", true, ""},
		{"2025-06-06", false, "Eid al-Adha (Gurban Bayram)"},
		{"2025-06-09", false, ""},
		{"2025-06-10", true, ""},
		{"2025-11-08", false, "Victory Day"},       // Saturday
		{"2025-11-09", false, "National Flag Day"}, // Sunday
		{"2025-11-10", false, ""},
		{"2025-11-11", false, ""},
		{"2025-11-12", true, ""},
		{"2025-12-13", false, ""}, // an ordinary Saturday
		{"2025-12-14", false, ""}, // and Sunday
		{"2026-03-20", false, "Novruz, Eid al-Fitr (Ramazan Bayram)"},
		{"2026-03-30", false, ""},
		{"2026-03-31", true, ""},
		{"2026-05-28", false, "Independence Day, Eid al-Adha (Gurban Bayram)"},
		{"2027-01-20", false, "National Mourning Day"}, // Wednesday
	} {
		d := date(tc.date)
		if got := c.IsWorkingDay(d); got != tc.working {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tc.date, got, tc.working)
		}
		name, ok := c.Holiday(d)
		if ok != (tc.holiday != "") || name.EN != tc.holiday {
			t.Errorf("Holiday(%s) = %q, %v; want %q", tc.date, name.EN, ok, tc.holiday)
		}
		if ok && (name.AZ == "" || name.RU == "") {
			t.Errorf("Holiday(%s) lacks a translation: %+v", tc.date, name)
		}
	}
}

// The mourning day on a weekend earns no rest day; other holidays do.
func TestMourningDayNotShifted(t *testing.T) {
	c, err := workdays.Parse([]byte(`{"years": [{"year": 2030, "holidays": [
		{"date": "2030-01-20", "kind": "mourning", "name": {"az": "a", "en": "b", "ru": "c"}}
	]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	// 20 January 2030 is a Sunday.
	if !c.IsWorkingDay(date("2030-01-21")) {
		t.Error("Monday after the mourning day on a Sunday is a rest day")
	}
}

func TestInstantsUseBakuDate(t *testing.T) {
	c := workdays.Default()
	// 19 March 2025 21:00 UTC is already 20 March (Novruz) in Baku.
	if c.IsWorkingDay(time.Date(2025, 3, 19, 21, 0, 0, 0, time.UTC)) {
		t.Error("19 March 21:00 UTC counted as a working day; in Baku it is 20 March")
	}
	if !c.IsWorkingDay(time.Date(2025, 3, 19, 19, 59, 0, 0, time.UTC)) {
		t.Error("19 March 19:59 UTC (23:59 Baku) is a working day")
	}
}

func TestTransfers(t *testing.T) {
	c, err := workdays.Parse([]byte(`{"years": [{"year": 2030,
		"holidays": [{"date": "2030-01-01", "kind": "public", "name": {"az": "a", "en": "b", "ru": "c"}}],
		"transfers": [{"rest": "2030-01-04", "work": "2030-01-12", "reason": "test decision"}],
		"extra_rest": [{"date": "2030-01-08", "reason": "test"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		date    string
		working bool
	}{
		{"2030-01-01", false}, // Tuesday holiday
		{"2030-01-04", false}, // Friday made a rest day
		{"2030-01-07", true},
		{"2030-01-08", false}, // extra rest day
		{"2030-01-11", true},
		{"2030-01-12", true}, // Saturday made a working day
		{"2030-01-13", false},
	} {
		if got := c.IsWorkingDay(date(tc.date)); got != tc.working {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tc.date, got, tc.working)
		}
	}
	// Thu 3 Jan + 3: Fri 4 and Tue 8 do not count; Wed 9 Jan + 3 ends on
	// the working Saturday.
	if got, want := c.AddWorkingDays(date("2030-01-03"), 3), "2030-01-10"; got.Format(time.DateOnly) != want {
		t.Errorf("AddWorkingDays across transfers = %s, want %s", got.Format(time.DateOnly), want)
	}
	if got, want := c.AddWorkingDays(date("2030-01-09"), 3), "2030-01-12"; got.Format(time.DateOnly) != want {
		t.Errorf("AddWorkingDays across transfers = %s, want %s", got.Format(time.DateOnly), want)
	}
}

// Credits are spent on the next free weekday, across a year end too.
func TestShiftAcrossYearEnd(t *testing.T) {
	h := func(d string) string {
		return `{"date": "` + d + `", "kind": "public", "name": {"az": "a", "en": "b", "ru": "c"}}`
	}
	// 31 December 2033 is a Saturday, 1–2 January 2034 Sunday and Monday.
	c, err := workdays.Parse([]byte(`{"years": [
		{"year": 2033, "holidays": [` + h("2033-12-31") + `]},
		{"year": 2034, "holidays": [` + h("2034-01-01") + `, ` + h("2034-01-02") + `]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string]bool{"2034-01-02": false, "2034-01-03": false, "2034-01-04": false, "2034-01-05": true} {
		if got := c.IsWorkingDay(date(d)); got != want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", d, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	name := `"name": {"az": "a", "en": "b", "ru": "c"}`
	for _, tc := range []struct{ json, want string }{
		{`{}`, "no years"},
		{`{"years": [{"year": 2030, "holidays": [{"date": "2030-13-01", "kind": "public", ` + name + `}]}]}`, "bad date"},
		{`{"years": [{"year": 2030, "holidays": [{"date": "2031-01-01", "kind": "public", ` + name + `}]}]}`, "not in year"},
		{`{"years": [{"year": 2030, "holidays": [{"date": "2030-01-01", "kind": "party", ` + name + `}]}]}`, "unknown kind"},
		{`{"years": [{"year": 2030, "holidays": [{"date": "2030-01-01", "kind": "public", "name": {"az": "a"}}]}]}`, "az, en and ru"},
		{`{"years": [{"year": 2030, "holidays": [{"date": "2030-01-01", "kind": "public", "nmae": {}}]}]}`, "unknown field"},
		{`{"years": [{"year": 2030}, {"year": 2030}]}`, "twice"},
		{`{"years": [{"year": 2030, "transfers": [{"rest": "2030-01-05", "work": "2030-01-12"}]}]}`, "already a weekend"},
		{`{"years": [{"year": 2030, "transfers": [{"rest": "2030-01-04", "work": "2030-01-10"}]}]}`, "not a Saturday"},
		{`{"years": [{"year": 2030, "holidays": [{"date": "2030-01-05", "kind": "public", ` + name + `}], "transfers": [{"rest": "2030-01-04", "work": "2030-01-05"}]}]}`, "is a holiday"},
		{`{"years": [{"year": 2030, "extra_rest": [{"date": "2030-01-05"}]}]}`, "already a weekend"},
	} {
		_, err := workdays.Parse([]byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%s) = %v, want an error containing %q", tc.json, err, tc.want)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := workdays.Default()
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2025-03-19", 0, "2025-03-19"},
		{"2025-03-19", 1, "2025-03-27"}, // Novruz and its two rest days skipped
		{"2025-03-19", 2, "2025-03-28"},
		{"2025-12-30", 1, "2026-01-05"}, // 31 Dec, 1–2 Jan, the weekend
		{"2025-12-30", 3, "2026-01-07"},
		{"2025-12-31", 0, "2026-01-05"}, // received on the next working day
		// A Saturday submission is received on Monday; day 1 is Tuesday.
		{"2025-12-13", 0, "2025-12-15"},
		{"2025-12-13", 1, "2025-12-16"},
		{"2025-12-13", 15, "2026-01-08"}, // an official letter's 15 working days across New Year
		{"2025-06-05", 1, "2025-06-10"},  // Qurban Fri, Sat, rest day Mon 9 June
		{"2025-06-05", -3, "2025-06-05"}, // a negative term counts as 0
	} {
		got := c.AddWorkingDays(date(tc.from), tc.n)
		w := date(tc.want)
		want := time.Date(w.Year(), w.Month(), w.Day(), 23, 59, 59, 999_000_000, baku)
		if !got.Equal(want) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.from, tc.n, got, want)
		}
	}
}

func TestAcrossNovruzAndRamazan(t *testing.T) {
	// The brief's example, spelled out: Wed 19 March 2025 + 3 working days.
	// 20–24 are Novruz, 25–26 its rest days, 27 and 28 count, 29–30 are the
	// weekend, 31 is Ramazan and 1 April its rest day: day 3 is 2 April.
	got := workdays.Default().AddWorkingDays(date("2025-03-19"), 3)
	if got.Format(time.DateOnly) != "2025-04-02" {
		t.Errorf("AddWorkingDays(19 March 2025, 3) = %s, want 2025-04-02", got.Format(time.DateOnly))
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := workdays.Default()
	for _, tc := range []struct {
		from, to string
		want     int
	}{
		{"2025-03-19", "2025-03-19", 0},
		{"2025-03-19", "2025-03-27", 1},
		{"2025-03-19", "2025-04-02", 3},
		{"2025-12-30", "2026-01-07", 3},
		{"2025-12-12", "2025-12-15", 1}, // Friday to Monday
		{"2025-12-13", "2025-12-13", 0}, // Saturday, same day
		{"2025-12-13", "2025-12-14", 0}, // before the day of receipt
		{"2025-12-13", "2025-12-15", 0}, // Monday is the day of receipt
		{"2025-12-13", "2025-12-16", 1},
		{"2025-12-15", "2025-12-12", -1}, // overdue since Friday, seen on Monday
		{"2025-12-13", "2025-12-12", -1}, // and seen on Saturday
		{"2025-12-17", "2025-12-12", -3},
		{"2027-12-30", "2028-01-04", 2}, // past the data: weekends only
	} {
		if got := c.WorkingDaysBetween(date(tc.from), date(tc.to)); got != tc.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestAddWorkingDaysResult(t *testing.T) {
	c := workdays.Default()
	got := c.AddWorkingDays(date("2025-03-19"), 2)
	if name, _ := got.Zone(); name != "Baku" || got.Hour() != 23 || got.Minute() != 59 || got.Nanosecond() != 999_000_000 {
		t.Errorf("deadline %s is not the end of a Baku day", got)
	}
}

// checkConsistent asserts WorkingDaysBetween(from, AddWorkingDays(from, n))
// == n and that every deadline ends a working day.
func checkConsistent(t *testing.T, c *workdays.Calendar, from time.Time, n int) {
	t.Helper()
	due := c.AddWorkingDays(from, n)
	if !c.IsWorkingDay(due) {
		t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day", from, n, due)
	}
	if got := c.WorkingDaysBetween(from, due); got != n {
		t.Fatalf("WorkingDaysBetween(%s, AddWorkingDays(.., %d) = %s) = %d", from, n, due, got)
	}
	if got := c.WorkingDaysBetween(due, from); n > 0 && got >= 0 {
		t.Fatalf("WorkingDaysBetween(%s, %s) = %d, want negative", due, from, got)
	}
}

var span = time.Date(2028, 1, 1, 0, 0, 0, 0, baku).Sub(time.Date(2025, 1, 1, 0, 0, 0, 0, baku))

func TestAddBetweenProperty(t *testing.T) {
	c := workdays.Default()
	r := rand.New(rand.NewPCG(2025, 105))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, baku)
	for range 60 {
		from := start.Add(time.Duration(r.Int64N(int64(span))))
		for n := 0; n <= 400; n++ {
			checkConsistent(t, c, from, n)
		}
	}
}

func FuzzAddWorkingDays(f *testing.F) {
	f.Add(int64(0), uint16(0))
	f.Add(int64(77*24*3600), uint16(3)) // 19 March 2025
	f.Add(int64(363*24*3600), uint16(400))
	c := workdays.Default()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, baku)
	f.Fuzz(func(t *testing.T, offset int64, n uint16) {
		if offset < 0 {
			offset = -offset
		}
		from := start.Add(time.Duration(offset%int64(span/time.Second)) * time.Second)
		checkConsistent(t, c, from, int(n%401))
	})
}
