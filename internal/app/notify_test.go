package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
)

// The demo person's inbox holds the demo's application and payment
// messages in Azerbaijani; another person cannot open them.
func TestNotifyDemoInbox(t *testing.T) {
	_, srv := newServer(t)
	b := signedIn(t, srv, "5ZQX7KA")
	code, body := b.get("/cabinet/messages")
	if code != http.StatusOK || !strings.Contains(body, "A-2026-000123 nömrəli müraciət") || !strings.Contains(body, "Ödəniş qəbul edildi") {
		t.Fatalf("inbox: %d, lacks the demo messages:\n%s", code, body)
	}
	if code, body := b.get("/cabinet/messages/1"); code != http.StatusOK || !strings.Contains(body, "<p>") {
		t.Fatalf("message 1: %d\n%s", code, body)
	}
	other := signedIn(t, srv, "2HPL4RM")
	if code, _ := other.get("/cabinet/messages/1"); code != http.StatusNotFound {
		t.Errorf("another person opening message 1: %d, want 404", code)
	}
	if code, _ := client(t).Get(srv.URL + "/cabinet/messages"); code == nil || code.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed out: %v, want 401", code)
	}
}

// A message sent through the wired app goes out by e-mail through
// EGOV_SMTP_ADDR when the dispatcher runs, and lands in the inbox.
func TestNotifyEndToEnd(t *testing.T) {
	smtpAddr, receivedMail := startSMTP(t)
	a, srv := startApp(t, "127.0.0.1", "-smtp-addr", smtpAddr, "-smtp-from", "egov <no-reply@egov.test>")
	ctx := context.Background()
	err := a.DB.Tx(ctx, func(tx *sql.Tx) error {
		_, err := a.Notify.Send(ctx, tx, notify.Message{
			To:       notify.Recipient{FIN: "5ZQX7KA", Email: "aysel@example.az", Lang: lang.EN},
			Template: "applications.status_changed", Kind: notify.KindApplication, IdempotencyKey: "e2e-1",
			Values: map[string]string{"number": "A-2026-000999", "service": "Passport", "status": "approved"},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Events.DispatchOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := mailsTo(receivedMail(), "aysel@example.az")
	if len(got) != 1 {
		t.Fatalf("SMTP server received %d messages, want 1", len(got))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got[0]))
	if err != nil {
		t.Fatal(err)
	}
	if subj := msg.Header.Get("Subject"); !strings.Contains(subj, "A-2026-000999") {
		t.Errorf("subject = %q", subj)
	}
	sent, err := a.Notify.Message(ctx, "e2e-1")
	if err != nil || sent.Deliveries[0].State != notify.StateSent {
		t.Fatalf("message = %+v, %v; want the e-mail sent", sent, err)
	}
	b := signedIn(t, srv, "5ZQX7KA")
	if _, body := b.get("/cabinet/messages"); !strings.Contains(body, "Application A-2026-000999: approved") {
		t.Errorf("inbox lacks the new message")
	}
}

// startSMTP runs a real SMTP server on a loopback port until the test
// ends; received returns the raw messages it has taken.
func startSMTP(t *testing.T) (addr string, received func() [][]byte) {
	t.Helper()
	var (
		mu   sync.Mutex
		mail [][]byte
	)
	server := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &appSMTPSession{deliver: func(b []byte) { mu.Lock(); mail = append(mail, b); mu.Unlock() }}, nil
	}))
	server.Domain = "smtp.test"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go server.Serve(l)
	t.Cleanup(func() { server.Close() })
	return l.Addr().String(), func() [][]byte {
		mu.Lock()
		defer mu.Unlock()
		return append([][]byte(nil), mail...)
	}
}

// mailsTo keeps the mails addressed to addr: the demo's own messages go
// to the registry's addresses of the demo people too.
func mailsTo(all [][]byte, addr string) [][]byte {
	var out [][]byte
	for _, m := range all {
		msg, err := mail.ReadMessage(bytes.NewReader(m))
		if err == nil && strings.Contains(strings.ToLower(msg.Header.Get("To")), strings.ToLower(addr)) {
			out = append(out, m)
		}
	}
	return out
}

// A person proves an e-mail address is theirs with the code egov mails
// to it; only then does the account hold it, verified.
func TestContactVerifiedByEmailCode(t *testing.T) {
	smtpAddr, receivedMail := startSMTP(t)
	a, srv := startApp(t, "127.0.0.1", "-smtp-addr", smtpAddr)
	b := signedIn(t, srv, "3KCR8WN")
	b.get("/cabinet/contacts")
	if code, page := b.post("/cabinet/contacts/email", url.Values{"email": {"tural@"}}); code != http.StatusUnprocessableEntity || !strings.Contains(page, "tural@") {
		t.Fatalf("bad address: %d (typed value kept: %v)", code, strings.Contains(page, "tural@"))
	}
	if code, _ := b.post("/cabinet/contacts/email", url.Values{"email": {"tural@example.az"}}); code != http.StatusSeeOther {
		t.Fatalf("send code: %d", code)
	}
	if _, err := a.Events.DispatchOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	mails := mailsTo(receivedMail(), "tural@example.az")
	if len(mails) != 1 {
		t.Fatalf("%d e-mails sent, want 1", len(mails))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(mails[0]))
	if err != nil {
		t.Fatal(err)
	}
	if to := msg.Header.Get("To"); !strings.Contains(to, "tural@example.az") {
		t.Errorf("code sent to %q", to)
	}
	body, _ := io.ReadAll(msg.Body)
	code := regexp.MustCompile(`\b\d{6}\b`).Find(body)
	if code == nil {
		t.Fatalf("no six-digit code in the e-mail")
	}
	b.get("/cabinet/contacts")
	if status, _ := b.post("/cabinet/contacts/email/confirm", url.Values{"email_code": {string(code)}}); status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", status)
	}
	acct, err := a.Identity.PersonAccount(context.Background(), "3KCR8WN")
	if err != nil {
		t.Fatal(err)
	}
	if acct.Email != "tural@example.az" || !acct.EmailVerified {
		t.Errorf("account e-mail %q verified %v", acct.Email, acct.EmailVerified)
	}
}

type appSMTPSession struct{ deliver func([]byte) }

func (s *appSMTPSession) Reset()                               {}
func (s *appSMTPSession) Logout() error                        { return nil }
func (s *appSMTPSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *appSMTPSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *appSMTPSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err == nil {
		s.deliver(b)
	}
	return err
}
