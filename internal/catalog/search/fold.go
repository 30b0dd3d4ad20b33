package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold normalises text for matching; documents and queries go through the
// same function, so whatever a person types meets what an agency wrote.
//
// Casing follows Azerbaijani and Turkish (İ→i, I→ı), then the letters people
// often type without their marks are folded to plain Latin: ə→e, ı→i, ö→o,
// ü→u, ş→s, ç→c, ğ→g. Both I and İ therefore end as "i", which also keeps
// English "ID" matching "id". Russian ё becomes е; й is kept, because in
// Russian it is a letter of its own, not и with a mark. Other combining
// diacritics are stripped (é→e). Cyrillic and Latin are lowercased.
// Characters other than letters and digits are kept; Tokens splits on them.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r = foldRune(r); r >= 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// foldRune folds one non-ASCII rune, or returns -1 to drop it (a combining mark).
func foldRune(r rune) rune {
	switch r {
	case 'İ', 'ı':
		return 'i'
	case 'Ə', 'ə':
		return 'e'
	case 'Ё', 'ё':
		return 'е'
	case 'Й', 'й':
		return 'й'
	}
	if unicode.Is(unicode.Mn, r) {
		return -1
	}
	r = unicode.ToLower(r)
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	d := norm.NFD.Properties(buf[:n]).Decomposition()
	if d == nil {
		return r
	}
	// Keep the base letter only when the rest is marks: ş = s + cedilla.
	// Decompositions into other letters (Hangul syllables) stay whole.
	base, size := utf8.DecodeRune(d)
	for rest := d[size:]; len(rest) > 0; {
		m, n := utf8.DecodeRune(rest)
		if !unicode.Is(unicode.Mn, m) {
			return r
		}
		rest = rest[n:]
	}
	return base
}

// Tokens folds s and splits it on every character that is not a letter or a
// digit: "Şəxsiyyət vəsiqəsi (ID)" → ["sexsiyyet" "vesiqesi" "id"].
func Tokens(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
