// Package workdays is Azerbaijan's working-day calendar. Deadlines of
// applications and official letters are counted in working days, so they
// skip weekends, public holidays (Labour Code art. 105) and the rest days
// the holidays bring with them.
//
// The holidays are data (calendar.json, embedded) because the religious
// holidays and the Cabinet's transfers of rest days change every year; the
// code derives the rest days that art. 105.5 grants when a holiday falls on
// a weekend or on another holiday, so the rule is written once.
package workdays

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/egov/egov/internal/lang"
)

//go:embed calendar.json
var calendarJSON []byte

// baku is Asia/Baku. Azerbaijan abolished DST in 2016, so a fixed zone is
// exact and needs no tzdata on the host.
var baku = time.FixedZone("Baku", 4*3600)

// Holiday kinds. Only the mourning day earns no rest day when it falls on
// a weekend.
const (
	KindPublic    = "public"
	KindReligious = "religious"
	KindMourning  = "mourning"
)

// day is a civil date as days since 1970-01-01: cheap to compare, add to
// and use as a map key.
type day int32

func civil(y int, m time.Month, d int) day {
	return day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dayOf is the Baku date of the instant t.
func dayOf(t time.Time) day {
	y, m, d := t.In(baku).Date()
	return civil(y, m, d)
}

func (d day) date() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// weekend is computed without time.Time: 1970-01-01 was a Thursday.
func (d day) weekend() bool {
	wd := time.Weekday(((int(d) % 7) + 7 + int(time.Thursday)) % 7)
	return wd == time.Saturday || wd == time.Sunday
}

func (d day) String() string { return d.date().Format(time.DateOnly) }

// Calendar answers which Baku dates are working days. It is immutable
// after Parse and safe for concurrent use.
type Calendar struct {
	years    map[int]bool
	first    int // the first and last years the data fills, for messages
	last     int
	holidays map[day][]lang.Text
	off      map[day]bool // Monday–Friday dates that are not working days
	work     map[day]bool // Saturdays and Sundays made working days
	// start and table answer working() for the years the data fills (and
	// the month after) with one slice index: deadlines are computed day by
	// day, often hundreds of days at a time.
	start day
	table []uint8
	warn  sync.Once
}

const (
	flagWorking uint8 = 1 << iota
	flagCovered
)

var defaultCalendar = sync.OnceValue(func() *Calendar {
	c, err := Parse(calendarJSON)
	if err != nil {
		panic("workdays: embedded calendar.json: " + err.Error())
	}
	return c
})

// Default is the embedded calendar, parsed on first use. A test parses the
// embedded file, so the panic cannot happen in a build that passed tests.
func Default() *Calendar { return defaultCalendar() }

type calendarFile struct {
	Readme []string   `json:"readme"`
	Years  []yearData `json:"years"`
}

type yearData struct {
	Year      int            `json:"year"`
	Holidays  []holidayData  `json:"holidays"`
	Transfers []transferData `json:"transfers"`
	ExtraRest []extraData    `json:"extra_rest"`
}

type holidayData struct {
	Date string    `json:"date"`
	Kind string    `json:"kind"`
	Name lang.Text `json:"name"`
	// Approximate marks a date not yet announced officially; it is
	// documentation for whoever maintains the file.
	Approximate bool `json:"approximate"`
}

type transferData struct {
	Rest   string `json:"rest"`
	Work   string `json:"work"`
	Reason string `json:"reason"`
}

type extraData struct {
	Date   string `json:"date"`
	Reason string `json:"reason"`
}

// Parse reads a calendar in the format of calendar.json. Unknown fields are
// refused so that a typo in the data cannot silently drop a holiday.
func Parse(data []byte) (*Calendar, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f calendarFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("workdays: %w", err)
	}
	if len(f.Years) == 0 {
		return nil, fmt.Errorf("workdays: no years")
	}
	c := &Calendar{
		years:    map[int]bool{},
		holidays: map[day][]lang.Text{},
		off:      map[day]bool{},
		work:     map[day]bool{},
	}
	// shifting[d] counts the holidays on d that earn a rest day when they
	// cannot be taken, fixed[d] those that do not (the mourning day).
	shifting, fixed := map[day]int{}, map[day]int{}
	for _, y := range f.Years {
		if y.Year < 1992 || y.Year > 9999 {
			return nil, fmt.Errorf("workdays: year %d out of range", y.Year)
		}
		if c.years[y.Year] {
			return nil, fmt.Errorf("workdays: year %d listed twice", y.Year)
		}
		c.years[y.Year] = true
		if c.first == 0 || y.Year < c.first {
			c.first = y.Year
		}
		c.last = max(c.last, y.Year)
		seen := map[string]bool{}
		for _, h := range y.Holidays {
			d, err := parseDate(h.Date, y.Year)
			if err != nil {
				return nil, err
			}
			if h.Name.AZ == "" || h.Name.EN == "" || h.Name.RU == "" {
				return nil, fmt.Errorf("workdays: holiday %s needs a name in az, en and ru", h.Date)
			}
			if seen[h.Date+"\x00"+h.Name.AZ] {
				return nil, fmt.Errorf("workdays: holiday %s %q listed twice", h.Date, h.Name.AZ)
			}
			seen[h.Date+"\x00"+h.Name.AZ] = true
			switch h.Kind {
			case KindPublic, KindReligious:
				shifting[d]++
			case KindMourning:
				fixed[d]++
			default:
				return nil, fmt.Errorf("workdays: holiday %s: unknown kind %q", h.Date, h.Kind)
			}
			c.holidays[d] = append(c.holidays[d], h.Name)
			if !d.weekend() {
				c.off[d] = true
			}
		}
		for _, t := range y.Transfers {
			rest, err := parseDate(t.Rest, y.Year)
			if err != nil {
				return nil, err
			}
			work, err := parseDate(t.Work, 0)
			if err != nil {
				return nil, err
			}
			if rest.weekend() {
				return nil, fmt.Errorf("workdays: transfer: rest day %s is already a weekend day", t.Rest)
			}
			if !work.weekend() {
				return nil, fmt.Errorf("workdays: transfer: working day %s is not a Saturday or Sunday", t.Work)
			}
			c.off[rest] = true
			c.work[work] = true
		}
		for _, e := range y.ExtraRest {
			d, err := parseDate(e.Date, y.Year)
			if err != nil {
				return nil, err
			}
			if d.weekend() {
				return nil, fmt.Errorf("workdays: extra rest day %s is already a weekend day", e.Date)
			}
			c.off[d] = true
		}
	}
	// A transfer may be listed before the holiday it collides with, so the
	// check runs once all years are read.
	for d := range c.work {
		if shifting[d]+fixed[d] > 0 {
			return nil, fmt.Errorf("workdays: transfer: working day %s is a holiday", d)
		}
	}
	c.deriveRestDays(shifting, fixed)
	c.start = civil(c.first, time.January, 1)
	c.table = make([]uint8, civil(c.last+1, time.February, 1)-c.start)
	for i := range c.table {
		d := c.start + day(i)
		if c.work[d] || !d.weekend() && !c.off[d] {
			c.table[i] |= flagWorking
		}
		if c.years[d.date().Year()] {
			c.table[i] |= flagCovered
		}
	}
	return c, nil
}

