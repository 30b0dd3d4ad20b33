package govstack_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/govstack"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// patientSchema marks the person (fin), their guardian and their
// children as persons: the reads of a record are theirs.
var patientSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"id":       map[string]any{"type": "string", "primaryKey": true},
		"fin":      map[string]any{"type": "string", "x-egov-person": true},
		"guardian": map[string]any{"type": "object", "properties": map[string]any{"fin": map[string]any{"type": "string", "x-egov-person": true}}},
		"children": map[string]any{"type": "array", "items": map[string]any{"type": "object",
			"properties": map[string]any{"fin": map[string]any{"type": "string", "x-egov-person": true}}}},
		"ward": map[string]any{"type": "string"},
	},
	"description": "Patients of the clinic", "creationDate": "2026-05-01", "filename": "patients.json",
}

// A generic registry's records that carry a person's FIN (marked with
// x-egov-person) are that person's data: a read, a list's results and
// readValue are in the person's data tracker, with the client and the
// purpose, and myPersonalDataUsage answers them for the registry.
func TestRegistryPersonReadsAreTracked(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		ctx := context.Background()
		definePharmacies(f) // marks no person
		if res := f.call(dbs, pharmacies, "POST", "/database/modify", map[string]any{"groupName": "Health", "catalogName": "Patients",
			"code": "patients", "schema": patientSchema, "readers": []string{clinic.String()}}); res.status != http.StatusOK {
			t.Fatalf("modify: %d %s", res.status, res.body)
		}
		for _, rec := range []map[string]any{
			{"id": "P-1", "fin": "5ZQX7KA", "ward": "3", "children": []any{map[string]any{"fin": "3KCR8WN"}}},
			{"id": "P-2", "fin": "2HPL4RM", "ward": "3", "guardian": map[string]any{"fin": "5ZQX7KA"}},
			{"id": "P-3", "ward": "4"},
		} {
			if res := f.call(data, pharmacies, "POST", "/data/patients/1.0/create", map[string]any{"write": content(rec)}); res.status != http.StatusOK {
				t.Fatalf("create: %d %s", res.status, res.body)
			}
		}
		f.call(data, pharmacies, "POST", "/data/pharmacies/1.0/create", map[string]any{"write": content(map[string]any{"id": "PH-1", "firstName": "5ZQX7KA"})})
		tracked := func(fin string) []gateway.Read {
			t.Helper()
			reads, err := f.gw.AllReads(ctx, gateway.ReadFilter{FIN: fin, Service: govstack.RegistriesDataService.String()})
			if err != nil {
				t.Fatal(err)
			}
			return reads
		}
		// Creating and writing are not reads.
		if n := len(tracked("5ZQX7KA")); n != 0 {
			t.Fatalf("%d reads tracked after writes", n)
		}

		purposeful := *f
		purposeful.header = map[string]string{gateway.HeaderPurpose: "treatment", gateway.HeaderUserID: "dr.aliyev"}
		purposeful.call(data, clinic, "POST", "/data/patients/1.0/read", map[string]any{"query": content(map[string]any{"id": "P-1"})})
		reads := tracked("5ZQX7KA")
		if len(reads) != 1 || reads[0].Client != clinic.String() || reads[0].Record != "Digital Registries patients 1.0" ||
			reads[0].Purpose != "treatment" ||
			reads[0].UserID != "dr.aliyev" {
			t.Fatalf("after read: %+v", reads)
		}
		if len(tracked("3KCR8WN")) != 1 {
			t.Errorf("the child's read is not tracked")
		}

		// A list records every person of the page it answers.
		var page struct{ Count int }
		f.call(data, clinic, "GET", "/data/patients/1.0?search=3&filter=ward", nil).json(t, &page)
		if page.Count != 2 || len(tracked("2HPL4RM")) != 1 || len(tracked("5ZQX7KA")) != 2 {
			t.Errorf("after list of %d: %d, %d", page.Count, len(tracked("2HPL4RM")), len(tracked("5ZQX7KA")))
		}
		var v struct{ Value any }
		f.call(data, clinic, "GET", "/data/patients/1.0/P-2/readValue/ward.json", nil).json(t, &v)
		if v.Value != "3" || len(tracked("2HPL4RM")) != 2 || len(tracked("5ZQX7KA")) != 3 {
			t.Errorf("after readValue: %d, %d", len(tracked("2HPL4RM")), len(tracked("5ZQX7KA")))
		}
		// Exists answers no data; a record without persons and a registry
		// that marks none record nothing.
		f.call(data, clinic, "POST", "/data/patients/1.0/exists", map[string]any{"query": content(map[string]any{"id": "P-1"})})
		f.call(data, clinic, "POST", "/data/patients/1.0/read", map[string]any{"query": content(map[string]any{"id": "P-3"})})
		f.call(data, clinic, "POST", "/data/pharmacies/1.0/read", map[string]any{"query": content(map[string]any{"id": "PH-1"})})
		if n := len(tracked("5ZQX7KA")); n != 3 {
			t.Errorf("%d reads of 5ZQX7KA, want 3", n)
		}
		// A refused read is not recorded.
		if res := f.call(data, nosy, "POST", "/data/patients/1.0/read", map[string]any{"query": content(map[string]any{"id": "P-2"})}); res.status != 403 {
			t.Errorf("nosy read: %d", res.status)
		}
		if n := len(tracked("2HPL4RM")); n != 2 {
			t.Errorf("%d reads of 2HPL4RM, want 2", n)
		}

		// A purpose naming another registry does not make a read one of
		// that registry's: what was read is recorded apart from it.
		if res := f.call(dbs, pharmacies, "POST", "/database/modify", map[string]any{"groupName": "Health", "catalogName": "Patients 2",
			"code": "patients2", "schema": patientSchema, "readers": []string{clinic.String()}}); res.status != http.StatusOK {
			t.Fatalf("modify: %d %s", res.status, res.body)
		}
		f.call(data, pharmacies, "POST", "/data/patients2/1.0/create", map[string]any{"write": content(map[string]any{"id": "Q-1", "fin": "5ZQX7KA"})})
		spoof := *f
		spoof.header = map[string]string{gateway.HeaderPurpose: "Digital Registries patients 1.0"}
		spoof.call(data, clinic, "POST", "/data/patients2/1.0/read", map[string]any{"query": content(map[string]any{"id": "Q-1"})})
		if reads := tracked("5ZQX7KA"); len(reads) != 4 || reads[0].Record != "Digital Registries patients2 1.0" {
			t.Fatalf("the read of patients2: %+v", reads)
		}

		var usage []struct {
			ReaderID, ReaderApplicationName, ReaderInstitutionID string
			Refrences                                            []struct{ ReferenceID string }
		}
		f.call(data, clinic, "GET", "/data/myPersonalDataUsage?userId=5ZQX7KA&databaseId=patients", nil).json(t, &usage)
		if len(usage) != 3 || !slices.ContainsFunc(usage, func(u struct {
			ReaderID, ReaderApplicationName, ReaderInstitutionID string
			Refrences                                            []struct{ ReferenceID string }
		}) bool {
			return u.ReaderID == "dr.aliyev" && u.ReaderApplicationName == "system clinic" && len(u.Refrences) == 1
		}) {
			t.Errorf("usage = %+v", usage)
		}
		for _, c := range []struct{ name, query string }{
			{"RegistryWithoutPersons", "userId=5ZQX7KA&databaseId=pharmacies"},
			{"UnknownRegistry", "userId=5ZQX7KA&databaseId=nothing"},
			{"NotRead", "userId=6AAAAAA&databaseId=patients"},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := *f
				f.t = t
				if res := f.call(data, clinic, "GET", "/data/myPersonalDataUsage?"+c.query, nil); res.status != 404 {
					t.Errorf("%d %s", res.status, res.body)
				}
			})
		}
		var usage2 []struct{ ID string }
		if f.call(data, clinic, "GET", "/data/myPersonalDataUsage?userId=5ZQX7KA&databaseId=patients2", nil).json(t, &usage2); len(usage2) != 1 {
			t.Errorf("usage of patients2 = %+v", usage2)
		}
	}, migrations()...)
}
