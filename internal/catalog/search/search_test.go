package search_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/egov/egov/internal/catalog/search"
)

// service builds a catalog-like document: names in az, en, ru (weight 10),
// keywords (6) and descriptions in az, en, ru (1).
func service(id string, popularity int, names [3]string, keywords string, descriptions [3]string) search.Document {
	doc := search.Document{ID: id, Popularity: popularity}
	for _, n := range names {
		doc.Fields = append(doc.Fields, search.Field{Text: n, Weight: 10})
	}
	doc.Fields = append(doc.Fields, search.Field{Text: keywords, Weight: 6})
	for _, d := range descriptions {
		doc.Fields = append(doc.Fields, search.Field{Text: d, Weight: 1})
	}
	return doc
}

// catalog is a small realistic catalog: the identity card service and
// distractors that share its words. Distractors are more popular, so the
// identity card can only come first on relevance.
func catalog() []search.Document {
	return []search.Document{
		service("id-card", 500,
			[3]string{"Şəxsiyyət vəsiqəsinin verilməsi", "Issuing an identity card", "Выдача удостоверения личности"},
			"vəsiqə, ID card, FİN",
			[3]string{
				"16 yaşı tamam olmuş vətəndaşlara şəxsiyyət vəsiqəsi verilir.",
				"Citizens aged 16 and over receive an identity card with their personal identification number.",
				"Гражданам, достигшим 16 лет, выдаётся удостоверение личности.",
			}),
		service("passport", 900,
			[3]string{"Xarici pasportun verilməsi", "Issuing a passport", "Выдача заграничного паспорта"},
			"pasport, passport, паспорт",
			[3]string{
				"Ərizəyə şəxsiyyət vəsiqəsinin surəti əlavə olunur.",
				"Apply with your identity card and a photo.",
				"К заявлению прилагается удостоверение личности.",
			}),
		service("driving-licence", 800,
			[3]string{"Sürücülük vəsiqəsi", "Driving licence", "Водительское удостоверение"},
			"sürücülük, vəsiqə, driving licence, права",
			[3]string{
				"İmtahandan keçdikdən sonra şəxsiyyət vəsiqəsi təqdim edilir və sürücülük vəsiqəsi verilir.",
				"After passing the driving test, present your identity card to receive a driving licence.",
				"После сдачи экзамена предъявите удостоверение личности.",
			}),
		service("birth-certificate", 700,
			[3]string{"Doğum haqqında şəhadətnamənin verilməsi", "Birth certificate", "Выдача свидетельства о рождении"},
			"doğum, şəhadətnamə, birth",
			[3]string{"Valideynin şəxsiyyət vəsiqəsi tələb olunur.", "A parent's identity card is required.", "Требуется удостоверение личности родителя."}),
		service("residence-permit", 600,
			[3]string{"Daimi yaşamaq üçün icazə vəsiqəsi", "Permanent residence permit card", "Вид на жительство"},
			"icazə, vəsiqə, residence",
			[3]string{"Əcnəbilərə verilir.", "For foreigners.", "Для иностранцев."}),
		service("military-id", 650,
			[3]string{"Hərbi bilet", "Military ID card", "Военный билет"},
			"hərbi, military",
			[3]string{"", "", ""}),
		service("marriage-certificate", 550,
			[3]string{"Nikah haqqında şəhadətnamə", "Marriage certificate", "Свидетельство о браке"},
			"nikah, marriage",
			[3]string{"Hər iki tərəfin şəxsiyyət vəsiqəsi.", "Both partners' identity cards.", "Удостоверения личности обоих супругов."}),
		service("pension-certificate", 520,
			[3]string{"Pensiya vəsiqəsi", "Pension certificate", "Пенсионное удостоверение"},
			"pensiya, pension",
			[3]string{"", "", ""}),
		service("taxpayer", 510,
			[3]string{"Vergi ödəyicisinin uçota alınması", "Taxpayer registration", "Постановка на учёт налогоплательщика"},
			"vergi, VÖEN, tax",
			[3]string{"", "", ""}),
		service("vehicle", 950,
			[3]string{"Nəqliyyat vasitəsinin qeydiyyatı", "Vehicle registration", "Регистрация транспортного средства"},
			"avtomobil, car",
			[3]string{"Sürücülük vəsiqəsi və şəxsiyyət vəsiqəsi tələb olunur.", "", ""}),
		service("address", 990,
			[3]string{"Yaşayış yeri üzrə qeydiyyat", "Registration at place of residence", "Регистрация по месту жительства"},
			"qeydiyyat, ünvan",
			[3]string{"Şəxsiyyət vəsiqəsində ünvan dəyişdirilir.", "The address on your identity card is changed.", "Меняется адрес в удостоверении личности."}),
	}
}

