package letters_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/letters"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

type webFixture struct {
	*fixture
	site   *web.Site
	router *web.Router
	srv    *httptest.Server
}

var principals = map[string]*web.Principal{
	aysel.Subject: {AccountID: aysel.AccountID, Subject: aysel.Subject, Name: aysel.Name, FIN: aysel.FIN,
		Roles: []string{identity.RoleCitizen}},
	other.Subject: {AccountID: other.AccountID, Subject: other.Subject, Name: other.Name, FIN: other.FIN,
		Roles: []string{identity.RoleCitizen}},
	operator.Subject: {AccountID: operator.AccountID, Subject: operator.Subject, Name: operator.Name,
		Agency: operator.Agency, Roles: []string{identity.RoleAgencyOperator}},
	stranger.Subject: {AccountID: stranger.AccountID, Subject: stranger.Subject, Name: stranger.Name,
		Agency: stranger.Agency, Roles: []string{identity.RoleAgencySupervisor}},
}

func newWeb(t *testing.T) *webFixture {
	t.Helper()
	db := storetest.SQLite(t, append(slices.Clone(migrations), web.Migrations)...)
	f := newFixture(t, db)
	site := web.NewSite(db, web.Options{Secret: []byte("web-test-secret-0123456789abcdef"),
		Logger: slog.New(slog.DiscardHandler)})
	site.Resolve = func(ctx context.Context, s *web.Session) (*web.Principal, error) { return principals[s.Subject], nil }
	rt := web.NewRouter(site)
	letters.NewHTTP(f.svc, site).Routes(rt)
	srv := httptest.NewServer(site.Handler(rt, web.NewMetrics()))
	t.Cleanup(srv.Close)
	return &webFixture{fixture: f, site: site, router: rt, srv: srv}
}

// client is a browser signed in as subject, reading language l.
type client struct {
	t    *testing.T
	w    *webFixture
	http *http.Client
	csrf string
}

func (w *webFixture) client(t *testing.T, subject string, l lang.Lang) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(w.srv.URL)
	rec := httptest.NewRecorder()
	if _, err := w.site.Sessions.Start(context.Background(), rec, httptest.NewRequest("POST", "/", nil), subject, nil); err != nil {
		t.Fatal(err)
	}
	jar.SetCookies(u, append(rec.Result().Cookies(), &http.Cookie{Name: "lang", Value: string(l), Path: "/"}))
	c := &client{t: t, w: w, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	return c
}

