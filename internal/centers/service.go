package centers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/nationalid"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/web"
	"github.com/egov/egov/internal/workdays"
)

// Config holds what the service needs from other modules.
type Config struct {
	Catalog *catalog.Catalog
	// Notify sends the reminders the day before and the rating links; nil
	// sends nothing.
	Notify *notify.Service
	// OpenApplication opens the service's application for the person fin
	// present at the desk, on their consent, by the operator; it answers
	// the application's number. Nil: serving completes without one.
	OpenApplication func(ctx context.Context, fin, service, operatorLogin string) (applicationNumber string, err error)
	// BirthDate reads a person's birth date (from the population
	// registry), so that age priority rules apply on check-in; nil: age
	// rules are applied only when declared at the kiosk.
	BirthDate func(ctx context.Context, fin string) (time.Time, error)
	// Calendar names the public holidays, on which centres are closed;
	// nil: Azerbaijan's calendar.
	Calendar *workdays.Calendar
	// BaseURL is the public site address used in links sent by message.
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
}

// Service runs the centres.
type Service struct {
	db    *store.DB
	cfg   Config
	board *hub
}

// New builds the service.
func New(db *store.DB, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Calendar == nil {
		cfg.Calendar = workdays.Default()
	}
	return &Service{db: db, cfg: cfg, board: newHub()}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// Person is who books: a signed-in citizen or foreigner.
type Person struct {
	AccountID int64
	ID        string // FIN, or the foreigner's subject
	Name      string
	Lang      lang.Lang
}

// Operator is a centre operator at work.
type Operator struct {
	Login  string
	Centre string
}

// Centres lists every centre.
func (s *Service) Centres(ctx context.Context) ([]*Centre, error) { return loadCentres(ctx, s.db, "") }

// Centre is the centre with the slug, or a not-found error.
func (s *Service) Centre(ctx context.Context, slug string) (*Centre, error) {
	return loadCentre(ctx, s.db, slug)
}

// PriorityRules lists the priority rules, highest rank first.
func (s *Service) PriorityRules(ctx context.Context) ([]PriorityRule, error) {
	return loadRules(ctx, s.db)
}

// CatalogService is the catalog's service with the slug, or nil.
func (s *Service) CatalogService(slug string) *catalog.Service {
	if s.cfg.Catalog == nil {
		return nil
	}
	svc, err := s.cfg.Catalog.Service(slug)
	if err != nil {
		return nil
	}
	return svc
}

func (s *Service) agencyOf(service string) string {
	if svc := s.CatalogService(service); svc != nil {
		return svc.Agency
	}
	return ""
}

// slots are the centre's slots on the day of t, none on a public holiday.
func (s *Service) slots(c *Centre, t time.Time) []time.Time {
	if _, holiday := s.cfg.Calendar.Holiday(t); holiday {
		return nil
	}
	return c.Hours.Slots(t)
}

// SlotInfo is a bookable slot and how many places are free.
type SlotInfo struct {
	Start time.Time
	Free  int
}

// Days lists the dates (midnight in Baku) of the next BookingDays days on
// which the centre is open, from today.
func (s *Service) Days(c *Centre) []time.Time {
	now := s.now().In(web.Baku)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, web.Baku)
	var out []time.Time
	for i := 0; i < BookingDays; i++ {
		d := today.AddDate(0, 0, i)
		if len(s.slots(c, d)) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// Availability lists the slots of a day still ahead with their free
// places; full slots are listed with Free 0.
func (s *Service) Availability(ctx context.Context, c *Centre, service string, day time.Time) ([]SlotInfo, error) {
	capacity := c.Capacity(service)
	if !c.Offers(service) || capacity == 0 {
		return nil, invalid("service", "centers.error.service")
	}
	now := s.now()
	slots := s.slots(c, day)
	if len(slots) == 0 {
		return nil, nil
	}
	taken := map[int64]int{}
	rows, err := s.db.QueryContext(ctx, `SELECT starts_at, taken, capacity FROM centers_slots
		WHERE centre = $1 AND service = $2 AND starts_at >= $3 AND starts_at <= $4`,
		c.Slug, service, slots[0], slots[len(slots)-1])
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var at time.Time
		var n, capa int
		if err := rows.Scan(&at, &n, &capa); err != nil {
			return nil, err
		}
		taken[at.Unix()] = capa - n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []SlotInfo
	for _, t := range slots {
		if !t.After(now) || t.After(now.Add(BookingDays*24*time.Hour)) {
			continue
		}
		free, ok := taken[t.Unix()]
		if !ok {
			free = capacity
		}
		out = append(out, SlotInfo{Start: t, Free: max(free, 0)})
	}
	return out, nil
}

func (s *Service) checkSlot(c *Centre, service string, start time.Time) error {
	if !c.Offers(service) || c.Capacity(service) == 0 {
		return invalid("service", "centers.error.service")
	}
	now := s.now()
	if !slices.ContainsFunc(s.slots(c, start), start.Equal) || !start.After(now) || start.After(now.Add(BookingDays*24*time.Hour)) {
		return invalid("slot", "centers.error.slot")
	}
	return nil
}

// takePlace takes one place of the slot in tx, creating the slot's row
// with the centre's capacity when it is the first booking. The guarded
// update is what keeps two people from getting the last place: only one
// of them sees a row with taken < capacity.
func takePlace(ctx context.Context, tx *sql.Tx, c *Centre, service string, start time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO centers_slots (centre, service, starts_at, capacity, taken)
		VALUES ($1, $2, $3, $4, 0) ON CONFLICT (centre, service, starts_at) DO NOTHING`,
		c.Slug, service, start, c.Capacity(service)); err != nil {
		return err
	}
	n, err := affected(tx.ExecContext(ctx, `UPDATE centers_slots SET taken = taken + 1
		WHERE centre = $1 AND service = $2 AND starts_at = $3 AND taken < capacity`, c.Slug, service, start))
	if err != nil {
		return err
	}
	if n != 1 {
		return errs.E(errs.Conflict, "centers.error.slot_full").Field("slot", "centers.error.slot_full")
	}
	return nil
}

func freePlace(ctx context.Context, tx *sql.Tx, b *Booking) error {
	_, err := tx.ExecContext(ctx, `UPDATE centers_slots SET taken = taken - 1
		WHERE centre = $1 AND service = $2 AND starts_at = $3 AND taken > 0`, b.Centre, b.Service, b.StartsAt)
	return err
}

func insertBooking(ctx context.Context, tx *sql.Tx, b *Booking) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO centers_bookings (code, centre, service, account_id, person, name, lang,
		starts_at, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		b.Code, b.Centre, b.Service, b.AccountID, b.Person, b.Name, string(b.Lang), b.StartsAt, b.Status, b.CreatedAt).Scan(&b.ID)
	if store.IsUniqueViolation(err) {
		// The person already holds a place at that time (a clash of two
		// random codes is one in 6·10¹¹ and answers the same).
		return errs.E(errs.Conflict, "centers.error.overlap").Field("slot", "centers.error.overlap")
	}
	return err
}

// Book books a place for the person at the centre for the service at
// start. Errors: invalid (unknown service, not a slot ahead within
// BookingDays), conflict (the slot is full, or the person already holds a
// booking at that time).
func (s *Service) Book(ctx context.Context, p Person, centre, service string, start time.Time) (*Booking, error) {
	if p.AccountID == 0 || p.ID == "" {
		return nil, errs.E(errs.Forbidden, "error.forbidden.detail")
	}
	c, err := s.Centre(ctx, centre)
	if err != nil {
		return nil, err
	}
	start = start.UTC()
	if err := s.checkSlot(c, service, start); err != nil {
		return nil, err
	}
	b := &Booking{Code: NewCode(), Centre: c.Slug, Service: service, AccountID: p.AccountID, Person: p.ID, Name: p.Name,
		Lang: p.Lang, StartsAt: start, Status: Booked, CreatedAt: s.now()}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := takePlace(ctx, tx, c, service, start); err != nil {
			return err
		}
		return insertBooking(ctx, tx, b)
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Rebook moves the person's booking (by code) to another slot of the same
// centre and service, in one transaction: the old place is freed only if
// the new one is taken.
func (s *Service) Rebook(ctx context.Context, p Person, code string, start time.Time) (*Booking, error) {
	old, err := s.Booking(ctx, p, code)
	if err != nil {
		return nil, err
	}
	if old.Status != Booked {
		return nil, errs.E(errs.Conflict, "centers.error.not_active")
	}
	c, err := s.Centre(ctx, old.Centre)
	if err != nil {
		return nil, err
	}
	start = start.UTC()
	if err := s.checkSlot(c, old.Service, start); err != nil {
		return nil, err
	}
	b := &Booking{Code: NewCode(), Centre: c.Slug, Service: old.Service, AccountID: p.AccountID, Person: p.ID,
		Name: p.Name, Lang: p.Lang, StartsAt: start, Status: Booked, CreatedAt: s.now()}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := cancelBooking(ctx, tx, old, s.now()); err != nil {
			return err
		}
		if err := takePlace(ctx, tx, c, old.Service, start); err != nil {
			return err
		}
		return insertBooking(ctx, tx, b)
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

func cancelBooking(ctx context.Context, tx *sql.Tx, b *Booking, now time.Time) error {
	n, err := affected(tx.ExecContext(ctx, `UPDATE centers_bookings SET status = $1, cancelled_at = $2
		WHERE id = $3 AND status = $4`, Cancelled, now, b.ID, Booked))
	if err != nil {
		return err
	}
	if n != 1 {
		return errs.E(errs.Conflict, "centers.error.not_active")
	}
	return freePlace(ctx, tx, b)
}

// Cancel cancels the person's booking and frees its place.
func (s *Service) Cancel(ctx context.Context, p Person, code string) error {
	b, err := s.Booking(ctx, p, code)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error { return cancelBooking(ctx, tx, b, s.now()) })
}

// Booking is the person's booking with the code; anyone else's is not
// found.
func (s *Service) Booking(ctx context.Context, p Person, code string) (*Booking, error) {
	code, ok := ParseCode(code)
	if !ok {
		return nil, errs.E(errs.NotFound, "centers.error.no_booking")
	}
	b, err := bookingByCode(ctx, s.db, code)
	if err != nil {
		return nil, err
	}
	if b.AccountID != p.AccountID {
		return nil, errs.E(errs.NotFound, "centers.error.no_booking")
	}
	return b, nil
}

// Bookings lists the person's bookings, newest time first.
func (s *Service) Bookings(ctx context.Context, accountID int64) ([]*Booking, error) {
	return queryBookings(ctx, s.db, `account_id = $1 ORDER BY starts_at DESC LIMIT 50`, accountID)
}

// CanCheckIn reports whether a booking can be checked in at now.
func CanCheckIn(b *Booking, now time.Time) bool {
	return b.Status == Booked && !now.Before(b.StartsAt.Add(-EarlyCheckin)) && !now.After(b.StartsAt.Add(LateCancel))
}

// CheckIn puts a booked person in the centre's queue with their
// appointment's time: from the kiosk with the code (accountID 0) or from
// the cabinet (the booking's own account). Within EarlyCheckin before the
// time; more than LateCancel late, the booking lapses.
func (s *Service) CheckIn(ctx context.Context, centre, code string, accountID int64) (*Ticket, error) {
	parsed, ok := ParseCode(code)
	if !ok {
		return nil, invalid("code", "centers.error.code")
	}
	b, err := bookingByCode(ctx, s.db, parsed)
	if err != nil || b.Centre != centre || (accountID != 0 && b.AccountID != accountID) {
		return nil, errs.E(errs.NotFound, "centers.error.no_booking").Field("code", "centers.error.no_booking")
	}
	now := s.now()
	switch {
	case b.Status == CheckedIn:
		return ticketByID(ctx, s.db, b.TicketID)
	case b.Status != Booked:
		return nil, errs.E(errs.Conflict, "centers.error.not_active").Field("code", "centers.error.not_active")
	case now.Before(b.StartsAt.Add(-EarlyCheckin)):
		return nil, errs.E(errs.Conflict, "centers.error.early").Field("code", "centers.error.early")
	case now.After(b.StartsAt.Add(LateCancel)):
		s.db.Tx(ctx, func(tx *sql.Tx) error { return lapse(ctx, tx, b.ID) })
		return nil, errs.E(errs.Conflict, "centers.error.late").Field("code", "centers.error.late")
	}
	c, err := s.Centre(ctx, centre)
	if err != nil {
		return nil, err
	}
	rules, err := s.PriorityRules(ctx)
	if err != nil {
		return nil, err
	}
	t := &Ticket{Centre: c.Slug, Service: b.Service, BookingID: b.ID, Person: b.Person, AccountID: b.AccountID,
		Status: Waiting, IssuedAt: now, DueAt: &b.StartsAt}
	if s.cfg.BirthDate != nil {
		if born, err := s.cfg.BirthDate(ctx, b.Person); err == nil {
			for _, r := range rules {
				if r.MinAge > 0 && ageAt(born, now) >= r.MinAge && r.Rank > t.Rank {
					t.Priority, t.Rank = r.Code, r.Rank
				}
			}
		}
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.numberTicket(ctx, tx, c, t); err != nil {
			return err
		}
		if err := insertTicket(ctx, tx, t, s.agencyOf(t.Service)); err != nil {
			return err
		}
		n, err := affected(tx.ExecContext(ctx, `UPDATE centers_bookings SET status = $1, ticket_id = $2 WHERE id = $3 AND status = $4`,
			CheckedIn, t.ID, b.ID, Booked))
		if err == nil && n != 1 {
			err = errs.E(errs.Conflict, "centers.error.not_active")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func lapse(ctx context.Context, tx *sql.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE centers_bookings SET status = $1 WHERE id = $2 AND status = $3`, Lapsed, id, Booked)
	return err
}

func ageAt(born, now time.Time) int {
	y := now.Year() - born.Year()
	if now.YearDay() < born.YearDay() {
		y--
	}
	return y
}

// DayOf is the date of t in Baku, as tickets are numbered by.
func DayOf(t time.Time) string { return t.In(web.Baku).Format("2006-01-02") }

func (s *Service) numberTicket(ctx context.Context, tx *sql.Tx, c *Centre, t *Ticket) error {
	letter := c.Letter(t.Service)
	if letter == "" {
		return invalid("service", "centers.error.service")
	}
	t.Day = DayOf(t.IssuedAt)
	n, err := nextNumber(ctx, tx, c.Slug, t.Day, letter)
	if err != nil {
		return err
	}
	t.Number = FormatTicket(letter, n)
	return nil
}

// Issue gives a walk-in a ticket for the service, with a priority rule's
// code when declared ("" for none), and the estimated wait.
func (s *Service) Issue(ctx context.Context, centre, service, priority string) (*Ticket, time.Duration, error) {
	c, err := s.Centre(ctx, centre)
	if err != nil {
		return nil, 0, err
	}
	if !c.Offers(service) || c.Capacity(service) == 0 {
		return nil, 0, invalid("service", "centers.error.service")
	}
	t := &Ticket{Centre: c.Slug, Service: service, Status: Waiting, IssuedAt: s.now()}
	if priority != "" {
		rules, err := s.PriorityRules(ctx)
		if err != nil {
			return nil, 0, err
		}
		i := slices.IndexFunc(rules, func(r PriorityRule) bool { return r.Code == priority })
		if i < 0 {
			return nil, 0, invalid("priority", "centers.error.priority")
		}
		t.Priority, t.Rank = rules[i].Code, rules[i].Rank
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.numberTicket(ctx, tx, c, t); err != nil {
			return err
		}
		return insertTicket(ctx, tx, t, s.agencyOf(service))
	})
	if err != nil {
		return nil, 0, err
	}
	wait, err := s.EstimatedWait(ctx, c, t)
	return t, wait, err
}

