package applications

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/files"
	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/web"
	"github.com/egov/egov/internal/workdays"
)

// Outbox topics the module publishes; payloads are Event.
const (
	TopicSubmitted = "applications.submitted"
	TopicDecided   = "applications.decided"
)

// Event tells other modules that an application moved.
type Event struct {
	Number   string `json:"number"`
	Service  string `json:"service"`
	Agency   string `json:"agency"`
	FIN      string `json:"fin"`
	OnBehalf string `json:"on_behalf,omitempty"`
	Status   Status `json:"status"`
	FeeQepik int64  `json:"fee_qepik"`
}

// Fact is one item of what a registry knows about a person, shown to the
// official who decides.
type Fact struct {
	Label lang.Text
	Value string
}

// Registries reads the base registries through the gateway, so that every
// read is checked, logged and shown in the person's data tracker.
type Registries interface {
	// Prefill reads the given attributes (population.full_name, …) of the
	// person fin, or of the business voen they act for, as the portal.
	// Attributes the registries do not hold are left out.
	Prefill(ctx context.Context, fin, voen string, attributes []string, purpose string) (map[string]Prefilled, error)
	// Person reads the person's record for an official (userID) with the
	// purpose given.
	Person(ctx context.Context, fin, purpose, userID string) ([]Fact, error)
}

// Staff is an official of an agency, for assignment and alerts.
type Staff struct {
	AccountID  int64
	Name       string
	Supervisor bool
	Email      string
	Lang       lang.Lang
}

// Config holds what the service needs from other modules.
type Config struct {
	Catalog    *catalog.Catalog
	Files      *files.Store
	Calendar   *workdays.Calendar
	Notify     *notify.Service
	Registries Registries
	// StaffOf lists the officials of an agency.
	StaffOf func(ctx context.Context, agency string) ([]Staff, error)
	// Bill asks for the state fee of an application that has one, in the
	// submission's transaction, and answers the bill's number; the
	// application waits for payment until MarkPaid.
	Bill func(ctx context.Context, tx *sql.Tx, a *Application) (string, error)
	// Issue issues the document an approved application results in, and
	// answers its number; asked again for the same application it must
	// answer the same document (the documents module's idempotency key).
	Issue  func(ctx context.Context, a *Application) (string, error)
	Logger *slog.Logger
	Now    func() time.Time
}

// Service runs applications from draft to decision.
type Service struct {
	db  *store.DB
	cfg Config
}

