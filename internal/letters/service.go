package letters

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/files"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/nationalid"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/refnum"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/workdays"
)

// Calendar counts working days; *workdays.Calendar is one.
type Calendar interface {
	// AddWorkingDays is the end of the n-th working day after from.
	AddWorkingDays(from time.Time, n int) time.Time
	// WorkingDaysBetween counts the working days after from up to to.
	WorkingDaysBetween(from, to time.Time) int
}

// Person is someone a state body writes to, as the identity module knows
// them.
type Person struct {
	AccountID int64 // 0 when they have no account yet: the letter waits for their FIN
	Name      string
	Lang      lang.Lang
}

// Config holds what the service needs from other modules.
type Config struct {
	Catalog *catalog.Catalog
	Files   *files.Store
	Notify  *notify.Service
	// Calendar counts the deadlines; workdays.Default() when nil.
	Calendar Calendar
	// SigningKey signs letters (HMAC-SHA256); the app derives it from its
	// secret. It must be at least 16 bytes and stay the same across
	// restarts and replicas, or old letters stop verifying.
	SigningKey []byte
	// People finds the person a state body writes to by FIN; an error of
	// kind NotFound means there is no such person. When nil, any
	// well-formed FIN is accepted and messages go out in Azerbaijani.
	People func(ctx context.Context, fin string) (Person, error)
	Logger *slog.Logger
	Now    func() time.Time
}

// Service keeps the letters.
type Service struct {
	db  *store.DB
	cfg Config
}

// New builds the service. It panics without a signing key, a programming
// error caught at start-up.
func New(db *store.DB, cfg Config) *Service {
	if len(cfg.SigningKey) < 16 {
		panic("letters: Config.SigningKey must be at least 16 bytes")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Calendar == nil {
		cfg.Calendar = workdays.Default()
	}
	return &Service{db: db, cfg: cfg}
}

// now is the clock at the precision both engines keep (PostgreSQL keeps
// microseconds), so a signed time reads back exactly as it was signed.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// clean makes typed text storable and signable: valid UTF-8 without NUL
// bytes (PostgreSQL refuses them), Unix line ends, no space around.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSpace(s)
}

// checkText validates a required text field of at most max runes.
func checkText(v *errs.Validation, field, value string, max int, required, long string) {
	switch {
	case value == "":
		v.Add(field, required)
	case utf8.RuneCountInString(value) > max:
		v.AddWith(field, long, map[string]any{"Max": max})
	}
}

// chosen drops the empty file inputs of a form.
func chosen(list []Upload) []Upload {
	var out []Upload
	for _, u := range list {
		if u.Content != nil {
			out = append(out, u)
		}
	}
	return out
}

func checkFiles(v *errs.Validation, field string, list []Upload) {
	if len(list) > MaxAttachments {
		v.AddWith(field, "letters.error.too_many_files", map[string]any{"Max": MaxAttachments})
	}
}

// store keeps the uploads in the file store; a refused file is an error
// beside field.
func (s *Service) store(ctx context.Context, list []Upload, field, owner string) ([]Attachment, error) {
	var out []Attachment
	for _, u := range list {
		if s.cfg.Files == nil {
			return nil, fmt.Errorf("letters: no file store configured")
		}
		f, err := s.cfg.Files.Put(ctx, u.Name, u.Content, files.DefaultLimits, owner)
		if err != nil {
			if e := errs.As(err); (e.Kind == errs.Invalid || e.Kind == errs.Unavailable) && len(e.Fields) == 0 {
				e.FieldWith(field, e.Message, e.Args)
			}
			return nil, err
		}
		dup := false
		for _, a := range out {
			dup = dup || a.FileID == f.ID
		}
		if !dup {
			out = append(out, Attachment{FileID: f.ID, Name: f.Name, Type: f.Type, Size: f.Size})
		}
	}
	return out, nil
}

// insert stores a new letter under a fresh number, then runs after in
// the same transaction.
func (s *Service) insert(ctx context.Context, l *Letter, after func(tx *sql.Tx, l *Letter) error) error {
	try := func() error {
		return s.db.Tx(ctx, func(tx *sql.Tx) error {
			if err := insertLetter(ctx, tx, l); err != nil {
				return err
			}
			return after(tx, l)
		})
	}
	err := try()
	if store.IsUniqueViolation(err) {
		// Two in a trillion: draw another number. The number is not
		// signed, so the signature stands.
		l.Number = refnum.New()
		err = try()
	}
	return err
}

