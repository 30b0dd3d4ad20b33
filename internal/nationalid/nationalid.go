// Package nationalid checks the identifiers the state gives people and
// businesses: the FIN (fərdi identifikasiya nömrəsi, on every identity
// card) and the VÖEN (the taxpayer number). Every module that takes one
// checks it here, so all of them agree on what one is.
package nationalid

import "strings"

// NormalizeFIN trims s and upper-cases it, the canonical form of a FIN.
func NormalizeFIN(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// ParseFIN is s in the canonical form of a FIN, and whether it is one.
func ParseFIN(s string) (string, bool) {
	s = NormalizeFIN(s)
	return s, ValidFIN(s)
}

// ValidFIN reports whether s is a FIN in canonical form: exactly 7
// characters, each an upper-case Latin letter or a digit.
func ValidFIN(s string) bool {
	if len(s) != 7 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// NormalizeVOEN trims s and drops inner spaces, the canonical form of a VÖEN.
func NormalizeVOEN(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), " ", "") }

// ValidVOEN reports whether s is a VÖEN in canonical form: exactly 10
// digits.
func ValidVOEN(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
