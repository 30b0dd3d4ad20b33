package evisa_test

import (
	"strings"
	"testing"
	"time"

	"github.com/egov/egov/internal/evisa"
)

// The specimen of ICAO Doc 9303 part 4, and the demo's British passport.
const (
	specimen1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
	specimen2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
	smith1    = "P<GBRSMITH<<JOHN<<<<<<<<<<<<<<<<<<<<<<<<<<<<"
	smith2    = "5334013720GBR8204099M3201015<<<<<<<<<<<<<<<4"
)

// swap replaces the character at i.
func swap(s string, i int, c byte) string { return s[:i] + string(c) + s[i+1:] }

func TestCheckDigit(t *testing.T) {
	for _, tc := range []struct {
		name, field string
		want        int
	}{
		{"document number", "L898902C3", 6},
		{"birth date", "740812", 2},
		{"expiry", "120415", 9},
		{"personal number", "ZE184226B<<<<<", 1},
		{"demo passport", "533401372", 0},
		{"fillers only", "<<<<<", 0},
		{"lower case is not a zone character", "l898902c3", -1},
		{"space is not a zone character", "L898 02C3", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := evisa.CheckDigit(tc.field); got != tc.want {
				t.Errorf("CheckDigit(%q) = %d, want %d", tc.field, got, tc.want)
			}
		})
	}
}

func TestParseTD3(t *testing.T) {
	for _, tc := range []struct {
		name         string
		line1, line2 string
		ok           bool
		number, nat  string
	}{
		{"ICAO specimen", specimen1, specimen2, true, "L898902C3", "UTO"},
		{"demo passport", smith1, smith2, true, "533401372", "GBR"},
		{"lower case and spaces around", " " + strings.ToLower(smith1) + "\n", smith2 + " ", true, "533401372", "GBR"},
		{"number's check digit wrong", specimen1, swap(specimen2, 9, '7'), false, "", ""},
		{"number changed, digit kept", smith1, swap(smith2, 3, '5'), false, "", ""},
		{"birth check digit wrong", smith1, swap(smith2, 19, '8'), false, "", ""},
		{"birth date changed", smith1, swap(smith2, 14, '3'), false, "", ""},
		{"expiry check digit wrong", smith1, swap(smith2, 27, '6'), false, "", ""},
		{"personal number's digit wrong", specimen1, swap(specimen2, 42, '2'), false, "", ""},
		{"composite digit wrong", smith1, swap(smith2, 43, '5'), false, "", ""},
		{"neighbours swapped", smith1, swap(swap(smith2, 0, '3'), 1, '5'), false, "", ""},
		{"line too short", smith1, smith2[:43], false, "", ""},
		{"not a passport", "V" + smith1[1:], smith2, false, "", ""},
		{"a character no zone has", smith1, swap(smith2, 30, '#'), false, "", ""},
		{"impossible date with good digits", smith1, "5334013720GBR8213314M3201015<<<<<<<<<<<<<<<0", false, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := evisa.ParseTD3(tc.line1, tc.line2)
			if ok := err == nil; ok != tc.ok {
				t.Fatalf("ParseTD3 ok = %v (%v), want %v", ok, err, tc.ok)
			}
			if !tc.ok {
				return
			}
			if p.Number != tc.number || p.Nationality != tc.nat {
				t.Errorf("number %q nationality %q, want %q %q", p.Number, p.Nationality, tc.number, tc.nat)
			}
		})
	}
	p, _ := evisa.ParseTD3(specimen1, specimen2)
	if p.Surname != "ERIKSSON" || p.GivenNames != "ANNA MARIA" || p.Sex != "F" ||
		p.BirthDate.Format(time.DateOnly) != "1974-08-12" || p.Expires.Format(time.DateOnly) != "2012-04-15" {
		t.Errorf("specimen read as %+v", p)
	}
}

// A passport written as a zone reads back the same, for typed fields.
func TestTD3RoundTrip(t *testing.T) {
	p := evisa.Passport{Number: "533401372", Nationality: "GBR", Surname: "Smith", GivenNames: "John", Sex: "M",
		BirthDate: time.Date(1982, 4, 9, 0, 0, 0, 0, time.UTC), Expires: time.Date(2032, 1, 1, 0, 0, 0, 0, time.UTC)}
	l1, l2 := evisa.TD3(p)
	if l1 != smith1 || l2 != smith2 {
		t.Fatalf("TD3 =\n%s\n%s\nwant\n%s\n%s", l1, l2, smith1, smith2)
	}
	az := evisa.Passport{Number: "C01234567", Nationality: "AZE", Surname: "Məmmədov", GivenNames: "Elçin Şahin", Sex: "M",
		BirthDate: p.BirthDate, Expires: p.Expires}
	l1, l2 = evisa.TD3(az)
	back, err := evisa.ParseTD3(l1, l2)
	if err != nil || back.Surname != "MAMMADOV" || back.GivenNames != "ELCHIN SHAHIN" {
		t.Errorf("Azerbaijani letters: %s → %+v, %v", l1, back, err)
	}
}

// The visa's zone is two lines of 36 whose check digits hold.
func TestVisaMRZ(t *testing.T) {
	p := evisa.Passport{Number: "533401372", Nationality: "GBR", Surname: "SMITH", GivenNames: "JOHN", Sex: "M",
		BirthDate: time.Date(1982, 4, 9, 0, 0, 0, 0, time.UTC)}
	l1, l2 := evisa.VisaMRZ("7KM2Q9XA4", p, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC))
	if len(l1) != 36 || len(l2) != 36 || !strings.HasPrefix(l1, "V<AZESMITH<<JOHN<") {
		t.Fatalf("visa zone:\n%s\n%s", l1, l2)
	}
	for _, f := range []struct{ from, to int }{{0, 9}, {13, 19}, {21, 27}} {
		if d := evisa.CheckDigit(l2[f.from:f.to]); l2[f.to] != byte('0'+d) {
			t.Errorf("check digit of %q is %c, want %d", l2[f.from:f.to], l2[f.to], d)
		}
	}
}

func FuzzParseTD3(f *testing.F) {
	f.Add(specimen1, specimen2)
	f.Add(smith1, smith2)
	f.Add("", "")
	f.Add(smith1, "5334013720GBR8213314M3201015<<<<<<<<<<<<<<<0")
	f.Fuzz(func(t *testing.T, l1, l2 string) {
		p, err := evisa.ParseTD3(l1, l2)
		if err != nil {
			return
		}
		// What parses writes back to a zone that parses the same.
		w1, w2 := evisa.TD3(p)
		q, err := evisa.ParseTD3(w1, w2)
		if err != nil || q.Number != p.Number || q.Nationality != p.Nationality || !q.BirthDate.Equal(p.BirthDate) {
			t.Fatalf("%q %q read as %+v; written back %q %q read as %+v, %v", l1, l2, p, w1, w2, q, err)
		}
	})
}