// DefaultServiceTime is assumed until a centre has served a service.
const DefaultServiceTime = 10 * time.Minute

// ServiceTime is the mean of the last 20 service times (call to finish)
// of the service at the centre.
func (s *Service) ServiceTime(ctx context.Context, centre, service string) (time.Duration, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT called_at, finished_at FROM centers_tickets
		WHERE centre = $1 AND service = $2 AND status = $3 AND called_at IS NOT NULL AND finished_at IS NOT NULL
		ORDER BY finished_at DESC LIMIT 20`, centre, service, Served)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var sum time.Duration
	n := 0
	for rows.Next() {
		var a, b time.Time
		if err := rows.Scan(&a, &b); err != nil {
			return 0, err
		}
		sum += b.Sub(a)
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if n == 0 {
		return DefaultServiceTime, nil
	}
	return sum / time.Duration(n), nil
}

// EstimatedWait is the wait of a waiting ticket: the tickets of its
// service ahead of it times the recent service time, shared by the desks
// that serve it.
func (s *Service) EstimatedWait(ctx context.Context, c *Centre, t *Ticket) (time.Duration, error) {
	per, err := s.ServiceTime(ctx, c.Slug, t.Service)
	if err != nil {
		return 0, err
	}
	var ahead int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM centers_tickets WHERE centre = $1 AND service = $2
		AND status = $3 AND id <> $4 AND (rank > $5 OR (rank = $5 AND issued_at <= $6)) AND day = $7`,
		c.Slug, t.Service, Waiting, t.ID, t.Rank, t.IssuedAt, t.Day).Scan(&ahead); err != nil {
		return 0, err
	}
	desks := max(c.Capacity(t.Service), 1)
	return per * time.Duration(ahead+1) / time.Duration(desks), nil
}

