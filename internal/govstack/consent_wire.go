package govstack

import (
	"context"
	"time"

	"github.com/egov/egov/internal/consent"
)

// The Consent block's objects as its specification writes them
// (components/schemas). Extra fields, which the schemas allow, are
// named where they are made.

type cPolicy struct {
	ID                    string `json:"id"`
	Name                  string `json:"name"`
	Version               string `json:"version"`
	URL                   string `json:"url"`
	Jurisdiction          string `json:"jurisdiction"`
	IndustrySector        string `json:"industrySector"`
	RetentionDays         int    `json:"dataRetentionPeriodDays"`
	GeographicRestriction string `json:"geographicRestriction"`
	StorageLocation       string `json:"storageLocation"`
}

type cController struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

type cLifecycle struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type cAttribute struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Sensitivity string `json:"sensitivity"`
	Category    string `json:"category"`
}

type cAgreement struct {
	ID          string       `json:"id"`
	Version     string       `json:"version"`
	Controller  *cController `json:"controller,omitempty"`
	Policy      *cPolicy     `json:"policy,omitempty"`
	Purpose     string       `json:"purpose"`
	LawfulBasis string       `json:"lawfulBasis"`
	DataUse     string       `json:"dataUse"`
	DPIA        string       `json:"dpia"`
	Active      bool         `json:"active"`
	Forgettable bool         `json:"forgettable"`
	Lifecycle   *cLifecycle  `json:"lifecycle,omitempty"`
	// egov's extra field: the personal data the agreement covers
	// (DataAgreementAttribute objects without their back reference).
	Attributes []cAttribute `json:"attributes"`
}

type cIndividual struct {
	ID                 string `json:"id"`
	ExternalID         string `json:"externalId,omitempty"`
	ExternalIDType     string `json:"externalIdType,omitempty"`
	IdentityProviderID string `json:"identityProviderId,omitempty"`
}

type cRevision struct {
	ID                     string       `json:"id"`
	SchemaName             string       `json:"schemaName"`
	ObjectID               string       `json:"objectId"`
	SignedWithoutObjectID  bool         `json:"signedWithoutObjectId"`
	SerializedSnapshot     string       `json:"serializedSnapshot"`
	SerializedHash         string       `json:"serializedHash"`
	Timestamp              string       `json:"timestamp"`
	AuthorizedByIndividual *cIndividual `json:"authorizedByIndividual,omitempty"`
	AuthorizedByOther      string       `json:"authorizedByOther"`
	PredecessorHash        string       `json:"predecessorHash"`
	PredecessorSignature   string       `json:"predecessorSignature"`
}

type cSignature struct {
	ID                           string `json:"id"`
	Payload                      string `json:"payload"`
	Signature                    string `json:"signature"`
	VerificationMethod           string `json:"verificationMethod"`
	VerificationPayload          string `json:"verificationPayload"`
	VerificationPayloadHash      string `json:"verificationPayloadHash"`
	VerificationArtifact         string `json:"verificationArtifact"`
	VerificationSignedBy         string `json:"verificationSignedBy"`
	VerificationSignedAs         string `json:"verificationSignedAs"`
	VerificationJwsHeader        string `json:"verificationJwsHeader"`
	Timestamp                    string `json:"timestamp"`
	SignedWithoutObjectReference bool   `json:"signedWithoutObjectReference"`
	ObjectType                   string `json:"objectType"`
	ObjectReference              string `json:"objectReference"`
}

type cRecord struct {
	ID                        string       `json:"id"`
	DataAgreement             *cAgreement  `json:"dataAgreement,omitempty"`
	DataAgreementRevision     *cRevision   `json:"dataAgreementRevision,omitempty"`
	DataAgreementRevisionHash string       `json:"dataAgreementRevisionHash"`
	Individual                *cIndividual `json:"individual,omitempty"`
	OptIn                     *bool        `json:"optIn,omitempty"`
	State                     string       `json:"state"`
	Signature                 *cSignature  `json:"signature,omitempty"`
	// egov's extra field, in verification and audit answers: whether
	// the signature holds over the record as it is now.
	SignatureVerified *bool `json:"signatureVerified,omitempty"`
}

