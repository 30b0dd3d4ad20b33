package notify_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// smtpServer is a real SMTP server (go-smtp) on 127.0.0.1 offering
// STARTTLS with a self-signed certificate. It keeps each message once per
// Message-ID, as a receiving system that deduplicates does, and can be
// told to refuse the next commands.
type smtpServer struct {
	addr string
	tls  *tls.Config // for the client: trusts the server's certificate

	mu       sync.Mutex
	byID     map[string][]byte // Message-ID → the message, first copy kept
	ids      []string          // Message-IDs in order of first arrival
	datas    int               // DATA commands accepted, duplicates included
	overTLS  bool              // every accepted message came over TLS
	failData []*smtp.SMTPError // replies to the next DATA commands
	failRcpt *smtp.SMTPError   // reply to every RCPT while set
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtp.test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)

	s := &smtpServer{byID: map[string][]byte{}, overTLS: true,
		tls: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{s: s, c: c}, nil
	}))
	srv.Domain = "smtp.test"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

type smtpSession struct {
	s *smtpServer
	c *smtp.Conn
}

func (x *smtpSession) Reset()        {}
func (x *smtpSession) Logout() error { return nil }
func (x *smtpSession) Mail(string, *smtp.MailOptions) error {
	return nil
}
func (x *smtpSession) Rcpt(string, *smtp.RcptOptions) error {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.failRcpt != nil {
		return x.s.failRcpt
	}
	return nil
}
func (x *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := x.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failData) > 0 {
		reply := s.failData[0]
		s.failData = s.failData[1:]
		return reply
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unparseable"}
	}
	if _, ok := x.c.TLSConnectionState(); !ok {
		s.overTLS = false
	}
	s.datas++
	id := msg.Header.Get("Message-ID")
	if _, dup := s.byID[id]; !dup {
		s.byID[id] = data
		s.ids = append(s.ids, id)
	}
	return nil
}

func (s *smtpServer) snapshot() (ids []string, datas int, overTLS bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ids...), s.datas, s.overTLS
}

func (s *smtpServer) message(id string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byID[id]
}

func newSMTPEnv(t *testing.T, db *store.DB, wrap func(events.Handler) events.Handler) (*env, *smtpServer) {
	t.Helper()
	srv := startSMTP(t)
	mailer, err := notify.NewSMTPMailer(notify.SMTPConfig{
		Addr: srv.addr, From: "egov <no-reply@egov.test>", TLS: notify.TLSRequired, TLSConfig: srv.tls, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return newEnv(t, db, mailer, wrap), srv
}

// fakePDF is a small PDF-looking file with every byte value in it, so a
// transfer that mangles binary data shows.
func fakePDF() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	for i := range 5000 {
		b.WriteByte(byte(i * 7))
	}
	b.WriteString("\r\n.\r\n..\n%%EOF\n")
	return b.Bytes()
}

func TestSMTPAttachmentArrivesIntact(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, srv := newSMTPEnv(t, db, nil)
		pdf := fakePDF()
		m := decided("k-pdf", notify.Recipient{AccountID: 3, Email: "aysel@example.az", Lang: lang.AZ})
		m.Values["name"] = "Aysel <Məmmədova> & Co"
		m.Attachments = []notify.Attachment{{Filename: "qərar A-2026-0001.pdf", ContentType: "application/pdf", Data: pdf}}
		sent, err := e.send(t, m)
		if err != nil {
			t.Fatal(err)
		}
		e.dispatch(t)

		d, err := e.svc.Delivery(ctx, sent.Deliveries[0].ID)
		if err != nil || d.State != notify.StateSent {
			t.Fatalf("delivery = %+v, %v; want sent", d, err)
		}
		ids, _, overTLS := srv.snapshot()
		if len(ids) != 1 || ids[0] != e.worker.MessageID(*d) {
			t.Fatalf("server has %v, want %s", ids, e.worker.MessageID(*d))
		}
		if !overTLS {
			t.Error("the message did not come over STARTTLS")
		}
		msg, err := mail.ReadMessage(bytes.NewReader(srv.message(ids[0])))
		if err != nil {
			t.Fatal(err)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || subject != "Müraciət A-2026-0001" {
			t.Errorf("subject = %q, %v", subject, err)
		}
		parts := readMultipart(t, msg.Header.Get("Content-Type"), msg.Body)
		if len(parts) != 2 || !strings.HasPrefix(parts[0].ctype, "multipart/alternative") || !strings.HasPrefix(parts[1].ctype, "application/pdf;") {
			t.Fatalf("mixed parts = %v", parts)
		}
		alt := readMultipart(t, parts[0].ctype, bytes.NewReader(parts[0].body))
		if len(alt) != 2 || !strings.HasPrefix(alt[0].ctype, "text/plain") || !strings.HasPrefix(alt[1].ctype, "text/html") {
			t.Fatalf("alternative parts = %v", alt)
		}
		if text := string(alt[0].body); !strings.Contains(text, "Hörmətli Aysel <Məmmədova> & Co, A-2026-0001") {
			t.Errorf("text part = %q", text)
		}
		if html := string(alt[1].body); !strings.Contains(html, "Aysel &lt;Məmmədova&gt; &amp; Co") || strings.Contains(html, "<Məmmədova>") {
			t.Errorf("html part = %q", html)
		}
		if parts[1].filename != "qərar A-2026-0001.pdf" {
			t.Errorf("filename = %q", parts[1].filename)
		}
		if !bytes.Equal(parts[1].body, pdf) {
			t.Errorf("the PDF changed in transit: got %d bytes, want %d", len(parts[1].body), len(pdf))
		}
	}, migrations...)
}

