package govstack

import (
	"context"
	"database/sql"
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/egov/egov/internal/errs"
)

// The operations of the data API on a generic registry. caller is the
// client subsystem the gateway authenticated.

func (s *Service) mayRead(r *Registry, caller string) error {
	if !slices.Contains(r.Readers, caller) {
		return errs.E(errs.Forbidden, "govstack.error.no_read_right")
	}
	return nil
}

func (s *Service) mayWrite(r *Registry, caller string) error {
	if !slices.Contains(r.Writers, caller) {
		return errs.E(errs.Forbidden, "govstack.error.no_write_right")
	}
	return nil
}

// Create adds a record and returns it with its key.
func (s *Service) Create(ctx context.Context, caller string, r *Registry, content map[string]any) (map[string]any, error) {
	if err := s.mayWrite(r, caller); err != nil {
		return nil, err
	}
	key, err := r.CheckRecord(content)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := lockRegistry(ctx, tx, r.ID); err != nil {
			return err
		}
		return insertRecord(ctx, tx, r.ID, Record{Key: key, Content: content}, caller)
	})
	return content, err
}

// Find returns the first record (in key order) matching query.
func (s *Service) Find(ctx context.Context, caller string, r *Registry, query map[string]any) (map[string]any, bool, error) {
	if err := s.mayRead(r, caller); err != nil {
		return nil, false, err
	}
	var found map[string]any
	err := scanRecords(ctx, s.db, r.ID, func(rec Record) bool {
		if matches(rec.Content, query) {
			found = rec.Content
			return false
		}
		return true
	})
	return found, found != nil, err
}

// Update writes write over the first record matching query (every one
// with all), or creates a record of query and write together when none
// matches and orCreate is set. It returns how many it changed and the
// last record written.
func (s *Service) Update(ctx context.Context, caller string, r *Registry, query, write map[string]any, all, orCreate bool) (int, map[string]any, error) {
	if err := s.mayWrite(r, caller); err != nil {
		return 0, nil, err
	}
	n := 0
	var last map[string]any
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := lockRegistry(ctx, tx, r.ID); err != nil {
			return err
		}
		var hits []Record
		err := scanRecords(ctx, tx, r.ID, func(rec Record) bool {
			if matches(rec.Content, query) {
				hits = append(hits, rec)
			}
			return all || len(hits) == 0
		})
		if err != nil {
			return err
		}
		if len(hits) == 0 {
			if !orCreate {
				return errs.E(errs.NotFound, "govstack.error.no_record")
			}
			content := map[string]any{}
			merge(content, query)
			merge(content, write)
			key, err := r.CheckRecord(content)
			if err != nil {
				return err
			}
			n, last = 1, content
			return insertRecord(ctx, tx, r.ID, Record{Key: key, Content: content}, caller)
		}
		for _, h := range hits {
			merge(h.Content, write)
			key, err := r.CheckRecord(h.Content)
			if err != nil {
				return err
			}
			if err := replaceRecord(ctx, tx, r.ID, h.Key, Record{Key: key, Content: h.Content}, caller); err != nil {
				return err
			}
			n, last = n+1, h.Content
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return n, last, nil
}

// Delete removes the record with key.
func (s *Service) Delete(ctx context.Context, caller string, r *Registry, key string) error {
	if err := s.mayWrite(r, caller); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := lockRegistry(ctx, tx, r.ID); err != nil {
			return err
		}
		ok, err := deleteRecord(ctx, tx, r.ID, key)
		if err == nil && !ok {
			err = errs.E(errs.NotFound, "govstack.error.no_record")
		}
		return err
	})
}

// ListQuery is the list operation's parameters. Search is a regular
// expression (or, if it is not one, text) matched case-insensitively
// against the Filter field, or against every text of the record without a
// Filter. Ordering is "ascending" or "descending" (by the Filter field,
// else the key), or a field name, "-" first for descending. Fields are
// the query.<field> parameters: the field's value must equal the text.
type ListQuery struct {
	Search, Filter, Ordering string
	Page, PageSize           int
	Fields                   map[string]string
}

