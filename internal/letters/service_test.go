package letters_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/files"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/letters"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/refnum"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
	"github.com/egov/egov/internal/web"
	"github.com/egov/egov/internal/workdays"
)

var migrations = []store.Migrations{events.Migrations, audit.Migrations, catalog.Migrations, notify.Migrations,
	files.Migrations, letters.Migrations}

var signingKey = []byte("letters-test-signing-key-0123456789")

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	svc    *letters.Service
	db     *store.DB
	notify *notify.Service
	clock  *clock
}

var (
	sessionStart = time.Date(2026, 3, 18, 9, 30, 0, 0, time.UTC)
	aysel        = letters.Actor{Kind: letters.ActorPerson, AccountID: 10, Subject: "person:5ZQX7KA", ID: "5ZQX7KA",
		FIN: "5ZQX7KA", Name: "Aysel Məmmədova", Lang: lang.EN, Session: letters.SessionHash("aysel-session"),
		SessionStarted: sessionStart}
	other = letters.Actor{Kind: letters.ActorPerson, AccountID: 99, Subject: "person:2HPL4RM", ID: "2HPL4RM",
		FIN: "2HPL4RM", Name: "Rəşad Əliyev", Lang: lang.AZ, Session: letters.SessionHash("other-session"),
		SessionStarted: sessionStart}
	operator = letters.Actor{Kind: letters.ActorStaff, AccountID: 20, Subject: "staff:din.operator", ID: "din.operator",
		Name: "DİN Operator", Agency: "internal-affairs", Session: letters.SessionHash("operator-session"),
		SessionStarted: sessionStart}
	colleague = letters.Actor{Kind: letters.ActorStaff, AccountID: 21, Subject: "staff:din.supervisor", ID: "din.supervisor",
		Name: "DİN Supervisor", Agency: "internal-affairs", Session: letters.SessionHash("supervisor-session"),
		SessionStarted: sessionStart}
	stranger = letters.Actor{Kind: letters.ActorStaff, AccountID: 30, Subject: "staff:migration.operator", ID: "migration.operator",
		Name: "Migration Operator", Agency: "migration", Session: letters.SessionHash("stranger-session"),
		SessionStarted: sessionStart}
)

// pdf is a small valid PDF; tag makes its content (and so its ID) unique.
func pdf(tag string) io.Reader {
	return strings.NewReader("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%" + tag + "\n%%EOF\n")
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	cat := catalog.New(db, nil)
	seed, err := catalog.DemoSeed()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Seed(ctx, seed); err != nil {
		t.Fatal(err)
	}
	if err := cat.Load(ctx); err != nil {
		t.Fatal(err)
	}
	n := notify.New(db)
	if err := letters.SeedTemplates(ctx, n); err != nil {
		t.Fatal(err)
	}
	// Wednesday 18 March 2026, 14:00 in Baku: two days before Novruz.
	c := &clock{t: time.Date(2026, 3, 18, 10, 0, 0, 0, time.UTC)}
	svc := letters.New(db, letters.Config{Catalog: cat, Files: files.NewStore(db.DB, t.TempDir(), files.SignatureScanner{}),
		Notify: n, Calendar: workdays.Default(), SigningKey: signingKey, Now: c.Now,
		People: func(ctx context.Context, fin string) (letters.Person, error) {
			switch fin {
			case aysel.FIN:
				return letters.Person{AccountID: aysel.AccountID, Name: aysel.Name, Lang: lang.EN}, nil
			case other.FIN:
				return letters.Person{AccountID: other.AccountID, Name: other.Name, Lang: lang.AZ}, nil
			}
			return letters.Person{}, errs.E(errs.NotFound, "identity.error.not_found")
		}})
	return &fixture{svc: svc, db: db, notify: n, clock: c}
}

