package forms

import (
	"math"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/egov/egov/internal/errs"
)

var (
	finRE   = regexp.MustCompile(`^[0-9A-HJ-NP-Z]{7}$`) // the FIN alphabet leaves out I and O, which look like 1 and 0
	voenRE  = regexp.MustCompile(`^[0-9]{9}[12]$`)      // the last digit tells a legal (1) from a physical (2) person
	phoneRE = regexp.MustCompile(`^\+994(?:10|12|18|50|51|55|60|70|77|99)[0-9]{7}$`)
	plateRE = regexp.MustCompile(`^(?:0[1-9]|[1-9][0-9])-[A-Z]{2}-[0-9]{3}$`)
	hashRE  = regexp.MustCompile(`^[0-9a-f]{64}$`) // an attachment is named by its SHA-256
	moneyRE = regexp.MustCompile(`^(0|[1-9][0-9]{0,12})\.([0-9]{2})$`)
)

// Address lengths: enough for "Bakı" plus a house, short of an essay.
const (
	minAddress = 5
	maxAddress = 300
)

// baku is Azerbaijan's time, UTC+4 all year since 2016, for "today".
var baku = time.FixedZone("AZT", 4*60*60)

// Validate checks the answers (normalising them first). With field names
// it checks only those fields (a page) and the checks that involve only
// them; with none, the whole form and every check. Hidden fields are
// skipped and never required; names the schema does not know are
// ignored. The error is an *errs.Error whose Fields hold message keys and
// whose FieldArgs always carry the field's Label.
func (s *Schema) Validate(a Answers, fields ...string) error {
	a = s.Normalize(a)
	var only map[string]bool
	if len(fields) > 0 {
		only = make(map[string]bool, len(fields))
		for _, name := range fields {
			only[name] = true
		}
	}
	var v errs.Validation
	shown := s.shown(a)
	for _, f := range s.Fields {
		if only != nil && !only[f.Name] || !shown.of(f, len(s.Fields)) {
			continue
		}
		if key, args := checkField(f, a[f.Name]); key != "" {
			v.AddWith(f.Name, key, args)
		}
	}
	for _, c := range s.Checks {
		if only == nil || all(only, c.Field, c.Other, c.Fields) {
			s.runCheck(&v, c, a, shown)
		}
	}
	return v.Err()
}

// all reports whether every named field is in set.
func all(set map[string]bool, field, other string, fields []string) bool {
	for _, name := range append([]string{field, other}, fields...) {
		if name != "" && !set[name] {
			return false
		}
	}
	return true
}

// Visible reports whether f is shown: it has no condition, or the field
// it depends on is itself visible and answered with a matching value.
func (s *Schema) Visible(f Field, a Answers) bool {
	return s.shown(a).of(f, len(s.Fields))
}

// visibility works out which fields are shown, remembering each answer
// so that a long chain of conditions is followed once, not once a field.
type visibility struct {
	s    *Schema
	a    Answers
	memo map[string]bool
}

func (s *Schema) shown(a Answers) *visibility {
	return &visibility{s: s, a: a, memo: map[string]bool{}}
}

// of stops after depth conditions, so a hand-built schema with a cycle
// hides the fields instead of looping.
func (v *visibility) of(f Field, depth int) bool {
	c := f.ShowIf
	if c == nil {
		return true
	}
	i, ok := v.s.position(c.Field)
	if !ok || depth <= 0 {
		return false
	}
	target := v.s.Fields[i]
	shown, ok := v.memo[target.Name]
	if !ok {
		shown = v.of(target, depth-1)
		v.memo[target.Name] = shown
	}
	if !shown {
		return false
	}
	for _, x := range normalizeValues(target.Type, v.a[target.Name]) {
		if x == c.Equals && c.Equals != "" || slices.Contains(c.In, x) {
			return true
		}
	}
	return false
}

// Clean returns the normalised answers of the visible fields only:
// unknown names and answers to questions that were hidden by a later
// change of mind are not stored.
func (s *Schema) Clean(a Answers) Answers {
	a = s.Normalize(a)
	out := Answers{}
	shown := s.shown(a)
	for _, f := range s.Fields {
		if values, ok := a[f.Name]; ok && shown.of(f, len(s.Fields)) {
			out[f.Name] = values
		}
	}
	return out
}

