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
	rows, err := s.db.QueryContext(ctx, `SELECT id, number FROM applications
		WHERE submitted_at IS NULL AND updated_at < $1 AND status IN ($2, $3) ORDER BY updated_at, id LIMIT $4`,
		cutoff, Draft, Withdrawn, limit)
	if err != nil {
		return 0, fmt.Errorf("applications: to purge: %w", err)
	}
	type unsent struct {
		id     int64
		number string
	}
	var found []unsent
	for rows.Next() {
		var u unsent
		if err := rows.Scan(&u.id, &u.number); err != nil {
			rows.Close()
			return 0, fmt.Errorf("applications: to purge: %w", err)
		}
		found = append(found, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("applications: to purge: %w", err)
	}
	purged := 0
	for _, u := range found {
		done := false
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			// Locks the row, and skips one sent or changed meanwhile.
			res, err := tx.ExecContext(ctx, `UPDATE applications SET version = version
				WHERE id = $1 AND submitted_at IS NULL AND updated_at < $2 AND status IN ($3, $4)`, u.id, cutoff, Draft, Withdrawn)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM application_steps WHERE application_id = $1`, u.id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM applications WHERE id = $1`, u.id); err != nil {
				return err
			}
			if s.cfg.Files != nil {
				if err := s.cfg.Files.Release(ctx, tx, uploadOwner(u.number)); err != nil {
					return err
				}
			}
			done = true
			return nil
		})
		if err != nil {
			return purged, fmt.Errorf("applications: purge %s: %w", u.number, err)
		}
		if done {
			purged++
		}
	}
	return purged, nil
}

// PurgeAt is when PurgeUnsent deletes a, if it is still unsent and
// unchanged then.
func (a *Application) PurgeAt() time.Time { return a.UpdatedAt.Add(DraftRetention) }
