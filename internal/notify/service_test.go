package notify_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// clock is a settable time for the service, worker and dispatcher.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	db     *store.DB
	svc    *notify.Service
	worker *notify.Worker
	disp   *events.Dispatcher
	clock  *clock
}

// newEnv builds the service with the sandbox SMS provider and the given
// mailer, a dispatcher on a test clock, and the platform templates plus
// validTemplate saved.
func newEnv(t *testing.T, db *store.DB, mailer notify.Mailer, wrap func(events.Handler) events.Handler) *env {
	t.Helper()
	return newEnvSMS(t, db, mailer, nil, wrap)
}

// newEnvSMS is newEnv with the SMS provider sms makes from the sandbox.
func newEnvSMS(t *testing.T, db *store.DB, mailer notify.Mailer, sms func(*notify.SandboxSMS) notify.SMSProvider,
	wrap func(events.Handler) events.Handler) *env {
	t.Helper()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
	svc := notify.New(db)
	svc.SetClock(c.Now)
	if err := svc.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SaveTemplate(ctx, validTemplate()); err != nil {
		t.Fatal(err)
	}
	var provider notify.SMSProvider = svc.SandboxSMS()
	if sms != nil {
		provider = sms(svc.SandboxSMS())
	}
	w := notify.NewWorker(svc, notify.WorkerConfig{Mailer: mailer, From: "egov <no-reply@egov.test>", Domain: "egov.test", SMS: provider, Expiry: 6 * time.Hour})
	w.SetClock(c.Now)
	d := events.NewDispatcher(db, nil, events.WithClock(c.Now), events.WithBackoff(time.Second, time.Minute))
	h := events.Handler(w.Handle)
	if wrap != nil {
		h = wrap(h)
	}
	d.SubscribePrepared(notify.Subscriber, notify.TopicDelivery, w.Prepare, h)
	return &env{db: db, svc: svc, worker: w, disp: d, clock: c}
}

var migrations = []store.Migrations{events.Migrations, notify.Migrations}

func (e *env) send(t *testing.T, m notify.Message) (*notify.Sent, error) {
	t.Helper()
	var sent *notify.Sent
	err := e.db.Tx(context.Background(), func(tx *sql.Tx) error {
		var err error
		sent, err = e.svc.Send(context.Background(), tx, m)
		return err
	})
	return sent, err
}

func (e *env) dispatch(t *testing.T) {
	t.Helper()
	if _, err := e.disp.DispatchOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func decided(key string, to notify.Recipient) notify.Message {
	return notify.Message{
		To: to, Template: "applications.decided", Kind: notify.KindApplication, IdempotencyKey: key,
		Values: map[string]string{"name": "Aysel Məmmədova", "number": "A-2026-0001"},
	}
}

func TestTemplates(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, nil, nil)
		t.Run("Versions", func(t *testing.T) {
			tpl := validTemplate()
			again, err := e.svc.SaveTemplate(ctx, tpl)
			if err != nil || again.Version != 1 {
				t.Fatalf("unchanged save: version %v, %v; want 1", again, err)
			}
			tpl.Body.EN = "Dear {{name}}, application {{number}} is decided."
			v2, err := e.svc.SaveTemplate(ctx, tpl)
			if err != nil || v2.Version != 2 {
				t.Fatalf("changed save: %v, %v; want version 2", v2, err)
			}
			got, err := e.svc.Template(ctx, tpl.Key)
			if err != nil || got.Version != 2 || got.Body.EN != tpl.Body.EN {
				t.Fatalf("latest = %+v, %v", got, err)
			}
		})
		t.Run("ErrOtherOwner", func(t *testing.T) {
			tpl := validTemplate()
			tpl.Owner = "tax"
			if _, err := e.svc.SaveTemplate(ctx, tpl); errs.KindOf(err) != errs.Conflict {
				t.Fatalf("err = %v, want conflict", err)
			}
		})
		t.Run("Preview", func(t *testing.T) {
			r, err := e.svc.Preview(ctx, notify.ContactCodeTemplate, lang.RU, map[string]string{"code": "<123>"})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.Subject, "<123>") || !strings.Contains(r.HTML, "&lt;123&gt;") || strings.Contains(r.HTML, "<123>") {
				t.Errorf("preview = %+v", r)
			}
		})
	}, migrations...)
}

