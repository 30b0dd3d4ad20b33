package applications

import (
	"context"
	"database/sql"
	"time"

	"github.com/egov/egov/internal/forms"
	"github.com/egov/egov/internal/refnum"
)

// DemoApplication is an application the demo starts with, so the back
// office has work the moment the demo opens.
type DemoApplication struct {
	Applicant Actor
	Service   string
	Answers   forms.Answers
	// WorkingDaysAgo is when it was sent, counted back from the demo day.
	WorkingDaysAgo int
}

// demoNumber is a fixed, valid application number for a demo
// application, so seeding twice finds it instead of adding another.
func demoNumber(seed string) string { return refnum.Derive("egov demo application|" + seed) }

// SeedDemo adds the demo applications that are not there yet, sent the
// given number of working days before demoDay, and reports how many it
// added. Registry values are filled in as the live flow would.
func (s *Service) SeedDemo(ctx context.Context, demoDay time.Time, list []DemoApplication) (int, error) {
	added := 0
	for _, d := range list {
		number := demoNumber(d.Applicant.FIN + "|" + d.Service)
		if _, err := applicationByNumber(ctx, s.db, number); err == nil {
			continue
		}
		svc, schema, err := s.onlineService(d.Service, d.Applicant)
		if err != nil {
			return added, err
		}
		sent := demoDay
		for i := 0; i < d.WorkingDaysAgo; {
			sent = sent.AddDate(0, 0, -1)
			if s.cfg.Calendar.IsWorkingDay(sent) {
				i++
			}
		}
		sent = time.Date(sent.Year(), sent.Month(), sent.Day(), 10, 30, 0, 0, sent.Location()).UTC()
		due := s.cfg.Calendar.AddWorkingDays(sent, svc.DeadlineDays).UTC()
		a := &Application{Number: number, Service: svc.Slug, Agency: svc.Agency, Status: Submitted,
			AccountID: d.Applicant.AccountID, FIN: d.Applicant.FIN, ApplicantName: d.Applicant.Name, Lang: d.Applicant.Lang,
			Answers: schema.Clean(d.Answers), Prefilled: map[string]Prefilled{}, FeeQepik: svc.FeeQepik,
			SubmittedAt: &sent, DueAt: &due, CreatedAt: sent, UpdatedAt: sent, Version: 1}
		if err := s.prefill(ctx, a, schema); err != nil {
			return added, err
		}
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			if err := insertApplication(ctx, tx, a); err != nil {
				return err
			}
			if err := saveApplication(ctx, tx, a); err != nil {
				return err
			}
			st := stepBy(d.Applicant, "submit", Draft, Submitted)
			st.At = sent
			return insertStep(ctx, tx, a.ID, st)
		})
		if err != nil {
			return added, err
		}
		added++
	}
	return added, nil
}
