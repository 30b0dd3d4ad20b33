package applications

import (
	"context"
	"database/sql"
	"slices"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/refnum"
	"github.com/egov/egov/internal/store"
)

// StartPrefilled opens (or resumes) the applicant's draft of a service, as
// Start does, with answers filled in where the draft has none yet: a
// proactive offer accepted takes the person into a form that already says
// what the state knows (the card is being renewed because it expires).
// It returns the draft and the address to continue at.
func (s *Service) StartPrefilled(ctx context.Context, actor Actor, slug string, answers forms.Answers) (*Application, string, error) {
	a, err := s.Start(ctx, actor, slug)
	if err != nil {
		return nil, "", err
	}
	var page []string
	for name := range answers {
		if len(a.Answers[name]) == 0 {
			page = append(page, name)
		}
	}
	slices.Sort(page)
	if len(page) > 0 {
		saved, err := s.SaveAnswers(ctx, actor, a.Number, page, answers)
		if saved == nil {
			return nil, "", err
		}
		a = saved // an answer the form refuses is shown there, not lost
	}
	return a, s.resumeAt(a), nil
}

// Approval is an application a proactive rule makes and approves at once
// for a person, without their asking.
type Approval struct {
	Applicant Actor // the person (Kind ActorApplicant, with their account)
	Service   string
	Answers   forms.Answers
	Reason    lang.Text // why the state decided, kept as the decision
	// Key makes the approval idempotent: the same key gives the same
	// application, however often and concurrently it is asked for.
	Key string
}

// ApproveProactively makes the application of p and approves it in one
// transaction, with the submission and the approval in its timeline (by
// the system), then issues its document as an approval does. Its number
// is derived from p.Key, so a repeat returns the first application.
func (s *Service) ApproveProactively(ctx context.Context, p Approval) (*Application, error) {
	if p.Key == "" || p.Applicant.AccountID == 0 {
		return nil, errs.E(errs.Invalid, "error.invalid")
	}
	number := refnum.Derive("egov proactive application|" + p.Key)
	if a, err := applicationByNumber(ctx, s.db, number); err == nil {
		return s.issued(ctx, a)
	}
	svc, schema, err := s.onlineService(p.Service, p.Applicant)
	if err != nil {
		return nil, err
	}
	now := s.now()
	a := &Application{Number: number, Service: svc.Slug, Agency: svc.Agency, Status: Approved,
		AccountID: p.Applicant.AccountID, FIN: p.Applicant.FIN, ApplicantName: p.Applicant.Name, Lang: p.Applicant.Lang,
		Answers: schema.Clean(p.Answers), Prefilled: map[string]Prefilled{}, SubmittedAt: &now, DueAt: &now, DecidedAt: &now,
		Decision: p.Reason, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := s.prefill(ctx, a, schema); err != nil {
		return nil, err
	}
	system := Actor{Kind: ActorSystem, ID: "proactive", Name: "proactive"}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := insertApplication(ctx, tx, a); err != nil {
			return err
		}
		if err := saveApplication(ctx, tx, a); err != nil {
			return err
		}
		submit := stepBy(system, "submit", Draft, Submitted)
		submit.At = now
		if err := insertStep(ctx, tx, a.ID, submit); err != nil {
			return err
		}
		approve := stepBy(system, "approve", Submitted, Approved)
		approve.At, approve.Reason = now, p.Reason
		if err := insertStep(ctx, tx, a.ID, approve); err != nil {
			return err
		}
		return s.publish(ctx, tx, TopicDecided, a)
	})
	if store.IsUniqueViolation(err) {
		// Another worker made it first.
		if a, err = applicationByNumber(ctx, s.db, number); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return s.issued(ctx, a)
}

// issued issues an approved application's document if it has none yet;
// a failure is left to IssueApproved, as after an official's approval.
func (s *Service) issued(ctx context.Context, a *Application) (*Application, error) {
	if a.Status != Approved {
		return a, nil
	}
	out, err := s.issue(ctx, a)
	if err != nil {
		s.cfg.Logger.Warn("issue the document of a proactive approval", "number", a.Number, "err", err)
		return a, nil
	}
	if out == nil {
		return a, nil
	}
	return out, nil
}