func TestSend(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, nil, nil)
		to := notify.Recipient{AccountID: 7, Email: "aysel@example.az", Phone: "+994501234567", Lang: lang.EN}

		t.Run("ErrMissingValue", func(t *testing.T) {
			m := decided("k-missing", to)
			delete(m.Values, "number")
			_, err := e.send(t, m)
			ee := errs.As(err)
			if ee.Kind != errs.Invalid || ee.Args["Name"] != "number" || !strings.Contains(err.Error(), "{{number}}") {
				t.Fatalf("err = %v, want invalid naming {{number}}", err)
			}
			if _, err := e.svc.Message(ctx, "k-missing"); errs.KindOf(err) != errs.NotFound {
				t.Errorf("a refused message was stored: %v", err)
			}
		})
		t.Run("ErrUnknownTemplate", func(t *testing.T) {
			m := decided("k-unknown", to)
			m.Template = "no.such"
			if _, err := e.send(t, m); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("err = %v, want not found", err)
			}
		})
		t.Run("RenderedInRecipientLanguage", func(t *testing.T) {
			sent, err := e.send(t, decided("k-lang", to))
			if err != nil {
				t.Fatal(err)
			}
			if sent.Lang != lang.EN || sent.Subject != "Application A-2026-0001" || !sent.InInbox {
				t.Errorf("sent = %+v", sent)
			}
			// Defaults: e-mail on, SMS off.
			if len(sent.Deliveries) != 1 || sent.Deliveries[0].Channel != notify.ChannelEmail {
				t.Errorf("deliveries = %+v, want e-mail only", sent.Deliveries)
			}
		})
		t.Run("IdempotencyKey", func(t *testing.T) {
			first, err := e.send(t, decided("k-idem", to))
			if err != nil {
				t.Fatal(err)
			}
			second, err := e.send(t, decided("k-idem", to))
			if err != nil {
				t.Fatal(err)
			}
			if first.ID != second.ID || len(second.Deliveries) != len(first.Deliveries) {
				t.Fatalf("second send = %+v, want the first %+v", second, first)
			}
			var n, outbox int
			db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notify_messages WHERE idempotency_key = 'k-idem'`).Scan(&n)
			db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notify_deliveries WHERE message_id = $1`, first.ID).Scan(&outbox)
			if n != 1 || outbox != 1 {
				t.Errorf("messages = %d, deliveries = %d; want 1 and 1", n, outbox)
			}
		})
		t.Run("IdempotencyKeyConcurrent", func(t *testing.T) {
			var wg sync.WaitGroup
			ids := make([]int64, 8)
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := e.send(t, decided("k-race", to))
					if err != nil {
						t.Error(err)
						return
					}
					ids[i] = s.ID
				}()
			}
			wg.Wait()
			for _, id := range ids {
				if id != ids[0] {
					t.Fatalf("ids = %v, want one message", ids)
				}
			}
		})
		t.Run("Preferences", func(t *testing.T) {
			if err := e.svc.SetPreference(ctx, 7, notify.KindApplication, notify.ChannelEmail, false); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.SetPreference(ctx, 7, notify.KindApplication, notify.ChannelSMS, true); err != nil {
				t.Fatal(err)
			}
			sent, err := e.send(t, decided("k-prefs", to))
			if err != nil {
				t.Fatal(err)
			}
			if len(sent.Deliveries) != 1 || sent.Deliveries[0].Channel != notify.ChannelSMS || !sent.InInbox {
				t.Errorf("deliveries = %+v, want SMS only (and the inbox)", sent.Deliveries)
			}
			if err := e.svc.SetPreference(ctx, 7, notify.KindSecurity, notify.ChannelEmail, false); errs.KindOf(err) != errs.Invalid {
				t.Errorf("turning security off: err = %v, want invalid", err)
			}
			prefs, err := e.svc.Preferences(ctx, 7)
			if err != nil || len(prefs) != len(notify.Kinds)*2 || prefs[0].Enabled || !prefs[1].Enabled {
				t.Errorf("preferences = %+v, %v", prefs, err)
			}
		})
		t.Run("SecurityOnlyToAddressGiven", func(t *testing.T) {
			// Even with e-mail turned off for everything, a code goes.
			for _, k := range notify.Kinds {
				e.svc.SetPreference(ctx, 7, k, notify.ChannelEmail, false)
			}
			err := db.Tx(ctx, func(tx *sql.Tx) error {
				return e.svc.SendSecurityCode(ctx, tx, notify.Recipient{AccountID: 7, Email: "new@example.az", Phone: "+994501234567", Lang: lang.AZ}, notify.ChannelEmail, "481516")
			})
			if err != nil {
				t.Fatal(err)
			}
			sent, err := e.svc.Message(ctx, "contact-code:email:new@example.az:481516")
			if err != nil {
				t.Fatal(err)
			}
			if sent.InInbox || len(sent.Deliveries) != 1 || sent.Deliveries[0].Address != "new@example.az" {
				t.Errorf("sent = %+v, want one e-mail to new@example.az and no inbox copy", sent)
			}
			if !strings.Contains(sent.Body, "481516") || !strings.Contains(sent.Subject, "Təsdiq kodu") {
				t.Errorf("body = %q", sent.Body)
			}
		})
	}, migrations...)
}

