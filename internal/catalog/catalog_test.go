package catalog_test

import (
	"context"
	"testing"

	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

func seeded(t *testing.T, db *store.DB) *catalog.Catalog {
	t.Helper()
	c := catalog.New(db, nil)
	data, err := catalog.DemoSeed()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Seed(context.Background(), data); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSeedIsIdempotent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := catalog.New(db, nil)
		data, err := catalog.DemoSeed()
		if err != nil {
			t.Fatal(err)
		}
		first, err := c.Seed(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		if first < 80 {
			t.Errorf("first seed added %d rows, want at least 80", first)
		}
		again, err := c.Seed(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		if again != 0 {
			t.Errorf("second seed added %d rows, want 0", again)
		}
		if got, want := c.Count(), len(data.Services); got != want {
			t.Errorf("Count() = %d, want %d", got, want)
		}
	}, catalog.Migrations)
}

// The four queries, in three languages and without Azerbaijani
// letters, must all find the identity card first.
func TestSearchFindsIdentityCardFirst(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := seeded(t, db)
		for _, q := range []string{
			"sexsiyyet vesiqesi",
			"şəxsiyyət",
			"identity card",
			"удостоверение личности",
			"ŞƏXSİYYƏT VƏSİQƏSİ",
			"identty card",
		} {
			t.Run(q, func(t *testing.T) {
				got := c.Search(q, catalog.Filter{}, 5)
				if len(got) == 0 {
					t.Fatalf("Search(%q) found nothing", q)
				}
				if got[0].Slug != "identity-card" {
					var slugs []string
					for _, s := range got {
						slugs = append(slugs, s.Slug)
					}
					t.Errorf("Search(%q) = %v, want identity-card first", q, slugs)
				}
			})
		}
	}, catalog.Migrations)
}

func TestSearchFindsEachRequiredService(t *testing.T) {
	c := seeded(t, storetest.SQLite(t, catalog.Migrations))
	for _, tc := range []struct{ query, want string }{
		{"pasport", "passport"},
		{"driving licence", "driving-licence"},
		{"e-visa", "e-visa"},
		{"свидетельство о рождении", "birth-certificate"},
		{"məhkumluq", "criminal-record-certificate"},
		{"pensiya", "pension"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			got := c.Search(tc.query, catalog.Filter{}, 3)
			found := false
			for _, s := range got {
				found = found || s.Slug == tc.want
			}
			if !found {
				t.Errorf("Search(%q) top 3 does not contain %s", tc.query, tc.want)
			}
		})
	}
}

func TestFilters(t *testing.T) {
	c := seeded(t, storetest.SQLite(t, catalog.Migrations))
	for _, s := range c.Services(lang.EN, catalog.Filter{Audience: catalog.Foreigner}) {
		if !s.HasAudience(catalog.Foreigner) {
			t.Errorf("%s is not for foreigners", s.Slug)
		}
	}
	visa := c.Search("visa", catalog.Filter{Audience: catalog.Foreigner}, 10)
	if len(visa) < 2 || (visa[0].Slug != "e-visa" && visa[1].Slug != "e-visa") {
		t.Errorf("foreigner search for visa: want e-visa in the first two, got %d results", len(visa))
	}
	for _, s := range visa {
		if !s.HasAudience(catalog.Foreigner) {
			t.Errorf("search with audience filter returned %s", s.Slug)
		}
	}
	for _, s := range c.Services(lang.AZ, catalog.Filter{Situation: "child-born"}) {
		found := false
		for _, x := range s.Situations {
			found = found || x == "child-born"
		}
		if !found {
			t.Errorf("%s is not in child-born", s.Slug)
		}
	}
}

// A change made through one replica reaches another on Refresh.
func TestRefreshSeesOtherReplicasChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		one := seeded(t, db)
		two := catalog.New(db, nil)
		if err := two.Load(ctx); err != nil {
			t.Fatal(err)
		}
		svc, err := one.Service("identity-card")
		if err != nil {
			t.Fatal(err)
		}
		changed := *svc
		changed.FeeQepik = 700
		if err := one.Save(ctx, &catalog.SeedData{Services: []*catalog.Service{&changed}}); err != nil {
			t.Fatal(err)
		}
		if err := two.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := two.Service("identity-card")
		if err != nil {
			t.Fatal(err)
		}
		if got.FeeQepik != 700 {
			t.Errorf("after refresh fee = %d, want 700", got.FeeQepik)
		}
	}, catalog.Migrations)
}

func TestServiceValidate(t *testing.T) {
	full := lang.Text{AZ: "a", EN: "b", RU: "c"}
	valid := func() *catalog.Service {
		return &catalog.Service{Slug: "x", Agency: "y", Name: full, Summary: full,
			Audience: []catalog.Audience{catalog.Citizen}, Channels: []catalog.Channel{catalog.Online}}
	}
	for _, tc := range []struct {
		name  string
		edit  func(s *catalog.Service)
		field string
	}{
		{"Valid", func(*catalog.Service) {}, ""},
		{"ErrSlug", func(s *catalog.Service) { s.Slug = "Bad Slug" }, "slug"},
		{"ErrNameIncomplete", func(s *catalog.Service) { s.Name.RU = "" }, "name"},
		{"ErrAudience", func(s *catalog.Service) { s.Audience = []catalog.Audience{"alien"} }, "audience"},
		{"ErrChannel", func(s *catalog.Service) { s.Channels = nil }, "channels"},
		{"ErrFee", func(s *catalog.Service) { s.FeeQepik = -1 }, "fee_qepik"},
		{"ErrDeadline", func(s *catalog.Service) { s.DeadlineDays = 400 }, "deadline_days"},
		{"ErrForm", func(s *catalog.Service) { s.Form = []byte("{") }, "form"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := valid()
			tc.edit(s)
			err := s.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			e := errs.As(err)
			if e.Kind != errs.Invalid || e.Fields[tc.field] == "" {
				t.Errorf("Validate() = %v, want an invalid %s", err, tc.field)
			}
		})
	}
}

func TestSaveRejectsUnknownAgency(t *testing.T) {
	c := seeded(t, storetest.SQLite(t, catalog.Migrations))
	svc, _ := c.Service("passport")
	moved := *svc
	moved.Agency = "no-such-agency"
	err := c.Save(context.Background(), &catalog.SeedData{Services: []*catalog.Service{&moved}})
	if got, want := errs.KindOf(err), errs.Invalid; got != want {
		t.Errorf("kind = %s, want %s (err %v)", got, want, err)
	}
}
