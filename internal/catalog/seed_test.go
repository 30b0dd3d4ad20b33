package catalog_test

import (
	"testing"

	"github.com/egov/egov/internal/catalog"
)

// The demo contract (../shared/DEMO.md) relies on these slugs.
var requiredSlugs = []string{
	"identity-card", "passport", "driving-licence", "vehicle-registration", "birth-certificate",
	"criminal-record-certificate", "child-benefit", "pension", "e-visa",
}

func TestDemoSeedIsComplete(t *testing.T) {
	d, err := catalog.DemoSeed()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(d.Agencies); got < 15 {
		t.Errorf("%d agencies, want at least 15", got)
	}
	if got := len(d.Services); got < 80 {
		t.Errorf("%d services, want at least 80", got)
	}
	agencies := map[string]bool{}
	for _, a := range d.Agencies {
		if err := a.Validate(); err != nil {
			t.Errorf("agency %s: %v", a.Slug, err)
		}
		if !a.Description.Complete() || !a.Short.Complete() {
			t.Errorf("agency %s: texts not in all three languages", a.Slug)
		}
		agencies[a.Slug] = true
	}
	situations := map[string]bool{}
	for _, s := range d.Situations {
		if !s.Name.Complete() || !s.Description.Complete() {
			t.Errorf("situation %s: texts not in all three languages", s.Slug)
		}
		situations[s.Slug] = true
	}
	slugs := map[string]bool{}
	for _, s := range d.Services {
		if err := s.Validate(); err != nil {
			t.Errorf("service %s: %v", s.Slug, err)
		}
		if slugs[s.Slug] {
			t.Errorf("service %s appears twice", s.Slug)
		}
		slugs[s.Slug] = true
		if !agencies[s.Agency] {
			t.Errorf("service %s: unknown agency %s", s.Slug, s.Agency)
		}
		if !s.Description.Complete() {
			t.Errorf("service %s: description not in all three languages", s.Slug)
		}
		for _, doc := range s.Documents {
			if !doc.Complete() {
				t.Errorf("service %s: a document is not named in all three languages", s.Slug)
			}
		}
		for _, sit := range s.Situations {
			if !situations[sit] {
				t.Errorf("service %s: unknown situation %s", s.Slug, sit)
			}
		}
	}
	for _, slug := range requiredSlugs {
		if !slugs[slug] {
			t.Errorf("required service %s is missing", slug)
		}
	}
}