func (f *fixture) write(t *testing.T, actor letters.Actor, files ...letters.Upload) *letters.Letter {
	t.Helper()
	l, err := f.svc.Write(context.Background(), actor, letters.Draft{Agency: "internal-affairs",
		Subject: "Noise from a night club", Text: "Good day,\n\nthe club next door plays music until 4 a.m.\nPlease check its licence.",
		Files: files})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func bakuDate(t *time.Time) string {
	if t == nil {
		return "<nil>"
	}
	return t.In(web.Baku).Format("2006-01-02 15:04")
}

func audited(t *testing.T, db *store.DB, action, number string) int {
	t.Helper()
	list, err := audit.List(context.Background(), db, audit.Filter{Action: action, Object: "letter:" + number, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func inbox(t *testing.T, n *notify.Service, o notify.Owner) []notify.Sent {
	t.Helper()
	list, _, err := n.Inbox(context.Background(), o, 50)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestLetterFromWritingToAnswer(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		l := f.write(t, aysel, letters.Upload{Name: "photo-of-the-club.pdf", Content: pdf("a")})
		if l.Status != letters.Sent || l.Direction != letters.ToAgency || len(l.Attachments) != 1 || !f.svc.Verify(l) {
			t.Fatalf("written: %+v", l)
		}
		if _, ok := refnum.Parse(l.Ref()); !ok {
			t.Fatalf("number %q does not check", l.Ref())
		}
		// 15 working days from Wednesday 18 March 2026: Novruz and Ramazan
		// (20–24 March) and the four rest days they bring (25–27 and 30
		// March) leave 19 March as the only working day that week; the
		// 15th is Friday 17 April.
		if got := bakuDate(l.DueAt); got != "2026-04-17 23:59" {
			t.Fatalf("due %s, want 2026-04-17 23:59", got)
		}
		sent, err := f.svc.Sent(ctx, aysel)
		if err != nil || len(sent) != 1 || sent[0].Number != l.Number {
			t.Fatalf("sent folder: %v, %v", sent, err)
		}
		if received, _ := f.svc.Received(ctx, aysel); len(received) != 0 {
			t.Fatalf("received folder: %v", received)
		}
		open, err := f.svc.Inbox(ctx, operator, letters.ShowOpen)
		if err != nil || len(open) != 1 || open[0].Number != l.Number {
			t.Fatalf("agency inbox: %v, %v", open, err)
		}
		if answered, _ := f.svc.Inbox(ctx, operator, letters.ShowAnswered); len(answered) != 0 {
			t.Fatalf("answered before the answer: %v", answered)
		}

		// Every read by an official is in the audit log.
		if audited(t, db, "letter.read", l.Number) != 0 {
			t.Fatal("a read was logged before anyone read")
		}
		got, err := f.svc.OfAgency(ctx, operator, l.Ref())
		if err != nil || got.Text != l.Text || !f.svc.Verify(got) {
			t.Fatalf("office read: %+v, %v", got, err)
		}
		if _, err := f.svc.OfAgency(ctx, colleague, l.Number); err != nil {
			t.Fatal(err)
		}
		if n := audited(t, db, "letter.read", l.Number); n != 2 {
			t.Fatalf("%d reads logged, want 2", n)
		}
		rc, at, err := f.svc.AgencyFile(ctx, operator, l.Number, l.Attachments[0].FileID)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(rc)
		rc.Close()
		if !strings.HasPrefix(string(body), "%PDF") || at.Name != "photo-of-the-club.pdf" {
			t.Fatalf("file %q: %q", at.Name, body)
		}
		if n := audited(t, db, "letter.read", l.Number); n != 3 {
			t.Fatalf("%d reads logged after a download, want 3", n)
		}

		// Extended once, to 30 working days from sending: Friday 8 May.
		f.clock.Add(24 * time.Hour)
		ext, err := f.svc.Extend(ctx, operator, l.Number, "We have asked the municipality for the club's licence.")
		if err != nil {
			t.Fatal(err)
		}
		if ext.Status != letters.Extended || bakuDate(ext.DueAt) != "2026-05-08 23:59" || ext.ExtendedAt == nil {
			t.Fatalf("extended: status %s due %s", ext.Status, bakuDate(ext.DueAt))
		}
		if _, err := f.svc.Extend(ctx, operator, l.Number, "Again."); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("a second extension: %v", err)
		}
		if !f.svc.Verify(ext) {
			t.Fatal("the extension broke the letter's signature")
		}

		f.clock.Add(10 * 24 * time.Hour)
		done, err := f.svc.Answer(ctx, operator, l.Number, "The club's licence was checked; it must close at midnight.",
			[]letters.Upload{{Name: "inspection.pdf", Content: pdf("answer")}})
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != letters.Answered || done.AnsweredAt == nil || len(done.AnswerAttachments) != 1 || done.Open() {
			t.Fatalf("answered: %+v", done)
		}
		mine, err := f.svc.Mine(ctx, aysel, l.Number)
		if err != nil || mine.Answer == "" || mine.ExtensionReason == "" || mine.State(f.clock.Now()) != "answered" {
			t.Fatalf("the person's thread: %+v, %v", mine, err)
		}
		rc, _, err = f.svc.MyFile(ctx, aysel, l.Number, done.AnswerAttachments[0].FileID)
		if err != nil {
			t.Fatal(err)
		}
		rc.Close()
		if audited(t, db, "letter.extend", l.Number) != 1 || audited(t, db, "letter.answer", l.Number) != 1 {
			t.Fatal("extension and answer are not both audited")
		}
		if answered, _ := f.svc.Inbox(ctx, operator, letters.ShowAnswered); len(answered) != 1 {
			t.Fatalf("answered folder: %v", answered)
		}

		msgs := inbox(t, f.notify, notify.Owner{AccountID: aysel.AccountID})
		if len(msgs) != 2 {
			t.Fatalf("%d messages, want the extension and the answer", len(msgs))
		}
		var keys []string
		for _, m := range msgs {
			keys = append(keys, m.TemplateKey)
			if !strings.Contains(m.Subject, l.Ref()) || !strings.Contains(m.Body, "Noise from a night club") ||
				!strings.Contains(m.Body, "Ministry of Internal Affairs") || m.Lang != lang.EN {
				t.Errorf("message %q / %q does not name the letter, its subject and agency in English", m.Subject, m.Body)
			}
		}
		slices.Sort(keys)
		if strings.Join(keys, ",") != "letters.answered,letters.extended" {
			t.Fatalf("messages %v", keys)
		}
	}, migrations...)
}

// The deadlines of letters sent on known dates, as the working-day
// calendar (internal/workdays/calendar.json) makes them.
func TestDeadlinesCountWorkingDays(t *testing.T) {
	cases := []struct {
		name        string
		sent        time.Time
		due, longer string
	}{
		// See TestLetterFromWritingToAnswer. 30 days: the 15 working days
		// 20 April–8 May have no holiday (9 May is a Saturday, whose rest
		// day is 11 May).
		{"before Novruz", time.Date(2026, 3, 18, 10, 0, 0, 0, time.UTC), "2026-04-17", "2026-05-08"},
		// Sent on Saturday 21 March, a holiday: received on the next
		// working day, Tuesday 31 March.
		{"on a Novruz Saturday", time.Date(2026, 3, 21, 8, 0, 0, 0, time.UTC), "2026-04-21", "2026-05-13"},
		// Monday 7 December 2026: 15 working days end on Monday 28
		// December; the 30 cross 31 December and 1 January (holidays), 4
		// January (rest day for 2 January, a Saturday) and 20 January
		// (National Mourning Day) to Friday 22 January 2027.
		{"over New Year", time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC), "2026-12-28", "2027-01-22"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, storetest.SQLite(t, migrations...))
			f.clock.Set(c.sent)
			l := f.write(t, aysel)
			if got := l.DueAt.In(web.Baku).Format(time.DateOnly); got != c.due {
				t.Errorf("due %s, want %s", got, c.due)
			}
			ext, err := f.svc.Extend(ctx, operator, l.Number, "More time.")
			if err != nil {
				t.Fatal(err)
			}
			if got := ext.DueAt.In(web.Baku).Format(time.DateOnly); got != c.longer {
				t.Errorf("extended due %s, want %s", got, c.longer)
			}
		})
	}
}

