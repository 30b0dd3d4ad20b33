package registry

import (
	"context"
	"database/sql"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/nationalid"
	"github.com/egov/egov/internal/store"
)

// Topics of the life events the registries publish through the outbox,
// each in the transaction that changes the registry, with a LifeEvent
// payload whose Key is also the event's key.
const (
	TopicBirth              = "registry.birth"
	TopicDeath              = "registry.death"
	TopicMarriage           = "registry.marriage"
	TopicAddressChanged     = "registry.address_changed"
	TopicBusinessRegistered = "registry.business_registered"
)

// LifeTopics lists every life event topic.
var LifeTopics = []string{TopicBirth, TopicDeath, TopicMarriage, TopicAddressChanged, TopicBusinessRegistered}

// LifeEvent is what happened in a person's life, as the registry records
// it. Key is the event's natural key ("birth:<child FIN>"): the same
// birth registered twice, or its event delivered twice, has one key.
type LifeEvent struct {
	Type string `json:"type"` // birth, death, marriage, address_changed, business_registered
	Key  string `json:"key"`
	FIN  string `json:"fin"`  // whom it is about: the child, the deceased, …
	Date string `json:"date"` // YYYY-MM-DD
	// Relatives by relation: mother and father of a child, spouse.
	Mother string `json:"mother,omitempty"`
	Father string `json:"father,omitempty"`
	Spouse string `json:"spouse,omitempty"`
	VOEN   string `json:"voen,omitempty"`
}

func publishLife(ctx context.Context, tx *sql.Tx, topic string, e LifeEvent) error {
	return events.Publish(ctx, tx, topic, e.Key, e)
}

// BirthEvent is the event of p's birth, with the parents from p's family.
func BirthEvent(p *Person) LifeEvent {
	e := LifeEvent{Type: "birth", Key: "birth:" + p.FIN, FIN: p.FIN, Date: FormatDate(p.BirthDate)}
	for _, l := range p.Family {
		switch l.Relation {
		case Mother:
			e.Mother = l.FIN
		case Father:
			e.Father = l.FIN
		}
	}
	return e
}

// RegisterBirth registers a newborn (with links to the parents, who must
// be registered) and publishes TopicBirth in the same transaction. Errors
// are AddPerson's.
func (r *Registry) RegisterBirth(ctx context.Context, child *Person) error {
	return r.addPerson(ctx, child, func(tx *sql.Tx) error {
		return publishLife(ctx, tx, TopicBirth, BirthEvent(child))
	})
}

// RegisterDeath records a death and publishes TopicDeath.
func (r *Registry) RegisterDeath(ctx context.Context, fin string, day time.Time) error {
	fin, err := checkFIN(fin)
	if err != nil {
		return err
	}
	return r.db.Tx(ctx, func(tx *sql.Tx) error {
		n, err := affected(tx.ExecContext(ctx, `UPDATE registry_persons SET death_date = $1 WHERE fin = $2 AND death_date IS NULL`,
			dateArg(day), fin))
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.NotFound, "registry.error.person_not_found")
		}
		return publishLife(ctx, tx, TopicDeath, LifeEvent{Type: "death", Key: "death:" + fin, FIN: fin, Date: dateArg(day)})
	})
}

// RegisterMarriage links two registered people as spouses and publishes
// TopicMarriage about each of them.
func (r *Registry) RegisterMarriage(ctx context.Context, a, b string, day time.Time) error {
	a, err := checkFIN(a)
	if err != nil {
		return err
	}
	if b, err = checkFIN(b); err != nil {
		return err
	}
	if a == b {
		return errs.E(errs.Invalid, "registry.error.fin_invalid").Field("spouse", "registry.error.fin_invalid")
	}
	first, second := min(a, b), max(a, b)
	key := "marriage:" + first + ":" + second + ":" + dateArg(day)
	return r.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, fin := range []string{a, b} {
			ok, err := personExists(ctx, tx, fin)
			if err != nil {
				return err
			}
			if !ok {
				return errs.E(errs.NotFound, "registry.error.person_not_found")
			}
		}
		for _, pair := range [][2]string{{a, b}, {b, a}} {
			if _, err := tx.ExecContext(ctx, insertFamilySQL+skipDuplicate, pair[0], Spouse, pair[1]); err != nil {
				return err
			}
			if err := publishLife(ctx, tx, TopicMarriage, LifeEvent{Type: "marriage", Key: key, FIN: pair[0], Spouse: pair[1], Date: dateArg(day)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// ChangeAddress records a person's new address and publishes
// TopicAddressChanged.
func (r *Registry) ChangeAddress(ctx context.Context, fin string, a Address, day time.Time) error {
	fin, err := checkFIN(fin)
	if err != nil {
		return err
	}
	return r.db.Tx(ctx, func(tx *sql.Tx) error {
		n, err := affected(tx.ExecContext(ctx, `UPDATE registry_persons SET address_region = $1, address_city = $2,
			address_street = $3, address_house = $4, address_apartment = $5, address_postal_code = $6 WHERE fin = $7`,
			a.Region, a.City, a.Street, a.House, a.Apartment, a.PostalCode, fin))
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.NotFound, "registry.error.person_not_found")
		}
		return publishLife(ctx, tx, TopicAddressChanged, LifeEvent{Type: "address_changed",
			Key: "address:" + fin + ":" + dateArg(day), FIN: fin, Date: dateArg(day)})
	})
}

// RegisterBusiness registers a business (as AddBusiness) and publishes
// TopicBusinessRegistered about its director.
func (r *Registry) RegisterBusiness(ctx context.Context, b *Business) error {
	b.VOEN = nationalid.NormalizeVOEN(b.VOEN)
	b.DirectorFIN = nationalid.NormalizeFIN(b.DirectorFIN)
	if err := b.Validate(); err != nil {
		return err
	}
	return r.db.Tx(ctx, func(tx *sql.Tx) error {
		ok, err := personExists(ctx, tx, b.DirectorFIN)
		if err != nil {
			return err
		}
		if !ok {
			return errs.E(errs.Invalid, "registry.error.director_not_found").Field("director_fin", "registry.error.director_not_found")
		}
		if _, err := insertBusiness(ctx, tx, b, false); err != nil {
			if store.IsUniqueViolation(err) {
				return errs.E(errs.Conflict, "registry.error.business_exists")
			}
			return err
		}
		return publishLife(ctx, tx, TopicBusinessRegistered, LifeEvent{Type: "business_registered",
			Key: "business:" + b.VOEN, FIN: b.DirectorFIN, VOEN: b.VOEN, Date: dateArg(b.Founded)})
	})
}

const metaDemoBirth = "demo_birth_published"

// PublishDemoBirth publishes the birth of the demo's newborn, once ever:
// the demo's children are seeded, not born, so their event is published
// here. It reports whether it published.
func (r *Registry) PublishDemoBirth(ctx context.Context) (bool, error) {
	published := false
	err := r.db.Tx(ctx, func(tx *sql.Tx) error {
		n, err := affected(tx.ExecContext(ctx, `INSERT INTO registry_meta (name, value) VALUES ($1, '1') ON CONFLICT (name) DO NOTHING`, metaDemoBirth))
		if err != nil || n == 0 {
			return err
		}
		child, err := findPerson(ctx, tx, DemoNewbornFIN)
		if err != nil {
			return err
		}
		published = true
		return publishLife(ctx, tx, TopicBirth, BirthEvent(child))
	})
	return published, err
}
