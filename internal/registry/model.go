// Package registry holds the state's base registries — population
// (people, their identity documents and family links), business (companies
// by VÖEN) and vehicles (by plate) — and the generator of a synthetic
// population. Other modules and agencies read the registries through the
// gateway, for which ProviderHandler serves each registry's JSON API.
//
// Calendar dates (birth, issue, expiry, founding, inspection) are time.Time
// values at midnight UTC; JSON shows them as "YYYY-MM-DD".
package registry

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/nationalid"
)

// Sex as recorded in the population registry.
const (
	Female = "F"
	Male   = "M"
)

// Citizenship of a citizen of Azerbaijan (ISO 3166-1 alpha-3).
const CitizenshipAZE = "AZE"

// Kinds of identity document.
const (
	IDCard         = "id-card"
	Passport       = "passport"
	DrivingLicence = "driving-licence"
)

// Family relations, read from the person's side: {Relation: "mother", FIN: x}
// means x is the person's mother.
const (
	Mother = "mother"
	Father = "father"
	Spouse = "spouse"
	Child  = "child"
)

// Legal forms of a business: limited liability company (MMC), open and
// closed joint-stock companies (ASC, QSC), individual entrepreneur (FS).
const (
	MMC = "MMC"
	ASC = "ASC"
	QSC = "QSC"
	FS  = "FS"
)

// Statuses of a business.
const (
	Active     = "active"
	Liquidated = "liquidated"
)

// Address is a postal address in Azerbaijan.
type Address struct {
	Region     string `json:"region"`
	City       string `json:"city"`
	Street     string `json:"street"`
	House      string `json:"house"`
	Apartment  string `json:"apartment,omitempty"`
	PostalCode string `json:"postal_code"`
}

// String writes the address as it is written on an envelope:
// "Füzuli küç. 52, m. 17, Bakı, AZ1014". The region is added when it
// differs from the city.
func (a Address) String() string {
	var b strings.Builder
	add := func(s string) {
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s)
	}
	street := a.Street
	if a.House != "" {
		street = strings.TrimSpace(street + " " + a.House)
	}
	add(street)
	if a.Apartment != "" {
		add("m. " + a.Apartment)
	}
	add(a.City)
	if a.Region != a.City {
		add(a.Region)
	}
	add(a.PostalCode)
	return b.String()
}

// IdentityDocument is an identity card, passport or driving licence.
type IdentityDocument struct {
	Kind      string    `json:"kind"`
	Number    string    `json:"number"`
	IssuedOn  time.Time `json:"issued_on"`
	ExpiresOn time.Time `json:"expires_on"`
}

// ExpiredOn reports whether the document is no longer valid on day.
func (d IdentityDocument) ExpiredOn(day time.Time) bool { return !Date(day).Before(d.ExpiresOn) }

// FamilyLink names one relative of a person.
type FamilyLink struct {
	Relation string `json:"relation"`
	FIN      string `json:"fin"`
}

// Person is one entry of the population registry.
type Person struct {
	FIN         string             `json:"fin"`
	FirstName   string             `json:"first_name"`
	LastName    string             `json:"last_name"`
	Patronymic  string             `json:"patronymic"`
	Sex         string             `json:"sex"`
	BirthDate   time.Time          `json:"birth_date"`
	BirthPlace  string             `json:"birth_place"`
	Citizenship string             `json:"citizenship"`
	Address     Address            `json:"address"`
	Phone       string             `json:"phone,omitempty"`
	Email       string             `json:"email,omitempty"`
	Documents   []IdentityDocument `json:"documents"`
	Family      []FamilyLink       `json:"family"`
	DeathDate   *time.Time         `json:"death_date,omitempty"`
}

// FullName is "First Last".
func (p *Person) FullName() string { return p.FirstName + " " + p.LastName }

// AgeOn is the person's age in whole years on day.
func (p *Person) AgeOn(day time.Time) int {
	day = Date(day)
	age := day.Year() - p.BirthDate.Year()
	if day.Month() < p.BirthDate.Month() || (day.Month() == p.BirthDate.Month() && day.Day() < p.BirthDate.Day()) {
		age--
	}
	return age
}

