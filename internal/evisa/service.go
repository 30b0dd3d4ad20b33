package evisa

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/documents"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/files"

	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/refnum"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/workdays"
)

// BudgetCode is the budget classification of the e-visa's fees.
const BudgetCode = "142120"

// Config holds what the service needs from other modules.
type Config struct {
	Files     *files.Store
	Notify    *notify.Service
	Documents *documents.Service
	Payments  *payments.Service
	Calendar  *workdays.Calendar // default: workdays.Default()
	Fees      Fees               // default: DefaultFees()
	WatchList []WatchEntry       // what SeedWatchList adds; default: DefaultWatchList()
	Logger    *slog.Logger
	Now       func() time.Time
}

// Service runs e-visas from application to the border.
type Service struct {
	db  *store.DB
	cfg Config
}

// New builds the service.
func New(db *store.DB, cfg Config) *Service {
	if cfg.Calendar == nil {
		cfg.Calendar = workdays.Default()
	}
	if len(cfg.Fees.Speeds) == 0 {
		cfg.Fees = DefaultFees()
	}
	if cfg.WatchList == nil {
		cfg.WatchList = DefaultWatchList()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{db: db, cfg: cfg}
}

// now is the clock at the precision both engines keep.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// Fees are the fees in force.
func (s *Service) Fees() Fees { return s.cfg.Fees }

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Start opens a draft application from the first page; the token it
// returns is the payer's only key to it until it is paid.
func (s *Service) Start(ctx context.Context, f ApplicationForm) (*Application, string, error) {
	now := s.now()
	a, err := f.Validate(bakuToday(now))
	if err != nil {
		return nil, "", err
	}
	a.Number, a.Status, a.CreatedAt = refnum.New(), StatusDraft, now
	token := randomToken()
	if err := insertApplication(ctx, s.db, a, hashToken(token)); err != nil {
		return nil, "", fmt.Errorf("evisa: start: %w", err)
	}
	return a, token, nil
}

// bakuToday is today's date in Baku as a UTC midnight, as dates are kept.
func bakuToday(now time.Time) time.Time {
	y, m, d := now.In(baku).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

var baku = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Baku")
	if err != nil {
		return time.FixedZone("AZT", 4*3600)
	}
	return loc
}()

// ByToken is the payer's application.
func (s *Service) ByToken(ctx context.Context, token string) (*Application, error) {
	if len(token) != 48 {
		return nil, errs.E(errs.NotFound, "evisa.error.not_found")
	}
	return applicationWhere(ctx, s.db, "token_hash = $1", hashToken(token))
}

// Photo is an uploaded photo, or one kept from an earlier try.
type Photo struct {
	Name    string
	Content []byte
	KeptID  string // a photo stored by a failed try of this application
}

// AddPerson adds a traveller to a draft. The photo is kept even when
// the rest is refused, and its ID returned, so it need not be sent again.
func (s *Service) AddPerson(ctx context.Context, token string, f PersonForm, photo Photo) (*Person, string, error) {
	a, err := s.ByToken(ctx, token)
	if err != nil {
		return nil, "", err
	}
	if a.Status != StatusDraft {
		return nil, "", errs.E(errs.Conflict, "evisa.error.not_draft")
	}
	if len(a.People) >= MaxPeople {
		return nil, "", errs.E(errs.Invalid, "evisa.error.too_many_people")
	}
	owner := "evisa:" + a.Number
	var v errs.Validation
	photoID, photoType := "", ""
	switch {
	case len(photo.Content) > 0:
		if photoType, err = CheckPhoto(photo.Content); err != nil {
			v.AddWith("photo", errs.As(err).Fields["photo"], errs.As(err).FieldArgs["photo"])
			break
		}
		stored, err := s.cfg.Files.Put(ctx, photo.Name, bytes.NewReader(photo.Content),
			files.Limits{MaxSize: PhotoMaxBytes, Types: []string{photoType}}, owner)
		if err != nil {
			if errs.KindOf(err) != errs.Invalid {
				return nil, "", err
			}
			v.Add("photo", "evisa.error.photo_type")
			break
		}
		photoID = stored.ID
	case photo.KeptID != "" && s.cfg.Files.Owned(ctx, photo.KeptID, owner):
		stored, err := s.cfg.Files.Get(ctx, photo.KeptID)
		if err != nil {
			return nil, "", err
		}
		photoID, photoType = stored.ID, stored.Type
	default:
		v.Add("photo", "evisa.error.photo_required")
	}
	now := s.now()
	passport, perr := f.Validate(a, bakuToday(now))
	if perr != nil {
		for field, key := range errs.As(perr).Fields {
			v.AddWith(field, key, errs.As(perr).FieldArgs[field])
		}
	}
	if perr == nil {
		for _, other := range a.People {
			if other.Number == passport.Number && other.Nationality == passport.Nationality {
				v.Add("number", "evisa.error.passport_twice")
			}
		}
		used, err := passportInUse(ctx, s.db, passport.Nationality, passport.Number, a.ID, now)
		if err != nil {
			return nil, "", err
		}
		if used {
			v.Add("number", "evisa.error.passport_in_use")
		}
	}
	if err := v.Err(); err != nil {
		return nil, photoID, err
	}
	p := &Person{ApplicationID: a.ID, Passport: passport, Photo: photoID, PhotoType: photoType, Status: PersonWaiting}
	if err := insertPerson(ctx, s.db, p, now); err != nil {
		return nil, photoID, fmt.Errorf("evisa: add person: %w", err)
	}
	return p, photoID, nil
}

// RemovePerson takes a traveller off a draft.
func (s *Service) RemovePerson(ctx context.Context, token string, id int64) error {
	a, err := s.ByToken(ctx, token)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM evisa_people WHERE id = $1 AND application_id = $2
		AND application_id IN (SELECT id FROM evisa_applications WHERE status = 'draft')`, id, a.ID)
	if err != nil {
		return fmt.Errorf("evisa: remove person: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.NotFound, "evisa.error.not_found")
	}
	return nil
}

// Submit sends a draft for payment: one bill for everyone in it, to the
// first person. Submitting again returns the application as it is.
func (s *Service) Submit(ctx context.Context, token string) (*Application, error) {
	a, err := s.ByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if a.Status != StatusDraft {
		return a, nil
	}
	if len(a.People) == 0 {
		return nil, errs.E(errs.Invalid, "evisa.error.no_people")
	}
	fee, ok := s.cfg.Fees.Of(a.Speed)
	if !ok {
		return nil, errs.E(errs.Invalid, "evisa.error.speed")
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		amount := fee.Total() * int64(len(a.People))
		b, err := s.cfg.Payments.CreateBill(ctx, tx, payments.Bill{Kind: payments.KindFee, PayerSubject: a.People[0].Subject(),
			Agency: Agency, BudgetCode: BudgetCode, Service: ServiceSlug,
			Description: fmt.Sprintf("E-visa / Elektron viza — %s (%d)", refnum.Format(a.Number), len(a.People)),
			Amount:      amount, DueAt: now.Add(time.Duration(s.cfg.Fees.UnpaidExpiresAfterHours) * time.Hour),
			Reference: a.Number, IdempotencyKey: "evisa:" + a.Number})
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE evisa_applications SET status = $1, bill = $2, amount = $3, submitted_at = $4
			WHERE id = $5 AND status = 'draft'`, StatusUnpaid, b.Number, amount, now, a.ID)
		if err != nil {
			return fmt.Errorf("evisa: submit: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "evisa.error.not_draft")
		}
		return nil
	})
	if err != nil && errs.KindOf(err) != errs.Conflict {
		return nil, err
	}
	return s.ByToken(ctx, token)
}

