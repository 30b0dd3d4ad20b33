package search

import (
	"slices"
	"sort"
)

// Typos are found with a deletion neighbourhood (as in SymSpell): every term
// is filed under itself and each string made by deleting one of its runes.
// Two words within one edit (insert, delete, substitute, transpose) always
// share one such key, so a query looks up its own few keys instead of
// scanning the vocabulary. Keys are hashes; a hash collision or a two-edit
// neighbour is rejected by withinOneEdit.

// minTypoRunes is the shortest query token allowed a typo: shorter words have
// too many one-edit neighbours to guess which one was meant.
const minTypoRunes = 5

type delEntry struct {
	hash uint64
	term int32
}

func buildDeletions(terms []string) []delEntry {
	var dels []delEntry
	var rs []rune
	for id, t := range terms {
		rs = append(rs[:0], []rune(t)...)
		if len(rs) < minTypoRunes-1 {
			continue
		}
		for skip := -1; skip < len(rs); skip++ {
			dels = append(dels, delEntry{hashSkip(rs, skip), int32(id)})
		}
	}
	slices.SortFunc(dels, func(a, b delEntry) int {
		if a.hash != b.hash {
			if a.hash < b.hash {
				return -1
			}
			return 1
		}
		return int(a.term - b.term)
	})
	return dels
}

// hashSkip is FNV-1a over rs without the rune at skip (-1 skips none).
func hashSkip(rs []rune, skip int) uint64 {
	h := uint64(14695981039346656037)
	for i, r := range rs {
		if i == skip {
			continue
		}
		h ^= uint64(r)
		h *= 1099511628211
	}
	return h
}

// typos calls fn for each term exactly one edit away from t.
func (ix *Index) typos(t string, fn func(term int)) {
	q := []rune(t)
	seen := make(map[int32]bool)
	for skip := -1; skip < len(q); skip++ {
		h := hashSkip(q, skip)
		i := sort.Search(len(ix.dels), func(i int) bool { return ix.dels[i].hash >= h })
		for ; i < len(ix.dels) && ix.dels[i].hash == h; i++ {
			id := ix.dels[i].term
			if seen[id] {
				continue
			}
			seen[id] = true
			if withinOneEdit(q, []rune(ix.terms[id])) {
				fn(int(id))
			}
		}
	}
}

// withinOneEdit reports whether a and b differ by exactly one insertion,
// deletion, substitution or transposition of adjacent runes.
func withinOneEdit(a, b []rune) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(a)-len(b) > 1 {
		return false
	}
	i := 0
	for i < len(b) && a[i] == b[i] {
		i++
	}
	if len(a) != len(b) {
		return slices.Equal(a[i+1:], b[i:]) // a has one rune more
	}
	if i == len(a) {
		return false // equal
	}
	if slices.Equal(a[i+1:], b[i+1:]) {
		return true // substitution
	}
	return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && slices.Equal(a[i+2:], b[i+2:])
}
