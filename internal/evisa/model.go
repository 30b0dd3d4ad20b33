// Package evisa is the electronic visa (ASAN Visa) for foreigners: an
// application without an account for one person or a group (one payer,
// one bill), automated checks (passports already holding a visa, a
// watch list matched across scripts), the migration service's decision
// within the deadline (urgent first), the signed e-visa with its
// machine-readable zone and QR code sent by e-mail, and the border's
// check, entry, exit and overstays.
package evisa

import (
	_ "embed"
	"encoding/json"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/refnum"
)

// Agency is the catalog slug of the state migration service, which
// decides e-visas and whose key signs them.
const Agency = "migration"

// ServiceSlug is the e-visa's service in the catalog.
const ServiceSlug = "e-visa"

// The visa's terms.
const (
	ValidityDays = 90 // from the planned entry date
	MaxStayDays  = 30 // from the day of entry
	// PassportMarginMonths: the passport must be valid this long after
	// the visa's last day.
	PassportMarginMonths = 3
	MaxPeople            = 9 // in one group application
)

// Speed is how fast an application is decided.
type Speed string

const (
	Standard Speed = "standard" // 3 working days
	Urgent   Speed = "urgent"   // 3 hours, any day
)

// Application statuses.
const (
	StatusDraft   = "draft"            // people being added
	StatusUnpaid  = "awaiting_payment" // submitted, the bill open
	StatusPaid    = "paid"             // in the migration service's hands
	StatusExpired = "expired"          // not paid in time
)

// A person's statuses.
const (
	PersonWaiting  = "waiting"  // their application is not paid
	PersonReview   = "review"   // checked automatically, awaiting the operator
	PersonApproved = "approved" // decided; the visa is being issued
	PersonRefused  = "refused"
	PersonIssued   = "issued"
	PersonExpired  = "expired" // the application was never paid
)

// Purposes of the visit.
var Purposes = []string{"tourism", "business", "private", "medical", "sport", "culture"}

// Country is a nationality and whether it may apply online.
type Country struct {
	Code     string    `json:"code"` // ICAO 9303 code, e.g. GBR (Germany: D)
	Eligible bool      `json:"eligible"`
	Name     lang.Text `json:"name"`
}

//go:embed data/countries.json
var countriesJSON []byte

// Countries are the nationalities the form offers, as data.
var Countries = func() []Country {
	var list []Country
	if err := json.Unmarshal(countriesJSON, &list); err != nil {
		panic("evisa: data/countries.json: " + err.Error())
	}
	return list
}()

// CountryOf finds a nationality by code.
func CountryOf(code string) (Country, bool) {
	i := slices.IndexFunc(Countries, func(c Country) bool { return c.Code == code })
	if i < 0 {
		return Country{}, false
	}
	return Countries[i], true
}

// Fee is what one person's visa costs at one speed, in qəpik.
type Fee struct {
	Speed       Speed `json:"speed"`
	StateFee    int64 `json:"state_fee_qepik"`
	ServiceFee  int64 `json:"service_fee_qepik"`
	WorkingDays int   `json:"working_days"`
	Hours       int   `json:"hours"`
}

// Total is the state fee plus the service fee.
func (f Fee) Total() int64 { return f.StateFee + f.ServiceFee }

// Fees are the speeds and their fees, and how long a bill waits, as data.
type Fees struct {
	UnpaidExpiresAfterHours int   `json:"unpaid_expires_after_hours"`
	Speeds                  []Fee `json:"speeds"`
}

//go:embed data/fees.json
var feesJSON []byte

// DefaultFees are the embedded fees.
func DefaultFees() Fees {
	var f Fees
	if err := json.Unmarshal(feesJSON, &f); err != nil {
		panic("evisa: data/fees.json: " + err.Error())
	}
	return f
}

// Of is the fee of speed.
func (f Fees) Of(s Speed) (Fee, bool) {
	i := slices.IndexFunc(f.Speeds, func(x Fee) bool { return x.Speed == s })
	if i < 0 {
		return Fee{}, false
	}
	return f.Speeds[i], true
}

// Application is one submission: one payer, one bill, one or more people.
type Application struct {
	ID        int64
	Number    string // refnum, with its check character
	Token     string // the secret of the payer's browser; set only when created
	Email     string
	Lang      lang.Lang
	Speed     Speed
	EntryDate time.Time // planned, a date (UTC midnight)
	Purpose   string
	Address   string // where they stay in Azerbaijan
	Status    string
	Bill      string
	Amount    int64 // qəpik, for every person
	CreatedAt time.Time
	SubmitAt  *time.Time
	PaidAt    *time.Time
	DueAt     *time.Time // the decision's deadline, once paid
	People    []*Person
}

// VisaUntil is the end of a visa from the entry date: 90 days, to the
// day after its last (a date, for the passport's margin).
func (a *Application) VisaUntil() time.Time { return a.EntryDate.AddDate(0, 0, ValidityDays) }

// Person is one traveller and, once decided, their visa.
type Person struct {
	ID            int64
	ApplicationID int64
	Passport
	Photo      string // files ID
	PhotoType  string
	Status     string
	Flags      []string // automated checks' findings, e.g. "watchlist:WL-2026-0007"
	Decision   string   // the operator's reason for a refusal
	DecidedBy  string
	DecidedAt  *time.Time
	VisaNumber string
	Document   string // the signed document's number
	ValidFrom  *time.Time
	ValidUntil *time.Time
	// Application is filled when a person is read alone (queue, border).
	Application *Application
}

