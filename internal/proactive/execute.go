package proactive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/egov/egov/internal/errs"
)

// errTaken rolls back an action's transaction when another worker
// finished the action first.
var errTaken = errors.New("proactive: action carried out by another worker")

func doOf(rec *Record, r *Rule) Do {
	return Do{Key: fmt.Sprintf("proactive:%d", rec.ID), FIN: rec.FIN, Rule: r, Action: rec.Action, Facts: rec.Facts}
}

// Execute carries out the pending actions, oldest first, up to a batch,
// and reports how many it finished. An action that fails is retried at
// the next call, and marked failed after MaxAttempts.
func (s *Service) Execute(ctx context.Context) (int, error) {
	list, err := listRecords(ctx, s.db, `a.status = $1 ORDER BY a.id LIMIT 200`, StatusPending)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, rec := range list {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		err := s.carryOut(ctx, rec)
		switch {
		case err == nil:
			n++
		case errors.Is(err, errTaken):
		default:
			s.cfg.Logger.Warn("proactive: action failed", "id", rec.ID, "rule", rec.RuleID, "kind", rec.Kind, "err", err)
			if ferr := s.failed(ctx, rec, err); ferr != nil {
				return n, ferr
			}
		}
	}
	return n, nil
}

// carryOut does one action and records it done. Effects that take a
// transaction commit with the record; the others are idempotent on the
// action's key, so a crash between the effect and the record repeats the
// call and gets the same result.
func (s *Service) carryOut(ctx context.Context, rec *Record) error {
	r, err := ruleVersion(ctx, s.db, rec.RuleID, rec.RuleVersion)
	if err != nil {
		return err
	}
	d := doOf(rec, r)
	var inTx func(ctx context.Context, tx *sql.Tx, d Do) (string, error)
	var ref string
	switch rec.Kind {
	case ActPayout:
		inTx = s.cfg.Actions.Payout
	case ActBill:
		inTx = s.cfg.Actions.Bill
	case ActNotify:
		inTx = s.cfg.Actions.Notify
	case ActIssueDocument:
		ref, err = s.cfg.Actions.IssueDocument(ctx, d)
	case ActApproveApplication:
		ref, err = s.cfg.Actions.ApproveApplication(ctx, d)
	default:
		return fmt.Errorf("proactive: %s is not carried out by the executor", rec.Kind)
	}
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if inTx != nil {
			if ref, err = inTx(ctx, tx, d); err != nil {
				return err
			}
		}
		ok, err := setStatus(ctx, tx, rec.ID, StatusPending, StatusDone, ref, s.now())
		if err != nil {
			return err
		}
		if !ok {
			return errTaken
		}
		return nil
	})
}

func (s *Service) failed(ctx context.Context, rec *Record, cause error) error {
	msg := cause.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	status := StatusPending
	if rec.Attempts+1 >= s.cfg.MaxAttempts {
		status = StatusFailed
	}
	_, err := s.db.ExecContext(ctx, `UPDATE proactive_actions SET attempts = attempts + 1, last_error = $1, status = $2,
		updated_at = $3 WHERE id = $4 AND status = $5`, msg, status, dbTime(s.now()), rec.ID, StatusPending)
	return err
}

// Accept carries out an offer the person accepted: it opens the service's
// form prefilled (and next is where to continue), or approves the
// application at once, or — for a payout that waited for a bank account —
// creates the payout to iban. Another person's offer is NotFound; one
// already answered is Conflict.
func (s *Service) Accept(ctx context.Context, fin string, id int64, iban string) (next string, err error) {
	rec, err := s.openOffer(ctx, fin, id)
	if err != nil {
		return "", err
	}
	r, err := ruleVersion(ctx, s.db, rec.RuleID, rec.RuleVersion)
	if err != nil {
		return "", err
	}
	d := doOf(rec, r)
	var ref string
	switch rec.Action.Accept {
	case AcceptApply:
		if ref, next, err = s.cfg.Actions.Apply(ctx, d); err != nil {
			return "", err
		}
	case AcceptSubmit:
		if ref, err = s.cfg.Actions.ApproveApplication(ctx, d); err != nil {
			return "", err
		}
	case AcceptAccount:
		if iban == "" {
			return "", errs.E(errs.Invalid, "proactive.error.iban").Field("iban", "proactive.error.iban")
		}
		d.IBAN = iban
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if rec.Action.Accept == AcceptAccount {
			if ref, err = s.cfg.Actions.Payout(ctx, tx, d); err != nil {
				return err
			}
		}
		ok, err := setStatus(ctx, tx, rec.ID, StatusOpen, StatusAccepted, ref, s.now())
		if err != nil {
			return err
		}
		if !ok {
			return errs.E(errs.Conflict, "proactive.error.answered")
		}
		return nil
	})
	return next, err
}

// Decline records that the person does not want an offer.
func (s *Service) Decline(ctx context.Context, fin string, id int64) error {
	rec, err := s.openOffer(ctx, fin, id)
	if err != nil {
		return err
	}
	ok, err := setStatus(ctx, s.db, rec.ID, StatusOpen, StatusDeclined, "", s.now())
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.Conflict, "proactive.error.answered")
	}
	return nil
}

func (s *Service) openOffer(ctx context.Context, fin string, id int64) (*Record, error) {
	rec, err := s.Record(ctx, fin, id)
	if err != nil {
		return nil, err
	}
	if !rec.Offer() {
		return nil, errs.E(errs.NotFound, "proactive.error.not_found")
	}
	if rec.Status != StatusOpen {
		return nil, errs.E(errs.Conflict, "proactive.error.answered")
	}
	return rec, nil
}
