package gateway

import "testing"

// The admin uploads OpenAPI descriptions: whatever they hold, parsing
// must not panic, and every endpoint it yields must be one a grant can
// name.
func FuzzParseOpenAPI(f *testing.F) {
	for _, s := range []string{
		`{"openapi":"3.0.3","info":{"title":"T","version":"1"},"paths":{"/books/{isbn}":{"get":{}},"/books":{"post":{},"get":{}}}}`,
		`{"openapi":"3.0.3","paths":{"/a/{x}/b/{y}":{"delete":{},"parameters":[]}}}`,
		`{"openapi":"3.0.3","paths":{"":{"get":{}},"/../x":{"get":{}}}}`,
		`{"paths":null}`, `[]`, ``, `{"openapi":"2.0"}`,
	} {
		f.Add([]byte(s), "/books")
		f.Add([]byte(s), "")
	}
	f.Fuzz(func(t *testing.T, spec []byte, base string) {
		s, err := parseOpenAPI(spec, base)
		if err != nil {
			return
		}
		for _, e := range s.Endpoints {
			if err := e.validate(); err != nil {
				t.Errorf("endpoint %+v from %q: %v", e, spec, err)
			}
		}
	})
}
