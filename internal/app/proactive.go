package app

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/documents"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/payments"
	"github.com/egov/egov/internal/proactive"
	"github.com/egov/egov/internal/registry"
	"github.com/egov/egov/internal/web"
)

// proactiveActions carries out proactive rules' actions through the
// modules that own them: documents, applications, payments, notify.
type proactiveActions struct{ a *App }

// agencyOf is the agency acting for an action: the catalog service's, or
// the rule's owner.
func (p proactiveActions) agencyOf(d proactive.Do) string {
	if d.Action.Service != "" {
		if svc, err := p.a.Catalog.Service(d.Action.Service); err == nil {
			return svc.Agency
		}
	}
	return d.Rule.Agency
}

// reason is the action's title and the rule's reason, for a payment's or
// bill's description.
func reason(d proactive.Do) string { return d.Action.Title.AZ + ": " + d.Rule.Reason.AZ }

func (p proactiveActions) Payout(ctx context.Context, tx *sql.Tx, d proactive.Do) (string, error) {
	out, err := p.a.Payments.CreatePayout(ctx, tx, payments.Payout{PayeeFIN: d.FIN, IBAN: d.IBAN, Amount: d.Action.Amount,
		Agency: p.agencyOf(d), Service: d.Action.Service, Reason: reason(d), Reference: d.Key, IdempotencyKey: d.Key})
	if err != nil {
		return "", err
	}
	return out.Number, nil
}

func (p proactiveActions) Bill(ctx context.Context, tx *sql.Tx, d proactive.Do) (string, error) {
	now := time.Now()
	b, err := p.a.Payments.CreateBill(ctx, tx, payments.Bill{Kind: payments.KindFee, PayerFIN: d.FIN, Agency: p.agencyOf(d),
		BudgetCode: feeBudgetCode, Service: d.Action.Service, Description: reason(d), Amount: d.Action.Amount,
		IssuedAt: now, DueAt: now.AddDate(0, 0, 30), Reference: d.Key, IdempotencyKey: d.Key})
	if err != nil {
		return "", err
	}
	return b.Number, nil
}

// Notify sends the rule's notice with the event's facts as values (dates
// as people write them). It runs in the action's transaction, so the
// person is read from the registry directly, as Send's contact lookup is.
func (p proactiveActions) Notify(ctx context.Context, tx *sql.Tx, d proactive.Do) (string, error) {
	l := p.a.Identity.PersonLanguage(ctx, d.FIN)
	values := map[string]string{"title": d.Action.Title.In(l)}
	for k, v := range d.Facts {
		if day, err := registry.ParseDate(v); err == nil {
			v = day.Format("02.01.2006")
		}
		values[k] = v
	}
	sent, err := p.a.Notify.Send(ctx, tx, notify.Message{To: notify.Recipient{FIN: d.FIN, Lang: l},
		Template: d.Action.Template, Values: values, Kind: notify.KindGeneral, IdempotencyKey: d.Key})
	if err != nil {
		return "", err
	}
	return fmt.Sprint(sent.ID), nil
}

// IssueDocument issues the rule's document to the person, with the
// event's facts as its data; the key makes a repeat return it.
func (p proactiveActions) IssueDocument(ctx context.Context, d proactive.Do) (string, error) {
	holder, err := p.a.Registry.Person(ctx, d.FIN)
	if err != nil {
		return "", err
	}
	name := d.Action.Title
	if d.Action.Service != "" {
		if svc, err := p.a.Catalog.Service(d.Action.Service); err == nil {
			name = svc.Name
		}
	}
	fields := []documents.Field{}
	if child := d.Facts["child"]; child != "" {
		if c, err := p.a.Registry.Person(ctx, child); err == nil {
			fields = append(fields,
				documents.Field{Key: "child_name", Label: lang.Text{AZ: "Uşağın adı", EN: "Child's name", RU: "Имя ребёнка"},
					Value: strings.TrimSpace(c.LastName + " " + c.FirstName + " " + c.Patronymic)},
				documents.Field{Key: "child_fin", Label: lang.Text{AZ: "Uşağın FİN-i", EN: "Child's FIN", RU: "ФИН ребёнка"}, Value: c.FIN},
				documents.Field{Key: "birth_date", Label: lang.Text{AZ: "Doğum tarixi", EN: "Date of birth", RU: "Дата рождения"},
					Value: c.BirthDate.Format("02.01.2006")},
				documents.Field{Key: "birth_place", Label: lang.Text{AZ: "Doğum yeri", EN: "Place of birth", RU: "Место рождения"}, Value: c.BirthPlace})
			for _, rel := range []string{registry.Mother, registry.Father} {
				for _, fin := range c.Relatives(rel) {
					if parent, err := p.a.Registry.Person(ctx, fin); err == nil {
						label := lang.Text{AZ: "Anası", EN: "Mother", RU: "Мать"}
						if rel == registry.Father {
							label = lang.Text{AZ: "Atası", EN: "Father", RU: "Отец"}
						}
						fields = append(fields, documents.Field{Key: rel, Label: label, Value: parent.FullName()})
					}
				}
			}
		}
	}
	doc, err := p.a.Documents.Issue(ctx, documents.Issue{Type: d.Action.DocumentType, TypeName: name, Agency: p.agencyOf(d),
		HolderFIN: holder.FIN, HolderName: holder.FullName(), Lang: p.a.Identity.PersonLanguage(ctx, holder.FIN), Fields: fields, ValidFrom: time.Now(),
		IdempotencyKey: d.Key})
	if err != nil {
		return "", err
	}
	return doc.Number, nil
}

