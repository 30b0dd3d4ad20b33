package notify_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

type hook struct {
	Auth string
	Body notify.Callback
}

// callbackReceiver answers the first fails requests 500, then 204.
func callbackReceiver(t *testing.T, fails int) (*httptest.Server, func() []hook) {
	t.Helper()
	var (
		mu  sync.Mutex
		got []hook
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var h hook
		h.Auth = r.Header.Get("Authorization")
		if err := json.Unmarshal(raw, &h.Body); err != nil || r.Method != "POST" || r.URL.Path != "/hook" {
			t.Errorf("callback %s %s: %s (%v)", r.Method, r.URL.Path, raw, err)
		}
		mu.Lock()
		defer mu.Unlock()
		got = append(got, h)
		if fails > 0 {
			fails--
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []hook { mu.Lock(); defer mu.Unlock(); return append([]hook(nil), got...) }
}

// settle dispatches until nothing is left, stepping the clock past the
// retry delays.
func (e *env) settle(t *testing.T) {
	t.Helper()
	for range 10 {
		e.dispatch(t)
		e.clock.Add(2 * time.Minute)
	}
}

func TestCallbacks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, &mailbox{}, nil)
		post, recorded := e.svc.Callbacks(nil)
		e.disp.SubscribePrepared(notify.CallbackSubscriber, notify.TopicCallback, post, recorded)
		agencyTemplates(t, e.svc)
		api := apiServer(t, db, e.svc)
		cb, received := callbackReceiver(t, 1)

		t.Run("RetriedUntil2xx", func(t *testing.T) {
			body := strings.Replace(reminder, `"reference":"ref-1"`,
				`"reference":"ref-cb","callback_url":"`+cb.URL+`/hook","callback_token":"s3cret"`, 1)
			a := call(t, api, "POST", "/api/v1/notifications", "egk_tax", "idem-cb", body).want(t, 201)
			e.settle(t)
			got := received()
			if len(got) != 2 {
				t.Fatalf("callbacks = %+v, want a 500 then a retry", got)
			}
			want := notify.Callback{ID: got[0].Body.ID, Reference: "ref-cb", Status: notify.StateSent, Channel: notify.ChannelEmail, UpdatedAt: got[0].Body.UpdatedAt}
			for _, h := range got {
				if h.Auth != "Bearer s3cret" || !reflect.DeepEqual(h.Body, want) || strconv.FormatInt(h.Body.ID, 10) != a.id() || h.Body.UpdatedAt.IsZero() {
					t.Errorf("callback = %+v, want %+v for %s", h, want, a.id())
				}
			}
		})
		t.Run("FailedWithReason", func(t *testing.T) {
			body := `{"template":"tax.reminder","to":{"phone":"` + notify.SandboxFailPrefix + `123"},"values":{"number":"T","amount":"1"},` +
				`"reference":"ref-fail","callback_url":"` + cb.URL + `/hook"}`
			call(t, api, "POST", "/api/v1/notifications", "egk_tax", "idem-cb-fail", body).want(t, 201)
			e.settle(t)
			got := received()
			last := got[len(got)-1]
			if last.Body.Reference != "ref-fail" || last.Body.Status != notify.StateFailed || last.Body.Channel != notify.ChannelSMS ||
				!strings.Contains(last.Body.Reason, "does not exist") || last.Auth != "" {
				t.Fatalf("callback = %+v", last)
			}
			l := call(t, api, "GET", "/api/v1/notifications?status=failed", "egk_tax", "", "").want(t, 200)
			if items, _ := l.Body["items"].([]any); len(items) != 1 {
				t.Errorf("failed list = %s", l.Raw)
			}
		})
		t.Run("TestKeyDelivered", func(t *testing.T) {
			n := len(received())
			body := strings.Replace(reminder, `"reference":"ref-1"`, `"reference":"ref-test","callback_url":"`+cb.URL+`/hook"`, 1)
			call(t, api, "POST", "/api/v1/notifications", "egk_test_tax", "idem-cb-test", body).want(t, 201)
			e.settle(t)
			got := received()
			if len(got) != n+1 || got[n].Body.Status != notify.StateDelivered || got[n].Body.Reference != "ref-test" {
				t.Fatalf("callbacks = %+v", got[n:])
			}
		})
		t.Run("NoCallbackForModuleMessages", func(t *testing.T) {
			n := len(received())
			if _, err := e.send(t, decided("k-module", notify.Recipient{AccountID: 3, Email: "m@example.az"})); err != nil {
				t.Fatal(err)
			}
			e.settle(t)
			var pending int
			db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM events_outbox WHERE topic = $1`, notify.TopicCallback).Scan(&pending)
			if len(received()) != n || pending != 3 {
				t.Errorf("callbacks %d → %d, outbox callbacks %d (want 3: sent, failed, delivered)", n, len(received()), pending)
			}
		})
	}, migrations...)
}

func TestRateLimits(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, nil, nil)
		e.clock.Add(10 * time.Minute) // 09:10: 50 min left in the hour's window
		e.svc.SetLimits(notify.Limits{PerRecipient: 3, PerSender: 5})
		to := notify.Recipient{AccountID: 9, Email: "r@example.az"}
		sent := func(key string, to notify.Recipient) notify.Message {
			m := decided(key, to)
			m.Sender = "registry"
			return m
		}

		t.Run("PerRecipient", func(t *testing.T) {
			for i := range 2 {
				if _, err := e.send(t, sent(fmt.Sprintf("r-%d", i), to)); err != nil {
					t.Fatal(err)
				}
			}
			// A module's own message (no sender) counts but always goes.
			for _, key := range []string{"r-module", "r-module-2"} {
				if _, err := e.send(t, decided(key, to)); err != nil {
					t.Fatalf("module message over the limit: %v", err)
				}
			}
			_, err := e.send(t, sent("r-3", to))
			if errs.KindOf(err) != errs.TooMany || notify.RetryAfter(err) != 50*60 {
				t.Fatalf("4th message: %v (retry after %d), want too many, 3000 s", err, notify.RetryAfter(err))
			}
			if _, err := e.svc.Message(ctx, "r-3"); errs.KindOf(err) != errs.NotFound {
				t.Errorf("a refused message was stored: %v", err)
			}
			// The same address for someone else is the same recipient.
			if _, err := e.send(t, sent("r-4", notify.Recipient{AccountID: 10, Email: "R@example.az"})); errs.KindOf(err) != errs.TooMany {
				t.Fatalf("same address: %v, want too many", err)
			}
			// A replay of a message already sent is not a new one.
			if _, err := e.send(t, sent("r-0", to)); err != nil {
				t.Fatalf("replay: %v", err)
			}
			// Security messages always go.
			if err := db.Tx(ctx, func(tx *sql.Tx) error {
				return e.svc.SendSecurityCode(ctx, tx, to, notify.ChannelEmail, "111111")
			}); err != nil {
				t.Fatalf("security code: %v", err)
			}
			e.clock.Add(50 * time.Minute)
			if _, err := e.send(t, sent("r-5", to)); err != nil {
				t.Fatalf("next hour: %v", err)
			}
		})
		t.Run("PerSender", func(t *testing.T) {
			from := func(key string, account int64, kind string) notify.Message {
				m := decided(key, notify.Recipient{AccountID: account, Email: fmt.Sprintf("p%d@example.az", account)})
				m.Sender, m.Kind = "tax", kind
				if kind == notify.KindSecurity {
					m.Template, m.Values = notify.ContactCodeTemplate, map[string]string{"code": "1"}
				}
				return m
			}
			for i := range 4 {
				if _, err := e.send(t, from(fmt.Sprintf("s-%d", i), int64(100+i), notify.KindApplication)); err != nil {
					t.Fatal(err)
				}
			}
			// A security message is counted against its sender, too.
			if _, err := e.send(t, from("s-sec", 200, notify.KindSecurity)); err != nil {
				t.Fatal(err)
			}
			_, err := e.send(t, from("s-6", 300, notify.KindApplication))
			if errs.KindOf(err) != errs.TooMany || notify.RetryAfter(err) != 60 {
				t.Fatalf("6th message: %v (retry %d), want too many in 60 s", err, notify.RetryAfter(err))
			}
			if _, err := e.send(t, from("s-sec2", 201, notify.KindSecurity)); errs.KindOf(err) != errs.TooMany {
				t.Fatalf("security over the sender's limit: %v", err)
			}
			// Other senders are not held up.
			m := from("s-other", 301, notify.KindApplication)
			m.Sender = "customs"
			if _, err := e.send(t, m); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("Prune", func(t *testing.T) {
			e.clock.Add(2 * time.Hour)
			if err := e.svc.PruneRates(ctx); err != nil {
				t.Fatal(err)
			}
			var n int
			db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notify_rate_windows`).Scan(&n)
			if n != 0 {
				t.Errorf("%d windows left", n)
			}
		})
	}, migrations...)
}

