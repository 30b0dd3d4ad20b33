package govstack_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/egov/egov/internal/govstack"
)

// shared is where the specifications are published beside the repository.
const shared = "../../../shared/specs/govstack"

// The embedded copies are the published files, unchanged.
func TestSpecsAsPublished(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(shared, "*.*"))
	more, _ := filepath.Glob(filepath.Join(shared, "payments-p2g", "*.yml"))
	files = append(files, more...)
	if len(files) == 0 {
		t.Skip("no published specifications at " + shared)
	}
	for _, path := range files {
		rel, _ := filepath.Rel(shared, path)
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := govstack.SpecSource(rel)
		if err != nil {
			t.Errorf("%s is not embedded: %v", rel, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the published file", rel)
		}
	}
}

// The specifications served load, with their patches, and are valid but
// for their examples (the data API's "next" has the example 1, not a URI,
// which misleads no validation of requests or answers).
func TestServedSpecsLoad(t *testing.T) {
	for _, file := range []string{govstack.SpecRegistriesData, govstack.SpecRegistriesDatabase, govstack.SpecMessaging} {
		doc, err := govstack.LoadSpec(file)
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation(),
			// The messaging file's Swagger 2 fields, left as they are.
			openapi3.AllowExtraSiblingFields("basePath", "definitions", "schemes", "securityDefinitions")); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
}
