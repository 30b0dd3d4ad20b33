package registry_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/egov/egov/internal/nationalid"
	"github.com/egov/egov/internal/registry"
)

var genDay = time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)

func firstPeople(seed int64, n, count int, today time.Time) []registry.Person {
	var out []registry.Person
	for h := range registry.Generate(seed, n, today) {
		out = append(out, h.People...)
		if len(out) >= count {
			break
		}
	}
	return out[:min(count, len(out))]
}

func TestGenerateIsDeterministic(t *testing.T) {
	a := firstPeople(7, 1000, 1000, genDay)
	b := firstPeople(7, 1000, 1000, genDay)
	if len(a) != 1000 {
		t.Fatalf("got %d people, want 1000", len(a))
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed made different people")
	}
	// The people do not depend on how many are asked for, but for the
	// last household, which is cut to size.
	long := firstPeople(7, 50_000, 1000, genDay)
	if !reflect.DeepEqual(a[:990], long[:990]) {
		t.Error("the first people depend on n")
	}
	c := firstPeople(8, 1000, 1000, genDay)
	same := 0
	for i := range a {
		if a[i].FirstName == c[i].FirstName && a[i].LastName == c[i].LastName && a[i].BirthDate.Equal(c[i].BirthDate) {
			same++
		}
	}
	if same > 50 {
		t.Errorf("seeds 7 and 8 made %d of 1000 people alike", same)
	}
}

func TestGenerateExactCount(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 17, 1001} {
		got := 0
		for h := range registry.Generate(1, n, genDay) {
			got += len(h.People)
		}
		if got != n {
			t.Errorf("Generate(n=%d) made %d people", n, got)
		}
	}
}

// Over 200,000 people every identifier is unique, well formed and not
// one of the demo fixtures'; families are consistent; names agree with sex.
func TestGenerateUniqueAndBelievable(t *testing.T) {
	const n = 200_000
	fins := make(map[string]bool, n)
	docs := map[string]bool{}
	plates, voens, vins := map[string]bool{}, map[string]bool{}, map[string]bool{}
	regions, cities, makes := map[string]int{}, map[string]int{}, map[string]int{}
	reserved := map[string]bool{registry.DemoMotherFIN: true, registry.DemoFatherFIN: true, registry.DemoNewbornFIN: true,
		registry.DemoPensionerFIN: true, registry.DemoTeenFIN: true}
	var ages [100]int
	people, adults, businesses, vehicles, expired, documents, deceased := 0, 0, 0, 0, 0, 0, 0
	links := map[[2]string]string{}
	for h := range registry.Generate(99, n, genDay) {
		for _, p := range h.People {
			people++
			if !nationalid.ValidFIN(p.FIN) || fins[p.FIN] || reserved[p.FIN] {
				t.Fatalf("FIN %q invalid, repeated or reserved", p.FIN)
			}
			fins[p.FIN] = true
			age := p.AgeOn(genDay)
			if age < 0 || age > 99 {
				t.Fatalf("%s is %d", p.FIN, age)
			}
			ages[age]++
			if age >= 18 {
				adults++
			}
			if p.DeathDate != nil {
				deceased++
			}
			checkNames(t, &p)
			regions[p.Address.Region]++
			cities[p.Address.City]++
			for _, d := range p.Documents {
				documents++
				key := d.Kind + " " + d.Number
				if docs[key] {
					t.Fatalf("document %s repeated", key)
				}
				docs[key] = true
				if d.ExpiredOn(genDay) {
					expired++
				}
				if d.ExpiresOn.After(genDay.AddDate(10, 0, 1)) {
					t.Errorf("%s expires %s, more than ten years ahead", key, registry.FormatDate(d.ExpiresOn))
				}
			}
			for _, l := range p.Family {
				links[[2]string{p.FIN, l.FIN}] = l.Relation
			}
		}
		for _, b := range h.Businesses {
			businesses++
			if !nationalid.ValidVOEN(b.VOEN) || voens[b.VOEN] || b.VOEN == registry.DemoVOEN {
				t.Fatalf("VÖEN %q invalid, repeated or reserved", b.VOEN)
			}
			voens[b.VOEN] = true
			if err := b.Validate(); err != nil {
				t.Fatalf("business %+v: %v", b, err)
			}
			if !fins[b.DirectorFIN] {
				t.Fatalf("business %s: director %s is not among the people", b.VOEN, b.DirectorFIN)
			}
		}
		for _, v := range h.Vehicles {
			vehicles++
			if !registry.ValidPlate(v.Plate) || plates[v.Plate] || v.Plate == registry.DemoPlate {
				t.Fatalf("plate %q invalid, repeated or reserved", v.Plate)
			}
			plates[v.Plate] = true
			if vins[v.VIN] {
				t.Fatalf("VIN %s repeated", v.VIN)
			}
			vins[v.VIN] = true
			if err := v.Validate(); err != nil {
				t.Fatalf("vehicle %+v: %v", v, err)
			}
			if !fins[v.OwnerFIN] {
				t.Fatalf("vehicle %s: owner %s is not among the people", v.Plate, v.OwnerFIN)
			}
			makes[v.Make]++
		}
	}
	if people != n {
		t.Fatalf("made %d people, want %d", people, n)
	}
	// Every family link is recorded from both sides, with matching relations.
	for pair, rel := range links {
		back, ok := links[[2]string{pair[1], pair[0]}]
		if !ok {
			t.Fatalf("link %s -%s-> %s has no way back", pair[0], rel, pair[1])
		}
		ok = false
		switch rel {
		case registry.Spouse:
			ok = back == registry.Spouse
		case registry.Mother, registry.Father:
			ok = back == registry.Child
		case registry.Child:
			ok = back == registry.Mother || back == registry.Father
		}
		if !ok {
			t.Fatalf("link %s -%s-> %s comes back as %s", pair[0], rel, pair[1], back)
		}
	}
	if r := float64(people) / float64(businesses); r < 15 || r > 25 {
		t.Errorf("one business per %.1f people, want about 20", r)
	}
	if r := float64(adults) / float64(vehicles); r < 3 || r > 5 {
		t.Errorf("one vehicle per %.1f adults, want about 4", r)
	}
	if f := float64(expired) / float64(documents); f < 0.01 || f > 0.2 {
		t.Errorf("%.1f%% of documents expired, want some but few", 100*f)
	}
	if deceased == 0 {
		t.Error("nobody has died")
	}
	for _, span := range [][2]int{{0, 5}, {18, 25}, {40, 50}, {65, 75}, {85, 96}} {
		sum := 0
		for a := span[0]; a < span[1]; a++ {
			sum += ages[a]
		}
		if sum == 0 {
			t.Errorf("nobody aged %d to %d", span[0], span[1]-1)
		}
	}
	for _, r := range []string{"Bakı", "Gəncə", "Sumqayıt", "Mingəçevir", "Şəki", "Lənkəran", "Quba", "Naxçıvan", "Şirvan"} {
		if regions[r] == 0 {
			t.Errorf("nobody lives in %s", r)
		}
	}
	if regions["Bakı"] < people/5 || regions["Bakı"] > people/2 {
		t.Errorf("%d of %d people live in Bakı", regions["Bakı"], people)
	}
	if len(makes) < 10 {
		t.Errorf("only %d makes of car", len(makes))
	}
	t.Logf("%d people (%d adults, %d deceased), %d businesses, %d vehicles, %d documents (%d expired), %d regions, %d cities",
		people, adults, deceased, businesses, vehicles, documents, expired, len(regions), len(cities))
}

