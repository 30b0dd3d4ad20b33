package registry_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/registry"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

var demoDay = time.Date(2026, 5, 18, 0, 0, 0, 0, time.UTC)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func seeded(t *testing.T, db *store.DB) *registry.Registry {
	t.Helper()
	r := registry.New(db)
	if _, err := r.SeedDemo(context.Background(), demoDay); err != nil {
		t.Fatal(err)
	}
	return r
}

func mustPerson(t *testing.T, r *registry.Registry, fin string) *registry.Person {
	t.Helper()
	p, err := r.Person(context.Background(), fin)
	if err != nil {
		t.Fatalf("Person(%s): %v", fin, err)
	}
	return p
}

func wantKind(t *testing.T, err error, kind errs.Kind, message string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *errs.Error %s %s", err, kind, message)
	}
	if e.Kind != kind || (message != "" && e.Message != message) {
		t.Errorf("err = %s %s, want %s %s", e.Kind, e.Message, kind, message)
	}
}

// The fixtures of DEMO.md, exactly, with dates relative to the demo day.
func TestSeedDemoFixtures(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := seeded(t, db)

		type want struct {
			fin, first, last, sex string
			born                  time.Time
		}
		for _, w := range []want{
			{"5ZQX7KA", "Aysel", "Məmmədova", "F", date(1990, 3, 14)},
			{"2HPL4RM", "Rəşad", "Məmmədov", "M", date(1985, 7, 2)},
			{"7MJD3TE", "Gülnarə", "Həsənova", "F", date(1961, 6, 7)}, // 2026-05-18 − 65 y + 20 d
			{"3KCR8WN", "Tural", "Quliyev", "M", date(2008, 6, 27)},   // 2026-05-18 − 18 y + 40 d
			{registry.DemoNewbornFIN, "Murad", "Məmmədov", "M", date(2026, 5, 16)},
		} {
			t.Run(w.fin, func(t *testing.T) {
				p := mustPerson(t, r, w.fin)
				if p.FirstName != w.first || p.LastName != w.last || p.Sex != w.sex || !p.BirthDate.Equal(w.born) {
					t.Errorf("got %s %s %s %s, want %s %s %s %s", p.FirstName, p.LastName, p.Sex, registry.FormatDate(p.BirthDate),
						w.first, w.last, w.sex, registry.FormatDate(w.born))
				}
				if p.Citizenship != "AZE" || p.Patronymic == "" || p.Address.City == "" || p.Address.PostalCode == "" {
					t.Errorf("incomplete record: %+v", p)
				}
				if p.FIN != registry.DemoNewbornFIN && (p.Phone == "" || p.Email == "" || len(p.Documents) == 0) {
					t.Errorf("%s has no phone, e-mail or documents: %+v", p.FIN, p)
				}
				for _, d := range p.Documents {
					if d.ExpiredOn(demoDay) {
						t.Errorf("%s: %s %s expired on %s", p.FIN, d.Kind, d.Number, registry.FormatDate(d.ExpiresOn))
					}
				}
			})
		}

		pensioner := mustPerson(t, r, "7MJD3TE")
		if got := pensioner.AgeOn(demoDay.AddDate(0, 0, 19)); got != 64 {
			t.Errorf("Gülnarə is %d 19 days after the demo day, want 64", got)
		}
		if got := pensioner.AgeOn(demoDay.AddDate(0, 0, 20)); got != 65 {
			t.Errorf("Gülnarə is %d 20 days after the demo day, want 65", got)
		}
		teen := mustPerson(t, r, "3KCR8WN")
		if got := teen.AgeOn(demoDay.AddDate(0, 0, 39)); got != 17 {
			t.Errorf("Tural is %d 39 days after the demo day, want 17", got)
		}
		if got := teen.AgeOn(demoDay.AddDate(0, 0, 40)); got != 18 {
			t.Errorf("Tural is %d 40 days after the demo day, want 18", got)
		}

		mother := mustPerson(t, r, "5ZQX7KA")
		father := mustPerson(t, r, "2HPL4RM")
		baby := mustPerson(t, r, registry.DemoNewbornFIN)
		if got, want := mother.Relatives(registry.Spouse), []string{"2HPL4RM"}; !slices.Equal(got, want) {
			t.Errorf("Aysel's spouse = %v, want %v", got, want)
		}
		if got, want := father.Relatives(registry.Spouse), []string{"5ZQX7KA"}; !slices.Equal(got, want) {
			t.Errorf("Rəşad's spouse = %v, want %v", got, want)
		}
		for _, parent := range []*registry.Person{mother, father} {
			if got, want := parent.Relatives(registry.Child), []string{baby.FIN}; !slices.Equal(got, want) {
				t.Errorf("%s's children = %v, want %v", parent.FirstName, got, want)
			}
		}
		if got := baby.Relatives(registry.Mother); !slices.Equal(got, []string{"5ZQX7KA"}) {
			t.Errorf("newborn's mother = %v", got)
		}
		if got := baby.Relatives(registry.Father); !slices.Equal(got, []string{"2HPL4RM"}) {
			t.Errorf("newborn's father = %v", got)
		}
		if baby.Patronymic != "Rəşad oğlu" {
			t.Errorf("newborn's patronymic = %q", baby.Patronymic)
		}
		card, ok := father.Document(registry.IDCard)
		if !ok || !card.ExpiresOn.Equal(demoDay.AddDate(0, 0, 25)) {
			t.Errorf("Rəşad's id-card = %+v, want expiry %s", card, registry.FormatDate(demoDay.AddDate(0, 0, 25)))
		}

		b, err := r.Business(ctx, "1700123451")
		if err != nil {
			t.Fatal(err)
		}
		if b.Name != "Xəzər Logistika MMC" || b.DirectorFIN != "2HPL4RM" || b.LegalForm != registry.MMC || b.Status != registry.Active {
			t.Errorf("business = %+v", b)
		}
		directed, err := r.BusinessesDirectedBy(ctx, "2HPL4RM")
		if err != nil || len(directed) != 1 || directed[0].VOEN != "1700123451" {
			t.Errorf("BusinessesDirectedBy(2HPL4RM) = %+v, %v", directed, err)
		}

		v, err := r.Vehicle(ctx, "10-AB-123")
		if err != nil {
			t.Fatal(err)
		}
		if v.OwnerFIN != "2HPL4RM" || !v.InspectionDue.Equal(demoDay.AddDate(0, 0, 20)) || !registry.ValidVIN(v.VIN) {
			t.Errorf("vehicle = %+v", v)
		}
		owned, err := r.VehiclesOwnedBy(ctx, "2hpl4rm")
		if err != nil || len(owned) != 1 || owned[0].Plate != "10-AB-123" {
			t.Errorf("VehiclesOwnedBy(2HPL4RM) = %+v, %v", owned, err)
		}
	}, registry.Migrations)
}