// Subject is how payments and documents know a foreigner.
func (p *Person) Subject() string { return "foreigner:" + p.Nationality + ":" + p.Number }

// FullName is "SURNAME GIVEN NAMES".
func (p *Person) FullName() string { return strings.TrimSpace(p.Surname + " " + p.GivenNames) }

var (
	passportNumber = regexp.MustCompile(`^[A-Z0-9]{5,9}$`)
	namePattern    = regexp.MustCompile(`^[\p{L}][\p{L}' -]*$`)
)

// ApplicationForm is what the first page asks.
type ApplicationForm struct {
	Email, Lang, Speed, EntryDate, Purpose, Address string
}

// Validate checks the first page and reads it into an Application.
func (f ApplicationForm) Validate(today time.Time) (*Application, error) {
	var v errs.Validation
	a := &Application{Email: strings.TrimSpace(f.Email), Speed: Speed(f.Speed), Purpose: f.Purpose,
		Address: strings.TrimSpace(f.Address)}
	a.Lang, _ = lang.Parse(f.Lang)
	if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email || len(a.Email) > 200 {
		v.Add("email", "evisa.error.email")
	}
	if a.Speed != Standard && a.Speed != Urgent {
		v.Add("speed", "evisa.error.speed")
	}
	entry, err := time.Parse(time.DateOnly, strings.TrimSpace(f.EntryDate))
	switch {
	case err != nil:
		v.Add("entry_date", "evisa.error.entry_date")
	case entry.Before(today) || entry.After(today.AddDate(0, 6, 0)):
		v.Add("entry_date", "evisa.error.entry_date_range")
	}
	a.EntryDate = entry
	if !slices.Contains(Purposes, a.Purpose) {
		v.Add("purpose", "evisa.error.purpose")
	}
	if a.Address == "" || utf8.RuneCountInString(a.Address) > 300 {
		v.Add("address", "evisa.error.address")
	}
	return a, v.Err()
}

// PersonForm is a traveller's page: a typed passport zone, or its fields.
type PersonForm struct {
	MRZ1, MRZ2                                                        string
	Nationality, Surname, GivenNames, Sex, BirthDate, Number, Expires string
}

// Validate reads the passport from the zone when one is typed (and checks
// its digits), else from the fields, and checks it against the visa: an
// eligible nationality, valid three months past the visa's last day.
func (f PersonForm) Validate(a *Application, today time.Time) (Passport, error) {
	var v errs.Validation
	var p Passport
	if strings.TrimSpace(f.MRZ1+f.MRZ2) != "" {
		var err error
		if p, err = ParseTD3(f.MRZ1, f.MRZ2); err != nil {
			v.Add("mrz1", "evisa.error.mrz")
			return p, v.Err()
		}
	} else {
		p = Passport{Nationality: strings.TrimSpace(f.Nationality), Number: strings.ToUpper(strings.ReplaceAll(f.Number, " ", "")),
			Surname: strings.TrimSpace(f.Surname), GivenNames: strings.TrimSpace(f.GivenNames), Sex: f.Sex}
		if !passportNumber.MatchString(p.Number) {
			v.Add("number", "evisa.error.passport_number")
		}
		if !namePattern.MatchString(p.Surname) || utf8.RuneCountInString(p.Surname) > 60 {
			v.Add("surname", "evisa.error.surname")
		}
		if p.GivenNames != "" && (!namePattern.MatchString(p.GivenNames) || utf8.RuneCountInString(p.GivenNames) > 60) {
			v.Add("given_names", "evisa.error.given_names")
		}
		if p.Sex != "M" && p.Sex != "F" && p.Sex != "X" {
			v.Add("sex", "evisa.error.sex")
		}
		var err error
		if p.BirthDate, err = time.Parse(time.DateOnly, strings.TrimSpace(f.BirthDate)); err != nil || !p.BirthDate.Before(today) {
			v.Add("birth_date", "evisa.error.birth_date")
		}
		if p.Expires, err = time.Parse(time.DateOnly, strings.TrimSpace(f.Expires)); err != nil {
			v.Add("expires", "evisa.error.expires")
		}
	}
	c, ok := CountryOf(p.Nationality)
	switch {
	case !ok:
		v.Add("nationality", "evisa.error.nationality")
	case !c.Eligible:
		v.AddWith("nationality", "evisa.error.not_eligible", map[string]any{"Country": c.Name})
	}
	if !v.Has("expires") && !p.Expires.IsZero() && p.Expires.Before(a.VisaUntil().AddDate(0, PassportMarginMonths, 0)) {
		v.AddWith("expires", "evisa.error.passport_validity", map[string]any{"Date": a.VisaUntil().AddDate(0, PassportMarginMonths, 0).Format("02.01.2006")})
	}
	return p, v.Err()
}

// FormatNumber writes an application or visa number in groups of three.
func FormatNumber(n string) string { return refnum.Format(n) }

// Ref is the application's number grouped for reading.
func (a *Application) Ref() string { return refnum.Format(a.Number) }

// Overdue reports whether a paid application's deadline has passed.
func (a *Application) Overdue() bool {
	return a.Status == StatusPaid && a.DueAt != nil && time.Now().After(*a.DueAt)
}
