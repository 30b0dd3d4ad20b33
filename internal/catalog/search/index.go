// Package search is an in-memory full-text index over catalog services.
//
// It finds what a person means in Azerbaijani, English or Russian: text is
// folded (see Fold) so "sexsiyyet" finds "Şəxsiyyət", the last query word and
// words of three or more letters match as prefixes ("şəxs" finds
// "şəxsiyyət"), and words of five or more letters survive one typo
// ("identty" finds "identity"). A document lists its texts in all three
// languages as weighted fields, so a query in any of them finds it.
//
// The index is built once from a snapshot of the catalog and is immutable:
// rebuild it when services change (10,000 services build in well under a
// second) and swap the pointer.
package search

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Field is one piece of text of a document with its weight, e.g. name 10,
// keywords 6, summary 3, description 1. Put each language in its own field:
// phrase and coverage bonuses are counted per field.
type Field struct {
	Text   string
	Weight float64
}

// Document is one thing to find: a catalog service.
type Document struct {
	ID         string
	Popularity int // breaks ties between equally relevant documents, higher first
	Fields     []Field
}

// Hit is one search result.
type Hit struct {
	ID    string
	Score float64
}

// Index is an inverted index over documents. It is immutable after Build and
// safe for concurrent Search.
type Index struct {
	docs   []docInfo
	fields []fieldInfo // every field of every document, in document order
	terms  []string    // sorted, so a prefix is a contiguous range
	posts  [][]uint64  // per term: field<<32 | position, ascending
	dels   []delEntry  // deletion neighbourhood of terms, sorted by hash, for typos

	scratch sync.Pool // *scratch, reused between searches
}

type docInfo struct {
	id         string
	popularity int
}

type fieldInfo struct {
	doc    int32
	weight float64
	length int // in tokens
}

// Build indexes docs. Documents are referred to by their position; IDs are
// only reported back.
func Build(docs []Document) *Index {
	ix := &Index{docs: make([]docInfo, len(docs))}
	ids := make(map[string]int32)
	var posts [][]uint64
	for d, doc := range docs {
		ix.docs[d] = docInfo{id: doc.ID, popularity: doc.Popularity}
		for _, f := range doc.Fields {
			gf := uint64(len(ix.fields))
			toks := Tokens(f.Text)
			for pos, t := range toks {
				id, ok := ids[t]
				if !ok {
					id = int32(len(posts))
					ids[t] = id
					posts = append(posts, nil)
				}
				posts[id] = append(posts[id], gf<<32|uint64(pos))
			}
			ix.fields = append(ix.fields, fieldInfo{doc: int32(d), weight: f.Weight, length: len(toks)})
		}
	}

	ix.terms = make([]string, 0, len(ids))
	for t := range ids {
		ix.terms = append(ix.terms, t)
	}
	slices.Sort(ix.terms)
	ix.posts = make([][]uint64, len(ix.terms))
	for i, t := range ix.terms {
		ix.posts[i] = slices.Clip(posts[ids[t]])
	}
	ix.dels = buildDeletions(ix.terms)
	return ix
}

// Len reports the number of documents in the index.
func (ix *Index) Len() int { return len(ix.docs) }

// find returns the ID of term t, or -1.
func (ix *Index) find(t string) int {
	if i, ok := slices.BinarySearch(ix.terms, t); ok {
		return i
	}
	return -1
}

// prefixRange returns the range of terms that start with p.
func (ix *Index) prefixRange(p string) (lo, hi int) {
	lo, _ = slices.BinarySearch(ix.terms, p)
	hi = lo
	for hi < len(ix.terms) && strings.HasPrefix(ix.terms[hi], p) {
		hi++
	}
	return lo, hi
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }
