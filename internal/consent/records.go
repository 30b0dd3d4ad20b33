package consent

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/events"
	"github.com/egov/egov/internal/store"
)

// Actor is who changes or reads a record: an organisation's system
// (Org, By its subsystem) acting for one of its individuals, or a person
// (FIN) in the cabinet.
type Actor struct {
	Org string
	By  string
	FIN string
}

// artifact is what the signature records of how the individual was
// authenticated.
func (a Actor) artifact() string {
	if a.FIN != "" {
		return "egov cabinet session"
	}
	return "gateway client " + a.By
}

// recordData is what a record's revision serializes and its signature
// signs: everything that states the consent, not the state kept by egov.
func recordData(r *Record) any {
	return struct {
		DataAgreement             string `json:"dataAgreement"`
		DataAgreementRevision     string `json:"dataAgreementRevision"`
		DataAgreementRevisionHash string `json:"dataAgreementRevisionHash"`
		Individual                string `json:"individual"`
		OptIn                     bool   `json:"optIn"`
	}{r.AgreementID, r.AgreementRevisionID, r.AgreementRevisionHash, r.IndividualID, r.OptIn}
}

const recordColumns = `r.id, r.agreement_id, r.agreement_revision_id, r.agreement_revision_hash, r.individual_id, r.opt_in,
	r.state, r.revision_id, COALESCE(r.signature_id, ''), r.created_at, r.updated_at`

func scanRecord(row scanner) (*Record, error) {
	r := &Record{}
	err := row.Scan(&r.ID, &r.AgreementID, &r.AgreementRevisionID, &r.AgreementRevisionHash, &r.IndividualID, &r.OptIn,
		&r.State, &r.RevisionID, &r.SignatureID, &r.CreatedAt, &r.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "consent.error.no_record")
	}
	return r, err
}

// individualFor is the individual the actor may act for.
func individualFor(ctx context.Context, q querier, a Actor, id string) (*Individual, error) {
	i, err := scanIndividual(q.QueryRowContext(ctx, `SELECT `+individualColumns+` FROM consent_individuals WHERE id = $1`, id))
	if err != nil {
		return nil, err
	}
	if a.FIN != "" && i.FIN == a.FIN || a.FIN == "" && a.Org != "" && i.Owner == a.Org {
		return i, nil
	}
	return nil, errs.E(errs.NotFound, "consent.error.no_individual")
}

// agreementRevision is an active agreement and the revision a new record
// refers to: revisionID, or its latest.
func agreementRevision(ctx context.Context, q querier, agreementID, revisionID string) (*Agreement, *Revision, error) {
	a, err := scanAgreement(q.QueryRowContext(ctx, `SELECT `+agreementColumns+` FROM consent_agreements
		WHERE id = $1 AND NOT deleted`, agreementID))
	if err != nil {
		return nil, nil, err
	}
	if !a.Active {
		return nil, nil, errs.E(errs.Conflict, "consent.error.agreement_inactive")
	}
	rev, err := revision(ctx, q, SchemaAgreement, agreementID, revisionID)
	return a, rev, err
}

// Draft is the record and signature an individual would sign for an
// agreement, stored nowhere (ids empty).
func (s *Service) Draft(ctx context.Context, a Actor, individualID, agreementID, revisionID string) (*Record, *Signature, error) {
	if _, err := individualFor(ctx, s.db, a, individualID); err != nil {
		return nil, nil, err
	}
	_, arev, err := agreementRevision(ctx, s.db, agreementID, revisionID)
	if err != nil {
		return nil, nil, err
	}
	key, err := s.key(ctx)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	rec := &Record{AgreementID: agreementID, AgreementRevisionID: arev.ID, AgreementRevisionHash: arev.Hash,
		IndividualID: individualID, OptIn: true, State: StateUnsigned, CreatedAt: now, UpdatedAt: now}
	snap, err := serialize(SchemaRecord, "", recordData(rec), now, individualID, a.By)
	if err != nil {
		return nil, nil, err
	}
	sig := &Signature{}
	return rec, sig, prepare(sig, &Revision{Snapshot: snap, Hash: hashOf(snap)}, key.kid, a.artifact(), now)
}

// NewRecord is a record to create.
type NewRecord struct {
	IndividualID, AgreementID string
	RevisionID                string // the agreement's revision; empty: its latest
	RevisionHash              string // if given, must be that revision's hash
	OptIn                     bool
	Sign                      bool // sign it at once
}

