// Package refnum makes the short reference numbers people read aloud and
// type — of applications, documents, letters: eight random characters of
// Crockford's base 32 (no I, L, O or U, so nothing reads as another) and a
// ninth that checks them with Damm's algorithm over the field of 32
// elements, which catches every single mistyped character and every swap
// of two neighbours (Luhn mod N misses the swap of 0 and Z). People read
// them in groups of three: 7KM-2Q9-XA4.
package refnum

import (
	"crypto/rand"
	"crypto/sha256"
	"strings"
)

// Alphabet is Crockford's base 32.
const Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// data is how many characters carry the number; one more checks them.
const data = 8

// New draws a fresh random number.
func New() string {
	b := make([]byte, data)
	rand.Read(b)
	return from(b)
}

// Derive is a fixed, valid number for seed, for data that must be found
// again (demo fixtures) rather than drawn.
func Derive(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return from(sum[:data])
}

func from(b []byte) string {
	out := make([]byte, data+1)
	for i := range data {
		out[i] = Alphabet[int(b[i])%len(Alphabet)]
	}
	out[data] = Check(string(out[:data]))
	return string(out)
}

// Check is the Damm check character of s, with the quasigroup x∘y = 2x + y
// in GF(32): a Latin square (so any one wrong character changes the
// result) in which (c∘x)∘y = (c∘y)∘x only when x = y (so any swap of
// neighbours does). The check character c brings the interim to zero:
// interim∘c = 0, so c = 2·interim.
func Check(s string) byte {
	interim := 0
	for i := 0; i < len(s); i++ {
		interim = gfDouble(interim) ^ strings.IndexByte(Alphabet, s[i])
	}
	return Alphabet[gfDouble(interim)]
}

// gfDouble multiplies x by 2 in GF(32) built on x⁵ + x² + 1.
func gfDouble(x int) int {
	x <<= 1
	if x&32 != 0 {
		x ^= 0b100101
	}
	return x
}

// Parse reads a number as a person might type it: any case, with dashes
// or spaces, O for zero and I or L for one. It reports false unless the
// check character matches.
func Parse(s string) (string, bool) {
	if len(s) > 40 {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case '-', ' ':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > 127 || strings.IndexByte(Alphabet, byte(r)) < 0 {
			return "", false
		}
		b.WriteRune(r)
	}
	n := b.String()
	if len(n) != data+1 || Check(n[:data]) != n[data] {
		return "", false
	}
	return n, true
}

// Format groups a number in threes for reading aloud.
func Format(n string) string {
	if len(n) != data+1 {
		return n
	}
	return n[0:3] + "-" + n[3:6] + "-" + n[6:9]
}
