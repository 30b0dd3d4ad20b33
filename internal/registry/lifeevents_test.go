package registry_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/registry"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// published lists the life events in the outbox of topic, oldest first.
func published(t *testing.T, db *store.DB, topic string) []registry.LifeEvent {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT key, payload FROM events_outbox WHERE topic = $1 ORDER BY id`, topic)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []registry.LifeEvent
	for rows.Next() {
		var key, payload string
		if err := rows.Scan(&key, &payload); err != nil {
			t.Fatal(err)
		}
		var e registry.LifeEvent
		if err := json.Unmarshal([]byte(payload), &e); err != nil {
			t.Fatal(err)
		}
		if e.Key != key {
			t.Errorf("event key %q, payload key %q", key, e.Key)
		}
		out = append(out, e)
	}
	return out
}

func TestLifeEventsArePublishedWithTheChange(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := seeded(t, db)
		t.Run("Birth", func(t *testing.T) {
			child := &registry.Person{FIN: "4nbr2tx", FirstName: "Nərgiz", LastName: "Məmmədova", Sex: registry.Female,
				BirthDate: demoDay, Family: []registry.FamilyLink{{Relation: registry.Mother, FIN: registry.DemoMotherFIN},
					{Relation: registry.Father, FIN: registry.DemoFatherFIN}}}
			if err := r.RegisterBirth(ctx, child); err != nil {
				t.Fatal(err)
			}
			got := published(t, db, registry.TopicBirth)
			want := registry.LifeEvent{Type: "birth", Key: "birth:4NBR2TX", FIN: "4NBR2TX", Date: "2026-05-18",
				Mother: registry.DemoMotherFIN, Father: registry.DemoFatherFIN}
			if len(got) != 1 || got[0] != want {
				t.Fatalf("published %+v, want %+v", got, want)
			}
			if p := mustPerson(t, r, registry.DemoMotherFIN); len(p.Relatives(registry.Child)) != 2 {
				t.Errorf("the mother's children: %v", p.Relatives(registry.Child))
			}
			// The same birth again changes nothing and publishes nothing.
			wantKind(t, r.RegisterBirth(ctx, child), errs.Conflict, "registry.error.person_exists")
			if got := published(t, db, registry.TopicBirth); len(got) != 1 {
				t.Errorf("a refused birth published: %+v", got)
			}
		})
		t.Run("Death", func(t *testing.T) {
			if err := r.RegisterDeath(ctx, registry.DemoPensionerFIN, demoDay); err != nil {
				t.Fatal(err)
			}
			if got := published(t, db, registry.TopicDeath); len(got) != 1 || got[0].FIN != registry.DemoPensionerFIN {
				t.Fatalf("published %+v", got)
			}
			wantKind(t, r.RegisterDeath(ctx, registry.DemoPensionerFIN, demoDay), errs.NotFound, "registry.error.person_not_found")
		})
		t.Run("Marriage", func(t *testing.T) {
			if err := r.RegisterMarriage(ctx, registry.DemoTeenFIN, "4NBR2TX", demoDay); err != nil {
				t.Fatal(err)
			}
			got := published(t, db, registry.TopicMarriage)
			if len(got) != 2 || got[0].Key != got[1].Key || got[0].Spouse != "4NBR2TX" || got[1].Spouse != registry.DemoTeenFIN {
				t.Fatalf("published %+v", got)
			}
			if p := mustPerson(t, r, registry.DemoTeenFIN); len(p.Relatives(registry.Spouse)) != 1 {
				t.Errorf("no spouse link")
			}
		})
		t.Run("AddressChanged", func(t *testing.T) {
			a := registry.Address{Region: "Gəncə", City: "Gəncə", Street: "Atatürk pr.", House: "3", PostalCode: "AZ2000"}
			if err := r.ChangeAddress(ctx, registry.DemoTeenFIN, a, demoDay); err != nil {
				t.Fatal(err)
			}
			if p := mustPerson(t, r, registry.DemoTeenFIN); p.Address != a {
				t.Errorf("address = %+v", p.Address)
			}
			if got := published(t, db, registry.TopicAddressChanged); len(got) != 1 {
				t.Fatalf("published %+v", got)
			}
		})
		t.Run("BusinessRegistered", func(t *testing.T) {
			b := &registry.Business{VOEN: "1700000016", Name: "Test MMC", LegalForm: registry.MMC, Status: registry.Active,
				DirectorFIN: registry.DemoTeenFIN, Address: registry.Address{City: "Bakı", Region: "Bakı", Street: "X", House: "1", PostalCode: "AZ1000"},
				Founded: demoDay}
			err := r.RegisterBusiness(ctx, b)
			if errs.KindOf(err) == errs.Invalid {
				t.Skipf("sample VÖEN refused: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := published(t, db, registry.TopicBusinessRegistered); len(got) != 1 || got[0].VOEN != b.VOEN {
				t.Fatalf("published %+v", got)
			}
		})
		t.Run("DemoBirthOnce", func(t *testing.T) {
			for i, want := range []bool{true, false} {
				ok, err := r.PublishDemoBirth(ctx)
				if err != nil || ok != want {
					t.Fatalf("call %d: %v, %v; want %v", i, ok, err, want)
				}
			}
			got := published(t, db, registry.TopicBirth)
			if last := got[len(got)-1]; len(got) != 2 || last.Key != "birth:"+registry.DemoNewbornFIN || last.Mother != registry.DemoMotherFIN {
				t.Fatalf("published %+v", got)
			}
		})
	}, registry.Migrations, events.Migrations)
}

func TestScanPagesByIndex(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := seeded(t, db)
		if _, err := r.GeneratePopulation(ctx, 7, 3000); err != nil {
			t.Fatal(err)
		}
		from, to := demoDay.AddDate(-40, 0, 0), demoDay.AddDate(-30, 0, 0)
		var all []registry.Due
		var after registry.Due
		for {
			page, err := r.BornBetween(ctx, from, to, after, 7)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if len(page) < 7 {
				break
			}
			after = page[len(page)-1]
		}
		var want int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM registry_persons WHERE birth_date BETWEEN $1 AND $2 AND death_date IS NULL`,
			registry.FormatDate(from), registry.FormatDate(to)).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if len(all) != want || want == 0 {
			t.Fatalf("paged %d people, want %d", len(all), want)
		}
		seen := map[string]bool{}
		for i, d := range all {
			if seen[d.FIN] {
				t.Fatalf("%s twice", d.FIN)
			}
			seen[d.FIN] = true
			if i > 0 && d.Date.Before(all[i-1].Date) {
				t.Fatalf("out of order at %d", i)
			}
		}
		exp, err := r.ExpiringBetween(ctx, registry.IDCard, demoDay, demoDay.AddDate(0, 0, 30), registry.Due{}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, d := range exp {
			found = found || d.FIN == registry.DemoFatherFIN
		}
		if !found {
			t.Errorf("Rəşad's card expiring in 25 days is not found: %+v", exp)
		}
		ins, err := r.InspectionsBetween(ctx, demoDay, demoDay.AddDate(0, 0, 20), registry.Due{}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		found = false
		for _, d := range ins {
			found = found || (d.Ref == registry.DemoPlate && d.FIN == registry.DemoFatherFIN)
		}
		if !found {
			t.Errorf("the demo car's inspection is not found")
		}
	}, registry.Migrations)
}