// Write sends a letter from the person (or the business they act for) to
// a state body, signed with their session. The answer is due in 15
// working days.
func (s *Service) Write(ctx context.Context, actor Actor, d Draft) (*Letter, error) {
	if actor.Kind != ActorPerson || actor.AccountID == 0 {
		return nil, errs.E(errs.Forbidden, "error.forbidden.detail")
	}
	if actor.Session == "" {
		return nil, errs.E(errs.Unauthenticated, "letters.error.no_session")
	}
	d.Agency, d.Subject, d.Text = strings.TrimSpace(d.Agency), clean(d.Subject), clean(d.Text)
	d.Files = chosen(d.Files)
	var v errs.Validation
	if d.Agency == "" {
		v.Add("agency", "letters.error.agency_required")
	} else if _, err := s.cfg.Catalog.Agency(d.Agency); err != nil {
		v.Add("agency", "letters.error.agency_unknown")
	}
	checkText(&v, "subject", d.Subject, MaxSubject, "letters.error.subject_required", "letters.error.subject_long")
	checkText(&v, "text", d.Text, MaxText, "letters.error.text_required", "letters.error.text_long")
	checkFiles(&v, "files", d.Files)
	if err := v.Err(); err != nil {
		return nil, err
	}
	attached, err := s.store(ctx, d.Files, "files", fmt.Sprintf("account:%d", actor.AccountID))
	if err != nil {
		return nil, err
	}
	now := s.now()
	due := s.cfg.Calendar.AddWorkingDays(now, AnswerDays).UTC()
	l := &Letter{Number: refnum.New(), Direction: ToAgency, Agency: d.Agency, Status: Sent,
		AccountID: actor.AccountID, FIN: actor.FIN, OnBehalf: actor.OnBehalf, PersonName: actor.Name,
		Lang: langOr(actor.Lang), Subject: d.Subject, Text: d.Text, Attachments: attached,
		SenderSubject: actor.Subject, SenderName: actor.Name, SessionHash: actor.Session,
		SessionStarted: actor.SessionStarted.UTC().Truncate(time.Microsecond),
		SentAt:         now, DueAt: &due, UpdatedAt: now, Version: 1}
	s.sign(l)
	if err := s.insert(ctx, l, func(*sql.Tx, *Letter) error { return nil }); err != nil {
		return nil, err
	}
	return l, nil
}

func langOr(l lang.Lang) lang.Lang {
	if p, ok := lang.Parse(string(l)); ok {
		return p
	}
	return lang.Default
}

