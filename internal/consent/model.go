package consent

import (
	"net/url"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/nationalid"
)

// Policy governs an organisation's data agreements.
type Policy struct {
	ID                    string    `json:"id"`
	Owner                 string    `json:"-"`
	Name                  string    `json:"name"`
	Version               string    `json:"version"`
	URL                   string    `json:"url"`
	Jurisdiction          string    `json:"jurisdiction"`
	IndustrySector        string    `json:"industrySector"`
	RetentionDays         int       `json:"dataRetentionPeriodDays"`
	GeographicRestriction string    `json:"geographicRestriction"`
	StorageLocation       string    `json:"storageLocation"`
	UpdatedAt             time.Time `json:"-"`
}

// Controller is the data controller an agreement names.
type Controller struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Attribute is one item of personal data an agreement covers.
type Attribute struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Sensitivity string `json:"sensitivity"`
	Category    string `json:"category"`
}

// Agreement is a data agreement: one purpose people can consent to.
type Agreement struct {
	ID          string      `json:"id"`
	Owner       string      `json:"-"`
	Version     string      `json:"version"`
	Controller  Controller  `json:"controller"`
	PolicyID    string      `json:"policy"`
	Purpose     string      `json:"purpose"`
	LawfulBasis string      `json:"lawfulBasis"`
	DataUse     string      `json:"dataUse"`
	DPIA        string      `json:"dpia"`
	Active      bool        `json:"active"`
	Forgettable bool        `json:"forgettable"`
	Lifecycle   string      `json:"lifecycle"`
	Attributes  []Attribute `json:"attributes"`
	Deleted     bool        `json:"deleted"`
	UpdatedAt   time.Time   `json:"-"`
}

// LawfulBases are the bases an agreement may name (GDPR art. 6, as the
// specification lists them). Only "consent" asks people to opt in.
var LawfulBases = []string{"consent", "legal_obligation", "contract", "vital_interest", "public_task", "legitimate_interest"}

// Individual is an organisation's reference to a person.
type Individual struct {
	ID                 string    `json:"id"`
	Owner              string    `json:"-"`
	ExternalID         string    `json:"externalId"`
	ExternalIDType     string    `json:"externalIdType"`
	IdentityProviderID string    `json:"identityProviderId"`
	FIN                string    `json:"-"`
	CreatedAt          time.Time `json:"-"`
}

// ExternalIDTypeFIN marks an individual whose external id is a FIN: the
// person sees its records in the cabinet.
const ExternalIDTypeFIN = "fin"

// Record states. A record is unsigned until signed; a change of its
// opt-in makes a new revision, unsigned again.
const (
	StateUnsigned = "unsigned"
	StateSigned   = "signed"
)

// Record is one individual's consent to one revision of an agreement.
type Record struct {
	ID                    string
	AgreementID           string
	AgreementRevisionID   string
	AgreementRevisionHash string
	IndividualID          string
	OptIn                 bool
	State                 string
	RevisionID            string
	SignatureID           string
	CreatedAt, UpdatedAt  time.Time
}

// Revision is one change of a policy, agreement or record.
type Revision struct {
	ID                     string
	SchemaName             string
	ObjectID               string
	Seq                    int
	Snapshot               string
	Hash                   string
	At                     time.Time
	AuthorizedByIndividual string
	AuthorizedByOther      string
	SuccessorID            string
	PredecessorHash        string
	PredecessorSignature   string
}

// Schema names of revisions.
const (
	SchemaPolicy    = "policy"
	SchemaAgreement = "dataAgreement"
	SchemaRecord    = "consentRecord"
)

// Signature signs a record's revision. Value is empty until signed.
type Signature struct {
	ID                  string
	RecordID            string
	RevisionID          string
	Payload             string
	Value               string
	Method              string
	VerificationPayload string
	PayloadHash         string
	Artifact            string
	SignedBy            string
	SignedAs            string
	At                  time.Time
}

// Webhook is an organisation's subscription to its records' events.
type Webhook struct {
	ID          string
	Owner       string
	PayloadURL  string
	ContentType string
	Disabled    bool
	SecretKey   string
}

// Page is a window on a list.
type Page struct {
	Offset, Limit int
}

// MaxLimit is the largest page.
const MaxLimit = 100