// DefaultPageSize and MaxPageSize bound a page of a list.
const (
	DefaultPageSize = 10
	MaxPageSize     = 100
)

// List answers one page of the records that match q, and how many match.
func (s *Service) List(ctx context.Context, caller string, r *Registry, q ListQuery) (int, []map[string]any, error) {
	if err := s.mayRead(r, caller); err != nil {
		return 0, nil, err
	}
	search, err := searchPattern(q.Search)
	if err != nil {
		return 0, nil, err
	}
	var hits []map[string]any
	err = scanRecords(ctx, s.db, r.ID, func(rec Record) bool {
		if recordMatches(rec.Content, search, q) {
			hits = append(hits, rec.Content)
		}
		return true
	})
	if err != nil {
		return 0, nil, err
	}
	field, desc := orderOf(q, r.PrimaryKey())
	// Texts sort as the Azerbaijani alphabet does (… S, Ş, T …), which byte
	// order does not; a collator is not safe for concurrent use.
	collator := collate.New(language.Azerbaijani)
	sort.SliceStable(hits, func(i, j int) bool {
		c := compareValues(collator, lookup(hits[i], field), lookup(hits[j], field))
		if desc {
			return c > 0
		}
		return c < 0
	})
	from := (q.Page - 1) * q.PageSize
	if from >= len(hits) {
		return len(hits), []map[string]any{}, nil
	}
	return len(hits), hits[from:min(from+q.PageSize, len(hits))], nil
}

// searchPattern is the search as a case-insensitive regular expression,
// or as literal text when it is not one; nil for no search.
func searchPattern(search string) (*regexp.Regexp, error) {
	if search == "" {
		return nil, nil
	}
	if !utf8.ValidString(search) || len(search) > 256 {
		return nil, errs.E(errs.Invalid, "govstack.error.bad_search")
	}
	if re, err := regexp.Compile("(?i)" + search); err == nil {
		return re, nil
	}
	return regexp.Compile("(?i)" + regexp.QuoteMeta(search))
}

func recordMatches(content map[string]any, search *regexp.Regexp, q ListQuery) bool {
	for f, want := range q.Fields {
		if got, ok := text(lookup(content, f)); !ok || got != want {
			return false
		}
	}
	if search == nil {
		return true
	}
	if q.Filter != "" {
		t, ok := text(lookup(content, q.Filter))
		return ok && search.MatchString(t)
	}
	return anyText(content, search)
}

func anyText(v any, re *regexp.Regexp) bool {
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			if anyText(e, re) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if anyText(e, re) {
				return true
			}
		}
	default:
		t, ok := text(x)
		return ok && re.MatchString(t)
	}
	return false
}

// lookup follows a dotted path ("child.firstName") into content.
func lookup(content map[string]any, path string) any {
	var v any = content
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

// text is a scalar value as the text a query parameter would carry.
func text(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64, bool:
		b, _ := json.Marshal(x)
		return string(b), true
	}
	return "", false
}

func orderOf(q ListQuery, key string) (field string, desc bool) {
	o := strings.TrimSpace(q.Ordering)
	switch strings.ToLower(o) {
	case "", "asc", "ascending":
	case "desc", "descending":
		desc = true
	default:
		if strings.HasPrefix(o, "-") {
			return o[1:], true
		}
		return o, false
	}
	if q.Filter != "" {
		return q.Filter, desc
	}
	return key, desc
}

// compareValues orders numbers before texts, numbers by value, texts
// lexically, and missing values last.
func compareValues(collator *collate.Collator, a, b any) int {
	rank := func(v any) int {
		switch v.(type) {
		case float64:
			return 0
		case string:
			return 1
		case nil:
			return 3
		}
		return 2
	}
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return ra - rb
	}
	switch x := a.(type) {
	case float64:
		y := b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	case string:
		return collator.CompareString(x, b.(string))
	}
	return 0
}