func TestSMSSandbox(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, nil, nil)
		code := func(phone, c string) {
			t.Helper()
			if err := db.Tx(ctx, func(tx *sql.Tx) error {
				return e.svc.SendSecurityCode(ctx, tx, notify.Recipient{Phone: phone, Lang: lang.RU}, notify.ChannelSMS, c)
			}); err != nil {
				t.Fatal(err)
			}
		}
		code("+994501112233", "111222")
		code(notify.SandboxFailPrefix+"1234", "333444")
		e.dispatch(t)

		ok, err := e.svc.Message(ctx, "contact-code:sms:+994501112233:111222")
		if err != nil {
			t.Fatal(err)
		}
		if d := ok.Deliveries[0]; d.State != notify.StateDelivered || !strings.HasPrefix(d.ProviderID, "sandbox-") {
			t.Errorf("delivery = %+v, want delivered by the sandbox", d)
		}
		got, err := e.svc.SandboxMessages(ctx, "+994501112233")
		if err != nil || len(got) != 1 || !strings.Contains(got[0].Body, "111222") {
			t.Errorf("sandbox = %+v, %v", got, err)
		}
		bad, _ := e.svc.Message(ctx, "contact-code:sms:"+notify.SandboxFailPrefix+"1234:333444")
		if d := bad.Deliveries[0]; d.State != notify.StateFailed || !strings.Contains(d.LastError, "does not exist") {
			t.Errorf("delivery = %+v, want failed with the provider's reason", d)
		}
	}, migrations...)
}

// smsFunc adapts a function to notify.SMSProvider.
type smsFunc func(context.Context, notify.SMS) (notify.SMSResult, error)

func (f smsFunc) SendSMS(ctx context.Context, m notify.SMS) (notify.SMSResult, error) {
	return f(ctx, m)
}

// The SMS provider is called outside the dispatcher's transaction: a
// write transaction of its own goes through at once (on SQLite the
// dispatcher's transaction would hold the one write lock for as long as
// a remote provider took to answer). A crash after sending sends again
// under the same idempotency key, which the provider drops: one message,
// one provider ID.
func TestSMSSentOutsideTheTransaction(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var calls atomic.Int32
		var lockErr error
		provider := func(sandbox *notify.SandboxSMS) notify.SMSProvider {
			return smsFunc(func(ctx context.Context, m notify.SMS) (notify.SMSResult, error) {
				calls.Add(1)
				wctx, cancel := context.WithTimeout(ctx, 3*time.Second)
				defer cancel()
				if err := db.Tx(wctx, func(tx *sql.Tx) error {
					_, err := tx.ExecContext(wctx, `UPDATE notify_deliveries SET state = state WHERE id = 0`)
					return err
				}); err != nil {
					lockErr = err
				}
				return sandbox.SendSMS(ctx, m)
			})
		}
		var crashes atomic.Int32
		crashOnce := func(h events.Handler) events.Handler {
			return func(ctx context.Context, tx *sql.Tx, ev events.Event) error {
				if crashes.Add(1) == 1 {
					return errors.New("crash after sending")
				}
				return h(ctx, tx, ev)
			}
		}
		e := newEnvSMS(t, db, nil, provider, crashOnce)
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			return e.svc.SendSecurityCode(ctx, tx, notify.Recipient{Phone: "+994501112244", Lang: lang.AZ}, notify.ChannelSMS, "555666")
		}); err != nil {
			t.Fatal(err)
		}
		e.dispatch(t) // sends, then the handler crashes
		e.clock.Add(time.Hour)
		e.dispatch(t) // sends again, recorded
		if lockErr != nil {
			t.Errorf("the provider's own write failed, so it ran inside a transaction: %v", lockErr)
		}
		got, err := e.svc.SandboxMessages(ctx, "+994501112244")
		if calls.Load() != 2 || err != nil || len(got) != 1 {
			t.Fatalf("%d sends, sandbox holds %+v (%v); want 2 sends of one message", calls.Load(), got, err)
		}
		m, err := e.svc.Message(ctx, "contact-code:sms:+994501112244:555666")
		if err != nil {
			t.Fatal(err)
		}
		if d := m.Deliveries[0]; d.State != notify.StateDelivered || !strings.HasPrefix(d.ProviderID, "sandbox-") {
			t.Errorf("delivery = %+v, want delivered by the sandbox", d)
		}
	}, migrations...)
}

