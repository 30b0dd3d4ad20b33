package govstack_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/egov/egov/internal/consent"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/govstack"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

const cs = govstack.SpecConsent

// The clinic's member (1000000020, with the pharmacies' system) is the
// organisation; nosy is another organisation with the same rights.
func consentFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := setup(t, db)
	for _, c := range []gateway.ClientID{clinic, pharmacies, nosy} {
		if err := f.gw.Grant(context.Background(), c, govstack.ConsentService, gateway.AllEndpoints); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// The block's operations on one fixture per engine (each part makes its
// own agreement; the organisation's lists are counted first).
func TestConsent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := consentFixture(t, db)
		for _, part := range []struct {
			name string
			run  func(*testing.T, *fixture, *store.DB)
		}{
			{"Configuration", consentConfiguration},
			{"Lifecycle", consentLifecycle},
			{"SignatureDetectsTampering", consentTampering},
			{"SigningReplayedConcurrently", consentReplay},
			{"Errors", consentErrors},
		} {
			t.Run(part.name, func(t *testing.T) { part.run(t, f, db) })
		}
	}, migrations()...)
}

// with is the fixture reporting to t.
func (f *fixture) with(t *testing.T) *fixture {
	g := *f
	g.t = t
	return &g
}

// as is the fixture acting for an individual (the specification's
// "Individual ID supplied as HTTP header").
func (f *fixture) as(t *testing.T, individual string) *fixture {
	g := *f
	g.t = t
	g.header = map[string]string{govstack.HeaderIndividual: individual}
	return &g
}

type wRevision struct {
	ID, SchemaName, ObjectID, SerializedSnapshot, SerializedHash string
	PredecessorHash, PredecessorSignature                        string
}

type wSignature struct {
	ID, Payload, Signature, VerificationMethod, VerificationPayloadHash, VerificationSignedBy, ObjectReference string
}

type wRecord struct {
	ID                        string
	DataAgreement             struct{ ID string }
	DataAgreementRevision     wRevision
	DataAgreementRevisionHash string
	Individual                struct{ ID string }
	OptIn                     bool
	State                     string
	Signature                 *wSignature
	SignatureVerified         *bool
}

type recordAnswer struct {
	ConsentRecord wRecord
	Revision      wRevision
	Signature     wSignature
	Revisions     []wRevision
}

var (
	testPolicy = map[string]any{"id": "", "name": "Klinikanın məxfilik siyasəti", "version": "1",
		"url": "https://clinic.example.org/privacy/1", "jurisdiction": "AZ", "dataRetentionPeriodDays": 365}
	testAgreement = map[string]any{"id": "", "version": "1", "purpose": "Qəbul vaxtının SMS ilə xatırladılması",
		"lawfulBasis": "consent", "dpia": "", "active": true, "forgettable": true,
		"controller": map[string]any{"id": "1000000020", "name": "Mərkəzi Klinika", "url": "https://clinic.example.org"},
		"attributes": []map[string]any{{"id": "", "name": "mobile", "sensitivity": "personal", "category": "contact"}}}
)

// consentSetUp makes the clinic's policy, agreement (under it) and the
// individual Aysel (her FIN as external id).
func consentSetUp(t *testing.T, f *fixture) (agreement, individual string) {
	t.Helper()
	var p struct{ Policy struct{ ID string } }
	f.call(cs, clinic, "POST", "/config/policy/", map[string]any{"policy": testPolicy}).json(t, &p)
	a := map[string]any{}
	for k, v := range testAgreement {
		a[k] = v
	}
	pol := map[string]any{}
	for k, v := range testPolicy {
		pol[k] = v
	}
	pol["id"] = p.Policy.ID
	a["policy"] = pol
	var ag struct {
		DataAgreement struct {
			ID     string
			Policy struct{ ID string }
		}
	}
	res := f.call(cs, clinic, "POST", "/config/data-agreement/", map[string]any{"dataAgreement": a})
	res.json(t, &ag)
	if ag.DataAgreement.ID == "" {
		t.Logf("%d %s", res.status, res.body)
	}
	if ag.DataAgreement.Policy.ID != p.Policy.ID || ag.DataAgreement.ID == "" {
		t.Fatalf("agreement: %+v", ag)
	}
	var in struct{ Individual struct{ ID string } }
	f.call(cs, clinic, "POST", "/config/individual/", map[string]any{"individual": map[string]any{"id": "", "externalId": "5ZQX7KA",
		"externalIdType": "fin"}}).json(t, &in)
	return ag.DataAgreement.ID, in.Individual.ID
}