type mimePart struct {
	ctype, filename string
	body            []byte
}

func (p mimePart) String() string { return p.ctype + " (" + strconv.Itoa(len(p.body)) + " bytes)" }

// readMultipart splits a multipart body, undoing each part's transfer
// encoding (multipart.Reader undoes quoted-printable itself).
func readMultipart(t *testing.T, contentType string, body io.Reader) []mimePart {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("content type %q: %v", contentType, err)
	}
	r := multipart.NewReader(body, params["boundary"])
	var list []mimePart
	for {
		p, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			return list
		}
		if err != nil {
			t.Fatal(err)
		}
		var src io.Reader = p
		switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
		case "base64":
			src = base64.NewDecoder(base64.StdEncoding, p)
		case "quoted-printable": // only when multipart did not already
			src = quotedprintable.NewReader(p)
		}
		data, err := io.ReadAll(src)
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, mimePart{ctype: p.Header.Get("Content-Type"), filename: p.FileName(), body: data})
	}
}

func TestSMTPTemporaryFailureRetried(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, srv := newSMTPEnv(t, db, nil)
		srv.failData = []*smtp.SMTPError{
			{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"},
			{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too busy"},
		}
		sent, err := e.send(t, decided("k-4xx", notify.Recipient{AccountID: 3, Email: "aysel@example.az"}))
		if err != nil {
			t.Fatal(err)
		}
		id := sent.Deliveries[0].ID
		for i, wantState := range []string{notify.StatePending, notify.StatePending, notify.StateSent} {
			e.dispatch(t)
			d, _ := e.svc.Delivery(ctx, id)
			if d.State != wantState {
				t.Fatalf("after attempt %d: state %s, want %s", i+1, d.State, wantState)
			}
			e.clock.Add(time.Minute) // past the backoff
		}
		var attempts int
		var lastErr string
		db.QueryRowContext(ctx, `SELECT attempts, last_error FROM events_deliveries WHERE subscriber = $1`, notify.Subscriber).Scan(&attempts, &lastErr)
		if attempts != 3 || !strings.Contains(lastErr, "Too busy") {
			t.Errorf("dispatcher: attempts %d, last error %q; want 3 and the 421", attempts, lastErr)
		}
		if ids, _, _ := srv.snapshot(); len(ids) != 1 {
			t.Errorf("server has %d messages, want 1", len(ids))
		}
	}, migrations...)
}

func TestSMTPPermanentFailure(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, srv := newSMTPEnv(t, db, nil)
		srv.failRcpt = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
		sent, err := e.send(t, decided("k-5xx", notify.Recipient{AccountID: 3, Email: "nobody@example.az"}))
		if err != nil {
			t.Fatal(err)
		}
		e.dispatch(t)
		d, _ := e.svc.Delivery(ctx, sent.Deliveries[0].ID)
		if d.State != notify.StateFailed || !strings.Contains(d.LastError, "550") || !strings.Contains(d.LastError, "No such user here") {
			t.Fatalf("delivery = %+v, want failed with the server's 550 reply", d)
		}
		// Not retried: the dispatcher recorded the event as handled.
		e.clock.Add(time.Hour)
		e.dispatch(t)
		if _, datas, _ := srv.snapshot(); datas != 0 {
			t.Errorf("server accepted %d messages, want 0", datas)
		}
	}, migrations...)
}

// TestSMTPCrashAfterSend: the worker's transaction fails after the server
// accepted the e-mail (as if the process died before recording it), so
// the dispatcher runs the delivery again. The resend carries the same
// Message-ID, and the server keeps one message.
func TestSMTPCrashAfterSend(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		crashed := false
		crashOnce := func(h events.Handler) events.Handler {
			return func(ctx context.Context, tx *sql.Tx, ev events.Event) error {
				if err := h(ctx, tx, ev); err != nil {
					return err
				}
				if !crashed {
					crashed = true
					return errors.New("crash after send, before commit")
				}
				return nil
			}
		}
		e, srv := newSMTPEnv(t, db, crashOnce)
		sent, err := e.send(t, decided("k-crash", notify.Recipient{AccountID: 3, Email: "aysel@example.az"}))
		if err != nil {
			t.Fatal(err)
		}
		id := sent.Deliveries[0].ID
		e.dispatch(t)
		if d, _ := e.svc.Delivery(ctx, id); d.State != notify.StatePending {
			t.Fatalf("after the crash: %s, want pending (the record was rolled back)", d.State)
		}
		e.clock.Add(time.Minute)
		e.dispatch(t)
		d, _ := e.svc.Delivery(ctx, id)
		if d.State != notify.StateSent {
			t.Fatalf("after the retry: %s, want sent", d.State)
		}
		ids, datas, _ := srv.snapshot()
		if datas != 2 {
			t.Errorf("server saw %d DATA, want 2 (sent, crashed, sent again)", datas)
		}
		if len(ids) != 1 || ids[0] != e.worker.MessageID(*d) {
			t.Errorf("server's unique Message-IDs = %v, want just %s: sent once", ids, e.worker.MessageID(*d))
		}
	}, migrations...)
}