// deriveRestDays applies art. 105.5. Walking the days in order, every
// holiday that cannot be taken on a day of its own — because it falls on a
// weekend or shares its day with another holiday — earns a credit, and
// each credit makes the next free Monday–Friday a rest day. Credits run on
// across holidays and year ends (31 December on a Saturday with 1–2
// January gives three rest days from 3 January).
//
// It runs after the transfers are known: c.off then holds the weekday
// holidays and the Cabinet's rest days, none of which can take a credit.
func (c *Calendar) deriveRestDays(shifting, fixed map[day]int) {
	start := civil(c.first, time.January, 1)
	// A month past the last year is ample: credits are spent within days.
	end := civil(c.last+1, time.February, 1)
	credits := 0
	for d := start; d < end; d++ {
		s, f := shifting[d], fixed[d]
		if s+f == 0 {
			if credits > 0 && !d.weekend() && !c.off[d] {
				c.off[d] = true
				credits--
			}
			continue
		}
		slots := 0 // working days the holidays of d can take: one on a weekday
		if !d.weekend() {
			slots = 1
		}
		// The mourning day takes its slot first: it earns nothing either way.
		free := max(0, slots-f)
		credits += max(0, s-free)
	}
}

// parseDate reads YYYY-MM-DD, checking it lies in year unless year is 0.
func parseDate(s string, year int) (day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("workdays: bad date %q: want YYYY-MM-DD", s)
	}
	if year != 0 && t.Year() != year {
		return 0, fmt.Errorf("workdays: date %s is not in year %d", s, year)
	}
	return civil(t.Date()), nil
}