// MarkPaid moves a paid application to the migration service, in the
// payment's transaction: the deadline starts, and every person is
// checked automatically. A bill paid again, or an application not this
// module's, changes nothing (NotFound for the latter).
func (s *Service) MarkPaid(ctx context.Context, tx *sql.Tx, number, bill string) error {
	a, err := applicationWhere(ctx, tx, "number = $1", number)
	if err != nil {
		return err
	}
	if a.Bill != bill || a.Status != StatusUnpaid {
		return nil
	}
	now := s.now()
	fee, _ := s.cfg.Fees.Of(a.Speed)
	due := s.cfg.Calendar.AddWorkingDays(now, fee.WorkingDays)
	if fee.Hours > 0 {
		due = now.Add(time.Duration(fee.Hours) * time.Hour)
	}
	res, err := tx.ExecContext(ctx, `UPDATE evisa_applications SET status = $1, paid_at = $2, due_at = $3
		WHERE id = $4 AND status = $5`, StatusPaid, now, due.UTC(), a.ID, StatusUnpaid)
	if err != nil {
		return fmt.Errorf("evisa: mark paid: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil // paid in another transaction
	}
	watch, err := watchList(ctx, tx)
	if err != nil {
		return err
	}
	for _, p := range a.People {
		flags, err := s.check(ctx, tx, watch, p, now)
		if err != nil {
			return err
		}
		js, _ := json.Marshal(flags)
		if _, err := tx.ExecContext(ctx, `UPDATE evisa_people SET status = $1, flags = $2 WHERE id = $3`,
			PersonReview, string(js), p.ID); err != nil {
			return fmt.Errorf("evisa: checks: %w", err)
		}
	}
	_, err = audit.Append(ctx, tx, audit.Entry{Actor: "system:evisa", Action: "evisa.paid", Object: "evisa:" + a.Number,
		Detail: map[string]string{"bill": bill, "people": fmt.Sprint(len(a.People))}})
	return err
}

// check runs the automated checks on a person: the passport is not used
// by another pending or valid visa, and the name is not on watch.
func (s *Service) check(ctx context.Context, q querier, watch *WatchList, p *Person, now time.Time) ([]string, error) {
	flags := []string{}
	used, err := passportInUse(ctx, q, p.Nationality, p.Number, p.ApplicationID, now)
	if err != nil {
		return nil, err
	}
	if used {
		flags = append(flags, "passport_in_use")
	}
	for _, e := range watch.Match(p.FullName(), p.BirthDate.Year()) {
		flags = append(flags, "watchlist:"+e.Reason)
	}
	return flags, nil
}

// Status finds an application by its number and the passport number of
// anyone in it, for the applicant's status page; anything else is
// NotFound, whether the number exists or not.
func (s *Service) Status(ctx context.Context, number, passport string) (*Application, *Person, error) {
	n, ok := refnum.Parse(number)
	passport = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(passport), " ", ""))
	if !ok || passport == "" {
		return nil, nil, errs.E(errs.NotFound, "evisa.error.status_not_found")
	}
	// Five wrong passports an hour for one application, then no more
	// tries: the passport number is what keeps the visa private.
	var misses int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM evisa_status_misses WHERE number = $1 AND at > $2`,
		n, s.now().Add(-time.Hour)).Scan(&misses); err != nil {
		return nil, nil, fmt.Errorf("evisa: status misses: %w", err)
	}
	if misses >= maxStatusMisses {
		return nil, nil, errs.E(errs.TooMany, "evisa.error.status_too_many")
	}
	a, err := applicationWhere(ctx, s.db, "number = $1 AND status <> 'draft'", n)
	if errs.KindOf(err) == errs.NotFound {
		return nil, nil, errs.E(errs.NotFound, "evisa.error.status_not_found")
	}
	if err != nil {
		return nil, nil, err
	}
	for _, p := range a.People {
		if p.Number == passport {
			return a, p, nil
		}
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO evisa_status_misses (number, at) VALUES ($1, $2)`, n, s.now()); err != nil {
		return nil, nil, fmt.Errorf("evisa: status miss: %w", err)
	}
	return nil, nil, errs.E(errs.NotFound, "evisa.error.status_not_found")
}

// maxStatusMisses is how many wrong passports an hour one application
// number may be given.
const maxStatusMisses = 5

// VisaPDF is the issued visa of the person found by application number
// and passport number, as a PDF.
func (s *Service) VisaPDF(ctx context.Context, number, passport string) (*Person, []byte, error) {
	_, p, err := s.Status(ctx, number, passport)
	if err != nil {
		return nil, nil, err
	}
	if p.Status != PersonIssued {
		return nil, nil, errs.E(errs.NotFound, "evisa.error.not_issued")
	}
	d, err := s.cfg.Documents.Get(ctx, p.Document)
	if err != nil {
		return nil, nil, err
	}
	pdf, err := s.cfg.Documents.PDF(d)
	return p, pdf, err
}

// PhotoOf reads a person's photo.
func (s *Service) PhotoOf(ctx context.Context, p *Person) ([]byte, error) {
	rc, _, err := s.cfg.Files.Open(ctx, p.Photo)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(rc)
	return b.Bytes(), err
}
