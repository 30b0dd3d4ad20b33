package nationalid_test

import (
	"testing"

	"github.com/egov/egov/internal/nationalid"
)

func TestValidFIN(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"5ZQX7KA", true},
		{"0000000", true},
		{"ABCDEFG", true},
		{"5zqx7ka", false}, // not canonical; NormalizeFIN first
		{"5ZQX7K", false},
		{"5ZQX7KAA", false},
		{" 5ZQX7KA", false},
		{"5ZQX-KA", false},
		{"5ZQX7KƏ", false},
		{"", false},
	} {
		if got := nationalid.ValidFIN(tc.in); got != tc.want {
			t.Errorf("ValidFIN(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got := nationalid.NormalizeFIN("  5zqx7ka\t"); got != "5ZQX7KA" {
		t.Errorf("NormalizeFIN = %q", got)
	}
}

func TestValidVOEN(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"1700123451", true},
		{"0000000001", true},
		{"170012345", false},
		{"17001234511", false},
		{"17001234a1", false},
		{"1700 123451", false},
		{"", false},
	} {
		if got := nationalid.ValidVOEN(tc.in); got != tc.want {
			t.Errorf("ValidVOEN(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got := nationalid.NormalizeVOEN(" 1700 123451 "); got != "1700123451" {
		t.Errorf("NormalizeVOEN = %q", got)
	}
}

func FuzzValidFIN(f *testing.F) {
	for _, s := range []string{"5ZQX7KA", "5zqx7ka", "", "ƏƏƏƏƏƏƏ", "1234567\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := nationalid.NormalizeFIN(s)
		if nationalid.ValidFIN(n) && (len(n) != 7 || nationalid.NormalizeFIN(n) != n) {
			t.Errorf("ValidFIN(%q) but it is not a canonical 7-character FIN", n)
		}
		if nationalid.ValidFIN(s) && n != s {
			t.Errorf("ValidFIN(%q) though it normalises to %q", s, n)
		}
	})
}