func ids(hits []search.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func TestSearch_IdentityCardFirst(t *testing.T) {
	ix := search.Build(catalog())
	for _, q := range []string{
		"sexsiyyet vesiqesi",
		"şəxsiyyət vəsiqəsi",
		"şəxsiyyət",
		"ŞƏXSİYYƏT VƏSİQƏSİ",
		"şəxs",
		"identity card",
		"Identity",
		"удостоверение личности",
		"identty card",
		"sexsiyet vesiqesi", // one letter missing
	} {
		t.Run(q, func(t *testing.T) {
			hits := ix.Search(q, 5)
			if len(hits) == 0 {
				t.Fatalf("Search(%q) found nothing", q)
			}
			if got, want := hits[0].ID, "id-card"; got != want {
				t.Errorf("Search(%q) first = %q, want %q; all: %v", q, got, want, hits)
			}
		})
	}
}

func TestSearch_OtherServicesFirst(t *testing.T) {
	ix := search.Build(catalog())
	tests := []struct{ query, want string }{
		{"sürücülük vəsiqəsi", "driving-licence"},
		{"surucu", "driving-licence"},
		{"pasport", "passport"},
		{"passport", "passport"},
		{"заграничный паспорт", "passport"},
		{"doğum şəhadətnaməsi", "birth-certificate"},
		{"свидетельство о рождении", "birth-certificate"},
		{"учет налогоплательщика", "taxpayer"}, // ё typed as е
		{"voen", "taxpayer"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			hits := ix.Search(tt.query, 5)
			if len(hits) == 0 {
				t.Fatalf("Search(%q) found nothing", tt.query)
			}
			if got, want := hits[0].ID, tt.want; got != want {
				t.Errorf("Search(%q) first = %q, want %q; all: %v", tt.query, got, want, hits)
			}
		})
	}
}

// single builds an index of documents that each have one field of weight 1.
func single(texts map[string]string) *search.Index {
	var docs []search.Document
	for id, text := range texts {
		docs = append(docs, search.Document{ID: id, Fields: []search.Field{{Text: text, Weight: 1}}})
	}
	return search.Build(docs)
}

func TestSearch_Matching(t *testing.T) {
	ix := single(map[string]string{
		"book":    "kitab",
		"library": "kitabxana",
		"person":  "şəxsiyyət",
		"red":     "qırmızı alma",
		"apple":   "yaşıl alma",
		"tax":     "налоговой декларации",
	})
	tests := []struct {
		name  string
		query string
		want  []string // sorted IDs of the hits
	}{
		{"Exact", "kitab", []string{"book", "library"}},
		{"PrefixOfLastToken", "kit", []string{"book", "library"}},
		{"PrefixOfShortLastToken", "ş", []string{"person"}},
		{"PrefixOfLongToken", "şəxs", []string{"person"}},
		{"ShortNonLastTokenNotPrefix", "qı alma", []string{"apple", "red"}}, // "qı" matches nothing: fallback
		{"PrefixOfThreeRuneToken", "qır alma", []string{"red"}},
		{"TypoSubstitution", "kitap", []string{"book"}},
		{"TypoTransposition", "kiatb", []string{"book"}},
		{"TypoDeletion", "kitb", nil},                            // 4 runes: no typo allowed
		{"TypoInsertion", "kitaab", []string{"book", "library"}}, // library by the stem "kita"
		{"StemOfInflection", "налоговая декларация", []string{"tax"}},
		{"TypoLongWord", "sexsiyet", []string{"person"}},
		{"TwoEditsNotFound", "ktiap", nil},
		{"TwoEditsOnFiveLetterWord", "kiatp", nil},
		{"Folded", "QIRMIZI", []string{"red"}},
		{"Empty", "", nil},
		{"OnlyPunctuation", "?!", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(ix.Search(tt.query, 0))
			slices.Sort(got)
			if want := tt.want; !slices.Equal(got, want) {
				t.Errorf("Search(%q) = %q, want %q", tt.query, got, want)
			}
		})
	}
}

func TestSearch_Quality(t *testing.T) {
	// Popularity runs against quality, so only the match type decides.
	ix := search.Build([]search.Document{
		{ID: "exact", Popularity: 1, Fields: []search.Field{{Text: "kitab", Weight: 1}}},
		{ID: "prefix", Popularity: 2, Fields: []search.Field{{Text: "kitabxana", Weight: 1}}},
		{ID: "typo", Popularity: 3, Fields: []search.Field{{Text: "kitap", Weight: 1}}},
	})
	if got, want := ids(ix.Search("kitab", 0)), []string{"exact", "prefix", "typo"}; !slices.Equal(got, want) {
		t.Errorf("Search = %q, want %q", got, want)
	}
}

