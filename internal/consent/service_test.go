package consent_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/egov/egov/internal/consent"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/store"
	"github.com/egov/egov/internal/storetest"
)

const clinicOrg = "AZ/GOV/1000000020"

func newService(t *testing.T, db *store.DB) *consent.Service {
	t.Helper()
	s, err := consent.New(consent.Config{DB: db, SealKey: make([]byte, 32), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// consentGiven is Aysel's signed consent to the clinic's SMS reminders.
func consentGiven(t *testing.T, s *consent.Service) *consent.Record {
	t.Helper()
	ctx := context.Background()
	by := consent.Actor{Org: clinicOrg, By: clinicOrg + "/clinic"}
	a, _, err := s.CreateAgreement(ctx, clinicOrg, by.By, consent.Agreement{Version: "1", Purpose: "SMS reminders",
		LawfulBasis: "consent", Active: true, Attributes: []consent.Attribute{{Name: "mobile"}}})
	if err != nil {
		t.Fatal(err)
	}
	i, err := s.CreateIndividual(ctx, clinicOrg, consent.Individual{ExternalID: "5ZQX7KA", ExternalIDType: "fin"})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, sig, err := s.CreateRecord(ctx, by, consent.NewRecord{IndividualID: i.ID, AgreementID: a.ID, OptIn: true, Sign: true})
	if err != nil || sig == nil || rec.State != consent.StateSigned {
		t.Fatalf("record: %+v %+v %v", rec, sig, err)
	}
	return rec
}

// A person withdraws a consent from the cabinet: the record's opt-in
// becomes false in a new revision signed for the person, the withdrawal
// is an event for the webhooks, and nobody else can withdraw it.
func TestWithdraw(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		rec := consentGiven(t, s)
		if err := s.Withdraw(ctx, "2HPL4RM", rec.ID); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another person withdrew it: %v", err)
		}
		if err := s.Withdraw(ctx, "5ZQX7KA", rec.ID); err != nil {
			t.Fatal(err)
		}
		all := consent.RecordFilter{All: true}
		got, _, sig, err := s.Record(ctx, all, rec.ID)
		if err != nil || got.OptIn || got.State != consent.StateSigned || sig == nil || sig.Artifact != "egov cabinet session" {
			t.Fatalf("after withdrawal: %+v %+v %v", got, sig, err)
		}
		if err := s.Verify(ctx, all, rec.ID); err != nil {
			t.Errorf("the withdrawal's signature: %v", err)
		}
		revs, err := s.RecordRevisions(ctx, rec.ID)
		if err != nil || len(revs) != 2 || revs[1].PredecessorHash != revs[0].Hash || revs[0].SuccessorID != revs[1].ID {
			t.Fatalf("revisions: %+v %v", revs, err)
		}
		list, err := s.PersonRecords(ctx, "5ZQX7KA")
		if err != nil || len(list) != 1 || list[0].OptIn || list[0].Agreement.Purpose != "SMS reminders" || len(list[0].Agreement.Attributes) != 1 {
			t.Fatalf("the person's records: %+v %v", list, err)
		}
		var kinds []string
		rows, err := db.QueryContext(ctx, `SELECT payload FROM events_outbox WHERE topic = $1 ORDER BY id`, consent.TopicRecord)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var raw string
			rows.Scan(&raw)
			var ev consent.RecordEvent
			if err := (events.Event{Payload: []byte(raw)}).Decode(&ev); err != nil {
				t.Fatal(err)
			}
			kinds = append(kinds, ev.Event)
		}
		want := []string{"consent_record.created", "consent_record.signed", "consent_record.updated", "consent_record.signed"}
		if len(kinds) != len(want) {
			t.Fatalf("events %v, want %v", kinds, want)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Errorf("event %d: %s, want %s", i, kinds[i], want[i])
			}
		}
	}, events.Migrations, consent.Migrations)
}