// WriteToPerson sends a letter from the official's agency to the person
// with the draft's FIN, signed with the official's session. It lands in
// the person's "received" folder and inbox.
func (s *Service) WriteToPerson(ctx context.Context, actor Actor, d Draft) (*Letter, error) {
	if actor.Kind != ActorStaff || actor.Agency == "" {
		return nil, errs.E(errs.Forbidden, "error.forbidden.detail")
	}
	if actor.Session == "" {
		return nil, errs.E(errs.Unauthenticated, "letters.error.no_session")
	}
	d.Subject, d.Text = clean(d.Subject), clean(d.Text)
	d.Files = chosen(d.Files)
	var v errs.Validation
	fin, ok := nationalid.ParseFIN(d.FIN)
	person := Person{Lang: lang.Default}
	switch {
	case strings.TrimSpace(d.FIN) == "":
		v.Add("fin", "letters.error.fin_required")
	case !ok:
		v.Add("fin", "letters.error.fin")
	case s.cfg.People != nil:
		p, err := s.cfg.People(ctx, fin)
		if errs.KindOf(err) == errs.NotFound {
			v.Add("fin", "letters.error.fin_unknown")
		} else if err != nil {
			return nil, err
		}
		person = p
	}
	checkText(&v, "subject", d.Subject, MaxSubject, "letters.error.subject_required", "letters.error.subject_long")
	checkText(&v, "text", d.Text, MaxText, "letters.error.text_required", "letters.error.text_long")
	checkFiles(&v, "files", d.Files)
	if err := v.Err(); err != nil {
		return nil, err
	}
	attached, err := s.store(ctx, d.Files, "files", "agency:"+actor.Agency)
	if err != nil {
		return nil, err
	}
	now := s.now()
	l := &Letter{Number: refnum.New(), Direction: ToPerson, Agency: actor.Agency, Status: Sent,
		AccountID: person.AccountID, FIN: fin, PersonName: person.Name, Lang: langOr(person.Lang),
		Subject: d.Subject, Text: d.Text, Attachments: attached, SenderSubject: actor.Subject,
		SenderName: actor.Name, SessionHash: actor.Session,
		SessionStarted: actor.SessionStarted.UTC().Truncate(time.Microsecond),
		SentAt:         now, UpdatedAt: now, Version: 1}
	s.sign(l)
	err = s.insert(ctx, l, func(tx *sql.Tx, l *Letter) error {
		if err := s.tell(ctx, tx, l, "letters.received"); err != nil {
			return err
		}
		return s.auditStaff(ctx, tx, actor, "letter.write", l, nil)
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// owns reports whether the letter is the person's: their own (by FIN, or
// by account for a person without one), or, while they act for a
// business, the business's.
func owns(actor Actor, l *Letter) bool {
	if actor.Kind != ActorPerson || l.OnBehalf != actor.OnBehalf {
		return false
	}
	if l.OnBehalf != "" {
		return true // the business's correspondence, for whoever acts for it
	}
	if actor.FIN != "" {
		return l.FIN == actor.FIN
	}
	return actor.AccountID != 0 && l.AccountID == actor.AccountID
}

// mine loads a letter of the person; anyone else's is not found, so that
// numbers reveal nothing.
func (s *Service) mine(ctx context.Context, q querier, actor Actor, number string) (*Letter, error) {
	n, ok := refnum.Parse(number)
	if !ok {
		return nil, errs.E(errs.NotFound, "letters.error.not_found")
	}
	l, err := letterByNumber(ctx, q, n)
	if err != nil {
		return nil, err
	}
	if !owns(actor, l) {
		return nil, errs.E(errs.NotFound, "letters.error.not_found")
	}
	return l, nil
}

// agencys loads a letter of the official's agency; another agency's is
// not found.
func (s *Service) agencys(ctx context.Context, q querier, actor Actor, number string) (*Letter, error) {
	n, ok := refnum.Parse(number)
	if !ok {
		return nil, errs.E(errs.NotFound, "letters.error.not_found")
	}
	l, err := letterByNumber(ctx, q, n)
	if err != nil {
		return nil, err
	}
	if actor.Kind != ActorStaff || actor.Agency == "" || l.Agency != actor.Agency {
		return nil, errs.E(errs.NotFound, "letters.error.not_found")
	}
	return l, nil
}

// Mine is one of the person's letters with its thread.
func (s *Service) Mine(ctx context.Context, actor Actor, number string) (*Letter, error) {
	return s.mine(ctx, s.db, actor, number)
}

// personFilter is the person's (or business's) letters in direction dir.
func personFilter(actor Actor, dir Direction) (filter, bool) {
	if actor.Kind != ActorPerson {
		return filter{}, false
	}
	onBehalf := actor.OnBehalf
	f := filter{direction: dir, onBehalf: &onBehalf}
	if onBehalf == "" {
		switch {
		case actor.FIN != "":
			f.fin = actor.FIN
		case actor.AccountID != 0:
			f.accountID = actor.AccountID
		default:
			return filter{}, false
		}
	}
	return f, true
}

// Sent is the person's "sent" folder: their letters to state bodies,
// newest first.
func (s *Service) Sent(ctx context.Context, actor Actor) ([]*Letter, error) {
	f, ok := personFilter(actor, ToAgency)
	if !ok {
		return nil, nil
	}
	return listLetters(ctx, s.db, f)
}

// Received is the person's "received" folder: letters state bodies wrote
// to them, newest first.
func (s *Service) Received(ctx context.Context, actor Actor) ([]*Letter, error) {
	f, ok := personFilter(actor, ToPerson)
	if !ok {
		return nil, nil
	}
	return listLetters(ctx, s.db, f)
}

// Inbox lists the official's agency's letters: those awaiting an answer
// (the nearest deadline first) by default, or as show says.
func (s *Service) Inbox(ctx context.Context, actor Actor, show Show) ([]*Letter, error) {
	if actor.Kind != ActorStaff || actor.Agency == "" {
		return nil, errs.E(errs.Forbidden, "error.forbidden.detail")
	}
	f := filter{direction: ToAgency, agency: actor.Agency}
	switch show {
	case ShowOverdue:
		f.statuses, f.dueBefore = []Status{Sent, Extended}, s.now()
	case ShowAnswered:
		f.statuses = []Status{Answered}
	case ShowAll:
	case ShowWritten:
		f.direction = ToPerson
	default:
		f.statuses = []Status{Sent, Extended}
	}
	return listLetters(ctx, s.db, f)
}

// OfAgency is a letter of the official's agency with its thread. Every
// read is recorded in the audit log ("letter.read").
func (s *Service) OfAgency(ctx context.Context, actor Actor, number string) (*Letter, error) {
	var out *Letter
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		l, err := s.agencys(ctx, tx, actor, number)
		if err != nil {
			return err
		}
		out = l
		return s.auditStaff(ctx, tx, actor, "letter.read", l, nil)
	})
	return out, err
}

// MyFile opens one of the files of the person's letter or its answer.
func (s *Service) MyFile(ctx context.Context, actor Actor, number, fileID string) (io.ReadCloser, Attachment, error) {
	l, err := s.mine(ctx, s.db, actor, number)
	if err != nil {
		return nil, Attachment{}, err
	}
	return s.open(ctx, l, fileID)
}

// AgencyFile opens one of the files of the agency's letter or its
// answer for the official; the read is recorded like a read of the letter.
func (s *Service) AgencyFile(ctx context.Context, actor Actor, number, fileID string) (io.ReadCloser, Attachment, error) {
	var l *Letter
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if l, err = s.agencys(ctx, tx, actor, number); err != nil {
			return err
		}
		if _, ok := l.File(fileID); !ok {
			return errs.E(errs.NotFound, "letters.error.file_not_found")
		}
		return s.auditStaff(ctx, tx, actor, "letter.read", l, map[string]string{"file": fileID})
	})
	if err != nil {
		return nil, Attachment{}, err
	}
	return s.open(ctx, l, fileID)
}