// signedRecord drafts and signs the individual's consent to agreement.
func signedRecord(t *testing.T, f *fixture, agreement, individual string) recordAnswer {
	t.Helper()
	var draft recordAnswer
	f.call(cs, clinic, "POST", "/service/individual/record/consent-record/draft/?individualId="+individual+"&dataAgreementId="+agreement, nil).json(t, &draft)
	var out recordAnswer
	f.call(cs, clinic, "POST", "/service/individual/record/consent-record/", draftBody(t, f, agreement, individual)).json(t, &out)
	return out
}

// draftBody is the draft as the block answered it, sent back to sign.
func draftBody(t *testing.T, f *fixture, agreement, individual string) map[string]any {
	t.Helper()
	var raw map[string]any
	f.call(cs, clinic, "POST", "/service/individual/record/consent-record/draft/?individualId="+individual+"&dataAgreementId="+agreement, nil).json(t, &raw)
	return raw
}

// Draft → signed → withdrawn → signed again, each change a revision
// chained to the last; the audit answers the history; every request and
// answer checked against the specification.
func consentLifecycle(t *testing.T, f *fixture, db *store.DB) {
	{
		f := f.with(t)
		ctx := context.Background()
		agreement, individual := consentSetUp(t, f)

		var again struct{ Individual struct{ ID string } }
		f.call(cs, clinic, "POST", "/service/individual/", map[string]any{"individual": map[string]any{"id": "", "externalId": "5zqx7ka",
			"externalIdType": "FIN"}}).json(t, &again)
		if again.Individual.ID != individual {
			t.Errorf("the same FIN made a second individual: %s, %s", again.Individual.ID, individual)
		}

		var draft recordAnswer
		f.call(cs, clinic, "POST", "/service/individual/record/consent-record/draft/?individualId="+individual+"&dataAgreementId="+agreement, nil).json(t, &draft)
		if draft.ConsentRecord.ID != "" || draft.Signature.ID != "" || draft.Signature.Signature != "" || draft.ConsentRecord.State != consent.StateUnsigned {
			t.Fatalf("the draft is stored or signed: %+v", draft)
		}
		signed := signedRecord(t, f, agreement, individual)
		rec := signed.ConsentRecord
		if rec.ID == "" || rec.State != consent.StateSigned || !rec.OptIn || signed.Signature.Signature == "" ||
			signed.Signature.VerificationMethod != consent.MethodEd25519 || signed.Signature.ObjectReference != signed.Revision.ID ||
			signed.Signature.VerificationPayloadHash != signed.Revision.SerializedHash || rec.DataAgreement.ID != agreement ||
			rec.DataAgreementRevisionHash != rec.DataAgreementRevision.SerializedHash {
			t.Fatalf("signed record: %+v", signed)
		}

		var v recordAnswer
		f.call(cs, clinic, "GET", "/service/verification/consent-record/"+rec.ID+"/", nil).json(t, &v)
		if v.ConsentRecord.SignatureVerified == nil || !*v.ConsentRecord.SignatureVerified {
			t.Errorf("a fresh signature does not verify: %+v", v.ConsentRecord)
		}

		// Withdrawn through the API: a new revision, unsigned until signed.
		aysel := f.as(t, individual)
		var upd recordAnswer
		aysel.call(cs, clinic, "PUT", "/service/individual/record/consent-record/"+rec.ID+"/",
			map[string]any{"consentRecord": map[string]any{"id": rec.ID, "dataAgreementRevisionHash": rec.DataAgreementRevisionHash,
				"state": rec.State, "optIn": false}}).json(t, &upd)
		if upd.ConsentRecord.OptIn || upd.ConsentRecord.State != consent.StateUnsigned || upd.Revision.PredecessorHash != signed.Revision.SerializedHash ||
			upd.Revision.PredecessorSignature != signed.Signature.Signature {
			t.Fatalf("withdrawal: %+v", upd)
		}
		sigBody := func(hash string) map[string]any {
			return map[string]any{"signature": map[string]any{"id": "", "payload": "", "signature": "", "verificationMethod": "",
				"verificationPayload": "", "verificationPayloadHash": hash, "verificationSignedBy": "", "timestamp": ""}}
		}
		var prepared struct{ Signature wSignature }
		aysel.call(cs, clinic, "POST", "/service/individual/record/consent-record/"+rec.ID+"/signature/", sigBody("")).json(t, &prepared)
		if prepared.Signature.Signature != "" || prepared.Signature.VerificationPayloadHash != upd.Revision.SerializedHash {
			t.Fatalf("prepared signature: %+v", prepared)
		}
		if res := aysel.call(cs, clinic, "PUT", "/service/individual/record/consent-record/"+rec.ID+"/signature/", sigBody(signed.Revision.SerializedHash)); res.status != http.StatusConflict {
			t.Errorf("signing with a stale hash: %d %s", res.status, res.body)
		}
		var withdrawn struct{ Signature wSignature }
		aysel.call(cs, clinic, "PUT", "/service/individual/record/consent-record/"+rec.ID+"/signature/",
			sigBody(prepared.Signature.VerificationPayloadHash)).json(t, &withdrawn)
		if withdrawn.Signature.ID != prepared.Signature.ID || withdrawn.Signature.Signature == "" {
			t.Fatalf("signature: %+v", withdrawn)
		}

		var audit recordAnswer
		f.call(cs, nosy, "GET", "/audit/consent-record/"+rec.ID+"/", nil).json(t, &audit)
		if len(audit.Revisions) != 2 || audit.Revisions[1].PredecessorHash != audit.Revisions[0].SerializedHash ||
			audit.ConsentRecord.OptIn || audit.ConsentRecord.State != consent.StateSigned || !*audit.ConsentRecord.SignatureVerified {
			t.Errorf("audit: %+v", audit)
		}
		var lists struct{ ConsentRecords []wRecord }
		aysel.call(cs, clinic, "GET", "/service/individual/record/consent-record/", nil).json(t, &lists)
		if len(lists.ConsentRecords) != 1 || lists.ConsentRecords[0].ID != rec.ID {
			t.Errorf("the individual's records: %+v", lists)
		}
		aysel.call(cs, clinic, "GET", "/service/individual/record/data-agreement/"+agreement+"/all/", nil).json(t, &lists)
		if len(lists.ConsentRecords) != 1 {
			t.Errorf("the individual's records for the agreement: %+v", lists)
		}

		// The clinic's reads of Aysel's records are in her data tracker.
		reads, err := f.gw.Reads(ctx, "5ZQX7KA", gateway.Page{})
		if err != nil {
			t.Fatal(err)
		}
		tracked := false
		for _, r := range reads {
			tracked = tracked || r.Client == clinic.String() && r.Service == govstack.ConsentService.String()
		}
		if !tracked {
			t.Errorf("the consent block's reads are not in the person's tracker: %+v", reads)
		}

		// The right to be forgotten: a withdrawn consent to a forgettable
		// agreement goes, revisions and all.
		if res := aysel.call(cs, clinic, "DELETE", "/service/individual/record/", nil); res.status != http.StatusOK {
			t.Fatalf("forget: %d %s", res.status, res.body)
		}
		if res := f.call(cs, nosy, "GET", "/audit/consent-record/"+rec.ID+"/", nil); res.status != http.StatusNotFound {
			t.Errorf("a forgotten record: %d", res.status)
		}
	}
}

