package applications

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// DraftRetention is how long an application that was never sent is kept
// after its last change, answers and uploads included: a draft left
// alone (the list of one's applications says until when), or one its
// applicant discarded. Nothing of it reached an agency.
const DraftRetention = 30 * 24 * time.Hour

// PurgeUnsent deletes up to limit applications never sent whose last
// change is older than DraftRetention, with their timelines, and releases
// their uploads (files.Store.Sweep deletes those no one else uploaded).
// Each goes in a transaction of its own, and only if it is still unsent
// and unchanged then.
func (s *Service) PurgeUnsent(ctx context.Context, limit int) (int, error) {
	cutoff := s.now().Add(-DraftRetention)
	n, err := s.db.EachTx(ctx, `SELECT id, number FROM applications
		WHERE submitted_at IS NULL AND updated_at < $1 AND status IN ($2, $3) ORDER BY updated_at, id LIMIT $4`,
		[]any{cutoff, Draft, Withdrawn, limit}, func(tx *sql.Tx, id int64, number string) (bool, error) {
			// Locks the row, and skips one sent or changed meanwhile.
			res, err := tx.ExecContext(ctx, `UPDATE applications SET version = version
				WHERE id = $1 AND submitted_at IS NULL AND updated_at < $2 AND status IN ($3, $4)`, id, cutoff, Draft, Withdrawn)
			if err != nil {
				return false, err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return false, err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM application_steps WHERE application_id = $1`, id); err != nil {
				return false, err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM applications WHERE id = $1`, id); err != nil {
				return false, err
			}
			if s.cfg.Files == nil {
				return true, nil
			}
			return true, s.cfg.Files.Release(ctx, tx, uploadOwner(number))
		})
	if err != nil {
		return n, fmt.Errorf("applications: purge: %w", err)
	}
	return n, nil
}

// PurgeAt is when PurgeUnsent deletes a, if it is still unsent and
// unchanged then.
func (a *Application) PurgeAt() time.Time { return a.UpdatedAt.Add(DraftRetention) }
