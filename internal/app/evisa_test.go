package app_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/egov/egov/internal/browsertest"
	"github.com/egov/egov/internal/web"
)

// facePhoto writes a 300×400 PNG portrait to a temporary file.
func facePhoto(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 300, 400))
	for y := 0; y < 400; y++ {
		for x := 0; x < 300; x++ {
			img.Set(x, y, color.RGBA{uint8(x % 251), uint8(y % 241), uint8((x * y) % 239), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "face.png")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// setValue sets a form control's value as a person's choice would (date
// inputs and selects, whose typing depends on the browser's locale).
func (w *walk) setValue(selector, value string) {
	w.t.Helper()
	cctx, cancel := context.WithTimeout(w.ctx, browsertest.Timeout)
	defer cancel()
	if err := chromedp.Do(cctx, chromedp.SetValue(chromedp.CSS(selector), value)); err != nil {
		w.t.Fatalf("set %s: %v", selector, err)
	}
}

// SMITH JOHN applies for an e-visa without an account, in English, makes
// one mistake and corrects it, pays with a sandbox card; the migration
// operator approves; the visa arrives by e-mail as a PDF; the border
// officer records his entry, and a second entry is refused.
func TestBrowserEVisa(t *testing.T) {
	ctx := browsertest.Chromium(t)
	smtpAddr, received := startSMTP(t)
	a, srv := startApp(t, "127.0.0.1", "-smtp-addr", smtpAddr, "-smtp-from", "egov <no-reply@egov.test>")
	w := &walk{t: t, ctx: ctx, lang: "en"}
	const email = "john.smith@example.com"
	today := time.Now().In(web.Baku).Format(time.DateOnly)

	signInWithDemoForm(t, ctx, srv, "")
	w.accessible("the service", 200, browsertest.Open(t, ctx, srv.URL+"/services/e-visa?lang=en"))
	w.accessible("start", 200, w.click(`main a[href="/e-visa"]`))
	w.accessible("nothing filled in", http.StatusUnprocessableEntity, w.click(`form[action="/e-visa"] button[type="submit"]`))
	if n := browsertest.Count(t, ctx, ".error-summary a[href='#email']"); n != 1 {
		t.Error("no error summary linking to the e-mail")
	}
	w.fill("#email", email)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("speed"))); err != nil {
		t.Fatal(err)
	}
	w.setValue("#entry_date", today)
	w.setValue("#purpose", "tourism")
	w.fill("#address", "Hotel Baku, Neftchilar avenue 1")
	got := w.click(`form[action="/e-visa"] button[type="submit"]`)
	w.accessible("the application", 200, got)
	draftURL := got.URL
	number := regexp.MustCompile(`[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}`).FindString(w.text(".number"))
	if number == "" {
		t.Fatalf("no application number: %q", w.text(".number"))
	}

	// A passport that ends too soon is refused; what he typed stays, and
	// so does the photo.
	w.setValue("#nationality", "GBR")
	w.fill("#surname", "SMITH")
	w.fill("#given_names", "JOHN")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("sex"))); err != nil {
		t.Fatal(err)
	}
	w.setValue("#birth_date", "1982-04-09")
	w.fill("#number", "533401372")
	w.setValue("#expires", time.Now().AddDate(0, 4, 0).Format(time.DateOnly))
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("photo"), []string{facePhoto(t)})); err != nil {
		t.Fatal(err)
	}
	w.accessible("passport too short", http.StatusUnprocessableEntity, w.click(`form[action$="/people"] button[type="submit"]`))
	if n := browsertest.Count(t, ctx, ".error-summary a[href='#expires']"); n != 1 {
		t.Error("no error summary linking to the passport's expiry")
	}
	if surname, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("surname"))); err != nil || surname != "SMITH" {
		t.Errorf("the surname typed was lost: %q, %v", surname, err)
	}
	if n := browsertest.Count(t, ctx, `input[name="photo_id"]`); n != 1 {
		t.Error("the accepted photo was not kept")
	}
	w.setValue("#expires", "2032-01-01")
	w.accessible("person added", 200, w.click(`form[action$="/people"] button[type="submit"]`))
	if !strings.Contains(w.text("#people + .table-wrap"), "SMITH JOHN") {
		t.Fatalf("SMITH JOHN is not in the application: %s", w.text("main"))
	}
	w.accessible("to payment", 200, w.click(`form[action$="/submit"] button`))
	got = w.click(`form[action="/payments/pay"] button[type="submit"]`)
	if !strings.Contains(got.URL, "/sandbox-acquirer/pay/") {
		t.Fatalf("not at the acquirer's card page: %s (%d)", got.URL, got.Status)
	}
	w.fill("#card", "4242424242424242")
	got = w.click(`form:has(#card) button`)
	if !strings.Contains(got.URL, "/payments/return?payment=") || got.Status != 200 {
		t.Fatalf("not back at egov: %s (%d)", got.URL, got.Status)
	}
	bg := context.Background()
	if _, err := a.Events.DispatchOnce(bg); err != nil {
		t.Fatal(err)
	}
	w.accessible("paid", 200, browsertest.Open(t, ctx, draftURL))
	if !strings.Contains(w.text("main"), "Paid") {
		t.Errorf("the application does not say it is paid: %s", w.text("main"))
	}

	// The migration operator decides.
	signInWithDemoForm(t, ctx, srv, "migration.operator")
	w.accessible("queue", 200, browsertest.Open(t, ctx, srv.URL+"/office/e-visa?lang=en"))
	w.accessible("his application", 200, w.click(`a[href^="/office/e-visa/people/"]`))
	if text := w.text("main"); !strings.Contains(text, "533401372") || !strings.Contains(text, "Nothing found") {
		t.Errorf("the operator's page: %s", text)
	}
	if n := browsertest.Count(t, ctx, `main img[src^="data:image/png;base64,"]`); n != 1 {
		t.Error("the operator sees no photo")
	}
	w.accessible("approved", 200, w.click(`button[value="approve"]`))
	if !strings.Contains(w.text("main"), "Visa issued") {
		t.Fatalf("not issued: %s", w.text("main"))
	}
	visa := strings.TrimSpace(regexp.MustCompile(`Visa number\s*([0-9A-Z]{9})`).FindStringSubmatch(w.text("main"))[1])

	// The watch list: a wrong year is refused beside its field with what
	// was typed kept; the entry is then listed, and removed again.
	w.accessible("watch list", 200, browsertest.Open(t, ctx, srv.URL+"/office/e-visa/watch-list?lang=en"))
	w.fill("#name", "Əliyev Tural")
	w.fill("#birth_year", "19x9")
	w.fill("#reason", "WL-2026-0099")
	addEntry := `form[action="/office/e-visa/watch-list"] button[type="submit"]`
	w.accessible("watch entry with a bad year", http.StatusUnprocessableEntity, w.click(addEntry))
	if n := browsertest.Count(t, ctx, ".error-summary a[href='#birth_year']"); n != 1 {
		t.Error("no error summary linking to the year of birth")
	}
	if name, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("name"))); err != nil || name != "Əliyev Tural" {
		t.Errorf("the name typed was lost: %q, %v", name, err)
	}
	w.setValue("#birth_year", "1989")
	w.accessible("watch entry added", 200, w.click(addEntry))
	if !strings.Contains(w.text("main table"), "WL-2026-0099") {
		t.Fatalf("the entry is not listed: %s", w.text("main"))
	}
	entries, err := a.EVisa.WatchEntries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Reason == "WL-2026-0099" {
			w.accessible("watch entry removed", 200, w.click(fmt.Sprintf(`form[action="/office/e-visa/watch-list/%d/remove"] button`, e.ID)))
		}
	}
	if strings.Contains(w.text("main table"), "WL-2026-0099") {
		t.Errorf("the removed entry is still listed: %s", w.text("main table"))
	}

	// The visa arrives by e-mail, as a PDF.
	if _, err := a.Events.DispatchOnce(bg); err != nil {
		t.Fatal(err)
	}
	mails := mailsTo(received(), email)
	if len(mails) != 1 {
		t.Fatalf("%d e-mails to %s, want 1", len(mails), email)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(mails[0]))
	if err != nil {
		t.Fatal(err)
	}
	if subj := msg.Header.Get("Subject"); !strings.Contains(subj, visa) {
		t.Errorf("subject %q lacks the visa number %s", subj, visa)
	}
	if raw := string(mails[0]); !strings.Contains(raw, "application/pdf") || !strings.Contains(raw, "e-visa-"+visa+".pdf") {
		t.Error("the e-mail has no PDF of the visa")
	}

	// He finds it again by application number and passport number.
	signInWithDemoForm(t, ctx, srv, "")
	w.accessible("status form", 200, browsertest.Open(t, ctx, srv.URL+"/e-visa/status?lang=en"))
	w.fill("#number", number)
	w.fill("#passport", "533401372")
	w.accessible("status", 200, w.click(`form[action="/e-visa/status"] button`))
	if n := browsertest.Count(t, ctx, `form[action="/e-visa/status/pdf"]`); n != 1 {
		t.Error("no download of the issued visa")
	}
	anon := client(t)
	_, page := get(t, anon, srv.URL+"/e-visa/status")
	token := csrfInput.FindStringSubmatch(page)[1]
	resp, err := anon.PostForm(srv.URL+"/e-visa/status/pdf", url.Values{"csrf_token": {token}, "number": {number}, "passport": {"533401372"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// At the border.
	signInWithDemoForm(t, ctx, srv, "border.officer")
	w.accessible("border", 200, browsertest.Open(t, ctx, srv.URL+"/border?lang=en"))
	check := func(what string) {
		t.Helper()
		w.setValue("#visa", visa)
		w.setValue("#passport", "533401372")
		w.accessible(what, 200, w.click(`form:has(#visa) button`))
	}
	check("checked")
	if text := w.text("#check-title"); !strings.Contains(text, "Valid") {
		t.Fatalf("the answer: %q", text)
	}
	if n := browsertest.Count(t, ctx, `section img[src^="data:image/png;base64,"]`); n != 1 {
		t.Error("the officer sees no photo")
	}
	w.accessible("entry recorded", 200, w.click(`form[action="/border/entry"] button`))
	if !strings.Contains(w.text(".notice"), "entry was recorded") {
		t.Errorf("no confirmation: %s", w.text("main"))
	}
	check("checked again")
	if text := w.text("#check-title"); !strings.Contains(text, "Used") {
		t.Errorf("after entry the answer is %q, want used", text)
	}
	if n := browsertest.Count(t, ctx, `form[action="/border/entry"]`); n != 0 {
		t.Error("a used visa offers another entry")
	}
	officer := staffSignedIn(t, srv, "border.officer")
	officer.get("/border")
	code, page := officer.post("/border/entry", url.Values{"visa": {visa}, "passport": {"533401372"}, "key": {"second-try"}})
	if code != http.StatusConflict || !strings.Contains(page, "second entry") {
		t.Errorf("a second entry: %d, want 409 and the refusal", code)
	}
	w.accessible("overstays", 200, browsertest.Open(t, ctx, srv.URL+"/border/overstays?lang=en"))
}

// Applying works in Azerbaijani and Russian too: every page of the way
// is checked, and a nationality that cannot apply online is told where
// to go instead, in the person's language.
func TestBrowserEVisaLanguages(t *testing.T) {
	ctx := browsertest.Chromium(t)
	_, srv := startBrowserApp(t)
	today := time.Now().In(web.Baku).Format(time.DateOnly)
	embassy := map[string]string{"az": "səfirliyində", "ru": "посольство"}
	for _, l := range []string{"az", "ru"} {
		t.Run(l, func(t *testing.T) {
			w := &walk{t: t, ctx: ctx, lang: l}
			signInWithDemoForm(t, ctx, srv, "")
			w.accessible("start", 200, browsertest.Open(t, ctx, srv.URL+"/e-visa?lang="+l))
			w.fill("#email", "traveller@example.com")
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("speed"))); err != nil {
				t.Fatal(err)
			}
			w.setValue("#entry_date", today)
			w.setValue("#purpose", "business")
			w.fill("#address", "Bakı, Nizami küçəsi 10")
			w.accessible("the application", 200, w.click(`form[action="/e-visa"] button[type="submit"]`))
			w.setValue("#nationality", "AFG")
			w.fill("#surname", "KARIMI")
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("sex"))); err != nil {
				t.Fatal(err)
			}
			w.setValue("#birth_date", "1990-01-01")
			w.fill("#number", "P1234567")
			w.setValue("#expires", "2034-01-01")
			w.accessible("not eligible", http.StatusUnprocessableEntity, w.click(`form[action$="/people"] button[type="submit"]`))
			if text := w.text("#nationality-error"); !strings.Contains(text, embassy[l]) {
				t.Errorf("the refusal does not say where to go: %q", text)
			}
			w.accessible("status form", 200, browsertest.Open(t, ctx, srv.URL+"/e-visa/status?lang="+l))
			w.fill("#number", "ABC-DEF-GHJ")
			w.fill("#passport", "P1234567")
			w.accessible("nothing found", http.StatusNotFound, w.click(`form[action="/e-visa/status"] button`))
		})
	}
}
