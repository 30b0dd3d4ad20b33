package lang_test

import (
	"strings"
	"testing"

	"github.com/egov/egov/internal/lang"
)

func TestFromAcceptLanguage(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		want         lang.Lang
	}{
		{"Empty", "", lang.AZ},
		{"Russian", "ru-RU,ru;q=0.9,en;q=0.8", lang.RU},
		{"EnglishUS", "en-US,en;q=0.9", lang.EN},
		{"AzerbaijaniLatin", "az-Latn-AZ", lang.AZ},
		{"Unsupported", "fr-FR", lang.AZ},
		{"Garbage", ";;;q=", lang.AZ},
		{"PreferenceOrder", "de;q=1, ru;q=0.5, en;q=0.7", lang.EN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := lang.FromAcceptLanguage(tc.header); got != tc.want {
				t.Errorf("FromAcceptLanguage(%q) = %q, want %q", tc.header, got, tc.want)
			}
		})
	}
}

func TestTextIn(t *testing.T) {
	text := lang.Text{AZ: "Salam", EN: "Hello"}
	if got, want := text.In(lang.RU), "Salam"; got != want {
		t.Errorf("missing Russian falls back: got %q, want %q", got, want)
	}
	if got, want := text.In(lang.EN), "Hello"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func FuzzFromAcceptLanguage(f *testing.F) {
	for _, seed := range []string{"", "ru-RU,ru;q=0.9", "az-Latn-AZ", "*;q=0", "en;q=abc", strings.Repeat("x-", 200)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		l := lang.FromAcceptLanguage(header)
		if _, ok := lang.Parse(string(l)); !ok {
			t.Fatalf("FromAcceptLanguage(%q) = %q, not a supported language", header, l)
		}
	})
}
