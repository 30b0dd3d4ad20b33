package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/egov/egov/internal/app"
	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/browsertest"
	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/gateway"
	"github.com/egov/egov/internal/lang"
)

// staffSignedIn is a cookie-keeping client signed in as a demo official.
func staffSignedIn(t *testing.T, srv *httptest.Server, login string) *browserClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browserClient{t: t, srv: srv, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	b.get("/auth/demo")
	if code, _ := b.post("/auth/demo", url.Values{"login": {login}, "password": {"demo"}}); code != http.StatusSeeOther {
		t.Fatalf("demo sign-in as %s: %d", login, code)
	}
	return b
}

// ayselApplying is the demo citizen Aysel as an applicant.
func ayselApplying(t *testing.T, a *app.App) applications.Actor {
	t.Helper()
	acct, err := a.Identity.PersonAccount(context.Background(), "5ZQX7KA")
	if err != nil {
		t.Fatal(err)
	}
	return applications.Actor{Kind: applications.ActorApplicant, AccountID: acct.ID, ID: "5ZQX7KA", FIN: "5ZQX7KA", Name: acct.DisplayName, Lang: lang.AZ}
}

// submitApplication has Aysel apply for a criminal record certificate
// through the service layer and returns its number.
func submitApplication(t *testing.T, a *app.App) string {
	t.Helper()
	ctx := context.Background()
	aysel := ayselApplying(t, a)
	draft, err := a.Applications.Start(ctx, aysel, "criminal-record-certificate")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Applications.SaveAnswers(ctx, aysel, draft.Number, []string{"purpose"}, forms.Answers{"purpose": {"employer"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Applications.Submit(ctx, aysel, draft.Number); err != nil {
		t.Fatal(err)
	}
	return draft.Number
}

// An official of one agency can neither read nor change another agency's
// application, by page or by API, with a session or with an API key; the
// deciding agency can. This is the object-level row of the authorization
// matrix.
func TestOfficeSeesOnlyItsAgency(t *testing.T) {
	a, srv := newServer(t)
	number := submitApplication(t, a)

	own := staffSignedIn(t, srv, "dim.operator")
	other := staffSignedIn(t, srv, "migration.operator")
	for _, path := range []string{"/office/applications/" + number, "/api/v1/applications/" + number} {
		if code, _ := own.get(path); code != http.StatusOK {
			t.Errorf("dim.operator GET %s: %d, want 200", path, code)
		}
		if code, body := other.get(path); code != http.StatusNotFound || strings.Contains(body, "5ZQX7KA") {
			t.Errorf("migration.operator GET %s: %d, want 404 without the applicant", path, code)
		}
	}
	if _, body := other.get("/api/v1/applications"); strings.Contains(body, number) {
		t.Error("another agency's list shows the application")
	}
	other.get("/office")
	for _, post := range []string{"/office/applications/" + number + "/assign", "/office/applications/" + number + "/request-info",
		"/office/applications/" + number + "/decide"} {
		if code, _ := other.post(post, url.Values{"message": {"x"}, "decision": {"approve"}}); code != http.StatusNotFound {
			t.Errorf("migration.operator POST %s: %d, want 404", post, code)
		}
	}
	// An agency system's API key sees its own agency only.
	ctx := context.Background()
	migrationKey, err := a.Applications.CreateKey(ctx, applications.Actor{Kind: applications.ActorStaff, ID: "test", Agency: "migration"}, "visa system", false)
	if err != nil {
		t.Fatal(err)
	}
	dimKey, err := a.Applications.CreateKey(ctx, applications.Actor{Kind: applications.ActorStaff, ID: "test", Agency: "internal-affairs"}, "case system", false)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := apiCall(t, srv, migrationKey, "POST", "/api/v1/applications/"+number+"/decision", `{"decision":"approve"}`); code != http.StatusNotFound {
		t.Errorf("another agency's key decided: %d", code)
	}
	if code, body := apiCall(t, srv, dimKey, "POST", "/api/v1/applications/"+number+"/status", `{"status":"in_review"}`); code != http.StatusOK {
		t.Errorf("own key took it into review: %d %s", code, body)
	}
	if code, body := apiCall(t, srv, dimKey, "POST", "/api/v1/applications/"+number+"/decision", `{"decision":"reject"}`); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "application/problem+json") && !strings.Contains(body, "reason_en") {
		t.Errorf("a refusal without reasons: %d %s", code, body)
	}
	testKey, err := a.Applications.CreateKey(ctx, applications.Actor{Kind: applications.ActorStaff, ID: "test", Agency: "internal-affairs"}, "sandbox", true)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := apiCall(t, srv, testKey, "GET", "/api/v1/applications", ""); code != http.StatusForbidden {
		t.Errorf("a test key read applications: %d, want 403", code)
	}
	if code, _ := apiCall(t, srv, "egk_not-a-key", "GET", "/api/v1/applications", ""); code != http.StatusUnauthorized {
		t.Errorf("an unknown key: %d, want 401", code)
	}
}

// apiCall calls the API with a bearer key and answers the status and body
// (with the content type first, for checking problem+json).
func apiCall(t *testing.T, srv *httptest.Server, key, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type") + "\n" + string(b)
}

// An agency's system works an application end to end through the API:
// list, fetch, take into review, attach the decision's file, decide.
func TestApplicationsAPI(t *testing.T) {
	a, srv := newServer(t)
	number := submitApplication(t, a)
	key, err := a.Applications.CreateKey(context.Background(), applications.Actor{Kind: applications.ActorStaff, ID: "dim.supervisor", Agency: "internal-affairs"}, "case system", false)
	if err != nil {
		t.Fatal(err)
	}
	code, body := apiCall(t, srv, key, "GET", "/api/v1/applications?status=submitted", "")
	if code != http.StatusOK || !strings.Contains(body, number) {
		t.Fatalf("list: %d %s", code, body)
	}
	code, body = apiCall(t, srv, key, "GET", "/api/v1/applications/"+applications.FormatNumber(number), "")
	if code != http.StatusOK {
		t.Fatalf("get: %d %s", code, body)
	}
	var got struct {
		Status  string              `json:"status"`
		Answers map[string][]string `json:"answers"`
		DueAt   string              `json:"due_at"`
	}
	if err := json.Unmarshal([]byte(body[strings.Index(body, "\n")+1:]), &got); err != nil {
		t.Fatal(err)
	}
	if got.Status != "submitted" || got.Answers["purpose"][0] != "employer" || got.Answers["full_name"] == nil || got.DueAt == "" {
		t.Fatalf("application as the API shows it: %+v", got)
	}
	// Reading it through the API is a read of the person's data, in
	// their tracker, naming the agency's system.
	reads, err := a.Gateway.Reads(context.Background(), "5ZQX7KA", gateway.Page{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range reads {
		if strings.Contains(r.Purpose, applications.FormatNumber(number)) && r.UserID == "internal-affairs/case system" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no tracker entry for the API read among %d reads", len(reads))
	}
	if code, body := apiCall(t, srv, key, "POST", "/api/v1/applications/"+number+"/status", `{"status":"approved"}`); code != http.StatusUnprocessableEntity {
		t.Fatalf("status approved through /status: %d %s", code, body)
	}
	if code, body := apiCall(t, srv, key, "POST", "/api/v1/applications/"+number+"/status", `{"status":"in_review"}`); code != http.StatusOK {
		t.Fatalf("review: %d %s", code, body)
	}
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	part, _ := w.CreateFormFile("file", "certificate.pdf")
	part.Write([]byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"))
	w.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/applications/"+number+"/attachments", &mp)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("attach: %d", resp.StatusCode)
	}
	code, body = apiCall(t, srv, key, "POST", "/api/v1/applications/"+number+"/decision",
		`{"decision":"approve","reason":{"az":"Məhkumluq yoxdur.","en":"No criminal record.","ru":"Судимости нет."}}`)
	// Approved, and the certificate issued at once as a signed document.
	if code != http.StatusOK || !strings.Contains(body, `"issued"`) {
		t.Fatalf("decide: %d %s", code, body)
	}
	if code, _ := apiCall(t, srv, key, "POST", "/api/v1/applications/"+number+"/decision", `{"decision":"reject","reason":{"az":"x","en":"x","ru":"x"}}`); code != http.StatusConflict {
		t.Fatalf("deciding twice: %d, want 409", code)
	}
	if code, body := apiCall(t, srv, key, "POST", "/api/v1/applications/"+number+"/status", `{"status":`); code != http.StatusUnprocessableEntity ||
		!strings.HasPrefix(body, "application/problem+json") {
		t.Fatalf("broken JSON: %d %s", code, body)
	}
}

// The walk-through, in a real browser and in all three languages:
// Aysel applies for a criminal record certificate with a prefilled form,
// attaches a file and submits; the operator asks for more information; she
// answers; the operator approves; she sees every step. Every page passes
// axe-core.
func TestBrowserApplyToDecision(t *testing.T) {
	ctx := browsertest.Chromium(t)
	_, srv := startBrowserApp(t)
	letter := filepath.Join(t.TempDir(), "employer-letter.pdf")
	if err := os.WriteFile(letter, []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	numberText := regexp.MustCompile(`[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}`)

	for _, l := range browserLangs {
		t.Run(l, func(t *testing.T) {
			w := &walk{t: t, ctx: ctx, lang: l}
			accessible, click, text, fill := w.accessible, w.click, w.text, w.fill
			signInWithDemoForm(t, ctx, srv, "5ZQX7KA")
			accessible("service page", 200, browsertest.Open(t, ctx, srv.URL+"/services/criminal-record-certificate?lang="+l))
			accessible("start page", 200, click(`a[href="/services/criminal-record-certificate/apply"]`))
			got := click(`form[action$="/apply"] button[type="submit"]`)
			accessible("first question", 200, got)
			w.shot("apply-first-question")
			// What the population registry knows is shown, not asked.
			if known := text(".notice"); !strings.Contains(known, "1990") && !strings.Contains(known, "Məmmədova") {
				t.Errorf("the registry's values are not shown: %q", known)
			}
			got = click(`main form[method="post"] button[type="submit"]`)
			accessible("question answered wrongly", http.StatusUnprocessableEntity, got)
			w.shot("apply-error")
			if browsertest.Count(t, ctx, ".error-summary a[href='#purpose']") != 1 {
				t.Error("no error summary linking to the question")
			}
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("purpose"))); err != nil {
				t.Fatal(err)
			}
			accessible("file question", 200, click(`main form[method="post"] button[type="submit"]`))
			if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("supporting_document"), []string{letter})); err != nil {
				t.Fatal(err)
			}
			got = click(`main form[method="post"] button[type="submit"]`)
			accessible("check your answers", 200, got)
			w.shot("apply-check")
			if !strings.Contains(text("main"), "employer-letter.pdf") {
				t.Error("the attached file is not on the check page")
			}
			accessible("submitted", 200, click(`form[action$="/submit"] button`))
			number, ok := applications.ParseNumber(numberText.FindString(text(".number")))
			if !ok {
				t.Fatalf("no application number on the confirmation: %q", text(".number"))
			}

			signInWithDemoForm(t, ctx, srv, "dim.operator")
			accessible("office queue", 200, browsertest.Open(t, ctx, srv.URL+"/office?lang="+l))
			accessible("office application", 200, click(`a[href="/office/applications/`+number+`"]`))
			w.shot("office-application")
			fill("#message", "Please send the employer's full address.")
			accessible("info requested", 200, click(`form[action$="/request-info"] button`))

			signInWithDemoForm(t, ctx, srv, "5ZQX7KA")
			accessible("my application", 200, browsertest.Open(t, ctx, srv.URL+"/cabinet/applications/"+number+"?lang="+l))
			fill("#message", "Bakı, Nizami küçəsi 10.")
			accessible("answered", 200, click(`form[action$="/respond"] button`))

			signInWithDemoForm(t, ctx, srv, "dim.operator")
			accessible("office application again", 200, browsertest.Open(t, ctx, srv.URL+"/office/applications/"+number+"?lang="+l))
			accessible("approved", 200, click(`form[action$="/decide"] button[value="approve"]`))

			signInWithDemoForm(t, ctx, srv, "5ZQX7KA")
			accessible("my applications", 200, browsertest.Open(t, ctx, srv.URL+"/cabinet/applications?lang="+l))
			accessible("the decision", 200, click(`a[href="/cabinet/applications/`+number+`"]`))
			w.shot("application-decided")
			if n := browsertest.Count(t, ctx, "ol.timeline > li"); n != 5 {
				t.Errorf("%d steps in the timeline, want 5 (sent, information requested, answered, approved, issued)", n)
			}
			// The certificate is hers, signed; anyone can verify it.
			w.accessible("the certificate", 200, click(`a[href^="/cabinet/documents/"]`))
			w.shot("certificate")
			u, _ := url.Parse(browsertest.Current(t, ctx).URL)
			doc := strings.TrimPrefix(u.Path, "/cabinet/documents/")
			signInWithDemoForm(t, ctx, srv, "")
			w.accessible("verified by anyone", 200, browsertest.Open(t, ctx, srv.URL+"/verify/"+doc+"?lang="+l))
		})
	}
}

// walk is a person going through pages in the browser in one language,
// checking each page as they go.
type walk struct {
	t    *testing.T
	ctx  context.Context
	lang string
}

// accessible checks the current page: the status (0: any), the language,
// one h1 and no axe-core violation.
func (w *walk) accessible(what string, wantStatus int, got browsertest.Page) {
	w.t.Helper()
	if wantStatus != 0 && got.Status != wantStatus {
		w.t.Fatalf("%s: status %d at %s, want %d", what, got.Status, got.URL, wantStatus)
	}
	if got.Lang != w.lang {
		w.t.Errorf("%s: lang %q, want %q", what, got.Lang, w.lang)
	}
	if got.H1 != 1 {
		w.t.Errorf("%s: %d h1 elements", what, got.H1)
	}
	if vs := browsertest.Axe(w.t, w.ctx); len(vs) > 0 {
		w.t.Errorf("%s: %d axe-core violations:%s", what, len(vs), browsertest.Format(vs))
	}
}

// shot keeps a screenshot of the current page under EGOV_TEST_SHOTS, if
// set, named after the page and the language.
func (w *walk) shot(name string) {
	if dir := os.Getenv("EGOV_TEST_SHOTS"); dir != "" {
		browsertest.Screenshot(w.t, w.ctx, filepath.Join(dir, name+"-"+w.lang+".png"))
	}
}

func (w *walk) click(selector string) browsertest.Page {
	w.t.Helper()
	return browsertest.Follow(w.t, w.ctx, chromedp.Click(chromedp.CSS(selector)))
}

func (w *walk) text(selector string) string {
	w.t.Helper()
	cctx, cancel := context.WithTimeout(w.ctx, browsertest.Timeout)
	defer cancel()
	s, err := chromedp.Run(cctx, chromedp.TextContent(chromedp.CSS(selector)))
	if err != nil {
		w.t.Fatalf("text of %s: %v", selector, err)
	}
	return s
}

func (w *walk) fill(selector, value string) {
	w.t.Helper()
	cctx, cancel := context.WithTimeout(w.ctx, browsertest.Timeout)
	defer cancel()
	if err := chromedp.Do(cctx, chromedp.SendKeys(chromedp.CSS(selector), value)); err != nil {
		w.t.Fatalf("fill %s: %v", selector, err)
	}
}

// A person writes to a state body with a file attached; the body's
// official extends the deadline, then answers; the person reads the
// answer. In the browser, in every language, every page checked.
func TestBrowserOfficialLetter(t *testing.T) {
	ctx := browsertest.Chromium(t)
	_, srv := startBrowserApp(t)
	scan := filepath.Join(t.TempDir(), "scan.png")
	// The eight bytes that begin every PNG, and enough after them.
	if err := os.WriteFile(scan, append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, l := range browserLangs {
		t.Run(l, func(t *testing.T) {
			w := &walk{t: t, ctx: ctx, lang: l}
			signInWithDemoForm(t, ctx, srv, "5ZQX7KA")
			w.accessible("my letters", 200, browsertest.Open(t, ctx, srv.URL+"/cabinet/letters?lang="+l))
			w.accessible("new letter", 200, browsertest.Open(t, ctx, srv.URL+"/cabinet/letters/new?lang="+l))
			w.fill("#subject", "Küçə işıqlandırması")
			w.accessible("letter without text", http.StatusUnprocessableEntity, w.click(`form[action="/cabinet/letters"] button[type="submit"]`))
			if kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("subject"))); err != nil || kept != "Küçə işıqlandırması" {
				t.Errorf("the subject typed was lost: %q, %v", kept, err)
			}
			if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("agency"), "internal-affairs"),
				chromedp.SetUploadFiles(chromedp.ID("files"), []string{scan})); err != nil {
				t.Fatal(err)
			}
			w.fill("#text", "Nizami küçəsində işıqlar yanmır.")
			got := w.click(`form[action="/cabinet/letters"] button[type="submit"]`)
			w.accessible("letter sent", 200, got)
			u, _ := url.Parse(got.URL)
			number := strings.TrimPrefix(u.Path, "/cabinet/letters/")

			signInWithDemoForm(t, ctx, srv, "dim.operator")
			w.accessible("office letters", 200, browsertest.Open(t, ctx, srv.URL+"/office/letters?lang="+l))
			w.accessible("office letter", 200, w.click(`a[href="/office/letters/`+number+`"]`))
			w.fill("#reason", "Yerində yoxlama lazımdır.")
			w.accessible("extended", 200, w.click(`form[action$="/extend"] button`))
			w.fill("#answer", "İşıqlar bərpa olundu.")
			w.accessible("answered", 200, w.click(`form[action$="/answer"] button`))

			signInWithDemoForm(t, ctx, srv, "5ZQX7KA")
			w.accessible("the answer", 200, browsertest.Open(t, ctx, srv.URL+"/cabinet/letters/"+number+"?lang="+l))
			if !strings.Contains(w.text("main"), "İşıqlar bərpa olundu.") {
				t.Error("the answer is not on the letter's page")
			}
		})
	}
}