var csrfPattern = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (c *client) get(path string) (int, string, http.Header) {
	c.t.Helper()
	resp, err := c.http.Get(c.w.srv.URL + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfPattern.FindSubmatch(body); m != nil {
		c.csrf = string(m[1])
	}
	return resp.StatusCode, string(body), resp.Header
}

// post sends a multipart form (files maps a field to file name → content)
// with the CSRF token of an earlier page.
func (c *client) post(path string, fields url.Values, files map[string]map[string]string) (int, string, http.Header) {
	c.t.Helper()
	if c.csrf == "" {
		c.t.Fatal("no CSRF token yet: get a page first")
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf_token", c.csrf)
	for k, vals := range fields {
		for _, v := range vals {
			mw.WriteField(k, v)
		}
	}
	for field, list := range files {
		for name, content := range list {
			fw, _ := mw.CreateFormFile(field, name)
			fw.Write([]byte(content))
		}
	}
	mw.Close()
	resp, err := c.http.Post(c.w.srv.URL+path, mw.FormDataContentType(), &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

var rawKey = regexp.MustCompile(`\b(letters|files|form|error)\.[a-z_]+\.[a-z_.]+`)

// page checks what every page must be: one h1 and every message
// translated.
func page(t *testing.T, what, body string) {
	t.Helper()
	if n := strings.Count(body, "<h1"); n != 1 {
		t.Errorf("%s: %d h1 elements, want 1", what, n)
	}
	if m := rawKey.FindString(body); m != "" {
		t.Errorf("%s: untranslated message %s", what, m)
	}
}

func want(t *testing.T, what string, status, wantStatus int, body string, parts ...string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("%s: status %d, want %d\n%s", what, status, wantStatus, body)
	}
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("%s: %q missing", what, p)
		}
	}
}

const testPDF = "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"

func TestRoutes(t *testing.T) {
	w := newWeb(t)
	cabinet := "roles:" + identity.RoleCitizen + "," + identity.RoleForeigner
	office := "roles:" + identity.RoleAgencyOperator + "," + identity.RoleAgencySupervisor
	wantRoutes := map[string]string{
		"GET /cabinet/letters":                       cabinet,
		"GET /cabinet/letters/new":                   cabinet,
		"POST /cabinet/letters":                      cabinet,
		"GET /cabinet/letters/{number}":              cabinet,
		"GET /cabinet/letters/{number}/files/{file}": cabinet,
		"GET /office/letters":                        office,
		"GET /office/letters/new":                    office,
		"POST /office/letters":                       office,
		"GET /office/letters/{number}":               office,
		"POST /office/letters/{number}/answer":       office,
		"POST /office/letters/{number}/extend":       office,
		"GET /office/letters/{number}/files/{file}":  office,
	}
	got := w.router.Routes()
	if len(got) != len(wantRoutes) {
		t.Errorf("%d routes, want %d", len(got), len(wantRoutes))
	}
	for _, r := range got {
		if wantRoutes[r.Pattern] != r.Access.Name {
			t.Errorf("%s: access %s, want %q", r.Pattern, r.Access.Name, wantRoutes[r.Pattern])
		}
	}
}

func TestCabinetAndOffice(t *testing.T) {
	w := newWeb(t)
	person := w.client(t, aysel.Subject, lang.EN)

	status, body, _ := person.get("/cabinet/letters/new?agency=tax")
	want(t, "new letter", status, 200, body, `<label for="agency">`, `<label for="subject">`, `<label for="text">`,
		`<label for="files">`, `<option value="internal-affairs"`, `<option value="tax" selected>`, `enctype="multipart/form-data"`)
	page(t, "new letter", body)

	// A failed post keeps everything typed, and says why beside the field.
	status, body, _ = person.post("/cabinet/letters", url.Values{"agency": {"internal-affairs"}, "subject": {" "},
		"text": {"Typed <text>\nkept"}}, map[string]map[string]string{"files": {"photo.pdf": testPDF}})
	want(t, "invalid letter", status, 422, body, "Typed &lt;text&gt;\nkept", `<option value="internal-affairs" selected>`,
		`class="error-summary"`, `href="#subject"`, "Enter the subject of the letter.", `id="subject-error"`,
		"choose them again")
	page(t, "invalid letter", body)

	status, body, hdr := person.post("/cabinet/letters", url.Values{"agency": {"internal-affairs"},
		"subject": {"Noise at night"}, "text": {"The club next door plays music until 4 a.m."}},
		map[string]map[string]string{"files": {"photo.pdf": testPDF}})
	want(t, "letter sent", status, http.StatusSeeOther, body)
	loc := hdr.Get("Location")
	number := strings.TrimSuffix(strings.TrimPrefix(loc, "/cabinet/letters/"), "?sent=1")
	if _, err := w.svc.Mine(context.Background(), aysel, number); err != nil || !strings.HasSuffix(loc, "?sent=1") {
		t.Fatalf("redirected to %q: %v", loc, err)
	}
	l, _ := w.svc.Mine(context.Background(), aysel, number)
	status, body, _ = person.get(loc)
	want(t, "letter page", status, 200, body, "Your letter has been sent", l.Ref(), "Noise at night",
		"Signed with your session of", "Signature valid", "photo.pdf", "Ministry of Internal Affairs",
		"/cabinet/letters/"+number+"/files/"+l.Attachments[0].FileID, "17.04.2026")
	page(t, "letter page", body)

	status, body, _ = person.get("/cabinet/letters")
	want(t, "sent folder", status, 200, body, l.Ref(), "<caption", `scope="col"`, "1 letter sent", "Sent")
	page(t, "sent folder", body)
	status, body, _ = person.get("/cabinet/letters?folder=received")
	want(t, "received folder", status, 200, body, "No state body has written to you yet.")
	page(t, "received folder", body)

	status, body, hdr = person.get("/cabinet/letters/" + number + "/files/" + l.Attachments[0].FileID)
	want(t, "download", status, 200, body, "%PDF-1.4")
	if !strings.HasPrefix(hdr.Get("Content-Disposition"), "attachment") || hdr.Get("Content-Type") != "application/pdf" {
		t.Errorf("download headers %v", hdr)
	}

	nosy := w.client(t, other.Subject, lang.EN)
	status, _, _ = nosy.get("/cabinet/letters/" + number)
	want(t, "another person's letter", status, 404, "")
	status, _, _ = nosy.get("/cabinet/letters/" + number + "/files/" + l.Attachments[0].FileID)
	want(t, "another person's file", status, 404, "")
	status, _, _ = person.get("/office/letters")
	want(t, "a person in the office", status, 403, "")

	official := w.client(t, operator.Subject, lang.EN)
	status, body, _ = official.get("/office/letters")
	want(t, "office inbox", status, 200, body, l.Ref(), "Aysel Məmmədova", "Noise at night", "<caption",
		"1 letter", `<label for="show">`)
	page(t, "office inbox", body)
	status, _, _ = official.get("/cabinet/letters")
	want(t, "an official in the cabinet", status, 403, "")
	status, body, _ = official.get("/office/letters/" + number)
	want(t, "office letter", status, 200, body, "Signature valid", "Answer the letter", "Extend the deadline",
		"08.05.2026", "person:5ZQX7KA", `<label for="answer">`, `<label for="reason">`)
	page(t, "office letter", body)
	if n := audited(t, w.db, "letter.read", number); n != 1 {
		t.Errorf("%d reads logged, want 1", n)
	}

	rival := w.client(t, stranger.Subject, lang.EN)
	status, _, _ = rival.get("/office/letters/" + number)
	want(t, "another agency's letter", status, 404, "")
	rival.get("/office/letters/new")
	status, _, _ = rival.post("/office/letters/"+number+"/answer", url.Values{"answer": {"Mine now."}}, nil)
	want(t, "another agency answers", status, 404, "")
	status, _, _ = rival.post("/office/letters/"+number+"/extend", url.Values{"reason": {"Because."}}, nil)
	want(t, "another agency extends", status, 404, "")

	status, body, _ = official.post("/office/letters/"+number+"/extend", url.Values{"reason": {" "},
		"answer": {"A draft answer"}}, nil)
	want(t, "extension without a reason", status, 422, body, "Enter the reason for the extension.", `href="#reason"`,
		"A draft answer")
	page(t, "extension without a reason", body)
	status, _, _ = official.post("/office/letters/"+number+"/extend", url.Values{"reason": {"We asked the municipality."}}, nil)
	want(t, "extension", status, http.StatusSeeOther, "")
	status, body, _ = official.post("/office/letters/"+number+"/extend", url.Values{"reason": {"Again."}}, nil)
	want(t, "second extension", status, 409, body, "The deadline has already been extended once.")
	status, _, _ = official.post("/office/letters/"+number+"/answer", url.Values{"answer": {"The club must close at midnight."}},
		map[string]map[string]string{"answer_files": {"inspection.pdf": testPDF + "%answer\n"}})
	want(t, "answer", status, http.StatusSeeOther, "")

	status, body, _ = person.get("/cabinet/letters/" + number)
	want(t, "answered letter", status, 200, body, "Answered", "Deadline extended", "We asked the municipality.",
		"The club must close at midnight.", "inspection.pdf", "08.05.2026")
	page(t, "answered letter", body)

	// The agency writes to a person.
	status, body, _ = official.get("/office/letters/new")
	want(t, "office new", status, 200, body, `<label for="fin">`)
	page(t, "office new", body)
	status, body, _ = official.post("/office/letters", url.Values{"fin": {"12"}, "subject": {"Your passport"},
		"text": {"It is ready."}}, nil)
	want(t, "a letter to a bad FIN", status, 422, body, "A FIN is 7 letters and digits.", `value="Your passport"`, "It is ready.")
	page(t, "a letter to a bad FIN", body)
	status, _, hdr = official.post("/office/letters", url.Values{"fin": {"5zqx7ka"}, "subject": {"Your passport"},
		"text": {"It is ready."}}, nil)
	want(t, "a letter to a person", status, http.StatusSeeOther, "")
	if !strings.HasPrefix(hdr.Get("Location"), "/office/letters/") {
		t.Fatalf("redirected to %q", hdr.Get("Location"))
	}
	status, body, _ = person.get("/cabinet/letters?folder=received")
	want(t, "received folder", status, 200, body, "Your passport", "1 letter received")
	status, body, _ = official.get("/office/letters?show=written")
	want(t, "letters written", status, 200, body, "Your passport")

	// Every page reads in Azerbaijani and Russian too.
	for _, l := range []lang.Lang{lang.AZ, lang.RU} {
		p := w.client(t, aysel.Subject, l)
		o := w.client(t, operator.Subject, l)
		for _, path := range []string{"/cabinet/letters", "/cabinet/letters?folder=received", "/cabinet/letters/new",
			"/cabinet/letters/" + number} {
			status, body, _ := p.get(path)
			want(t, string(l)+" "+path, status, 200, body, `lang="`+string(l)+`"`)
			page(t, string(l)+" "+path, body)
		}
		for _, path := range []string{"/office/letters", "/office/letters?show=all", "/office/letters/new", "/office/letters/" + number} {
			status, body, _ := o.get(path)
			want(t, string(l)+" "+path, status, 200, body)
			page(t, string(l)+" "+path, body)
		}
		status, body, _ := p.post("/cabinet/letters", url.Values{"text": {"x"}}, nil)
		want(t, string(l)+" invalid letter", status, 422, body)
		page(t, string(l)+" invalid letter", body)
	}
}
