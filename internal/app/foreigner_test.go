package app_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/egov/egov/internal/app"
)

// foreignerDetails are John Smith's, as in his British passport.
func foreignerDetails(email string) url.Values {
	return url.Values{"passport": {"533401372"}, "nationality": {"GBR"}, "surname": {"SMITH"},
		"given_names": {"JOHN"}, "birth_date": {"1980-04-02"}, "email": {email}}
}

// lastCode delivers queued e-mail and returns the six-digit code in the
// newest one, checking it went to want.
func lastCode(t *testing.T, a *app.App, received func() [][]byte, count int, want string) string {
	t.Helper()
	if _, err := a.Events.DispatchOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	mails := mailsTo(received(), want)
	if len(mails) != count {
		t.Fatalf("%d e-mails sent, want %d", len(mails), count)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(mails[len(mails)-1]))
	if err != nil {
		t.Fatal(err)
	}
	if to := msg.Header.Get("To"); !strings.Contains(to, want) {
		t.Fatalf("code sent to %q, want %s", to, want)
	}
	body, _ := io.ReadAll(msg.Body)
	code := regexp.MustCompile(`\b\d{6}\b`).Find(body)
	if code == nil {
		t.Fatal("no six-digit code in the e-mail")
	}
	return string(code)
}

func foreignerBrowser(t *testing.T, srv *httptest.Server) *browserClient {
	b := &browserClient{t: t, srv: srv, c: client(t)}
	if code, _ := b.get("/auth/foreigner?lang=en"); code != http.StatusOK {
		t.Fatalf("GET /auth/foreigner: %d", code)
	}
	return b
}

// A foreigner signs up with passport details and an e-mail code, and signs
// in again the same way; the wrong code or another e-mail is refused.
func TestForeignerSignupAndSignin(t *testing.T) {
	smtpAddr, received := startSMTP(t)
	a, srv := startApp(t, "127.0.0.1", "-smtp-addr", smtpAddr)
	b := foreignerBrowser(t, srv)

	// Bad passport number and nationality: errors next to the fields,
	// what was typed kept.
	bad := foreignerDetails("john.smith@example.com")
	bad.Set("passport", "53-34")
	bad.Set("nationality", "XXX")
	code, page := b.post("/auth/foreigner", bad)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("bad details: %d", code)
	}
	for _, want := range []string{`id="passport-error"`, `id="nationality-error"`, "5 to 9 Latin letters", `value="53-34"`,
		`value="SMITH"`, `value="JOHN"`, `value="1980-04-02"`, `value="john.smith@example.com"`} {
		if !strings.Contains(page, want) {
			t.Errorf("bad details page lacks %s", want)
		}
	}
	if strings.Contains(page, `id="surname-error"`) || strings.Contains(page, `name="email_code"`) {
		t.Error("bad details page marks a good field or asks for a code")
	}

	// The right details: a code goes to the e-mail.
	details := foreignerDetails("John.Smith@example.com")
	if code, page := b.post("/auth/foreigner", details); code != http.StatusOK || !strings.Contains(page, `name="email_code"`) {
		t.Fatalf("sign-up: %d (code form: %v)", code, strings.Contains(page, `name="email_code"`))
	}
	sent := lastCode(t, a, received, 1, "john.smith@example.com")

	confirm := url.Values{"step": {"code"}, "passport": {"533401372"}, "nationality": {"GBR"}, "email": {"John.Smith@example.com"}}
	wrong := url.Values{}
	for k, v := range confirm {
		wrong[k] = v
	}
	wrong.Set("email_code", strings.Map(func(r rune) rune { return '0' + (r-'0'+1)%10 }, sent))
	if code, page := b.post("/auth/foreigner", wrong); code != http.StatusUnprocessableEntity || !strings.Contains(page, `id="email_code-error"`) {
		t.Fatalf("wrong code: %d", code)
	}
	if code, _ := b.get("/cabinet"); code == http.StatusOK {
		t.Fatal("signed in after a wrong code")
	}
	confirm.Set("email_code", sent)
	if code, _ := b.post("/auth/foreigner", confirm); code != http.StatusSeeOther {
		t.Fatalf("right code: %d", code)
	}
	code, page = b.get("/cabinet?lang=en")
	if code != http.StatusOK || !strings.Contains(page, "JOHN SMITH") || !strings.Contains(page, "foreigner") {
		t.Fatalf("cabinet: %d (name %v, role %v)", code, strings.Contains(page, "JOHN SMITH"), strings.Contains(page, "foreigner"))
	}
	if code, page := b.get("/cabinet/contacts?lang=en"); code != http.StatusOK || !strings.Contains(page, "john.smith@example.com") || !strings.Contains(page, "confirmed") {
		t.Fatalf("contacts: %d; the e-mail is not shown confirmed", code)
	}
	if code, page := b.get("/cabinet/activity?lang=en"); code != http.StatusOK || !strings.Contains(page, "code sent by e-mail") {
		t.Errorf("activity: %d; no e-mail code sign-in listed", code)
	}

	// Returning with another e-mail: refused, saying nothing of the
	// account, and no code sent.
	other := foreignerBrowser(t, srv)
	code, page = other.post("/auth/foreigner", foreignerDetails("someone@example.org"))
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "We cannot sign you in with these details") || strings.Contains(page, `name="email_code"`) {
		t.Fatalf("other e-mail: %d", code)
	}
	if strings.Contains(page, "john.smith@example.com") {
		t.Error("the refusal shows the account's e-mail")
	}
	if _, err := a.Events.DispatchOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(mailsTo(received(), "@example.com")); n != 1 {
		t.Fatalf("%d e-mails after a refused sign-in, want 1", n)
	}

	// Returning with the confirmed e-mail: a new code signs him in.
	again := foreignerBrowser(t, srv)
	if code, _ := again.post("/auth/foreigner", foreignerDetails("john.smith@example.com")); code != http.StatusOK {
		t.Fatalf("returning: %d", code)
	}
	confirm.Set("email_code", lastCode(t, a, received, 2, "john.smith@example.com"))
	if code, _ := again.post("/auth/foreigner", confirm); code != http.StatusSeeOther {
		t.Fatalf("returning code: %d", code)
	}
	if code, page := again.get("/cabinet"); code != http.StatusOK || !strings.Contains(page, "JOHN SMITH") {
		t.Fatalf("returning cabinet: %d", code)
	}
}
