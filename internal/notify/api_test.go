package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/egov/egov/internal/identity"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

// Fake API keys and the principals they resolve to, as
// applications.Service.ResolveKey makes them.
var apiKeys = map[string]*web.Principal{
	"egk_tax":      {Subject: "apikey:live:1", Name: "tax/billing", Roles: []string{identity.RoleAgencySystem}, Agency: "tax"},
	"egk_test_tax": {Subject: "apikey:test:2", Name: "tax/dev", Roles: []string{identity.RoleAgencySystem}, Agency: "tax"},
	"egk_customs":  {Subject: "apikey:live:3", Name: "customs/x", Roles: []string{identity.RoleAgencySystem}, Agency: "customs"},
	"egk_person":   {Subject: "person:5ZQX7KA", Roles: []string{"citizen"}, FIN: "5ZQX7KA"},
}

// apiServer serves the notify routes through the site's middleware, with
// the fake keys above resolved by the site's ResolveBearer.
func apiServer(t *testing.T, db *store.DB, svc *notify.Service) *httptest.Server {
	t.Helper()
	site := web.NewSite(db, web.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), Logger: slog.New(slog.DiscardHandler)})
	site.ResolveBearer = func(_ context.Context, token string) (*web.Principal, error) {
		return apiKeys[token], nil
	}
	rt := web.NewRouter(site)
	notify.NewHTTP(svc, site).Routes(rt)
	srv := httptest.NewServer(site.Handler(rt, web.NewMetrics()))
	t.Cleanup(srv.Close)
	return srv
}