func TestExpiry(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		down := mailerFunc(func(context.Context, notify.Email) error { return errTemporary })
		e := newEnv(t, db, down, nil)
		sent, err := e.send(t, decided("k-exp", notify.Recipient{AccountID: 1, Email: "a@example.az"}))
		if err != nil {
			t.Fatal(err)
		}
		e.dispatch(t)
		if d, _ := e.svc.Delivery(ctx, sent.Deliveries[0].ID); d.State != notify.StatePending {
			t.Fatalf("after a temporary failure: %+v, want pending", d)
		}
		e.clock.Add(7 * time.Hour)
		e.dispatch(t)
		d, _ := e.svc.Delivery(ctx, sent.Deliveries[0].ID)
		if d.State != notify.StateExpired || !strings.Contains(d.LastError, "6h0m0s") {
			t.Fatalf("after 7 h: %+v, want expired", d)
		}
	}, migrations...)
}

func TestInboxOwnership(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, nil, nil)
		mine, err := e.send(t, decided("k-own", notify.Recipient{AccountID: 1, Lang: lang.RU}))
		if err != nil {
			t.Fatal(err)
		}
		list, unread, err := e.svc.Inbox(ctx, notify.Owner{AccountID: 1}, 50)
		if err != nil || len(list) != 1 || unread != 1 {
			t.Fatalf("inbox = %d messages, %d unread, %v", len(list), unread, err)
		}
		if _, err := e.svc.Open(ctx, notify.Owner{AccountID: 2}, mine.ID); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another account opened it: %v", err)
		}
		m, err := e.svc.Open(ctx, notify.Owner{AccountID: 1}, mine.ID)
		if err != nil || m.ReadAt == nil || m.Lang != lang.RU {
			t.Fatalf("open = %+v, %v", m, err)
		}
		if _, unread, _ := e.svc.Inbox(ctx, notify.Owner{AccountID: 1}, 50); unread != 0 {
			t.Errorf("unread after opening = %d", unread)
		}
	}, migrations...)
}

func TestInboxByFIN(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, nil, nil)
		if err := e.svc.SeedDemo(ctx, "5ZQX7KA", lang.EN); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SeedDemo(ctx, "5ZQX7KA", lang.EN); err != nil {
			t.Fatal(err)
		}
		list, unread, err := e.svc.Inbox(ctx, notify.Owner{AccountID: 9, FIN: "5ZQX7KA"}, 10)
		if err != nil || len(list) != 2 || unread != 2 {
			t.Fatalf("inbox = %d, %d unread, %v; want the 2 demo messages", len(list), unread, err)
		}
		if !strings.Contains(list[0].Subject+list[1].Subject, "Payment received: 5,00 AZN") {
			t.Errorf("subjects = %q, %q", list[0].Subject, list[1].Subject)
		}
		for _, o := range []notify.Owner{{AccountID: 9, FIN: "7ABCDEF"}, {AccountID: 9}, {}} {
			if _, err := e.svc.Open(ctx, o, list[0].ID); errs.KindOf(err) != errs.NotFound {
				t.Errorf("%+v opened another person's message: %v", o, err)
			}
		}
	}, migrations...)
}