func TestOthersCannotSeeOrChange(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		l := f.write(t, aysel, letters.Upload{Name: "a.pdf", Content: pdf("x")})
		file := l.Attachments[0].FileID
		notFound := func(what string, err error) {
			t.Helper()
			if errs.KindOf(err) != errs.NotFound {
				t.Errorf("%s: %v, want not found", what, err)
			}
		}
		_, err := f.svc.OfAgency(ctx, stranger, l.Number)
		notFound("another agency read it", err)
		_, err = f.svc.Extend(ctx, stranger, l.Number, "Because.")
		notFound("another agency extended it", err)
		_, err = f.svc.Answer(ctx, stranger, l.Number, "An answer.", nil)
		notFound("another agency answered it", err)
		_, _, err = f.svc.AgencyFile(ctx, stranger, l.Number, file)
		notFound("another agency downloaded its file", err)
		if list, err := f.svc.Inbox(ctx, stranger, letters.ShowAll); err != nil || len(list) != 0 {
			t.Errorf("another agency's inbox: %v, %v", list, err)
		}

		_, err = f.svc.Mine(ctx, other, l.Number)
		notFound("another person read it", err)
		_, _, err = f.svc.MyFile(ctx, other, l.Number, file)
		notFound("another person downloaded its file", err)
		if list, _ := f.svc.Sent(ctx, other); len(list) != 0 {
			t.Errorf("another person's sent folder: %v", list)
		}
		// The sender acting for a business sees the business's letters,
		// not their own.
		asBusiness := aysel
		asBusiness.OnBehalf = "1400057421"
		_, err = f.svc.Mine(ctx, asBusiness, l.Number)
		notFound("the sender acting for a business read her own letter", err)
		// A person cannot act as an official.
		_, err = f.svc.Answer(ctx, aysel, l.Number, "I answer myself.", nil)
		notFound("the sender answered", err)
		_, err = f.svc.Mine(ctx, aysel, "ABC-DEF-GHJ")
		notFound("a malformed number", err)
		_, _, err = f.svc.MyFile(ctx, aysel, l.Number, strings.Repeat("0", 64))
		notFound("a file of no letter", err)
		if n := audited(t, db, "letter.read", l.Number); n != 0 {
			t.Errorf("%d reads logged for refused reads", n)
		}
		got, err := f.svc.Mine(ctx, aysel, l.Number)
		if err != nil || got.Status != letters.Sent {
			t.Fatalf("untouched letter: %+v, %v", got, err)
		}
	}, migrations...)
}

