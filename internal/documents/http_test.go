package documents_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/documents"
	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

var principals = map[string]*web.Principal{
	"person:5ZQX7KA": {AccountID: 1, Subject: "person:5ZQX7KA", Name: "Aysel Məmmədova", FIN: "5ZQX7KA",
		Roles: []string{identity.RoleCitizen}},
	"person:AAAAAAA": {AccountID: 2, Subject: "person:AAAAAAA", Name: "Other Person", FIN: "AAAAAAA",
		Roles: []string{identity.RoleCitizen}},
	"foreigner:GBR:533401372": {AccountID: 4, Subject: "foreigner:GBR:533401372", Name: "John Smith",
		Roles: []string{identity.RoleForeigner}},
	"staff:op": {AccountID: 3, Subject: "staff:op", Name: "Operator", Agency: "justice",
		Roles: []string{identity.RoleAgencyOperator}},
	"staff:sup": {AccountID: 5, Subject: "staff:sup", Name: "Supervisor", Agency: "justice",
		Roles: []string{identity.RoleAgencySupervisor, identity.RoleAgencyOperator}},
	"staff:other": {AccountID: 6, Subject: "staff:other", Name: "Other agency", Agency: "migration",
		Roles: []string{identity.RoleAgencyOperator}},
	"staff:admin": {AccountID: 7, Subject: "staff:admin", Name: "Admin", Roles: []string{identity.RoleAdmin}},
}

type webFixture struct {
	svc    *documents.Service
	clk    *clock
	site   *web.Site
	router *web.Router
	srv    *httptest.Server
	doc    *documents.Document
	db     *store.DB
}

