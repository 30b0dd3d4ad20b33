package notify_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
)

// inboxServer serves the notify routes with the account named by the
// X-Account header signed in (the session layer is the web package's and
// tested there).
func inboxServer(t *testing.T, db *store.DB, svc *notify.Service) *httptest.Server {
	t.Helper()
	site := web.NewSite(db, web.Options{Secret: []byte("0123456789abcdef0123456789abcdef")})
	rt := web.NewRouter(site)
	notify.NewHTTP(svc, site).Routes(rt)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if id, err := strconv.ParseInt(r.Header.Get("X-Account"), 10, 64); err == nil {
			ctx = web.WithPrincipal(ctx, &web.Principal{AccountID: id, Subject: "person:test", Roles: []string{"citizen"}})
		}
		if l, ok := lang.Parse(r.URL.Query().Get("lang")); ok {
			ctx = web.WithLang(ctx, l)
		}
		rt.ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path string, account int64) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	if account != 0 {
		req.Header.Set("X-Account", strconv.FormatInt(account, 10))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func TestInboxHTTP(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil, nil)
		m := decided("k-http", notify.Recipient{AccountID: 1, Lang: lang.RU})
		m.Values["name"] = "<script>alert(1)</script>"
		sent, err := e.send(t, m)
		if err != nil {
			t.Fatal(err)
		}
		srv := inboxServer(t, db, e.svc)
		msgPath := "/cabinet/messages/" + strconv.FormatInt(sent.ID, 10)

		t.Run("ListUnread", func(t *testing.T) {
			status, body := get(t, srv, "/cabinet/messages?lang=en", 1)
			if status != 200 || !strings.Contains(body, "Заявление A-2026-0001") || !strings.Contains(body, `lang="ru"`) || !strings.Contains(body, "Unread: 1") {
				t.Fatalf("status %d, body lacks the unread Russian message:\n%s", status, body)
			}
		})
		t.Run("OtherPersonGets404", func(t *testing.T) {
			if status, _ := get(t, srv, msgPath, 2); status != http.StatusNotFound {
				t.Fatalf("status %d, want 404", status)
			}
			if status, _ := get(t, srv, "/cabinet/messages/notanumber", 1); status != http.StatusNotFound {
				t.Fatalf("status %d, want 404", status)
			}
		})
		t.Run("SignedOutGets401", func(t *testing.T) {
			if status, _ := get(t, srv, msgPath, 0); status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", status)
			}
		})
		t.Run("OpenMarksRead", func(t *testing.T) {
			status, body := get(t, srv, msgPath+"?lang=ru", 1)
			if status != 200 || !strings.Contains(body, "&lt;script&gt;") || strings.Contains(body, "<script>alert") {
				t.Fatalf("status %d, body:\n%s", status, body)
			}
			if _, unread, _ := e.svc.Inbox(context.Background(), notify.Owner{AccountID: 1}, 10); unread != 0 {
				t.Errorf("unread = %d after opening", unread)
			}
		})
		t.Run("Settings", func(t *testing.T) {
			status, body := get(t, srv, "/cabinet/messages/settings", 1)
			if status != 200 || !strings.Contains(body, `id="payment-sms"`) {
				t.Fatalf("status %d, body:\n%s", status, body)
			}
			form := url.Values{"payment-sms": {"on"}, "payment-email": {"on"}}
			req, _ := http.NewRequest("POST", srv.URL+"/cabinet/messages/settings", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Account", "1")
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d, want 303", res.StatusCode)
			}
			prefs, _ := e.svc.Preferences(context.Background(), 1)
			on := map[string]bool{}
			for _, p := range prefs {
				on[p.Kind+"-"+p.Channel] = p.Enabled
			}
			if !on["payment-sms"] || !on["payment-email"] || on["application-email"] {
				t.Errorf("preferences = %v", on)
			}
		})
	}, migrations...)
}