type cWebhook struct {
	ID          string `json:"id"`
	PayloadURL  string `json:"payloadUrl"`
	ContentType string `json:"contentType"`
	Disabled    bool   `json:"disabled"`
	SecretKey   string `json:"secretKey"`
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func policyWire(p *consent.Policy) *cPolicy {
	return &cPolicy{ID: p.ID, Name: p.Name, Version: p.Version, URL: p.URL, Jurisdiction: p.Jurisdiction,
		IndustrySector: p.IndustrySector, RetentionDays: p.RetentionDays, GeographicRestriction: p.GeographicRestriction,
		StorageLocation: p.StorageLocation}
}

func policyFrom(p cPolicy) consent.Policy {
	return consent.Policy{Name: p.Name, Version: p.Version, URL: p.URL, Jurisdiction: p.Jurisdiction,
		IndustrySector: p.IndustrySector, RetentionDays: p.RetentionDays, GeographicRestriction: p.GeographicRestriction,
		StorageLocation: p.StorageLocation}
}

// agreementWire writes an agreement with its policy, when it has one.
func (s *Service) agreementWire(ctx context.Context, a *consent.Agreement) *cAgreement {
	out := &cAgreement{ID: a.ID, Version: a.Version, Purpose: a.Purpose, LawfulBasis: a.LawfulBasis, DataUse: a.DataUse,
		DPIA: a.DPIA, Active: a.Active, Forgettable: a.Forgettable, Lifecycle: &cLifecycle{ID: a.Lifecycle, Name: a.Lifecycle},
		Attributes: []cAttribute{}}
	if a.Controller != (consent.Controller{}) {
		out.Controller = &cController{ID: a.Controller.ID, Name: a.Controller.Name, URL: a.Controller.URL}
	}
	if a.PolicyID != "" {
		if p, _, err := s.consent.Policy(ctx, a.Owner, a.PolicyID, ""); err == nil {
			out.Policy = policyWire(p)
		} else {
			// A deleted policy is named by its id only.
			out.Policy = &cPolicy{ID: a.PolicyID}
		}
	}
	for _, at := range a.Attributes {
		out.Attributes = append(out.Attributes, cAttribute(at))
	}
	return out
}

func agreementFrom(a cAgreement) consent.Agreement {
	out := consent.Agreement{Version: a.Version, Purpose: a.Purpose, LawfulBasis: a.LawfulBasis, DataUse: a.DataUse,
		DPIA: a.DPIA, Active: a.Active, Forgettable: a.Forgettable}
	if a.Controller != nil {
		out.Controller = consent.Controller(*a.Controller)
	}
	if a.Policy != nil {
		out.PolicyID = a.Policy.ID
	}
	if a.Lifecycle != nil {
		out.Lifecycle = a.Lifecycle.Name
	}
	for _, at := range a.Attributes {
		out.Attributes = append(out.Attributes, consent.Attribute(at))
	}
	return out
}

func individualWire(i *consent.Individual) *cIndividual {
	return &cIndividual{ID: i.ID, ExternalID: i.ExternalID, ExternalIDType: i.ExternalIDType, IdentityProviderID: i.IdentityProviderID}
}

func individualFrom(i cIndividual) consent.Individual {
	return consent.Individual{ExternalID: i.ExternalID, ExternalIDType: i.ExternalIDType, IdentityProviderID: i.IdentityProviderID}
}

func revisionWire(r *consent.Revision) *cRevision {
	if r == nil {
		return nil
	}
	out := &cRevision{ID: r.ID, SchemaName: r.SchemaName, ObjectID: r.ObjectID, SignedWithoutObjectID: r.ID == "",
		SerializedSnapshot: r.Snapshot, SerializedHash: r.Hash, Timestamp: stamp(r.At), AuthorizedByOther: r.AuthorizedByOther,
		PredecessorHash: r.PredecessorHash, PredecessorSignature: r.PredecessorSignature}
	if r.AuthorizedByIndividual != "" {
		out.AuthorizedByIndividual = &cIndividual{ID: r.AuthorizedByIndividual}
	}
	return out
}

func revisionsWire(list []*consent.Revision) []*cRevision {
	out := []*cRevision{}
	for _, r := range list {
		out = append(out, revisionWire(r))
	}
	return out
}

func signatureWire(g *consent.Signature) *cSignature {
	if g == nil {
		return nil
	}
	return &cSignature{ID: g.ID, Payload: g.Payload, Signature: g.Value, VerificationMethod: g.Method,
		VerificationPayload: g.VerificationPayload, VerificationPayloadHash: g.PayloadHash, VerificationArtifact: g.Artifact,
		VerificationSignedBy: g.SignedBy, VerificationSignedAs: g.SignedAs, Timestamp: stamp(g.At),
		SignedWithoutObjectReference: g.RevisionID == "", ObjectType: "revision", ObjectReference: g.RevisionID}
}

func webhookWire(w *consent.Webhook, withSecret bool) *cWebhook {
	out := &cWebhook{ID: w.ID, PayloadURL: w.PayloadURL, ContentType: w.ContentType, Disabled: w.Disabled}
	if withSecret {
		out.SecretKey = w.SecretKey
	}
	return out
}

// recordWires writes records with their agreement and its revision,
// each agreement read once.
func (s *Service) recordWires(ctx context.Context, list []*consent.Record, sig func(*consent.Record) *consent.Signature) ([]*cRecord, error) {
	agreements := map[string]*cAgreement{}
	revisions := map[string]*cRevision{}
	out := []*cRecord{}
	for _, r := range list {
		a, ok := agreements[r.AgreementID]
		if !ok {
			ag, _, err := s.consent.Agreement(ctx, consent.AgreementFilter{Deleted: true}, r.AgreementID)
			if err != nil {
				return nil, err
			}
			a = s.agreementWire(ctx, ag)
			agreements[r.AgreementID] = a
		}
		rev, ok := revisions[r.AgreementRevisionID]
		if !ok {
			ar, err := s.consent.AgreementRevision(ctx, r.AgreementID, r.AgreementRevisionID)
			if err != nil {
				return nil, err
			}
			rev = revisionWire(ar)
			revisions[r.AgreementRevisionID] = rev
		}
		optIn := r.OptIn
		w := &cRecord{ID: r.ID, DataAgreement: a, DataAgreementRevision: rev, DataAgreementRevisionHash: r.AgreementRevisionHash,
			Individual: &cIndividual{ID: r.IndividualID}, OptIn: &optIn, State: r.State}
		if sig != nil {
			w.Signature = signatureWire(sig(r))
		}
		out = append(out, w)
	}
	return out, nil
}

// recordWire writes one record.
func (s *Service) recordWire(ctx context.Context, r *consent.Record, sig *consent.Signature) (*cRecord, error) {
	list, err := s.recordWires(ctx, []*consent.Record{r}, func(*consent.Record) *consent.Signature { return sig })
	if err != nil {
		return nil, err
	}
	return list[0], nil
}
