package registry

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/store"
)

type querier = store.Querier

const personColumns = `fin, first_name, last_name, patronymic, sex, birth_date, birth_place, citizenship,
	address_region, address_city, address_street, address_house, address_apartment, address_postal_code,
	phone, email, death_date`

const insertPersonSQL = `INSERT INTO registry_persons (` + personColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`

func personArgs(p *Person) []any {
	var death any
	if p.DeathDate != nil {
		death = FormatDate(*p.DeathDate)
	}
	a := &p.Address
	return []any{p.FIN, p.FirstName, p.LastName, p.Patronymic, p.Sex, FormatDate(p.BirthDate), p.BirthPlace, p.Citizenship,
		a.Region, a.City, a.Street, a.House, a.Apartment, a.PostalCode, p.Phone, p.Email, death}
}

const insertDocumentSQL = `INSERT INTO registry_documents (person_fin, kind, number, issued_on, expires_on) VALUES ($1, $2, $3, $4, $5)`

const insertFamilySQL = `INSERT INTO registry_family (person_fin, relation, relative_fin) VALUES ($1, $2, $3)`

const businessColumns = `voen, name, legal_form, status, director_fin,
	address_region, address_city, address_street, address_house, address_apartment, address_postal_code, founded`

const insertBusinessSQL = `INSERT INTO registry_businesses (` + businessColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

func businessArgs(b *Business) []any {
	a := &b.Address
	return []any{b.VOEN, b.Name, b.LegalForm, b.Status, b.DirectorFIN,
		a.Region, a.City, a.Street, a.House, a.Apartment, a.PostalCode, FormatDate(b.Founded)}
}

const vehicleColumns = `plate, vin, make, model, year, owner_fin, inspection_due`

const insertVehicleSQL = `INSERT INTO registry_vehicles (` + vehicleColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7)`

func vehicleArgs(v *Vehicle) []any {
	return []any{v.Plate, v.VIN, v.Make, v.Model, v.Year, v.OwnerFIN, FormatDate(v.InspectionDue)}
}

const skipDuplicate = ` ON CONFLICT DO NOTHING`

// insertPerson inserts the person's own row (not documents or family). With
// skipExisting a person already there is left alone and 0 is returned.
func insertPerson(ctx context.Context, tx *sql.Tx, p *Person, skipExisting bool) (int, error) {
	q := insertPersonSQL
	if skipExisting {
		q += skipDuplicate
	}
	return affected(tx.ExecContext(ctx, q, personArgs(p)...))
}

// insertPersonDetails inserts the person's documents and family links,
// each link in both directions. The relatives must exist.
func insertPersonDetails(ctx context.Context, tx *sql.Tx, p *Person, skipExisting bool) error {
	docSQL := insertDocumentSQL
	if skipExisting {
		docSQL += skipDuplicate
	}
	for _, d := range p.Documents {
		if _, err := tx.ExecContext(ctx, docSQL, p.FIN, d.Kind, d.Number, FormatDate(d.IssuedOn), FormatDate(d.ExpiresOn)); err != nil {
			if store.IsUniqueViolation(err) {
				return errs.E(errs.Conflict, "registry.error.document_exists").Field("documents", "registry.error.document_exists")
			}
			return err
		}
	}
	for _, l := range p.Family {
		if _, err := tx.ExecContext(ctx, insertFamilySQL+skipDuplicate, p.FIN, l.Relation, l.FIN); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, insertFamilySQL+skipDuplicate, l.FIN, inverse(l.Relation, p.Sex), p.FIN); err != nil {
			return err
		}
	}
	return nil
}

// inverse is the relation seen from the relative's side: the relative of
// someone's mother is her child; the relative of a woman's child is its mother.
func inverse(relation, sex string) string {
	switch relation {
	case Mother, Father:
		return Child
	case Child:
		if sex == Female {
			return Mother
		}
		return Father
	}
	return relation
}

func insertBusiness(ctx context.Context, tx *sql.Tx, b *Business, skipExisting bool) (int, error) {
	q := insertBusinessSQL
	if skipExisting {
		q += skipDuplicate
	}
	return affected(tx.ExecContext(ctx, q, businessArgs(b)...))
}

func insertVehicle(ctx context.Context, tx *sql.Tx, v *Vehicle, skipExisting bool) (int, error) {
	q := insertVehicleSQL
	if skipExisting {
		q += skipDuplicate
	}
	return affected(tx.ExecContext(ctx, q, vehicleArgs(v)...))
}

func affected(res sql.Result, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func personExists(ctx context.Context, q querier, fin string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM registry_persons WHERE fin = $1`, fin).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// findPerson reads a person with documents and family, or returns NotFound.
func findPerson(ctx context.Context, q querier, fin string) (*Person, error) {
	p := &Person{}
	var birth string
	var death sql.NullString
	a := &p.Address
	err := q.QueryRowContext(ctx, `SELECT `+personColumns+` FROM registry_persons WHERE fin = $1`, fin).Scan(
		&p.FIN, &p.FirstName, &p.LastName, &p.Patronymic, &p.Sex, &birth, &p.BirthPlace, &p.Citizenship,
		&a.Region, &a.City, &a.Street, &a.House, &a.Apartment, &a.PostalCode, &p.Phone, &p.Email, &death)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "registry.error.person_not_found")
	}
	if err != nil {
		return nil, err
	}
	if p.BirthDate, err = ParseDate(birth); err != nil {
		return nil, err
	}
	if death.Valid {
		d, err := ParseDate(death.String)
		if err != nil {
			return nil, err
		}
		p.DeathDate = &d
	}
	rows, err := q.QueryContext(ctx, `SELECT kind, number, issued_on, expires_on FROM registry_documents
		WHERE person_fin = $1 ORDER BY kind, issued_on, number`, fin)
	if err != nil {
		return nil, err
	}
	p.Documents = []IdentityDocument{}
	for rows.Next() {
		var d IdentityDocument
		var issued, expires string
		if err := rows.Scan(&d.Kind, &d.Number, &issued, &expires); err != nil {
			rows.Close()
			return nil, err
		}
		d.IssuedOn, _ = ParseDate(issued)
		d.ExpiresOn, _ = ParseDate(expires)
		p.Documents = append(p.Documents, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT relation, relative_fin FROM registry_family
		WHERE person_fin = $1 ORDER BY relation, relative_fin`, fin)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p.Family = []FamilyLink{}
	for rows.Next() {
		var l FamilyLink
		if err := rows.Scan(&l.Relation, &l.FIN); err != nil {
			return nil, err
		}
		p.Family = append(p.Family, l)
	}
	return p, rows.Err()
}

func queryBusinesses(ctx context.Context, q querier, where string, arg any) ([]Business, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+businessColumns+` FROM registry_businesses WHERE `+where+` ORDER BY voen`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Business{}
	for rows.Next() {
		var b Business
		var founded string
		a := &b.Address
		if err := rows.Scan(&b.VOEN, &b.Name, &b.LegalForm, &b.Status, &b.DirectorFIN,
			&a.Region, &a.City, &a.Street, &a.House, &a.Apartment, &a.PostalCode, &founded); err != nil {
			return nil, err
		}
		b.Founded, _ = ParseDate(founded)
		out = append(out, b)
	}
	return out, rows.Err()
}

func queryVehicles(ctx context.Context, q querier, where string, args ...any) ([]Vehicle, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+vehicleColumns+` FROM registry_vehicles WHERE `+where+` ORDER BY plate`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Vehicle{}
	for rows.Next() {
		var v Vehicle
		var due string
		if err := rows.Scan(&v.Plate, &v.VIN, &v.Make, &v.Model, &v.Year, &v.OwnerFIN, &due); err != nil {
			return nil, err
		}
		v.InspectionDue, _ = ParseDate(due)
		out = append(out, v)
	}
	return out, rows.Err()
}

func queryStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// setMeta records one setting, replacing any earlier value.
func setMeta(ctx context.Context, q querier, name, value string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO registry_meta (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	return err
}

func getMeta(ctx context.Context, q querier, name string) (string, bool, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM registry_meta WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

// dateArg is a date as stored.
func dateArg(t time.Time) string { return FormatDate(Date(t)) }
