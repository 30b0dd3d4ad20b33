package registry

import (
	"context"
	"database/sql"
	"time"

	"github.com/egov/egov/internal/errs"
)

// The demo fixtures of DEMO.md, and the newborn whose birth starts the
// demo's proactive services.
const (
	DemoMotherFIN    = "5ZQX7KA" // Aysel Məmmədova
	DemoFatherFIN    = "2HPL4RM" // Rəşad Məmmədov
	DemoNewbornFIN   = "6BNT4YD" // their son, born two days before the demo day
	DemoPensionerFIN = "7MJD3TE" // Gülnarə Həsənova, 65 twenty days after the demo day
	DemoTeenFIN      = "3KCR8WN" // Tural Quliyev, 18 forty days after the demo day
	DemoVOEN         = "1700123451"
	DemoPlate        = "10-AB-123"
)

// The generator never makes these.
func reservedFIN(fin string) bool {
	switch fin {
	case DemoMotherFIN, DemoFatherFIN, DemoNewbornFIN, DemoPensionerFIN, DemoTeenFIN:
		return true
	}
	return false
}

func reservedVOENBody(body string) bool { return body == DemoVOEN[:9] }
func reservedPlate(plate string) bool   { return plate == DemoPlate }

const metaDemoDay = "demo_day"

// DemoDay returns the day the demo data was first seeded. It fails with
// NotFound when the demo was never seeded.
func (r *Registry) DemoDay(ctx context.Context) (time.Time, error) {
	day, ok, err := readDay(ctx, r.db, metaDemoDay)
	if err != nil {
		return time.Time{}, err
	}
	if !ok {
		return time.Time{}, errs.E(errs.NotFound, "registry.error.no_demo_day")
	}
	return day, nil
}

func readDay(ctx context.Context, q querier, name string) (time.Time, bool, error) {
	v, ok, err := getMeta(ctx, q, name)
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	day, err := ParseDate(v)
	return day, err == nil, err
}