func (s *Service) open(ctx context.Context, l *Letter, fileID string) (io.ReadCloser, Attachment, error) {
	a, ok := l.File(fileID)
	if !ok || s.cfg.Files == nil {
		return nil, Attachment{}, errs.E(errs.NotFound, "letters.error.file_not_found")
	}
	rc, f, err := s.cfg.Files.Open(ctx, fileID)
	if err != nil {
		return nil, Attachment{}, err
	}
	a.Type = f.Type
	return rc, a, nil
}

// change loads a letter in a transaction, lets mutate change it, saves it
// if nobody changed it meanwhile, and then runs after (audit, messages)
// in the same transaction.
func (s *Service) change(ctx context.Context, load func(q querier) (*Letter, error), mutate func(l *Letter) error,
	after func(tx *sql.Tx, l *Letter) error) (*Letter, error) {
	var out *Letter
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		l, err := load(tx)
		if err != nil {
			return err
		}
		if err := mutate(l); err != nil {
			return err
		}
		l.UpdatedAt = s.now()
		if err := saveLetter(ctx, tx, l); err != nil {
			return err
		}
		if err := after(tx, l); err != nil {
			return err
		}
		out = l
		return nil
	})
	return out, err
}

// notOpen answers why a letter cannot take an answer or an extension.
func notOpen(l *Letter) error {
	if l.Direction != ToAgency {
		return errs.E(errs.Conflict, "letters.error.not_to_agency")
	}
	if l.Status == Answered {
		return errs.E(errs.Conflict, "letters.error.answered")
	}
	return nil
}

// Extend announces, once and before the first deadline passes, that the
// agency needs longer, with the reason: the answer is then due 30 working
// days from sending.
func (s *Service) Extend(ctx context.Context, actor Actor, number, reason string) (*Letter, error) {
	reason = clean(reason)
	var v errs.Validation
	checkText(&v, "reason", reason, MaxReason, "letters.error.reason_required", "letters.error.reason_long")
	if err := v.Err(); err != nil {
		return nil, err
	}
	return s.change(ctx, func(q querier) (*Letter, error) { return s.agencys(ctx, q, actor, number) },
		func(l *Letter) error {
			if err := notOpen(l); err != nil {
				return err
			}
			if l.Status == Extended {
				return errs.E(errs.Conflict, "letters.error.already_extended")
			}
			now := s.now()
			if l.Overdue(now) {
				return errs.E(errs.Conflict, "letters.error.extend_late")
			}
			due := s.cfg.Calendar.AddWorkingDays(l.SentAt, ExtendedDays).UTC()
			l.Status, l.DueAt, l.ExtendedAt, l.ExtensionReason, l.ExtendedBy = Extended, &due, &now, reason, actor.Name
			return nil
		},
		func(tx *sql.Tx, l *Letter) error {
			if err := s.tell(ctx, tx, l, "letters.extended"); err != nil {
				return err
			}
			return s.auditStaff(ctx, tx, actor, "letter.extend", l, nil)
		})
}