type apiAnswer struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func call(t *testing.T, srv *httptest.Server, method, path, key, idem, body string) apiAnswer {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := apiAnswer{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	json.Unmarshal(raw, &a.Body)
	return a
}

func (a apiAnswer) want(t *testing.T, status int) apiAnswer {
	t.Helper()
	if a.Status != status {
		t.Fatalf("status %d, want %d: %s", a.Status, status, a.Raw)
	}
	if status >= 400 && !strings.HasPrefix(a.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("content type %q, want a problem", a.Header.Get("Content-Type"))
	}
	return a
}

func (a apiAnswer) id() string { return jsonNumber(a.Body["id"]) }

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// agencyTemplates saves a template of the tax agency and one of customs.
func agencyTemplates(t *testing.T, svc *notify.Service) {
	t.Helper()
	for _, owner := range []string{"tax", "customs"} {
		_, err := svc.SaveTemplate(context.Background(), notify.Template{
			Owner: owner, Key: owner + ".reminder",
			Subject: lang.Text{AZ: "Xatırlatma {{number}}", EN: "Reminder {{number}}", RU: "Напоминание {{number}}"},
			Body:    lang.Text{AZ: "Borc: {{amount}}", EN: "Due: {{amount}}", RU: "К оплате: {{amount}}"},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

const reminder = `{"template":"tax.reminder","to":{"email":"aysel@example.az"},"values":{"number":"T-1","amount":"5 AZN"},"reference":"ref-1"}`

type mailbox struct {
	mu   sync.Mutex
	sent []notify.Email
}

func (m *mailbox) Send(_ context.Context, e notify.Email) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, e)
	return nil
}

func (m *mailbox) count() int { m.mu.Lock(); defer m.mu.Unlock(); return len(m.sent) }

func TestAPISend(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mail := &mailbox{}
		e := newEnv(t, db, mail, nil)
		agencyTemplates(t, e.svc)
		srv := apiServer(t, db, e.svc)

		var first apiAnswer
		t.Run("Created", func(t *testing.T) {
			first = call(t, srv, "POST", "/api/v1/notifications", "egk_tax", "idem-1", reminder).want(t, 201)
			b := first.Body
			tpl, _ := b["template"].(map[string]any)
			if b["reference"] != "ref-1" || b["status"] != "pending" || b["test"] != false || tpl["key"] != "tax.reminder" ||
				tpl["version"] != 1.0 || b["created_at"] == nil || b["id"] == nil {
				t.Fatalf("answer = %s", first.Raw)
			}
			e.dispatch(t)
			got := call(t, srv, "GET", "/api/v1/notifications/"+first.id(), "egk_tax", "", "").want(t, 200)
			ds, _ := got.Body["deliveries"].([]any)
			if got.Body["status"] != "sent" || len(ds) != 1 || ds[0].(map[string]any)["channel"] != "email" || ds[0].(map[string]any)["status"] != "sent" {
				t.Fatalf("status = %s", got.Raw)
			}
			if strings.Contains(got.Raw, "aysel@example.az") {
				t.Errorf("the status shows the address: %s", got.Raw)
			}
			if mail.count() != 1 || mail.sent[0].To != "aysel@example.az" || mail.sent[0].Subject != "Xatırlatma T-1" {
				t.Errorf("mail = %+v", mail.sent)
			}
		})
		t.Run("SameKeySameBody", func(t *testing.T) {
			again := call(t, srv, "POST", "/api/v1/notifications", "egk_tax", "idem-1", reminder).want(t, 200)
			if again.id() != first.id() {
				t.Fatalf("replay id %s, want %s", again.id(), first.id())
			}
			// Another agency's key of the same name is another message.
			other := `{"template":"customs.reminder","to":{"email":"aysel@example.az"},"values":{"number":"T-1","amount":"5 AZN"}}`
			if a := call(t, srv, "POST", "/api/v1/notifications", "egk_customs", "idem-1", other).want(t, 201); a.id() == first.id() {
				t.Fatal("customs got tax's notification")
			}
		})
		t.Run("ErrSameKeyOtherBody", func(t *testing.T) {
			body := strings.Replace(reminder, "5 AZN", "6 AZN", 1)
			a := call(t, srv, "POST", "/api/v1/notifications", "egk_tax", "idem-1", body).want(t, 409)
			if !strings.Contains(a.Raw, "Idempotency-Key") {
				t.Errorf("problem = %s", a.Raw)
			}
		})
		t.Run("ErrNoIdempotencyKey", func(t *testing.T) {
			call(t, srv, "POST", "/api/v1/notifications", "egk_tax", "", reminder).want(t, 422)
		})
		t.Run("ErrOtherAgencysTemplate", func(t *testing.T) {
			body := strings.Replace(reminder, "tax.reminder", "customs.reminder", 1)
			call(t, srv, "POST", "/api/v1/notifications", "egk_tax", "idem-2", body).want(t, 404)
			body = strings.Replace(reminder, "tax.reminder", "no.such", 1)
			call(t, srv, "POST", "/api/v1/notifications", "egk_tax", "idem-2", body).want(t, 404)
			// A security template is the platform's alone.
			body = `{"template":"identity.contact_code","to":{"email":"a@example.az"},"values":{"code":"1"}}`
			call(t, srv, "POST", "/api/v1/notifications", "egk_tax", "idem-2", body).want(t, 404)
		})
		t.Run("PlatformTemplate", func(t *testing.T) {
			if _, err := e.svc.SaveTemplate(ctx, notify.Template{Owner: notify.PlatformOwner, Key: "platform.news",
				Subject: lang.Text{AZ: "X", EN: "X", RU: "X"}, Body: lang.Text{AZ: "Y", EN: "Y", RU: "Y"}}); err != nil {
				t.Fatal(err)
			}
			call(t, srv, "POST", "/api/v1/notifications", "egk_tax", "idem-platform",
				`{"template":"platform.news","to":{"phone":"+994501234567"}}`).want(t, 201)
		})
		t.Run("ErrMissingValue", func(t *testing.T) {
			body := `{"template":"tax.reminder","to":{"email":"aysel@example.az"},"values":{"number":"T-1"}}`
			a := call(t, srv, "POST", "/api/v1/notifications", "egk_tax", "idem-3", body).want(t, 422)
			if !strings.Contains(a.Raw, "amount") {
				t.Errorf("problem does not name the placeholder: %s", a.Raw)
			}
		})
		t.Run("ErrBadBody", func(t *testing.T) {
			for _, body := range []string{
				`{"template":"tax.reminder","to":{"email":"a@example.az"},"extra":1}`,
				`{"template":"tax.reminder","to":{}}`,
				`{"template":"tax.reminder","to":{"email":"a@example.az"},"callback_url":"http://example.az/cb"}`,
				`{"template":"tax.reminder","to":{"email":"a@example.az"},"reference":"` + strings.Repeat("x", 101) + `"}`,
				`{"template":"tax.reminder","to":{"email":"a@example.az"}} {}`,
				`not json`,
			} {
				call(t, srv, "POST", "/api/v1/notifications", "egk_tax", "idem-bad", body).want(t, 422)
			}
		})
		t.Run("Access", func(t *testing.T) {
			call(t, srv, "GET", "/api/v1/notifications", "", "", "").want(t, 401)
			call(t, srv, "POST", "/api/v1/notifications", "egk_person", "idem-4", reminder).want(t, 403)
			call(t, srv, "GET", "/api/v1/notifications/"+first.id(), "egk_customs", "", "").want(t, 404)
			call(t, srv, "GET", "/api/v1/notifications/x", "egk_tax", "", "").want(t, 404)
		})
		t.Run("TestKeyNeverDelivers", func(t *testing.T) {
			e.dispatch(t)
			before := mail.count()
			body := `{"template":"tax.reminder","to":{"fin":"5ZQX7KA","email":"aysel@example.az","phone":"+994509999999"},"values":{"number":"T-9","amount":"1 AZN"}}`
			a := call(t, srv, "POST", "/api/v1/notifications", "egk_test_tax", "idem-1", body).want(t, 201)
			if a.Body["test"] != true || a.Body["status"] != "delivered" || a.id() == first.id() {
				t.Fatalf("answer = %s", a.Raw)
			}
			e.dispatch(t)
			if mail.count() != before {
				t.Errorf("a test key's message was mailed")
			}
			if sms, _ := e.svc.SandboxMessages(ctx, "+994509999999"); len(sms) != 0 {
				t.Errorf("a test key's message was texted: %+v", sms)
			}
			if list, _, _ := e.svc.Inbox(ctx, notify.Owner{FIN: "5ZQX7KA"}, 10); len(list) != 0 {
				t.Errorf("a test key's message is in the inbox: %+v", list)
			}
			got := call(t, srv, "GET", "/api/v1/notifications/"+a.id(), "egk_tax", "", "").want(t, 200)
			ds, _ := got.Body["deliveries"].([]any)
			if len(ds) != 1 || ds[0].(map[string]any)["status"] != "delivered" {
				t.Errorf("deliveries = %s", got.Raw)
			}
		})
		t.Run("List", func(t *testing.T) {
			for i, ref := range []string{"ref-a", "ref-b", "ref-a"} {
				body := strings.Replace(reminder, "ref-1", ref, 1)
				call(t, srv, "POST", "/api/v1/notifications", "egk_tax", "idem-list-"+string(rune('0'+i)), body).want(t, 201)
			}
			a := call(t, srv, "GET", "/api/v1/notifications?reference=ref-a", "egk_tax", "", "").want(t, 200)
			items, _ := a.Body["items"].([]any)
			if len(items) != 2 || jsonNumber(items[0].(map[string]any)["id"]) <= jsonNumber(items[1].(map[string]any)["id"]) {
				t.Fatalf("items = %s", a.Raw)
			}
			a = call(t, srv, "GET", "/api/v1/notifications?status=sent", "egk_tax", "", "").want(t, 200)
			if items, _ := a.Body["items"].([]any); len(items) != 1 || jsonNumber(items[0].(map[string]any)["id"]) != first.id() {
				t.Fatalf("sent items = %s", a.Raw)
			}
			a = call(t, srv, "GET", "/api/v1/notifications?limit=2", "egk_tax", "", "").want(t, 200)
			if items, _ := a.Body["items"].([]any); len(items) != 2 {
				t.Fatalf("limited items = %s", a.Raw)
			}
			a = call(t, srv, "GET", "/api/v1/notifications", "egk_customs", "", "").want(t, 200)
			if items, _ := a.Body["items"].([]any); len(items) != 1 {
				t.Fatalf("customs sees %s", a.Raw)
			}
			call(t, srv, "GET", "/api/v1/notifications?status=lost", "egk_tax", "", "").want(t, 422)
		})
		t.Run("UnreachableAndContactLookup", func(t *testing.T) {
			body := `{"template":"tax.reminder","to":{"fin":"AAAAAA1"},"values":{"number":"T-2","amount":"2 AZN"}}`
			a := call(t, srv, "POST", "/api/v1/notifications", "egk_tax", "idem-unreach", body).want(t, 201)
			if a.Body["unreachable"] != true || a.Body["status"] != "delivered" {
				t.Fatalf("answer = %s", a.Raw)
			}
			if list, _, _ := e.svc.Inbox(ctx, notify.Owner{FIN: "AAAAAA1"}, 10); len(list) != 1 {
				t.Errorf("the unreachable message is not in the inbox: %+v", list)
			}
			var asked []string
			e.svc.SetContactLookup(func(_ context.Context, fin string) (string, string, error) {
				asked = append(asked, fin)
				return "registry@example.az", "+994551112233", nil
			})
			defer e.svc.SetContactLookup(nil)
			body = `{"template":"tax.reminder","to":{"fin":"BBBBBB2"},"values":{"number":"T-3","amount":"3 AZN"}}`
			a = call(t, srv, "POST", "/api/v1/notifications", "egk_tax", "idem-lookup", body).want(t, 201)
			if a.Body["unreachable"] != false || len(asked) != 1 || asked[0] != "BBBBBB2" {
				t.Fatalf("answer = %s, asked %v", a.Raw, asked)
			}
			got := call(t, srv, "GET", "/api/v1/notifications/"+a.id(), "egk_tax", "", "").want(t, 200)
			// No account: the defaults (e-mail on, SMS off) apply.
			if ds, _ := got.Body["deliveries"].([]any); len(ds) != 1 || ds[0].(map[string]any)["channel"] != "email" || strings.Contains(got.Raw, "registry@") {
				t.Fatalf("status = %s", got.Raw)
			}
			l := call(t, srv, "GET", "/api/v1/notifications?unreachable=1", "egk_tax", "", "").want(t, 200)
			if items, _ := l.Body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["reference"] != "" ||
				items[0].(map[string]any)["unreachable"] != true {
				t.Fatalf("unreachable list = %s", l.Raw)
			}
		})
	}, migrations...)
}

func TestSendUnreachable(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil, nil)
		sent, err := e.send(t, decided("k-unreach", notify.Recipient{AccountID: 5}))
		if err != nil || !sent.Unreachable || !sent.InInbox {
			t.Fatalf("sent = %+v, %v; want an unreachable inbox message", sent, err)
		}
		got, err := e.svc.Message(context.Background(), "k-unreach")
		if err != nil || !got.Unreachable {
			t.Fatalf("stored = %+v, %v", got, err)
		}
		// Someone who turned every outside channel off is not unreachable.
		e.svc.SetPreference(context.Background(), 6, notify.KindApplication, notify.ChannelEmail, false)
		if sent, err := e.send(t, decided("k-inbox-only", notify.Recipient{AccountID: 6})); err != nil || sent.Unreachable {
			t.Fatalf("sent = %+v, %v", sent, err)
		}
		// The registries are asked only when the person wants e-mail or SMS.
		asked := 0
		e.svc.SetContactLookup(func(context.Context, string) (string, string, error) { asked++; return "", "", nil })
		if sent, err := e.send(t, decided("k-nothing-known", notify.Recipient{FIN: "CCCCCC3"})); err != nil || !sent.Unreachable || asked != 1 {
			t.Fatalf("sent = %+v, %v, asked %d", sent, err, asked)
		}
		if sent, err := e.send(t, decided("k-wants-none", notify.Recipient{AccountID: 6, FIN: "DDDDDD4"})); err != nil || sent.Unreachable || asked != 1 {
			t.Fatalf("sent = %+v, %v, asked %d", sent, err, asked)
		}
	}, migrations...)
}

func TestAPISendConcurrentSameKey(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil, nil)
		agencyTemplates(t, e.svc)
		srv := apiServer(t, db, e.svc)
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			ids     = map[string]int{}
			created int
		)
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := call(t, srv, "POST", "/api/v1/notifications", "egk_tax", "idem-race", reminder)
				mu.Lock()
				defer mu.Unlock()
				switch a.Status {
				case 201:
					created++
				case 200:
				default:
					t.Errorf("status %d: %s", a.Status, a.Raw)
				}
				ids[a.id()]++
			}()
		}
		wg.Wait()
		if created != 1 || len(ids) != 1 {
			t.Fatalf("created %d, ids %v; want one notification", created, ids)
		}
	}, migrations...)
}