// An agency's system sends a message through /api/v1/notifications with
// its API key: the person finds it in the inbox, the status is readable,
// the same Idempotency-Key sends once; a test key's message reaches no
// one.
func TestNotificationsAPI(t *testing.T) {
	a, srv := newServer(t)
	ctx := context.Background()
	dim := applications.Actor{Kind: applications.ActorStaff, ID: "dim.supervisor", Agency: "internal-affairs"}
	live, err := a.Applications.CreateKey(ctx, dim, "notices", false)
	if err != nil {
		t.Fatal(err)
	}
	test, err := a.Applications.CreateKey(ctx, dim, "notices sandbox", true)
	if err != nil {
		t.Fatal(err)
	}
	send := func(key, idem, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/notifications", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", idem)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	msg := `{"template":"applications.submitted","to":{"fin":"5ZQX7KA"},"values":{"number":"ABC-DEF-GHJ","service":"Test"},"reference":"case-1"}`
	code, body := send(live, "idem-1", msg)
	if code != http.StatusCreated {
		t.Fatalf("send: %d %s", code, body)
	}
	var sent struct {
		ID   int64 `json:"id"`
		Test bool  `json:"test"`
	}
	json.Unmarshal([]byte(body), &sent)
	if code, again := send(live, "idem-1", msg); code != http.StatusOK || !strings.Contains(again, `"id":`+fmt.Sprint(sent.ID)) {
		t.Fatalf("the same Idempotency-Key again: %d %s", code, again)
	}
	if code, _ := send(live, "idem-1", strings.Replace(msg, "case-1", "case-2", 1)); code != http.StatusConflict {
		t.Fatalf("the same key with another message: %d", code)
	}
	if code, body := apiCall(t, srv, live, "GET", fmt.Sprintf("/api/v1/notifications/%d", sent.ID), ""); code != http.StatusOK || !strings.Contains(body, `"reference":"case-1"`) {
		t.Fatalf("status: %d %s", code, body)
	}
	code, body = send(test, "idem-2", strings.Replace(msg, "ABC-DEF-GHJ", "TST-TST-TST", 1))
	if code != http.StatusCreated || !strings.Contains(body, `"test":true`) {
		t.Fatalf("test key: %d %s", code, body)
	}
	aysel := signedIn(t, srv, "5ZQX7KA")
	_, inbox := aysel.get("/cabinet/messages?lang=en")
	if !strings.Contains(inbox, "ABC-DEF-GHJ") {
		t.Error("the live message is not in the inbox")
	}
	if strings.Contains(inbox, "TST-TST-TST") {
		t.Error("a test key's message reached the person")
	}
	// A person's session cannot use the API.
	if code, _ := aysel.get("/api/v1/notifications"); code != http.StatusForbidden {
		t.Errorf("a person listed notifications: %d", code)
	}
}

