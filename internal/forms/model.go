// Package forms is the form engine: it turns a service's form schema (JSON
// kept in the catalog) into pages, normalises what a person typed,
// validates it field by field and across fields, and shows answers back
// in the reader's language.
package forms

import (
	"embed"
	"regexp"

	"github.com/egov/egov/internal/lang"
)

// Locales holds the engine's messages, for site.Messages.MustLoad(forms.Locales, "locales").
//
//go:embed locales/*.json
var Locales embed.FS

// Type is the kind of a field; it decides how answers are normalised,
// validated and displayed.
type Type string

const (
	Text           Type = "text"
	Number         Type = "number"
	Date           Type = "date"
	Choice         Type = "choice"
	MultipleChoice Type = "multiple_choice"
	YesNo          Type = "yes_no"
	File           Type = "file"
	FIN            Type = "fin"
	VOEN           Type = "voen"
	Phone          Type = "phone"
	Email          Type = "email"
	Address        Type = "address"
	Plate          Type = "plate"
	Money          Type = "money"
)

// types lists every known type, for Parse.
var types = map[Type]bool{
	Text: true, Number: true, Date: true, Choice: true, MultipleChoice: true, YesNo: true, File: true,
	FIN: true, VOEN: true, Phone: true, Email: true, Address: true, Plate: true, Money: true,
}

// Option is one answer of a choice or multiple_choice field.
type Option struct {
	Value string    `json:"value"`
	Label lang.Text `json:"label"`
}

// Condition shows a field only when another, earlier field's answer is
// Equals or one of In.
type Condition struct {
	Field  string   `json:"field"`
	Equals string   `json:"equals,omitempty"`
	In     []string `json:"in,omitempty"`
}

// Field is one question of a form.
type Field struct {
	Name      string     `json:"name"`
	Type      Type       `json:"type"`
	Label     lang.Text  `json:"label"`
	Hint      lang.Text  `json:"hint,omitzero"`
	Required  bool       `json:"required,omitempty"`
	Options   []Option   `json:"options,omitempty"`
	MinLength int        `json:"min_length,omitempty"`
	MaxLength int        `json:"max_length,omitempty"`
	Pattern   string     `json:"pattern,omitempty"`
	Min       *float64   `json:"min,omitempty"` // a number's or money's range, or how many choices of a multiple_choice
	Max       *float64   `json:"max,omitempty"`
	ShowIf    *Condition `json:"show_if,omitempty"`
	Registry  string     `json:"registry,omitempty"` // the registry attribute that pre-fills the field, e.g. "population.full_name"
	// Page groups fields shown together; a field without one has a page of
	// its own ("one thing per page").
	Page string `json:"page,omitempty"`

	pattern *regexp.Regexp // Pattern anchored to the whole value, compiled by Parse
}

// Check rules, which compare fields with each other.
const (
	RuleBefore        = "before"          // Field's date is before Other's
	RuleNotAfterToday = "not_after_today" // Field's date is today or earlier (in Baku)
	RuleEqualsField   = "equals_field"    // Field's answer is the same as Other's, e.g. a confirmed e-mail
	RuleRequiredOneOf = "required_one_of" // at least one of Fields is answered
)

// Check is a cross-field rule. Message, if given, replaces the standard
// error message.
type Check struct {
	Rule    string    `json:"rule"`
	Field   string    `json:"field,omitempty"`
	Other   string    `json:"other,omitempty"`
	Fields  []string  `json:"fields,omitempty"`
	Message lang.Text `json:"message,omitzero"`
}

// Schema is a parsed form. Build it with Parse, which checks it and
// compiles its patterns.
type Schema struct {
	Fields []Field `json:"fields"`
	Checks []Check `json:"checks,omitempty"`

	index map[string]int // field name → position in Fields
}

// Page is the fields shown on one screen.
type Page struct {
	Key    string
	Fields []Field
}

// Answers are the values typed into a form, like url.Values: a
// multiple_choice or file field has several.
type Answers map[string][]string

// Limits that keep a hostile schema or submission small.
const (
	MaxSchemaBytes = 256 << 10
	MaxFields      = 200
	MaxOptions     = 200
	MaxChecks      = 50
	MaxPattern     = 200
	MaxValueRunes  = 2000 // any one answer
	MaxValues      = 20   // answers of one multiple_choice or file field
)

// Field returns the field called name.
func (s *Schema) Field(name string) (Field, bool) {
	if i, ok := s.position(name); ok {
		return s.Fields[i], true
	}
	return Field{}, false
}

// position finds a field, also in a Schema built without Parse.
func (s *Schema) position(name string) (int, bool) {
	if s.index != nil {
		i, ok := s.index[name]
		return i, ok
	}
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return i, true
		}
	}
	return 0, false
}

// Pages groups the fields into screens, in field order. Parse makes sure
// the fields of a page are next to each other.
func (s *Schema) Pages() []Page {
	var pages []Page
	for _, f := range s.Fields {
		key := f.Page
		if key == "" {
			key = f.Name
		}
		if n := len(pages); n > 0 && f.Page != "" && pages[n-1].Key == key {
			pages[n-1].Fields = append(pages[n-1].Fields, f)
			continue
		}
		pages = append(pages, Page{Key: key, Fields: []Field{f}})
	}
	return pages
}

// option returns the option of f with value v.
func (f Field) option(v string) (Option, bool) {
	for _, o := range f.Options {
		if o.Value == v {
			return o, true
		}
	}
	return Option{}, false
}

// re is the field's anchored pattern, nil if it has none or it does not
// compile; a Field built without Parse compiles it here.
func (f Field) re() *regexp.Regexp {
	if f.pattern != nil || f.Pattern == "" {
		return f.pattern
	}
	re, _ := compilePattern(f.Pattern)
	return re
}

// compilePattern anchors a pattern so that it must match the whole value.
func compilePattern(p string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + p + `)$`)
}
