package govstack

import (
	"context"
	"net/http"

	"github.com/egov/egov/internal/consent"
	"github.com/egov/egov/internal/errs"
)

// individualOf is the individual an operation acts for: the query's
// individualId where the specification declares one, else the
// X-ConsentBB-IndividualId header; both given must agree.
func individualOf(r *http.Request) (string, error) {
	q, h := r.URL.Query().Get("individualId"), r.Header.Get(HeaderIndividual)
	switch {
	case q != "" && h != "" && q != h:
		return "", errs.E(errs.Invalid, "consent.error.individual_mismatch").Field(HeaderIndividual, "consent.error.individual_mismatch")
	case q != "":
		return q, nil
	case h != "":
		return h, nil
	}
	return "", errs.E(errs.Invalid, "consent.error.individual_required").Field(HeaderIndividual, "consent.error.individual_required")
}

// consentFor runs an operation for an individual of the calling
// organisation.
func (s *Service) consentFor(w http.ResponseWriter, r *http.Request, op func(a consent.Actor, individual string) (any, error)) {
	s.consentCall(w, r, func(org, by string) (any, error) {
		individual, err := individualOf(r)
		if err != nil {
			return nil, err
		}
		return op(consent.Actor{Org: org, By: by}, individual)
	})
}

// signed is a record's signature, when it has one.
func (s *Service) signed(ctx context.Context, f consent.RecordFilter) func(*consent.Record) *consent.Signature {
	return func(r *consent.Record) *consent.Signature {
		if r.SignatureID == "" {
			return nil
		}
		_, _, sig, err := s.consent.Record(ctx, f, r.ID)
		if err != nil {
			return nil
		}
		return sig
	}
}

// consentRecordCreate records an unsigned opt-in to the agreement's
// current (or named) revision.
func (s *Service) consentRecordCreate(w http.ResponseWriter, r *http.Request) {
	s.consentFor(w, r, func(a consent.Actor, individual string) (any, error) {
		rec, rev, sig, err := s.consent.CreateRecord(r.Context(), a, consent.NewRecord{IndividualID: individual,
			AgreementID: r.PathValue("id"), RevisionID: r.URL.Query().Get("revisionId"), OptIn: true})
		if err != nil {
			return nil, err
		}
		if err := s.trackIndividuals(r, "GovStack Consent: consent record", rec.IndividualID); err != nil {
			return nil, err
		}
		out, err := s.recordWire(r.Context(), rec, sig)
		return map[string]any{"consentRecord": out, "revision": revisionWire(rev)}, err
	})
}

