package refnum

import "testing"

func TestNumbersCheckThemselves(t *testing.T) {
	for range 1000 {
		n := New()
		if got, ok := Parse(Format(n)); !ok || got != n {
			t.Fatalf("Parse(%q) = %q, %v", Format(n), got, ok)
		}
		// Every single wrong character is caught.
		for i := range n {
			for _, c := range Alphabet {
				if byte(c) == n[i] {
					continue
				}
				wrong := n[:i] + string(c) + n[i+1:]
				if _, ok := Parse(wrong); ok {
					t.Fatalf("%q accepted in place of %q", wrong, n)
				}
			}
		}
		// Every swap of two different neighbours is caught.
		for i := 0; i+1 < len(n); i++ {
			if n[i] == n[i+1] {
				continue
			}
			swapped := n[:i] + string(n[i+1]) + string(n[i]) + n[i+2:]
			if _, ok := Parse(swapped); ok {
				t.Fatalf("%q accepted in place of %q", swapped, n)
			}
		}
	}
}

func TestParseNumberReadsWhatPeopleType(t *testing.T) {
	n := "1000000A"
	n += string(Check(n))
	if _, ok := Parse("ooo-ooo-oo"); ok {
		t.Fatalf("too short a number was accepted")
	}
	// Lower case, spaces, I for one and O for zero.
	if got, ok := Parse("ioo ooo oa" + string(n[8]+32*0)); !ok || got != n {
		t.Fatalf("got %q %v, want %q", got, ok, n)
	}
	for _, bad := range []string{"", "ÄÄÄ", "123456789012", "7KM-2Q9-XA4U"} {
		if _, ok := Parse(bad); ok {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("7KM-2Q9-XA4")
	f.Add(New())
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := Parse(s)
		if !ok {
			return
		}
		if again, ok2 := Parse(Format(n)); !ok2 || again != n {
			t.Fatalf("%q parsed as %q but its formatted form does not parse back", s, n)
		}
	})
}

func TestDeriveIsValidAndStable(t *testing.T) {
	a, b := Derive("seed"), Derive("seed")
	if a != b {
		t.Fatalf("Derive gave %q and %q", a, b)
	}
	if got, ok := Parse(a); !ok || got != a {
		t.Fatalf("Derive's %q does not check", a)
	}
	if Derive("other") == a {
		t.Fatal("two seeds, one number")
	}
}
