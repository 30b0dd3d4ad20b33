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

// A draft nobody submitted goes after DraftRetention, its travellers and
// passport photo with it; submitted applications and recent drafts stay.
func TestDraftsPurged(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		draft := func(entry string, face evisa.Photo) (string, string) {
			t.Helper()
			trip := tripForm("standard")
			trip.EntryDate = entry
			_, token, err := f.svc.Start(ctx, trip)
			if err != nil {
				t.Fatal(err)
			}
			_, photoID, err := f.svc.AddPerson(ctx, token, smithForm(), face)
			if err != nil {
				t.Fatal(err)
			}
			return token, photoID
		}
		abandoned, abandonedPhoto := draft("2026-12-01", evisa.Photo{Name: "face.png", Content: encoded(t, "png", 300, 401)})
		submitted, submittedPhoto := draft("2026-12-01", photo(t))
		if _, err := f.svc.Submit(ctx, submitted); err != nil {
			t.Fatal(err)
		}
		f.clock.set(start.Add(20 * 24 * time.Hour))
		recent, _ := draft("2027-01-10", evisa.Photo{Name: "face.png", Content: encoded(t, "png", 300, 402)})

		f.clock.set(start.Add(evisa.DraftRetention + time.Hour))
		n, err := f.svc.PurgeDrafts(ctx, 100)
		if err != nil || n != 1 {
			t.Fatalf("PurgeDrafts = %d, %v; want the abandoned draft only", n, err)
		}
		if _, err := f.svc.ByToken(ctx, abandoned); errs.KindOf(err) != errs.NotFound {
			t.Errorf("abandoned draft: %v, want not found", err)
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
		if swept, err := f.files.Sweep(ctx, 100); err != nil || swept != 1 {
			t.Errorf("Sweep = %d, %v; want the abandoned photo", swept, err)
		}
		if _, err := f.files.Get(ctx, abandonedPhoto); errs.KindOf(err) != errs.NotFound {
			t.Errorf("abandoned photo: %v, want deleted", err)
		}
		if _, err := f.files.Get(ctx, submittedPhoto); err != nil {
			t.Errorf("submitted photo: %v", err)
		}
		if n, err := f.svc.PurgeDrafts(ctx, 100); err != nil || n != 0 {
			t.Errorf("second PurgeDrafts = %d, %v; want nothing", n, err)
		}
	}, migrations...)
}
