package forms

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/egov/egov/internal/lang"
)

// yesNo is how a yes_no answer reads in each language.
var yesNo = map[string]lang.Text{
	"yes": {AZ: "Bəli", EN: "Yes", RU: "Да"},
	"no":  {AZ: "Xeyr", EN: "No", RU: "Нет"},
}

// Display turns a field's answers into text for people in language l: an
// option's label, "Bəli"/"Yes"/"Да", "12,50 AZN" ("12.50 AZN" in English,
// as the site shows fees), a date as 02.01.2006, a phone as
// +994 50 123 45 67; several answers are joined with ", ". A file's
// answer is its attachment id, which the caller links to the file.
func (s *Schema) Display(f Field, values []string, l lang.Lang) string {
	var out []string
	for _, v := range normalizeValues(f.Type, values) {
		out = append(out, display(f, v, l))
	}
	return strings.Join(out, ", ")
}

func display(f Field, v string, l lang.Lang) string {
	switch f.Type {
	case Choice, MultipleChoice:
		if o, ok := f.option(v); ok {
			return o.Label.In(l)
		}
	case YesNo:
		if t, ok := yesNo[v]; ok {
			return t.In(l)
		}
	case Money:
		if q, ok := ParseMoney(v); ok {
			return moneyText(q).In(l)
		}
	case Number:
		if numberRE.MatchString(v) {
			return decimalIn(v, l)
		}
	case Date:
		if d, ok := parseDate(v); ok {
			return d.Format("02.01.2006")
		}
	case Phone:
		if phoneRE.MatchString(v) {
			return v[:4] + " " + v[4:6] + " " + v[6:9] + " " + v[9:11] + " " + v[11:]
		}
	}
	return v
}

// decimalIn writes a decimal point as Azerbaijani and Russian do: a comma.
func decimalIn(v string, l lang.Lang) string {
	if l == lang.EN {
		return v
	}
	return strings.Replace(v, ".", ",", 1)
}

// numberText is a schema's number limit in every language, for messages.
func numberText(x float64) lang.Text {
	v := strconv.FormatFloat(x, 'f', -1, 64)
	return lang.Text{AZ: decimalIn(v, lang.AZ), EN: v, RU: decimalIn(v, lang.RU)}
}

// moneyText is an amount in qəpik as the site writes fees, "12,50 AZN".
func moneyText(q int64) lang.Text {
	v := fmt.Sprintf("%d.%02d", q/100, q%100)
	return lang.Text{AZ: decimalIn(v, lang.AZ) + " AZN", EN: v + " AZN", RU: decimalIn(v, lang.RU) + " AZN"}
}
