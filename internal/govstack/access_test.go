package govstack_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"mime/multipart"
	"net/http"
	"strconv"
	"testing"

	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// operation is one operation this package serves, with a request that a
// caller with every right would have answered.
type operation struct {
	spec, method, path string
	body               any
	// registryRight: the registry's own access list applies (beyond the
	// gateway's grant on the block).
	registryRight bool
	// unsecured: the specification declares no security on it (the
	// gateway asks a key all the same).
	unsecured bool
	header    map[string]string
	// anonymous: the specification takes a request without any of egov's
	// headers (no client, no key) as valid.
	anonymous bool
	// upload: the body is a document sent as multipart/form-data.
	upload bool
}

// callOp makes op's request as client.
func (f *fixture) callOp(op operation, client gateway.ClientID, invalid ...bool) result {
	f.t.Helper()
	if op.upload {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		part, _ := mw.CreateFormFile("file", "letter.pdf")
		part.Write([]byte(base64.StdEncoding.EncodeToString(pdf)))
		mw.Close()
		return f.callRaw(op.spec, client, op.method, op.path, mw.FormDataContentType(), buf.Bytes(), invalid...)
	}
	return f.call(op.spec, client, op.method, op.path, op.body, invalid...)
}

func operations(dbID int, cardID, formID string) []operation {
	id := strconv.Itoa(dbID)
	q := map[string]any{"query": content(map[string]any{"id": "PH-1"})}
	w := map[string]any{"write": content(map[string]any{"firstName": "x"})}
	qw := map[string]any{"query": content(map[string]any{"id": "PH-1"}), "write": content(map[string]any{"firstName": "x"})}
	return append([]operation{
		{data, "GET", "/data/pharmacies/1.0", nil, true, false, nil, false, false},
		{data, "POST", "/data/pharmacies/1.0/create", w, true, false, nil, false, false},
		{data, "POST", "/data/pharmacies/1.0/exists", q, true, false, nil, false, false},
		{data, "POST", "/data/pharmacies/1.0/read", q, true, false, nil, false, false},
		{data, "PUT", "/data/pharmacies/1.0/update", qw, true, false, nil, false, false},
		{data, "PUT", "/data/pharmacies/1.0/updateEntries", qw, true, false, nil, false, false},
		{data, "POST", "/data/pharmacies/1.0/updateOrCreate", qw, true, false, nil, false, false},
		{data, "DELETE", "/data/pharmacies/1.0/PH-1/delete", nil, true, false, nil, false, false},
		{data, "GET", "/data/pharmacies/1.0/PH-1/readValue/firstName.json", nil, true, false, nil, false, false},
		{data, "GET", "/data/myPersonalDataUsage?userId=5ZQX7KA&databaseId=population", nil, false, true, nil, false, false},
		{dbs, "GET", "/databases", nil, false, false, nil, false, false},
		{dbs, "GET", "/database/" + id, nil, true, false, nil, false, false},
		{dbs, "DELETE", "/database/" + id, nil, true, false, nil, false, false},
		{dbs, "POST", "/database/modify", map[string]any{"code": "pharmacies", "schema": pharmacySchema}, true, true, nil, false, false},
		{msg, "POST", "/send/email/single", emailTo("a@example.org"), false, false, nil, false, false},
		{msg, "POST", "/send/email/batch", batchTo("a@example.org"), false, false, nil, false, false},
		{msg, "GET", "/status/email?status=scheduled", nil, false, false, map[string]string{"requestUid": "9d6c8a1e-0000-4000-8000-000000000000"}, false, false},
		{reg, "GET", "/services", nil, false, true, nil, true, false},
		{reg, "GET", "/services/" + cardID, nil, false, true, nil, true, false},
		{reg, "GET", "/services/" + cardID + "/eForms", nil, false, true, nil, true, false},
		{reg, "GET", "/eForms/" + formID, nil, false, true, nil, true, false},
		{reg, "POST", "/services/" + cardID + "/applications", submission("2HPL4RM", map[string]any{"purpose": "employer"}), false, true, nil, false, false},
		{reg, "POST", "/documents", nil, false, true, nil, true, true},
		{reg, "GET", "/applications", nil, false, true, nil, false, false},
		{reg, "GET", "/applications/7KM2Q9XA4", nil, false, true, nil, false, false},
		{reg, "PUT", "/applications/7KM2Q9XA4", map[string]any{"applicantId": "2HPL4RM"}, false, true, nil, false, false},
		{reg, "GET", "/tasks", nil, false, true, nil, true, false},
		{reg, "GET", "/tasks/7KM2Q9XA4", nil, false, true, nil, true, false},
		{reg, "POST", "/tasks/7KM2Q9XA4/complete", map[string]any{"data": map[string]any{}}, false, true, nil, true, false},
		{stats, "GET", "/data/statistics", nil, false, true, nil, false, false},
	}, append(consentOperations(), p2gOperations()...)...)
}