// Changing a signed record behind the block's back (its opt-in, or its
// revision's snapshot) breaks the signature.
func consentTampering(t *testing.T, f *fixture, db *store.DB) {
	{
		f := f.with(t)
		ctx := context.Background()
		agreement, individual := consentSetUp(t, f)
		rec := signedRecord(t, f, agreement, individual).ConsentRecord
		who := consent.RecordFilter{Org: "AZ/GOV/1000000020"}
		if err := f.consent.Verify(ctx, who, rec.ID); err != nil {
			t.Fatalf("untouched: %v", err)
		}
		for _, c := range []struct{ name, tamper, undo string }{
			{"OptIn", `UPDATE consent_records SET opt_in = FALSE WHERE id = $1`, `UPDATE consent_records SET opt_in = TRUE WHERE id = $1`},
			{"Snapshot", `UPDATE consent_revisions SET snapshot = REPLACE(snapshot, '"optIn":true', '"optIn":false') WHERE object_id = $1`,
				`UPDATE consent_revisions SET snapshot = REPLACE(snapshot, '"optIn":false', '"optIn":true') WHERE object_id = $1`},
			// Its first character changed (one in 64 signatures begins with A).
			{"Signature", `UPDATE consent_signatures SET signature = CASE WHEN SUBSTR(signature, 1, 1) = 'A' THEN 'B' ELSE 'A' END || SUBSTR(signature, 2) WHERE record_id = $1`, ``},
		} {
			t.Run(c.name, func(t *testing.T) {
				if _, err := db.ExecContext(ctx, c.tamper, rec.ID); err != nil {
					t.Fatal(err)
				}
				if err := f.consent.Verify(ctx, who, rec.ID); err != consent.ErrTampered {
					t.Errorf("tampered record verifies: %v", err)
				}
				g := *f
				g.t = t
				var v recordAnswer
				g.call(cs, clinic, "GET", "/service/verification/consent-record/"+rec.ID+"/", nil).json(t, &v)
				if *v.ConsentRecord.SignatureVerified {
					t.Errorf("verification answers a tampered record as verified")
				}
				if c.undo != "" {
					if _, err := db.ExecContext(ctx, c.undo, rec.ID); err != nil {
						t.Fatal(err)
					}
					if err := f.consent.Verify(ctx, who, rec.ID); err != nil {
						t.Errorf("restored: %v", err)
					}
				}
			})
		}
	}
}