// checkField returns the message key and arguments of the first problem
// with a visible field's values, or "" if there is none.
func checkField(f Field, values []string) (string, map[string]any) {
	args := map[string]any{"Label": f.Label}
	with := func(key string, kv ...any) (string, map[string]any) {
		for i := 0; i+1 < len(kv); i += 2 {
			args[kv[i].(string)] = kv[i+1]
		}
		return key, args
	}
	if len(values) == 0 {
		if f.Required {
			return with("forms.error.required")
		}
		return "", nil
	}
	limit := 1
	if f.Type == MultipleChoice || f.Type == File {
		limit = MaxValues
	}
	if len(values) > limit {
		return with("forms.error.too_many", "Count", limit, "Max", limit)
	}
	for k, v := range values {
		if !cleanChars(f.Type, v) {
			return with("forms.error.characters")
		}
		if n := utf8.RuneCountInString(v); n > MaxValueRunes {
			return with("forms.error.too_long", "Count", MaxValueRunes, "Max", MaxValueRunes)
		}
		if slices.Contains(values[:k], v) {
			return with("forms.error.duplicate")
		}
		if key, kv := checkValue(f, v); key != "" {
			return with(key, kv...)
		}
	}
	if f.Type == MultipleChoice {
		n := float64(len(values))
		if f.Min != nil && n < *f.Min {
			return with("forms.error.min_choices", "Count", int(*f.Min), "Min", int(*f.Min))
		}
		if f.Max != nil && n > *f.Max {
			return with("forms.error.max_choices", "Count", int(*f.Max), "Max", int(*f.Max))
		}
	}
	return "", nil
}

// cleanChars rejects broken UTF-8 and control characters (which the
// database and the printed documents cannot hold); text may have line
// breaks and tabs.
func cleanChars(t Type, v string) bool {
	if !utf8.ValidString(v) {
		return false
	}
	multiline := t == Text || t == Address
	for _, r := range v {
		if r == utf8.RuneError || unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t')) {
			return false
		}
	}
	return true
}

// checkValue checks one normalised value against the field's type.
func checkValue(f Field, v string) (string, []any) {
	ok := true
	switch f.Type {
	case Text:
		n := utf8.RuneCountInString(v)
		if f.MinLength > 0 && n < f.MinLength {
			return "forms.error.min_length", []any{"Count", f.MinLength, "Min", f.MinLength}
		}
		if f.MaxLength > 0 && n > f.MaxLength {
			return "forms.error.max_length", []any{"Count", f.MaxLength, "Max", f.MaxLength}
		}
		if f.Pattern != "" {
			re := f.re()
			if re == nil || !re.MatchString(v) {
				return "forms.error.pattern", nil
			}
		}
	case Number:
		x, err := strconv.ParseFloat(v, 64)
		if !numberRE.MatchString(v) || err != nil {
			return "forms.error.number", nil
		}
		if f.Min != nil && x < *f.Min {
			return "forms.error.min", []any{"Min", numberText(*f.Min)}
		}
		if f.Max != nil && x > *f.Max {
			return "forms.error.max", []any{"Max", numberText(*f.Max)}
		}
	case Money:
		q, valid := ParseMoney(v)
		if !valid {
			return "forms.error.money", nil
		}
		if f.Min != nil && q < qepik(*f.Min) {
			return "forms.error.min", []any{"Min", moneyText(qepik(*f.Min))}
		}
		if f.Max != nil && q > qepik(*f.Max) {
			return "forms.error.max", []any{"Max", moneyText(qepik(*f.Max))}
		}
	case Date:
		_, ok = parseDate(v)
	case Choice, MultipleChoice:
		_, ok = f.option(v)
	case YesNo:
		ok = v == "yes" || v == "no"
	case File:
		ok = hashRE.MatchString(v)
	case FIN:
		ok = finRE.MatchString(v)
	case VOEN:
		ok = voenRE.MatchString(v)
	case Phone:
		ok = phoneRE.MatchString(v)
	case Email:
		ok = validEmail(v)
	case Address:
		n := utf8.RuneCountInString(v)
		if n < minAddress || n > maxAddress {
			return "forms.error.address", []any{"Min", minAddress, "Max", maxAddress}
		}
	case Plate:
		ok = plateRE.MatchString(v)
	default:
		ok = false
	}
	if !ok {
		return "forms.error." + string(typeKey(f.Type)), nil
	}
	return "", nil
}

// typeKey names the message of a wrong value of type t.
func typeKey(t Type) Type {
	if t == MultipleChoice {
		return Choice
	}
	if !types[t] {
		return "invalid"
	}
	return t
}

func parseDate(v string) (time.Time, bool) {
	if !isoDateRE.MatchString(v) {
		return time.Time{}, false
	}
	d, err := time.Parse(time.DateOnly, v)
	return d, err == nil && d.Year() >= 1000
}

// validEmail accepts one bare address (no name, no angle brackets) whose
// domain has a dot, as every address that can receive our mail does.
func validEmail(v string) bool {
	if len(v) > 254 {
		return false
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Name != "" || addr.Address != v {
		return false
	}
	domain := v[strings.LastIndexByte(v, '@')+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") &&
		!strings.HasSuffix(domain, ".") && !strings.Contains(domain, "..")
}

// ParseMoney returns a canonical amount ("12.50") in qəpik. (It is not
// called Money, which names the field type.)
func ParseMoney(value string) (qepik int64, ok bool) {
	m := moneyRE.FindStringSubmatch(value)
	if m == nil {
		return 0, false
	}
	manat, err1 := strconv.ParseInt(m[1], 10, 64)
	cents, err2 := strconv.ParseInt(m[2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return manat*100 + cents, true
}

// qepik converts a schema's amount in manat, which Parse limits to two
// decimals, to qəpik.
func qepik(manat float64) int64 { return int64(math.Round(manat * 100)) }
