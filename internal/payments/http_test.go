package payments_test

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
	"time"

	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/payments/sandbox"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

var principals = map[string]*web.Principal{
	"person:7MJD3TE": {AccountID: 1, Subject: "person:7MJD3TE", Name: "Gülnarə Həsənova", FIN: "7MJD3TE",
		Roles: []string{identity.RoleCitizen}},
	"person:5ZQX7KA": {AccountID: 2, Subject: "person:5ZQX7KA", Name: "Aysel Məmmədova", FIN: "5ZQX7KA",
		Roles: []string{identity.RoleCitizen}},
	"staff:din.operator": {AccountID: 3, Subject: "staff:din.operator", Name: "DİN Operator", Agency: "internal-affairs",
		Roles: []string{identity.RoleAgencyOperator}},
}

type webFixture struct {
	svc  *payments.Service
	db   *store.DB
	site *web.Site
	rt   *web.Router
	srv  *httptest.Server
	acq  *sandbox.Acquirer
}

// newWeb serves egov's pages behind the web layer, the webhook outside
// its CSRF check, and the sandbox acquirer under /sandbox-acquirer/, as
// the app is meant to wire them; the acquirer calls back over HTTP.
func newWeb(t *testing.T, db *store.DB) *webFixture {
	t.Helper()
	var top http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { top.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	acq := sandbox.New(sandbox.Config{BaseURL: srv.URL + "/sandbox-acquirer", APIKey: apiKey,
		WebhookURL: srv.URL + payments.CallbackPath, WebhookSecret: webhookSecret,
		RetryDelays: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}})
	t.Cleanup(acq.Close)
	svc := payments.New(db, payments.Config{
		Provider:      &payments.HTTPProvider{BaseURL: srv.URL + "/sandbox-acquirer", APIKey: apiKey},
		WebhookSecret: webhookSecret, SigningKey: signingKey, BaseURL: srv.URL,
		BirthDate: func(ctx context.Context, fin string) (time.Time, error) {
			return time.Date(1961, 4, 7, 0, 0, 0, 0, time.UTC), nil
		},
	})
	site := web.NewSite(db, web.Options{Secret: []byte("web-test-secret-0123456789abcdef"),
		Logger: slog.New(slog.DiscardHandler)})
	site.Resolve = func(ctx context.Context, s *web.Session) (*web.Principal, error) { return principals[s.Subject], nil }
	rt := web.NewRouter(site)
	h := payments.NewHTTP(svc, site)
	h.Routes(rt)
	mux := http.NewServeMux()
	mux.Handle("/", site.Handler(rt, web.NewMetrics()))
	mux.Handle("POST "+payments.CallbackPath, h.Callback())
	mux.Handle("GET /static/", web.Static())
	mux.Handle("/sandbox-acquirer/", http.StripPrefix("/sandbox-acquirer", acq))
	top = mux
	return &webFixture{svc: svc, db: db, site: site, rt: rt, srv: srv, acq: acq}
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
	var cookies []*http.Cookie
	if subject != "" {
		rec := httptest.NewRecorder()
		if _, err := w.site.Sessions.Start(context.Background(), rec, httptest.NewRequest("POST", "/", nil), subject, nil); err != nil {
			t.Fatal(err)
		}
		cookies = rec.Result().Cookies()
	}
	jar.SetCookies(u, append(cookies, &http.Cookie{Name: "lang", Value: string(l), Path: "/"}))
	return &client{t: t, w: w, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfPattern = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (c *client) do(req *http.Request) (int, string, http.Header) {
	c.t.Helper()
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

func (c *client) get(target string) (int, string, http.Header) {
	if !strings.HasPrefix(target, "http") {
		target = c.w.srv.URL + target
	}
	req, _ := http.NewRequest("GET", target, nil)
	return c.do(req)
}

func (c *client) post(target string, form url.Values) (int, string, http.Header) {
	if !strings.HasPrefix(target, "http") {
		target = c.w.srv.URL + target
	}
	form = cloneValues(form)
	if c.csrf != "" {
		form.Set("csrf_token", c.csrf)
	}
	req, _ := http.NewRequest("POST", target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vals := range v {
		out[k] = slices.Clone(vals)
	}
	return out
}

var rawKey = regexp.MustCompile(`\bpayments\.[a-z_]+\.[a-z_.]+`)

func page(t *testing.T, what string, status int, body string, want int) {
	t.Helper()
	if status != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, status, want, body)
	}
	if n := strings.Count(body, "<h1"); n != 1 {
		t.Errorf("%s: %d h1 elements, want 1", what, n)
	}
	if m := rawKey.FindString(body); m != "" {
		t.Errorf("%s: untranslated message %s", what, m)
	}
}

var (
	keyPattern  = regexp.MustCompile(`name="key" value="([^"]+)"`)
	billPattern = regexp.MustCompile(`name="bill" value="([^"]+)"`)
)

// TestFindPayAndReceipt is the demo's story: 7MJD3TE finds her fine
// without signing in, pays it on the sandbox card page (through 3-D
// Secure), comes back, and sees the receipt in her cabinet. The webhook
// and the return page both settle: once.
func TestFindPayAndReceipt(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWeb(t, db)
		ctx := context.Background()
		if err := w.svc.SeedDemo(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		anon := w.client(t, "", lang.EN)
		status, body, _ := anon.get("/payments")
		page(t, "find", status, body, http.StatusOK)

		status, body, _ = anon.get("/payments?plate=ABC")
		page(t, "bad plate", status, body, http.StatusUnprocessableEntity)
		if !strings.Contains(body, `id="plate-error"`) {
			t.Errorf("bad plate: no field error")
		}
		status, body, _ = anon.get("/payments?plate=10+ab+123")
		page(t, "plate", status, body, http.StatusOK)
		if !strings.Contains(body, "60.00 AZN") {
			t.Errorf("the fine on 10-AB-123 is not shown")
		}
		// Not found and a wrong birth date read the same.
		_, none, _ := anon.post("/payments/find", url.Values{"fin": {"7MJD3TE"}, "birth": {"1961-04-08"}})
		_, body, _ = anon.post("/payments/find", url.Values{"fin": {"ZZZZZZZ"}, "birth": {"1961-04-07"}})
		if !strings.Contains(body, "Nothing was found") || !strings.Contains(none, "Nothing was found") {
			t.Errorf("not found pages differ or say nothing")
		}
		status, body, _ = anon.post("/payments/find", url.Values{"fin": {"7MJD3TE"}, "birth": {"1961-04-07"}})
		page(t, "found by FIN", status, body, http.StatusOK)
		bills := billPattern.FindAllStringSubmatch(body, -1)
		if len(bills) != 1 || !strings.Contains(body, "20.00 AZN") {
			t.Fatalf("want one fine at the discounted 20.00 AZN:\n%s", body)
		}
		key := keyPattern.FindStringSubmatch(body)[1]
		status, _, hdr := anon.post("/payments/pay", url.Values{"bill": {bills[0][1]}, "key": {key}})
		if status != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), w.srv.URL+"/sandbox-acquirer/pay/") {
			t.Fatalf("pay: %d to %q", status, hdr.Get("Location"))
		}
		cardPage := hdr.Get("Location")
		status, body, _ = anon.get(cardPage)
		if status != http.StatusOK || strings.Count(body, "<h1") != 1 || !strings.Contains(body, `<label for="card">`) {
			t.Fatalf("card page %d\n%s", status, body)
		}
		status, body, _ = anon.post(cardPage, url.Values{"card": {"4242 4242 4242 4241"}})
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, "valid card number") {
			t.Errorf("Luhn: %d", status)
		}
		status, _, hdr = anon.post(cardPage, url.Values{"card": {sandbox.Card3DS}})
		if status != http.StatusSeeOther || !strings.HasSuffix(hdr.Get("Location"), "/3ds") {
			t.Fatalf("3DS card: %d %q", status, hdr.Get("Location"))
		}
		status, _, hdr = anon.post(hdr.Get("Location"), url.Values{"code": {sandbox.Code3DS}})
		if status != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), w.srv.URL+"/payments/return?payment=") {
			t.Fatalf("3DS code: %d %q", status, hdr.Get("Location"))
		}
		status, body, _ = anon.get(hdr.Get("Location"))
		page(t, "return", status, body, http.StatusOK)
		if !strings.Contains(body, "20.00 AZN has been paid") || !strings.Contains(body, "Valid") {
			t.Errorf("return page:\n%s", body)
		}
		// The webhook arrives too (over HTTP, signed); still one entry.
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) && count(t, db, `SELECT COUNT(*) FROM payments_ledger`) != 1 {
			time.Sleep(20 * time.Millisecond)
		}
		w.acq.Close()
		if got := count(t, db, `SELECT COUNT(*) FROM payments_ledger`); got != 1 {
			t.Errorf("%d ledger entries", got)
		}

		me := w.client(t, "person:7MJD3TE", lang.AZ)
		status, body, _ = me.get("/cabinet/payments")
		page(t, "cabinet", status, body, http.StatusOK)
		link := regexp.MustCompile(`href="(/cabinet/payments/receipts/[^"]+)"`).FindStringSubmatch(body)
		if link == nil || !strings.Contains(body, "Cərimə balları") {
			t.Fatalf("no receipt in the cabinet:\n%s", body)
		}
		status, body, _ = me.get(link[1])
		page(t, "receipt", status, body, http.StatusOK)
		if !strings.Contains(body, "20,00 AZN") {
			t.Errorf("receipt:\n%s", body)
		}
		other := w.client(t, "person:5ZQX7KA", lang.EN)
		if status, _, _ := other.get(link[1]); status != http.StatusNotFound {
			t.Errorf("another person's receipt: %d", status)
		}
	}, append(slices.Clone(migrations), web.Migrations)...)
}