// Signing replayed concurrently makes one record, one revision and one
// signature, and every replay answers them.
func consentReplay(t *testing.T, f *fixture, db *store.DB) {
	{
		f := f.with(t)
		agreement, individual := consentSetUp(t, f)
		body := draftBody(t, f, agreement, individual)
		const n = 8
		answers := make([]recordAnswer, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				g := *f
				res := g.call(cs, clinic, "POST", "/service/individual/record/consent-record/", body)
				if res.status == http.StatusOK {
					res.json(t, &answers[i])
				} else {
					t.Errorf("replay %d: %d %s", i, res.status, res.body)
				}
			}()
		}
		wg.Wait()
		for _, a := range answers[1:] {
			if a.ConsentRecord.ID != answers[0].ConsentRecord.ID || a.Signature.ID != answers[0].Signature.ID || a.Revision.ID != answers[0].Revision.ID {
				t.Errorf("replays differ: %+v / %+v", a, answers[0])
			}
		}
		id := answers[0].ConsentRecord.ID
		for _, c := range []struct {
			q    string
			args []any
			want int
		}{
			{`SELECT COUNT(*) FROM consent_records WHERE agreement_id = $1 AND individual_id = $2`, []any{agreement, individual}, 1},
			{`SELECT COUNT(*) FROM consent_revisions WHERE schema_name = 'consentRecord' AND object_id = $1`, []any{id}, 1},
			{`SELECT COUNT(*) FROM consent_signatures WHERE record_id = $1`, []any{id}, 1},
			{`SELECT COUNT(*) FROM events_outbox WHERE topic = '` + consent.TopicRecord + `' AND key = $1`, []any{id}, 2}, // created, signed
		} {
			var got int
			if err := db.QueryRowContext(context.Background(), c.q, c.args...).Scan(&got); err != nil || got != c.want {
				t.Errorf("%s: %d, want %d (%v)", c.q, got, c.want, err)
			}
		}
	}
}