func TestSeedDemoIsIdempotentAndKeepsTheDemoDay(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := registry.New(db)
		if _, err := r.DemoDay(ctx); errs.KindOf(err) != errs.NotFound {
			t.Errorf("DemoDay before seeding: err = %v, want NotFound", err)
		}
		first, err := r.SeedDemo(ctx, demoDay.Add(15*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if first != 7 {
			t.Errorf("first SeedDemo added %d, want 7 (5 people, 1 business, 1 vehicle)", first)
		}
		for _, later := range []time.Time{demoDay, demoDay.AddDate(0, 0, 3), demoDay.AddDate(1, 2, 3)} {
			again, err := r.SeedDemo(ctx, later)
			if err != nil {
				t.Fatal(err)
			}
			if again != 0 {
				t.Errorf("SeedDemo on %s added %d, want 0", registry.FormatDate(later), again)
			}
		}
		day, err := r.DemoDay(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !day.Equal(demoDay) {
			t.Errorf("DemoDay = %s, want %s", day, demoDay)
		}
		baby := mustPerson(t, r, registry.DemoNewbornFIN)
		if want := demoDay.AddDate(0, 0, -2); !baby.BirthDate.Equal(want) {
			t.Errorf("newborn born %s, want %s", registry.FormatDate(baby.BirthDate), registry.FormatDate(want))
		}
		c, err := r.Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c != (registry.Counts{People: 5, Businesses: 1, Vehicles: 1}) {
			t.Errorf("Count = %+v", c)
		}
		// Documents and family links were not doubled either.
		if got := len(mustPerson(t, r, "2HPL4RM").Documents); got != 3 {
			t.Errorf("Rəşad has %d documents, want 3", got)
		}
		if got := len(mustPerson(t, r, "5ZQX7KA").Family); got != 2 {
			t.Errorf("Aysel has %d family links, want 2", got)
		}
	}, registry.Migrations)
}

func TestLookups(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := seeded(t, db)
		t.Run("normalised", func(t *testing.T) {
			if p, err := r.Person(ctx, " 5zqx7ka "); err != nil || p.FIN != "5ZQX7KA" {
				t.Errorf("Person(lower case) = %v, %v", p, err)
			}
			if v, err := r.Vehicle(ctx, "10 ab 123"); err != nil || v.Plate != "10-AB-123" {
				t.Errorf("Vehicle(10 ab 123) = %v, %v", v, err)
			}
			if b, err := r.Business(ctx, " 1700123451"); err != nil || b.VOEN != "1700123451" {
				t.Errorf("Business = %v, %v", b, err)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := r.Person(ctx, "ZZZZZZZ")
			wantKind(t, err, errs.NotFound, "registry.error.person_not_found")
			_, err = r.Business(ctx, "9999999999")
			wantKind(t, err, errs.NotFound, "registry.error.business_not_found")
			_, err = r.Vehicle(ctx, "99-ZZ-999")
			wantKind(t, err, errs.NotFound, "registry.error.vehicle_not_found")
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			_, err := r.Person(ctx, "5ZQX7K")
			wantKind(t, err, errs.Invalid, "registry.error.fin_invalid")
			_, err = r.Business(ctx, "17001234")
			wantKind(t, err, errs.Invalid, "registry.error.voen_invalid")
			_, err = r.Vehicle(ctx, "AB-10-123")
			wantKind(t, err, errs.Invalid, "registry.error.plate_invalid")
			_, err = r.VehiclesOwnedBy(ctx, "x")
			wantKind(t, err, errs.Invalid, "registry.error.fin_invalid")
		})
		t.Run("EmptyLists", func(t *testing.T) {
			if got, err := r.VehiclesOwnedBy(ctx, "5ZQX7KA"); err != nil || got == nil || len(got) != 0 {
				t.Errorf("VehiclesOwnedBy(Aysel) = %#v, %v, want empty", got, err)
			}
			if got, err := r.BusinessesDirectedBy(ctx, "ZZZZZZZ"); err != nil || len(got) != 0 {
				t.Errorf("BusinessesDirectedBy(unknown) = %#v, %v", got, err)
			}
		})
		t.Run("Scans", func(t *testing.T) {
			born, err := r.PeopleBornOn(ctx, demoDay.AddDate(0, 0, -2))
			if err != nil || !slices.Equal(born, []string{registry.DemoNewbornFIN}) {
				t.Errorf("PeopleBornOn(newborn's day) = %v, %v", born, err)
			}
			bday, err := r.PeopleWithBirthday(ctx, time.March, 14)
			if err != nil || !slices.Contains(bday, "5ZQX7KA") {
				t.Errorf("PeopleWithBirthday(14 March) = %v, %v", bday, err)
			}
			docs, err := r.DocumentsExpiring(ctx, demoDay, demoDay.AddDate(0, 0, 30))
			if err != nil || len(docs) != 1 || docs[0].FIN != "2HPL4RM" || docs[0].Kind != registry.IDCard {
				t.Errorf("DocumentsExpiring(30 days) = %+v, %v", docs, err)
			}
			due, err := r.InspectionsDue(ctx, demoDay, demoDay.AddDate(0, 0, 30))
			if err != nil || len(due) != 1 || due[0].Plate != "10-AB-123" {
				t.Errorf("InspectionsDue(30 days) = %+v, %v", due, err)
			}
		})
	}, registry.Migrations)
}