func TestBusinessLetters(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		company := aysel
		company.OnBehalf = "1400057421"
		l := f.write(t, company)
		if l.OnBehalf != "1400057421" || l.FIN != aysel.FIN {
			t.Fatalf("business letter: %+v", l)
		}
		if own, _ := f.svc.Sent(ctx, aysel); len(own) != 0 {
			t.Fatalf("the business's letter is in the person's own folder: %v", own)
		}
		// Another representative acting for the same business sees it.
		colleagueRep := other
		colleagueRep.OnBehalf = company.OnBehalf
		if list, _ := f.svc.Sent(ctx, colleagueRep); len(list) != 1 {
			t.Fatalf("the business's folder: %v", list)
		}
		if _, err := f.svc.Mine(ctx, colleagueRep, l.Number); err != nil {
			t.Fatal(err)
		}
		elsewhere := aysel
		elsewhere.OnBehalf = "9900000001"
		if _, err := f.svc.Mine(ctx, elsewhere, l.Number); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("acting for another business: %v", err)
		}
		if _, err := f.svc.Mine(ctx, other, l.Number); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("a representative not acting for the business: %v", err)
		}
	}, migrations...)
}

func TestAgencyWritesToPerson(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		l, err := f.svc.WriteToPerson(ctx, operator, letters.Draft{FIN: " 5zqx7ka ", Subject: "Your passport is ready",
			Text: "Collect it at service centre 1.", Files: []letters.Upload{{Name: "notice.pdf", Content: pdf("n")}}})
		if err != nil {
			t.Fatal(err)
		}
		if l.Direction != letters.ToPerson || l.FIN != aysel.FIN || l.DueAt != nil || !f.svc.Verify(l) ||
			l.PersonName != aysel.Name || l.SenderSubject != operator.Subject {
			t.Fatalf("written: %+v", l)
		}
		received, err := f.svc.Received(ctx, aysel)
		if err != nil || len(received) != 1 || received[0].Number != l.Number {
			t.Fatalf("received folder: %v, %v", received, err)
		}
		if sent, _ := f.svc.Sent(ctx, aysel); len(sent) != 0 {
			t.Fatalf("sent folder: %v", sent)
		}
		if _, err := f.svc.Mine(ctx, aysel, l.Number); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Mine(ctx, other, l.Number); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another person read it: %v", err)
		}
		if _, err := f.svc.OfAgency(ctx, stranger, l.Number); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another agency read it: %v", err)
		}
		if _, err := f.svc.Answer(ctx, operator, l.Number, "x", nil); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("answering the agency's own letter: %v", err)
		}
		written, _ := f.svc.Inbox(ctx, operator, letters.ShowWritten)
		if len(written) != 1 {
			t.Fatalf("letters written: %v", written)
		}
		if open, _ := f.svc.Inbox(ctx, operator, letters.ShowAll); len(open) != 0 {
			t.Fatalf("the agency's own letter is in its inbox: %v", open)
		}
		if audited(t, db, "letter.write", l.Number) != 1 {
			t.Fatal("writing is not audited")
		}
		msgs := inbox(t, f.notify, notify.Owner{AccountID: aysel.AccountID, FIN: aysel.FIN})
		if len(msgs) != 1 || msgs[0].TemplateKey != "letters.received" || !strings.Contains(msgs[0].Subject, l.Ref()) {
			t.Fatalf("messages: %+v", msgs)
		}

		_, err = f.svc.WriteToPerson(ctx, operator, letters.Draft{FIN: "0000000", Subject: "x", Text: "y"})
		if e := errs.As(err); e.Kind != errs.Invalid || e.Fields["fin"] != "letters.error.fin_unknown" {
			t.Fatalf("an unknown FIN: %v", err)
		}
		_, err = f.svc.WriteToPerson(ctx, operator, letters.Draft{FIN: "12-34", Subject: "x", Text: "y"})
		if e := errs.As(err); e.Kind != errs.Invalid || e.Fields["fin"] != "letters.error.fin" {
			t.Fatalf("a malformed FIN: %v", err)
		}
		if _, err := f.svc.WriteToPerson(ctx, aysel, letters.Draft{FIN: other.FIN, Subject: "x", Text: "y"}); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("a person writing as an agency: %v", err)
		}
	}, migrations...)
}

