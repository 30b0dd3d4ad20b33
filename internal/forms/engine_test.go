package forms_test

import (
	"encoding/json"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/lang"
)

// travelSchema has a chain of conditions (abroad → country → visa) and
// shared pages.
func travelSchema(t testing.TB) *forms.Schema {
	return mustParse(t, []forms.Field{
		{Name: "name", Type: forms.Text, Label: nameLabel, Required: true, Page: "who"},
		{Name: "fin", Type: forms.FIN, Label: text("FİN", "FIN", "ФИН"), Required: true, Page: "who"},
		{Name: "abroad", Type: forms.YesNo, Label: text("Xaricə?", "Abroad?", "За границу?"), Required: true},
		{Name: "country", Type: forms.Choice, Label: text("Ölkə", "Country", "Страна"), Required: true,
			Options: options("tr", "ge", "de"), ShowIf: &forms.Condition{Field: "abroad", Equals: "yes"}},
		{Name: "visa", Type: forms.File, Label: text("Viza", "Visa", "Виза"), Required: true,
			ShowIf: &forms.Condition{Field: "country", In: []string{"de"}}},
		{Name: "phone", Type: forms.Phone, Label: text("Telefon", "Phone", "Телефон"), Page: "contact"},
		{Name: "email", Type: forms.Email, Label: text("E-poçt", "E-mail", "Эл. почта"), Page: "contact"},
	}, forms.Check{Rule: forms.RuleRequiredOneOf, Fields: []string{"phone", "email"}})
}

func TestPages(t *testing.T) {
	var got []string
	for _, p := range travelSchema(t).Pages() {
		var names []string
		for _, f := range p.Fields {
			names = append(names, f.Name)
		}
		got = append(got, p.Key+":"+strings.Join(names, ","))
	}
	want := []string{"who:name,fin", "abroad:abroad", "country:country", "visa:visa", "contact:phone,email"}
	if !slices.Equal(got, want) {
		t.Errorf("Pages = %v, want %v", got, want)
	}
}

func TestConditions(t *testing.T) {
	s := travelSchema(t)
	visible := func(a forms.Answers) string {
		var names []string
		for _, f := range s.Fields {
			if s.Visible(f, a) {
				names = append(names, f.Name)
			}
		}
		return strings.Join(names, ",")
	}
	for _, tc := range []struct {
		answers forms.Answers
		want    string
	}{
		{forms.Answers{}, "name,fin,abroad,phone,email"},
		{forms.Answers{"abroad": {"no"}}, "name,fin,abroad,phone,email"},
		{forms.Answers{"abroad": {" Bəli "}}, "name,fin,abroad,country,phone,email"}, // normalised before comparing
		{forms.Answers{"abroad": {"yes"}, "country": {"tr"}}, "name,fin,abroad,country,phone,email"},
		{forms.Answers{"abroad": {"yes"}, "country": {"de"}}, "name,fin,abroad,country,visa,phone,email"},
		// The visa depends on a country that is hidden: it is hidden too.
		{forms.Answers{"abroad": {"no"}, "country": {"de"}}, "name,fin,abroad,phone,email"},
	} {
		if got := visible(tc.answers); got != tc.want {
			t.Errorf("visible with %v = %s, want %s", tc.answers, got, tc.want)
		}
	}

	// Hidden fields are neither required nor checked.
	err := s.Validate(forms.Answers{"name": {"Əli"}, "fin": {"5ZJ8K2L"}, "abroad": {"no"}, "country": {"mars"}, "phone": {"0501234567"}})
	if err != nil {
		t.Errorf("hidden fields validated: %v", err)
	}
	got := fieldErrors(t, s.Validate(forms.Answers{"name": {"Əli"}, "fin": {"5ZJ8K2L"}, "abroad": {"yes"}, "country": {"de"}, "email": {"a@b.az"}}))
	if want := map[string]string{"visa": "forms.error.required"}; !maps.Equal(got, want) {
		t.Errorf("shown visa: %v, want %v", got, want)
	}
}

