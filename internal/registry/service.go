package registry

import (
	"context"
	"database/sql"
	"embed"
	"io/fs"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/nationalid"
	"github.com/egov/egov/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

//go:embed locales/*.json
var localesFS embed.FS

// Migrations create the registries' tables (registry_*).
var Migrations = store.Migrations{Module: "registry", FS: store.MustSub(migrationsFS, "migrations")}

// Locales holds the registry's messages as locales/az.json, en.json and
// ru.json, for the web layer to load.
func Locales() fs.FS { return localesFS }

// Registry reads and writes the population, business and vehicle
// registries. Reads are plain queries; every write is one transaction.
type Registry struct {
	db *store.DB
}

// New returns the registries kept in db, which must have Migrations applied.
func New(db *store.DB) *Registry { return &Registry{db: db} }

// Person returns the person with the FIN fin (normalised first), with
// documents and family links. It fails with Invalid for a malformed FIN
// and NotFound ("registry.error.person_not_found") for an unknown one.
func (r *Registry) Person(ctx context.Context, fin string) (*Person, error) {
	fin, err := checkFIN(fin)
	if err != nil {
		return nil, err
	}
	return findPerson(ctx, r.db, fin)
}

// Business returns the business with the VÖEN voen. It fails with Invalid
// for a malformed VÖEN and NotFound ("registry.error.business_not_found")
// for an unknown one.
func (r *Registry) Business(ctx context.Context, voen string) (*Business, error) {
	voen = nationalid.NormalizeVOEN(voen)
	if !nationalid.ValidVOEN(voen) {
		return nil, errs.E(errs.Invalid, "registry.error.voen_invalid").Field("voen", "registry.error.voen_invalid")
	}
	found, err := queryBusinesses(ctx, r.db, `voen = $1`, voen)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, errs.E(errs.NotFound, "registry.error.business_not_found")
	}
	return &found[0], nil
}

// Vehicle returns the vehicle with the number plate plate, which may be
// written loosely ("10 ab 123"). It fails with Invalid for something that
// is not a plate and NotFound ("registry.error.vehicle_not_found") for an
// unknown one.
func (r *Registry) Vehicle(ctx context.Context, plate string) (*Vehicle, error) {
	plate = NormalizePlate(plate)
	if !ValidPlate(plate) {
		return nil, errs.E(errs.Invalid, "registry.error.plate_invalid").Field("plate", "registry.error.plate_invalid")
	}
	found, err := queryVehicles(ctx, r.db, `plate = $1`, plate)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, errs.E(errs.NotFound, "registry.error.vehicle_not_found")
	}
	return &found[0], nil
}

// BusinessesDirectedBy lists the businesses whose director is fin, by
// VÖEN; none is an empty list, also for an unknown person.
func (r *Registry) BusinessesDirectedBy(ctx context.Context, fin string) ([]Business, error) {
	fin, err := checkFIN(fin)
	if err != nil {
		return nil, err
	}
	return queryBusinesses(ctx, r.db, `director_fin = $1`, fin)
}

// VehiclesOwnedBy lists the vehicles owned by fin, by plate; none is an
// empty list, also for an unknown person.
func (r *Registry) VehiclesOwnedBy(ctx context.Context, fin string) ([]Vehicle, error) {
	fin, err := checkFIN(fin)
	if err != nil {
		return nil, err
	}
	return queryVehicles(ctx, r.db, `owner_fin = $1`, fin)
}

func checkFIN(fin string) (string, error) {
	fin = nationalid.NormalizeFIN(fin)
	if !nationalid.ValidFIN(fin) {
		return "", errs.E(errs.Invalid, "registry.error.fin_invalid").Field("fin", "registry.error.fin_invalid")
	}
	return fin, nil
}

// AddPerson registers a person with documents and family links in one
// transaction. The FIN is normalised and an empty citizenship means AZE.
// Each family link is also recorded from the relative's side (a child
// link to p makes p the relative's mother or father), so the relatives
// must already be registered. Errors: Invalid with field errors, Invalid
// "registry.error.relative_not_found", Conflict
// "registry.error.person_exists" or "registry.error.document_exists".
func (r *Registry) AddPerson(ctx context.Context, p *Person) error {
	return r.addPerson(ctx, p, nil)
}

// addPerson is AddPerson; then, when given, runs in the same transaction
// once the person is stored (a life event's publication).
func (r *Registry) addPerson(ctx context.Context, p *Person, then func(*sql.Tx) error) error {
	p.FIN = nationalid.NormalizeFIN(p.FIN)
	if p.Citizenship == "" {
		p.Citizenship = CitizenshipAZE
	}
	p.BirthDate = Date(p.BirthDate)
	for i := range p.Family {
		p.Family[i].FIN = nationalid.NormalizeFIN(p.Family[i].FIN)
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return r.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, l := range p.Family {
			ok, err := personExists(ctx, tx, l.FIN)
			if err != nil {
				return err
			}
			if !ok {
				return errs.E(errs.Invalid, "registry.error.relative_not_found").Field("family", "registry.error.relative_not_found")
			}
		}
		if _, err := insertPerson(ctx, tx, p, false); err != nil {
			if store.IsUniqueViolation(err) {
				return errs.E(errs.Conflict, "registry.error.person_exists")
			}
			return err
		}
		if err := insertPersonDetails(ctx, tx, p, false); err != nil || then == nil {
			return err
		}
		return then(tx)
	})
}