// SeedDemo adds the demo fixtures of DEMO.md: the people, their documents
// and family links, the business and the vehicle. The first call records
// today's date as the demo day; every call computes the fixtures' dates
// from the recorded day, so a demo restarted on a later day keeps the
// same data. Fixtures already present are left as they are, so a second
// call adds nothing. added counts the people, businesses and vehicles added.
func (r *Registry) SeedDemo(ctx context.Context, today time.Time) (added int, err error) {
	err = r.db.Tx(ctx, func(tx *sql.Tx) error {
		added = 0
		if _, err := tx.ExecContext(ctx, `INSERT INTO registry_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
			metaDemoDay, FormatDate(today)); err != nil {
			return err
		}
		day, _, err := readDay(ctx, tx, metaDemoDay)
		if err != nil {
			return err
		}
		people, businesses, vehicles := demoFixtures(day)
		for i := range people {
			n, err := insertPerson(ctx, tx, &people[i], true)
			if err != nil {
				return err
			}
			added += n
		}
		for i := range people {
			if err := insertPersonDetails(ctx, tx, &people[i], true); err != nil {
				return err
			}
		}
		for i := range businesses {
			n, err := insertBusiness(ctx, tx, &businesses[i], true)
			if err != nil {
				return err
			}
			added += n
		}
		for i := range vehicles {
			n, err := insertVehicle(ctx, tx, &vehicles[i], true)
			if err != nil {
				return err
			}
			added += n
		}
		return nil
	})
	return added, err
}

// DemoFixtures returns the demo fixtures as SeedDemo writes them for the
// demo day day.
func DemoFixtures(day time.Time) ([]Person, []Business, []Vehicle) { return demoFixtures(Date(day)) }

func demoFixtures(day time.Time) ([]Person, []Business, []Vehicle) {
	const tenYears = 3652
	days := func(n int) time.Time { return day.AddDate(0, 0, n) }
	valid := func(kind, number string, issuedDaysAgo int) IdentityDocument {
		issued := days(-issuedDaysAgo)
		return IdentityDocument{kind, number, issued, issued.AddDate(0, 0, tenYears)}
	}
	home := Address{Region: "Bakı", City: "Bakı", Street: "Füzuli küç.", House: "52", Apartment: "17", PostalCode: "AZ1014"}
	newborn := days(-2)
	rashadCardExpires := days(25)

	people := []Person{
		{
			FIN: DemoMotherFIN, FirstName: "Aysel", LastName: "Məmmədova", Patronymic: "Elçin qızı",
			Sex: Female, BirthDate: time.Date(1990, 3, 14, 0, 0, 0, 0, time.UTC), BirthPlace: "Bakı",
			Citizenship: CitizenshipAZE, Address: home,
			Phone: "+994500000101", Email: "aysel.memmedova@example.az",
			Documents: []IdentityDocument{
				valid(IDCard, "AZE12000001", 3*365),
				valid(Passport, "P10000001", 2*365),
			},
			Family: []FamilyLink{{Spouse, DemoFatherFIN}, {Child, DemoNewbornFIN}},
		},
		{
			FIN: DemoFatherFIN, FirstName: "Rəşad", LastName: "Məmmədov", Patronymic: "Vaqif oğlu",
			Sex: Male, BirthDate: time.Date(1985, 7, 2, 0, 0, 0, 0, time.UTC), BirthPlace: "Gəncə",
			Citizenship: CitizenshipAZE, Address: home,
			Phone: "+994500000102", Email: "reshad.memmedov@example.az",
			Documents: []IdentityDocument{
				{IDCard, "AZE12000002", rashadCardExpires.AddDate(0, 0, -tenYears), rashadCardExpires},
				valid(Passport, "P10000002", 400),
				valid(DrivingLicence, "AZ1000002", 5*365),
			},
			Family: []FamilyLink{{Spouse, DemoMotherFIN}, {Child, DemoNewbornFIN}},
		},
		{
			FIN: DemoNewbornFIN, FirstName: "Murad", LastName: "Məmmədov", Patronymic: "Rəşad oğlu",
			Sex: Male, BirthDate: newborn, BirthPlace: "Bakı",
			Citizenship: CitizenshipAZE, Address: home,
			Family: []FamilyLink{{Mother, DemoMotherFIN}, {Father, DemoFatherFIN}},
		},
		{
			FIN: DemoPensionerFIN, FirstName: "Gülnarə", LastName: "Həsənova", Patronymic: "Əli qızı",
			Sex: Female, BirthDate: days(20).AddDate(-65, 0, 0), BirthPlace: "Şəki",
			Citizenship: CitizenshipAZE,
			Address:     Address{Region: "Sumqayıt", City: "Sumqayıt", Street: "Səməd Vurğun küç.", House: "14", Apartment: "8", PostalCode: "AZ5008"},
			Phone:       "+994550000103", Email: "gulnare.hesenova@example.az",
			Documents: []IdentityDocument{valid(IDCard, "AZE12000003", 6*365)},
		},
		{
			FIN: DemoTeenFIN, FirstName: "Tural", LastName: "Quliyev", Patronymic: "Nizami oğlu",
			Sex: Male, BirthDate: days(40).AddDate(-18, 0, 0), BirthPlace: "Bakı",
			Citizenship: CitizenshipAZE,
			Address:     Address{Region: "Bakı", City: "Bakı", Street: "Babək pr.", House: "21", Apartment: "45", PostalCode: "AZ1025"},
			Phone:       "+994700000104", Email: "tural.quliyev@example.az",
			Documents: []IdentityDocument{valid(IDCard, "AZE12000004", 300)},
		},
	}
	businesses := []Business{{
		VOEN: DemoVOEN, Name: "Xəzər Logistika MMC", LegalForm: MMC, Status: Active, DirectorFIN: DemoFatherFIN,
		Address: Address{Region: "Bakı", City: "Bakı", Street: "Neftçilər pr.", House: "153", PostalCode: "AZ1010"},
		Founded: time.Date(2015, 4, 21, 0, 0, 0, 0, time.UTC),
	}}
	vehicles := []Vehicle{{
		Plate: DemoPlate, VIN: demoVIN, Make: "Toyota", Model: "Camry", Year: 2019,
		OwnerFIN: DemoFatherFIN, InspectionDue: days(20),
	}}
	return people, businesses, vehicles
}

// demoVIN is a well-formed VIN with the plant "9" the generator leaves free.
var demoVIN = func() string {
	b := []byte("JTDBZ3FK0K9001230")
	b[8] = vinCheck(b)
	return string(b)
}()
