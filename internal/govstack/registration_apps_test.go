package govstack_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/govstack"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/registry"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

const stats = govstack.SpecRegistrationStatistics

// dimOffice is the internal affairs ministry's case system: its member is
// linked to the agency internal-affairs, so it works that agency's tasks.
var dimOffice = gateway.ClientID{Instance: "AZ", Class: "GOV", Member: "1000000030", Subsystem: "dim-office"}

// The registration fixture: the clinic submits for people; the ministry's
// office decides; nosy may call the block and is neither.
func registrationFixture(t *testing.T, db *store.DB) (*fixture, string) {
	t.Helper()
	f := setup(t, db)
	ctx := context.Background()
	if err := f.gw.RegisterMember(ctx, dimOffice.MemberID(), "Ministry of Internal Affairs"); err != nil {
		t.Fatal(err)
	}
	if err := f.gw.RegisterSubsystem(ctx, dimOffice, "case system"); err != nil {
		t.Fatal(err)
	}
	key, err := f.gw.IssueKey(ctx, dimOffice)
	if err != nil {
		t.Fatal(err)
	}
	f.keys[dimOffice] = key
	for _, g := range []struct {
		c gateway.ClientID
		s gateway.ServiceID
	}{{dimOffice, govstack.RegistrationService}, {dimOffice, govstack.StatisticsService}, {nosy, govstack.RegistrationService},
		{clinic, govstack.StatisticsService}} {
		if err := f.gw.Grant(ctx, g.c, g.s, gateway.AllEndpoints); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.svc.LinkAgency(ctx, dimOffice.MemberID(), "internal-affairs"); err != nil {
		t.Fatal(err)
	}
	var found []regService
	f.call(reg, clinic, "GET", "/services?name=criminal", nil).json(t, &found)
	for _, s := range found {
		if s.slug() == "criminal-record-certificate" {
			return f, s.ID
		}
	}
	t.Fatal("no criminal record certificate")
	return nil, ""
}

// upload sends a document as client and answers its url.
func (f *fixture) upload(client gateway.ClientID, name string, content []byte) result {
	f.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreateFormFile("file", name)
	if err != nil {
		f.t.Fatal(err)
	}
	part.Write([]byte(base64.StdEncoding.EncodeToString(content)))
	mw.Close()
	return f.callRaw(reg, client, "POST", "/documents", mw.FormDataContentType(), buf.Bytes())
}

var pdf = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

type appFile struct {
	FileID, Registered, ServiceID, ServiceName string
	Status                                     struct{ Code, Title string }
	Ended                                      bool
	ApplicationData                            struct {
		ApplicantID, ApplicationName string
		FormData                     struct {
			EFormID string
			Data    map[string]map[string]any
		}
		DocumentUrls []string
	}
}

func submission(fin string, data map[string]any, docs ...string) map[string]any {
	d := map[string]any{}
	for k, v := range data {
		d[k] = map[string]any{"value": v}
	}
	body := map[string]any{"applicantId": fin, "applicationName": "Certificate for an employer", "formData": map[string]any{"data": d}}
	if len(docs) > 0 {
		body["documentUrls"] = docs
	}
	return body
}

// An agency's system submits a person's application through the block:
// it is a real egov application (the person's cabinet, the agency's
// queue, the portal's deadline); the agency's system works it as a task
// to a decision the person is told of; reads are in the person's data
// tracker; statistics count the decisions.
func TestRegistrationApplications(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f, serviceID := registrationFixture(t, db)
		ctx := context.Background()
		fin := registry.DemoFatherFIN
		path := "/services/" + serviceID + "/applications"

		var up struct {
			Code               int
			Type, Message, URL string
		}
		f.upload(clinic, "letter.pdf", pdf).json(t, &up)
		if up.Code != 200 || up.Type != "application/pdf" || up.URL == "" {
			t.Fatalf("upload = %+v", up)
		}

		keyed := *f
		keyed.header = map[string]string{"Idempotency-Key": "clinic-req-1"}
		body := submission(fin, map[string]any{"purpose": "abroad", "apostille": true, "supporting_document": []string{up.URL}}, up.URL)
		var file appFile
		keyed.call(reg, clinic, "POST", path, body).json(t, &file)
		if file.Status.Code != "PENDING" || file.ServiceID != serviceID || file.ApplicationData.ApplicantID != fin ||
			file.ApplicationData.FormData.Data["purpose"]["value"] != "abroad" || file.ApplicationData.FormData.Data["apostille"]["value"] != true ||
			!slices.Equal(file.ApplicationData.DocumentUrls, []string{up.URL}) || file.ApplicationData.ApplicationName != "Certificate for an employer" {
			t.Fatalf("submitted = %+v", file)
		}

		// The person's own application, in their cabinet and the agency's
		// queue, with the portal's deadline.
		person, err := f.person(ctx, fin)
		if err != nil {
			t.Fatal(err)
		}
		mine, err := f.apps.ListMine(ctx, person)
		if err != nil || len(mine) != 1 || mine[0].Number != file.FileID || mine[0].Status != applications.Submitted {
			t.Fatalf("cabinet = %v, %v", mine, err)
		}
		a := mine[0]
		if want := f.apps.Calendar().AddWorkingDays(*a.SubmittedAt, 3).UTC(); a.DueAt == nil || !a.DueAt.Equal(want) {
			t.Errorf("due %v, want %v", a.DueAt, want)
		}
		if len(a.Attachments) != 1 || a.Attachments[0].Field != "supporting_document" {
			t.Errorf("attachments = %+v", a.Attachments)
		}
		queue, err := f.apps.Queue(ctx, applications.Actor{Kind: applications.ActorStaff, Agency: "internal-affairs"}, applications.Filter{})
		if err != nil || len(queue) != 1 || queue[0].Number != a.Number {
			t.Fatalf("queue = %v, %v", queue, err)
		}

		t.Run("ConcurrentReplay", func(t *testing.T) {
			f := keyed
			f.t = t
			var wg sync.WaitGroup
			ids := make([]string, 8)
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var again appFile
					f.call(reg, clinic, "POST", path, body).json(t, &again)
					ids[i] = again.FileID
				}()
			}
			wg.Wait()
			for _, id := range ids {
				if id != a.Number {
					t.Errorf("replay answered %q, want %q", id, a.Number)
				}
			}
			if mine, _ := f.apps.ListMine(ctx, person); len(mine) != 1 {
				t.Errorf("%d applications after replays", len(mine))
			}
			// The same key for another application is refused.
			other := submission(registry.DemoMotherFIN, map[string]any{"purpose": "employer"})
			if res := f.call(reg, clinic, "POST", path, other); res.status != http.StatusConflict {
				t.Errorf("key reused: %d %s", res.status, res.body)
			}
		})

		t.Run("ConcurrentReplayByCreated", func(t *testing.T) {
			f := *f
			f.t = t
			body := submission(registry.DemoTeenFIN, map[string]any{"purpose": "employer"})
			body["created"] = "2026-11-20T09:00:00Z"
			var wg sync.WaitGroup
			ids := make([]string, 6)
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var again appFile
					f.call(reg, clinic, "POST", path, body).json(t, &again)
					ids[i] = again.FileID
				}()
			}
			wg.Wait()
			if ids[0] == "" || slices.ContainsFunc(ids, func(id string) bool { return id != ids[0] }) {
				t.Errorf("replays answered %v", ids)
			}
		})

		invalid := []struct {
			name, path string
			body       any
			status     int
			field      string
			breaksSpec bool
		}{
			{"BadChoice", path, submission(fin, map[string]any{"purpose": "moon"}), 400, "formData.data.purpose", false},
			{"MissingRequired", path, submission(fin, map[string]any{}), 400, "formData.data.purpose", false},
			{"NotAFIN", path, submission("nobody", map[string]any{"purpose": "employer"}), 400, "applicantId", false},
			{"UnknownPerson", path, submission("ZZZZZZ1", map[string]any{"purpose": "employer"}), 400, "applicantId", false},
			{"ValueNotObject", path, map[string]any{"applicantId": fin, "formData": map[string]any{"data": map[string]any{"purpose": "abroad"}}}, 400, "", true},
			{"ValueWithoutValue", path, map[string]any{"applicantId": fin, "formData": map[string]any{"data": map[string]any{"purpose": map[string]any{"v": 1}}}}, 400, "formData.data.purpose", false},
			{"NoApplicant", path, map[string]any{"formData": map[string]any{}}, 400, "", true},
			{"WrongEForm", path, map[string]any{"applicantId": fin, "formData": map[string]any{"eFormId": "x"}}, 400, "formData.eFormId", false},
			{"UnknownDocument", path, submission(fin, map[string]any{"purpose": "employer"}, strings.Repeat("ab", 32)), 400, "documentUrls", false},
			{"UnknownService", "/services/00000000-0000-4000-8000-000000000000/applications", submission(fin, map[string]any{"purpose": "employer"}), 404, "", false},
		}
		for _, c := range invalid {
			t.Run(c.name, func(t *testing.T) {
				f := *f
				f.t = t
				res := f.call(reg, clinic, "POST", c.path, c.body, c.breaksSpec)
				if res.status != c.status || c.field != "" && !strings.Contains(string(res.body), `"field":"`+c.field+`"`) {
					t.Errorf("%d %s", res.status, res.body)
				}
			})
		}
		if mine, _ := f.apps.ListMine(ctx, person); len(mine) != 1 {
			t.Errorf("refused submissions left %d applications", len(mine))
		}

		t.Run("OthersDocument", func(t *testing.T) {
			f := *f
			f.t = t
			var theirs struct{ URL string }
			f.upload(dimOffice, "other.pdf", append(pdf, 'x')).json(t, &theirs)
			res := f.call(reg, clinic, "POST", path, submission(fin, map[string]any{"purpose": "employer"}, theirs.URL))
			if res.status != 400 {
				t.Errorf("another's document: %d %s", res.status, res.body)
			}
			bad := f.upload(clinic, "notes.txt", []byte("plain text is not a document"))
			if bad.status != 400 || !strings.Contains(string(bad.body), `"code"`) {
				t.Errorf("text upload: %d %s", bad.status, bad.body)
			}
		})

		// Who sees it: the submitter and the deciding agency; not nosy.
		for _, c := range []struct {
			name   string
			client gateway.ClientID
			sees   bool
		}{{"Submitter", clinic, true}, {"Agency", dimOffice, true}, {"Other", nosy, false}} {
			t.Run("List"+c.name, func(t *testing.T) {
				f := *f
				f.t = t
				var list []struct{ FileID, ApplicantID, ServiceID string }
				f.call(reg, c.client, "GET", "/applications?serviceId="+serviceID+"&maxResult=50", nil).json(t, &list)
				got := slices.ContainsFunc(list, func(x struct{ FileID, ApplicantID, ServiceID string }) bool { return x.FileID == a.Number })
				if got != c.sees {
					t.Errorf("sees %v in %+v", got, list)
				}
				res := f.call(reg, c.client, "GET", "/applications/"+a.Number, nil)
				if want := map[bool]int{true: 200, false: 404}[c.sees]; res.status != want {
					t.Errorf("read: %d %s", res.status, res.body)
				}
			})
		}
		reads, err := f.gw.AllReads(ctx, gateway.ReadFilter{FIN: fin, Client: clinic.String(), Service: govstack.RegistrationService.String()})
		if err != nil || len(reads) < 2 || !strings.Contains(reads[0].Record, "Registration application") && !strings.Contains(reads[1].Record, "Registration application") {
			t.Errorf("the submitter's reads in the tracker: %+v %v", reads, err)
		}
		if reads, _ := f.gw.AllReads(ctx, gateway.ReadFilter{FIN: fin, Client: nosy.String()}); len(reads) != 0 {
			t.Errorf("a refused read is tracked: %+v", reads)
		}

		// The agency's tasks.
		var tasks []struct{ TaskID, FileID, ServiceID string }
		f.call(reg, dimOffice, "GET", "/tasks", nil).json(t, &tasks)
		if len(tasks) != 2 || !slices.ContainsFunc(tasks, func(x struct{ TaskID, FileID, ServiceID string }) bool { return x.TaskID == a.Number }) {
			t.Fatalf("tasks = %+v", tasks)
		}
		var none []any
		f.call(reg, clinic, "GET", "/tasks", nil).json(t, &none)
		if len(none) != 0 {
			t.Errorf("the clinic has tasks: %v", none)
		}
		var task struct {
			TaskID        string
			FormVariables map[string]map[string]any
		}
		f.call(reg, dimOffice, "GET", "/tasks/"+a.Number, nil).json(t, &task)
		if task.TaskID != a.Number || task.FormVariables["purpose"]["value"] != "abroad" {
			t.Errorf("task = %+v", task)
		}
		if res := f.call(reg, clinic, "GET", "/tasks/"+a.Number, nil); res.status != 404 {
			t.Errorf("the clinic reads the task: %d", res.status)
		}

		complete := func(client gateway.ClientID, d map[string]any) result {
			return f.call(reg, client, "POST", "/tasks/"+a.Number+"/complete", map[string]any{"data": map[string]any{"decision": d}})
		}
		var done struct {
			TaskID string
			Status struct{ Code string }
		}
		complete(dimOffice, map[string]any{"code": "SENDBACK", "message": "Attach the employer's letter, signed."}).json(t, &done)
		if done.Status.Code != "SENDBACK" {
			t.Fatalf("sent back: %+v", done)
		}
		if res := complete(clinic, map[string]any{"code": "APPROVED"}); res.status != 404 {
			t.Errorf("the submitter decides: %d %s", res.status, res.body)
		}
		// The submitter answers; the agency may not.
		answerBody := map[string]any{"applicantId": fin, "formData": map[string]any{"data": map[string]any{"message": map[string]any{"value": "Attached."}}},
			"documentUrls": []string{up.URL}}
		if res := f.call(reg, dimOffice, "PUT", "/applications/"+a.Number, answerBody); res.status != 403 {
			t.Errorf("the agency answers for the applicant: %d %s", res.status, res.body)
		}
		var updated appFile
		f.call(reg, clinic, "PUT", "/applications/"+a.Number, answerBody).json(t, &updated)
		if updated.Status.Code != "PENDING" || updated.Status.Title != "Resubmitted" {
			t.Errorf("answered = %+v", updated.Status)
		}
		f.call(reg, clinic, "PUT", "/applications/"+a.Number, answerBody).json(t, &updated) // a replay
		if updated.Status.Title != "Resubmitted" {
			t.Errorf("replayed answer = %+v", updated.Status)
		}
		if res := f.call(reg, clinic, "PUT", "/applications/"+a.Number, map[string]any{"applicantId": fin,
			"formData": map[string]any{"data": map[string]any{"message": map[string]any{"value": "Another."}}}}); res.status != 409 {
			t.Errorf("answer without a request: %d %s", res.status, res.body)
		}

		res := complete(dimOffice, map[string]any{"code": "REJECTED", "reason": map[string]any{"en": "No."}})
		if res.status != 400 || !strings.Contains(string(res.body), "data.decision.reason.az") {
			t.Errorf("rejection without every reason: %d %s", res.status, res.body)
		}
		if res := complete(dimOffice, map[string]any{"code": "MAYBE"}); res.status != 400 {
			t.Errorf("unknown decision: %d %s", res.status, res.body)
		}
		complete(dimOffice, map[string]any{"code": "APPROVED"}).json(t, &done)
		if done.Status.Code != "APPROVED" {
			t.Fatalf("approved: %+v", done)
		}
		complete(dimOffice, map[string]any{"code": "APPROVED"}).json(t, &done) // a replay
		if done.Status.Code != "APPROVED" {
			t.Errorf("replayed approval: %+v", done)
		}
		if res := complete(dimOffice, map[string]any{"code": "REJECTED", "reason": map[string]any{"az": "x", "en": "x", "ru": "x"}}); res.status != 409 {
			t.Errorf("rejected after approval: %d %s", res.status, res.body)
		}
		decided, steps, err := f.apps.ByNumber(ctx, a.Number)
		if err != nil || decided.Status != applications.Approved || steps[len(steps)-1].ActorID != dimOffice.String() {
			t.Fatalf("decided = %+v, %v", decided, err)
		}
		inbox, _, err := f.notify.Inbox(ctx, notify.Owner{AccountID: person.AccountID, FIN: fin}, 20)
		if err != nil || !slices.ContainsFunc(inbox, func(m notify.Sent) bool { return m.TemplateKey == "applications.approved" }) {
			t.Errorf("the person was not told of the approval: %v", err)
		}
		if res := f.call(reg, dimOffice, "GET", "/tasks/"+a.Number, nil); res.status != 404 {
			t.Errorf("a decided task is open: %d", res.status)
		}

		// Statistics count the decisions: a request for information and an
		// approval, by a system.
		var figures []struct {
			Processed, Approved, SentBack, Rejected int
			References                              struct{ StartDate, EndDate string }
		}
		f.call(stats, clinic, "GET", "/data/statistics", nil).json(t, &figures)
		if len(figures) != 1 || figures[0].Processed != 2 || figures[0].Approved != 1 || figures[0].SentBack != 1 {
			t.Errorf("statistics = %+v", figures)
		}
		f.call(stats, clinic, "GET", "/data/statistics?timeframe=day&role=api&registrationName=criminal", nil).json(t, &figures)
		if len(figures) != 1 || figures[0].Processed != 2 || figures[0].References.StartDate == "" {
			t.Errorf("daily statistics = %+v", figures)
		}
		f.call(stats, clinic, "GET", "/data/statistics?role=staff", nil).json(t, &figures)
		if len(figures) != 1 || figures[0].Processed != 0 {
			t.Errorf("staff statistics = %+v", figures)
		}
		f.call(stats, clinic, "GET", "/data/statistics?startDate=2000-01-01&endDate=2000-12-31&registrationName=passport", nil).json(t, &figures)
		if len(figures) != 1 || figures[0].Processed != 0 {
			t.Errorf("statistics of 2000 = %+v", figures)
		}
		for _, q := range []string{"timeframe=hour", "startDate=yesterday"} {
			if res := f.call(stats, clinic, "GET", "/data/statistics?"+q, nil, true); res.status != 400 {
				t.Errorf("%s: %d %s", q, res.status, res.body)
			}
		}
		if res := f.call(stats, clinic, "GET", "/data/statistics?role=boss", nil); res.status != 400 {
			t.Errorf("role=boss: %d %s", res.status, res.body)
		}
		for _, q := range []string{"firstResult=-1", "maxResult=0", "sortBy=priority"} {
			if res := f.call(reg, clinic, "GET", "/applications?"+q, nil); res.status != 400 {
				t.Errorf("%s: %d %s", q, res.status, res.body)
			}
		}
	}, migrations()...)
}