func TestAPIRateLimit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil, nil)
		e.clock.Add(15 * time.Second)
		e.svc.SetLimits(notify.Limits{PerSender: 2, PerRecipient: -1})
		agencyTemplates(t, e.svc)
		api := apiServer(t, db, e.svc)
		for i := range 2 {
			call(t, api, "POST", "/api/v1/notifications", "egk_tax", fmt.Sprintf("rl-%d", i), reminder).want(t, 201)
		}
		a := call(t, api, "POST", "/api/v1/notifications", "egk_tax", "rl-3", reminder).want(t, 429)
		if a.Header.Get("Retry-After") != "45" || !strings.Contains(a.Raw, "45") {
			t.Fatalf("Retry-After %q, problem %s", a.Header.Get("Retry-After"), a.Raw)
		}
		// A replay is answered, and each key has its own count.
		call(t, api, "POST", "/api/v1/notifications", "egk_tax", "rl-0", reminder).want(t, 200)
		call(t, api, "POST", "/api/v1/notifications", "egk_test_tax", "rl-3", reminder).want(t, 201)
		e.clock.Add(time.Minute)
		call(t, api, "POST", "/api/v1/notifications", "egk_tax", "rl-3", reminder).want(t, 201)
	}, migrations...)
}

func TestSchemasMatch(t *testing.T) {
	ctx := context.Background()
	lite, err := storetest.SQLite(t, migrations...).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := storetest.Postgres(t, migrations...).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for table, cols := range lite {
		if strings.HasPrefix(table, "notify_") && !reflect.DeepEqual(cols, pg[table]) {
			t.Errorf("%s: sqlite %v, postgres %v", table, cols, pg[table])
		}
	}
}
