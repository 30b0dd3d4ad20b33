package evisa

import (
	"errors"
	"strings"
	"time"
)

// The machine-readable zone of ICAO Doc 9303: a passport's two lines of
// 44 characters (TD3), and the visa's two lines of 36 (MRV-B).

// ErrMRZ is what every malformed or miscomputed zone wraps.
var ErrMRZ = errors.New("evisa: the machine-readable zone is not valid")

const (
	td3Line  = 44
	mrvBLine = 36
)

// charValue is a character's value in a check digit: digits as such,
// A–Z as 10–35, the filler '<' as 0; -1 for anything else.
func charValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c == '<':
		return 0
	}
	return -1
}

// CheckDigit is the ICAO 9303 check digit of s (weights 7, 3, 1
// repeating, modulo 10), or -1 when s holds a character a zone cannot.
func CheckDigit(s string) int {
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		v := charValue(s[i])
		if v < 0 {
			return -1
		}
		sum += v * weights[i%3]
	}
	return sum % 10
}

func digitOK(field string, check byte) bool {
	d := CheckDigit(field)
	return d >= 0 && check == byte('0'+d)
}

// Passport is what a passport's zone (or the fields typed instead) says.
type Passport struct {
	Number      string // up to 9 characters, A–Z and 0–9
	Nationality string // ICAO three-letter code, e.g. GBR
	Issuer      string // issuing state
	Surname     string
	GivenNames  string
	BirthDate   time.Time
	Sex         string // M, F or X
	Expires     time.Time
}

// ParseTD3 reads a passport's two-line zone and checks its five check
// digits (number, birth, expiry, personal number, composite). Spaces and
// line breaks around the lines are ignored; lower case is read as upper.
func ParseTD3(line1, line2 string) (Passport, error) {
	l1 := strings.ToUpper(strings.TrimSpace(line1))
	l2 := strings.ToUpper(strings.TrimSpace(line2))
	var p Passport
	if len(l1) != td3Line || len(l2) != td3Line || l1[0] != 'P' {
		return p, ErrMRZ
	}
	for _, l := range []string{l1, l2} {
		for i := 0; i < len(l); i++ {
			if charValue(l[i]) < 0 {
				return p, ErrMRZ
			}
		}
	}
	number, birth, expiry, personal := l2[0:9], l2[13:19], l2[21:27], l2[28:42]
	if !digitOK(number, l2[9]) || !digitOK(birth, l2[19]) || !digitOK(expiry, l2[27]) {
		return p, ErrMRZ
	}
	// An empty personal number may carry '<' or '0' as its check digit.
	if !(digitOK(personal, l2[42]) || strings.Trim(personal, "<") == "" && l2[42] == '<') {
		return p, ErrMRZ
	}
	composite := l2[0:10] + l2[13:20] + l2[21:43]
	if !digitOK(composite, l2[43]) {
		return p, ErrMRZ
	}
	var err error
	if p.BirthDate, err = mrzDate(birth, false); err != nil {
		return p, ErrMRZ
	}
	if p.Expires, err = mrzDate(expiry, true); err != nil {
		return p, ErrMRZ
	}
	surname, given, _ := strings.Cut(l1[5:], "<<")
	p.Number = strings.TrimRight(number, "<")
	p.Issuer = strings.Trim(l1[2:5], "<")
	p.Nationality = strings.Trim(l2[10:13], "<")
	p.Surname = mrzName(surname)
	p.GivenNames = mrzName(given)
	p.Sex = map[byte]string{'M': "M", 'F': "F", '<': "X"}[l2[20]]
	if p.Number == "" || p.Surname == "" || p.Sex == "" || p.Nationality == "" {
		return p, ErrMRZ
	}
	return p, nil
}

// mrzName turns "ANNA<MARIA<<<" into "ANNA MARIA".
func mrzName(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "<", " ")), " ")
}

// mrzDate reads YYMMDD. The century is a guess, as in every reader: an
// expiry is this century; a birth date after today is the last.
func mrzDate(s string, expiry bool) (time.Time, error) {
	t, err := time.Parse("060102", s)
	if err != nil {
		return t, err
	}
	if t.Year() < 2000 && expiry {
		t = t.AddDate(100, 0, 0)
	}
	if !expiry && t.After(time.Now()) {
		t = t.AddDate(-100, 0, 0)
	}
	return t, nil
}

// mrzField writes s as a zone field of width n: upper case, anything
// other than A–Z and 0–9 as '<', cut or filled with '<'.
func mrzField(s string, n int) string {
	b := make([]byte, 0, n)
	for _, r := range strings.ToUpper(foldLatin(s)) {
		if len(b) == n {
			break
		}
		c := byte('<')
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			c = byte(r)
		}
		b = append(b, c)
	}
	for len(b) < n {
		b = append(b, '<')
	}
	return string(b)
}

// withCheck is field followed by its check digit.
func withCheck(field string) string { return field + string(rune('0'+CheckDigit(field))) }

// TD3 writes a passport's zone: the inverse of ParseTD3, for the fields a
// person typed, so that a visa can name the passport as its reader sees it.
func TD3(p Passport) (string, string) {
	issuer := p.Issuer
	if issuer == "" {
		issuer = p.Nationality
	}
	l1 := mrzField("P<"+mrzField(issuer, 3)+nameZone(p.Surname, p.GivenNames), td3Line)
	number := withCheck(mrzField(p.Number, 9))
	birth := withCheck(p.BirthDate.Format("060102"))
	expiry := withCheck(p.Expires.Format("060102"))
	personal := strings.Repeat("<", 14) + "<"
	sex := p.Sex
	if sex != "M" && sex != "F" {
		sex = "<"
	}
	l2 := number + mrzField(p.Nationality, 3) + birth + sex + expiry + personal
	return l1, withCheck2(l2)
}

// withCheck2 appends the composite check digit of a TD3 second line.
func withCheck2(l2 string) string {
	return l2 + string(rune('0'+CheckDigit(l2[0:10]+l2[13:20]+l2[21:43])))
}

// nameZone is "SURNAME<<GIVEN<NAMES" with every other character a filler.
func nameZone(surname, given string) string {
	s := strings.Join(strings.Fields(mrzWords(surname)), "<")
	g := strings.Join(strings.Fields(mrzWords(given)), "<")
	if g == "" {
		return s
	}
	return s + "<<" + g
}

func mrzWords(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return ' '
	}, strings.ToUpper(foldLatin(s)))
}

// VisaMRZ is the visa's machine-readable zone (MRV-B, two lines of 36):
// "V<AZE" and the holder's name, then the visa number, nationality,
// birth date, sex and the visa's last day, each checked as 9303 says.
func VisaMRZ(visaNumber string, p Passport, until time.Time) (string, string) {
	l1 := mrzField("V<AZE"+nameZone(p.Surname, p.GivenNames), mrvBLine)
	sex := p.Sex
	if sex != "M" && sex != "F" {
		sex = "<"
	}
	l2 := withCheck(mrzField(visaNumber, 9)) + mrzField(p.Nationality, 3) + withCheck(p.BirthDate.Format("060102")) +
		sex + withCheck(until.Format("060102")) + mrzField(p.Number, 8)
	return l1, l2
}
