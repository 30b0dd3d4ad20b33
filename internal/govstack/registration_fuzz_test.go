package govstack

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// An application's formData is outside input: whatever it holds, reading
// it answers values or field errors, never both for one field, and never
// panics.
func FuzzApplicationAnswers(f *testing.F) {
	for _, s := range []string{`{"purpose": {"value": "abroad"}}`, `{"a": {"value": true}, "b": {"value": 3.5}}`,
		`{"files": {"value": ["ab", "cd"]}}`, `{"x": {"value": [1, "a"]}}`, `{"x": {}}`, `{"x": {"value": null, "y": 1}}`,
		`{"x": {"value": {"deep": 1}}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var data map[string]map[string]any
		if json.Unmarshal([]byte(raw), &data) != nil {
			return
		}
		answers, bad := answersIn(data)
		for name := range bad {
			if _, ok := answers[name]; ok && len(answers[name]) > 0 && bad[name] == "" {
				t.Fatalf("%s is both an answer and an error", name)
			}
		}
		for name := range data {
			if _, ok := answers[name]; !ok && bad[name] == "" {
				t.Fatalf("%s is neither an answer nor an error", name)
			}
		}
	})
}

// An upload's multipart body is outside input: reading it answers one
// file or an error, never panics.
func FuzzUploadedFile(f *testing.F) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, _ := mw.CreateFormFile("file", "a.pdf")
	part.Write([]byte("JVBERi0xLjQK"))
	mw.Close()
	f.Add(mw.FormDataContentType(), buf.Bytes())
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n%PDF\r\n--x--\r\n"))
	f.Add("text/plain", []byte("file"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/documents", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		_, content, err := uploadedFile(httptest.NewRecorder(), r)
		if err == nil && int64(len(content)) > maxUpload {
			t.Fatalf("read %d bytes, more than %d", len(content), maxUpload)
		}
	})
}

// The lists' paging and sorting parameters are outside input.
func FuzzApplicationWindow(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"0", "10"}, {"-1", "0"}, {"5", "101"}, {"x", "1"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, first, max string) {
		fr, mr, err := window(first, max)
		if err == nil && (fr < 0 || mr < 1 || mr > 100) {
			t.Fatalf("window %d, %d out of bounds", fr, mr)
		}
	})
}

// A registry's schema and its records are outside input: finding the
// persons they mark never panics, and every FIN found is text of the
// record.
func FuzzRegistryPersons(f *testing.F) {
	f.Add(`{"properties": {"fin": {"type": "string", "x-egov-person": true}}}`, `{"fin": "5zqx7ka"}`)
	f.Add(`{"properties": {"kids": {"items": {"properties": {"fin": {"x-egov-person": true}}}}}}`, `{"kids": [{"fin": "2HPL4RM"}, 3, {"fin": 1}]}`)
	f.Add(`{"items": {"x-egov-person": true}}`, `{"a": ["x"]}`)
	f.Add(`{"properties": {"a": {"x-egov-person": "yes"}}}`, `{"a": "1AAAAAA"}`)
	f.Fuzz(func(t *testing.T, schema, record string) {
		paths := personPaths(json.RawMessage(schema))
		var content map[string]any
		if json.Unmarshal([]byte(record), &content) != nil {
			return
		}
		texts := map[string]bool{}
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case string:
				texts[strings.ToUpper(strings.TrimSpace(x))] = true
			case []any:
				for _, item := range x {
					walk(item)
				}
			case map[string]any:
				for _, item := range x {
					walk(item)
				}
			}
		}
		walk(content)
		for _, fin := range personsIn(content, paths) {
			if !texts[fin] {
				t.Fatalf("found %q, which the record does not hold", fin)
			}
		}
	})
}
