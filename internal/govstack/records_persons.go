package govstack

import (
	"encoding/json"
	"net/http"

	"github.com/egov/egov/internal/nationalid"
)

// A generic registry's schema marks the properties that hold a person's
// FIN with the keyword "x-egov-person": true (on a string property, at
// any depth of "properties", through arrays' "items"). A record holding
// a FIN there is that person's data: every read of it through the data
// API (read, a list's results, readValue) is recorded in the person's
// data tracker, as the base registries' reads are (personaldata.go), and
// myPersonalDataUsage answers it for the registry.

// personKeyword marks a schema property as a person's FIN.
const personKeyword = "x-egov-person"

// personPaths are the marked properties of schema, as paths of property
// names ("[]" stands for an array's items).
func personPaths(schema json.RawMessage) [][]string {
	var doc any
	if json.Unmarshal(schema, &doc) != nil {
		return nil
	}
	var out [][]string
	var walk func(node any, path []string, depth int)
	walk = func(node any, path []string, depth int) {
		m, ok := node.(map[string]any)
		if !ok || depth > 16 {
			return
		}
		if marked, _ := m[personKeyword].(bool); marked && len(path) > 0 {
			out = append(out, append([]string(nil), path...))
		}
		if props, ok := m["properties"].(map[string]any); ok {
			for name, p := range props {
				walk(p, append(path, name), depth+1)
			}
		}
		if items, ok := m["items"]; ok {
			walk(items, append(path, "[]"), depth+1)
		}
	}
	walk(doc, nil, 0)
	return out
}

// personsIn are the FINs content holds at paths.
func personsIn(content map[string]any, paths [][]string) []string {
	var out []string
	var at func(v any, path []string)
	at = func(v any, path []string) {
		if len(path) == 0 {
			if s, ok := v.(string); ok {
				out = append(out, nationalid.NormalizeFIN(s))
			}
			return
		}
		switch x := v.(type) {
		case map[string]any:
			if path[0] != "[]" {
				at(x[path[0]], path[1:])
			}
		case []any:
			if path[0] == "[]" {
				for _, item := range x {
					at(item, path[1:])
				}
			}
		}
	}
	for _, p := range paths {
		at(content, p)
	}
	return out
}

// registryRecord is what a read of reg is recorded as in the data
// tracker; myPersonalDataUsage finds a registry's reads of any version by
// registryRecord(code, "").
func registryRecord(code, version string) string {
	return "Digital Registries " + code + " " + version
}

// recordRegistryReads records the persons the records of reg that the
// caller of r is answered hold; nothing for a registry that marks none.
func (s *Service) recordRegistryReads(r *http.Request, reg *Registry, records ...map[string]any) error {
	paths := personPaths(reg.Schema)
	if len(paths) == 0 {
		return nil
	}
	var fins []string
	for _, c := range records {
		fins = append(fins, personsIn(c, paths)...)
	}
	return s.recordPersonalData(r.Context(), r, registryRecord(reg.Code, reg.Version), fins)
}