// Queue lists the centre's waiting tickets in the order desk would call
// them (all waiting tickets when desk is 0, in issue order).
func (s *Service) Queue(ctx context.Context, c *Centre, desk int) ([]*Ticket, error) {
	list, err := queryTickets(ctx, s.db, `centre = $1 AND status = $2 AND day = $3 ORDER BY issued_at, id`,
		c.Slug, Waiting, DayOf(s.now()))
	if err != nil || desk == 0 {
		return list, err
	}
	d := c.Desk(desk)
	if d == nil {
		return nil, invalid("desk", "centers.error.desk")
	}
	byID := map[int64]*Ticket{}
	cands := make([]Candidate, len(list))
	for i, t := range list {
		byID[t.ID] = t
		cands[i] = candidate(t)
	}
	var out []*Ticket
	for _, c := range Order(cands, desk, d.Services, s.now()) {
		out = append(out, byID[c.ID])
	}
	return out, nil
}

func candidate(t *Ticket) Candidate {
	return Candidate{ID: t.ID, Service: t.Service, Rank: t.Rank, DueAt: t.DueAt, TransferTo: t.TransferTo, IssuedAt: t.IssuedAt}
}

func (s *Service) operatorDesk(ctx context.Context, op Operator, desk int) (*Centre, *Desk, error) {
	if op.Centre == "" {
		return nil, nil, errs.E(errs.Forbidden, "error.forbidden.detail")
	}
	c, err := s.Centre(ctx, op.Centre)
	if err != nil {
		return nil, nil, err
	}
	d := c.Desk(desk)
	if d == nil {
		return nil, nil, invalid("desk", "centers.error.desk")
	}
	return c, d, nil
}

