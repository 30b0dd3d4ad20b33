package proactive

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/egov/egov/internal/registry"
)

// scanPage is how many hits of a range the scan reads, evaluates and
// records per transaction.
const scanPage = 500

// ScanReport says what a scan did.
type ScanReport struct {
	Rules   int // time rules scanned
	Matched int // people and things in their ranges
	Actions int // actions newly recorded
}

// window is the range of event dates a time rule covers on day given its
// watermark: on its first scan, everything from day to day+lead (people
// already inside the lead time get the offer now); afterwards only the
// dates that entered the window since the watermark, never dates in the
// past. ok is false when there is nothing new.
func window(r *Rule, day time.Time, last string, seen bool) (from, to time.Time, ok bool) {
	lead := r.Trigger.LeadDays
	to = day.AddDate(0, 0, lead)
	from = day
	if seen {
		w, err := registry.ParseDate(last)
		if err == nil {
			if !w.Before(day) {
				return from, to, false
			}
			from = w.AddDate(0, 0, lead+1)
			if from.Before(day) {
				from = day
			}
		}
	}
	return from, to, !from.After(to)
}

// Scan runs the daily scan for day (a Baku date): for each live rule on
// an event of time, it reads only the dates newly inside the rule's lead
// window since its watermark, through indexed range queries page by page,
// records what the rule does for each match, and moves the watermark to
// day. A scan interrupted half way is run again from the old watermark;
// what it recorded before is not recorded twice.
func (s *Service) Scan(ctx context.Context, day time.Time) (ScanReport, error) {
	day = registry.Date(day)
	var rep ScanReport
	for _, event := range TimeEvents {
		rules, err := s.LiveRules(ctx, event)
		if err != nil {
			return rep, err
		}
		for _, r := range rules {
			if !r.Starts(day) {
				continue
			}
			last, seen, err := watermark(ctx, s.db, r.ID)
			if err != nil {
				return rep, err
			}
			rep.Rules++
			if from, to, ok := window(r, day, last, seen); ok {
				matched, added, err := s.scanRule(ctx, r, from, to, true)
				rep.Matched += matched
				rep.Actions += added
				if err != nil {
					return rep, fmt.Errorf("proactive: scan %s: %w", r.ID, err)
				}
			}
			if err := setWatermark(ctx, s.db, r.ID, registry.FormatDate(day)); err != nil {
				return rep, err
			}
		}
	}
	if rep.Actions > 0 {
		s.Wake()
	}
	return rep, nil
}

// scanRule reads the rule's range of event dates [from, to] and, when
// write is set, records its actions; it reports the matches and the
// actions recorded (or, without write, that would be).
func (s *Service) scanRule(ctx context.Context, r *Rule, from, to time.Time, write bool) (matched, added int, err error) {
	matched, err = s.eachMatch(ctx, r, from, to, func(recs []*Record) error {
		if !write {
			added += len(recs)
			return nil
		}
		return s.db.Tx(ctx, func(tx *sql.Tx) error {
			n, err := s.record(ctx, tx, recs)
			added += n
			return err
		})
	})
	return matched, added, err
}

// eachMatch pages through the rule's range and hands the records of each
// page's matches to fn.
func (s *Service) eachMatch(ctx context.Context, r *Rule, from, to time.Time, fn func([]*Record) error) (matched int, err error) {
	reg := s.cfg.Registry
	t := r.Trigger
	var after registry.Due
	for {
		var page []registry.Due
		switch t.Event {
		case EventAge:
			page, err = reg.BornBetween(ctx, from.AddDate(-t.Age, 0, 0), to.AddDate(-t.Age, 0, 0), after, scanPage)
		case EventDocumentExpiry:
			page, err = reg.ExpiringBetween(ctx, t.Document, from, to, after, scanPage)
		case EventInspectionDue:
			page, err = reg.InspectionsBetween(ctx, from, to, after, scanPage)
		}
		if err != nil {
			return matched, err
		}
		var recs []*Record
		for _, hit := range page {
			ev := timeEvent(r, hit)
			p, err := reg.Person(ctx, hit.FIN)
			if err != nil {
				return matched, err
			}
			more, err := s.evaluate(r, ev, p)
			if err != nil {
				s.cfg.Logger.Warn("proactive: rule not evaluated", "rule", r.ID, "event", ev.Key, "err", err)
				continue
			}
			if len(more) > 0 {
				matched++
			}
			recs = append(recs, more...)
		}
		if len(recs) > 0 {
			if err := fn(recs); err != nil {
				return matched, err
			}
		}
		if len(page) < scanPage {
			return matched, nil
		}
		after = page[len(page)-1]
	}
}

// timeEvent is the event of time a scan hit stands for, with its natural
// key: one per person and age, per document, per inspection due date.
func timeEvent(r *Rule, hit registry.Due) Event {
	t := r.Trigger
	ev := Event{Type: t.Event, FIN: hit.FIN, Facts: Facts{}}
	switch t.Event {
	case EventAge:
		ev.Date = hit.Date.AddDate(t.Age, 0, 0)
		ev.Key = "age" + strconv.Itoa(t.Age) + ":" + hit.FIN
		ev.Facts["age"] = strconv.Itoa(t.Age)
	case EventDocumentExpiry:
		ev.Date = hit.Date
		ev.Key = "expiry:" + t.Document + ":" + hit.Ref
		ev.Facts["document"], ev.Facts["number"] = t.Document, hit.Ref
	case EventInspectionDue:
		ev.Date = hit.Date
		ev.Key = "inspection:" + hit.Ref + ":" + registry.FormatDate(hit.Date)
		ev.Facts["plate"] = hit.Ref
	}
	ev.Facts["date"] = registry.FormatDate(ev.Date)
	return ev
}