func TestAdd(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := seeded(t, db)
		child := &registry.Person{
			FIN: "a1b2c3d", FirstName: "Leyla", LastName: "Məmmədova", Patronymic: "Rəşad qızı", Sex: registry.Female,
			BirthDate: date(2015, 9, 1), BirthPlace: "Bakı",
			Address: registry.Address{Region: "Bakı", City: "Bakı", Street: "Füzuli küç.", House: "52", Apartment: "17", PostalCode: "AZ1014"},
			Family:  []registry.FamilyLink{{Relation: registry.Father, FIN: "2HPL4RM"}},
		}
		if err := r.AddPerson(ctx, child); err != nil {
			t.Fatal(err)
		}
		got := mustPerson(t, r, "A1B2C3D")
		if got.Citizenship != "AZE" || !got.BirthDate.Equal(date(2015, 9, 1)) {
			t.Errorf("added person = %+v", got)
		}
		father := mustPerson(t, r, "2HPL4RM")
		if kids := father.Relatives(registry.Child); !slices.Contains(kids, "A1B2C3D") {
			t.Errorf("the father's children %v lack the new child", kids)
		}

		t.Run("ErrPersonExists", func(t *testing.T) {
			again := *child
			again.Family = nil
			wantKind(t, r.AddPerson(ctx, &again), errs.Conflict, "registry.error.person_exists")
		})
		t.Run("ErrRelativeNotFound", func(t *testing.T) {
			orphan := *child
			orphan.FIN = "A1B2C3E"
			orphan.Family = []registry.FamilyLink{{Relation: registry.Mother, FIN: "NOBODY1"}}
			wantKind(t, r.AddPerson(ctx, &orphan), errs.Invalid, "registry.error.relative_not_found")
			if _, err := r.Person(ctx, "A1B2C3E"); errs.KindOf(err) != errs.NotFound {
				t.Errorf("a rejected person was stored: %v", err)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			err := r.AddPerson(ctx, &registry.Person{FIN: "bad", Sex: "X"})
			wantKind(t, err, errs.Invalid, "")
			e := errs.As(err)
			for _, f := range []string{"fin", "first_name", "last_name", "sex", "birth_date"} {
				if e.Fields[f] == "" {
					t.Errorf("no field error for %s: %v", f, e.Fields)
				}
			}
		})

		biz := &registry.Business{VOEN: "1700999991", Name: "Araz Ticarət MMC", LegalForm: registry.MMC, Status: registry.Active,
			DirectorFIN: "5zqx7ka", Founded: date(2020, 1, 15), Address: registry.Address{Region: "Bakı", City: "Bakı"}}
		if err := r.AddBusiness(ctx, biz); err != nil {
			t.Fatal(err)
		}
		if got, err := r.BusinessesDirectedBy(ctx, "5ZQX7KA"); err != nil || len(got) != 1 || !got[0].Founded.Equal(date(2020, 1, 15)) {
			t.Errorf("BusinessesDirectedBy(Aysel) = %+v, %v", got, err)
		}
		wantKind(t, r.AddBusiness(ctx, biz), errs.Conflict, "registry.error.business_exists")
		other := *biz
		other.VOEN, other.DirectorFIN = "1700999992", "ZZZZZZZ"
		wantKind(t, r.AddBusiness(ctx, &other), errs.Invalid, "registry.error.director_not_found")

		car := &registry.Vehicle{Plate: "90 xy 777", VIN: "JTDBZ3FK0K9001230", Make: "Kia", Model: "Rio", Year: 2021,
			OwnerFIN: "5ZQX7KA", InspectionDue: date(2027, 1, 1)}
		wantKind(t, r.AddVehicle(ctx, car), errs.Invalid, "") // check digit
		car.VIN = "KNADB512AM6123451"
		car.VIN = car.VIN[:8] + string(checkDigit(car.VIN)) + car.VIN[9:]
		if err := r.AddVehicle(ctx, car); err != nil {
			t.Fatal(err)
		}
		if v, err := r.Vehicle(ctx, "90-XY-777"); err != nil || v.VIN != car.VIN {
			t.Errorf("Vehicle(90-XY-777) = %+v, %v", v, err)
		}
		wantKind(t, r.AddVehicle(ctx, car), errs.Conflict, "registry.error.vehicle_exists")
	}, registry.Migrations)
}

