package evisa

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/documents"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/refnum"
)

// What a check at the border answers.
const (
	VisaValid       = "valid"
	VisaNotYetValid = "not_yet_valid"
	VisaExpired     = "expired"
	VisaUsed        = "used"
	VisaRevoked     = "revoked"
	VisaForged      = "forged"
)

// Check is the answer to a border officer's check of a visa.
type Check struct {
	State  string
	Person *Person // nil when forged and no such visa exists
	Entry  *Crossing
	Exit   *Crossing
	Result documents.Result
}

// CanEnter and CanExit say which crossing may be recorded now.
func (c *Check) CanEnter() bool { return c.State == VisaValid }
func (c *Check) CanExit() bool  { return c.Person != nil && c.Entry != nil && c.Exit == nil }

// CheckVisa checks a visa presented at the border: by the QR code's
// content, or by visa number and passport number. The read is audited.
func (s *Service) CheckVisa(ctx context.Context, by Staff, qr, visaNumber, passport string) (*Check, error) {
	c := &Check{State: VisaForged}
	var p *Person
	var err error
	qr = strings.TrimSpace(qr)
	passport = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(passport), " ", ""))
	switch {
	case qr != "":
		if c.Result, err = s.cfg.Documents.Verify(ctx, qr); err != nil {
			return nil, err
		}
		if c.Result.Number != "" {
			p, err = personWhere(ctx, s.db, "p.document = $1 AND p.document <> ''", c.Result.Number)
		}
	default:
		n, ok := refnum.Parse(visaNumber)
		var v errs.Validation
		if !ok {
			v.Add("visa", "evisa.error.visa_number")
		}
		if passport == "" {
			v.Add("passport", "evisa.error.passport_number")
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		p, err = personWhere(ctx, s.db, "p.visa_number = $1", n)
		if err == nil && p.Number != passport {
			p, c.Result.Status = nil, documents.Tampered // a real visa with another's passport
		}
		if p != nil {
			if c.Result, err = s.cfg.Documents.VerifyNumber(ctx, p.Document); err != nil {
				return nil, err
			}
		}
	}
	if err != nil && errs.KindOf(err) != errs.NotFound {
		return nil, err
	}
	if err == nil && p != nil {
		c.Person = p
		if c.Entry, c.Exit, err = crossingsOf(ctx, s.db, p.ID); err != nil {
			return nil, err
		}
		c.State = state(c, s.now())
	}
	object := "evisa-visa:unknown"
	if c.Person != nil {
		object = "evisa-visa:" + c.Person.VisaNumber
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: by.Subject, Action: "evisa.border_check", Object: object,
			Detail: map[string]string{"state": c.State}})
		return err
	})
	return c, err
}

// state is a found visa's answer.
func state(c *Check, now time.Time) string {
	switch c.Result.Status {
	case documents.Tampered, documents.Unknown:
		return VisaForged
	case documents.Revoked, documents.Suspended:
		return VisaRevoked
	}
	switch {
	case c.Person.Status != PersonIssued:
		return VisaForged
	case c.Entry != nil:
		return VisaUsed
	case c.Person.ValidFrom != nil && now.Before(*c.Person.ValidFrom):
		return VisaNotYetValid
	case c.Result.Status == documents.Expired || c.Person.ValidUntil != nil && !now.Before(*c.Person.ValidUntil):
		return VisaExpired
	}
	return VisaValid
}

// RecordEntry records the holder's entry on a valid visa. The same key
// again (a form sent twice) returns the entry recorded; a second entry
// on the single-entry visa is refused (Conflict), however it comes.
func (s *Service) RecordEntry(ctx context.Context, by Staff, visaNumber, key string) (*Crossing, error) {
	return s.cross(ctx, by, visaNumber, key, "entry")
}

// RecordExit records the holder's exit after their entry.
func (s *Service) RecordExit(ctx context.Context, by Staff, visaNumber, key string) (*Crossing, error) {
	return s.cross(ctx, by, visaNumber, key, "exit")
}