// consentRecordCurrent is the individual's newest record for an
// agreement.
func (s *Service) consentRecordCurrent(w http.ResponseWriter, r *http.Request) {
	s.consentFor(w, r, func(a consent.Actor, individual string) (any, error) {
		f := consent.RecordFilter{Org: a.Org, IndividualID: individual, AgreementID: r.PathValue("id"), Current: true}
		list, err := s.consent.Records(r.Context(), f, consent.Page{Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, errs.E(errs.NotFound, "consent.error.no_record")
		}
		if err := s.trackIndividuals(r, "GovStack Consent: consent record", individual); err != nil {
			return nil, err
		}
		out, err := s.recordWires(r.Context(), list, s.signed(r.Context(), f))
		if err != nil {
			return nil, err
		}
		return map[string]any{"consentRecord": out[0]}, nil
	})
}

// consentRecordDraft is the record and signature the individual would
// sign, stored nowhere.
func (s *Service) consentRecordDraft(w http.ResponseWriter, r *http.Request) {
	s.consentFor(w, r, func(a consent.Actor, individual string) (any, error) {
		q := r.URL.Query()
		if q.Get("dataAgreementId") == "" {
			return nil, errs.E(errs.Invalid, "consent.error.agreement_required")
		}
		rec, sig, err := s.consent.Draft(r.Context(), a, individual, q.Get("dataAgreementId"), q.Get("revisionId"))
		if err != nil {
			return nil, err
		}
		out, err := s.recordWire(r.Context(), rec, nil)
		return map[string]any{"consentRecord": out, "signature": signatureWire(sig)}, err
	})
}

// consentRecordSigned creates a record and its signature at once from
// a draft sent back: the draft's agreement, its revision and hash, the
// individual and the opt-in are what is recorded and signed.
func (s *Service) consentRecordSigned(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(org, by string) (any, error) {
		var in struct {
			ConsentRecord *cRecord
			Signature     *cSignature
		}
		if err := decode(w, r, &in); err != nil || in.ConsentRecord == nil || in.Signature == nil {
			return nil, errs.E(errs.Invalid, "govstack.error.bad_json")
		}
		c := in.ConsentRecord
		individual := r.Header.Get(HeaderIndividual)
		if c.Individual != nil && c.Individual.ID != "" {
			if individual != "" && individual != c.Individual.ID {
				return nil, errs.E(errs.Invalid, "consent.error.individual_mismatch")
			}
			individual = c.Individual.ID
		}
		if individual == "" {
			return nil, errs.E(errs.Invalid, "consent.error.individual_required")
		}
		if c.DataAgreement == nil || c.DataAgreement.ID == "" {
			return nil, errs.E(errs.Invalid, "consent.error.agreement_required")
		}
		n := consent.NewRecord{IndividualID: individual, AgreementID: c.DataAgreement.ID, RevisionHash: c.DataAgreementRevisionHash,
			OptIn: c.OptIn == nil || *c.OptIn, Sign: true}
		if c.DataAgreementRevision != nil {
			n.RevisionID = c.DataAgreementRevision.ID
		}
		rec, rev, sig, err := s.consent.CreateRecord(r.Context(), consent.Actor{Org: org, By: by}, n)
		if err != nil {
			return nil, err
		}
		if err := s.trackIndividuals(r, "GovStack Consent: consent record", rec.IndividualID); err != nil {
			return nil, err
		}
		out, err := s.recordWire(r.Context(), rec, sig)
		return map[string]any{"consentRecord": out, "revision": revisionWire(rev), "signature": signatureWire(sig)}, err
	})
}

// consentRecordsOf lists the individual's current records (all: every
// record for the path's agreement, each revision it consented to).
func (s *Service) consentRecordsOf(all bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.consentFor(w, r, func(a consent.Actor, individual string) (any, error) {
			page, err := consentPage(r)
			if err != nil {
				return nil, err
			}
			f := consent.RecordFilter{Org: a.Org, IndividualID: individual, Current: !all}
			if all {
				f.AgreementID = r.PathValue("id")
			}
			if _, err := s.consent.Individual(r.Context(), a.Org, individual); err != nil {
				return nil, err
			}
			list, err := s.consent.Records(r.Context(), f, page)
			if err != nil {
				return nil, err
			}
			if err := s.trackIndividuals(r, "GovStack Consent: consent records", individual); err != nil {
				return nil, err
			}
			out, err := s.recordWires(r.Context(), list, s.signed(r.Context(), f))
			return map[string]any{"consentRecords": out}, err
		})
	}
}

// consentRecordUpdate changes the opt-in, the only field that may
// change: a new revision, unsigned until signed again.
func (s *Service) consentRecordUpdate(w http.ResponseWriter, r *http.Request) {
	s.consentFor(w, r, func(a consent.Actor, individual string) (any, error) {
		var in struct{ ConsentRecord *cRecord }
		if err := decode(w, r, &in); err != nil || in.ConsentRecord == nil || in.ConsentRecord.OptIn == nil {
			return nil, errs.E(errs.Invalid, "consent.error.opt_in_required")
		}
		rec, rev, err := s.consent.UpdateRecord(r.Context(), a, individual, r.PathValue("id"), *in.ConsentRecord.OptIn)
		if err != nil {
			return nil, err
		}
		if err := s.trackIndividuals(r, "GovStack Consent: consent record", rec.IndividualID); err != nil {
			return nil, err
		}
		out, err := s.recordWire(r.Context(), rec, nil)
		return map[string]any{"consentRecord": out, "revision": revisionWire(rev)}, err
	})
}