// Errors: refused input is 400 (declared), what the caller may not see
// is 404 problem details, a conflict 409.
func consentErrors(t *testing.T, f *fixture, db *store.DB) {
	{
		f := f.with(t)
		agreement, individual := consentSetUp(t, f)
		rec := signedRecord(t, f, agreement, individual).ConsentRecord
		badBasis := map[string]any{}
		for k, v := range testAgreement {
			badBasis[k] = v
		}
		badBasis["lawfulBasis"] = "because"
		cases := []struct {
			name         string
			client       gateway.ClientID
			individual   string
			method, path string
			body         any
			invalid      bool
			want         int
		}{
			{"PolicyMissing", clinic, "", "POST", "/config/policy/", map[string]any{}, true, http.StatusBadRequest},
			{"PolicyWithoutURL", clinic, "", "POST", "/config/policy/", map[string]any{"policy": map[string]any{"id": "", "name": "x", "version": "1", "url": "ftp://x"}}, false, http.StatusBadRequest},
			{"BadLawfulBasis", clinic, "", "POST", "/config/data-agreement/", map[string]any{"dataAgreement": badBasis}, false, http.StatusBadRequest},
			{"BadFIN", clinic, "", "POST", "/config/individual/", map[string]any{"individual": map[string]any{"id": "", "externalId": "123", "externalIdType": "fin"}}, false, http.StatusBadRequest},
			{"HTTPWebhook", clinic, "", "POST", "/config/webhook/", map[string]any{"webhook": map[string]any{"id": "", "payloadUrl": "ftp://x", "contentType": "application/json", "disabled": false, "secretKey": "0123456789abcdef"}}, false, http.StatusBadRequest},
			{"BadLimit", clinic, "", "GET", "/config/data-agreements/?limit=1000", nil, false, http.StatusBadRequest},
			{"AnothersAgreement", nosy, "", "GET", "/config/data-agreement/" + agreement + "/", nil, false, http.StatusNotFound},
			{"AnothersIndividual", nosy, "", "GET", "/config/individual/" + individual + "/", nil, false, http.StatusNotFound},
			{"AnothersRecord", nosy, "", "GET", "/service/verification/consent-record/" + rec.ID + "/", nil, false, http.StatusNotFound},
			{"NoIndividual", clinic, "", "GET", "/service/individual/record/consent-record/", nil, false, http.StatusBadRequest},
			{"AnothersIndividualsRecord", nosy, individual, "PUT", "/service/individual/record/consent-record/" + rec.ID + "/",
				map[string]any{"consentRecord": map[string]any{"id": rec.ID, "dataAgreementRevisionHash": "x", "state": "signed", "optIn": false}}, false, http.StatusNotFound},
			{"NoOptIn", clinic, individual, "PUT", "/service/individual/record/consent-record/" + rec.ID + "/",
				map[string]any{"consentRecord": map[string]any{"id": rec.ID, "dataAgreementRevisionHash": "x", "state": "signed"}}, false, http.StatusBadRequest},
			{"UnknownAgreement", clinic, "", "POST", "/service/individual/record/data-agreement/no-such/?individualId=" + individual, nil, false, http.StatusNotFound},
			{"PolicyInUse", clinic, "", "DELETE", "/config/policy/" + policyOf(t, f, agreement) + "/", nil, false, http.StatusConflict},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				g := f.as(t, c.individual)
				if c.individual == "" {
					g.header = nil
				}
				if res := g.call(cs, c.client, c.method, c.path, c.body, c.invalid); res.status != c.want {
					t.Errorf("%d, want %d: %s", res.status, c.want, res.body)
				}
			})
		}
	}
}