// checkNames: a woman's -ov surname ends in -ova, a man's does not; the
// patronymic says oğlu or qızı to match.
func checkNames(t *testing.T, p *registry.Person) {
	t.Helper()
	last := p.LastName
	ovForm := strings.HasSuffix(last, "ov") || strings.HasSuffix(last, "ev") || strings.HasSuffix(last, "ova") || strings.HasSuffix(last, "eva")
	switch p.Sex {
	case registry.Female:
		if ovForm && !strings.HasSuffix(last, "a") {
			t.Fatalf("woman %s %s has a man's surname", p.FirstName, last)
		}
		if !strings.HasSuffix(p.Patronymic, " qızı") {
			t.Fatalf("woman %s %s: patronymic %q", p.FirstName, last, p.Patronymic)
		}
	case registry.Male:
		if ovForm && strings.HasSuffix(last, "a") {
			t.Fatalf("man %s %s has a woman's surname", p.FirstName, last)
		}
		if !strings.HasSuffix(p.Patronymic, " oğlu") {
			t.Fatalf("man %s %s: patronymic %q", p.FirstName, last, p.Patronymic)
		}
	default:
		t.Fatalf("%s: sex %q", p.FIN, p.Sex)
	}
	if p.Citizenship != "AZE" || p.Address.PostalCode == "" || p.BirthPlace == "" {
		t.Fatalf("incomplete person %+v", p)
	}
	if p.Email != "" && !strings.HasSuffix(p.Email, "@example.az") {
		t.Fatalf("e-mail %q is not a synthetic one", p.Email)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("%+v: %v", p, err)
	}
}

// A generator continuing from another's state makes no FIN, plate or VÖEN
// the first one made.
func TestGeneratorContinues(t *testing.T) {
	g := registry.NewGenerator(5, genDay, registry.GenState{})
	seen := map[string]bool{}
	collect := func(g *registry.Generator, count int) {
		for made := 0; made < count; {
			h := g.Household(count - made)
			made += len(h.People)
			for _, p := range h.People {
				if seen[p.FIN] {
					t.Fatalf("FIN %s made twice", p.FIN)
				}
				seen[p.FIN] = true
			}
			for _, v := range h.Vehicles {
				if seen[v.Plate] {
					t.Fatalf("plate %s made twice", v.Plate)
				}
				seen[v.Plate] = true
			}
			for _, b := range h.Businesses {
				if seen[b.VOEN[:9]] {
					t.Fatalf("VÖEN %s made twice", b.VOEN)
				}
				seen[b.VOEN[:9]] = true
			}
		}
	}
	collect(g, 20_000)
	state := g.State()
	if state.People < 20_000 || len(state.Plates) == 0 {
		t.Fatalf("state = %+v", state)
	}
	collect(registry.NewGenerator(5, genDay, state), 20_000) // same seed on purpose
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	people := 0
	g := registry.NewGenerator(1, genDay, registry.GenState{})
	for b.Loop() {
		people += len(g.Household(10).People)
	}
	b.ReportMetric(float64(people)/b.Elapsed().Seconds(), "people/s")
}
