package govstack

import (
	"encoding/json"
	"net/url"
	"testing"
)

// The list operation's query string is outside input: whatever it holds,
// parsing and matching answer without panicking and keep pages in bounds.
func FuzzListQuery(f *testing.F) {
	for _, s := range []string{"", "page=2&pageSize=10", "search=(a|b&filter=x.y", "ordering=-lastName&query.id=7",
		"pageSize=101", "page=-1", "search=%C5%9F&filter=", "query.=x&query.a.b=1"} {
		f.Add(s)
	}
	record := map[string]any{"id": "PH-1", "n": 3.0, "child": map[string]any{"firstName": "Şəfa"}, "tags": []any{"a", true}}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := listQuery(v)
		if err != nil {
			return
		}
		if q.Page < 1 || q.PageSize < 1 || q.PageSize > MaxPageSize {
			t.Fatalf("page %d size %d out of bounds", q.Page, q.PageSize)
		}
		re, err := searchPattern(q.Search)
		if err != nil {
			return
		}
		recordMatches(record, re, q)
		orderOf(q, "id")
	})
}

// A registry's schema and its records come from callers: compiling and
// checking never panic, and an accepted record carries its key.
func FuzzCheckRecord(f *testing.F) {
	f.Add(`{"type":"object","properties":{"id":{"type":"string","primaryKey":true}}}`, `{"id":"a"}`)
	f.Add(`{"type":"object","properties":{"n":{"type":"integer","primaryKey":true}},"required":["n"]}`, `{"n":7}`)
	f.Add(`{"$ref":"file:///etc/passwd"}`, `{}`)
	f.Add(`{"$ref":"https://example.org/s.json"}`, `{}`)
	f.Add(`[]`, `{}`)
	f.Add(`{"properties":{"id":{"type":"number"}}}`, `{"id":1.5}`)
	f.Fuzz(func(t *testing.T, schema, record string) {
		r := &Registry{Code: "x", Version: "1", Schema: json.RawMessage(schema)}
		if r.Validate() != nil {
			return
		}
		var content map[string]any
		if json.Unmarshal([]byte(record), &content) != nil || content == nil {
			return
		}
		key, err := r.CheckRecord(content)
		if err != nil {
			return
		}
		if got, ok := keyString(content[r.PrimaryKey()]); !ok || got != key || key == "" {
			t.Fatalf("accepted record's key %q, content %v", key, content)
		}
	})
}