func TestValidatePage(t *testing.T) {
	s := travelSchema(t)
	// Only the named fields are checked: the page "who" knows nothing of abroad.
	got := fieldErrors(t, s.Validate(forms.Answers{"name": {"Əli"}, "fin": {"bad"}, "extra": {"ignored"}}, "name", "fin"))
	if want := map[string]string{"fin": "forms.error.fin"}; !maps.Equal(got, want) {
		t.Errorf("page who: %v, want %v", got, want)
	}
	// A check whose fields are all on the page runs with the page.
	got = fieldErrors(t, s.Validate(forms.Answers{}, "phone", "email"))
	if want := map[string]string{"phone": "forms.error.required_one_of"}; !maps.Equal(got, want) {
		t.Errorf("page contact: %v, want %v", got, want)
	}
	// ...but not with a page that has only some of them.
	if err := s.Validate(forms.Answers{}, "phone"); err != nil {
		t.Errorf("page with phone only: %v", err)
	}
	// The whole form.
	got = fieldErrors(t, s.Validate(forms.Answers{"abroad": {"yes"}}))
	want := map[string]string{"name": "forms.error.required", "fin": "forms.error.required",
		"country": "forms.error.required", "phone": "forms.error.required_one_of"}
	if !maps.Equal(got, want) {
		t.Errorf("whole form: %v, want %v", got, want)
	}
}

func TestCheckQuietWhenFieldIsWrong(t *testing.T) {
	s := crossSchema(t)
	// A bad date is reported once, by the field, not again by "before".
	got := fieldErrors(t, s.Validate(forms.Answers{"start": {"31.02.2024"}, "end": {"2020-01-01"}, "home": {"0125551234"}}))
	if want := map[string]string{"start": "forms.error.date"}; !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// A check on a hidden field does not run.
	h := mustParse(t, []forms.Field{
		{Name: "has_end", Type: forms.YesNo, Label: lbls()},
		{Name: "start", Type: forms.Date, Label: lbls()},
		{Name: "end", Type: forms.Date, Label: lbls(), ShowIf: &forms.Condition{Field: "has_end", Equals: "yes"}},
	}, forms.Check{Rule: forms.RuleBefore, Field: "start", Other: "end"})
	a := forms.Answers{"has_end": {"no"}, "start": {"2024-02-01"}, "end": {"2024-01-01"}}
	if err := h.Validate(a); err != nil {
		t.Errorf("check on a hidden field: %v", err)
	}
	a["has_end"] = []string{"yes"}
	if got := fieldErrors(t, h.Validate(a)); got["start"] != "forms.error.before" {
		t.Errorf("check on a shown field: %v", got)
	}
}

func lbls() lang.Text { return text("a", "e", "r") }

