package evisa

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/egov/egov/internal/errs"
)

// DraftRetention is how long an application that was never finished is
// kept, passport details and photos included: a draft from when it was
// started (whoever started it has the link for that long to come back),
// an application that lapsed unpaid from when it was sent (its page says
// so meanwhile).
const DraftRetention = 30 * 24 * time.Hour

// PurgeUnfinished deletes up to limit drafts and lapsed applications
// older than DraftRetention, with their travellers, and releases their
// photos (files.Store.Sweep deletes those no one else uploaded). Each
// goes in a transaction of its own, and only if its status is unchanged
// then. The lapsed application's cancelled bill stays with payments,
// without its payer.
func (s *Service) PurgeUnfinished(ctx context.Context, limit int) (int, error) {
	cutoff := s.now().Add(-DraftRetention)
	n, err := s.db.EachTx(ctx, `SELECT id, number FROM evisa_applications
		WHERE status = $1 AND created_at < $2 OR status = $3 AND submitted_at < $2 ORDER BY id LIMIT $4`,
		[]any{StatusDraft, cutoff, StatusExpired, limit}, func(tx *sql.Tx, id int64, number string) (bool, error) {
			// Locks the row, and skips a draft submitted meanwhile.
			var bill string
			err := tx.QueryRowContext(ctx, `UPDATE evisa_applications SET status = status
				WHERE id = $1 AND (status = $2 OR status = $3) RETURNING bill`, id, StatusDraft, StatusExpired).Scan(&bill)
			if errors.Is(err, sql.ErrNoRows) {
				return false, nil
			}
			if err != nil {
				return false, err
			}
			// A lapsed application's bill was cancelled unpaid: it
			// stays in the payments' books, without the passport that
			// named its payer.
			if bill != "" {
				err := s.cfg.Payments.ForgetPayer(ctx, tx, "system:evisa", bill)
				if errs.KindOf(err) == errs.Conflict {
					return false, nil // its bill open or paid after all: keep it
				}
				if err != nil {
					return false, err
				}
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM evisa_people WHERE application_id = $1`, id); err != nil {
				return false, err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM evisa_applications WHERE id = $1`, id); err != nil {
				return false, err
			}
			return true, s.cfg.Files.Release(ctx, tx, "evisa:"+number)
		})
	if err != nil {
		return n, fmt.Errorf("evisa: purge: %w", err)
	}
	return n, nil
}

// PurgeAt is when PurgeUnfinished deletes a, if it is still a draft, or
// lapsed, then.
func (a *Application) PurgeAt() time.Time {
	if a.Status == StatusExpired && a.SubmitAt != nil {
		return a.SubmitAt.Add(DraftRetention)
	}
	return a.CreatedAt.Add(DraftRetention)
}
