package govstack_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/egov/egov/internal/govstack"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

const reg = govstack.SpecRegistration

type regService struct {
	ID, Name, Version, Type string
	IsExecutable            bool
	ServiceBody             []struct{ Code, Value string }
}

func (s regService) slug() string {
	for _, p := range s.ServiceBody {
		if p.Code == "slug" {
			return p.Value
		}
	}
	return ""
}

// The Registration block's catalogue: services and e-forms from egov's
// catalog, checked against registration-api.json.
func TestRegistrationCatalogue(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		var all []regService
		f.call(reg, clinic, "GET", "/services", nil).json(t, &all)
		bySlug := map[string]regService{}
		for _, s := range all {
			bySlug[s.slug()] = s
		}
		card, ok := bySlug["identity-card"]
		if len(all) < 100 || !ok || !strings.HasPrefix(card.Name, "Şəxsiyyət vəsiqəsi") {
			t.Fatalf("%d services; identity card %+v", len(all), card)
		}

		en := *f
		en.header = map[string]string{"Accept-Language": "en"}
		var one regService
		en.call(reg, clinic, "GET", "/services/"+card.ID, nil).json(t, &one)
		if one.ID != card.ID || one.slug() != "identity-card" || !strings.Contains(one.Name, "dentity card") {
			t.Errorf("service = %+v", one)
		}
		var found []regService
		f.call(reg, clinic, "GET", "/services?name=passport", nil).json(t, &found)
		if len(found) == 0 || len(found) >= len(all) {
			t.Errorf("name=passport found %d of %d", len(found), len(all))
		}

		criminal := bySlug["criminal-record-certificate"]
		if !criminal.IsExecutable {
			t.Fatal("the criminal record certificate cannot be applied for online")
		}
		var list []struct {
			EFormID string
			Latest  bool
		}
		f.call(reg, clinic, "GET", "/services/"+criminal.ID+"/eForms", nil).json(t, &list)
		if len(list) != 1 || !list[0].Latest {
			t.Fatalf("e-forms = %+v", list)
		}
		var form struct {
			EFormID string
			Schema  json.RawMessage
		}
		f.call(reg, clinic, "GET", "/eForms/"+list[0].EFormID, nil).json(t, &form)
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(form.Schema)))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("form.json", doc); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Compile("form.json"); err != nil || !strings.Contains(string(form.Schema), `"properties"`) {
			t.Errorf("the e-form's schema does not compile: %v\n%s", err, form.Schema)
		}

		for _, s := range all {
			if !s.IsExecutable {
				var none []any
				f.call(reg, clinic, "GET", "/services/"+s.ID+"/eForms", nil).json(t, &none)
				if len(none) != 0 {
					t.Errorf("%s has no online form but lists %d", s.slug(), len(none))
				}
				break
			}
		}
		cases := []struct{ name, path string }{
			{"UnknownService", "/services/00000000-0000-4000-8000-000000000000"},
			{"UnknownServiceForms", "/services/00000000-0000-4000-8000-000000000000/eForms"},
			{"UnknownEForm", "/eForms/00000000-0000-4000-8000-000000000000"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				f := *f
				f.t = t
				if res := f.call(reg, clinic, "GET", c.path, nil); res.status != http.StatusNotFound {
					t.Errorf("status %d, want 404", res.status)
				}
			})
		}
	}, migrations()...)
}
