package govstack

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/egov/egov/internal/errs"
)

// Registry is a generic registry: a code and version (the registryName and
// versionNumber of the data API) with a JSON schema its records must
// satisfy, and the client subsystems that may read and write it. The
// client that defined it owns it: only the owner changes or deletes it.
type Registry struct {
	ID          int64
	Code        string
	Version     string
	Group       string
	Catalog     string
	Description string
	Schema      json.RawMessage
	Owner       string
	Readers     []string
	Writers     []string
	CreatedAt   time.Time
	ModifiedAt  time.Time

	compiled *jsonschema.Schema
}

// maxRecord is the largest record accepted, in bytes of JSON.
const maxRecord = 256 << 10

// Validate checks the registry's names and compiles its schema.
func (r *Registry) Validate() error {
	var v errs.Validation
	if !validName(r.Code) {
		v.Add("code", "govstack.error.bad_code")
	}
	if !validName(r.Version) {
		v.Add("version", "govstack.error.bad_version")
	}
	if baseRegistry(r.Code) != nil {
		v.Add("code", "govstack.error.reserved_code")
	}
	if err := v.Err(); err != nil {
		return err
	}
	_, err := r.schema()
	return err
}

// validName: letters, digits, '.', '-' and '_', at most 64, as a path
// segment needs no escaping.
func validName(s string) bool {
	if s == "" || len(s) > 64 || s == "." || s == ".." {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// refuseLoader refuses every $ref outside the schema itself: a caller's
// schema must not make the server read files or fetch URLs.
type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("govstack: schemas may not refer to %s", url)
}

// compiledSchemas holds compiled schemas by their text's SHA-256, as
// every write checks its record against one.
var compiledSchemas sync.Map

// schema compiles the registry's JSON schema (draft 2020-12 unless it says
// otherwise), once.
func (r *Registry) schema() (*jsonschema.Schema, error) {
	if r.compiled != nil {
		return r.compiled, nil
	}
	sum := sha256.Sum256(r.Schema)
	if s, ok := compiledSchemas.Load(sum); ok {
		r.compiled = s.(*jsonschema.Schema)
		return r.compiled, nil
	}
	bad := func(err error) error {
		return &errs.Error{Kind: errs.Invalid, Message: "govstack.error.bad_schema", Err: err}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.Schema))
	if err != nil {
		return nil, bad(err)
	}
	if _, ok := doc.(map[string]any); !ok {
		return nil, bad(fmt.Errorf("the schema is not an object"))
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(refuseLoader{})
	const loc = "urn:egov:govstack:registry"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, bad(err)
	}
	s, err := c.Compile(loc)
	if err != nil {
		return nil, bad(err)
	}
	compiledSchemas.Store(sum, s)
	r.compiled = s
	return s, nil
}

// PrimaryKey is the field that identifies a record: the property the
// schema marks "primaryKey": true, or "id".
func (r *Registry) PrimaryKey() string {
	var s struct {
		Properties map[string]struct {
			PrimaryKey bool `json:"primaryKey"`
		} `json:"properties"`
	}
	json.Unmarshal(r.Schema, &s)
	for name, p := range s.Properties {
		if p.PrimaryKey {
			return name
		}
	}
	return "id"
}

// CheckRecord gives content its key (a new UUID when it has none) and
// checks it against the schema; it returns the record's key.
func (r *Registry) CheckRecord(content map[string]any) (string, error) {
	pk := r.PrimaryKey()
	if _, ok := content[pk]; !ok {
		content[pk] = uuid.NewString()
	}
	key, ok := keyString(content[pk])
	if !ok {
		return "", errs.E(errs.Invalid, "govstack.error.bad_key").Field(pk, "govstack.error.bad_key")
	}
	raw, err := json.Marshal(content)
	if err != nil {
		return "", err
	}
	if len(raw) > maxRecord {
		return "", errs.E(errs.Invalid, "govstack.error.record_too_large")
	}
	s, err := r.schema()
	if err != nil {
		return "", err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return "", err
	}
	if err := s.Validate(inst); err != nil {
		return "", &errs.Error{Kind: errs.Invalid, Message: "govstack.error.record_invalid", Err: err}
	}
	return key, nil
}

// keyString is a key value as text: a non-empty string of at most 128
// characters, or an integer.
func keyString(v any) (string, bool) {
	switch k := v.(type) {
	case string:
		if k == "" || len(k) > 128 || strings.ContainsAny(k, "/?#") {
			return "", false
		}
		return k, true
	case json.Number:
		if _, err := k.Int64(); err != nil {
			return "", false
		}
		return k.String(), true
	case float64:
		if k != float64(int64(k)) {
			return "", false
		}
		return fmt.Sprintf("%d", int64(k)), true
	}
	return "", false
}

// matches reports whether content has every field of query with an equal
// value; a query object matches the fields it names of a nested object.
func matches(content, query map[string]any) bool {
	for k, want := range query {
		got, ok := content[k]
		if !ok || !equal(got, want) {
			return false
		}
	}
	return true
}

func equal(got, want any) bool {
	if w, ok := want.(map[string]any); ok {
		g, ok := got.(map[string]any)
		return ok && matches(g, w)
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	return bytes.Equal(a, b)
}

// merge writes the fields of write over content; nested objects merge
// field by field.
func merge(content, write map[string]any) {
	for k, v := range write {
		if w, ok := v.(map[string]any); ok {
			if c, ok := content[k].(map[string]any); ok {
				merge(c, w)
				continue
			}
		}
		content[k] = v
	}
}

// keyIsNumber reports whether the schema types the key as a number.
func (r *Registry) keyIsNumber() bool {
	var s struct {
		Properties map[string]struct {
			Type any `json:"type"`
		} `json:"properties"`
	}
	json.Unmarshal(r.Schema, &s)
	t := s.Properties[r.PrimaryKey()].Type
	return t == "integer" || t == "number"
}
