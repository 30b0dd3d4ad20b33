package forms

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

var (
	plateCompactRE = regexp.MustCompile(`^[0-9]{2}[A-Z]{2}[0-9]{3}$`)
	moneyTypedRE   = regexp.MustCompile(`^([0-9]{1,13})(?:[.,]([0-9]{1,2}))?$`)
	numberRE       = regexp.MustCompile(`^-?[0-9]{1,15}(?:\.[0-9]{1,10})?$`)
	isoDateRE      = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	dottedDateRE   = regexp.MustCompile(`^([0-9]{1,2})[./]([0-9]{1,2})[./]([0-9]{4})$`)
	fileRE         = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
)

// Normalize returns the answers in canonical form: trimmed, identifiers
// upper-cased, phones in E.164, dates as 2006-01-02, money as 12.50.
// Empty answers are dropped. A value that cannot be normalised is kept as
// typed (only trimmed), so nothing is lost and Validate reports it.
// Names the schema does not know are copied unchanged.
func (s *Schema) Normalize(a Answers) Answers {
	out := make(Answers, len(a))
	for name, values := range a {
		i, ok := s.position(name)
		if !ok {
			out[name] = slices.Clone(values)
			continue
		}
		if n := normalizeValues(s.Fields[i].Type, values); len(n) > 0 {
			out[name] = n
		}
	}
	return out
}

func normalizeValues(t Type, values []string) []string {
	var out []string
	for _, v := range values {
		if v = normalize(t, v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// normalize puts one value in canonical form. Every branch maps its own
// output to itself, which FuzzValidate checks.
func normalize(t Type, v string) string {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) {
		return v // Validate rejects it; rewriting broken bytes would lose them
	}
	switch t {
	case Text, Address:
		// Browsers send a textarea's line breaks as CRLF; count them once.
		return strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n")
	case FIN, VOEN:
		return upperASCII(dropSpaces(v))
	case Plate:
		v = upperASCII(dropSpaces(v))
		if c := strings.ReplaceAll(v, "-", ""); plateCompactRE.MatchString(c) {
			return c[:2] + "-" + c[2:4] + "-" + c[4:]
		}
		return v
	case Phone:
		return normalizePhone(v)
	case Email:
		if at := strings.LastIndexByte(v, '@'); at >= 0 {
			return v[:at+1] + strings.ToLower(v[at+1:])
		}
		return v
	case Money:
		return normalizeMoney(v)
	case Number:
		return normalizeNumber(v)
	case Date:
		return normalizeDate(v)
	case YesNo:
		switch strings.ToLower(v) {
		case "yes", "true", "on", "1", "bəli", "beli", "да":
			return "yes"
		case "no", "false", "off", "0", "xeyr", "нет":
			return "no"
		}
		return v
	case File:
		if fileRE.MatchString(v) {
			return strings.ToLower(v)
		}
	}
	return v
}

// dropSpaces removes every space, including the no-break spaces that
// copying from documents brings.
func dropSpaces(v string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, v)
}

// upperASCII upper-cases only Latin letters: identifiers are Latin, and
// Unicode case mapping could turn a wrongly typed letter into a valid one.
func upperASCII(v string) string {
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, v)
}

// normalizePhone accepts the ways people write an Azerbaijani number:
// 050 123 45 67, (050) 123-45-67, +994 50 123 45 67, 994501234567,
// 00994501234567 and 501234567.
func normalizePhone(v string) string {
	d := strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r), r == '-', r == '(', r == ')', r == '.':
			return -1
		}
		return r
	}, v)
	plus := strings.HasPrefix(d, "+")
	d = strings.TrimPrefix(d, "+")
	if !allDigits(d) {
		return v
	}
	switch {
	case plus && len(d) == 12 && strings.HasPrefix(d, "994"):
		return "+" + d
	case plus:
		return v
	case len(d) == 12 && strings.HasPrefix(d, "994"):
		return "+" + d
	case len(d) == 14 && strings.HasPrefix(d, "00994"):
		return "+" + d[2:]
	case len(d) == 10 && d[0] == '0':
		return "+994" + d[1:]
	case len(d) == 9 && d[0] != '0':
		return "+994" + d
	}
	return v
}

func allDigits(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// normalizeMoney accepts 12, 12,5, 12.50 and 1 000,50 and returns 12.50.
func normalizeMoney(v string) string {
	m := moneyTypedRE.FindStringSubmatch(dropSpaces(v))
	if m == nil {
		return v
	}
	manat := strings.TrimLeft(m[1], "0")
	if manat == "" {
		manat = "0"
	}
	return manat + "." + (m[2] + "00")[:2]
}

// normalizeNumber accepts a comma as the decimal sign and spaces between
// thousands.
func normalizeNumber(v string) string {
	n := dropSpaces(v)
	if strings.Count(n, ",") == 1 && !strings.Contains(n, ".") {
		n = strings.Replace(n, ",", ".", 1)
	}
	n = strings.TrimPrefix(n, "+")
	if numberRE.MatchString(n) {
		return n
	}
	return v
}

// normalizeDate accepts 2006-01-02 and the local 02.01.2006 (or 2.1.2006,
// 02/01/2006); an impossible date is kept as typed.
func normalizeDate(v string) string {
	if isoDateRE.MatchString(v) {
		return v
	}
	m := dottedDateRE.FindStringSubmatch(v)
	if m == nil {
		return v
	}
	iso := m[3] + "-" + pad2(m[2]) + "-" + pad2(m[1])
	if _, err := time.Parse(time.DateOnly, iso); err != nil {
		return v
	}
	return iso
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}