// applicant is the person as the applications module knows them.
func (p proactiveActions) applicant(ctx context.Context, fin string) (applications.Actor, error) {
	acct, err := p.a.Identity.PersonAccount(ctx, fin)
	if err != nil {
		return applications.Actor{}, err
	}
	l, _ := lang.Parse(acct.Lang)
	return applications.Actor{Kind: applications.ActorApplicant, AccountID: acct.ID, ID: fin, FIN: fin,
		Name: acct.DisplayName, Lang: l}, nil
}

func (p proactiveActions) ApproveApplication(ctx context.Context, d proactive.Do) (string, error) {
	actor, err := p.applicant(ctx, d.FIN)
	if err != nil {
		return "", err
	}
	answers := map[string][]string{}
	for k, v := range d.Action.Answers {
		answers[k] = v
	}
	if child := d.Facts["child"]; child != "" {
		answers["child_fin"] = []string{child}
	}
	ap, err := p.a.Applications.ApproveProactively(ctx, applications.Approval{Applicant: actor, Service: d.Action.Service,
		Answers: answers, Reason: d.Rule.Reason, Key: d.Key})
	if err != nil {
		return "", err
	}
	return ap.Number, nil
}

func (p proactiveActions) Apply(ctx context.Context, d proactive.Do) (string, string, error) {
	actor, err := p.applicant(ctx, d.FIN)
	if err != nil {
		return "", "", err
	}
	ap, next, err := p.a.Applications.StartPrefilled(ctx, actor, d.Action.Service, d.Action.Answers)
	if err != nil {
		return "", "", err
	}
	return ap.Number, next, nil
}

// setUpProactive builds the proactive services: the rules' intake of the
// registries' life events, and their templates.
func (a *App) setUpProactive(ctx context.Context) error {
	a.Proactive = proactive.New(a.DB, proactive.Config{Registry: a.Registry, Actions: proactiveActions{a}, Logger: a.Logger})
	for _, topic := range registry.LifeTopics {
		a.Events.Subscribe(proactive.Subscriber+":"+topic, topic, a.Proactive.Handler)
	}
	if err := proactive.SeedTemplates(ctx, a.Notify); err != nil {
		return err
	}
	_, err := a.Proactive.SeedRules(ctx)
	return err
}

// seedProactive makes the demo's events take effect at once: the
// newborn's birth is published (once ever) and taken in without waiting
// for the dispatcher (whose later delivery of it adds nothing), the day's
// scan is run, and what the rules decided is carried out, so the demo's
// cabinets show it from the first page.
func (a *App) seedProactive(ctx context.Context) error {
	if _, err := a.Registry.PublishDemoBirth(ctx); err != nil {
		return err
	}
	child, err := a.Registry.Person(ctx, registry.DemoNewbornFIN)
	if err != nil {
		return err
	}
	if _, err := a.Proactive.IntakeLife(ctx, registry.BirthEvent(child)); err != nil {
		return err
	}
	return a.proactiveDay(ctx)
}

// proactiveDay runs the daily scan for today in Baku and carries out what
// is pending.
func (a *App) proactiveDay(ctx context.Context) error {
	if _, err := a.Proactive.Scan(ctx, time.Now().In(web.Baku)); err != nil {
		return err
	}
	_, err := a.Proactive.Execute(ctx)
	return err
}

// runProactive scans once at start and then daily, and carries out
// pending actions as they come.
func (a *App) runProactive(ctx context.Context) {
	go a.Proactive.Run(ctx, 30*time.Second)
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		// The scan is incremental: running it hourly costs nothing on a
		// day already scanned, and catches the new day soon after midnight.
		if err := a.proactiveDay(ctx); err != nil && ctx.Err() == nil {
			a.Logger.Warn("proactive daily scan", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
