package proactive

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/registry"
)

// Author is who writes rules: the platform's administrator (any agency)
// or an agency's supervisor (their own agency's rules only).
type Author struct {
	ID     string // "staff:<login>", for the audit log
	Agency string
	Admin  bool
}

// May reports whether the author may write and see an agency's rules.
func (a Author) May(agency string) bool { return a.Admin || (a.Agency != "" && a.Agency == agency) }

// Rules lists every version of the rules the author may see.
func (s *Service) Rules(ctx context.Context, by Author) ([]*Rule, error) {
	if by.Admin {
		return listRules(ctx, s.db, `1 = 1`)
	}
	return listRules(ctx, s.db, `agency = $1`, by.Agency)
}

// Rule is one version of a rule the author may see, or NotFound.
func (s *Service) Rule(ctx context.Context, by Author, id string, version int) (*Rule, error) {
	r, err := ruleVersion(ctx, s.db, id, version)
	if err != nil {
		return nil, err
	}
	if !by.May(r.Agency) {
		return nil, errs.E(errs.NotFound, "proactive.error.rule_not_found")
	}
	return r, nil
}

// SaveDraft stores a rule written as JSON as the next version of its id,
// a draft. Errors: Invalid (ParseRule's), Forbidden for another agency's
// rule.
func (s *Service) SaveDraft(ctx context.Context, by Author, definition []byte) (*Rule, error) {
	r, _, err := ParseRule(definition)
	if err != nil {
		return nil, err
	}
	if !by.May(r.Agency) {
		return nil, errs.E(errs.Invalid, "proactive.error.agency_not_yours").Field("definition", "proactive.error.agency_not_yours")
	}
	r.Status, r.CreatedBy, r.CreatedAt = RuleDraft, by.ID, s.now()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		last, err := lastVersion(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if last > 0 {
			prev, err := ruleVersion(ctx, tx, r.ID, last)
			if err != nil {
				return err
			}
			if !by.May(prev.Agency) {
				return errs.E(errs.Invalid, "proactive.error.agency_not_yours").Field("definition", "proactive.error.agency_not_yours")
			}
		}
		r.Version = last + 1
		if err := insertRule(ctx, tx, r); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: by.ID, Action: "proactive.rule_saved",
			Object: "rule:" + r.ID, Detail: map[string]string{"version": strconv.Itoa(r.Version)}})
		return err
	})
	return r, err
}

// Publish makes a version of a rule live; the version live before is
// retired. The rule acts from its start date on.
func (s *Service) Publish(ctx context.Context, by Author, id string, version int) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := ruleVersion(ctx, tx, id, version)
		if err != nil {
			return err
		}
		if !by.May(r.Agency) {
			return errs.E(errs.NotFound, "proactive.error.rule_not_found")
		}
		if r.Status == RuleLive {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE proactive_rules SET status = $1 WHERE rule_id = $2 AND status = $3`,
			RuleRetired, id, RuleLive); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE proactive_rules SET status = $1 WHERE rule_id = $2 AND version = $3`,
			RuleLive, id, version); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: by.ID, Action: "proactive.rule_published",
			Object: "rule:" + id, Detail: map[string]string{"version": strconv.Itoa(version)}})
		return err
	})
}

//go:embed seed/rules.json
var seedRules []byte

// SeedRules adds the seeded services' rules (seed/rules.json), each live,
// where no version of the rule exists yet; it reports how many it added.
func (s *Service) SeedRules(ctx context.Context) (int, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(seedRules, &list); err != nil {
		return 0, err
	}
	added := 0
	for _, raw := range list {
		r, _, err := ParseRule(raw)
		if err != nil {
			return added, fmt.Errorf("proactive: seeded rule: %w", err)
		}
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			last, err := lastVersion(ctx, tx, r.ID)
			if err != nil || last > 0 {
				return err
			}
			r.Version, r.Status, r.CreatedBy, r.CreatedAt = 1, RuleLive, "system:seed", s.now()
			added++
			return insertRule(ctx, tx, r)
		})
		if err != nil {
			return added, err
		}
	}
	return added, nil
}

// Trial is what a rule would do for one person: whether its condition
// holds and the actions, with their recipients.
type Trial struct {
	FIN     string
	Event   Event
	Matches bool
	Records []*Record
	Err     string // the condition's evaluation error, if any
}

// Test runs a rule version against one person without recording
// anything. The event is the one the person's record implies: for an age
// rule, their birthday of that age; for a document, its expiry; for an
// inspection, their first vehicle's; for a life event, that event
// happening to them today. The staff member's read of the person's
// record is audited.
func (s *Service) Test(ctx context.Context, by Author, r *Rule, fin string) (*Trial, error) {
	if !by.May(r.Agency) {
		return nil, errs.E(errs.NotFound, "proactive.error.rule_not_found")
	}
	p, err := s.cfg.Registry.Person(ctx, fin)
	if err != nil {
		if k := errs.KindOf(err); k == errs.Invalid || k == errs.NotFound {
			return nil, errs.E(errs.Invalid, "proactive.error.fin").Field("fin", "proactive.error.fin")
		}
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: by.ID, Action: "proactive.rule_tested",
			Object: "person:" + p.FIN, Detail: map[string]string{"rule": r.ID, "version": strconv.Itoa(r.Version),
				"purpose": "testing a proactive rule before it goes live"}})
		return err
	})
	if err != nil {
		return nil, err
	}
	ev, err := s.impliedEvent(ctx, r, p)
	if err != nil {
		return nil, err
	}
	t := &Trial{FIN: p.FIN, Event: ev}
	recs, err := s.evaluate(r, ev, p)
	if err != nil {
		t.Err = err.Error()
		return t, nil
	}
	t.Matches, t.Records = len(recs) > 0, recs
	return t, nil
}