// Document returns the person's document of kind with the latest expiry,
// and whether there is one.
func (p *Person) Document(kind string) (IdentityDocument, bool) {
	var best IdentityDocument
	found := false
	for _, d := range p.Documents {
		if d.Kind == kind && (!found || d.ExpiresOn.After(best.ExpiresOn)) {
			best, found = d, true
		}
	}
	return best, found
}

// Relatives returns the FINs of the person's relatives of one relation.
func (p *Person) Relatives(relation string) []string {
	var fins []string
	for _, l := range p.Family {
		if l.Relation == relation {
			fins = append(fins, l.FIN)
		}
	}
	return fins
}

// Business is one entry of the business registry.
type Business struct {
	VOEN        string    `json:"voen"`
	Name        string    `json:"name"`
	LegalForm   string    `json:"legal_form"`
	Status      string    `json:"status"`
	DirectorFIN string    `json:"director_fin"`
	Address     Address   `json:"address"`
	Founded     time.Time `json:"founded"`
}

// Vehicle is one entry of the vehicle registry.
type Vehicle struct {
	Plate         string    `json:"plate"`
	VIN           string    `json:"vin"`
	Make          string    `json:"make"`
	Model         string    `json:"model"`
	Year          int       `json:"year"`
	OwnerFIN      string    `json:"owner_fin"`
	InspectionDue time.Time `json:"inspection_due"`
}

// Date returns t's calendar date (in t's location) as midnight UTC, the
// form every date in the registry takes.
func Date(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

const dateLayout = "2006-01-02"

// FormatDate writes a date as "YYYY-MM-DD".
func FormatDate(t time.Time) string { return string(appendDate(make([]byte, 0, 10), t)) }

// ParseDate reads "YYYY-MM-DD" as midnight UTC.
func ParseDate(s string) (time.Time, error) { return time.Parse(dateLayout, s) }

// appendDate appends t as YYYY-MM-DD without going through time.Format.
func appendDate(b []byte, t time.Time) []byte {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, dateLayout)
	}
	return append(b,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(m)/10), byte('0'+int(m)%10), '-',
		byte('0'+d/10), byte('0'+d%10))
}

// NormalizePlate brings a number plate to its canonical form "10-AB-123":
// it trims, upper-cases, and accepts spaces, hyphens or nothing between
// the region code, the letters and the number ("10 ab 123", "10AB123").
// Input that is not a plate comes back trimmed and upper-cased only, so
// ValidPlate rejects it.
func NormalizePlate(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	var compact [7]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '-' {
			continue
		}
		if n == len(compact) {
			return s
		}
		compact[n] = c
		n++
	}
	if n != 7 {
		return s
	}
	p := string(compact[:2]) + "-" + string(compact[2:4]) + "-" + string(compact[4:])
	if !ValidPlate(p) {
		return s
	}
	return p
}

// ValidPlate reports whether s is an Azerbaijani number plate in canonical
// form: a two-digit region code, two Latin letters and three digits
// separated by hyphens, as "10-AB-123". The region code is not 00 and the
// number is not 000.
func ValidPlate(s string) bool {
	if len(s) != 9 || s[2] != '-' || s[5] != '-' {
		return false
	}
	if !isDigit(s[0]) || !isDigit(s[1]) || !isUpper(s[3]) || !isUpper(s[4]) ||
		!isDigit(s[6]) || !isDigit(s[7]) || !isDigit(s[8]) {
		return false
	}
	return s[:2] != "00" && s[6:] != "000"
}

