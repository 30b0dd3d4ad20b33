package applications

import "github.com/egov/egov/internal/refnum"

// Application numbers are refnum's: short, random, with a check character.

// NewNumber draws a fresh random application number.
func NewNumber() string { return refnum.New() }

// ParseNumber reads an application number as a person might type it; it
// reports false unless the check character matches.
func ParseNumber(s string) (string, bool) { return refnum.Parse(s) }

// FormatNumber groups a number in threes for reading aloud: 7KM-2Q9-XA4.
func FormatNumber(n string) string { return refnum.Format(n) }