// Current is the ticket the desk has called or is serving, or nil.
func (s *Service) Current(ctx context.Context, centre string, desk int) (*Ticket, error) {
	list, err := queryTickets(ctx, s.db, `centre = $1 AND desk = $2 AND status IN ('called', 'serving') ORDER BY called_at DESC LIMIT 1`,
		centre, desk)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// CallNext calls the next ticket to the desk (see Next). Errors: conflict
// when the desk still has a ticket called, not found when nobody waits.
func (s *Service) CallNext(ctx context.Context, op Operator, desk int) (*Ticket, error) {
	c, d, err := s.operatorDesk(ctx, op, desk)
	if err != nil {
		return nil, err
	}
	for attempt := 0; attempt < 5; attempt++ {
		var called *Ticket
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			var busy int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM centers_tickets WHERE centre = $1 AND desk = $2
				AND status IN ('called', 'serving')`, c.Slug, desk).Scan(&busy); err != nil {
				return err
			}
			if busy > 0 {
				return errs.E(errs.Conflict, "centers.error.desk_busy")
			}
			// Only today's tickets: yesterday's queue is gone.
			list, err := queryTickets(ctx, tx, `centre = $1 AND status = $2 AND day = $3`, c.Slug, Waiting, DayOf(s.now()))
			if err != nil {
				return err
			}
			cands := make([]Candidate, len(list))
			for i, t := range list {
				cands[i] = candidate(t)
			}
			now := s.now()
			i := Next(cands, desk, d.Services, now)
			if i < 0 {
				return errs.E(errs.NotFound, "centers.error.nobody")
			}
			t := list[i]
			n, err := affected(tx.ExecContext(ctx, `UPDATE centers_tickets SET status = $1, desk = $2, called_at = $3, transfer_to = 0
				WHERE id = $4 AND status = $5`, Called, desk, now, t.ID, Waiting))
			if err != nil {
				return err
			}
			if n != 1 {
				return errRace
			}
			t.Status, t.Desk, t.CalledAt = Called, desk, &now
			called = t
			return insertCall(ctx, tx, t, desk, now)
		})
		if errors.Is(err, errRace) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.board.notify(c.Slug)
		return called, nil
	}
	return nil, errs.E(errs.Conflict, "centers.error.try_again")
}

var errRace = errors.New("centers: another desk took the ticket")

// Recall calls the desk's current ticket again.
func (s *Service) Recall(ctx context.Context, op Operator, desk int) (*Ticket, error) {
	c, _, err := s.operatorDesk(ctx, op, desk)
	if err != nil {
		return nil, err
	}
	t, err := s.Current(ctx, c.Slug, desk)
	if err != nil {
		return nil, err
	}
	if t == nil || t.Status != Called {
		return nil, errs.E(errs.Conflict, "centers.error.no_current")
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE centers_tickets SET recalls = recalls + 1 WHERE id = $1`, t.ID); err != nil {
			return err
		}
		return insertCall(ctx, tx, t, desk, now)
	})
	if err != nil {
		return nil, err
	}
	t.Recalls++
	s.board.notify(c.Slug)
	return t, nil
}

