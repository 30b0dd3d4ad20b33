package proactive

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/nationalid"
	"github.com/egov/egov/internal/registry"
)

// Event is a life or time event about one person, as rules see it.
type Event struct {
	Type string
	// Key is the event's natural key ("birth:<child FIN>",
	// "age18:<FIN>"): duplicates of an event share it, so a rule acts on
	// it once per person.
	Key   string
	FIN   string // the person it is about
	Date  time.Time
	Facts Facts // mother, father, spouse, voen, document, number, plate…
}

// fromLife turns a registry life event into an Event.
func fromLife(e registry.LifeEvent) (Event, error) {
	if !slices.Contains(LifeEvents, e.Type) || e.Key == "" || !nationalid.ValidFIN(e.FIN) {
		return Event{}, errs.E(errs.Invalid, "proactive.error.event")
	}
	day, err := registry.ParseDate(e.Date)
	if err != nil {
		return Event{}, err
	}
	f := Facts{"date": e.Date}
	for k, v := range map[string]string{"mother": e.Mother, "father": e.Father, "spouse": e.Spouse, "voen": e.VOEN} {
		if v != "" {
			f[k] = v
		}
	}
	if e.Type == EventBirth {
		f["child"] = e.FIN
	}
	return Event{Type: e.Type, Key: e.Key, FIN: e.FIN, Date: day, Facts: f}, nil
}

// Subscriber is the outbox subscriber name of the intake.
const Subscriber = "proactive.intake"

// Handler is the outbox handler for the registries' life events (every
// topic of registry.LifeTopics): it records, in the delivery's
// transaction, the actions of every live rule the event meets. A
// duplicate event (another outbox id, the same natural key) records
// nothing new.
func (s *Service) Handler(ctx context.Context, tx *sql.Tx, e events.Event) error {
	var le registry.LifeEvent
	if err := e.Decode(&le); err != nil {
		s.cfg.Logger.Warn("proactive: undecodable life event", "id", e.ID, "err", err)
		return nil // retrying cannot help
	}
	ev, err := fromLife(le)
	if err != nil {
		s.cfg.Logger.Warn("proactive: malformed life event", "id", e.ID, "err", err)
		return nil
	}
	if _, err := s.Intake(ctx, tx, ev); err != nil {
		return err
	}
	s.Wake()
	return nil
}

// Intake records, in tx, the actions of every live rule on ev's type
// whose condition holds; it reports how many actions were new.
func (s *Service) Intake(ctx context.Context, tx *sql.Tx, ev Event) (int, error) {
	rules, err := listRules(ctx, tx, `status = $1 AND event = $2`, RuleLive, ev.Type)
	if err != nil || len(rules) == 0 {
		return 0, err
	}
	person, err := s.cfg.Registry.Person(ctx, ev.FIN)
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			s.cfg.Logger.Warn("proactive: event about an unknown person", "key", ev.Key)
			return 0, nil
		}
		return 0, err
	}
	n := 0
	for _, r := range rules {
		recs, err := s.evaluate(r, ev, person)
		if err != nil {
			s.cfg.Logger.Warn("proactive: rule not evaluated", "rule", r.ID, "version", r.Version, "event", ev.Key, "err", err)
			continue
		}
		added, err := s.record(ctx, tx, recs)
		if err != nil {
			return n, err
		}
		n += added
	}
	return n, nil
}

// evaluate decides what rule r does on ev about person: nothing (its
// start date not reached, its condition false) or the records of its
// actions, not yet stored.
func (s *Service) evaluate(r *Rule, ev Event, person *registry.Person) ([]*Record, error) {
	today := s.today()
	if !r.Starts(today) {
		return nil, nil
	}
	prog, err := s.program(r)
	if err != nil {
		return nil, err
	}
	ok, err := prog.Eval(eventFacts(ev, today), personFacts(person, today))
	if err != nil || !ok {
		return nil, err
	}
	now := s.now()
	facts := maps.Clone(ev.Facts)
	if facts == nil {
		facts = Facts{}
	}
	facts["event"] = ev.Type
	var out []*Record
	for i, a := range r.Actions {
		fin := recipient(a.To, ev, person)
		if fin == "" {
			continue // no such relative: nothing to do for them
		}
		status := StatusPending
		if a.Kind == ActOffer {
			status = StatusOpen
		}
		out = append(out, &Record{RuleID: r.ID, RuleVersion: r.Version, FIN: fin, EventKey: ev.Key, Step: i,
			Kind: a.Kind, Status: status, Action: a, Facts: facts, CreatedAt: now})
	}
	return out, nil
}

func (s *Service) record(ctx context.Context, tx *sql.Tx, recs []*Record) (int, error) {
	n := 0
	for _, rec := range recs {
		added, err := insertAction(ctx, tx, rec)
		if err != nil {
			return n, err
		}
		if added {
			n++
		}
	}
	return n, nil
}

// recipient is the FIN an action addressed to "to" goes to.
func recipient(to string, ev Event, p *registry.Person) string {
	if to == "person" {
		return p.FIN
	}
	if fin := ev.Facts[to]; fin != "" {
		return fin
	}
	if fins := p.Relatives(to); len(fins) > 0 {
		return fins[0]
	}
	return ""
}

// eventFacts is the event as a condition sees it: its facts as strings,
// and type, key, date and days (from today to the date).
func eventFacts(ev Event, today time.Time) map[string]any {
	m := make(map[string]any, len(ev.Facts)+4)
	for k, v := range ev.Facts {
		m[k] = v
	}
	m["type"], m["key"] = ev.Type, ev.Key
	if !ev.Date.IsZero() {
		m["date"] = registry.FormatDate(ev.Date)
		m["days"] = int64(ev.Date.Sub(today).Hours() / 24)
	}
	return m
}

// personFacts is the person's registry record as a condition sees it.
func personFacts(p *registry.Person, today time.Time) map[string]any {
	docs := map[string]any{}
	for _, kind := range []string{registry.IDCard, registry.Passport, registry.DrivingLicence} {
		if d, ok := p.Document(kind); ok {
			docs[kind] = map[string]any{"number": d.Number, "expires_on": registry.FormatDate(d.ExpiresOn),
				"days_left": int64(d.ExpiresOn.Sub(today).Hours() / 24)}
		}
	}
	return map[string]any{
		"fin": p.FIN, "first_name": p.FirstName, "last_name": p.LastName, "sex": p.Sex,
		"birth_date": registry.FormatDate(p.BirthDate), "age": int64(p.AgeOn(today)),
		"citizenship": p.Citizenship, "city": p.Address.City, "region": p.Address.Region,
		"alive": p.DeathDate == nil, "children": int64(len(p.Relatives(registry.Child))),
		"married": len(p.Relatives(registry.Spouse)) > 0, "documents": docs,
		"has_phone": strings.TrimSpace(p.Phone) != "", "has_email": strings.TrimSpace(p.Email) != "",
	}
}

// IntakeLife takes in a registry life event in a transaction of its own,
// as the outbox handler would: for an event known to have happened whose
// delivery should not wait (the demo's seeded birth). Delivered again
// through the outbox later, it records nothing new.
func (s *Service) IntakeLife(ctx context.Context, le registry.LifeEvent) (int, error) {
	ev, err := fromLife(le)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = s.Intake(ctx, tx, ev)
		return err
	})
	return n, err
}