// Answer gives the agency's answer, with files, and closes the letter.
// A letter is answered once: of two officials answering at once, one
// wins and the other gets a conflict.
func (s *Service) Answer(ctx context.Context, actor Actor, number, text string, attach []Upload) (*Letter, error) {
	text = clean(text)
	attach = chosen(attach)
	var v errs.Validation
	checkText(&v, "answer", text, MaxText, "letters.error.answer_required", "letters.error.answer_long")
	checkFiles(&v, "answer_files", attach)
	if err := v.Err(); err != nil {
		return nil, err
	}
	// Files are stored only for a letter the official may answer.
	l, err := s.agencys(ctx, s.db, actor, number)
	if err != nil {
		return nil, err
	}
	if err := notOpen(l); err != nil {
		return nil, err
	}
	attached, err := s.store(ctx, attach, "answer_files", "agency:"+actor.Agency)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, func(q querier) (*Letter, error) { return s.agencys(ctx, q, actor, number) },
		func(l *Letter) error {
			if err := notOpen(l); err != nil {
				return err
			}
			now := s.now()
			l.Status, l.AnsweredAt, l.Answer, l.AnswerAttachments, l.AnsweredBy = Answered, &now, text, attached, actor.Name
			return nil
		},
		func(tx *sql.Tx, l *Letter) error {
			if err := s.tell(ctx, tx, l, "letters.answered"); err != nil {
				return err
			}
			return s.auditStaff(ctx, tx, actor, "letter.answer", l, nil)
		})
}

// DaysLeft is the number of working days until the letter's answer is
// due (0 on the due day, negative when overdue).
func (s *Service) DaysLeft(l *Letter) int {
	if l.DueAt == nil {
		return 0
	}
	return s.cfg.Calendar.WorkingDaysBetween(s.now(), *l.DueAt)
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// AgencyName is the agency's name in l, or its slug.
func (s *Service) AgencyName(slug string) lang.Text {
	if s.cfg.Catalog != nil {
		if a, err := s.cfg.Catalog.Agency(slug); err == nil {
			return a.Name
		}
	}
	return lang.Text{AZ: slug, EN: slug, RU: slug}
}

// auditStaff records an official's action on a letter: identifiers only,
// never the letter's contents.
func (s *Service) auditStaff(ctx context.Context, tx *sql.Tx, actor Actor, action string, l *Letter, detail map[string]string) error {
	if detail == nil {
		detail = map[string]string{}
	}
	detail["agency"] = l.Agency
	detail["status"] = string(l.Status)
	_, err := audit.Append(ctx, tx, audit.Entry{Actor: actor.Kind + ":" + actor.ID, Action: action,
		Object: "letter:" + l.Number, Detail: detail})
	return err
}

// tell puts a message about the letter in the person's inbox (and their
// e-mail or SMS, as they chose), in their language, once per event.
func (s *Service) tell(ctx context.Context, tx *sql.Tx, l *Letter, template string) error {
	if s.cfg.Notify == nil {
		return nil
	}
	to := notify.Recipient{AccountID: l.AccountID, FIN: l.FIN, Lang: l.Lang}
	if to.AccountID == 0 && to.FIN == "" {
		return nil
	}
	_, err := s.cfg.Notify.Send(ctx, tx, notify.Message{
		To:       to,
		Template: template,
		Values: map[string]string{"number": l.Ref(), "agency": s.AgencyName(l.Agency).In(l.Lang),
			"subject": l.Subject},
		Kind:           notify.KindApplication,
		IdempotencyKey: "letter:" + l.Number + ":" + strings.TrimPrefix(template, "letters."),
	})
	return err
}