// AddBusiness registers a business whose director is a registered person.
// Errors: Invalid with field errors (an unknown director is
// "registry.error.director_not_found"), Conflict "registry.error.business_exists".
func (r *Registry) AddBusiness(ctx context.Context, b *Business) error {
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
		return nil
	})
}

// AddVehicle registers a vehicle owned by a registered person. The plate
// is normalised. Errors: Invalid with field errors (an unknown owner is
// "registry.error.owner_not_found"), Conflict "registry.error.vehicle_exists"
// when the plate or VIN is taken.
func (r *Registry) AddVehicle(ctx context.Context, v *Vehicle) error {
	v.Plate = NormalizePlate(v.Plate)
	v.OwnerFIN = nationalid.NormalizeFIN(v.OwnerFIN)
	if err := v.Validate(); err != nil {
		return err
	}
	return r.db.Tx(ctx, func(tx *sql.Tx) error {
		ok, err := personExists(ctx, tx, v.OwnerFIN)
		if err != nil {
			return err
		}
		if !ok {
			return errs.E(errs.Invalid, "registry.error.owner_not_found").Field("owner_fin", "registry.error.owner_not_found")
		}
		if _, err := insertVehicle(ctx, tx, v, false); err != nil {
			if store.IsUniqueViolation(err) {
				return errs.E(errs.Conflict, "registry.error.vehicle_exists")
			}
			return err
		}
		return nil
	})
}

// Counts are the sizes of the registries.
type Counts struct {
	People     int `json:"people"`
	Businesses int `json:"businesses"`
	Vehicles   int `json:"vehicles"`
}

// Count returns how many people, businesses and vehicles are registered.
func (r *Registry) Count(ctx context.Context) (Counts, error) {
	var c Counts
	err := r.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM registry_persons),
		(SELECT COUNT(*) FROM registry_businesses),
		(SELECT COUNT(*) FROM registry_vehicles)`).Scan(&c.People, &c.Businesses, &c.Vehicles)
	return c, err
}

// PeopleBornOn lists the FINs of the people born on the date day, as a
// proactive service looks for who turns 18 or 65 on a given day.
func (r *Registry) PeopleBornOn(ctx context.Context, day time.Time) ([]string, error) {
	return queryStrings(ctx, r.db, `SELECT fin FROM registry_persons WHERE birth_date = $1 ORDER BY fin`, dateArg(day))
}

// PeopleWithBirthday lists the FINs of the living people whose birthday
// is on month and day in any year.
func (r *Registry) PeopleWithBirthday(ctx context.Context, month time.Month, day int) ([]string, error) {
	md := string([]byte{byte('0' + int(month)/10), byte('0' + int(month)%10), '-', byte('0' + day/10%10), byte('0' + day%10)})
	return queryStrings(ctx, r.db, `SELECT fin FROM registry_persons
		WHERE substr(birth_date, 6) = $1 AND death_date IS NULL ORDER BY fin`, md)
}

// ExpiringDocument is an identity document with its holder.
type ExpiringDocument struct {
	FIN string `json:"fin"`
	IdentityDocument
}

// DocumentsExpiring lists the documents expiring between from and to
// inclusive, by expiry date. Keep the window short on a large population.
func (r *Registry) DocumentsExpiring(ctx context.Context, from, to time.Time) ([]ExpiringDocument, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT person_fin, kind, number, issued_on, expires_on FROM registry_documents
		WHERE expires_on BETWEEN $1 AND $2 ORDER BY expires_on, person_fin, kind`, dateArg(from), dateArg(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ExpiringDocument{}
	for rows.Next() {
		var d ExpiringDocument
		var issued, expires string
		if err := rows.Scan(&d.FIN, &d.Kind, &d.Number, &issued, &expires); err != nil {
			return nil, err
		}
		d.IssuedOn, _ = ParseDate(issued)
		d.ExpiresOn, _ = ParseDate(expires)
		out = append(out, d)
	}
	return out, rows.Err()
}

// InspectionsDue lists the vehicles whose technical inspection falls due
// between from and to inclusive.
func (r *Registry) InspectionsDue(ctx context.Context, from, to time.Time) ([]Vehicle, error) {
	return queryVehicles(ctx, r.db, `inspection_due BETWEEN $1 AND $2`, dateArg(from), dateArg(to))
}
