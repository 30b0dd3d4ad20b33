package payments

import (
	"context"
	"database/sql"
	"time"
)

// DemoBudgetCode is the budget classification code of the demo's traffic
// fines.
const DemoBudgetCode = "142310"

// SeedDemo creates the demo's fines, computed from the demo day, once:
// an unpaid traffic fine of Gülnarə Həsənova (7MJD3TE), still within its
// early-payment discount, and one on Rəşad Məmmədov's car 10-AB-123
// (2HPL4RM) whose discount has lapsed.
func (s *Service) SeedDemo(ctx context.Context, demoDay time.Time) error {
	day := time.Date(demoDay.Year(), demoDay.Month(), demoDay.Day(), 10, 0, 0, 0, Baku)
	bills := []Bill{
		{Kind: KindFine, PayerFIN: "7MJD3TE", Agency: "internal-affairs", BudgetCode: DemoBudgetCode,
			Description: "Sürət həddinin 10–20 km/saat aşılması (İXM 327.1)", Amount: 4000, Points: 1,
			IssuedAt: day.AddDate(0, 0, -5), DueAt: day.AddDate(0, 0, 55), Rule: TrafficFine,
			Reference: "DYP-2026-0001", IdempotencyKey: "demo:fine:7MJD3TE"},
		{Kind: KindFine, PayerFIN: "2HPL4RM", Plate: "10-AB-123", Agency: "internal-affairs", BudgetCode: DemoBudgetCode,
			Description: "Dayanma qaydalarının pozulması (İXM 333.1)", Amount: 6000, Points: 2,
			IssuedAt: day.AddDate(0, 0, -30), DueAt: day.AddDate(0, 0, 30), Rule: TrafficFine,
			Reference: "DYP-2026-0002", IdempotencyKey: "demo:fine:10-AB-123"},
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, b := range bills {
			if _, err := s.CreateBill(ctx, tx, b); err != nil {
				return err
			}
		}
		return nil
	})
}
