package centers_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/centers"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

type webFixture struct {
	*fixture
	site   *web.Site
	router *web.Router
	http   *centers.HTTP
	srv    *httptest.Server
}

var principals = map[string]*web.Principal{
	"person:3KCR8WN": {AccountID: tural.AccountID, Subject: "person:3KCR8WN", Name: tural.Name, FIN: tural.ID,
		Roles: []string{identity.RoleCitizen}},
	"person:5ZQX7KA": {AccountID: 1, Subject: "person:5ZQX7KA", Name: "Aysel Məmmədova", FIN: "5ZQX7KA",
		Roles: []string{identity.RoleCitizen}},
	"staff:asan.operator": {AccountID: 50, Subject: "staff:asan.operator", Name: "ASAN Operator", Centre: "baku-1",
		Roles: []string{identity.RoleCentreOperator}},
	"staff:admin": {AccountID: 52, Subject: "staff:admin", Name: "Admin", Roles: []string{identity.RoleAdmin}},
	"staff:dim.operator": {AccountID: 51, Subject: "staff:dim.operator", Name: "DİM Operator", Agency: "internal-affairs",
		Roles: []string{identity.RoleAgencyOperator}},
}

func newWeb(t *testing.T) *webFixture {
	t.Helper()
	db := storetest.SQLite(t, append(slices.Clone(migrations), web.Migrations, audit.Migrations)...)
	f := newFixture(t, db)
	site := web.NewSite(db, web.Options{Secret: []byte("web-test-secret-0123456789abcdef"),
		Logger: slog.New(slog.DiscardHandler)})
	site.Resolve = func(ctx context.Context, s *web.Session) (*web.Principal, error) { return principals[s.Subject], nil }
	rt := web.NewRouter(site)
	h := centers.NewHTTP(f.svc, site)
	h.PollInterval = 100 * time.Millisecond
	h.Routes(rt)
	srv := httptest.NewServer(site.Handler(rt, web.NewMetrics()))
	t.Cleanup(srv.Close)
	return &webFixture{fixture: f, site: site, router: rt, http: h, srv: srv}
}

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
	cookies := []*http.Cookie{{Name: "lang", Value: string(l), Path: "/"}}
	if subject != "" {
		rec := httptest.NewRecorder()
		if _, err := w.site.Sessions.Start(context.Background(), rec, httptest.NewRequest("POST", "/", nil), subject, nil); err != nil {
			t.Fatal(err)
		}
		cookies = append(cookies, rec.Result().Cookies()...)
	}
	jar.SetCookies(u, cookies)
	return &client{t: t, w: w, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
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

func (c *client) post(path string, fields url.Values) (int, string, http.Header) {
	c.t.Helper()
	if c.csrf == "" {
		c.t.Fatal("no CSRF token yet: get a page first")
	}
	form := url.Values{"csrf_token": {c.csrf}}
	for k, v := range fields {
		form[k] = v
	}
	resp, err := c.http.PostForm(c.w.srv.URL+path, form)
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

var rawKey = regexp.MustCompile(`\b(centers|form|error)\.[a-z_]+\.[a-z_.A-Z0-9]+`)

func page(t *testing.T, what, body string) {
	t.Helper()
	if n := strings.Count(body, "<h1"); n != 1 {
		t.Errorf("%s: %d h1 elements, want 1", what, n)
	}
	if m := rawKey.FindString(body); m != "" {
		t.Errorf("%s: untranslated message %s", what, m)
	}
	if strings.Count(body, "<caption") != strings.Count(body, "<table") {
		t.Errorf("%s: a table without a caption", what)
	}
	if strings.Contains(body, "<th>") {
		t.Errorf("%s: a th without scope", what)
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

func TestRoutes(t *testing.T) {
	w := newWeb(t)
	people := "roles:" + identity.RoleCitizen + "," + identity.RoleForeigner
	ops := "roles:" + identity.RoleCentreOperator
	admin := "roles:" + identity.RoleAdmin
	wantRoutes := map[string]string{
		"GET /centers": "public", "GET /centers/index": "public", "GET /centers/{slug}": "public",
		"GET /centers/{slug}/book": people, "POST /centers/{slug}/book": people,
		"GET /cabinet/bookings": people, "POST /cabinet/bookings/{code}/cancel": people,
		"POST /cabinet/bookings/{code}/checkin": people,
		"GET /centers/{slug}/kiosk":             "public", "POST /centers/{slug}/kiosk": "public",
		"POST /centers/{slug}/checkin": "public", "GET /centers/{slug}/board": "public",
		"GET /centers/{slug}/board/events": "public", "GET /centers/board.js": "public",
		"GET /centers/desk": ops, "POST /centers/desk/call": ops, "POST /centers/desk/recall": ops,
		"POST /centers/desk/noshow": ops, "POST /centers/desk/transfer": ops, "POST /centers/desk/serve": ops,
		"GET /centers/{page}/{token}": "public", "POST /centers/{page}/{token}": "public",
		"GET /api/v1/centers": "public", "GET /api/v1/centers/{slug}": "public",
		"GET /api/v1/centers/index.json": "public", "GET /api/v1/centers/index.csv": "public",
		"GET /admin/centres": admin, "POST /admin/centres/priority": admin,
		"GET /admin/centres/{slug}": admin, "POST /admin/centres/{slug}": admin,
	}
	var paths map[string]map[string]any
	if err := json.Unmarshal(centers.OpenAPIPaths, &paths); err != nil {
		t.Fatal(err)
	}
	var schemas map[string]any
	if err := json.Unmarshal(centers.OpenAPISchemas, &schemas); err != nil || schemas["Centre"] == nil {
		t.Fatalf("schemas: %v", err)
	}
	got := w.router.Routes()
	for _, r := range got {
		method, path, _ := strings.Cut(r.Pattern, " ")
		if strings.HasPrefix(path, "/api/") && paths[path][strings.ToLower(method)] == nil {
			t.Errorf("%s is not in OpenAPIPaths", r.Pattern)
		}
	}
	if len(got) != len(wantRoutes) {
		t.Errorf("%d routes, want %d", len(got), len(wantRoutes))
	}
	for _, r := range got {
		if wantRoutes[r.Pattern] != r.Access.Name {
			t.Errorf("%s: access %s, want %q", r.Pattern, r.Access.Name, wantRoutes[r.Pattern])
		}
	}
	for _, tc := range []struct {
		subject, path string
		status        int
	}{
		{"", "/centers/baku-1/book", 401},
		{"", "/cabinet/bookings", 401},
		{"", "/centers/desk", 401},
		{"person:3KCR8WN", "/centers/desk", 403},
		{"staff:dim.operator", "/centers/desk", 403},
		{"staff:asan.operator", "/centers/baku-1/book", 403},
		{"staff:asan.operator", "/cabinet/bookings", 403},
		{"", "/centers/nowhere", 404},
		{"", "/centers/rate/not-a-token", 404},
		{"", "/centers/baku-1/not-a-page", 404},
	} {
		status, body, _ := w.client(t, tc.subject, lang.EN).get(tc.path)
		if status != tc.status {
			t.Errorf("%s as %q: %d, want %d\n%s", tc.path, tc.subject, status, tc.status, body)
		}
	}
}

func TestPagesInEveryLanguage(t *testing.T) {
	w := newWeb(t)
	for _, l := range lang.All {
		anon := w.client(t, "", l)
		person := w.client(t, "person:3KCR8WN", l)
		op := w.client(t, "staff:asan.operator", l)
		for _, p := range []struct {
			c    *client
			path string
		}{
			{anon, "/centers"}, {anon, "/centers/baku-1"}, {anon, "/centers/baku-1/kiosk"}, {anon, "/centers/index"},
			{anon, "/centers/baku-1/board"}, {person, "/centers/baku-1/book"}, {person, "/centers/baku-1/book?service=passport"},
			{person, "/cabinet/bookings"}, {op, "/centers/desk"}, {op, "/centers/desk?desk=1"},
		} {
			status, body, _ := p.c.get(p.path)
			want(t, string(l)+" "+p.path, status, 200, body, `<html lang="`+string(l)+`"`)
			page(t, string(l)+" "+p.path, body)
		}
	}
	status, body, _ := w.client(t, "", lang.EN).get("/centers/baku-1")
	want(t, "centre", status, 200, body, "174 Azadlıq Avenue", "Monday", "09:00–18:00",
		"13:00–14:00", "Sunday", "Closed", `href="/centers/baku-1/book"`)
	_, body, bh := w.client(t, "", lang.EN).get("/centers/baku-1/board")
	want(t, "board", status, 200, body, "<caption>",
		`data-board-events="/centers/baku-1/board/events"`, `<script src="/centers/board.js" defer></script>`)
	if bh.Get("Refresh") != "5" {
		t.Errorf("the board refreshes with %q, want every 5 seconds", bh.Get("Refresh"))
	}
	status, body, h := w.client(t, "", lang.EN).get("/centers/board.js")
	want(t, "board.js", status, 200, body, "EventSource")
	if !strings.HasPrefix(h.Get("Content-Type"), "text/javascript") {
		t.Errorf("board.js served as %q", h.Get("Content-Type"))
	}
}

func TestAPI(t *testing.T) {
	w := newWeb(t)
	c := w.client(t, "", lang.EN)
	status, body, h := c.get("/api/v1/centers")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Fatalf("list: %d %s", status, h.Get("Content-Type"))
	}
	var list struct {
		Items []struct {
			Slug     string                  `json:"slug"`
			Name     string                  `json:"name"`
			Address  string                  `json:"address"`
			Hours    map[string]centers.Day  `json:"hours"`
			Services []struct{ Slug string } `json:"services"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) < 5 || list.Items[0].Slug != "baku-1" || list.Items[0].Name != "ASAN xidmət centre No. 1 (Bakı)" ||
		list.Items[0].Address == "" || list.Items[0].Hours["Monday"].Open != "09:00" || len(list.Items[0].Services) == 0 {
		t.Errorf("list %+v", list)
	}
	status, body, _ = c.get("/api/v1/centers/ganja?lang=ru")
	if status != 200 || !strings.Contains(body, `"name":"Центр ASAN xidmət Гянджа"`) {
		t.Errorf("ganja: %d %s", status, body)
	}
	status, body, h = c.get("/api/v1/centers/atlantis")
	if status != 404 || h.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown centre: %d %s %s", status, h.Get("Content-Type"), body)
	}
	status, body, _ = c.get("/api/v1/centers/index.json")
	if status != 200 || !strings.Contains(body, `"criteria"`) {
		t.Errorf("index.json: %d %s", status, body)
	}
	status, body, h = c.get("/api/v1/centers/index.csv")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
		t.Fatalf("index.csv: %d %s", status, h.Get("Content-Type"))
	}
	records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(records) < 1 || records[0][0] != "level" {
		t.Errorf("csv %v %v", records, err)
	}
}

// TestVisit walks 3KCR8WN's visit: he books, checks in from the cabinet,
// asan.operator calls and serves him (an application is opened with his
// consent), he rates the visit once and the index changes.
func TestVisit(t *testing.T) {
	w := newWeb(t)
	w.clock.Set(at("09:00"))
	tural := w.client(t, "person:3KCR8WN", lang.EN)
	op := w.client(t, "staff:asan.operator", lang.EN)
	anon := w.client(t, "", lang.EN)

	status, body, _ := tural.get("/centers/baku-1/book?service=passport&day=2026-03-16")
	want(t, "book", status, 200, body, `value="2026-03-16T06:00:00Z"`, "10:00 — 3 free")
	// Nothing chosen: an error beside the field, the service kept.
	status, body, _ = tural.post("/centers/baku-1/book", url.Values{"service": {"passport"}, "day": {"2026-03-16"}})
	want(t, "no slot", status, 422, body, `class="error-summary"`, `href="#slot"`, `id="slot-error"`, "Choose a time.",
		`<option value="passport" selected>`)
	page(t, "no slot", body)
	status, _, h := tural.post("/centers/baku-1/book", url.Values{"service": {"passport"}, "day": {"2026-03-16"},
		"slot": {"2026-03-16T06:00:00Z"}})
	if status != 303 || !strings.HasPrefix(h.Get("Location"), "/cabinet/bookings?booked=") {
		t.Fatalf("book: %d %s", status, h.Get("Location"))
	}
	status, body, _ = tural.get(h.Get("Location"))
	want(t, "bookings", status, 200, body, "Your visit is booked", "16.03.2026 10:00", "Booked", "Choose another time")
	code := strings.TrimPrefix(h.Get("Location"), "/cabinet/bookings?booked=")
	// The same time again is refused.
	status, body, _ = tural.post("/centers/baku-2/book", url.Values{"service": {"pension"}, "slot": {"2026-03-16T06:00:00Z"}})
	want(t, "overlap", status, 409, body, "You already have a booking at that time.")

	// Too early to check in at 09:00; at 09:40 the cabinet checks in.
	if strings.Contains(body, "/checkin") {
		t.Error("check-in offered too early")
	}
	w.clock.Set(at("09:40"))
	status, body, _ = tural.get("/cabinet/bookings")
	want(t, "bookings at 09:40", status, 200, body, "/cabinet/bookings/"+code+"/checkin")
	status, _, _ = tural.post("/cabinet/bookings/"+code+"/checkin", nil)
	if status != 303 {
		t.Fatalf("check in: %d", status)
	}
	status, body, _ = tural.get("/cabinet/bookings")
	want(t, "checked in", status, 200, body, "Checked in", "Ticket B-001")

	// A walk-in takes a ticket at the kiosk.
	anon.get("/centers/baku-1/kiosk")
	status, body, _ = anon.post("/centers/baku-1/kiosk", url.Values{"service": {"passport"}})
	want(t, "kiosk", status, 200, body, "B-002", "Estimated wait")
	page(t, "ticket", body)
	status, body, _ = anon.post("/centers/baku-1/kiosk", url.Values{})
	want(t, "kiosk without a service", status, 422, body, `href="#service"`)

	// The operator calls: the due appointment first.
	w.clock.Set(at("10:00"))
	op.get("/centers/desk?desk=1")
	status, _, h = op.post("/centers/desk/call", url.Values{"desk": {"1"}})
	if status != 303 || h.Get("Location") != "/centers/desk?desk=1" {
		t.Fatalf("call: %d %s", status, h.Get("Location"))
	}
	status, body, _ = op.get("/centers/desk?desk=1")
	want(t, "desk", status, 200, body, `<p class="number">B-001</p>`, `value="3KCR8WN"`, "B-002")
	status, body, _ = anon.get("/centers/baku-1/board")
	want(t, "board", status, 200, body, "B-001")
	// Serving without consent keeps the FIN typed.
	status, body, _ = op.post("/centers/desk/serve", url.Values{"desk": {"1"}, "fin": {"3KCR8WN"}})
	want(t, "no consent", status, 422, body, `id="consent-error"`, `value="3KCR8WN"`)
	w.clock.Set(at("10:12"))
	status, body, _ = op.post("/centers/desk/serve", url.Values{"desk": {"1"}, "fin": {"3KCR8WN"}, "consent": {"yes"}})
	want(t, "served", status, 200, body, "Ticket B-001 served", "Application APP00001 was opened")
	if got := w.opened.calls; len(got) != 1 || got[0] != "3KCR8WN/passport/asan.operator" {
		t.Errorf("applications opened: %v", got)
	}
	link := regexp.MustCompile(`href="(/centers/rate/[^"]+)"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatal("no rating link")
	}
	sent, err := w.notify.Message(context.Background(), "centers.rate:baku-1:2026-03-16:B-001")
	if err != nil || !strings.Contains(sent.Body, link[1]) {
		t.Errorf("rating link not sent: %v %v", sent, err)
	}

	_, before, _ := anon.get("/api/v1/centers/index.json")
	status, body, _ = anon.get(link[1])
	want(t, "rate", status, 200, body, `name="score"`, `<label for="comment">`)
	page(t, "rate", body)
	status, body, _ = anon.post(link[1], url.Values{"comment": {"Fast & kind"}})
	want(t, "rate without score", status, 422, body, `id="score-error"`, "Fast &amp; kind")
	status, body, _ = anon.post(link[1], url.Values{"score": {"5"}, "comment": {"Fast & kind"}})
	want(t, "rated", status, 200, body, "Thank you for your rating")
	status, _, _ = anon.post(link[1], url.Values{"score": {"1"}})
	if status != 409 {
		t.Errorf("second rating: %d", status)
	}
	_, after, _ := anon.get("/api/v1/centers/index.json")
	if before == after || !strings.Contains(after, `"mean_rating":5`) {
		t.Errorf("the index did not change:\n%s\n%s", before, after)
	}
	status, body, _ = anon.get("/centers/index")
	want(t, "index page", status, 200, body, "ASAN xidmət centre No. 1 (Bakı)", "40%")
}

// TestBoardEvents: a call reaches a subscriber of the board's event stream
// within a second, from this replica and from another one.
func TestBoardEvents(t *testing.T) {
	w := newWeb(t)
	w.clock.Set(at("10:00"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", w.srv.URL+"/centers/baku-1/board/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitFor := func(number string) time.Duration {
		t.Helper()
		start := time.Now()
		deadline := time.After(time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("stream ended")
				}
				if strings.HasPrefix(l, "data: ") && strings.Contains(l, `"number":"`+number+`"`) {
					return time.Since(start)
				}
			case <-deadline:
				t.Fatalf("%s did not reach the board within a second", number)
			}
		}
	}
	// Wait for the stream to be open.
	for l := range lines {
		if l == ": connected" {
			break
		}
	}
	op := centers.Operator{Login: "asan.operator", Centre: "baku-1"}
	if _, _, err := w.svc.Issue(ctx, "baku-1", "passport", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.CallNext(ctx, op, 1); err != nil {
		t.Fatal(err)
	}
	waitFor("B-001")
	// Another replica: its own Service on the same database.
	other := centers.New(w.db, centers.Config{Now: w.clock.Now})
	if _, _, err := other.Issue(ctx, "baku-1", "passport", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := other.CallNext(ctx, op, 2); err != nil {
		t.Fatal(err)
	}
	waitFor("B-002")
}

func TestKioskCheckIn(t *testing.T) {
	w := newWeb(t)
	w.clock.Set(at("09:45"))
	b, err := w.svc.Book(context.Background(), tural, "baku-1", "pension", at("10:00"))
	if err != nil {
		t.Fatal(err)
	}
	kiosk := w.client(t, "", lang.RU)
	kiosk.get("/centers/baku-1/kiosk")
	status, body, _ := kiosk.post("/centers/baku-1/checkin", url.Values{"code": {"not a code"}})
	want(t, "bad code", status, 422, body, `id="code-error"`, `href="#code"`, `value="not a code"`)
	page(t, "bad code", body)
	status, body, _ = kiosk.post("/centers/baku-2/checkin", url.Values{"code": {b.Ref()}})
	want(t, "other centre", status, 404, body, `id="code-error"`)
	status, body, _ = kiosk.post("/centers/baku-1/checkin", url.Values{"code": {strings.ToLower(b.Ref())}})
	want(t, "checked in", status, 200, body, `<p class="number">H-001</p>`, "Ваше время: 16.03.2026 10:00")
	page(t, "checked in", body)
}