// Every operation refuses a caller without a key, with another's key,
// without a right on the block, and, where the registry's own list
// applies, without a right on the registry; and a refused write changes
// nothing.
func TestEveryOperationRefusesCallersWithoutRights(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		dbID := definePharmacies(f)
		f.call(data, pharmacies, "POST", "/data/pharmacies/1.0/create", map[string]any{"write": content(map[string]any{"id": "PH-1", "firstName": "Nar"})})
		before := snapshot(t, db)
		var services []regService
		f.call(reg, clinic, "GET", "/services?name=criminal", nil).json(t, &services)
		var forms []struct{ EFormID string }
		f.call(reg, clinic, "GET", "/services/"+services[0].ID+"/eForms", nil).json(t, &forms)
		for _, op := range operations(dbID, services[0].ID, forms[0].EFormID) {
			t.Run(op.method+" "+op.path, func(t *testing.T) {
				f := *f
				f.t = t
				f.header = op.header
				// Without the Information-Mediator-Client header.
				if res := f.callOp(op, gateway.ClientID{}, !op.anonymous); res.status != http.StatusUnauthorized {
					t.Errorf("no client header: %d %s", res.status, res.body)
				}
				// Without a key.
				keyless := f
				keyless.keys = map[gateway.ClientID]string{}
				if res := keyless.callOp(op, clinic, !op.unsecured); res.header.Get(gateway.HeaderError) != gateway.ErrAuthFailed {
					t.Errorf("no key: %d %s", res.status, res.body)
				}
				// With another client's key.
				swapped := f
				swapped.keys = map[gateway.ClientID]string{clinic: f.keys[stranger]}
				if res := swapped.callOp(op, clinic); res.header.Get(gateway.HeaderError) != gateway.ErrAuthFailed {
					t.Errorf("another's key: %d %s", res.status, res.body)
				}
				// No right on the block.
				if res := f.callOp(op, stranger); res.header.Get(gateway.HeaderError) != gateway.ErrAccessDenied {
					t.Errorf("no grant: %d %s", res.status, res.body)
				}
				if op.registryRight {
					if res := f.callOp(op, nosy); res.status != http.StatusForbidden {
						t.Errorf("no right on the registry: %d %s", res.status, res.body)
					}
				}
			})
		}
		if after := snapshot(t, db); after != before {
			t.Errorf("refused calls changed the registry:\n%s\n%s", before, after)
		}
	}, migrations()...)
}

// snapshot is the registries' records and definitions, and how many
// e-mails were sent, as text.
func snapshot(t *testing.T, db *store.DB) string {
	t.Helper()
	var out string
	for _, q := range []string{
		`SELECT registry_id || ' ' || record_id || ' ' || content FROM govstack_records ORDER BY registry_id, record_id`,
		`SELECT code || ' ' || version || ' ' || schema || ' ' || modified_at FROM govstack_registries ORDER BY id`,
		`SELECT 'e-mails sent: ' || COUNT(*) FROM notify_api_messages`,
		`SELECT 'payments messages: ' || (SELECT COUNT(*) FROM govstack_p2g_requests) || ' ' || (SELECT COUNT(*) FROM govstack_p2g_rtps)`,
		`SELECT 'applications: ' || COUNT(*) FROM applications`,
		`SELECT 'files: ' || COUNT(*) FROM file_uploads`,
		`SELECT 'decisions: ' || COUNT(*) FROM application_steps`,
		`SELECT 'consent: ' || (SELECT COUNT(*) FROM consent_policies) || ' ' || (SELECT COUNT(*) FROM consent_agreements) || ' ' ||
			(SELECT COUNT(*) FROM consent_individuals) || ' ' || (SELECT COUNT(*) FROM consent_revisions) || ' ' ||
			(SELECT COUNT(*) FROM consent_signatures) || ' ' || (SELECT COUNT(*) FROM consent_webhooks)`,
	} {
		rows, err := db.QueryContext(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out += s + "\n"
		}
		rows.Close()
	}
	return out
}