func TestCallbackOverHTTP(t *testing.T) {
	db := storetest.SQLite(t, append(slices.Clone(migrations), web.Migrations)...)
	w := newWeb(t, db)
	post := func(body, sig string) int {
		req, _ := http.NewRequest("POST", w.srv.URL+payments.CallbackPath, strings.NewReader(body))
		req.Header.Set(payments.SignatureHeader, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(`{"id":"x","state":"succeeded","amount":1}`, "t=1,v1=00"); got != http.StatusUnauthorized {
		t.Errorf("unsigned: %d", got)
	}
	body := `{"id":"sbx_nope","state":"succeeded","amount":1}`
	if got := post(body, sandbox.Sign(webhookSecret, []byte(body), time.Now())); got != http.StatusNotFound {
		t.Errorf("unknown payment: %d", got)
	}
}

func TestOffice(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWeb(t, db)
		ctx := context.Background()
		f := &fixture{svc: w.svc, db: db, acq: w.acq}
		b := f.create(t, payments.Bill{Kind: payments.KindFine, PayerFIN: "7MJD3TE", Agency: "internal-affairs",
			BudgetCode: "142310", Amount: 5000, DueAt: time.Now().AddDate(0, 0, 30), IdempotencyKey: "office-1"})
		p := f.paid(t, "k1", b)
		if _, err := w.svc.Return(ctx, p.Number); err != nil {
			t.Fatal(err)
		}
		op := w.client(t, "staff:din.operator", lang.EN)
		status, body, _ := op.get("/office/payments")
		page(t, "office", status, body, http.StatusOK)
		if !strings.Contains(body, "142310") || !strings.Contains(body, "50.00 AZN") {
			t.Errorf("office page lacks the payment:\n%s", body)
		}
		key := keyPattern.FindStringSubmatch(body)[1]
		status, body, _ = op.post("/office/payments/refunds", url.Values{"bill": {b.Number}, "amount": {"60.00"}, "key": {key}})
		page(t, "refund too much", status, body, http.StatusUnprocessableEntity)
		status, body, _ = op.post("/office/payments/refunds", url.Values{"bill": {b.Number}, "amount": {"10,50"}, "key": {key + "x"}})
		page(t, "refund", status, body, http.StatusOK)
		if !strings.Contains(body, "10.50 AZN is done") {
			t.Errorf("refund page:\n%s", body)
		}
		status, csvBody, hdr := op.get("/office/payments?format=csv")
		if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") ||
			!strings.Contains(csvBody, ",50.00\n") || !strings.Contains(csvBody, ",-10.50\n") {
			t.Errorf("csv %d:\n%s", status, csvBody)
		}
		// Reconciliation through the form: the sandbox's own file matches.
		req, _ := http.NewRequest("GET", w.srv.URL+"/sandbox-acquirer/v1/settlements?date="+time.Now().UTC().Format(time.DateOnly), nil)
		req.Header.Set("Authorization", "Bearer "+apiKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		file, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		file = append(file, []byte("sbx_planted,P0,1.00,"+time.Now().UTC().Format(time.DateOnly)+"\n")...)
		op.get("/office/payments/reconciliation")
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("csrf_token", op.csrf)
		fw, _ := mw.CreateFormFile("file", "settlement.csv")
		fw.Write(file)
		mw.Close()
		req, _ = http.NewRequest("POST", w.srv.URL+"/office/payments/reconciliation", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		status, body, _ = op.do(req)
		page(t, "reconciliation", status, body, http.StatusOK)
		if !strings.Contains(body, "Matched: 1. Mismatches: 1.") || !strings.Contains(body, "sbx_planted") {
			t.Errorf("reconciliation:\n%s", body)
		}
		// A bill paid from two tabs: the second payment is listed to be
		// returned, and returned once.
		b2 := f.create(t, payments.Bill{Kind: payments.KindFine, PayerFIN: "7MJD3TE", Agency: "internal-affairs",
			BudgetCode: "142310", Amount: 700, DueAt: time.Now().AddDate(0, 0, 30), IdempotencyKey: "office-2"})
		_, tab2 := f.paidTwice(t, b2)
		status, body, _ = op.get("/office/payments")
		page(t, "office with an overpayment", status, body, http.StatusOK)
		if !strings.Contains(body, "Overpayments to return") || !strings.Contains(body, "Return 7.00 AZN") {
			t.Errorf("office page lacks the overpayment:\n%s", body)
		}
		// The payer is told on the return page, then on the receipt.
		status, body, _ = w.client(t, "", lang.EN).get("/payments/return?payment=" + tab2.Number)
		page(t, "return page of the second tab", status, body, http.StatusOK)
		if !strings.Contains(body, "7.00 AZN of this payment was for bill "+b2.Number) || !strings.Contains(body, "The agency will return it") {
			t.Errorf("the return page does not tell of the overpayment:\n%s", body)
		}
		form := url.Values{"payment": {tab2.Number}, "bill": {b2.Number}, "key": {"over-1"}}
		for range 2 {
			status, body, _ = op.post("/office/payments/overpayments/refunds", form)
			page(t, "return an overpayment", status, body, http.StatusOK)
			if !strings.Contains(body, "of 7.00 AZN is done") || strings.Contains(body, "Overpayments to return") {
				t.Errorf("after the return:\n%s", body)
			}
		}
		rc, err := w.svc.ReceiptOf(ctx, tab2.Number)
		if err != nil {
			t.Fatal(err)
		}
		status, body, _ = w.client(t, "person:7MJD3TE", lang.EN).get("/cabinet/payments/receipts/" + rc.Number)
		page(t, "receipt of the second tab", status, body, http.StatusOK)
		if !strings.Contains(body, "It has been returned to the card you paid with") {
			t.Errorf("the receipt does not tell of the return:\n%s", body)
		}
		form.Set("key", "over-2")
		status, body, _ = op.post("/office/payments/overpayments/refunds", form)
		page(t, "return it again", status, body, http.StatusConflict)
		if !strings.Contains(body, "already returned") {
			t.Errorf("a second return:\n%s", body)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM payments_refunds WHERE payment = $1`, tab2.Number); got != 1 {
			t.Errorf("%d refunds of the overpayment, want 1", got)
		}
		citizen := w.client(t, "person:7MJD3TE", lang.EN)
		if status, _, _ := citizen.get("/office/payments"); status != http.StatusForbidden {
			t.Errorf("a citizen on the office page: %d", status)
		}
	}, append(slices.Clone(migrations), web.Migrations)...)
}

func TestRoutesDeclareAccess(t *testing.T) {
	db := storetest.SQLite(t, append(slices.Clone(migrations), web.Migrations)...)
	w := newWeb(t, db)
	want := map[string]string{
		"GET /payments":                                   "public",
		"POST /payments/find":                             "public",
		"POST /payments/pay":                              "public",
		"GET /payments/return":                            "public",
		"POST /payments/callback":                         "public",
		"GET /cabinet/payments":                           "roles:citizen,foreigner",
		"GET /cabinet/payments/receipts/{number}":         "roles:citizen,foreigner",
		"POST /cabinet/payments/payouts/{number}/account": "roles:citizen,foreigner",
		"GET /office/payments":                            "roles:agency_operator,agency_supervisor",
		"POST /office/payments/refunds":                   "roles:agency_operator,agency_supervisor",
		"POST /office/payments/overpayments/refunds":      "roles:agency_operator,agency_supervisor",
		"GET /office/payments/reconciliation":             "roles:agency_operator,agency_supervisor",
		"POST /office/payments/reconciliation":            "roles:agency_operator,agency_supervisor",
	}
	routes := w.rt.Routes()
	if len(routes) != len(want) {
		t.Errorf("%d routes, want %d", len(routes), len(want))
	}
	for _, r := range routes {
		if want[r.Pattern] != r.Access.Name {
			t.Errorf("%s: %s, want %s", r.Pattern, r.Access.Name, want[r.Pattern])
		}
	}
	anon := w.client(t, "", lang.EN)
	if status, _, _ := anon.get("/cabinet/payments"); status != http.StatusUnauthorized {
		t.Errorf("anonymous cabinet: %d", status)
	}
}