func policyOf(t *testing.T, f *fixture, agreement string) string {
	t.Helper()
	var a struct {
		DataAgreement struct{ Policy struct{ ID string } }
	}
	f.call(cs, clinic, "GET", "/config/data-agreement/"+agreement+"/", nil).json(t, &a)
	return a.DataAgreement.Policy.ID
}

// Policies and agreements keep every revision; a policy reads as any of
// them; the configuration lists are the organisation's own.
func consentConfiguration(t *testing.T, f *fixture, db *store.DB) {
	{
		f := f.with(t)
		agreement, _ := consentSetUp(t, f)
		policy := policyOf(t, f, agreement)
		changed := map[string]any{}
		for k, v := range testPolicy {
			changed[k] = v
		}
		changed["id"], changed["version"] = policy, "2"
		f.call(cs, clinic, "PUT", "/config/policy/"+policy+"/", map[string]any{"policy": changed})
		var revs struct {
			Policy    struct{ Version string }
			Revisions []wRevision
		}
		f.call(cs, clinic, "GET", "/config/policy/"+policy+"/revisions/", nil).json(t, &revs)
		if revs.Policy.Version != "2" || len(revs.Revisions) != 2 {
			t.Fatalf("revisions: %+v", revs)
		}
		var old struct{ Policy struct{ Version string } }
		f.call(cs, nosy, "GET", "/service/policy/"+policy+"/?revisionId="+revs.Revisions[0].ID, nil).json(t, &old)
		if old.Policy.Version != "1" {
			t.Errorf("the first revision reads %+v", old)
		}
		for _, c := range []struct {
			client gateway.ClientID
			path   string
			key    string
			want   int
		}{
			{clinic, "/config/policies/", "policies", 1},
			{nosy, "/config/policies/", "policies", 0},
			{pharmacies, "/config/data-agreements/", "dataAgreement", 1}, // the same organisation
			{nosy, "/config/data-agreements/", "dataAgreement", 0},
			{nosy, "/service/verification/data-agreements/", "dataAgreements", 1},
			{nosy, "/audit/data-agreements/", "dataAgreements", 1},
			{clinic, "/config/individuals/", "individuals", 1},
			{nosy, "/service/individuals/", "individuals", 0},
		} {
			var out map[string][]map[string]any
			f.call(cs, c.client, "GET", c.path, nil).json(t, &out)
			if len(out[c.key]) != c.want {
				t.Errorf("%s as %s: %d, want %d", c.path, c.client.Subsystem, len(out[c.key]), c.want)
			}
		}
		var del struct{ Revision wRevision }
		f.call(cs, clinic, "DELETE", "/config/data-agreement/"+agreement+"/", nil).json(t, &del)
		if res := f.call(cs, clinic, "GET", "/service/data-agreement/"+agreement+"/", nil); res.status != http.StatusNotFound {
			t.Errorf("a deleted agreement reads: %d", res.status)
		}
		var audited struct {
			DataAgreement struct{ Active bool }
			Revisions     []wRevision
		}
		f.call(cs, nosy, "GET", "/audit/data-agreement/"+agreement+"/", nil).json(t, &audited)
		if audited.DataAgreement.Active || len(audited.Revisions) != 2 || audited.Revisions[1].ID != del.Revision.ID {
			t.Errorf("audit of a deleted agreement: %+v", audited)
		}
		f.call(cs, clinic, "DELETE", "/config/policy/"+policy+"/", nil)
		if res := f.call(cs, clinic, "GET", "/config/policy/"+policy+"/", nil); res.status != http.StatusNotFound {
			t.Errorf("a deleted policy reads: %d", res.status)
		}
	}
}
