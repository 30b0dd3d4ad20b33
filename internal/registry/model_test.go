package registry_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/egov/egov/internal/registry"
)

func TestPlates(t *testing.T) {
	for _, tc := range []struct {
		in, norm string
		valid    bool
	}{
		{"10-AB-123", "10-AB-123", true},
		{"10-ab-123", "10-AB-123", true},
		{" 90 xy 777 ", "90-XY-777", true},
		{"99ZZ001", "99-ZZ-001", true},
		{"10 - AB - 123", "10-AB-123", true},
		{"00-AB-123", "00-AB-123", false},
		{"10-AB-000", "10-AB-000", false},
		{"AB-10-123", "AB-10-123", false},
		{"10-A1-123", "10-A1-123", false},
		{"10-ABC-123", "10-ABC-123", false},
		{"1-AB-123", "1-AB-123", false},
		{"10-ÄB-123", "10-ÄB-123", false},
		{"", "", false},
	} {
		got := registry.NormalizePlate(tc.in)
		if got != tc.norm {
			t.Errorf("NormalizePlate(%q) = %q, want %q", tc.in, got, tc.norm)
		}
		if v := registry.ValidPlate(got); v != tc.valid {
			t.Errorf("ValidPlate(%q) = %v, want %v", got, v, tc.valid)
		}
	}
}

func TestValidVIN(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"1M8GDM9AXKP042788", true}, // the textbook example
		{"1M8GDM9A1KP042788", false},
		{"1M8GDM9AXKP04278", false},
		{"1M8GDM9AXKPO42788", false}, // O is not used
	} {
		if got := registry.ValidVIN(tc.in); got != tc.want {
			t.Errorf("ValidVIN(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestAddressString(t *testing.T) {
	for _, tc := range []struct {
		a    registry.Address
		want string
	}{
		{registry.Address{Region: "Bakı", City: "Bakı", Street: "Füzuli küç.", House: "52", Apartment: "17", PostalCode: "AZ1014"},
			"Füzuli küç. 52, m. 17, Bakı, AZ1014"},
		{registry.Address{Region: "Abşeron", City: "Xırdalan", Street: "Nizami küç.", House: "3", PostalCode: "AZ0104"},
			"Nizami küç. 3, Xırdalan, Abşeron, AZ0104"},
		{registry.Address{}, ""},
	} {
		if got := tc.a.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestJSONDates(t *testing.T) {
	people, businesses, vehicles := registry.DemoFixtures(time.Date(2026, 5, 18, 9, 0, 0, 0, time.UTC))
	death := time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC)
	p := people[0]
	p.DeathDate = &death
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	if m["birth_date"] != "1990-03-14" || m["death_date"] != "2020-02-29" || m["fin"] != "5ZQX7KA" {
		t.Errorf("person JSON = %s", b)
	}
	docs := m["documents"].([]any)
	if d := docs[0].(map[string]any); len(d["expires_on"].(string)) != 10 {
		t.Errorf("document JSON = %v", d)
	}
	var back registry.Person
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, p) {
		t.Errorf("round trip:\n%+v\nwant\n%+v", back, p)
	}
	for _, v := range []any{businesses[0], vehicles[0]} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		ptr := reflect.New(reflect.TypeOf(v))
		if err := json.Unmarshal(b, ptr.Interface()); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ptr.Elem().Interface(), v) {
			t.Errorf("round trip of %s", b)
		}
	}
}

func FuzzNormalizePlate(f *testing.F) {
	for _, s := range []string{"10-AB-123", "10 ab 123", "99ZZ001", "", "--", "1０-AB-123", "10-AB-1234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := registry.NormalizePlate(s)
		if registry.NormalizePlate(n) != n {
			t.Errorf("NormalizePlate is not idempotent on %q: %q then %q", s, n, registry.NormalizePlate(n))
		}
		if registry.ValidPlate(n) && len(n) != 9 {
			t.Errorf("valid plate %q is not 9 bytes", n)
		}
	})
}