// checkDigit finds the VIN check character by trying every candidate.
func checkDigit(vin string) byte {
	for _, c := range []byte("0123456789X") {
		v := vin[:8] + string(c) + vin[9:]
		if registry.ValidVIN(v) {
			return c
		}
	}
	return '?'
}

func TestGeneratePopulation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := seeded(t, db)
		const n = 3000
		stats, err := r.GeneratePopulation(ctx, 42, n)
		if err != nil {
			t.Fatal(err)
		}
		if stats.People != n || stats.Businesses == 0 || stats.Vehicles == 0 || stats.Documents == 0 || stats.FamilyLinks == 0 {
			t.Errorf("stats = %+v", stats)
		}
		c, err := r.Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := (registry.Counts{People: n + 5, Businesses: stats.Businesses + 1, Vehicles: stats.Vehicles + 1}); c != want {
			t.Errorf("Count = %+v, want %+v", c, want)
		}

		// What was written reads back exactly as the generator made it:
		// dated from the demo day, from the same seed.
		checked := 0
		for h := range registry.Generate(42, n, demoDay) {
			if checked >= 400 {
				break
			}
			for i := range h.People {
				want := h.People[i]
				got := mustPerson(t, r, want.FIN)
				normalise(&want)
				normalise(got)
				if !reflect.DeepEqual(got, &want) {
					t.Fatalf("Person(%s) =\n%+v\nwant\n%+v", want.FIN, got, &want)
				}
				checked++
			}
			for _, b := range h.Businesses {
				got, err := r.Business(ctx, b.VOEN)
				if err != nil || !reflect.DeepEqual(*got, b) {
					t.Errorf("Business(%s) = %+v, %v, want %+v", b.VOEN, got, err, b)
				}
			}
			for _, v := range h.Vehicles {
				got, err := r.Vehicle(ctx, v.Plate)
				if err != nil || !reflect.DeepEqual(*got, v) {
					t.Errorf("Vehicle(%s) = %+v, %v, want %+v", v.Plate, got, err, v)
				}
				owned, err := r.VehiclesOwnedBy(ctx, v.OwnerFIN)
				if err != nil || !slices.ContainsFunc(owned, func(o registry.Vehicle) bool { return o.Plate == v.Plate }) {
					t.Errorf("VehiclesOwnedBy(%s) = %v, %v", v.OwnerFIN, owned, err)
				}
			}
		}
		if checked < 400 {
			t.Errorf("checked %d people", checked)
		}

		// A second run continues the counters instead of colliding.
		more, err := r.GeneratePopulation(ctx, 42, 1000)
		if err != nil {
			t.Fatalf("second GeneratePopulation: %v", err)
		}
		if c2, _ := r.Count(ctx); c2.People != n+5+more.People {
			t.Errorf("after a second run Count = %+v", c2)
		}
		if _, err := r.GeneratePopulation(ctx, 1, -1); errs.KindOf(err) != errs.Invalid {
			t.Errorf("GeneratePopulation(-1): err = %v, want Invalid", err)
		}
	}, registry.Migrations)
}