// New builds the service.
func New(db *store.DB, cfg Config) *Service {
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

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// Calendar is the working-day calendar deadlines are counted in.
func (s *Service) Calendar() *workdays.Calendar { return s.cfg.Calendar }

// Form is a service's parsed form.
func (s *Service) Form(svc *catalog.Service) (*forms.Schema, error) {
	if len(svc.Form) == 0 {
		return nil, errs.E(errs.NotFound, "applications.error.no_form")
	}
	return forms.Parse(svc.Form)
}

// onlineService is the catalog service slug if it can be applied for
// online by actor.
func (s *Service) onlineService(slug string, actor Actor) (*catalog.Service, *forms.Schema, error) {
	svc, err := s.cfg.Catalog.Service(slug)
	if err != nil {
		return nil, nil, err
	}
	if !svc.HasChannel(catalog.Online) || len(svc.Form) == 0 {
		return nil, nil, errs.E(errs.Invalid, "applications.error.not_online")
	}
	if actor.OnBehalf != "" && !svc.HasAudience(catalog.Business) {
		return nil, nil, errs.E(errs.Invalid, "applications.error.not_for_business")
	}
	if actor.OnBehalf == "" && !svc.HasAudience(catalog.Citizen) && !svc.HasAudience(catalog.Foreigner) {
		return nil, nil, errs.E(errs.Invalid, "applications.error.business_only")
	}
	schema, err := forms.Parse(svc.Form)
	if err != nil {
		return nil, nil, fmt.Errorf("applications: form of %s: %w", slug, err)
	}
	return svc, schema, nil
}

// Start opens a draft of the service for the applicant, with what the
// registries know filled in; an open draft of the same service is
// resumed instead, so a double click makes one draft.
func (s *Service) Start(ctx context.Context, actor Actor, slug string) (*Application, error) {
	if actor.Kind != ActorApplicant || actor.AccountID == 0 {
		return nil, errs.E(errs.Forbidden, "error.forbidden.detail")
	}
	svc, schema, err := s.onlineService(slug, actor)
	if err != nil {
		return nil, err
	}
	onBehalf := actor.OnBehalf
	drafts, err := listApplications(ctx, s.db, Filter{AccountID: actor.AccountID, OnBehalf: &onBehalf, Service: slug,
		Statuses: []Status{Draft}, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(drafts) > 0 {
		return drafts[0], nil
	}
	now := s.now()
	a := &Application{Number: NewNumber(), Service: svc.Slug, Agency: svc.Agency, Status: Draft,
		AccountID: actor.AccountID, FIN: actor.FIN, OnBehalf: actor.OnBehalf, ApplicantName: actor.Name,
		Lang: actor.Lang, Answers: map[string][]string{}, Prefilled: map[string]Prefilled{}, FeeQepik: svc.FeeQepik,
		CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := s.prefill(ctx, a, schema); err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		return insertApplication(ctx, tx, a)
	})
	if store.IsUniqueViolation(err) {
		// Two in a trillion: draw another number.
		a.Number = NewNumber()
		err = s.db.Tx(ctx, func(tx *sql.Tx) error { return insertApplication(ctx, tx, a) })
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// prefill reads the registry attributes of the form's fields through the
// gateway. A registry that cannot be reached leaves its fields to be
// asked, so the person can still apply.
func (s *Service) prefill(ctx context.Context, a *Application, schema *forms.Schema) error {
	var attrs []string
	for _, f := range schema.Fields {
		if f.Registry != "" && !slices.Contains(attrs, f.Registry) {
			attrs = append(attrs, f.Registry)
		}
	}
	if len(attrs) == 0 || s.cfg.Registries == nil {
		return nil
	}
	known, err := s.cfg.Registries.Prefill(ctx, a.FIN, a.OnBehalf, attrs, "application "+FormatNumber(a.Number)+": "+a.Service)
	if err != nil {
		s.cfg.Logger.Warn("prefill failed; fields will be asked", "service", a.Service, "err", err)
		return nil
	}
	for _, f := range schema.Fields {
		if p, ok := known[f.Registry]; ok && (p.Value != "" || len(p.Values) > 0) {
			a.Prefilled[f.Name] = p
		}
	}
	return nil
}

// mine loads an application of the applicant, answering not found for
// anyone else's so that numbers reveal nothing.
func (s *Service) mine(ctx context.Context, q querier, actor Actor, number string) (*Application, error) {
	n, ok := ParseNumber(number)
	if !ok {
		return nil, errs.E(errs.NotFound, "applications.error.not_found")
	}
	a, err := applicationByNumber(ctx, q, n)
	if err != nil {
		return nil, err
	}
	if actor.Kind != ActorApplicant || a.AccountID != actor.AccountID || a.OnBehalf != actor.OnBehalf {
		return nil, errs.E(errs.NotFound, "applications.error.not_found")
	}
	return a, nil
}

// agencys loads an application of the official's agency; another agency's
// is not found.
func (s *Service) agencys(ctx context.Context, q querier, actor Actor, number string) (*Application, error) {
	n, ok := ParseNumber(number)
	if !ok {
		return nil, errs.E(errs.NotFound, "applications.error.not_found")
	}
	a, err := applicationByNumber(ctx, q, n)
	if err != nil {
		return nil, err
	}
	if (actor.Kind != ActorStaff && actor.Kind != ActorAPI) || actor.Agency == "" || a.Agency != actor.Agency || a.Status == Draft {
		return nil, errs.E(errs.NotFound, "applications.error.not_found")
	}
	return a, nil
}

// Mine is the applicant's application with its timeline.
func (s *Service) Mine(ctx context.Context, actor Actor, number string) (*Application, []Step, error) {
	a, err := s.mine(ctx, s.db, actor, number)
	if err != nil {
		return nil, nil, err
	}
	steps, err := stepsOf(ctx, s.db, a.ID)
	return a, steps, err
}

// OfAgency is an application of the official's agency with its timeline.
// It does not read the applicant's registry record; Applicant does, and
// records the read.
func (s *Service) OfAgency(ctx context.Context, actor Actor, number string) (*Application, []Step, error) {
	a, err := s.agencys(ctx, s.db, actor, number)
	if err != nil {
		return nil, nil, err
	}
	steps, err := stepsOf(ctx, s.db, a.ID)
	return a, steps, err
}

// Applicant reads the applicant's registry record for the official, with
// the purpose of deciding this application; the read is recorded in the
// person's data tracker by the gateway.
func (s *Service) Applicant(ctx context.Context, actor Actor, a *Application) ([]Fact, error) {
	if s.cfg.Registries == nil || a.Agency != actor.Agency {
		return nil, nil
	}
	return s.cfg.Registries.Person(ctx, a.FIN, "application "+FormatNumber(a.Number)+": "+a.Service+" — "+a.Agency, actor.ID)
}

// ListMine lists the applicant's applications (drafts too), newest first.
func (s *Service) ListMine(ctx context.Context, actor Actor) ([]*Application, error) {
	onBehalf := actor.OnBehalf
	return listApplications(ctx, s.db, Filter{AccountID: actor.AccountID, OnBehalf: &onBehalf, Limit: 200})
}

// Queue lists the official's agency's applications; f.Agency is forced to
// the official's agency and drafts are never shown.
func (s *Service) Queue(ctx context.Context, actor Actor, f Filter) ([]*Application, error) {
	if actor.Agency == "" {
		return nil, errs.E(errs.Forbidden, "error.forbidden.detail")
	}
	f.Agency, f.AccountID, f.OnBehalf = actor.Agency, 0, nil
	asked := len(f.Statuses) > 0
	f.Statuses = slices.DeleteFunc(slices.Clone(f.Statuses), func(s Status) bool { return s == Draft })
	if !asked {
		f.Statuses = slices.DeleteFunc(slices.Clone(Statuses), func(s Status) bool { return s == Draft })
	}
	if len(f.Statuses) == 0 {
		return nil, nil // only drafts were asked for
	}
	return listApplications(ctx, s.db, f)
}

// change runs fn on the application in a transaction, saves it and
// records a step when fn says one happened.
func (s *Service) change(ctx context.Context, load func(q querier) (*Application, error),
	fn func(tx *sql.Tx, a *Application) (*Step, error)) (*Application, error) {
	var out *Application
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.changeIn(ctx, tx, load, fn)
		return err
	})
	return out, err
}

// changeIn is change inside the caller's transaction: an event handler's,
// whose effects must commit with the event's delivery.
func (s *Service) changeIn(ctx context.Context, tx *sql.Tx, load func(q querier) (*Application, error),
	fn func(tx *sql.Tx, a *Application) (*Step, error)) (*Application, error) {
	a, err := load(tx)
	if err != nil {
		return nil, err
	}
	step, err := fn(tx, a)
	if err != nil {
		return nil, err
	}
	a.UpdatedAt = s.now()
	if err := saveApplication(ctx, tx, a); err != nil {
		return nil, err
	}
	if step != nil {
		step.At = a.UpdatedAt
		if err := insertStep(ctx, tx, a.ID, step); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func stepBy(actor Actor, action string, from, to Status) *Step {
	return &Step{Action: action, From: from, To: to, ActorKind: actor.Kind, ActorID: actor.ID, ActorName: actor.Name}
}

// SaveAnswers stores what the person typed on one page of a draft, even
// when it is wrong (nothing typed is lost), and reports the page's
// errors.
func (s *Service) SaveAnswers(ctx context.Context, actor Actor, number string, page []string, typed forms.Answers) (*Application, error) {
	var invalid error
	a, err := s.change(ctx, func(q querier) (*Application, error) { return s.mine(ctx, q, actor, number) },
		func(tx *sql.Tx, a *Application) (*Step, error) {
			if a.Status != Draft {
				return nil, errs.E(errs.Conflict, "applications.error.not_draft")
			}
			_, schema, err := s.onlineService(a.Service, actor)
			if err != nil {
				return nil, err
			}
			for _, name := range page {
				f, ok := schema.Field(name)
				if !ok || a.Prefilled[name].Value != "" {
					continue // the state's value is not the person's to type
				}
				if f.Type == forms.File {
					continue // files are added by AddFile
				}
				if vals := typed[name]; len(vals) > 0 {
					a.Answers[name] = vals
				} else {
					delete(a.Answers, name)
				}
			}
			a.Answers = schema.Normalize(a.Answers)
			invalid = schema.Validate(s.merged(a, schema), page...)
			return nil, nil
		})
	if err != nil {
		return nil, err
	}
	return a, invalid
}

// merged is the answers with the registries' values filled in: what the
// form is checked and decided on.
func (s *Service) merged(a *Application, schema *forms.Schema) forms.Answers {
	out := forms.Answers{}
	for k, v := range a.Answers {
		out[k] = v
	}
	for name, p := range a.Prefilled {
		if p.Value != "" {
			out[name] = []string{p.Value}
		}
	}
	for _, at := range a.Attachments {
		if _, ok := schema.Field(at.Field); ok {
			out[at.Field] = append(out[at.Field], at.FileID)
		}
	}
	return out
}

// Answers is what the application says, registry values included.
func (s *Service) Answers(a *Application) (*forms.Schema, forms.Answers, error) {
	svc, err := s.cfg.Catalog.Service(a.Service)
	if err != nil {
		return nil, nil, err
	}
	schema, err := s.Form(svc)
	if err != nil {
		return nil, nil, err
	}
	return schema, schema.Clean(s.merged(a, schema)), nil
}

// AddFile stores an uploaded file and attaches it to the draft's field,
// or (field "") to an answer to a request for information.
func (s *Service) AddFile(ctx context.Context, actor Actor, number, field, name string, content interface {
	Read([]byte) (int, error)
}) (*Application, error) {
	a, err := s.mine(ctx, s.db, actor, number)
	if err != nil {
		return nil, err
	}
	if field != "" {
		if a.Status != Draft {
			return nil, errs.E(errs.Conflict, "applications.error.not_draft")
		}
		_, schema, err := s.onlineService(a.Service, actor)
		if err != nil {
			return nil, err
		}
		if f, ok := schema.Field(field); !ok || f.Type != forms.File {
			return nil, errs.E(errs.Invalid, "applications.error.no_such_field")
		}
	} else if a.Status != InfoRequested {
		return nil, errs.E(errs.Conflict, "applications.error.not_requested")
	}
	if len(a.Attachments) >= 20 {
		return nil, errs.E(errs.Invalid, "applications.error.too_many_files").FieldWith(orDefault(field, "file"),
			"applications.error.too_many_files", nil)
	}
	f, err := s.cfg.Files.Put(ctx, name, content, files.DefaultLimits, uploadOwner(number))
	if err != nil {
		if e := errs.As(err); e.Kind == errs.Invalid && len(e.Fields) == 0 {
			e.FieldWith(orDefault(field, "file"), e.Message, e.Args)
		}
		return nil, err
	}
	return s.change(ctx, func(q querier) (*Application, error) { return s.mine(ctx, q, actor, number) },
		func(tx *sql.Tx, a *Application) (*Step, error) {
			for _, at := range a.Attachments {
				if at.FileID == f.ID && at.Field == field {
					return nil, nil // the same file twice is attached once
				}
			}
			a.Attachments = append(a.Attachments, Attachment{FileID: f.ID, Name: f.Name, Type: f.Type, Size: f.Size,
				Field: field, Added: s.now()})
			return nil, nil
		})
}

// uploadOwner is who, for the file store, uploaded an application's
// files: the application, so that a discarded draft can let them go.
// (Uploads before this were the account's, and stay.)
func uploadOwner(number string) string { return "application:" + number }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// RemoveFile detaches a file from the draft.
func (s *Service) RemoveFile(ctx context.Context, actor Actor, number, fileID string) (*Application, error) {
	return s.change(ctx, func(q querier) (*Application, error) { return s.mine(ctx, q, actor, number) },
		func(tx *sql.Tx, a *Application) (*Step, error) {
			if a.Status != Draft {
				return nil, errs.E(errs.Conflict, "applications.error.not_draft")
			}
			a.Attachments = slices.DeleteFunc(a.Attachments, func(at Attachment) bool { return at.FileID == fileID })
			return nil, nil
		})
}

// Submit checks the whole form and sends the application to its agency.
// The deadline starts now, in working days; a service with a fee waits
// for payment first.
func (s *Service) Submit(ctx context.Context, actor Actor, number string) (*Application, error) {
	return s.change(ctx, func(q querier) (*Application, error) { return s.mine(ctx, q, actor, number) },
		func(tx *sql.Tx, a *Application) (*Step, error) {
			if a.Status != Draft {
				if a.Status == Submitted || a.Status == AwaitingPayment {
					return nil, errs.E(errs.Conflict, "applications.error.already_submitted")
				}
				return nil, errs.E(errs.Conflict, "applications.error.not_draft")
			}
			return s.submitDraft(ctx, tx, actor, actor, a)
		})
}

// submitDraft checks the draft a of applicant and sends it to its agency
// in tx, by actor (the applicant, or a system submitting for them): the
// deadline starts now, in working days; a service with a fee waits for
// payment first.
func (s *Service) submitDraft(ctx context.Context, tx *sql.Tx, applicant, actor Actor, a *Application) (*Step, error) {
	svc, schema, err := s.onlineService(a.Service, applicant)
	if err != nil {
		return nil, err
	}
	if err := schema.Validate(s.merged(a, schema)); err != nil {
		return nil, err
	}
	a.Answers = schema.Clean(a.Answers)
	now := s.now()
	a.SubmittedAt = &now
	a.FeeQepik = svc.FeeQepik
	a.Status = Submitted
	bill := ""
	if a.FeeQepik > 0 && s.cfg.Bill != nil {
		a.Status = AwaitingPayment
		if bill, err = s.cfg.Bill(ctx, tx, a); err != nil {
			return nil, err
		}
	} else {
		due := s.cfg.Calendar.AddWorkingDays(now, svc.DeadlineDays).UTC()
		a.DueAt = &due
	}
	if err := s.tell(ctx, tx, a, "applications.submitted", ""); err != nil {
		return nil, err
	}
	if err := s.publish(ctx, tx, TopicSubmitted, a); err != nil {
		return nil, err
	}
	st := stepBy(actor, "submit", Draft, a.Status)
	st.Note = bill
	return st, nil
}

// MarkPaid moves an application awaiting payment on to its agency and
// starts its deadline, in the caller's transaction (the payments event's
// handler); paying twice changes nothing.
func (s *Service) MarkPaid(ctx context.Context, tx *sql.Tx, number, paymentRef string) (*Application, error) {
	actor := Actor{Kind: ActorSystem, ID: "payments", Name: "payments"}
	return s.changeIn(ctx, tx, func(q querier) (*Application, error) { return applicationByNumber(ctx, q, number) },
		func(tx *sql.Tx, a *Application) (*Step, error) {
			if a.Status != AwaitingPayment {
				return nil, nil
			}
			svc, err := s.cfg.Catalog.Service(a.Service)
			if err != nil {
				return nil, err
			}
			a.Status = Submitted
			due := s.cfg.Calendar.AddWorkingDays(s.now(), svc.DeadlineDays).UTC()
			a.DueAt = &due
			st := stepBy(actor, "paid", AwaitingPayment, Submitted)
			st.Note = paymentRef
			return st, nil
		})
}

// Withdraw ends the application at the applicant's wish; a draft is
// simply discarded.
func (s *Service) Withdraw(ctx context.Context, actor Actor, number string) (*Application, error) {
	return s.change(ctx, func(q querier) (*Application, error) { return s.mine(ctx, q, actor, number) },
		func(tx *sql.Tx, a *Application) (*Step, error) {
			if a.Status != Draft && !a.Status.Withdrawable() {
				return nil, errs.E(errs.Conflict, "applications.error.cannot_withdraw")
			}
			from := a.Status
			a.Status = Withdrawn
			if from == Draft {
				// Nothing was sent: what was uploaded for it goes (once no
				// other upload holds the same content; housekeeping's
				// sweep deletes it).
				if s.cfg.Files != nil {
					if err := s.cfg.Files.Release(ctx, tx, uploadOwner(a.Number)); err != nil {
						return nil, err
					}
				}
				a.Attachments = nil
				return stepBy(actor, "discard", from, Withdrawn), nil
			}
			if err := s.tell(ctx, tx, a, "applications.withdrawn", ""); err != nil {
				return nil, err
			}
			return stepBy(actor, "withdraw", from, Withdrawn), nil
		})
}

// Resubmit answers the agency's request for more information with a
// message (and files added with AddFile). The days spent waiting for the
// answer are added to the deadline: the clock stops while the agency waits.
func (s *Service) Resubmit(ctx context.Context, actor Actor, number, message string) (*Application, error) {
	message, err := cleanMessage(message)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, func(q querier) (*Application, error) { return s.mine(ctx, q, actor, number) },
		func(tx *sql.Tx, a *Application) (*Step, error) { return s.resubmitted(ctx, tx, actor, a, message) })
}

// resubmitted sends a back to its agency with the answer message, by
// actor, in tx.
func (s *Service) resubmitted(ctx context.Context, tx *sql.Tx, actor Actor, a *Application, message string) (*Step, error) {
	if a.Status != InfoRequested {
		return nil, errs.E(errs.Conflict, "applications.error.not_requested")
	}
	steps, err := stepsOf(ctx, tx, a.ID)
	if err != nil {
		return nil, err
	}
	if a.DueAt != nil {
		for i := len(steps) - 1; i >= 0; i-- {
			if steps[i].Action == "request_info" {
				waited := s.cfg.Calendar.WorkingDaysBetween(steps[i].At, s.now())
				if waited > 0 {
					due := s.cfg.Calendar.AddWorkingDays(*a.DueAt, waited).UTC()
					a.DueAt = &due
				}
				break
			}
		}
	}
	a.Status = Resubmitted
	a.Overdue = false
	st := stepBy(actor, "resubmit", InfoRequested, Resubmitted)
	st.Note = message
	return st, nil
}

// Assign gives the application to an official of its agency (the actor
// themself when assigneeID is 0) and starts its review.
func (s *Service) Assign(ctx context.Context, actor Actor, number string, assigneeID int64) (*Application, error) {
	assigneeName := actor.Name
	if assigneeID == 0 || assigneeID == actor.AccountID {
		assigneeID = actor.AccountID
	} else {
		if s.cfg.StaffOf == nil {
			return nil, errs.E(errs.Invalid, "applications.error.assignee")
		}
		staff, err := s.cfg.StaffOf(ctx, actor.Agency)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(staff, func(m Staff) bool { return m.AccountID == assigneeID })
		if i < 0 {
			return nil, errs.E(errs.Invalid, "applications.error.assignee").Field("assignee", "applications.error.assignee")
		}
		assigneeName = staff[i].Name
	}
	return s.change(ctx, func(q querier) (*Application, error) { return s.agencys(ctx, q, actor, number) },
		func(tx *sql.Tx, a *Application) (*Step, error) {
			if a.Status.Final() || a.Status == Approved {
				return nil, errs.E(errs.Conflict, "applications.error.closed")
			}
			if a.AssigneeID == assigneeID {
				return nil, nil
			}
			from := a.Status
			if a.Status == Submitted || a.Status == Resubmitted {
				a.Status = InReview
			}
			a.AssigneeID, a.AssigneeName = assigneeID, assigneeName
			st := stepBy(actor, "assign", from, a.Status)
			st.Note = assigneeName
			return st, s.auditStaff(ctx, tx, actor, "application.assign", a, map[string]string{"assignee": assigneeName})
		})
}

// RequestInfo asks the applicant for more information with a message.
func (s *Service) RequestInfo(ctx context.Context, actor Actor, number, message string) (*Application, error) {
	message, err := cleanMessage(message)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, func(q querier) (*Application, error) { return s.agencys(ctx, q, actor, number) },
		func(tx *sql.Tx, a *Application) (*Step, error) {
			if !a.Status.Decidable() {
				return nil, errs.E(errs.Conflict, "applications.error.not_decidable")
			}
			from := a.Status
			a.Status = InfoRequested
			if a.AssigneeID == 0 && actor.Kind == ActorStaff {
				a.AssigneeID, a.AssigneeName = actor.AccountID, actor.Name
			}
			if err := s.tell(ctx, tx, a, "applications.info_requested", message); err != nil {
				return nil, err
			}
			st := stepBy(actor, "request_info", from, InfoRequested)
			st.Note = message
			return st, s.auditStaff(ctx, tx, actor, "application.request_info", a, nil)
		})
}

// Decide approves or rejects the application with a reason in three
// languages (a rejection must give one; an approval may).
func (s *Service) Decide(ctx context.Context, actor Actor, number string, approve bool, reason lang.Text) (*Application, error) {
	reason = lang.Text{AZ: strings.TrimSpace(reason.AZ), EN: strings.TrimSpace(reason.EN), RU: strings.TrimSpace(reason.RU)}
	var v errs.Validation
	if !approve || reason != (lang.Text{}) {
		for _, l := range lang.All {
			if strings.TrimSpace(reason.Exact(l)) == "" {
				v.AddWith("reason_"+string(l), "applications.error.reason", map[string]any{"Language": l.Native()})
			} else if len([]rune(reason.Exact(l))) > 2000 {
				v.Add("reason_"+string(l), "applications.error.message_long")
			}
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	to, action := Rejected, "reject"
	if approve {
		to, action = Approved, "approve"
	}
	a, err := s.change(ctx, func(q querier) (*Application, error) { return s.agencys(ctx, q, actor, number) },
		func(tx *sql.Tx, a *Application) (*Step, error) {
			if !a.Status.Decidable() {
				return nil, errs.E(errs.Conflict, "applications.error.not_decidable")
			}
			from := a.Status
			now := s.now()
			a.Status, a.Decision, a.DecidedAt, a.Overdue = to, reason, &now, false
			if a.AssigneeID == 0 && actor.Kind == ActorStaff {
				a.AssigneeID, a.AssigneeName = actor.AccountID, actor.Name
			}
			note := reason.In(a.Lang)
			if note == "" {
				note = approvedNote.In(a.Lang)
			}
			if err := s.tell(ctx, tx, a, "applications."+string(to), note); err != nil {
				return nil, err
			}
			if err := s.publish(ctx, tx, TopicDecided, a); err != nil {
				return nil, err
			}
			st := stepBy(actor, action, from, to)
			st.Reason = reason
			return st, s.auditStaff(ctx, tx, actor, "application."+action, a, nil)
		})
	if err != nil || a.Status != Approved {
		return a, err
	}
	// The document is issued once the approval is committed; if that
	// fails, IssueApproved tries again later, and the same document comes
	// back however often it is asked for.
	if issued, err := s.issue(ctx, a); err != nil {
		s.cfg.Logger.Warn("issue the document of an approved application", "number", a.Number, "err", err)
	} else if issued != nil {
		a = issued
	}
	return a, nil
}

// issue issues the application's document and records it.
func (s *Service) issue(ctx context.Context, a *Application) (*Application, error) {
	if s.cfg.Issue == nil {
		return nil, nil
	}
	doc, err := s.cfg.Issue(ctx, a)
	if err != nil {
		return nil, err
	}
	var out *Application
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.MarkIssued(ctx, tx, a.Number, doc)
		return err
	})
	return out, err
}

// IssueApproved issues the documents of approved applications that have
// none yet (their issuing failed or egov stopped before it), and reports
// how many it issued.
func (s *Service) IssueApproved(ctx context.Context) (int, error) {
	if s.cfg.Issue == nil {
		return 0, nil
	}
	list, err := listApplications(ctx, s.db, Filter{Statuses: []Status{Approved}, Limit: 500})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range list {
		if _, err := s.issue(ctx, a); err != nil {
			s.cfg.Logger.Warn("issue the document of an approved application", "number", a.Number, "err", err)
			continue
		}
		n++
	}
	return n, nil
}

// MarkIssued records the document issued for an approved application, in
// the caller's transaction (the issuing event's handler); issuing twice
// changes nothing.
func (s *Service) MarkIssued(ctx context.Context, tx *sql.Tx, number, documentID string) (*Application, error) {
	actor := Actor{Kind: ActorSystem, ID: "documents", Name: "documents"}
	return s.changeIn(ctx, tx, func(q querier) (*Application, error) { return applicationByNumber(ctx, q, number) },
		func(tx *sql.Tx, a *Application) (*Step, error) {
			if a.Status == Issued {
				return nil, nil
			}
			if a.Status != Approved {
				return nil, errs.E(errs.Conflict, "applications.error.not_approved")
			}
			a.Status, a.DocumentID = Issued, documentID
			st := stepBy(actor, "issue", Approved, Issued)
			st.Note = documentID
			return st, nil
		})
}

// FlagOverdue marks the open applications whose deadline has passed and
// tells their agencies' supervisors, once per application. It reports how
// many it flagged.
func (s *Service) FlagOverdue(ctx context.Context) (int, error) {
	due, err := listApplications(ctx, s.db, Filter{Statuses: []Status{Submitted, InReview, Resubmitted},
		DueBefore: s.now(), Limit: 500})
	if err != nil {
		return 0, err
	}
	actor := Actor{Kind: ActorSystem, ID: "deadline", Name: "deadline"}
	flagged := 0
	supervisorsOf := map[string][]Staff{} // by agency, read once per run
	for _, found := range due {
		if found.Overdue {
			continue
		}
		supervisors, known := supervisorsOf[found.Agency]
		if !known && s.cfg.StaffOf != nil {
			staff, err := s.cfg.StaffOf(ctx, found.Agency)
			if err != nil {
				return flagged, err
			}
			for _, m := range staff {
				if m.Supervisor {
					supervisors = append(supervisors, m)
				}
			}
			supervisorsOf[found.Agency] = supervisors
		}
		_, err := s.change(ctx, func(q querier) (*Application, error) { return applicationByNumber(ctx, q, found.Number) },
			func(tx *sql.Tx, a *Application) (*Step, error) {
				if a.Overdue || !a.Status.Decidable() || a.DueAt == nil || !a.DueAt.Before(s.now()) {
					return nil, errs.E(errs.Conflict, "applications.error.changed")
				}
				a.Overdue = true
				for _, m := range supervisors {
					if err := s.tellStaff(ctx, tx, a, m); err != nil {
						return nil, err
					}
				}
				return stepBy(actor, "overdue", a.Status, a.Status), nil
			})
		if errs.KindOf(err) == errs.Conflict {
			continue // decided or flagged meanwhile
		}
		if err != nil {
			return flagged, err
		}
		flagged++
	}
	return flagged, nil
}

// cleanMessage trims a message between the applicant and the agency and
// checks that it says something, briefly enough.
func cleanMessage(message string) (string, error) {
	message = strings.TrimSpace(message)
	if message == "" {
		return "", errs.E(errs.Invalid, "applications.error.message").Field("message", "applications.error.message")
	}
	if len([]rune(message)) > 5000 {
		return "", errs.E(errs.Invalid, "applications.error.message_long").Field("message", "applications.error.message_long")
	}
	return message, nil
}

func (s *Service) publish(ctx context.Context, tx *sql.Tx, topic string, a *Application) error {
	return events.Publish(ctx, tx, topic, a.Number, Event{Number: a.Number, Service: a.Service, Agency: a.Agency,
		FIN: a.FIN, OnBehalf: a.OnBehalf, Status: a.Status, FeeQepik: a.FeeQepik})
}

func (s *Service) auditStaff(ctx context.Context, tx *sql.Tx, actor Actor, action string, a *Application, detail map[string]string) error {
	if detail == nil {
		detail = map[string]string{}
	}
	detail["agency"] = a.Agency
	detail["status"] = string(a.Status)
	_, err := audit.Append(ctx, tx, audit.Entry{Actor: actor.Kind + ":" + actor.ID, Action: action,
		Object: "application:" + a.Number, Detail: detail})
	return err
}

// serviceName is the service's name in l, or its slug.
func (s *Service) serviceName(slug string, l lang.Lang) string {
	if svc, err := s.cfg.Catalog.Service(slug); err == nil {
		return svc.Name.In(l)
	}
	return slug
}

// tell puts a message about the application in the applicant's inbox
// (and their e-mail or SMS, as they chose), in their language, once per
// step.
func (s *Service) tell(ctx context.Context, tx *sql.Tx, a *Application, template, text string) error {
	if s.cfg.Notify == nil {
		return nil
	}
	values := map[string]string{"number": FormatNumber(a.Number), "service": s.serviceName(a.Service, a.Lang)}
	if text != "" {
		values["message"] = text
	}
	_, err := s.cfg.Notify.Send(ctx, tx, notify.Message{
		To:             notify.Recipient{AccountID: a.AccountID, FIN: a.FIN, Lang: a.Lang},
		Template:       template,
		Values:         values,
		Kind:           notify.KindApplication,
		IdempotencyKey: fmt.Sprintf("application:%s:v%d:%s", a.Number, a.Version, template),
	})
	return err
}

func (s *Service) tellStaff(ctx context.Context, tx *sql.Tx, a *Application, m Staff) error {
	if s.cfg.Notify == nil {
		return nil
	}
	due := ""
	if a.DueAt != nil {
		due = a.DueAt.In(web.Baku).Format("02.01.2006")
	}
	_, err := s.cfg.Notify.Send(ctx, tx, notify.Message{
		To:       notify.Recipient{AccountID: m.AccountID, Email: m.Email, Lang: m.Lang},
		Template: "applications.overdue",
		Values: map[string]string{"number": FormatNumber(a.Number), "service": s.serviceName(a.Service, m.Lang),
			"due": due},
		Kind:           notify.KindGeneral,
		IdempotencyKey: fmt.Sprintf("application:%s:overdue:%d", a.Number, m.AccountID),
	})
	return err
}

// decisionField marks the files an agency attaches to its decision.
const decisionField = "decision"

// StartReview takes a submitted or resubmitted application into review
// without assigning it (agencies' systems do this).
func (s *Service) StartReview(ctx context.Context, actor Actor, number string) (*Application, error) {
	return s.change(ctx, func(q querier) (*Application, error) { return s.agencys(ctx, q, actor, number) },
		func(tx *sql.Tx, a *Application) (*Step, error) {
			if a.Status == InReview {
				return nil, nil
			}
			if a.Status != Submitted && a.Status != Resubmitted {
				return nil, errs.E(errs.Conflict, "applications.error.not_decidable")
			}
			from := a.Status
			a.Status = InReview
			return stepBy(actor, "review", from, InReview), s.auditStaff(ctx, tx, actor, "application.review", a, nil)
		})
}

// AttachDecision stores a file the agency attaches to its decision (a
// scan of a signed letter, a certificate) and shows it to the applicant.
func (s *Service) AttachDecision(ctx context.Context, actor Actor, number, name string, content interface {
	Read([]byte) (int, error)
}) (*Application, *Attachment, error) {
	a, err := s.agencys(ctx, s.db, actor, number)
	if err != nil {
		return nil, nil, err
	}
	if a.Status.Final() {
		return nil, nil, errs.E(errs.Conflict, "applications.error.closed")
	}
	f, err := s.cfg.Files.Put(ctx, name, content, files.DefaultLimits, "agency:"+actor.Agency)
	if err != nil {
		return nil, nil, err
	}
	at := Attachment{FileID: f.ID, Name: f.Name, Type: f.Type, Size: f.Size, Field: decisionField, Added: s.now()}
	a, err = s.change(ctx, func(q querier) (*Application, error) { return s.agencys(ctx, q, actor, number) },
		func(tx *sql.Tx, a *Application) (*Step, error) {
			for _, x := range a.Attachments {
				if x.FileID == f.ID && x.Field == decisionField {
					return nil, nil
				}
			}
			a.Attachments = append(a.Attachments, at)
			st := stepBy(actor, "attach", a.Status, a.Status)
			st.Note = f.Name
			return st, s.auditStaff(ctx, tx, actor, "application.attach", a, map[string]string{"file": f.ID})
		})
	return a, &at, err
}