func TestSignature(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		l := f.write(t, aysel, letters.Upload{Name: "a.pdf", Content: pdf("sig")})
		if l.SessionHash != aysel.Session || !l.SessionStarted.Equal(sessionStart) || l.SenderSubject != aysel.Subject {
			t.Fatalf("signed by %q %q at %v", l.SenderSubject, l.SessionHash, l.SessionStarted)
		}
		stored, err := f.svc.Mine(ctx, aysel, l.Number)
		if err != nil {
			t.Fatal(err)
		}
		if !f.svc.Verify(stored) {
			t.Fatal("the stored letter does not verify")
		}
		for name, tamper := range map[string]func(l *letters.Letter){
			"text":       func(l *letters.Letter) { l.Text += "." },
			"subject":    func(l *letters.Letter) { l.Subject = "Another subject" },
			"agency":     func(l *letters.Letter) { l.Agency = "migration" },
			"sender":     func(l *letters.Letter) { l.SenderSubject = other.Subject },
			"session":    func(l *letters.Letter) { l.SessionHash = other.Session },
			"on behalf":  func(l *letters.Letter) { l.OnBehalf = "1400057421" },
			"sent at":    func(l *letters.Letter) { l.SentAt = l.SentAt.Add(time.Microsecond) },
			"file":       func(l *letters.Letter) { l.Attachments[0].FileID = strings.Repeat("a", 64) },
			"no file":    func(l *letters.Letter) { l.Attachments = nil },
			"signature":  func(l *letters.Letter) { l.Signature = strings.Repeat("0", 64) },
			"not hex":    func(l *letters.Letter) { l.Signature = "zz" },
			"no signing": func(l *letters.Letter) { l.Signature = "" },
		} {
			c := *stored
			c.Attachments = slices.Clone(stored.Attachments)
			tamper(&c)
			if f.svc.Verify(&c) {
				t.Errorf("a letter with a changed %s verifies", name)
			}
		}
		// A change made in the database is caught when the letter is read.
		if _, err := db.ExecContext(ctx, `UPDATE letters SET body = $1 WHERE number = $2`, "Nothing to see.", l.Number); err != nil {
			t.Fatal(err)
		}
		changed, err := f.svc.OfAgency(ctx, operator, l.Number)
		if err != nil {
			t.Fatal(err)
		}
		if f.svc.Verify(changed) {
			t.Fatal("a letter changed in the database verifies")
		}
		// Another key does not verify the letter.
		otherKey := letters.New(db, letters.Config{SigningKey: []byte("another-key-of-at-least-16-bytes")})
		if otherKey.Verify(stored) {
			t.Fatal("a letter verifies under another key")
		}
		if _, err := f.svc.Write(ctx, letters.Actor{Kind: letters.ActorPerson, AccountID: 10, FIN: aysel.FIN},
			letters.Draft{Agency: "internal-affairs", Subject: "x", Text: "y"}); errs.KindOf(err) != errs.Unauthenticated {
			t.Fatalf("writing without a session: %v", err)
		}
	}, migrations...)
}