// vinValues are the ISO 3779 transliteration values of VIN characters.
var vinValues = func() [256]int8 {
	var v [256]int8
	for i := range v {
		v[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		v[c] = int8(c - '0')
	}
	for i, c := range "ABCDEFGH" {
		v[c] = int8(i + 1)
	}
	for i, c := range "JKLMN" {
		v[c] = int8(i + 1)
	}
	v['P'], v['R'] = 7, 9
	for i, c := range "STUVWXYZ" {
		v[c] = int8(i + 2)
	}
	return v
}()

var vinWeights = [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}

// vinCheck computes the check character (position 9) of a 17-character VIN.
func vinCheck(vin []byte) byte {
	sum := 0
	for i, c := range vin {
		sum += int(vinValues[c]) * vinWeights[i]
	}
	if r := sum % 11; r < 10 {
		return byte('0' + r)
	}
	return 'X'
}

// ValidVIN reports whether s is a 17-character vehicle identification
// number without I, O or Q and with a correct check digit.
func ValidVIN(s string) bool {
	if len(s) != 17 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if vinValues[s[i]] < 0 {
			return false
		}
	}
	return vinCheck([]byte(s)) == s[8]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// Validate checks a person's own rules; it does not check that relatives exist.
func (p *Person) Validate() error {
	var v errs.Validation
	if !nationalid.ValidFIN(p.FIN) {
		v.Add("fin", "registry.error.fin_invalid")
	}
	if strings.TrimSpace(p.FirstName) == "" {
		v.Add("first_name", "registry.error.first_name_required")
	}
	if strings.TrimSpace(p.LastName) == "" {
		v.Add("last_name", "registry.error.last_name_required")
	}
	if p.Sex != Female && p.Sex != Male {
		v.Add("sex", "registry.error.sex_invalid")
	}
	if p.BirthDate.IsZero() {
		v.Add("birth_date", "registry.error.birth_date_required")
	}
	if len(p.Citizenship) != 3 || strings.ToUpper(p.Citizenship) != p.Citizenship {
		v.Add("citizenship", "registry.error.citizenship_invalid")
	}
	if p.DeathDate != nil && p.DeathDate.Before(p.BirthDate) {
		v.Add("death_date", "registry.error.death_date_invalid")
	}
	for _, d := range p.Documents {
		if d.Kind != IDCard && d.Kind != Passport && d.Kind != DrivingLicence {
			v.Add("documents", "registry.error.document_kind_invalid")
		}
		if strings.TrimSpace(d.Number) == "" {
			v.Add("documents", "registry.error.document_number_required")
		}
		if d.IssuedOn.IsZero() || !d.ExpiresOn.After(d.IssuedOn) {
			v.Add("documents", "registry.error.document_dates_invalid")
		}
	}
	for _, l := range p.Family {
		if l.Relation != Mother && l.Relation != Father && l.Relation != Spouse && l.Relation != Child {
			v.Add("family", "registry.error.relation_invalid")
		}
		if !nationalid.ValidFIN(l.FIN) || l.FIN == p.FIN {
			v.Add("family", "registry.error.relative_invalid")
		}
	}
	return v.Err()
}

// Validate checks a business's own rules; it does not check that the
// director exists.
func (b *Business) Validate() error {
	var v errs.Validation
	if !nationalid.ValidVOEN(b.VOEN) {
		v.Add("voen", "registry.error.voen_invalid")
	}
	if strings.TrimSpace(b.Name) == "" {
		v.Add("name", "registry.error.name_required")
	}
	switch b.LegalForm {
	case MMC, ASC, QSC, FS:
	default:
		v.Add("legal_form", "registry.error.legal_form_invalid")
	}
	if b.Status != Active && b.Status != Liquidated {
		v.Add("status", "registry.error.status_invalid")
	}
	if !nationalid.ValidFIN(b.DirectorFIN) {
		v.Add("director_fin", "registry.error.fin_invalid")
	}
	if b.Founded.IsZero() {
		v.Add("founded", "registry.error.founded_required")
	}
	return v.Err()
}

// Validate checks a vehicle's own rules; it does not check that the owner exists.
func (v *Vehicle) Validate() error {
	var val errs.Validation
	if !ValidPlate(v.Plate) {
		val.Add("plate", "registry.error.plate_invalid")
	}
	if !ValidVIN(v.VIN) {
		val.Add("vin", "registry.error.vin_invalid")
	}
	if strings.TrimSpace(v.Make) == "" || strings.TrimSpace(v.Model) == "" {
		val.Add("model", "registry.error.model_required")
	}
	if v.Year < 1900 || v.Year > 2200 {
		val.Add("year", "registry.error.year_invalid")
	}
	if !nationalid.ValidFIN(v.OwnerFIN) {
		val.Add("owner_fin", "registry.error.fin_invalid")
	}
	if v.InspectionDue.IsZero() {
		val.Add("inspection_due", "registry.error.inspection_due_required")
	}
	return val.Err()
}

// JSON shows dates as "YYYY-MM-DD". The aliases drop the methods so the
// default encoding does the rest.
type (
	personAlias   Person
	documentAlias IdentityDocument
	businessAlias Business
	vehicleAlias  Vehicle
)

// jsonDate is a date that encodes as "YYYY-MM-DD".
type jsonDate struct{ t *time.Time }

func (d jsonDate) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 12), '"')
	return append(appendDate(b, *d.t), '"'), nil
}

