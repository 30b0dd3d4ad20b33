package search

// scratch holds the per-search working memory, reused through a sync.Pool so
// a search over 10,000 documents allocates little. Dense slot tables indexed
// by field and document are valid only where their stamp equals gen, so
// nothing has to be cleared between searches.
type scratch struct {
	gen uint32

	fieldStamp []uint32
	fieldSlot  []int32
	fields     []fieldMatch

	docStamp []uint32
	docSlot  []int32
	docs     []docMatch

	positions [maxQueryTokens][]uint64
	cands     []candidate
}

// fieldMatch is what the query matched in one field.
type fieldMatch struct {
	field    int32
	mask     uint32 // query tokens matched
	adjacent uint32 // bit i: token i is followed by token i+1
	quality  [maxQueryTokens]float64
}

// docMatch is what the query matched in one document.
type docMatch struct {
	doc   int32
	mask  uint32
	best  [maxQueryTokens]float64 // best score of each token over the fields
	bonus float64                 // best field bonus
}

func (ix *Index) getScratch() *scratch {
	s, _ := ix.scratch.Get().(*scratch)
	if s == nil {
		s = &scratch{
			fieldStamp: make([]uint32, len(ix.fields)),
			fieldSlot:  make([]int32, len(ix.fields)),
			docStamp:   make([]uint32, len(ix.docs)),
			docSlot:    make([]int32, len(ix.docs)),
		}
	}
	s.gen++
	if s.gen == 0 { // wrapped: old stamps could look current
		clear(s.fieldStamp)
		clear(s.docStamp)
		s.gen = 1
	}
	s.fields = s.fields[:0]
	s.docs = s.docs[:0]
	return s
}

func (s *scratch) field(f int32) *fieldMatch {
	if s.fieldStamp[f] != s.gen {
		s.fieldStamp[f] = s.gen
		s.fieldSlot[f] = int32(len(s.fields))
		s.fields = append(s.fields, fieldMatch{field: f})
	}
	return &s.fields[s.fieldSlot[f]]
}

func (s *scratch) doc(d int32) *docMatch {
	if s.docStamp[d] != s.gen {
		s.docStamp[d] = s.gen
		s.docSlot[d] = int32(len(s.docs))
		s.docs = append(s.docs, docMatch{doc: d})
	}
	return &s.docs[s.docSlot[d]]
}

// candidate is a document that will be ranked.
type candidate struct {
	doc   int32
	score float64
}