// normalise orders a person's documents and family as the store returns them.
func normalise(p *registry.Person) {
	if p.Documents == nil {
		p.Documents = []registry.IdentityDocument{}
	}
	if p.Family == nil {
		p.Family = []registry.FamilyLink{}
	}
	slices.SortFunc(p.Documents, func(a, b registry.IdentityDocument) int {
		if a.Kind != b.Kind {
			if a.Kind < b.Kind {
				return -1
			}
			return 1
		}
		return a.IssuedOn.Compare(b.IssuedOn)
	})
	slices.SortFunc(p.Family, func(a, b registry.FamilyLink) int {
		if a.Relation != b.Relation {
			if a.Relation < b.Relation {
				return -1
			}
			return 1
		}
		if a.FIN < b.FIN {
			return -1
		}
		if a.FIN > b.FIN {
			return 1
		}
		return 0
	})
}

// The SQLite and PostgreSQL migrations make the same tables and columns.
func TestSchemasMatch(t *testing.T) {
	ctx := context.Background()
	lite, err := storetest.SQLite(t, registry.Migrations).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := storetest.Postgres(t, registry.Migrations).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) != 6 {
		t.Errorf("SQLite has %d tables, want 6", len(lite))
	}
	if !reflect.DeepEqual(lite, pg) {
		t.Errorf("schemas differ:\nSQLite     %v\nPostgreSQL %v", lite, pg)
	}
}
