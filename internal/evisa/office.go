package evisa

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/documents"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/notify"
	"github.com/egov/egov/internal/refnum"
)

// Queue is the people awaiting the operator's decision: urgent
// applications first, then by deadline, then in order of arrival.
func (s *Service) Queue(ctx context.Context) ([]*Person, error) {
	list, err := listPeople(ctx, s.db, `p.status = 'review' ORDER BY
		(SELECT CASE a.speed WHEN 'urgent' THEN 0 ELSE 1 END FROM evisa_applications a WHERE a.id = p.application_id),
		(SELECT a.due_at FROM evisa_applications a WHERE a.id = p.application_id), p.id`)
	if err != nil {
		return nil, err
	}
	apps := map[int64]*Application{}
	for _, p := range list {
		if apps[p.ApplicationID] == nil {
			a, err := scanApplication(s.db.QueryRowContext(ctx, `SELECT `+appColumns+` FROM evisa_applications WHERE id = $1`, p.ApplicationID))
			if err != nil {
				return nil, fmt.Errorf("evisa: queue: %w", err)
			}
			apps[p.ApplicationID] = a
		}
		p.Application = apps[p.ApplicationID]
	}
	return list, nil
}

// Staff is an official acting, as audit names them.
type Staff struct {
	Subject string // e.g. "staff:migration.operator"
	Agency  string
}

// Person opens one person's application for an operator; the read is
// audited.
func (s *Service) Person(ctx context.Context, by Staff, id int64) (*Person, error) {
	var p *Person
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if p, err = personWhere(ctx, tx, "p.id = $1", id); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: by.Subject, Action: "evisa.view", Object: fmt.Sprintf("evisa-person:%d", p.ID),
			Detail: map[string]string{"application": p.Application.Number}})
		return err
	})
	return p, err
}

// MaxReason bounds a refusal's reason.
const MaxReason = 1000

// Decide approves or refuses a person's visa. Deciding the same way again
// returns the person as decided; the other way is a Conflict. An
// approval goes on to issue the visa (see Issue).
func (s *Service) Decide(ctx context.Context, by Staff, id int64, approve bool, reason string) (*Person, error) {
	reason = strings.TrimSpace(reason)
	to := PersonApproved
	if !approve {
		to = PersonRefused
		if reason == "" || utf8.RuneCountInString(reason) > MaxReason {
			return nil, errs.E(errs.Invalid, "evisa.error.reason").Field("reason", "evisa.error.reason")
		}
	}
	now := s.now()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE evisa_people SET status = $1, decision = $2, decided_by = $3, decided_at = $4
			WHERE id = $5 AND status = 'review'`, to, reason, by.Subject, now, id)
		if err != nil {
			return fmt.Errorf("evisa: decide: %w", err)
		}
		p, err := personWhere(ctx, tx, "p.id = $1", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			if p.Status == to || approve && p.Status == PersonIssued {
				return nil // decided so already
			}
			return errs.E(errs.Conflict, "evisa.error.decided")
		}
		if !approve {
			a := p.Application
			if _, err := s.cfg.Notify.Send(ctx, tx, notify.Message{To: notify.Recipient{Email: a.Email, Lang: a.Lang},
				Template: "evisa.refused", Kind: notify.KindApplication, IdempotencyKey: fmt.Sprintf("evisa:refused:%d", p.ID),
				Values: map[string]string{"number": refnum.Format(a.Number), "name": p.FullName(), "reason": reason}}); err != nil {
				return err
			}
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: by.Subject, Action: "evisa.decide", Object: fmt.Sprintf("evisa-person:%d", id),
			Detail: map[string]string{"decision": to, "application": p.Application.Number}})
		return err
	})
	if err != nil {
		return nil, err
	}
	if !approve {
		return personWhere(ctx, s.db, "p.id = $1", id)
	}
	p, err := s.Issue(ctx, id)
	if err != nil {
		// The approval stands; housekeeping issues the visa later.
		s.cfg.Logger.Error("evisa: issue after approval", "person", id, "err", err)
		return personWhere(ctx, s.db, "p.id = $1", id)
	}
	return p, nil
}

// visaType names the document.
var visaType = lang.Text{AZ: "Elektron viza", EN: "Electronic visa", RU: "Электронная виза"}

// Issue issues an approved person's visa: a visa number, a document
// signed by the migration service (valid 90 days from the entry date,
// one entry, 30 days' stay, the visa's machine-readable zone), and the
// PDF by e-mail. Concurrent and repeated calls issue one visa and send
// one e-mail.
func (s *Service) Issue(ctx context.Context, id int64) (*Person, error) {
	p, err := personWhere(ctx, s.db, "p.id = $1", id)
	if err != nil {
		return nil, err
	}
	if p.Status == PersonIssued {
		return p, nil
	}
	if p.Status != PersonApproved {
		return nil, errs.E(errs.Conflict, "evisa.error.not_approved")
	}
	// The first caller's number wins; everyone then issues under it.
	if _, err := s.db.ExecContext(ctx, `UPDATE evisa_people SET visa_number = $1 WHERE id = $2 AND visa_number = ''`,
		refnum.New(), id); err != nil {
		return nil, fmt.Errorf("evisa: visa number: %w", err)
	}
	if p, err = personWhere(ctx, s.db, "p.id = $1", id); err != nil {
		return nil, err
	}
	a := p.Application
	// The visa runs from the start of the entry date in Baku.
	from := time.Date(a.EntryDate.Year(), a.EntryDate.Month(), a.EntryDate.Day(), 0, 0, 0, 0, baku)
	// It ends with the 90th day, so that "valid until" names that day.
	until := from.AddDate(0, 0, ValidityDays).Add(-time.Second)
	l1, l2 := VisaMRZ(p.VisaNumber, p.Passport, until)
	label := func(az, en, ru string) lang.Text { return lang.Text{AZ: az, EN: en, RU: ru} }
	d, err := s.cfg.Documents.Issue(ctx, documents.Issue{Type: "e_visa", TypeName: visaType, Agency: Agency,
		HolderFIN: p.Subject(), HolderName: p.FullName(), Lang: a.Lang, ValidFrom: from, ValidUntil: until,
		IdempotencyKey: "evisa:" + p.VisaNumber, Fields: []documents.Field{
			{Key: "visa_number", Label: label("Viza nömrəsi", "Visa number", "Номер визы"), Value: p.VisaNumber},
			{Key: "application", Label: label("Müraciət", "Application", "Заявление"), Value: refnum.Format(a.Number)},
			{Key: "passport", Label: label("Pasport", "Passport", "Паспорт"), Value: p.Number},
			{Key: "nationality", Label: label("Vətəndaşlıq", "Nationality", "Гражданство"), Value: p.Nationality},
			{Key: "birth_date", Label: label("Doğum tarixi", "Date of birth", "Дата рождения"), Value: p.BirthDate.Format("02.01.2006")},
			{Key: "sex", Label: label("Cinsi", "Sex", "Пол"), Value: p.Sex},
			{Key: "entries", Label: label("Girişlərin sayı", "Entries", "Количество въездов"), Value: "1"},
			{Key: "stay", Label: label("Qalma müddəti", "Duration of stay", "Срок пребывания"), Value: fmt.Sprintf("%d", MaxStayDays)},
			{Key: "purpose", Label: label("Səfərin məqsədi", "Purpose", "Цель поездки"), Value: a.Purpose},
			{Key: "mrz", Label: label("Maşınla oxunan zona", "Machine-readable zone", "Машиночитаемая зона"), Value: l1 + "\n" + l2},
		}})
	if err != nil {
		return nil, err
	}
	pdf, err := s.cfg.Documents.PDF(d)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE evisa_people SET status = $1, document = $2, valid_from = $3, valid_until = $4
			WHERE id = $5 AND status = 'approved'`, PersonIssued, d.Number, from.UTC(), until.UTC(), id)
		if err != nil {
			return fmt.Errorf("evisa: issued: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil // issued by another call
		}
		if _, err := s.cfg.Notify.Send(ctx, tx, notify.Message{To: notify.Recipient{Email: a.Email, Lang: a.Lang},
			Template: "evisa.issued", Kind: notify.KindApplication, IdempotencyKey: "evisa:issued:" + p.VisaNumber,
			Values: map[string]string{"number": refnum.Format(a.Number), "name": p.FullName(), "visa": p.VisaNumber,
				"from": from.Format("02.01.2006"), "until": until.Format("02.01.2006")},
			Attachments: []notify.Attachment{{Filename: "e-visa-" + p.VisaNumber + ".pdf", ContentType: "application/pdf", Data: pdf}}}); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: "system:evisa", Action: "evisa.issue", Object: fmt.Sprintf("evisa-person:%d", id),
			Detail: map[string]string{"visa": p.VisaNumber, "document": d.Number}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return personWhere(ctx, s.db, "p.id = $1", id)
}

