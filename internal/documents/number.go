package documents

import "github.com/egov/egov/internal/refnum"

// Document numbers are refnum's, like applications': short, random, with
// a check character.

func newNumber() string { return refnum.New() }

// parseNumber reads a document number as a person might type it; "" unless
// the check character matches.
func parseNumber(s string) string {
	n, _ := refnum.Parse(s)
	return n
}