func (d jsonDate) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d.t = t
	return nil
}

// MarshalJSON writes the dates as "YYYY-MM-DD".
func (p Person) MarshalJSON() ([]byte, error) {
	out := struct {
		personAlias
		BirthDate jsonDate  `json:"birth_date"`
		DeathDate *jsonDate `json:"death_date,omitempty"`
	}{personAlias: personAlias(p), BirthDate: jsonDate{&p.BirthDate}}
	if p.DeathDate != nil {
		out.DeathDate = &jsonDate{p.DeathDate}
	}
	if out.Documents == nil {
		out.Documents = []IdentityDocument{}
	}
	if out.Family == nil {
		out.Family = []FamilyLink{}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the dates as "YYYY-MM-DD".
func (p *Person) UnmarshalJSON(b []byte) error {
	var death time.Time
	in := struct {
		*personAlias
		BirthDate jsonDate  `json:"birth_date"`
		DeathDate *jsonDate `json:"death_date,omitempty"`
	}{personAlias: (*personAlias)(p), BirthDate: jsonDate{&p.BirthDate}, DeathDate: &jsonDate{&death}}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	p.DeathDate = nil
	if !death.IsZero() {
		p.DeathDate = &death
	}
	return nil
}

// MarshalJSON writes the dates as "YYYY-MM-DD".
func (d IdentityDocument) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		documentAlias
		IssuedOn  jsonDate `json:"issued_on"`
		ExpiresOn jsonDate `json:"expires_on"`
	}{documentAlias(d), jsonDate{&d.IssuedOn}, jsonDate{&d.ExpiresOn}})
}

// UnmarshalJSON reads the dates as "YYYY-MM-DD".
func (d *IdentityDocument) UnmarshalJSON(b []byte) error {
	return json.Unmarshal(b, &struct {
		*documentAlias
		IssuedOn  jsonDate `json:"issued_on"`
		ExpiresOn jsonDate `json:"expires_on"`
	}{(*documentAlias)(d), jsonDate{&d.IssuedOn}, jsonDate{&d.ExpiresOn}})
}

// MarshalJSON writes the founding date as "YYYY-MM-DD".
func (b Business) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		businessAlias
		Founded jsonDate `json:"founded"`
	}{businessAlias(b), jsonDate{&b.Founded}})
}

// UnmarshalJSON reads the founding date as "YYYY-MM-DD".
func (b *Business) UnmarshalJSON(data []byte) error {
	return json.Unmarshal(data, &struct {
		*businessAlias
		Founded jsonDate `json:"founded"`
	}{(*businessAlias)(b), jsonDate{&b.Founded}})
}

// MarshalJSON writes the inspection date as "YYYY-MM-DD".
func (v Vehicle) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		vehicleAlias
		InspectionDue jsonDate `json:"inspection_due"`
	}{vehicleAlias(v), jsonDate{&v.InspectionDue}})
}

// UnmarshalJSON reads the inspection date as "YYYY-MM-DD".
func (v *Vehicle) UnmarshalJSON(data []byte) error {
	return json.Unmarshal(data, &struct {
		*vehicleAlias
		InspectionDue jsonDate `json:"inspection_due"`
	}{(*vehicleAlias)(v), jsonDate{&v.InspectionDue}})
}
