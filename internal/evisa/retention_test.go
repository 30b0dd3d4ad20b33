package evisa_test

import (
	"context"
	"testing"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/evisa"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

// A draft nobody submitted, and an application that lapsed unpaid, go
// after DraftRetention, their travellers and passport photos with them;
// a paid application and a recent draft stay.
func TestDraftsPurged(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		draft := func(entry, passport string, face evisa.Photo) (string, string) {
			t.Helper()
			trip := tripForm("standard")
			trip.EntryDate = entry
			_, token, err := f.svc.Start(ctx, trip)
			if err != nil {
				t.Fatal(err)
			}
			person := smithForm()
			person.Number = passport
			_, photoID, err := f.svc.AddPerson(ctx, token, person, face)
			if err != nil {
				t.Fatal(err)
			}
			return token, photoID
		}
		abandoned, abandonedPhoto := draft("2026-12-01", "500000001", evisa.Photo{Name: "face.png", Content: encoded(t, "png", 300, 401)})
		lapsed, lapsedPhoto := draft("2026-12-01", "500000003", evisa.Photo{Name: "face.png", Content: encoded(t, "png", 300, 403)})
		if _, err := f.svc.Submit(ctx, lapsed); err != nil {
			t.Fatal(err)
		}
		submitted, submittedPhoto := draft("2026-12-01", "500000002", photo(t))
		a, err := f.svc.Submit(ctx, submitted)
		if err != nil {
			t.Fatal(err)
		}
		f.markPaid(t, a)
		f.clock.set(start.Add(49 * time.Hour))
		if n, _, err := f.svc.Housekeep(ctx); err != nil || n != 1 {
			t.Fatalf("Housekeep: %d lapsed, %v", n, err)
		}
		f.clock.set(start.Add(20 * 24 * time.Hour))
		recent, _ := draft("2027-01-10", "500000004", evisa.Photo{Name: "face.png", Content: encoded(t, "png", 300, 402)})

		f.clock.set(start.Add(evisa.DraftRetention + time.Hour))
		n, err := f.svc.PurgeUnfinished(ctx, 100)
		if err != nil || n != 2 {
			t.Fatalf("PurgeUnfinished = %d, %v; want the abandoned draft and the lapsed application", n, err)
		}
		for _, token := range []string{abandoned, lapsed} {
			if _, err := f.svc.ByToken(ctx, token); errs.KindOf(err) != errs.NotFound {
				t.Errorf("purged application: %v, want not found", err)
			}
		}
		if count(t, db, `SELECT COUNT(*) FROM evisa_people p WHERE NOT EXISTS
			(SELECT 1 FROM evisa_applications a WHERE a.id = p.application_id)`) != 0 {
			t.Error("travellers of the purged draft kept")
		}
		for _, token := range []string{submitted, recent} {
			if a, err := f.svc.ByToken(ctx, token); err != nil || len(a.People) != 1 {
				t.Errorf("kept application: %+v, %v", a, err)
			}
		}
		if swept, err := f.files.Sweep(ctx, 100); err != nil || swept != 2 {
			t.Errorf("Sweep = %d, %v; want the two purged photos", swept, err)
		}
		for _, id := range []string{abandonedPhoto, lapsedPhoto} {
			if _, err := f.files.Get(ctx, id); errs.KindOf(err) != errs.NotFound {
				t.Errorf("purged photo: %v, want deleted", err)
			}
		}
		if _, err := f.files.Get(ctx, submittedPhoto); err != nil {
			t.Errorf("submitted photo: %v", err)
		}
		// The lapsed application's cancelled bill stays in the books
		// without the passport that named its payer; the paid one keeps it.
		if got := count(t, db, `SELECT COUNT(*) FROM payments_bills WHERE payer_subject LIKE '%500000003%'`); got != 0 {
			t.Errorf("the lapsed application's bill still names its payer (%d)", got)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM payments_bills WHERE status = 'cancelled' AND payer_subject = ''`); got != 1 {
			t.Errorf("%d cancelled bills without a payer, want 1", got)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM payments_bills WHERE payer_subject LIKE '%500000002%'`); got != 1 {
			t.Errorf("the paid application's bill lost its payer (%d)", got)
		}
		if n, err := f.svc.PurgeUnfinished(ctx, 100); err != nil || n != 0 {
			t.Errorf("second PurgeUnfinished = %d, %v; want nothing", n, err)
		}
	}, migrations...)
}
