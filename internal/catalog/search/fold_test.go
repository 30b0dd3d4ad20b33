package search_test

import (
	"slices"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/egov/egov/internal/catalog/search"
)

func TestFold(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"AzerbaijaniUpper", "ŞƏXSİYYƏT", "sexsiyyet"},
		{"AzerbaijaniLower", "şəxsiyyət vəsiqəsi", "sexsiyyet vesiqesi"},
		{"DottedCapitalI", "İstanbul", "istanbul"},
		{"DotlessCapitalI", "IĞDIR", "igdir"},
		{"EnglishID", "ID card", "id card"},
		{"AllAzerbaijaniLetters", "Ə Ö Ü Ş Ç Ğ I İ ə ö ü ş ç ğ ı i", "e o u s c g i i e o u s c g i i"},
		{"RussianYo", "Ёлка", "елка"},
		{"RussianShortIKept", "Йогурт и чай", "йогурт и чай"},
		{"RussianUpper", "УДОСТОВЕРЕНИЕ ЛИЧНОСТИ", "удостоверение личности"},
		{"OtherDiacritics", "Café Zürich Ångström", "cafe zurich angstrom"},
		{"DecomposedInput", "s\u0327e\u0301", "se"},
		{"PunctuationKept", "A-1, B/2!", "a-1, b/2!"},
		{"Empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := search.Fold(tt.in), tt.want; got != want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, want)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"Mixed", "Şəxsiyyət vəsiqəsi (ID-card), №5", []string{"sexsiyyet", "vesiqesi", "id", "card", "5"}},
		{"Russian", "Выдача удостоверения личности.", []string{"выдача", "удостоверения", "личности"}},
		{"Apostrophe", "citizen's", []string{"citizen", "s"}},
		{"OnlySeparators", " ,.;- ", nil},
		{"Empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := search.Tokens(tt.in), tt.want; !slices.Equal(got, want) {
				t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, want)
			}
		})
	}
}

// FuzzFold checks that folding is idempotent and tokens hold only letters
// and digits.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"ŞƏXSİYYƏT", "IĞDIR", "Ёлка", "Café", "한국어", "s\u0327"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		once := search.Fold(s)
		if got, want := search.Fold(once), once; got != want {
			t.Errorf("Fold(Fold(%q)) = %q, want %q", s, got, want)
		}
		for _, tok := range search.Tokens(s) {
			for _, r := range tok {
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					t.Errorf("Tokens(%q) has %q with %q", s, tok, r)
				}
			}
		}
	})
}