func (s *Service) cross(ctx context.Context, by Staff, visaNumber, key, kind string) (*Crossing, error) {
	key = strings.TrimSpace(key)
	if key == "" || len(key) > 100 {
		return nil, errs.E(errs.Invalid, "evisa.error.key")
	}
	key = kind + ":" + key
	if c, err := crossingByKey(ctx, s.db, key); err != nil || c != nil {
		return c, err
	}
	n, _ := refnum.Parse(visaNumber)
	p, err := personWhere(ctx, s.db, "p.visa_number = $1 AND p.visa_number <> ''", n)
	if err != nil {
		return nil, err
	}
	res, err := s.cfg.Documents.VerifyNumber(ctx, p.Document)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out *Crossing
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		// A replay that waited for the first to commit finds it here.
		if out, err = crossingByKey(ctx, tx, key); err != nil || out != nil {
			return err
		}
		entry, _, err := crossingsOf(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		// A replay whose first commit landed between the look-up above
		// and crossingsOf sees the crossing now (PostgreSQL reads each
		// statement afresh): it is the same crossing, not a second one.
		if out, err = crossingByKey(ctx, tx, key); err != nil || out != nil {
			return err
		}
		if kind == "entry" {
			c := &Check{Person: p, Result: res, Entry: entry}
			if st := state(c, now); st != VisaValid {
				if st == VisaUsed {
					return errs.E(errs.Conflict, "evisa.error.second_entry")
				}
				return errs.E(errs.Conflict, "evisa.error.entry_refused")
			}
		} else if entry == nil {
			return errs.E(errs.Conflict, "evisa.error.no_entry")
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO evisa_crossings (person_id, kind, at, officer, idem_key) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, p.ID, kind, now, by.Subject, key)
		if err != nil {
			return fmt.Errorf("evisa: record %s: %w", kind, err)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			if out, err = crossingByKey(ctx, tx, key); err != nil || out != nil {
				return err
			}
			if kind == "entry" {
				return errs.E(errs.Conflict, "evisa.error.second_entry")
			}
			return errs.E(errs.Conflict, "evisa.error.second_exit")
		}
		if out, err = crossingByKey(ctx, tx, key); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: by.Subject, Action: "evisa." + kind, Object: "evisa-visa:" + p.VisaNumber})
		return err
	})
	return out, err
}

// Overstay is a holder who stayed, or is staying, past the 30 days.
type Overstay struct {
	Person  *Person
	Entered time.Time
	Exited  *time.Time
	Days    int // days stayed so far, or in all
}

// Overstays lists the holders whose stay passed MaxStayDays: still in the
// country, or left late. Longest first.
func (s *Service) Overstays(ctx context.Context) ([]Overstay, error) {
	now := s.now()
	rows, err := s.db.QueryContext(ctx, `SELECT e.person_id, e.at, x.at FROM evisa_crossings e
		LEFT JOIN evisa_crossings x ON x.person_id = e.person_id AND x.kind = 'exit'
		WHERE e.kind = 'entry' AND e.at < $1 ORDER BY e.at`, now.AddDate(0, 0, -MaxStayDays))
	if err != nil {
		return nil, fmt.Errorf("evisa: overstays: %w", err)
	}
	var list []Overstay
	var ids []int64
	for rows.Next() {
		var (
			id      int64
			entered time.Time
			exited  sql.NullTime
		)
		if err := rows.Scan(&id, &entered, &exited); err != nil {
			rows.Close()
			return nil, err
		}
		o := Overstay{Entered: entered.UTC(), Exited: timePtr(exited)}
		end := now
		if o.Exited != nil {
			end = *o.Exited
		}
		o.Days = int(end.Sub(o.Entered).Hours() / 24)
		if end.Sub(o.Entered) > MaxStayDays*24*time.Hour {
			list = append(list, o)
			ids = append(ids, id)
		}
	}
	rows.Close()
	for i := range list {
		p, err := personWhere(ctx, s.db, "p.id = $1", ids[i])
		if err != nil {
			return nil, err
		}
		list[i].Person = p
	}
	return list, nil
}