// NoShow closes the desk's called ticket whose holder did not come.
func (s *Service) NoShow(ctx context.Context, op Operator, desk int) (*Ticket, error) {
	return s.finishCurrent(ctx, op, desk, func(ctx context.Context, tx *sql.Tx, t *Ticket, now time.Time) error {
		n, err := affected(tx.ExecContext(ctx, `UPDATE centers_tickets SET status = $1, finished_at = $2 WHERE id = $3 AND status = $4`,
			NoShow, now, t.ID, Called))
		if err == nil && n != 1 {
			err = errs.E(errs.Conflict, "centers.error.no_current")
		}
		t.Status = NoShow
		return err
	})
}

// Transfer sends the desk's current ticket to another desk of the centre,
// which calls it before its ordinary queue.
func (s *Service) Transfer(ctx context.Context, op Operator, desk, to int) (*Ticket, error) {
	c, _, err := s.operatorDesk(ctx, op, desk)
	if err != nil {
		return nil, err
	}
	if c.Desk(to) == nil || to == desk {
		return nil, invalid("to", "centers.error.desk")
	}
	return s.finishCurrent(ctx, op, desk, func(ctx context.Context, tx *sql.Tx, t *Ticket, now time.Time) error {
		n, err := affected(tx.ExecContext(ctx, `UPDATE centers_tickets SET status = $1, transfer_to = $2, desk = 0
			WHERE id = $3 AND status IN ('called', 'serving')`, Waiting, to, t.ID))
		if err == nil && n != 1 {
			err = errs.E(errs.Conflict, "centers.error.no_current")
		}
		t.Status, t.TransferTo = Waiting, to
		return err
	})
}

