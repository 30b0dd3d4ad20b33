package search_test

import (
	"testing"

	"github.com/egov/egov/internal/catalog/search"
)

// FuzzSearch searches the catalog fixture with arbitrary queries: no panic,
// results in rank order, no duplicates, the limit respected.
func FuzzSearch(f *testing.F) {
	for _, q := range []string{
		"sexsiyyet vesiqesi", "identty card", "удостоверение личности", "ş", "a b c d e f g h i j",
		"ID", "İİİ", "\x00", "vəsiqə vəsiqə", "",
	} {
		f.Add(q, uint8(5))
	}
	docs := catalog()
	popularity := make(map[string]int)
	for _, d := range docs {
		popularity[d.ID] = d.Popularity
	}
	ix := search.Build(docs)

	f.Fuzz(func(t *testing.T, query string, limit uint8) {
		hits := ix.Search(query, int(limit))
		if limit > 0 && len(hits) > int(limit) {
			t.Fatalf("Search(%q, %d) returned %d hits", query, limit, len(hits))
		}
		seen := make(map[string]bool)
		for i, h := range hits {
			if seen[h.ID] {
				t.Fatalf("Search(%q) returned %q twice", query, h.ID)
			}
			seen[h.ID] = true
			if i == 0 {
				continue
			}
			prev := hits[i-1]
			ordered := prev.Score > h.Score ||
				prev.Score == h.Score && (popularity[prev.ID] > popularity[h.ID] ||
					popularity[prev.ID] == popularity[h.ID] && prev.ID < h.ID)
			if !ordered {
				t.Fatalf("Search(%q): %v before %v", query, prev, h)
			}
		}
	})
}
