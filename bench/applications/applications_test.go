// Package applicationsbench measures the e-service path: validating a
// whole form, an application from draft to submission (three
// transactions), a decision, and the back office's queue of an agency
// with thousands of applications, on SQLite and (when
// EGOV_TEST_DATABASE_URL is set) PostgreSQL.
package applicationsbench

import (
	"context"
	"fmt"
	"testing"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/files"
	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

var migrations = []store.Migrations{events.Migrations, audit.Migrations, catalog.Migrations, notify.Migrations,
	files.Migrations, applications.Migrations}

// knownRegistries answers prefill from memory: the benchmark measures
// applications, not the gateway (bench/registry and the gateway's own
// benchmark do).
type knownRegistries struct{}

func (knownRegistries) Prefill(ctx context.Context, fin, voen string, attrs []string, purpose string) (map[string]applications.Prefilled, error) {
	return map[string]applications.Prefilled{
		"population.full_name":  {Value: "Məmmədova Aysel Rəşid qızı", Source: "population.full_name"},
		"population.birth_date": {Value: "1990-03-14", Source: "population.birth_date"},
	}, nil
}

func (knownRegistries) Person(ctx context.Context, fin, purpose, userID string) ([]applications.Fact, error) {
	return nil, nil
}

func newService(b *testing.B, db *store.DB) *applications.Service {
	ctx := context.Background()
	cat := catalog.New(db, nil)
	seed, err := catalog.DemoSeed()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := cat.Seed(ctx, seed); err != nil {
		b.Fatal(err)
	}
	if err := cat.Load(ctx); err != nil {
		b.Fatal(err)
	}
	n := notify.New(db)
	if err := applications.SeedTemplates(ctx, n); err != nil {
		b.Fatal(err)
	}
	return applications.New(db, applications.Config{Catalog: cat, Files: files.NewStore(db.DB, b.TempDir(), nil),
		Notify: n, Registries: knownRegistries{}})
}

var operator = applications.Actor{Kind: applications.ActorStaff, AccountID: 1, ID: "dim.operator", Name: "DİN Operator", Agency: "internal-affairs"}

func applicant(i int) applications.Actor {
	return applications.Actor{Kind: applications.ActorApplicant, AccountID: int64(1000 + i), ID: fmt.Sprint(i),
		FIN: "5ZQX7KA", Name: "Aysel", Lang: lang.AZ}
}

// submit takes one application from draft to submitted.
func submit(b *testing.B, svc *applications.Service, who applications.Actor) string {
	ctx := context.Background()
	a, err := svc.Start(ctx, who, "criminal-record-certificate")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.SaveAnswers(ctx, who, a.Number, []string{"purpose"}, forms.Answers{"purpose": {"employer"}}); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Submit(ctx, who, a.Number); err != nil {
		b.Fatal(err)
	}
	return a.Number
}

// BenchmarkValidateForm checks every field and rule of the biggest form in
// the catalog, answered in full.
func BenchmarkValidateForm(b *testing.B) {
	seed, err := catalog.DemoSeed()
	if err != nil {
		b.Fatal(err)
	}
	var biggest *forms.Schema
	for _, s := range seed.Services {
		if len(s.Form) == 0 {
			continue
		}
		schema, err := forms.Parse(s.Form)
		if err != nil {
			b.Fatal(err)
		}
		if biggest == nil || len(schema.Fields) > len(biggest.Fields) {
			biggest = schema
		}
	}
	answers := forms.Answers{}
	for _, f := range biggest.Fields {
		answers[f.Name] = []string{sample(f)}
	}
	b.ReportAllocs()
	b.ReportMetric(float64(len(biggest.Fields)), "fields")
	for b.Loop() {
		biggest.Validate(answers)
	}
}

// sample is a valid-looking answer of a field's type; a wrong one costs
// the same to check.
func sample(f forms.Field) string {
	switch f.Type {
	case forms.Choice, forms.MultipleChoice:
		return f.Options[0].Value
	case forms.YesNo:
		return "yes"
	case forms.Number, forms.Money:
		return "12"
	case forms.Date:
		return "2026-01-15"
	case forms.FIN:
		return "5ZQX7KA"
	case forms.VOEN:
		return "1700123451"
	case forms.Phone:
		return "+994501234567"
	case forms.Email:
		return "aysel@example.az"
	case forms.Plate:
		return "10-AB-123"
	case forms.File:
		return "0000000000000000000000000000000000000000000000000000000000000000"
	}
	return "Bakı şəhəri, Nizami küçəsi 10"
}

// BenchmarkSubmit is one application from an empty draft to submitted:
// start with prefill, save a page, submit (three transactions, a step, an
// inbox message, an outbox event).
func BenchmarkSubmit(b *testing.B) {
	each(b, func(b *testing.B, svc *applications.Service) {
		i := 0
		for b.Loop() {
			i++
			submit(b, svc, applicant(i))
		}
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "applications/s")
	})
}

// BenchmarkQueue lists the first page of an agency's open applications
// when it holds 2,000, oldest deadline first.
func BenchmarkQueue(b *testing.B) {
	each(b, func(b *testing.B, svc *applications.Service) {
		for i := range 2000 {
			submit(b, svc, applicant(i))
		}
		ctx := context.Background()
		b.ResetTimer()
		for b.Loop() {
			list, err := svc.Queue(ctx, operator, applications.Filter{Limit: 50})
			if err != nil || len(list) != 50 {
				b.Fatalf("%d, %v", len(list), err)
			}
		}
	})
}

func each(b *testing.B, fn func(*testing.B, *applications.Service)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, newService(b, storetest.SQLite(b, migrations...))) })
	// Skipped without EGOV_TEST_DATABASE_URL.
	b.Run("postgres", func(b *testing.B) { fn(b, newService(b, storetest.Postgres(b, migrations...))) })
}
