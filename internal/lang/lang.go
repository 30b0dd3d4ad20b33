// Package lang names egov's three languages — Azerbaijani (the default),
// English and Russian — and the Text type that carries one string in each.
package lang

import (
	"golang.org/x/text/language"
)

// Lang is a supported language code.
type Lang string

const (
	AZ Lang = "az"
	EN Lang = "en"
	RU Lang = "ru"
)

// Default is the language of a visitor who has not chosen one.
const Default = AZ

// All lists the supported languages in the order the switcher shows them.
var All = []Lang{AZ, EN, RU}

// Parse returns the language for a code, and whether it is supported.
func Parse(code string) (Lang, bool) {
	switch Lang(code) {
	case AZ, EN, RU:
		return Lang(code), true
	}
	return Default, false
}

// Native is the language's name in itself, as the switcher shows it.
func (l Lang) Native() string {
	switch l {
	case EN:
		return "English"
	case RU:
		return "Русский"
	}
	return "Azərbaycanca"
}

var matcher = language.NewMatcher([]language.Tag{language.Azerbaijani, language.English, language.Russian})

// FromAcceptLanguage picks the best supported language for an
// Accept-Language header, falling back to the default.
func FromAcceptLanguage(header string) Lang {
	if header == "" {
		return Default
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return Default
	}
	_, index, confidence := matcher.Match(tags...)
	if confidence == language.No {
		return Default
	}
	return All[index]
}

// Text is one piece of text in every supported language.
type Text struct {
	AZ string `json:"az"`
	EN string `json:"en"`
	RU string `json:"ru"`
}

// In returns the text in l, falling back to Azerbaijani where it is missing.
func (t Text) In(l Lang) string {
	switch l {
	case EN:
		if t.EN != "" {
			return t.EN
		}
	case RU:
		if t.RU != "" {
			return t.RU
		}
	}
	return t.AZ
}

// Exact returns the text written in l, without falling back: for editing
// and for checking that every language was written.
func (t Text) Exact(l Lang) string {
	switch l {
	case EN:
		return t.EN
	case RU:
		return t.RU
	}
	return t.AZ
}

// Complete reports whether the text is present in every language.
func (t Text) Complete() bool { return t.AZ != "" && t.EN != "" && t.RU != "" }

// All returns the three texts, for indexing.
func (t Text) All() []string { return []string{t.AZ, t.EN, t.RU} }