func TestClean(t *testing.T) {
	s := travelSchema(t)
	got := s.Clean(forms.Answers{
		"name": {" Əli "}, "fin": {"5zj8k2l"}, "abroad": {"no"}, "country": {"de"}, "visa": {strings.Repeat("a", 64)},
		"phone": {"050 123 45 67"}, "email": {""}, "admin": {"true"},
	})
	want := forms.Answers{"name": {"Əli"}, "fin": {"5ZJ8K2L"}, "abroad": {"no"}, "phone": {"+994501234567"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Clean = %v, want %v", got, want)
	}
}

func TestNormalize(t *testing.T) {
	types := []forms.Type{forms.Text, forms.Number, forms.Date, forms.YesNo, forms.File, forms.FIN, forms.VOEN,
		forms.Phone, forms.Email, forms.Address, forms.Plate, forms.Money}
	var fields []forms.Field
	for _, ty := range types {
		fields = append(fields, forms.Field{Name: string(ty), Type: ty, Label: lbls()})
	}
	s := mustParse(t, fields)
	for _, tc := range []struct {
		t       forms.Type
		in, out string
	}{
		{forms.Text, "  Əli Vəli \n", "Əli Vəli"},
		{forms.Text, "a\r\nb\rc", "a\nb\nc"},
		{forms.FIN, " 5zj 8k2l ", "5ZJ8K2L"},
		{forms.FIN, "5zı8k2l", "5Zı8K2L"}, // only Latin letters change case
		{forms.VOEN, "12345 67891", "1234567891"},
		{forms.Plate, "10AB123", "10-AB-123"},
		{forms.Plate, "10 ab 123", "10-AB-123"},
		{forms.Plate, "10-ab-123", "10-AB-123"},
		{forms.Plate, "90 ab 12", "90AB12"},
		{forms.Phone, "050 123 45 67", "+994501234567"},
		{forms.Phone, "+994 50 123 45 67", "+994501234567"},
		{forms.Phone, "994501234567", "+994501234567"},
		{forms.Phone, "00994 50 123-45-67", "+994501234567"},
		{forms.Phone, "(012) 555-12-34", "+994125551234"},
		{forms.Phone, "501234567", "+994501234567"},
		{forms.Phone, "+7 912 345 67 89", "+7 912 345 67 89"},
		{forms.Email, "Ali.Veli@Mail.AZ", "Ali.Veli@mail.az"},
		{forms.Money, "12,50", "12.50"},
		{forms.Money, "12.5", "12.50"},
		{forms.Money, "12", "12.00"},
		{forms.Money, "1 000", "1000.00"},
		{forms.Money, "007,1", "7.10"},
		{forms.Money, "12,505", "12,505"},
		{forms.Money, "-1", "-1"},
		{forms.Number, "2,5", "2.5"},
		{forms.Number, "+3", "3"},
		{forms.Number, "1 000", "1000"},
		{forms.Number, "1,000.5", "1,000.5"},
		{forms.Date, "02.01.2006", "2006-01-02"},
		{forms.Date, "2.1.2006", "2006-01-02"},
		{forms.Date, "02/01/2006", "2006-01-02"},
		{forms.Date, "2006-01-02", "2006-01-02"},
		{forms.Date, "31.02.2006", "31.02.2006"},
		{forms.YesNo, "Bəli", "yes"},
		{forms.YesNo, "НЕТ", "no"},
		{forms.YesNo, "true", "yes"},
		{forms.YesNo, "maybe", "maybe"},
		{forms.File, strings.Repeat("AB", 32), strings.Repeat("ab", 32)},
		{forms.Address, " Bakı ", "Bakı"},
	} {
		got := s.Normalize(forms.Answers{string(tc.t): {tc.in}})[string(tc.t)]
		if !slices.Equal(got, []string{tc.out}) {
			t.Errorf("%s %q → %q, want %q", tc.t, tc.in, got, tc.out)
		}
	}
	// Empty answers go; unknown names stay; the input is not changed.
	in := forms.Answers{"text": {" ", ""}, "other": {" x "}, "fin": {"5zj8k2l"}}
	got := s.Normalize(in)
	if want := (forms.Answers{"other": {" x "}, "fin": {"5ZJ8K2L"}}); !reflect.DeepEqual(got, want) {
		t.Errorf("Normalize = %v, want %v", got, want)
	}
	if in["fin"][0] != "5zj8k2l" {
		t.Error("Normalize changed its input")
	}
}

func TestDisplay(t *testing.T) {
	s := mustParse(t, []forms.Field{
		{Name: "reason", Type: forms.Choice, Label: lbls(), Options: []forms.Option{{Value: "lost", Label: text("İtirilməsi", "Card lost", "Утеря")}}},
		{Name: "langs", Type: forms.MultipleChoice, Label: lbls(), Options: []forms.Option{
			{Value: "az", Label: text("Azərbaycan", "Azerbaijani", "Азербайджанский")},
			{Value: "en", Label: text("İngilis", "English", "Английский")}}},
		{Name: "ok", Type: forms.YesNo, Label: lbls()},
		{Name: "fee", Type: forms.Money, Label: lbls()},
		{Name: "day", Type: forms.Date, Label: lbls()},
		{Name: "area", Type: forms.Number, Label: lbls()},
		{Name: "phone", Type: forms.Phone, Label: lbls()},
		{Name: "plate", Type: forms.Plate, Label: lbls()},
	})
	for _, tc := range []struct {
		field      string
		values     []string
		az, en, ru string
	}{
		{"reason", []string{"lost"}, "İtirilməsi", "Card lost", "Утеря"},
		{"reason", []string{"other"}, "other", "other", "other"},
		{"langs", []string{"az", "en"}, "Azərbaycan, İngilis", "Azerbaijani, English", "Азербайджанский, Английский"},
		{"ok", []string{"yes"}, "Bəli", "Yes", "Да"},
		{"ok", []string{"no"}, "Xeyr", "No", "Нет"},
		{"fee", []string{"12.50"}, "12,50 AZN", "12.50 AZN", "12,50 AZN"},
		{"fee", []string{"12,5"}, "12,50 AZN", "12.50 AZN", "12,50 AZN"},
		{"day", []string{"2006-01-02"}, "02.01.2006", "02.01.2006", "02.01.2006"},
		{"area", []string{"2.5"}, "2,5", "2.5", "2,5"},
		{"phone", []string{"0501234567"}, "+994 50 123 45 67", "+994 50 123 45 67", "+994 50 123 45 67"},
		{"plate", []string{"10ab123"}, "10-AB-123", "10-AB-123", "10-AB-123"},
		{"plate", nil, "", "", ""},
	} {
		f, _ := s.Field(tc.field)
		for l, want := range map[lang.Lang]string{lang.AZ: tc.az, lang.EN: tc.en, lang.RU: tc.ru} {
			if got := s.Display(f, tc.values, l); got != want {
				t.Errorf("Display(%s, %q, %s) = %q, want %q", tc.field, tc.values, l, got, want)
			}
		}
	}
}

func TestParseMoney(t *testing.T) {
	for in, want := range map[string]int64{"0.00": 0, "12.50": 1250, "1000.05": 100005, "9999999999999.99": 999999999999999} {
		if got, ok := forms.ParseMoney(in); !ok || got != want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "12", "12,50", "12.5", "-1.00", "01.00", "1.000", "99999999999999.00", " 1.00"} {
		if got, ok := forms.ParseMoney(in); ok {
			t.Errorf("ParseMoney(%q) = %d, want not ok", in, got)
		}
	}
}

// TestLocales checks that the three message files have the same keys, with
// the same placeholders, and that the site can load them.
func TestLocales(t *testing.T) {
	keys := map[lang.Lang]map[string]string{}
	for _, l := range lang.All {
		raw, err := fs.ReadFile(forms.Locales, "locales/"+string(l)+".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		keys[l] = map[string]string{}
		for k, v := range m {
			keys[l][k] = placeholders(string(v))
		}
	}
	for _, l := range lang.All[1:] {
		for k, p := range keys[lang.AZ] {
			q, ok := keys[l][k]
			if !ok {
				t.Errorf("%s lacks %s", l, k)
			} else if p != q {
				t.Errorf("%s: %s has placeholders %s, az has %s", l, k, q, p)
			}
		}
		for k := range keys[l] {
			if _, ok := keys[lang.AZ][k]; !ok {
				t.Errorf("az lacks %s, which %s has", k, l)
			}
		}
	}
	if missing := messages(t).Missing(); len(missing) > 0 {
		t.Errorf("missing messages: %v", missing)
	}
}

// placeholders lists the distinct {{.X}} of a message, sorted.
func placeholders(s string) string {
	set := map[string]bool{}
	for _, part := range strings.Split(s, "{{.")[1:] {
		set[part[:strings.Index(part, "}}")]] = true
	}
	return strings.Join(slices.Sorted(maps.Keys(set)), ",")
}

// TestHandBuiltSchema: a Schema written in Go without Parse still works,
// and a cycle of conditions (which Parse refuses) hides the fields rather
// than looping.
func TestHandBuiltSchema(t *testing.T) {
	s := &forms.Schema{Fields: []forms.Field{
		{Name: "a", Type: forms.YesNo, Label: lbls(), ShowIf: &forms.Condition{Field: "b", Equals: "yes"}},
		{Name: "b", Type: forms.YesNo, Label: lbls(), ShowIf: &forms.Condition{Field: "a", Equals: "yes"}},
		{Name: "code", Type: forms.Text, Label: lbls(), Pattern: "[0-9]{3}"},
	}}
	a := forms.Answers{"a": {"yes"}, "b": {"yes"}, "code": {"12"}}
	if s.Visible(s.Fields[0], a) || s.Visible(s.Fields[1], a) {
		t.Error("fields in a cycle are visible")
	}
	if got := fieldErrors(t, s.Validate(a)); got["code"] != "forms.error.pattern" || len(got) != 1 {
		t.Errorf("Validate = %v", got)
	}
	if f, ok := s.Field("code"); !ok || f.Pattern == "" {
		t.Errorf("Field(code) = %v, %v", f, ok)
	}
}
