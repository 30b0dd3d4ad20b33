package applications

import (
	"context"
	"database/sql"
	"embed"
	"slices"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/refnum"
	"github.com/egov/egov/internal/store"
)

// Locales hold the module's messages, for other interfaces that answer
// its errors (the GovStack Registration block).
var Locales embed.FS = localesFS

// Submission is an application another system makes for a person, whole
// (the GovStack Registration block through the gateway): the form's
// answers and the files already stored, submitted at once, with the same
// checks, deadline, fee and messages as the person's own submission.
type Submission struct {
	Applicant Actor  // the person: ActorApplicant with their account
	By        Actor  // the system submitting (ActorAPI), named in the timeline
	Service   string // catalog slug
	Answers   forms.Answers
	// Attachments are stored files: those of a file field carry its name
	// in Field; others (Field "") go with the application.
	Attachments []Attachment
	// Key makes the submission idempotent: the same key gives the same
	// application, however often and concurrently it is sent.
	Key string
}

// SubmitFor makes and submits the application of p, or answers the one
// an earlier submission with the same key made (whatever p says now: the
// caller compares). Invalid answers are refused with the form's field
// errors and leave nothing behind.
func (s *Service) SubmitFor(ctx context.Context, p Submission) (*Application, error) {
	if p.Key == "" || p.Applicant.Kind != ActorApplicant || p.Applicant.AccountID == 0 {
		return nil, errs.E(errs.Invalid, "error.invalid")
	}
	number := refnum.Derive("egov submitted application|" + p.Key)
	if a, err := applicationByNumber(ctx, s.db, number); err == nil {
		return a, nil
	} else if errs.KindOf(err) != errs.NotFound {
		return nil, err
	}
	svc, schema, err := s.onlineService(p.Service, p.Applicant)
	if err != nil {
		return nil, err
	}
	now := s.now()
	a := &Application{Number: number, Service: svc.Slug, Agency: svc.Agency, Status: Draft,
		AccountID: p.Applicant.AccountID, FIN: p.Applicant.FIN, OnBehalf: p.Applicant.OnBehalf,
		ApplicantName: p.Applicant.Name, Lang: p.Applicant.Lang, Answers: map[string][]string{},
		Prefilled: map[string]Prefilled{}, FeeQepik: svc.FeeQepik, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := s.prefill(ctx, a, schema); err != nil {
		return nil, err
	}
	for _, f := range schema.Fields {
		if a.Prefilled[f.Name].Value != "" || f.Type == forms.File {
			continue // the state's value is not the person's to give; files come stored
		}
		if vals := p.Answers[f.Name]; len(vals) > 0 {
			a.Answers[f.Name] = vals
		}
	}
	a.Answers = schema.Normalize(a.Answers)
	if len(p.Attachments) > 20 {
		return nil, errs.E(errs.Invalid, "applications.error.too_many_files").Field("documentUrls", "applications.error.too_many_files")
	}
	for _, at := range p.Attachments {
		if at.Field != "" {
			if f, ok := schema.Field(at.Field); !ok || f.Type != forms.File {
				return nil, errs.E(errs.Invalid, "applications.error.no_such_field").Field(at.Field, "applications.error.no_such_field")
			}
		}
		at.Added = now
		a.Attachments = append(a.Attachments, at)
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := insertApplication(ctx, tx, a); err != nil {
			return err
		}
		step, err := s.submitDraft(ctx, tx, p.Applicant, p.By, a)
		if err != nil {
			return err
		}
		if err := saveApplication(ctx, tx, a); err != nil {
			return err
		}
		step.At = a.UpdatedAt
		return insertStep(ctx, tx, a.ID, step)
	})
	if store.IsUniqueViolation(err) {
		// The same submission, sent at the same time, was made first.
		return applicationByNumber(ctx, s.db, number)
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// ByNumber is an application with its timeline, for a caller that has
// already decided it may see it (the GovStack block checks who submitted
// it or which agency decides it).
func (s *Service) ByNumber(ctx context.Context, number string) (*Application, []Step, error) {
	a, err := applicationByNumber(ctx, s.db, number)
	if err != nil {
		return nil, nil, err
	}
	steps, err := stepsOf(ctx, s.db, a.ID)
	return a, steps, err
}

// AnswerFor answers the agency's request for more information on the
// applicant's behalf, by the system that submitted the application: the
// message and the stored files go to the agency and the application is
// resubmitted, its deadline moved by the days the agency waited.
func (s *Service) AnswerFor(ctx context.Context, by Actor, number, message string, files []Attachment) (*Application, error) {
	message, err := cleanMessage(message)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, func(q querier) (*Application, error) { return applicationByNumber(ctx, q, number) },
		func(tx *sql.Tx, a *Application) (*Step, error) {
			if a.Status != InfoRequested {
				return nil, errs.E(errs.Conflict, "applications.error.not_requested")
			}
			if len(a.Attachments)+len(files) > 20 {
				return nil, errs.E(errs.Invalid, "applications.error.too_many_files").Field("documentUrls", "applications.error.too_many_files")
			}
			for _, f := range files {
				if !slices.ContainsFunc(a.Attachments, func(x Attachment) bool { return x.FileID == f.FileID && x.Field == "" }) {
					f.Field, f.Added = "", s.now()
					a.Attachments = append(a.Attachments, f)
				}
			}
			return s.resubmitted(ctx, tx, by, a, message)
		})
}

// ByNumbers are the applications with these numbers (at most 500) that
// exist, newest first, for a caller that has already decided it may see
// them.
func (s *Service) ByNumbers(ctx context.Context, numbers []string) ([]*Application, error) {
	if len(numbers) == 0 {
		return nil, nil
	}
	return listApplications(ctx, s.db, Filter{Numbers: numbers, Limit: len(numbers)})
}