func TestCanonicalEncodingIsUnambiguous(t *testing.T) {
	a := &letters.Letter{Subject: "ab", Text: "c"}
	b := &letters.Letter{Subject: "a", Text: "bc"}
	if string(letters.Canonical(a)) == string(letters.Canonical(b)) {
		t.Fatal("moving a character between fields leaves the encoding the same")
	}
	if !strings.HasPrefix(string(letters.Canonical(a)), "13:egov-letter-1,") {
		t.Fatalf("encoding %q does not start with its version", letters.Canonical(a))
	}
}

// Officials answering at once: exactly one answer is kept, and the person
// gets one message.
func TestConcurrentAnswersOneWins(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		l := f.write(t, aysel)
		var wins atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 6 {
			wg.Go(func() {
				<-start // all at once, so each finds the letter open
				who := operator
				if i%2 == 1 {
					who = colleague
				}
				_, err := f.svc.Answer(ctx, who, l.Number, fmt.Sprintf("Answer number %d.", i), nil)
				if err == nil {
					wins.Add(1)
				} else if errs.KindOf(err) != errs.Conflict {
					t.Errorf("answer %d: %v", i, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d answers won, want 1", wins.Load())
		}
		if n := audited(t, db, "letter.answer", l.Number); n != 1 {
			t.Fatalf("%d answers audited", n)
		}
		if msgs := inbox(t, f.notify, notify.Owner{AccountID: aysel.AccountID}); len(msgs) != 1 {
			t.Fatalf("%d messages, want 1", len(msgs))
		}
		got, _ := f.svc.Mine(ctx, aysel, l.Number)
		if got.Status != letters.Answered || got.Version != 2 {
			t.Fatalf("after the race: status %s version %d", got.Status, got.Version)
		}
	}, migrations...)
}

// Two officials who read the same version: the second save is refused
// however the two interleave.
func TestStaleSaveIsAConflict(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		l := f.write(t, aysel)
		one, err := letters.LetterByNumber(ctx, f.svc, l.Number)
		if err != nil {
			t.Fatal(err)
		}
		two, _ := letters.LetterByNumber(ctx, f.svc, l.Number)
		one.Status, one.Answer = letters.Answered, "First."
		two.Status, two.Answer = letters.Answered, "Second."
		if err := letters.SaveLetter(ctx, f.svc, one); err != nil {
			t.Fatal(err)
		}
		if err := letters.SaveLetter(ctx, f.svc, two); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("a stale save: %v, want a conflict", err)
		}
		got, _ := f.svc.Mine(ctx, aysel, l.Number)
		if got.Answer != "First." || got.Version != 2 {
			t.Fatalf("kept %q at version %d", got.Answer, got.Version)
		}
	}, migrations...)
}

func TestOverdue(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		l := f.write(t, aysel)
		if over, _ := f.svc.Inbox(ctx, operator, letters.ShowOverdue); len(over) != 0 {
			t.Fatalf("overdue at once: %v", over)
		}
		// Saturday 18 April 2026: the day after the deadline.
		f.clock.Set(time.Date(2026, 4, 18, 6, 0, 0, 0, time.UTC))
		over, err := f.svc.Inbox(ctx, operator, letters.ShowOverdue)
		if err != nil || len(over) != 1 {
			t.Fatalf("overdue: %v, %v", over, err)
		}
		mine, _ := f.svc.Sent(ctx, aysel)
		if len(mine) != 1 || mine[0].State(f.svc.Now()) != "overdue" {
			t.Fatalf("the person's folder does not show it overdue: %v", mine)
		}
		if _, err := f.svc.Extend(ctx, operator, l.Number, "Too late."); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("extending after the deadline: %v", err)
		}
		done, err := f.svc.Answer(ctx, operator, l.Number, "Sorry for the delay.", nil)
		if err != nil || done.State(f.svc.Now()) != "answered" {
			t.Fatalf("answering late: %v, %v", done, err)
		}
		if over, _ := f.svc.Inbox(ctx, operator, letters.ShowOverdue); len(over) != 0 {
			t.Fatalf("still overdue after the answer: %v", over)
		}
	}, migrations...)
}

