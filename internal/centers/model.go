// Package centers runs the service centres (ASAN xidmət): many state
// bodies' services under one roof, served at desks. It holds the centres
// with their hours, services and desks; appointments booked online with a
// capacity per 15-minute slot enforced by the database; the queue of
// walk-in tickets and checked-in appointments with priorities as data; the
// desk operator's work (call, recall, no-show, transfer, serve — serving
// opens the service's application with the person's consent recorded); a
// display board; one-time ratings and the public service index.
package centers

import (
	"crypto/rand"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

// SlotLength is the length of a bookable slot.
const SlotLength = 15 * time.Minute

// BookingDays is how many days ahead a slot can be booked.
const BookingDays = 14

// Arrival rules: a booked person checks in at most EarlyCheckin before
// the time, and a booking not checked in LateCancel after it lapses.
const (
	EarlyCheckin = 30 * time.Minute
	LateCancel   = 10 * time.Minute
)

// Day is one weekday's opening hours as "HH:MM"; a lunch break is
// optional.
type Day struct {
	Open      string `json:"open"`
	Close     string `json:"close"`
	LunchFrom string `json:"lunch_from,omitempty"`
	LunchTo   string `json:"lunch_to,omitempty"`
}

// Hours are a centre's opening hours per weekday (time.Sunday = 0); a
// missing weekday is closed.
type Hours map[time.Weekday]Day

// Centre is one service centre.
type Centre struct {
	Slug     string
	Name     lang.Text
	Address  lang.Text
	Hours    Hours
	Services []Offer // the services offered, each with its ticket letter
	Desks    []Desk
}

// Offer is a catalog service offered at a centre, with the letter its
// tickets carry.
type Offer struct {
	Service string
	Letter  string
}

// Desk is a numbered desk and the services it serves.
type Desk struct {
	Number   int
	Services []string
}

// Offers reports whether the centre offers the service.
func (c *Centre) Offers(service string) bool {
	return slices.ContainsFunc(c.Services, func(o Offer) bool { return o.Service == service })
}

// Letter is the ticket letter of a service at the centre, or "".
func (c *Centre) Letter(service string) string {
	for _, o := range c.Services {
		if o.Service == service {
			return o.Letter
		}
	}
	return ""
}

// Capacity is the number of desks that serve the service: how many
// people can be booked into one slot.
func (c *Centre) Capacity(service string) int {
	n := 0
	for _, d := range c.Desks {
		if slices.Contains(d.Services, service) {
			n++
		}
	}
	return n
}

// Desk is the desk numbered n, or nil.
func (c *Centre) Desk(n int) *Desk {
	for i := range c.Desks {
		if c.Desks[i].Number == n {
			return &c.Desks[i]
		}
	}
	return nil
}

func clock(s string) (time.Duration, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 {
		return 0, false
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, true
}

// Validate checks that every day's times are HH:MM in order.
func (h Hours) Validate() error {
	for wd, d := range h {
		o, ok1 := clock(d.Open)
		c, ok2 := clock(d.Close)
		if !ok1 || !ok2 || o >= c {
			return fmt.Errorf("centers: hours of %s: %q–%q", wd, d.Open, d.Close)
		}
		if d.LunchFrom != "" || d.LunchTo != "" {
			lf, ok3 := clock(d.LunchFrom)
			lt, ok4 := clock(d.LunchTo)
			if !ok3 || !ok4 || lf >= lt || lf < o || lt > c {
				return fmt.Errorf("centers: lunch of %s: %q–%q", wd, d.LunchFrom, d.LunchTo)
			}
		}
	}
	return nil
}

// Slots lists the starts of the 15-minute slots of the day that contains
// date (in Baku), within opening hours and outside the lunch break.
func (h Hours) Slots(date time.Time) []time.Time {
	local := date.In(web.Baku)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, web.Baku)
	d, ok := h[midnight.Weekday()]
	if !ok {
		return nil
	}
	open, _ := clock(d.Open)
	closing, _ := clock(d.Close)
	lf, hasLunch := clock(d.LunchFrom)
	lt, _ := clock(d.LunchTo)
	var out []time.Time
	for t := open; t+SlotLength <= closing; t += SlotLength {
		if hasLunch && t+SlotLength > lf && t < lt {
			continue
		}
		out = append(out, midnight.Add(t).UTC())
	}
	return out
}

// IsSlot reports whether t starts a slot of the centre's hours.
func (h Hours) IsSlot(t time.Time) bool {
	return slices.ContainsFunc(h.Slots(t), func(s time.Time) bool { return s.Equal(t) })
}

// OpenAt reports whether the centre is open at t (lunch counts as closed).
func (h Hours) OpenAt(t time.Time) bool {
	local := t.In(web.Baku)
	d, ok := h[local.Weekday()]
	if !ok {
		return false
	}
	since := time.Duration(local.Hour())*time.Hour + time.Duration(local.Minute())*time.Minute
	open, _ := clock(d.Open)
	closing, _ := clock(d.Close)
	if since < open || since >= closing {
		return false
	}
	if lf, ok := clock(d.LunchFrom); ok {
		lt, _ := clock(d.LunchTo)
		if since >= lf && since < lt {
			return false
		}
	}
	return true
}

// Weekdays lists Monday to Sunday, the order hours are shown in.
var Weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// Booking statuses.
const (
	Booked    = "booked"
	CheckedIn = "checked_in"
	Cancelled = "cancelled"
	Lapsed    = "lapsed" // not checked in within LateCancel of its time
)

// Booking is one person's appointment.
type Booking struct {
	ID          int64
	Code        string // 8 characters of codeAlphabet, shown as XXXX-XXXX
	Centre      string
	Service     string
	AccountID   int64
	Person      string // the FIN, or the foreigner's subject
	Name        string
	Lang        lang.Lang
	StartsAt    time.Time
	Status      string
	RemindedAt  *time.Time
	CreatedAt   time.Time
	CancelledAt *time.Time
	TicketID    int64
}

// Ref is the booking's code as people read it.
func (b *Booking) Ref() string { return FormatCode(b.Code) }

// Active reports whether the booking still holds its place.
func (b *Booking) Active() bool { return b.Status == Booked || b.Status == CheckedIn }

// codeAlphabet has no 0/O, 1/I/L or U, so codes read aloud and typed from
// paper are unambiguous.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewCode draws a random booking code.
func NewCode() string {
	var b [8]byte
	for i := range b {
		b[i] = codeAlphabet[randIntn(len(codeAlphabet))]
	}
	return string(b[:])
}

func randIntn(n int) int {
	var b [1]byte
	for {
		rand.Read(b[:])
		if int(b[0]) < 256-256%n {
			return int(b[0]) % n
		}
	}
}

// ParseCode reads a booking code as a person types it: any case, with
// spaces or a dash. It answers the 8 characters, or false when the text
// is not a code (wrong length, a character outside the alphabet).
func ParseCode(s string) (string, bool) {
	if len(s) > 40 {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			continue
		case r < 128 && strings.IndexByte(codeAlphabet, byte(r)) >= 0:
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	if b.Len() != 8 {
		return "", false
	}
	return b.String(), true
}

// FormatCode shows a code as XXXX-XXXX.
func FormatCode(code string) string {
	if len(code) != 8 {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// Ticket statuses.
const (
	Waiting  = "waiting"
	Called   = "called"
	Serving  = "serving"
	Served   = "served"
	NoShow   = "no_show"
	Returned = "cancelled"
)

// Ticket is one place in a centre's queue: a walk-in's from the kiosk, or
// a booked person's on check-in.
type Ticket struct {
	ID          int64
	Centre      string
	Day         string // YYYY-MM-DD in Baku
	Number      string // e.g. A-017
	Service     string
	BookingID   int64
	Person      string // FIN when known (booked, or given at the desk)
	AccountID   int64
	Priority    string // a priority rule's code, or ""
	Rank        int    // the rule's rank; higher goes first
	Status      string
	Desk        int // the desk that called it
	TransferTo  int // a desk it was transferred to, which alone may call it
	IssuedAt    time.Time
	DueAt       *time.Time // the appointment's time
	CalledAt    *time.Time
	ServedAt    *time.Time // serving started
	FinishedAt  *time.Time
	Recalls     int
	Application string
}

// ParseTicketNumber reads a ticket number such as "A-017" (or "a17"): a
// letter and 1–3 digits. It answers the canonical form.
func ParseTicketNumber(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) < 2 || len(s) > 6 || s[0] < 'A' || s[0] > 'Z' {
		return "", false
	}
	rest := strings.TrimPrefix(s[1:], "-")
	if rest == "" || len(rest) > 3 {
		return "", false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || strings.ContainsAny(rest, "+-") {
		return "", false
	}
	return FormatTicket(s[:1], n), true
}

// FormatTicket is the ticket number of the nth ticket of a letter.
func FormatTicket(letter string, n int) string { return fmt.Sprintf("%s-%03d", letter, n) }

// PriorityRule gives people of a kind a place ahead of ordinary tickets.
// MinAge, when set, is applied from the registry's birth date on
// check-in; other rules are declared at the kiosk and checked at the desk.
type PriorityRule struct {
	Code   string
	Rank   int
	MinAge int
	Name   lang.Text
}

// Candidate is a waiting ticket as the queue's order sees it.
type Candidate struct {
	ID         int64
	Service    string
	Rank       int
	DueAt      *time.Time
	TransferTo int
	IssuedAt   time.Time
}

// Next picks the ticket desk should call at now among waiting: only
// tickets of a service the desk serves (or transferred to this desk), and
// none transferred to another desk. Order: appointments that are due
// (their time has come), earliest time first; then transfers to this
// desk; then walk-ins by priority rank, highest first, and in order of
// issue; last, people checked in early for an appointment not yet due,
// who are served early only when nobody else waits. It answers the index
// in waiting, or -1.
func Next(waiting []Candidate, desk int, services []string, now time.Time) int {
	best := -1
	for i, c := range waiting {
		if !callable(c, desk, services) {
			continue
		}
		if best < 0 || before(c, waiting[best], desk, now) {
			best = i
		}
	}
	return best
}

func callable(c Candidate, desk int, services []string) bool {
	return c.TransferTo == desk || c.TransferTo == 0 && slices.Contains(services, c.Service)
}

// class is a candidate's place in the order: due appointments, transfers
// to this desk, walk-ins, appointments not yet due.
func class(c Candidate, desk int, now time.Time) int {
	switch {
	case c.DueAt != nil && !c.DueAt.After(now):
		return 0
	case c.TransferTo == desk:
		return 1
	case c.DueAt == nil:
		return 2
	}
	return 3
}

func before(a, b Candidate, desk int, now time.Time) bool {
	ca, cb := class(a, desk, now), class(b, desk, now)
	if ca != cb {
		return ca < cb
	}
	if (ca == 0 || ca == 3) && !a.DueAt.Equal(*b.DueAt) {
		return a.DueAt.Before(*b.DueAt)
	}
	if a.Rank != b.Rank {
		return a.Rank > b.Rank
	}
	if !a.IssuedAt.Equal(b.IssuedAt) {
		return a.IssuedAt.Before(b.IssuedAt)
	}
	return a.ID < b.ID
}

// Order sorts waiting into the order desk would call them (those it may
// not call left out), for the desk's view of its queue.
func Order(waiting []Candidate, desk int, services []string, now time.Time) []Candidate {
	var out []Candidate
	for _, c := range waiting {
		if callable(c, desk, services) {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return before(out[i], out[j], desk, now) })
	return out
}

// Call is one call of a ticket to a desk, as the board shows it.
type Call struct {
	ID     int64     `json:"id"`
	Number string    `json:"number"`
	Desk   int       `json:"desk"`
	At     time.Time `json:"at"`
}

// Rating is a person's rating of a visit.
type Rating struct {
	Score   int
	Comment string
}

// Validate checks a rating.
func (r Rating) Validate() error {
	if r.Score < 1 || r.Score > 5 {
		return invalid("score", "centers.error.score")
	}
	if len([]rune(r.Comment)) > 1000 {
		return invalid("comment", "centers.error.comment_long")
	}
	return nil
}