func newWeb(t *testing.T) *webFixture {
	t.Helper()
	db := storetest.SQLite(t, documents.Migrations, web.Migrations, audit.Migrations)
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	svc := documents.New(db, documents.Config{KeyEncryptionKey: kek, BaseURL: "https://egov.test", Now: clk.Now,
		AgencyName: func(slug string) lang.Text {
			return lang.Text{AZ: "Ədliyyə Nazirliyi", EN: "Ministry of Justice", RU: "Министерство юстиции"}
		},
		RegistryDocuments: func(ctx context.Context, fin string) ([]documents.RegistryDocument, error) {
			if fin != "5ZQX7KA" {
				return nil, nil
			}
			return []documents.RegistryDocument{{Kind: "identity_card", Name: lang.Text{AZ: "Şəxsiyyət vəsiqəsi", EN: "Identity card", RU: "Удостоверение личности"},
				Number: "AA1234567", Issuer: lang.Text{AZ: "DİN", EN: "Ministry of Internal Affairs", RU: "МВД"}}}, nil
		},
		Logger: slog.New(slog.DiscardHandler)})
	in := sampleIssue("web:1")
	in.ValidFrom, in.ValidUntil = clk.Now().Add(-time.Hour), clk.Now().Add(365*24*time.Hour)
	doc, err := svc.Issue(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	site := web.NewSite(db, web.Options{Secret: []byte("web-test-secret-0123456789abcdef"), Logger: slog.New(slog.DiscardHandler)})
	site.Resolve = func(ctx context.Context, s *web.Session) (*web.Principal, error) { return principals[s.Subject], nil }
	rt := web.NewRouter(site)
	documents.NewHTTP(svc, site).Routes(rt)
	rt.Handle("GET /static/", web.Public, web.Static())
	srv := httptest.NewServer(site.Handler(rt, web.NewMetrics()))
	t.Cleanup(srv.Close)
	return &webFixture{svc: svc, clk: clk, site: site, router: rt, srv: srv, doc: doc, db: db}
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

func (c *client) post(path string, form url.Values) (int, string, http.Header) {
	c.t.Helper()
	form.Set("csrf_token", c.csrf)
	req, _ := http.NewRequest("POST", c.w.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.w.srv.URL)
	resp, err := c.http.Do(req)
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

var rawKey = regexp.MustCompile(`\b(documents|form|error)\.[a-z_]+\.[a-z_.0-9]+`)

func page(t *testing.T, what, body string) {
	t.Helper()
	if n := strings.Count(body, "<h1"); n != 1 {
		t.Errorf("%s: %d h1 elements, want 1", what, n)
	}
	if m := rawKey.FindString(body); m != "" {
		t.Errorf("%s: untranslated message %s", what, m)
	}
}

func TestVerifyPages(t *testing.T) {
	w := newWeb(t)
	want := map[lang.Lang]string{lang.AZ: "Etibarlıdır", lang.EN: "Valid", lang.RU: "Действителен"}
	for _, l := range lang.All {
		c := w.client(t, "", l)
		code, body, _ := c.get("/verify/" + w.doc.Number)
		if code != 200 {
			t.Fatalf("%s: /verify: %d", l, code)
		}
		page(t, "verify "+string(l), body)
		for _, s := range []string{want[l], "İlkin Şükürov", "Aysel Məmmədova", w.doc.Number} {
			if !strings.Contains(body, s) {
				t.Errorf("%s: verify page lacks %q", l, s)
			}
		}
	}
	c := w.client(t, "", lang.EN)
	if code, body, _ := c.get("/verify/7KM2Q9XA4"); code != 404 || !strings.Contains(body, "Not found") {
		t.Errorf("unknown number: %d", code)
	}
	if code, body, _ := c.get("/verify?number=nonsense"); code != 422 || !strings.Contains(body, "error-summary") ||
		!strings.Contains(body, `value="nonsense"`) {
		t.Errorf("bad number: %d\n%s", code, body)
	} else {
		page(t, "verify form", body)
	}
	if code, _, h := c.get("/verify?number=" + strings.ToLower(w.doc.Ref())); code != 303 || h.Get("Location") != "/verify/"+w.doc.Number {
		t.Errorf("typed number: %d %s", code, h.Get("Location"))
	}

	t.Run("API", func(t *testing.T) {
		code, body, _ := c.get("/api/v1/documents/" + w.doc.Number + "/verification")
		var res struct {
			Status     string `json:"status"`
			HolderName string `json:"holder_name"`
			Issuer     string `json:"issuer"`
			Fields     []documents.Field
		}
		if err := json.Unmarshal([]byte(body), &res); err != nil || code != 200 {
			t.Fatalf("%d %v %s", code, err, body)
		}
		if res.Status != "valid" || res.Issuer != "justice" || len(res.Fields) != 2 {
			t.Fatalf("%+v", res)
		}
		if code, _, _ := c.get("/api/v1/documents/7KM2Q9XA4/verification"); code != 404 {
			t.Errorf("unknown: %d", code)
		}
	})

	t.Run("VerifyJWS", func(t *testing.T) {
		// Straight to the router: the site's CSRF wall is the app's to
		// open for this public, read-only endpoint.
		for _, tc := range []struct {
			body   string
			code   int
			status string
		}{
			{`{"jws":"` + w.svc.QRContent(w.doc) + `"}`, 200, "valid"},
			{`{"jws":"` + w.doc.JWS[:len(w.doc.JWS)-4] + `AAAA"}`, 200, "tampered"},
			{`{"jws":""}`, 422, ""},
			{`not json`, 422, ""},
		} {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("POST", "/api/v1/verify", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			w.router.ServeHTTP(rec, req)
			if rec.Code != tc.code {
				t.Errorf("%.30s: %d, want %d: %s", tc.body, rec.Code, tc.code, rec.Body)
				continue
			}
			if tc.status != "" && !strings.Contains(rec.Body.String(), `"status":"`+tc.status+`"`) {
				t.Errorf("%.30s: %s", tc.body, rec.Body)
			}
		}
	})

	t.Run("Keys", func(t *testing.T) {
		code, body, h := c.get(documents.KeysPath)
		var set documents.JWKS
		if err := json.Unmarshal([]byte(body), &set); err != nil || code != 200 || len(set.Keys) != 1 {
			t.Fatalf("%d %v %s", code, err, body)
		}
		if strings.Contains(body, `"d"`) || !strings.Contains(h.Get("Cache-Control"), "public") {
			t.Fatalf("key set: %s %v", body, h)
		}
		if r, _ := documents.VerifyOffline(w.doc.JWS, set); r.Status != documents.Valid {
			t.Fatalf("offline with the published set: %s", r.Status)
		}
	})
}

func TestVerifyCommandFetchesKeys(t *testing.T) {
	w := newWeb(t)
	var out bytes.Buffer
	if code := documents.VerifyCommand([]string{"-url", w.srv.URL, w.doc.JWS}, &out); code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
}

func TestCabinet(t *testing.T) {
	w := newWeb(t)
	n := w.doc.Number
	t.Run("Access", func(t *testing.T) {
		for _, tc := range []struct {
			who, path string
			code      int
		}{
			{"", "/cabinet/documents", 401},
			{"staff:op", "/cabinet/documents", 403},
			{"person:AAAAAAA", "/cabinet/documents/" + n, 404},
			{"person:AAAAAAA", "/cabinet/documents/" + n + "/pdf", 404},
			{"person:AAAAAAA", "/cabinet/documents/" + n + "/qr?share=1", 404},
			{"person:5ZQX7KA", "/cabinet/documents/" + n, 200},
		} {
			if code, _, _ := w.client(t, tc.who, lang.EN).get(tc.path); code != tc.code {
				t.Errorf("%s %s: %d, want %d", tc.who, tc.path, code, tc.code)
			}
		}
	})
	c := w.client(t, "person:5ZQX7KA", lang.AZ)
	t.Run("List", func(t *testing.T) {
		code, body, _ := c.get("/cabinet/documents")
		if code != 200 {
			t.Fatal(code)
		}
		page(t, "list", body)
		for _, s := range []string{"Doğum haqqında şəhadətnamə", w.doc.Ref(), "Şəxsiyyət vəsiqəsi", "AA1234567", "Ədliyyə Nazirliyi"} {
			if !strings.Contains(body, s) {
				t.Errorf("list lacks %q", s)
			}
		}
	})
	t.Run("Foreigner", func(t *testing.T) {
		in := sampleIssue("web:foreigner")
		in.HolderFIN, in.HolderName, in.Lang = "foreigner:GBR:533401372", "John Smith", lang.EN
		in.ValidFrom, in.ValidUntil = w.clk.Now().Add(-time.Hour), time.Time{}
		d, err := w.svc.Issue(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		fc := w.client(t, "foreigner:GBR:533401372", lang.EN)
		if code, body, _ := fc.get("/cabinet/documents"); code != 200 || !strings.Contains(body, d.Ref()) || strings.Contains(body, w.doc.Ref()) {
			t.Fatalf("foreigner's list: %d", code)
		}
		if code, body, _ := fc.get("/cabinet/documents/" + d.Number); code != 200 || !strings.Contains(body, "does not expire") {
			t.Fatalf("foreigner's document: %d", code)
		}
		if code, _, _ := c.get("/cabinet/documents/" + d.Number); code != 404 {
			t.Fatalf("another person saw the foreigner's document: %d", code)
		}
	})
	t.Run("RegistryPDF", func(t *testing.T) {
		resp, err := c.http.Get(w.srv.URL + "/cabinet/documents/registry/identity_card/AA1234567/pdf")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.HasPrefix(b, []byte("%PDF")) {
			t.Fatalf("%d", resp.StatusCode)
		}
		other := w.client(t, "person:AAAAAAA", lang.EN)
		if code, _, _ := other.get("/cabinet/documents/registry/identity_card/AA1234567/pdf"); code != 404 {
			t.Fatalf("another person's registry document: %d", code)
		}
	})
	t.Run("PDF", func(t *testing.T) {
		resp, err := c.http.Get(w.srv.URL + "/cabinet/documents/" + n + "/pdf")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(b, []byte("%PDF")) {
			t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
	t.Run("Share", func(t *testing.T) {
		code, body, _ := c.get("/cabinet/documents/" + n)
		page(t, "show", body)
		if code != 200 {
			t.Fatal(code)
		}
		// Nothing chosen: the form again, with the error beside the field.
		code, body, _ = c.post("/cabinet/documents/"+n+"/shares", url.Values{"for": {"168h"}})
		if code != 422 || !strings.Contains(body, `id="fields-error"`) || !strings.Contains(body, `<option value="168h" selected>`) {
			t.Fatalf("empty share: %d\n%s", code, body)
		}
		page(t, "show with error", body)
		code, body, _ = c.post("/cabinet/documents/"+n+"/shares", url.Values{"for": {"1h"}, "fields": {"place"}})
		if code != 201 {
			t.Fatalf("share: %d\n%s", code, body)
		}
		link := regexp.MustCompile(`https://egov\.test(/shared/[A-Za-z0-9_-]+)`).FindStringSubmatch(body)
		if link == nil {
			t.Fatalf("no link in\n%s", body)
		}
		anon := w.client(t, "", lang.RU)
		code, body, _ = anon.get(link[1])
		if code != 200 || !strings.Contains(body, "Göyçay") || strings.Contains(body, "İlkin") || strings.Contains(body, "Aysel") {
			t.Fatalf("shared page: %d\n%s", code, body)
		}
		page(t, "shared", body)

		// The QR page of the share.
		id := regexp.MustCompile(`/qr\?share=(\d+)`).FindStringSubmatch(func() string { _, b, _ := c.get("/cabinet/documents/" + n); return b }())
		if id == nil {
			t.Fatal("no QR link")
		}
		code, body, h := c.get("/cabinet/documents/" + n + "/qr?share=" + id[1])
		if code != 200 || h.Get("Refresh") == "" || !strings.Contains(body, `src="data:image/png;base64,`) {
			t.Fatalf("QR page: %d %v", code, h)
		}
		page(t, "qr", body)
		qrLink := regexp.MustCompile(`https://egov\.test(/shared/q[0-9.A-Za-z_-]+)`).FindStringSubmatch(body)
		if qrLink == nil {
			t.Fatal("no QR token on the page")
		}
		if code, _, _ := anon.get(qrLink[1]); code != 200 {
			t.Fatalf("QR link: %d", code)
		}
		_, body, _ = c.get("/cabinet/documents/" + n)
		if !strings.Contains(body, "2 dəfə açılıb") {
			t.Errorf("openings not listed")
		}

		// Withdraw: the link and the QR code stop at once.
		code, _, _ = c.post("/cabinet/documents/"+n+"/shares/"+id[1]+"/withdraw", url.Values{})
		if code != 303 {
			t.Fatalf("withdraw: %d", code)
		}
		for _, p := range []string{link[1], qrLink[1]} {
			code, body, _ := anon.get(p)
			if code != 404 {
				t.Errorf("%s after withdrawal: %d", p, code)
			}
			page(t, "gone", body)
		}
	})
}