func (p Page) clean() Page {
	if p.Limit <= 0 || p.Limit > MaxLimit {
		p.Limit = 20
	}
	if p.Offset < 0 {
		p.Offset = 0
	}
	return p
}

func text(v string, max int) bool { return strings.TrimSpace(v) != "" && len(v) <= max }

// Validate checks a policy's fields.
func (p *Policy) Validate() error {
	e := errs.E(errs.Invalid, "consent.error.bad_policy")
	if !text(p.Name, 200) {
		e = e.Field("name", "consent.error.required")
	}
	if !text(p.Version, 64) {
		e = e.Field("version", "consent.error.required")
	}
	if !webURL(p.URL, false) {
		e = e.Field("url", "consent.error.bad_url")
	}
	if p.RetentionDays < 0 {
		e = e.Field("dataRetentionPeriodDays", "consent.error.bad_retention")
	}
	for _, v := range []string{p.Jurisdiction, p.IndustrySector, p.GeographicRestriction, p.StorageLocation} {
		if len(v) > 200 {
			e = e.Field("policy", "consent.error.too_long")
		}
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// Validate checks an agreement's fields.
func (a *Agreement) Validate() error {
	e := errs.E(errs.Invalid, "consent.error.bad_agreement")
	if !text(a.Version, 64) {
		e = e.Field("version", "consent.error.required")
	}
	if !text(a.Purpose, 2000) {
		e = e.Field("purpose", "consent.error.required")
	}
	if !oneOf(a.LawfulBasis, LawfulBases) {
		e = e.Field("lawfulBasis", "consent.error.bad_lawful_basis")
	}
	if len(a.DPIA) > 2000 {
		e = e.Field("dpia", "consent.error.too_long")
	}
	if a.DataUse != "" && !oneOf(a.DataUse, []string{"data_source", "data_using_service"}) {
		e = e.Field("dataUse", "consent.error.bad_data_use")
	}
	if a.Controller.URL != "" && !webURL(a.Controller.URL, false) {
		e = e.Field("controller", "consent.error.bad_url")
	}
	if len(a.Controller.Name) > 200 || len(a.Controller.ID) > 200 {
		e = e.Field("controller", "consent.error.too_long")
	}
	if len(a.Attributes) > 100 {
		e = e.Field("attributes", "consent.error.bad_attributes")
	}
	for _, at := range a.Attributes {
		if !text(at.Name, 200) || len(at.Sensitivity) > 100 || len(at.Category) > 100 || len(at.ID) > 200 {
			e = e.Field("attributes", "consent.error.bad_attributes")
		}
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// Validate checks an individual's fields and maps a FIN.
func (i *Individual) Validate() error {
	e := errs.E(errs.Invalid, "consent.error.bad_individual")
	if len(i.ExternalID) > 200 || len(i.ExternalIDType) > 64 || len(i.IdentityProviderID) > 200 {
		e = e.Field("individual", "consent.error.too_long")
	}
	i.FIN = ""
	if strings.EqualFold(i.ExternalIDType, ExternalIDTypeFIN) {
		fin := strings.ToUpper(strings.TrimSpace(i.ExternalID))
		if !nationalid.ValidFIN(fin) {
			e = e.Field("externalId", "consent.error.bad_fin")
		}
		i.ExternalIDType, i.ExternalID, i.FIN = ExternalIDTypeFIN, fin, fin
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// Validate checks a webhook's fields; insecure allows http://.
func (w *Webhook) Validate(insecure bool) error {
	e := errs.E(errs.Invalid, "consent.error.bad_webhook")
	if !webURL(w.PayloadURL, insecure) {
		e = e.Field("payloadUrl", "consent.error.bad_webhook_url")
	}
	if w.ContentType != "application/json" {
		e = e.Field("contentType", "consent.error.bad_content_type")
	}
	if len(w.SecretKey) < 16 || len(w.SecretKey) > 256 {
		e = e.Field("secretKey", "consent.error.bad_secret")
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

func webURL(s string, insecure bool) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || len(s) > 2000 || u.User != nil {
		return false
	}
	return u.Scheme == "https" || insecure && u.Scheme == "http"
}

func oneOf(v string, list []string) bool {
	for _, s := range list {
		if v == s {
			return true
		}
	}
	return false
}