// CreateRecord records an individual's consent to an agreement's
// revision, signed at once if asked. The specification's unique
// (revision, individual) makes it idempotent: a replay, even concurrent,
// answers the record there is (signing it if asked and not yet signed),
// with one revision and one signature.
func (s *Service) CreateRecord(ctx context.Context, a Actor, n NewRecord) (*Record, *Revision, *Signature, error) {
	key, err := s.key(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	for attempt := 0; ; attempt++ {
		var rec *Record
		var rev *Revision
		var sig *Signature
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			ind, err := individualFor(ctx, tx, a, n.IndividualID)
			if err != nil {
				return err
			}
			ag, arev, err := agreementRevision(ctx, tx, n.AgreementID, n.RevisionID)
			if err != nil {
				return err
			}
			if n.RevisionHash != "" && n.RevisionHash != arev.Hash {
				return errs.E(errs.Conflict, "consent.error.agreement_changed")
			}
			rec, err = scanRecord(tx.QueryRowContext(ctx, `SELECT `+recordColumns+` FROM consent_records r
				WHERE r.agreement_revision_id = $1 AND r.individual_id = $2`, arev.ID, ind.ID))
			if errs.KindOf(err) == errs.NotFound {
				now := s.now()
				rec = &Record{ID: uuid.NewString(), AgreementID: ag.ID, AgreementRevisionID: arev.ID, AgreementRevisionHash: arev.Hash,
					IndividualID: ind.ID, OptIn: n.OptIn, State: StateUnsigned, CreatedAt: now, UpdatedAt: now}
				if rev, err = addRevision(ctx, tx, SchemaRecord, rec.ID, recordData(rec), now, ind.ID, a.By); err != nil {
					return err
				}
				rec.RevisionID = rev.ID
				if _, err := tx.ExecContext(ctx, `INSERT INTO consent_records (id, agreement_id, agreement_revision_id,
					agreement_revision_hash, individual_id, opt_in, state, revision_id, created_at, updated_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`, rec.ID, rec.AgreementID, rec.AgreementRevisionID,
					rec.AgreementRevisionHash, rec.IndividualID, rec.OptIn, rec.State, rec.RevisionID, now); err != nil {
					return err
				}
				if err := publish(ctx, tx, "consent_record.created", rec, ag.Owner, ind.Owner); err != nil {
					return err
				}
			} else if err != nil {
				return err
			} else if rev, err = revision(ctx, tx, SchemaRecord, rec.ID, rec.RevisionID); err != nil {
				return err
			}
			if n.Sign {
				sig, err = s.sign(ctx, tx, key, a, rec, rev, "", ag.Owner, ind.Owner)
				return err
			}
			if rec.SignatureID != "" {
				sig, err = signatureByID(ctx, tx, rec.SignatureID)
			}
			return err
		})
		if store.IsUniqueViolation(err) && attempt < 3 {
			continue // a concurrent replay won: answer its record
		}
		if err != nil {
			return nil, nil, nil, err
		}
		return rec, rev, sig, nil
	}
}

// owned is a record the actor acts on for its individual, with the
// owners of its agreement and individual.
func owned(ctx context.Context, tx *sql.Tx, a Actor, individualID, id string) (*Record, []string, error) {
	rec, err := scanRecord(tx.QueryRowContext(ctx, `SELECT `+recordColumns+` FROM consent_records r WHERE r.id = $1`, id))
	if err != nil {
		return nil, nil, err
	}
	if individualID != "" && rec.IndividualID != individualID {
		return nil, nil, errs.E(errs.NotFound, "consent.error.no_record")
	}
	ind, err := individualFor(ctx, tx, a, rec.IndividualID)
	if err != nil {
		return nil, nil, errs.E(errs.NotFound, "consent.error.no_record")
	}
	var agreementOwner string
	if err := tx.QueryRowContext(ctx, `SELECT owner FROM consent_agreements WHERE id = $1`, rec.AgreementID).Scan(&agreementOwner); err != nil {
		return nil, nil, err
	}
	return rec, []string{agreementOwner, ind.Owner}, nil
}

// UpdateRecord changes whether the individual consents (the only field
// that may change). A change is a new revision, unsigned until signed;
// the same answer again changes nothing.
func (s *Service) UpdateRecord(ctx context.Context, a Actor, individualID, id string, optIn bool) (*Record, *Revision, error) {
	var rec *Record
	var rev *Revision
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		rec, rev, _, err = s.updateRecord(ctx, tx, a, individualID, id, optIn)
		return err
	})
	return rec, rev, err
}

func (s *Service) updateRecord(ctx context.Context, tx *sql.Tx, a Actor, individualID, id string, optIn bool) (*Record, *Revision, []string, error) {
	rec, owners, err := owned(ctx, tx, a, individualID, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if rec.OptIn == optIn {
		rev, err := revision(ctx, tx, SchemaRecord, rec.ID, rec.RevisionID)
		return rec, rev, owners, err
	}
	rec.OptIn, rec.State, rec.SignatureID, rec.UpdatedAt = optIn, StateUnsigned, "", s.now()
	by := a.By
	if a.FIN != "" {
		by = ""
	}
	rev, err := addRevision(ctx, tx, SchemaRecord, rec.ID, recordData(rec), rec.UpdatedAt, rec.IndividualID, by)
	if err != nil {
		return nil, nil, nil, err
	}
	rec.RevisionID = rev.ID
	if _, err := tx.ExecContext(ctx, `UPDATE consent_records SET opt_in = $1, state = $2, signature_id = NULL, revision_id = $3,
		updated_at = $4 WHERE id = $5`, rec.OptIn, rec.State, rec.RevisionID, rec.UpdatedAt, rec.ID); err != nil {
		return nil, nil, nil, err
	}
	return rec, rev, owners, publish(ctx, tx, "consent_record.updated", rec, owners...)
}

// Withdraw is a person's withdrawal of a consent from the cabinet: the
// same change as UpdateRecord to opt-out, signed at once by the person
// present in their session.
func (s *Service) Withdraw(ctx context.Context, fin, id string) error {
	key, err := s.key(ctx)
	if err != nil {
		return err
	}
	a := Actor{FIN: fin, By: "cabinet"}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		rec, rev, owners, err := s.updateRecord(ctx, tx, a, "", id, false)
		if err != nil {
			return err
		}
		_, err = s.sign(ctx, tx, key, a, rec, rev, "", owners...)
		return err
	})
}

// publish tells the outbox of a record's change, for the webhooks of the
// organisations concerned.
func publish(ctx context.Context, tx *sql.Tx, event string, rec *Record, owners ...string) error {
	return events.Publish(ctx, tx, TopicRecord, rec.ID, recordEventWire{RecordEvent: RecordEvent{Event: event,
		ConsentRecordID: rec.ID, DataAgreementID: rec.AgreementID, IndividualID: rec.IndividualID, OptIn: rec.OptIn,
		State: rec.State, Timestamp: rec.UpdatedAt.Format(time.RFC3339Nano)}, Organisations: owners})
}