// impliedEvent is the event a person's record implies for a rule.
func (s *Service) impliedEvent(ctx context.Context, r *Rule, p *registry.Person) (Event, error) {
	today := s.today()
	tr := r.Trigger
	switch tr.Event {
	case EventAge:
		return timeEvent(r, registry.Due{FIN: p.FIN, Date: p.BirthDate, Ref: p.FIN}), nil
	case EventDocumentExpiry:
		d, ok := p.Document(tr.Document)
		if !ok {
			return Event{Type: tr.Event, Key: "expiry:" + tr.Document + ":none", FIN: p.FIN, Facts: Facts{}}, nil
		}
		return timeEvent(r, registry.Due{FIN: p.FIN, Date: d.ExpiresOn, Ref: d.Number}), nil
	case EventInspectionDue:
		vs, err := s.cfg.Registry.VehiclesOwnedBy(ctx, p.FIN)
		if err != nil {
			return Event{}, err
		}
		if len(vs) == 0 {
			return Event{Type: tr.Event, Key: "inspection:none", FIN: p.FIN, Facts: Facts{}}, nil
		}
		return timeEvent(r, registry.Due{FIN: p.FIN, Date: vs[0].InspectionDue, Ref: vs[0].Plate}), nil
	}
	le := registry.LifeEvent{Type: tr.Event, Key: tr.Event + ":" + p.FIN + ":test", FIN: p.FIN, Date: registry.FormatDate(today)}
	if tr.Event == EventBirth {
		le = registry.BirthEvent(p)
	}
	for _, l := range p.Family {
		if l.Relation == registry.Spouse {
			le.Spouse = l.FIN
		}
	}
	return fromLife(le)
}

// DryRun is how many people a rule would act for, with a sample.
type DryRun struct {
	Scanned int // people (or documents, vehicles) read
	Matched int // for whom the condition holds
	Actions int
	Sample  []string // FINs, at most sampleSize
	Capped  bool     // the population was larger than the cap; figures are for the part read
}

const (
	sampleSize  = 10
	dryRunLimit = 2_000_000
)

// DryRunRule evaluates a rule version over the population without
// recording anything. A rule on an event of time is run over its whole
// window as its first scan would be (everyone inside the lead time); a
// rule on a life event over every living person as if the event happened
// to them today (at most two million, read in pages). One audit entry
// records the run.
func (s *Service) DryRunRule(ctx context.Context, by Author, r *Rule) (*DryRun, error) {
	if !by.May(r.Agency) {
		return nil, errs.E(errs.NotFound, "proactive.error.rule_not_found")
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: by.ID, Action: "proactive.rule_dry_run",
			Object: "rule:" + r.ID, Detail: map[string]string{"version": strconv.Itoa(r.Version),
				"purpose": "estimating whom a proactive rule would act for"}})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &DryRun{}
	collect := func(recs []*Record) {
		seen := ""
		for _, rec := range recs {
			out.Actions++
			if rec.FIN != seen && len(out.Sample) < sampleSize {
				out.Sample = append(out.Sample, rec.FIN)
				seen = rec.FIN
			}
		}
	}
	today := s.today()
	switch r.Trigger.Event {
	case EventAge, EventDocumentExpiry, EventInspectionDue:
		matched, err := s.eachMatch(ctx, r, today, today.AddDate(0, 0, r.Trigger.LeadDays), func(recs []*Record) error {
			collect(recs)
			return nil
		})
		out.Matched, out.Scanned = matched, matched
		return out, err
	}
	var after registry.Due
	for out.Scanned < dryRunLimit {
		page, err := s.cfg.Registry.BornBetween(ctx, registry.Date(minBirth), today, after, scanPage)
		if err != nil {
			return nil, err
		}
		for _, hit := range page {
			p, err := s.cfg.Registry.Person(ctx, hit.FIN)
			if err != nil {
				return nil, err
			}
			ev, err := s.impliedEvent(ctx, r, p)
			if err != nil {
				continue
			}
			recs, err := s.evaluate(r, ev, p)
			if err != nil || len(recs) == 0 {
				continue
			}
			out.Matched++
			collect(recs)
		}
		out.Scanned += len(page)
		if len(page) < scanPage {
			return out, nil
		}
		after = page[len(page)-1]
	}
	out.Capped = true
	return out, nil
}

// minBirth is before anyone in the registry was born.
var minBirth = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
