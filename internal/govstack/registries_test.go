package govstack_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/govstack"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

const (
	data = govstack.SpecRegistriesData
	dbs  = govstack.SpecRegistriesDatabase
)

// pharmacySchema is the licensed pharmacies' registry: shaped like the
// specification's Example record, so every answer is checked against it.
var pharmacySchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"id":                 map[string]any{"type": "string", "primaryKey": true},
		"firstName":          map[string]any{"type": "string"},
		"lastName":           map[string]any{"type": "string"},
		"birthCertificateId": map[string]any{"type": "string"},
	},
	"required":             []string{"firstName"},
	"additionalProperties": false,
	// The specification requires these three of a schema.
	"description":  "Pharmacies licensed by the Ministry of Health",
	"creationDate": "2026-05-01",
	"filename":     "pharmacies.json",
}

func definePharmacies(f *fixture) int {
	f.t.Helper()
	res := f.call(dbs, pharmacies, "POST", "/database/modify", map[string]any{
		"groupName": "Health", "catalogName": "Licensed pharmacies", "code": "pharmacies",
		"schema": pharmacySchema, "readers": []string{clinic.String()},
	})
	if res.status != http.StatusOK {
		f.t.Fatalf("modify: %d %s", res.status, res.body)
	}
	var list struct {
		Databases []struct {
			ID      int    `json:"id"`
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"databases"`
	}
	f.call(dbs, pharmacies, "GET", "/databases", nil).json(f.t, &list)
	if len(list.Databases) != 1 || list.Databases[0].Name != "pharmacies" || list.Databases[0].Version != "1.0" {
		f.t.Fatalf("databases = %+v", list.Databases)
	}
	return list.Databases[0].ID
}

func content(m map[string]any) map[string]any { return map[string]any{"content": m} }

// A registry defined through the database API, and its records through
// the data API, every request and answer checked against the two specs.
func TestRegistryLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		id := definePharmacies(f)
		const base = "/data/pharmacies/1.0"

		var info struct {
			Name   string `json:"name"`
			Schema struct {
				Required []string `json:"required"`
			} `json:"schema"`
		}
		f.call(dbs, clinic, "GET", "/database/"+strconv.Itoa(id), nil).json(t, &info)
		if info.Name != "pharmacies" || len(info.Schema.Required) != 1 {
			t.Errorf("database = %+v", info)
		}

		for _, p := range []map[string]any{
			{"id": "PH-3", "firstName": "Nar Aptek", "lastName": "Bakı"},
			{"id": "PH-1", "firstName": "Zəfər Aptek", "lastName": "Gəncə"},
			{"id": "PH-2", "firstName": "Şəfa Aptek", "lastName": "Bakı", "birthCertificateId": "L-1"},
		} {
			if res := f.call(data, pharmacies, "POST", base+"/create", map[string]any{"write": content(p)}); res.status != 200 {
				t.Fatalf("create %v: %d %s", p["id"], res.status, res.body)
			}
		}
		var created struct{ Content map[string]any }
		f.call(data, pharmacies, "POST", base+"/create", map[string]any{"write": content(map[string]any{"firstName": "Yeni"})}).json(t, &created)
		if id, _ := created.Content["id"].(string); len(id) != 36 {
			t.Errorf("a record without a key got %v", created.Content["id"])
		}

		t.Run("errors", func(t *testing.T) {
			cases := []struct {
				name   string
				client gateway.ClientID
				method string
				path   string
				body   any
				want   int
			}{
				{"DuplicateKey", pharmacies, "POST", base + "/create", map[string]any{"write": content(map[string]any{"id": "PH-1", "firstName": "x"})}, 409},
				{"AgainstSchema", pharmacies, "POST", base + "/create", map[string]any{"write": content(map[string]any{"id": "PH-9"})}, 400},
				{"UnknownField", pharmacies, "POST", base + "/create", map[string]any{"write": content(map[string]any{"firstName": "x", "colour": "red"})}, 400},
				{"ReaderWrites", clinic, "POST", base + "/create", map[string]any{"write": content(map[string]any{"firstName": "x"})}, 403},
				{"UnknownRegistry", pharmacies, "POST", "/data/nothing/1.0/read", map[string]any{"query": content(map[string]any{"id": "x"})}, 404},
				{"UpdateNothing", pharmacies, "PUT", base + "/update", map[string]any{"query": content(map[string]any{"id": "PH-404"}), "write": content(map[string]any{"lastName": "x"})}, 404},
				{"BadPage", clinic, "GET", base + "?page=0", nil, 400},
				{"ReadValueOtherFormat", clinic, "GET", base + "/PH-1/readValue/firstName.xml", nil, 400},
				{"ReadValueNoField", clinic, "GET", base + "/PH-1/readValue/colour.json", nil, 404},
				{"DeleteMissing", pharmacies, "DELETE", base + "/PH-404/delete", nil, 404},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					f := *f
					f.t = t
					if res := f.call(data, c.client, c.method, c.path, c.body); res.status != c.want {
						t.Errorf("status %d, want %d: %s", res.status, c.want, res.body)
					}
				})
			}
		})

		var read struct{ Content map[string]any }
		f.call(data, clinic, "POST", base+"/read", map[string]any{"query": content(map[string]any{"lastName": "Bakı"})}).json(t, &read)
		if read.Content["id"] != "PH-2" && read.Content["id"] != "PH-3" {
			t.Errorf("read = %v", read.Content)
		}
		if res := f.call(data, clinic, "POST", base+"/read", map[string]any{"query": content(map[string]any{"id": "PH-404"})}); res.status != 404 ||
			!strings.Contains(string(res.body), `"no record found"`) {
			t.Errorf("read of a missing record: %d %s", res.status, res.body)
		}
		var exists struct{ Answer struct{ Status bool } }
		f.call(data, clinic, "POST", base+"/exists", map[string]any{"query": content(map[string]any{"id": "PH-1"})}).json(t, &exists)
		if !exists.Answer.Status {
			t.Error("PH-1 does not exist")
		}
		f.call(data, clinic, "POST", base+"/exists", map[string]any{"query": content(map[string]any{"id": "PH-404"})}).json(t, &exists)
		if exists.Answer.Status {
			t.Error("PH-404 exists")
		}

		t.Run("list", func(t *testing.T) {
			cases := []struct {
				name, query string
				count       int
				ids         []string
				next, prev  bool
			}{
				{"All", "", 4, nil, false, false},
				{"SearchAnyField", "?search=bak", 2, []string{"PH-2", "PH-3"}, false, false},
				{"SearchRegex", "?search=^(ş|z)", 2, []string{"PH-1", "PH-2"}, false, false},
				{"SearchOneField", "?search=aptek&filter=lastName", 0, []string{}, false, false},
				{"FilterOrdersDescending", "?search=aptek&filter=firstName&ordering=descending", 3, []string{"PH-1", "PH-2", "PH-3"}, false, false},
				{"OrderingByField", "?ordering=-lastName&query.lastName=Bakı", 2, []string{"PH-2", "PH-3"}, false, false},
				{"FieldEquals", "?query.birthCertificateId=L-1", 1, []string{"PH-2"}, false, false},
				{"FirstPage", "?search=aptek&pageSize=2", 3, []string{"PH-1", "PH-2"}, true, false},
				{"LastPage", "?search=aptek&pageSize=2&page=2", 3, []string{"PH-3"}, false, true},
				{"PastTheEnd", "?page=9", 4, []string{}, false, true},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					f := *f
					f.t = t
					var l struct {
						Count    int
						Next     string
						Previous string
						Results  []map[string]any
					}
					f.call(data, clinic, "GET", base+c.query, nil).json(t, &l)
					if l.Count != c.count || (l.Next != "") != c.next || (l.Previous != "") != c.prev {
						t.Errorf("count %d next %q previous %q", l.Count, l.Next, l.Previous)
					}
					if c.ids != nil {
						var got []string
						for _, r := range l.Results {
							got = append(got, r["id"].(string))
						}
						if strings.Join(got, ",") != strings.Join(c.ids, ",") {
							t.Errorf("ids %v, want %v", got, c.ids)
						}
					}
				})
			}
		})

		if res := f.call(data, pharmacies, "PUT", base+"/update", map[string]any{"query": content(map[string]any{"id": "PH-1"}),
			"write": content(map[string]any{"lastName": "Sumqayıt"})}); res.status != 200 {
			t.Fatalf("update: %d %s", res.status, res.body)
		}
		if res := f.call(data, pharmacies, "PUT", base+"/updateEntries", map[string]any{"query": content(map[string]any{"lastName": "Bakı"}),
			"write": content(map[string]any{"birthCertificateId": "L-BAKU"})}); res.status != 200 {
			t.Fatalf("updateEntries: %d %s", res.status, res.body)
		}
		var l struct{ Count int }
		f.call(data, clinic, "GET", base+"?query.birthCertificateId=L-BAKU", nil).json(t, &l)
		if l.Count != 2 {
			t.Errorf("updateEntries changed %d records, want 2", l.Count)
		}
		var v struct{ Value any }
		f.call(data, clinic, "GET", base+"/PH-1/readValue/lastName.json", nil).json(t, &v)
		if v.Value != "Sumqayıt" {
			t.Errorf("readValue = %v", v.Value)
		}
		var up struct{ Content map[string]any }
		f.call(data, pharmacies, "POST", base+"/updateOrCreate", map[string]any{"query": content(map[string]any{"id": "PH-1"}),
			"write": content(map[string]any{"firstName": "Zəfər"})}).json(t, &up)
		if up.Content["firstName"] != "Zəfər" || up.Content["lastName"] != "Sumqayıt" {
			t.Errorf("updateOrCreate updated to %v", up.Content)
		}
		f.call(data, pharmacies, "POST", base+"/updateOrCreate", map[string]any{"query": content(map[string]any{"id": "PH-7"}),
			"write": content(map[string]any{"firstName": "Yeddi"})}).json(t, &up)
		if up.Content["id"] != "PH-7" || up.Content["firstName"] != "Yeddi" {
			t.Errorf("updateOrCreate created %v", up.Content)
		}
		if res := f.call(data, pharmacies, "DELETE", base+"/PH-7/delete", nil); res.status != 204 {
			t.Errorf("delete: %d %s", res.status, res.body)
		}
		if res := f.call(data, clinic, "POST", base+"/read", map[string]any{"query": content(map[string]any{"id": "PH-7"})}); res.status != 404 {
			t.Errorf("deleted record read: %d", res.status)
		}
		if res := f.call(dbs, clinic, "DELETE", "/database/"+strconv.Itoa(id), nil); res.status != 403 {
			t.Errorf("a reader deleted the registry: %d", res.status)
		}
		if res := f.call(dbs, pharmacies, "DELETE", "/database/"+strconv.Itoa(id), nil); res.status != 200 {
			t.Errorf("delete registry: %d %s", res.status, res.body)
		}
		if res := f.call(data, clinic, "GET", base, nil); res.status != 404 {
			t.Errorf("deleted registry listed: %d", res.status)
		}
	}, migrations()...)
}

// A person's record read through the Digital Registries API is in their
// data tracker, and myPersonalDataUsage answers it.
func TestBaseRegistryReadIsTracked(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		var read struct{ Content map[string]any }
		f.call(data, clinic, "POST", "/data/population/1.0/read", map[string]any{"query": content(map[string]any{"fin": "5ZQX7KA"})}).json(t, &read)
		if read.Content["fin"] != "5ZQX7KA" || read.Content["id"] != "5ZQX7KA" {
			t.Fatalf("read = %v", read.Content)
		}
		reads, err := f.gw.Reads(context.Background(), "5ZQX7KA", gateway.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(reads) != 1 || reads[0].Client != clinic.String() || reads[0].Service != gateway.PersonsService.String() {
			t.Fatalf("tracker = %+v", reads)
		}
		var usage []struct {
			ReaderApplicationName string
			ReaderInstitutionID   string
			Refrences             []struct{ ReferenceID string }
		}
		f.call(data, clinic, "GET", "/data/myPersonalDataUsage?userId=5ZQX7KA&databaseId=population", nil).json(t, &usage)
		if len(usage) != 1 || usage[0].ReaderApplicationName != "system clinic" || usage[0].ReaderInstitutionID != clinic.MemberID().String() ||
			len(usage[0].Refrences) != 1 || usage[0].Refrences[0].ReferenceID != reads[0].XRoadID {
			t.Errorf("usage = %+v", usage)
		}

		var v struct{ Value any }
		f.call(data, clinic, "GET", "/data/population/1.0/5ZQX7KA/readValue/fin.json", nil).json(t, &v)
		if v.Value != "5ZQX7KA" {
			t.Errorf("readValue = %v", v.Value)
		}
		var l struct{ Count int }
		f.call(data, clinic, "GET", "/data/population/1.0?query.fin=2HPL4RM", nil).json(t, &l)
		if l.Count != 1 {
			t.Errorf("list by key counted %d", l.Count)
		}
		cases := []struct {
			name   string
			client gateway.ClientID
			method string
			path   string
			body   any
			want   int
		}{
			// nosy may call the data API but not the population registry.
			{"NoRightOnRegistry", nosy, "POST", "/data/population/1.0/read", map[string]any{"query": content(map[string]any{"fin": "2HPL4RM"})}, 403},
			{"ReadOnly", clinic, "POST", "/data/population/1.0/create", map[string]any{"write": content(map[string]any{"fin": "1AAAAAA"})}, 403},
			{"NoKeyInQuery", clinic, "POST", "/data/population/1.0/read", map[string]any{"query": content(map[string]any{"lastName": "Məmmədova"})}, 400},
			{"ListWithoutKey", clinic, "GET", "/data/population/1.0?search=Aysel", nil, 400},
			{"OtherVersion", clinic, "POST", "/data/population/2.0/read", map[string]any{"query": content(map[string]any{"fin": "5ZQX7KA"})}, 404},
			{"UnknownPerson", clinic, "POST", "/data/population/1.0/read", map[string]any{"query": content(map[string]any{"fin": "ZZZZZZZ"})}, 404},
			{"UsageBadUser", clinic, "GET", "/data/myPersonalDataUsage?userId=x&databaseId=population", nil, 400},
			{"UsageNone", clinic, "GET", "/data/myPersonalDataUsage?userId=3KCR8WN&databaseId=population", nil, 404},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				f := *f
				f.t = t
				if res := f.call(data, c.client, c.method, c.path, c.body); res.status != c.want {
					t.Errorf("status %d, want %d: %s", res.status, c.want, res.body)
				}
			})
		}
		if reads, _ := f.gw.Reads(context.Background(), "2HPL4RM", gateway.Page{}); len(reads) != 1 {
			t.Errorf("2HPL4RM's tracker has %d reads, want the clinic's list only (nosy was refused)", len(reads))
		}
	}, migrations()...)
}