func TestSearch_AND(t *testing.T) {
	ix := single(map[string]string{
		"red-apple":   "red apple",
		"red-car":     "red car",
		"green-apple": "green apple",
	})
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"AllTokensRequired", "red apple", []string{"red-apple"}},
		{"OrderFree", "apple red", []string{"red-apple"}},
		{"FallbackToMostTokens", "red banana", []string{"red-apple", "red-car"}},
		{"FallbackKeepsBestCount", "red apple banana", []string{"red-apple"}},
		{"NothingMatches", "banana", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(ix.Search(tt.query, 0))
			slices.Sort(got)
			if want := tt.want; !slices.Equal(got, want) {
				t.Errorf("Search(%q) = %q, want %q", tt.query, got, want)
			}
		})
	}
}

func TestSearch_Ranking(t *testing.T) {
	t.Run("TiesByPopularityThenID", func(t *testing.T) {
		ix := search.Build([]search.Document{
			{ID: "b", Popularity: 5, Fields: []search.Field{{Text: "pasport", Weight: 10}}},
			{ID: "c", Popularity: 9, Fields: []search.Field{{Text: "pasport", Weight: 10}}},
			{ID: "a", Popularity: 5, Fields: []search.Field{{Text: "pasport", Weight: 10}}},
		})
		if got, want := ids(ix.Search("pasport", 0)), []string{"c", "a", "b"}; !slices.Equal(got, want) {
			t.Errorf("Search = %q, want %q", got, want)
		}
	})
	t.Run("ShortFieldBeatsLongField", func(t *testing.T) {
		ix := search.Build([]search.Document{
			{ID: "long", Popularity: 9, Fields: []search.Field{{Text: "pasportun itirilməsi halında yenisinin verilməsi qaydası", Weight: 10}}},
			{ID: "short", Fields: []search.Field{{Text: "pasport", Weight: 10}}},
		})
		if got, want := ids(ix.Search("pasport", 0)), []string{"short", "long"}; !slices.Equal(got, want) {
			t.Errorf("Search = %q, want %q", got, want)
		}
	})
	t.Run("PhraseBeatsScattered", func(t *testing.T) {
		ix := search.Build([]search.Document{
			{ID: "scattered", Popularity: 9, Fields: []search.Field{{Text: "card for an identity", Weight: 1}}},
			{ID: "phrase", Fields: []search.Field{{Text: "identity card for an", Weight: 1}}},
		})
		if got, want := ids(ix.Search("identity card", 0)), []string{"phrase", "scattered"}; !slices.Equal(got, want) {
			t.Errorf("Search = %q, want %q", got, want)
		}
	})
	t.Run("HeavierFieldWins", func(t *testing.T) {
		ix := search.Build([]search.Document{
			{ID: "description", Popularity: 9, Fields: []search.Field{{Text: "x", Weight: 10}, {Text: "vergi", Weight: 1}}},
			{ID: "name", Fields: []search.Field{{Text: "vergi", Weight: 10}}},
		})
		if got, want := ids(ix.Search("vergi", 0)), []string{"name", "description"}; !slices.Equal(got, want) {
			t.Errorf("Search = %q, want %q", got, want)
		}
	})
}

func TestSearch_Limit(t *testing.T) {
	ix := search.Build(catalog())
	tests := []struct {
		name  string
		limit int
		want  int
	}{
		{"One", 1, 1},
		{"Three", 3, 3},
		{"ZeroMeansAll", 0, 7},
		{"NegativeMeansAll", -1, 7},
		{"MoreThanMatches", 100, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := len(ix.Search("şəxsiyyət", tt.limit)), tt.want; got != want {
				t.Errorf("len(Search(limit %d)) = %d, want %d", tt.limit, got, want)
			}
		})
	}
}

func TestIndex_Len(t *testing.T) {
	if got, want := search.Build(catalog()).Len(), 11; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	if got, want := search.Build(nil).Len(), 0; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	if got := search.Build(nil).Search("x", 10); got != nil {
		t.Errorf("Search on empty index = %v, want nil", got)
	}
}

func TestSearch_Concurrent(t *testing.T) {
	ix := search.Build(catalog())
	want := fmt.Sprint(ix.Search("identity card", 0))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := fmt.Sprint(ix.Search("identity card", 0)); got != want {
					t.Errorf("concurrent Search = %s, want %s", got, want)
					return
				}
				ix.Search("pasport şəxs", 3)
			}
		})
	}
	wg.Wait()
}