func TestValidation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		fields := func(_ *letters.Letter, err error) map[string]string {
			t.Helper()
			e := errs.As(err)
			if e.Kind != errs.Invalid {
				t.Fatalf("%v, want invalid", err)
			}
			return e.Fields
		}
		got := fields(f.svc.Write(ctx, aysel, letters.Draft{Agency: "internal-affairs", Subject: "  ", Text: "Some text."}))
		if got["subject"] != "letters.error.subject_required" || len(got) != 1 {
			t.Errorf("empty subject: %v", got)
		}
		long := strings.Repeat("ə", letters.MaxText+1)
		got = fields(f.svc.Write(ctx, aysel, letters.Draft{Agency: "no-such-body", Subject: strings.Repeat("s", 201), Text: long}))
		if got["text"] != "letters.error.text_long" || got["agency"] != "letters.error.agency_unknown" ||
			got["subject"] != "letters.error.subject_long" {
			t.Errorf("too long, no such agency: %v", got)
		}
		got = fields(f.svc.Write(ctx, aysel, letters.Draft{Subject: "s"}))
		if got["agency"] != "letters.error.agency_required" || got["text"] != "letters.error.text_required" {
			t.Errorf("nothing chosen: %v", got)
		}
		var six []letters.Upload
		for i := range 6 {
			six = append(six, letters.Upload{Name: "f.pdf", Content: pdf(fmt.Sprint(i))})
		}
		got = fields(f.svc.Write(ctx, aysel, letters.Draft{Agency: "tax", Subject: "s", Text: "t", Files: six}))
		if got["files"] != "letters.error.too_many_files" {
			t.Errorf("six files: %v", got)
		}
		got = fields(f.svc.Write(ctx, aysel, letters.Draft{Agency: "tax", Subject: "s", Text: "t",
			Files: []letters.Upload{{Name: "x.exe", Content: strings.NewReader("MZ not a document")}}}))
		if got["files"] != "files.error.type" {
			t.Errorf("a refused file: %v", got)
		}
		// Exactly the limit, in two-byte letters, is fine.
		exact := strings.Repeat("ə", letters.MaxText)
		if _, err := f.svc.Write(ctx, aysel, letters.Draft{Agency: "tax", Subject: strings.Repeat("ş", 200), Text: exact}); err != nil {
			t.Fatalf("a letter at the limits: %v", err)
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM letters`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d letters stored, want only the valid one: %v", n, err)
		}
		l := f.write(t, aysel)
		got = fields(f.svc.Extend(ctx, operator, l.Number, " \n "))
		if got["reason"] != "letters.error.reason_required" {
			t.Errorf("empty reason: %v", got)
		}
		got = fields(f.svc.Extend(ctx, operator, l.Number, strings.Repeat("r", letters.MaxReason+1)))
		if got["reason"] != "letters.error.reason_long" {
			t.Errorf("long reason: %v", got)
		}
		got = fields(f.svc.Answer(ctx, operator, l.Number, "", nil))
		if got["answer"] != "letters.error.answer_required" {
			t.Errorf("empty answer: %v", got)
		}
		// Windows line ends and a NUL byte are cleaned before signing.
		c, err := f.svc.Write(ctx, aysel, letters.Draft{Agency: "tax", Subject: "Line\x00s", Text: "one\r\ntwo\r\n"})
		if err != nil || c.Text != "one\ntwo" || c.Subject != "Lines" || !f.svc.Verify(c) {
			t.Fatalf("cleaned: %q %q, %v", c.Subject, c.Text, err)
		}
	}, migrations...)
}

func TestNotifyTemplates(t *testing.T) {
	want := map[string]bool{"letters.answered": true, "letters.extended": true, "letters.received": true}
	for _, tpl := range letters.Templates {
		if err := tpl.Validate(); err != nil {
			t.Errorf("%s: %v", tpl.Key, err)
		}
		if got := strings.Join(tpl.Placeholders, ","); got != "agency,number,subject" {
			t.Errorf("%s uses %s", tpl.Key, got)
		}
		delete(want, tpl.Key)
	}
	if len(want) > 0 {
		t.Errorf("missing templates: %v", want)
	}
}

func TestSchemasMatch(t *testing.T) {
	lite, err := storetest.SQLite(t, letters.Migrations).Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pg, err := storetest.Postgres(t, letters.Migrations).Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(lite) != fmt.Sprint(pg) {
		t.Errorf("schemas differ:\nsqlite   %v\npostgres %v", lite, pg)
	}
}
