package app

import (
	"context"
	"database/sql"
	"log/slog"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/evisa"
	"github.com/egov/egov/internal/payments"
)

// setUpEVisa builds the e-visa on the files, notifications, documents
// and payments it uses, and has its fee's payment move it on.
func (a *App) setUpEVisa(ctx context.Context, logger *slog.Logger) error {
	a.EVisa = evisa.New(a.DB, evisa.Config{Files: a.Files, Notify: a.Notify, Documents: a.Documents, Payments: a.Payments,
		Calendar: a.Applications.Calendar(), Logger: logger})
	a.Events.Subscribe("evisa.fee_paid", payments.TopicBillPaid, a.evisaPaid)
	return evisa.SeedTemplates(ctx, a.Notify)
}

// evisaPaid sends a paid e-visa application to the migration service, in
// the payment's event's transaction.
func (a *App) evisaPaid(ctx context.Context, tx *sql.Tx, ev events.Event) error {
	var paid payments.BillPaid
	if err := ev.Decode(&paid); err != nil {
		return err
	}
	if paid.Agency != evisa.Agency || paid.Service != evisa.ServiceSlug {
		return nil
	}
	err := a.EVisa.MarkPaid(ctx, tx, paid.Reference, paid.Bill)
	if errs.KindOf(err) == errs.NotFound {
		return nil // a fee of something else
	}
	return err
}

// evisaHousekeeping lapses unpaid e-visa applications and issues visas
// whose issuing failed after approval.
func (a *App) evisaHousekeeping(ctx context.Context) {
	if _, _, err := a.EVisa.Housekeep(ctx); err != nil && ctx.Err() == nil {
		a.Logger.Warn("e-visa housekeeping", "err", err)
	}
	if _, err := a.EVisa.PurgeUnfinished(ctx, 500); err != nil && ctx.Err() == nil {
		a.Logger.Warn("purge unfinished e-visa applications", "err", err)
	}
}