// Paying in the browser through the sandbox card acquirer, over real HTTP
// to egov's own address: 7MJD3TE pays her fine and finds the receipt in
// her cabinet; 2HPL4RM pays an identity card's fee together with his
// fine, and the application goes on to the agency.
func TestBrowserPayments(t *testing.T) {
	ctx := browsertest.Chromium(t)
	a, srv := startBrowserApp(t)
	w := &walk{t: t, ctx: ctx, lang: "az"}
	pay := func(who string) browsertest.Page {
		t.Helper()
		signInWithDemoForm(t, ctx, srv, who)
		w.accessible("my payments", 200, browsertest.Open(t, ctx, srv.URL+"/cabinet/payments?lang=az"))
		got := w.click(`form[action="/payments/pay"] button[type="submit"]`)
		if !strings.Contains(got.URL, "/sandbox-acquirer/pay/") {
			t.Fatalf("not at the acquirer's card page: %s (%d)", got.URL, got.Status)
		}
		w.fill("#card", "4242424242424242")
		got = w.click(`form:has(#card) button`)
		if !strings.Contains(got.URL, "/payments/return?payment=") || got.Status != 200 {
			t.Fatalf("not back at egov: %s (%d)", got.URL, got.Status)
		}
		w.accessible("paid", 200, got)
		return got
	}

	pay("7MJD3TE")
	w.accessible("my payments after paying", 200, browsertest.Open(t, ctx, srv.URL+"/cabinet/payments?lang=az"))
	w.accessible("receipt", 200, w.click(`a[href^="/cabinet/payments/receipts/"]`))
	if text := w.text("main"); !strings.Contains(text, "AZN") {
		t.Errorf("the receipt shows no amount: %s", text)
	}

	// An application with a fee waits for it, then goes on.
	ctxb := context.Background()
	acct, err := a.Identity.PersonAccount(ctxb, "2HPL4RM")
	if err != nil {
		t.Fatal(err)
	}
	rashad := applications.Actor{Kind: applications.ActorApplicant, AccountID: acct.ID, ID: "2HPL4RM", FIN: "2HPL4RM", Name: acct.DisplayName, Lang: lang.AZ}
	draft, err := a.Applications.Start(ctxb, rashad, "identity-card")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Applications.SaveAnswers(ctxb, rashad, draft.Number, []string{"reason", "centre", "phone"},
		forms.Answers{"reason": {"expired"}, "centre": {"baku-1"}, "phone": {"050 123 45 67"}}); err != nil {
		t.Fatal(err)
	}
	submitted, err := a.Applications.Submit(ctxb, rashad, draft.Number)
	if err != nil {
		t.Fatal(err)
	}
	if submitted.Status != applications.AwaitingPayment {
		t.Fatalf("an identity card application with a fee is %s", submitted.Status)
	}
	pay("2HPL4RM")
	if _, err := a.Events.DispatchOnce(ctxb); err != nil {
		t.Fatal(err)
	}
	after, steps, err := a.Applications.Mine(ctxb, rashad, draft.Number)
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != applications.Submitted || after.DueAt == nil || steps[len(steps)-1].Action != "paid" {
		t.Fatalf("after paying: %s, due %v, steps %+v", after.Status, after.DueAt, steps)
	}
}