func (s *Service) finishCurrent(ctx context.Context, op Operator, desk int, fn func(context.Context, *sql.Tx, *Ticket, time.Time) error) (*Ticket, error) {
	c, _, err := s.operatorDesk(ctx, op, desk)
	if err != nil {
		return nil, err
	}
	t, err := s.Current(ctx, c.Slug, desk)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, errs.E(errs.Conflict, "centers.error.no_current")
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error { return fn(ctx, tx, t, s.now()) })
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Outcome is the outcome of serving: the ticket, the application opened
// (if any) and the one-time rating link's token.
type Outcome struct {
	Ticket      *Ticket
	Application string
	RatingToken string
}

// Serve completes the desk's current ticket. With the FIN of the person
// present and their consent, it opens the service's application on their
// behalf through Config.OpenApplication and records the consent (who,
// when, which service, by which operator). It answers the token of the
// visit's one-time rating link, which is also sent to a booked person.
func (s *Service) Serve(ctx context.Context, op Operator, desk int, fin string, consent bool) (*Outcome, error) {
	c, _, err := s.operatorDesk(ctx, op, desk)
	if err != nil {
		return nil, err
	}
	t, err := s.Current(ctx, c.Slug, desk)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, errs.E(errs.Conflict, "centers.error.no_current")
	}
	fin = nationalid.NormalizeFIN(fin)
	if fin == "" {
		fin = t.Person
	}
	if fin != "" && !nationalid.ValidFIN(fin) && !strings.Contains(fin, ":") {
		return nil, invalid("fin", "centers.error.fin")
	}
	if fin != "" && !consent {
		return nil, invalid("consent", "centers.error.consent")
	}
	// Claim the ticket first, so a second click cannot open a second
	// application.
	n, err := affected(s.db.ExecContext(ctx, `UPDATE centers_tickets SET status = $1, served_at = $2 WHERE id = $3 AND status = $4`,
		Serving, s.now(), t.ID, Called))
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, errs.E(errs.Conflict, "centers.error.no_current")
	}
	out := &Outcome{Ticket: t}
	if fin != "" && s.cfg.OpenApplication != nil {
		number, err := s.cfg.OpenApplication(ctx, fin, t.Service, op.Login)
		if err != nil {
			// Give the ticket back to the desk, so serving can be tried
			// again.
			s.db.ExecContext(context.WithoutCancel(ctx), `UPDATE centers_tickets SET status = $1, served_at = NULL
				WHERE id = $2 AND status = $3`, Called, t.ID, Serving)
			return nil, err
		}
		out.Application = number
	}
	token := randomToken()
	out.RatingToken = token
	now := s.now()
	sendLink := t.AccountID != 0 && s.canSend(ctx, "centers.rate")
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		n, err := affected(tx.ExecContext(ctx, `UPDATE centers_tickets SET status = $1, finished_at = $2, person = $3, application = $4
			WHERE id = $5 AND status = $6`, Served, now, fin, out.Application, t.ID, Serving))
		if err != nil {
			return err
		}
		if n != 1 {
			return errs.E(errs.Conflict, "centers.error.no_current")
		}
		if fin != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO centers_consents (ticket_id, person, service, operator, given_at, application)
				VALUES ($1, $2, $3, $4, $5, $6)`, t.ID, fin, t.Service, op.Login, now, out.Application); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO centers_ratings (token_hash, ticket_id, centre, service, agency, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, hashToken(token), t.ID, t.Centre, t.Service, s.agencyOf(t.Service), now); err != nil {
			return err
		}
		if sendLink {
			_, err := s.cfg.Notify.Send(ctx, tx, notify.Message{To: notify.Recipient{AccountID: t.AccountID},
				Template: "centers.rate", Kind: notify.KindGeneral, IdempotencyKey: "centers.rate:" + t.Centre + ":" + t.Day + ":" + t.Number,
				Values: map[string]string{"number": t.Number, "link": strings.TrimRight(s.cfg.BaseURL, "/") + "/centers/rate/" + token}})
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.Status, t.FinishedAt, t.Person, t.Application = Served, &now, fin, out.Application
	return out, nil
}

// canSend reports whether the message template key can be sent; without
// it (notify not configured, SeedTemplates not run) the work goes on
// without the message, and the omission is logged.
func (s *Service) canSend(ctx context.Context, key string) bool {
	if s.cfg.Notify == nil {
		return false
	}
	if _, err := s.cfg.Notify.Template(ctx, key); err != nil {
		s.cfg.Logger.Warn("centers: message template missing; not sending", "template", key, "err", err)
		return false
	}
	return true
}

// Consent is a recorded consent to open an application at a desk.
type Consent struct {
	TicketID    int64
	Person      string
	Service     string
	Operator    string
	GivenAt     time.Time
	Application string
}

// ConsentOf is the consent recorded when the ticket was served, or nil.
func (s *Service) ConsentOf(ctx context.Context, ticketID int64) (*Consent, error) {
	var c Consent
	err := s.db.QueryRowContext(ctx, `SELECT ticket_id, person, service, operator, given_at, application FROM centers_consents
		WHERE ticket_id = $1`, ticketID).Scan(&c.TicketID, &c.Person, &c.Service, &c.Operator, &c.GivenAt, &c.Application)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &c, err
}

func randomToken() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// RatingOpen reports whether the token's visit can still be rated; a used
// or unknown token is not found (used) or not found.
func (s *Service) RatingOpen(ctx context.Context, token string) (centre, service string, err error) {
	if len(token) < 20 || len(token) > 64 {
		return "", "", errs.E(errs.NotFound, "centers.error.rating_link")
	}
	var rated sql.NullTime
	err = s.db.QueryRowContext(ctx, `SELECT centre, service, rated_at FROM centers_ratings WHERE token_hash = $1`,
		hashToken(token)).Scan(&centre, &service, &rated)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", errs.E(errs.NotFound, "centers.error.rating_link")
	}
	if err != nil {
		return "", "", err
	}
	if rated.Valid {
		return centre, service, errs.E(errs.Conflict, "centers.error.rated")
	}
	return centre, service, nil
}

// Rate records the rating of the visit the token was given for, once.
func (s *Service) Rate(ctx context.Context, token string, r Rating) error {
	if _, _, err := s.RatingOpen(ctx, token); err != nil {
		return err
	}
	r.Comment = strings.TrimSpace(r.Comment)
	if err := r.Validate(); err != nil {
		return err
	}
	n, err := affected(s.db.ExecContext(ctx, `UPDATE centers_ratings SET score = $1, comment = $2, rated_at = $3
		WHERE token_hash = $4 AND rated_at IS NULL`, r.Score, r.Comment, s.now(), hashToken(token)))
	if err != nil {
		return err
	}
	if n != 1 {
		return errs.E(errs.Conflict, "centers.error.rated")
	}
	return nil
}

// Board lists the centre's latest calls, newest first.
func (s *Service) Board(ctx context.Context, centre string, limit int) ([]Call, error) {
	return queryCalls(ctx, s.db, centre, 0, limit)
}

// CallsSince lists the centre's calls after the call id, oldest first.
func (s *Service) CallsSince(ctx context.Context, centre string, after int64) ([]Call, error) {
	return queryCalls(ctx, s.db, centre, after, 50)
}

// SendReminders sends each booking of the next day (in Baku) a reminder
// through notify, once (an idempotency key per booking and the booking's
// reminded_at), and lapses bookings more than LateCancel past their time
// without check-in. It answers how many reminders were sent.
func (s *Service) SendReminders(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC()
	if _, err := s.db.ExecContext(ctx, `UPDATE centers_bookings SET status = $1 WHERE status = $2 AND starts_at < $3`,
		Lapsed, Booked, now.Add(-LateCancel)); err != nil {
		return 0, err
	}
	local := now.In(web.Baku)
	from := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, web.Baku).UTC()
	to := from.AddDate(0, 0, 1)
	list, err := queryBookings(ctx, s.db, `status = $1 AND reminded_at IS NULL AND starts_at >= $2 AND starts_at < $3`,
		Booked, from, to)
	if err != nil {
		return 0, err
	}
	sent := 0
	send := s.canSend(ctx, "centers.reminder")
	for _, b := range list {
		c, err := s.Centre(ctx, b.Centre)
		if err != nil {
			return sent, err
		}
		service := b.Service
		if svc := s.CatalogService(b.Service); svc != nil {
			service = svc.Name.In(b.Lang)
		}
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			n, err := affected(tx.ExecContext(ctx, `UPDATE centers_bookings SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL`,
				now, b.ID))
			if err != nil || n != 1 || !send {
				return err
			}
			_, err = s.cfg.Notify.Send(ctx, tx, notify.Message{To: notify.Recipient{AccountID: b.AccountID, Lang: b.Lang},
				Template: "centers.reminder", Kind: notify.KindGeneral, IdempotencyKey: "centers.reminder:" + b.Code,
				Values: map[string]string{"centre": c.Name.In(b.Lang), "address": c.Address.In(b.Lang), "service": service,
					"time": b.StartsAt.In(web.Baku).Format("02.01.2006 15:04"), "code": b.Ref()}})
			return err
		})
		if err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}