// consentSignaturePrepare makes the record's current revision's unsigned
// signature, its payload ready for signing.
func (s *Service) consentSignaturePrepare(w http.ResponseWriter, r *http.Request) {
	s.consentFor(w, r, func(a consent.Actor, individual string) (any, error) {
		var in struct{ Signature *cSignature }
		if err := decode(w, r, &in); err != nil || in.Signature == nil {
			return nil, errs.E(errs.Invalid, "govstack.error.bad_json")
		}
		sig, err := s.consent.PrepareSignature(r.Context(), a, individual, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return map[string]any{"signature": signatureWire(sig)}, nil
	})
}

// consentSign signs the record's current revision; the signature sent
// names, in verificationPayloadHash, the revision the individual agreed
// to (a record changed since is a conflict).
func (s *Service) consentSign(w http.ResponseWriter, r *http.Request) {
	s.consentFor(w, r, func(a consent.Actor, individual string) (any, error) {
		var in struct{ Signature *cSignature }
		if err := decode(w, r, &in); err != nil || in.Signature == nil {
			return nil, errs.E(errs.Invalid, "govstack.error.bad_json")
		}
		_, sig, err := s.consent.Sign(r.Context(), a, individual, r.PathValue("id"), in.Signature.VerificationPayloadHash)
		if err != nil {
			return nil, err
		}
		return map[string]any{"signature": signatureWire(sig)}, nil
	})
}

// consentForget deletes the individual's records that need not be kept.
func (s *Service) consentForget(w http.ResponseWriter, r *http.Request) {
	s.consentFor(w, r, func(a consent.Actor, individual string) (any, error) {
		_, err := s.consent.DeleteForgettable(r.Context(), a, individual)
		return nil, err
	})
}

// consentRecords lists records for verification (the caller's
// organisation's: of its individuals or its agreements) or for audit
// (every record), optionally for one agreement or individual
// (dataAgreementId, individualId: egov's extra parameters).
func (s *Service) consentRecords(audit bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.consentCall(w, r, func(org, _ string) (any, error) {
			page, err := consentPage(r)
			if err != nil {
				return nil, err
			}
			q := r.URL.Query()
			f := consent.RecordFilter{Org: org, All: audit, AgreementID: q.Get("dataAgreementId"),
				IndividualID: q.Get("individualId"), Current: !audit}
			list, err := s.consent.Records(r.Context(), f, page)
			if err != nil {
				return nil, err
			}
			var ids []string
			for _, rec := range list {
				ids = append(ids, rec.IndividualID)
			}
			if err := s.trackIndividuals(r, "GovStack Consent: consent records", ids...); err != nil {
				return nil, err
			}
			out, err := s.recordWires(r.Context(), list, s.signed(r.Context(), f))
			if err != nil {
				return nil, err
			}
			for i, rec := range list {
				out[i].SignatureVerified = s.verified(r.Context(), f, rec)
			}
			return map[string]any{"consentRecords": out}, nil
		})
	}
}

func (s *Service) verified(ctx context.Context, f consent.RecordFilter, rec *consent.Record) *bool {
	ok := rec.State == consent.StateSigned && s.consent.Verify(ctx, f, rec.ID) == nil
	return &ok
}

// consentRecordRead reads one record for verification (with its
// current revision) or for audit (with every revision: egov's extra
// field "revisions", the record's history).
func (s *Service) consentRecordRead(audit bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.consentCall(w, r, func(org, _ string) (any, error) {
			f := consent.RecordFilter{Org: org, All: audit}
			rec, rev, sig, err := s.consent.Record(r.Context(), f, r.PathValue("id"))
			if err != nil {
				return nil, err
			}
			if err := s.trackIndividuals(r, "GovStack Consent: consent record", rec.IndividualID); err != nil {
				return nil, err
			}
			out, err := s.recordWire(r.Context(), rec, sig)
			if err != nil {
				return nil, err
			}
			out.SignatureVerified = s.verified(r.Context(), f, rec)
			if !audit {
				return map[string]any{"consentRecord": out, "revision": revisionWire(rev)}, nil
			}
			revs, err := s.consent.RecordRevisions(r.Context(), rec.ID)
			return map[string]any{"consentRecord": out, "revisions": revisionsWire(revs)}, err
		})
	}
}

// consentAuditAgreement reads any agreement, deleted ones too, with its
// revisions (egov's extra field).
func (s *Service) consentAuditAgreement(w http.ResponseWriter, r *http.Request) {
	s.consentCall(w, r, func(string, string) (any, error) {
		a, _, err := s.consent.Agreement(r.Context(), consent.AgreementFilter{Deleted: true}, r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		revs, err := s.consent.AgreementRevisions(r.Context(), a.ID)
		return map[string]any{"dataAgreement": s.agreementWire(r.Context(), a), "revisions": revisionsWire(revs)}, err
	})
}
