package search

import (
	"cmp"
	"math/bits"
	"slices"
)

// How well a query token matches a term: exact > prefix > typo > stem.
const (
	exactQuality  = 1.0
	prefixQuality = 0.6 // plus up to 0.3 for how much of the term the prefix covers
	typoQuality   = 0.5
	stemQuality   = 0.4 // shares all but the token's last two runes: another inflection
)

// Bonuses, in units of the field's weight.
const (
	allInFieldBonus = 0.5 // every query token matched in this one field
	phraseBonus     = 0.5 // per pair of query tokens found next to each other, in order
	coverageBoost   = 0.5 // × share of the field's tokens that matched: a name beats a description
)

// minStemRunes is the shortest token also matched by its stem (the token less
// its last two runes), so that inflected forms meet: Russian "налоговая"
// finds "налоговой", Azerbaijani "vəsiqəsi" finds "vəsiqəni".
const minStemRunes = 6

// maxQueryTokens bounds the work one query can ask for; the rest is ignored.
const maxQueryTokens = 8

// minPrefixRunes is the shortest token, other than the last, matched as a
// prefix. The last token is always a prefix: the person may still be typing.
const minPrefixRunes = 3

// Search returns up to limit documents matching query, most relevant first;
// equally relevant documents are ordered by Popularity, higher first, then
// by ID. A limit of zero or less returns every match.
//
// Each query token must match a term of the document exactly, as a prefix
// (the last token, and tokens of three runes or more), within one typo
// (tokens of five runes or more) or, worst, by its stem (tokens of six runes
// or more, less their last two, to meet other inflections). Repeated tokens
// count once; tokens after the eighth are ignored.
//
// A token scores the weight of the best field it matched in × the match
// quality × a boost for short fields that the query covers well. A document
// also earns a bonus for its best field that holds every query token and for
// query tokens that appear there side by side, in order. Documents must
// match every token; when none does, the documents matching the most tokens
// are returned instead, so one stray word does not empty the results.
func (ix *Index) Search(query string, limit int) []Hit {
	toks := queryTokens(query)
	if len(toks) == 0 || len(ix.docs) == 0 {
		return nil
	}
	s := ix.getScratch()
	defer ix.scratch.Put(s)

	for i, t := range toks {
		ix.collect(s, i, t, i == len(toks)-1, len(toks) > 1)
	}
	for i := 0; i+1 < len(toks); i++ {
		ix.markAdjacent(s, i)
	}
	return ix.rank(s, len(toks), limit)
}

// queryTokens folds and splits the query, dropping repeated tokens.
func queryTokens(query string) []string {
	var toks []string
	for _, t := range Tokens(query) {
		if !slices.Contains(toks, t) {
			toks = append(toks, t)
		}
		if len(toks) == maxQueryTokens {
			break
		}
	}
	return toks
}

// expansion is one indexed term a query token matches, with the quality.
type expansion struct {
	term    int
	quality float64
}

// expand lists the terms that query token t matches, each with the best
// quality it matches at.
func (ix *Index) expand(t string, last bool) []expansion {
	best := make(map[int]float64)
	add := func(id int, q float64) { best[id] = max(best[id], q) }

	if id := ix.find(t); id >= 0 {
		add(id, exactQuality)
	}
	n := runeLen(t)
	if last || n >= minPrefixRunes {
		lo, hi := ix.prefixRange(t)
		for id := lo; id < hi; id++ {
			if ix.terms[id] != t {
				add(id, prefixQuality+0.3*float64(n)/float64(runeLen(ix.terms[id])))
			}
		}
	}
	if n >= minTypoRunes {
		ix.typos(t, func(id int) { add(id, typoQuality) })
	}
	if n >= minStemRunes {
		lo, hi := ix.prefixRange(string([]rune(t)[:n-2]))
		for id := lo; id < hi; id++ {
			add(id, stemQuality)
		}
	}

	out := make([]expansion, 0, len(best))
	for id, q := range best {
		out = append(out, expansion{id, q})
	}
	return out
}

// collect records where query token i (t) occurs: its best quality in each
// field, and, when the query has more tokens, its positions for phrases.
func (ix *Index) collect(s *scratch, i int, t string, last, positions bool) {
	exps := ix.expand(t, last)
	list := s.positions[i][:0]
	for _, e := range exps {
		for _, p := range ix.posts[e.term] {
			f := s.field(int32(p >> 32))
			f.mask |= 1 << i
			f.quality[i] = max(f.quality[i], e.quality)
		}
		if positions {
			list = append(list, ix.posts[e.term]...)
		}
	}
	if len(exps) > 1 {
		slices.Sort(list)
	}
	s.positions[i] = list
}

// markAdjacent flags fields where token i is directly followed by token i+1.
// Both position lists are sorted, so one merge pass finds every pair.
func (ix *Index) markAdjacent(s *scratch, i int) {
	a, b := s.positions[i], s.positions[i+1]
	for len(a) > 0 && len(b) > 0 {
		switch next := a[0] + 1; {
		case next < b[0]:
			a = a[1:]
		case next > b[0]:
			b = b[1:]
		default:
			s.field(int32(b[0] >> 32)).adjacent |= 1 << i
			a, b = a[1:], b[1:]
		}
	}
}

// rank turns the per-field matches into document scores, keeps the documents
// that match the most tokens, and sorts them.
func (ix *Index) rank(s *scratch, n, limit int) []Hit {
	for fi := range s.fields {
		f := &s.fields[fi]
		info := ix.fields[f.field]
		d := s.doc(info.doc)
		matched := bits.OnesCount32(f.mask)
		cover := min(1, float64(matched)/float64(max(info.length, 1)))
		w := info.weight * (1 + coverageBoost*cover)
		for i := range n {
			d.best[i] = max(d.best[i], w*f.quality[i])
		}
		bonus := phraseBonus * float64(bits.OnesCount32(f.adjacent))
		if n > 1 && matched == n {
			bonus += allInFieldBonus
		}
		d.mask |= f.mask
		d.bonus = max(d.bonus, w*bonus)
	}

	most := 0
	for _, d := range s.docs {
		most = max(most, bits.OnesCount32(d.mask))
	}
	cands := s.cands[:0]
	for _, d := range s.docs {
		if bits.OnesCount32(d.mask) < most {
			continue
		}
		score := d.bonus
		for _, b := range d.best[:n] {
			score += b
		}
		cands = append(cands, candidate{d.doc, score})
	}
	s.cands = cands
	slices.SortFunc(cands, func(a, b candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		da, db := &ix.docs[a.doc], &ix.docs[b.doc]
		if c := cmp.Compare(db.popularity, da.popularity); c != 0 {
			return c
		}
		return cmp.Compare(da.id, db.id)
	})
	if limit > 0 && len(cands) > limit {
		cands = cands[:limit]
	}
	hits := make([]Hit, len(cands))
	for k, c := range cands {
		hits[k] = Hit{ID: ix.docs[c.doc].id, Score: c.score}
	}
	return hits
}