// The demo's inboxes hold real messages about the demo's fines, in the
// people's language (Azerbaijani until they choose another).
func TestDemoInboxesTellOfFines(t *testing.T) {
	_, srv := newServer(t)
	for _, fin := range []string{"7MJD3TE", "2HPL4RM"} {
		b := signedIn(t, srv, fin)
		if _, page := b.get("/cabinet/messages"); !strings.Contains(page, "Ödənilməmiş cərimə") {
			t.Errorf("%s's inbox tells of no fine", fin)
		}
	}
}

// An agency writes its own template in the back office — refused until
// every language is written, then saved, versioned and previewed — and
// its system sends with it; another agency cannot see it.
func TestAgencyTemplates(t *testing.T) {
	a, srv := newServer(t)
	dim := staffSignedIn(t, srv, "dim.operator")
	dim.get("/office/templates/new")
	form := url.Values{"key": {"internal_affairs.reminder"},
		"subject_az": {"Xatırlatma: {{what}}"}, "subject_en": {"Reminder: {{what}}"},
		"body_az": {"{{what}} {{when}} tarixində."}, "body_en": {"{{what}} on {{when}}."}}
	code, page := dim.post("/office/templates", form)
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, `id="subject_ru-error"`) || !strings.Contains(page, "Reminder: {{what}}") {
		t.Fatalf("without Russian: %d (error shown: %v)", code, strings.Contains(page, `id="subject_ru-error"`))
	}
	form.Set("subject_ru", "Напоминание: {{what}}")
	form.Set("body_ru", "{{what}} {{when}}.")
	if code, _ := dim.post("/office/templates", form); code != http.StatusSeeOther {
		t.Fatalf("save: %d", code)
	}
	form.Set("body_en", "Remember: {{what}} on {{when}}.")
	if code, _ := dim.post("/office/templates", form); code != http.StatusSeeOther {
		t.Fatalf("second version: %d", code)
	}
	code, page = dim.get("/office/templates/internal_affairs.reminder?v.what=Passport&v.when=01.12.2026&lang=en")
	if code != 200 || !strings.Contains(page, "Remember: Passport on 01.12.2026.") || !strings.Contains(page, "version 2") {
		t.Fatalf("preview: %d", code)
	}
	other := staffSignedIn(t, srv, "migration.operator")
	if code, _ := other.get("/office/templates/internal_affairs.reminder"); code != http.StatusNotFound {
		t.Errorf("another agency saw the template: %d", code)
	}
	key, err := a.Applications.CreateKey(context.Background(), applications.Actor{Kind: applications.ActorStaff, ID: "dim.supervisor", Agency: "internal-affairs"}, "reminders", false)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/notifications", strings.NewReader(
		`{"template":"internal_affairs.reminder","to":{"fin":"3KCR8WN"},"values":{"what":"Passport","when":"01.12.2026"}}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Idempotency-Key", "reminder-1")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("send with the agency's template: %d", resp.StatusCode)
	}
}

// At a service centre's desk, serving a walk-in opens the service's real
// application for him: a draft in his cabinet with what the registries
// know filled in.
func TestServingAtTheDeskOpensTheApplication(t *testing.T) {
	a, srv := newServer(t)
	kiosk := &browserClient{t: t, srv: srv, c: client(t)}
	kiosk.get("/centers/baku-1/kiosk")
	if code, _ := kiosk.post("/centers/baku-1/kiosk", url.Values{"service": {"passport"}}); code != http.StatusOK {
		t.Skipf("the kiosk gives no ticket now (%d): the centre is closed at this hour", code)
	}
	op := staffSignedIn(t, srv, "asan.operator")
	op.get("/centers/desk?desk=1")
	if code, _ := op.post("/centers/desk/call", url.Values{"desk": {"1"}}); code != http.StatusSeeOther {
		t.Fatalf("call: %d", code)
	}
	op.get("/centers/desk?desk=1")
	code, page := op.post("/centers/desk/serve", url.Values{"desk": {"1"}, "fin": {"3KCR8WN"}, "consent": {"yes"}})
	if code != http.StatusOK {
		t.Fatalf("serve: %d", code)
	}
	acct, err := a.Identity.PersonAccount(context.Background(), "3KCR8WN")
	if err != nil {
		t.Fatal(err)
	}
	mine, err := a.Applications.ListMine(context.Background(), applications.Actor{Kind: applications.ActorApplicant, AccountID: acct.ID, FIN: "3KCR8WN"})
	if err != nil {
		t.Fatal(err)
	}
	found := ""
	for _, ap := range mine {
		if ap.Service == "passport" && ap.Status == applications.Draft {
			found = ap.Number
		}
	}
	if found == "" || !strings.Contains(page, applications.FormatNumber(found)) && !strings.Contains(page, found) {
		t.Fatalf("no passport application opened for 3KCR8WN (found %q)", found)
	}
}

// A draft can be discarded from the list of one's applications, with the
// form's CSRF token; it is gone from the list afterwards.
func TestDraftDiscardedFromTheList(t *testing.T) {
	a, srv := newServer(t)
	ctx := context.Background()
	aysel := ayselApplying(t, a)
	draft, err := a.Applications.Start(ctx, aysel, "residence-registration")
	if err != nil {
		t.Fatal(err)
	}
	b := signedIn(t, srv, "5ZQX7KA")
	action := `action="/cabinet/applications/` + draft.Number + `/withdraw"`
	if _, page := b.get("/cabinet/applications"); !strings.Contains(page, action) {
		t.Fatalf("no discard form for draft %s in the list", draft.Number)
	}
	if code, _ := b.post("/cabinet/applications/"+draft.Number+"/withdraw", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("discard: %d", code)
	}
	if _, page := b.get("/cabinet/applications"); strings.Contains(page, draft.Number) {
		t.Errorf("draft %s still listed after it was discarded", draft.Number)
	}
	got, _, err := a.Applications.Mine(ctx, aysel, draft.Number)
	if err != nil || got.Status != applications.Withdrawn {
		t.Errorf("draft after discarding: %+v, %v", got, err)
	}
}