// Housekeep expires applications unpaid for too long (cancelling their
// bills) and issues the visas of approvals whose issuing failed. The app
// calls it from its housekeeping.
func (s *Service) Housekeep(ctx context.Context) (expired, issued int, err error) {
	cutoff := s.now().Add(-time.Duration(s.cfg.Fees.UnpaidExpiresAfterHours) * time.Hour)
	rows, err := s.db.QueryContext(ctx, `SELECT id, bill FROM evisa_applications WHERE status = $1 AND submitted_at < $2`, StatusUnpaid, cutoff)
	if err != nil {
		return 0, 0, fmt.Errorf("evisa: unpaid: %w", err)
	}
	type unpaid struct {
		id   int64
		bill string
	}
	var list []unpaid
	for rows.Next() {
		var u unpaid
		if err := rows.Scan(&u.id, &u.bill); err != nil {
			rows.Close()
			return 0, 0, err
		}
		list = append(list, u)
	}
	rows.Close()
	for _, u := range list {
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE evisa_applications SET status = $1 WHERE id = $2 AND status = $3`, StatusExpired, u.id, StatusUnpaid)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE evisa_people SET status = $1 WHERE application_id = $2`, PersonExpired, u.id); err != nil {
				return err
			}
			// A bill paid meanwhile cannot be cancelled: then the payment's
			// event moves the application on instead.
			return s.cfg.Payments.CancelBill(ctx, tx, "system:evisa", u.bill, "e-visa application not paid in time")
		})
		switch {
		case err == nil:
			expired++
		case errs.KindOf(err) == errs.Conflict:
		default:
			return expired, issued, fmt.Errorf("evisa: expire: %w", err)
		}
	}
	approved, err := listPeople(ctx, s.db, "p.status = 'approved' ORDER BY p.id")
	if err != nil {
		return expired, 0, err
	}
	for _, p := range approved {
		if _, err := s.Issue(ctx, p.ID); err != nil {
			return expired, issued, err
		}
		issued++
	}
	return expired, issued, nil
}
