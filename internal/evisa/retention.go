package evisa

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// DraftRetention is how long an application that was never submitted is
// kept, passport details and photos included: whoever started it has
// the link for that long to come back and finish.
const DraftRetention = 30 * 24 * time.Hour

// PurgeDrafts deletes up to limit applications left as drafts for longer
// than DraftRetention, with their travellers, and releases their photos
// (files.Store.Sweep deletes those no one else uploaded). Each goes in a
// transaction of its own, and only if it is still a draft then.
func (s *Service) PurgeDrafts(ctx context.Context, limit int) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, number FROM evisa_applications
		WHERE status = $1 AND created_at < $2 ORDER BY created_at LIMIT $3`,
		StatusDraft, s.now().Add(-DraftRetention), limit)
	if err != nil {
		return 0, fmt.Errorf("evisa: drafts to purge: %w", err)
	}
	type draft struct {
		id     int64
		number string
	}
	var drafts []draft
	for rows.Next() {
		var d draft
		if err := rows.Scan(&d.id, &d.number); err != nil {
			rows.Close()
			return 0, fmt.Errorf("evisa: drafts to purge: %w", err)
		}
		drafts = append(drafts, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("evisa: drafts to purge: %w", err)
	}
	purged := 0
	for _, d := range drafts {
		done := false
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			// Locks the row, and skips an application submitted meanwhile.
			res, err := tx.ExecContext(ctx, `UPDATE evisa_applications SET status = status WHERE id = $1 AND status = $2`,
				d.id, StatusDraft)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM evisa_people WHERE application_id = $1`, d.id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM evisa_applications WHERE id = $1`, d.id); err != nil {
				return err
			}
			if err := s.cfg.Files.Release(ctx, tx, "evisa:"+d.number); err != nil {
				return err
			}
			done = true
			return nil
		})
		if err != nil {
			return purged, fmt.Errorf("evisa: purge draft %s: %w", d.number, err)
		}
		if done {
			purged++
		}
	}
	return purged, nil
}

// PurgeAt is when PurgeDrafts deletes a, if it is still a draft then.
func (a *Application) PurgeAt() time.Time { return a.CreatedAt.Add(DraftRetention) }