// Covers reports whether d's Baku date lies in a year the data fills.
func (c *Calendar) Covers(d time.Time) bool { return c.years[d.In(baku).Year()] }

// IsWorkingDay reports whether d's Baku date is a working day.
func (c *Calendar) IsWorkingDay(d time.Time) bool { return c.working(dayOf(d)) }

func (c *Calendar) working(d day) bool {
	var flags uint8
	if i := int(d - c.start); i >= 0 && i < len(c.table) {
		flags = c.table[i]
	} else if !d.weekend() {
		flags = flagWorking
	}
	if flags&flagCovered == 0 {
		c.warn.Do(func() {
			slog.Warn("workdays: date outside the holiday calendar; only weekends count as non-working days",
				"date", d.String(), "covered", fmt.Sprintf("%d–%d", c.first, c.last))
		})
	}
	return flags&flagWorking != 0
}

// Holiday returns the name of the public holiday on d's Baku date. When two
// holidays share a date (Novruz and Ramazan in 2026) the names are joined.
// Rest days derived from holidays are not holidays themselves.
func (c *Calendar) Holiday(d time.Time) (name lang.Text, ok bool) {
	names := c.holidays[dayOf(d)]
	if len(names) == 0 {
		return lang.Text{}, false
	}
	join := func(get func(lang.Text) string) string {
		var parts []string
		for _, n := range names {
			if s := get(n); !slices.Contains(parts, s) {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	}
	return lang.Text{
		AZ: join(func(t lang.Text) string { return t.AZ }),
		EN: join(func(t lang.Text) string { return t.EN }),
		RU: join(func(t lang.Text) string { return t.RU }),
	}, true
}

// registration is the day a submission made on d counts as received: d
// itself when it is a working day, otherwise the next working day.
func (c *Calendar) registration(d day) day {
	for !c.working(d) {
		d++
	}
	return d
}

// endOf is the last millisecond of d in Baku, when a deadline on d expires.
func endOf(d day) time.Time {
	y, m, dd := d.date().Date()
	return time.Date(y, m, dd, 23, 59, 59, 999_000_000, baku)
}

// AddWorkingDays is the deadline of a term of n working days starting at
// from: the end (23:59:59.999 Baku time) of the n-th working day after the
// day from is received. A submission on a non-working day is received on
// the next working day, so a Saturday submission with n = 1 is due on
// Tuesday, and n = 0 is the end of the day of receipt. A negative n counts
// as 0.
func (c *Calendar) AddWorkingDays(from time.Time, n int) time.Time {
	d := c.registration(dayOf(from))
	for i := 0; i < n; {
		d++
		if c.working(d) {
			i++
		}
	}
	return endOf(d)
}

// WorkingDaysBetween counts the working days after from's day of receipt
// (see AddWorkingDays) up to and including to's Baku date, so that
// WorkingDaysBetween(from, AddWorkingDays(from, n)) == n: "due in N working
// days". It is 0 when to falls between from and its day of receipt, and
// negative — minus the working days from to's date up to the day of
// receipt — when to is earlier than from.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	f, t := dayOf(from), dayOf(to)
	r := c.registration(f)
	switch {
	case t >= r:
		return c.count(r, t)
	case t >= f:
		return 0
	default:
		return -c.count(t, r)
	}
}

// count is the number of working days in (a, b].
func (c *Calendar) count(a, b day) int {
	n := 0
	for d := a + 1; d <= b; d++ {
		if c.working(d) {
			n++
		}
	}
	return n
}
