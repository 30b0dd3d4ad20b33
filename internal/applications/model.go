// Package applications is the heart of the one window: a person fills in a
// service's form (with what the state already knows filled in from the
// base registries), submits it, and the service's agency works it through
// to a decision within a deadline counted in working days. The back office
// at /office, the cabinet's "my applications" and the JSON API for
// agencies' own systems all live here.
package applications

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/egov/egov/internal/lang"
)

// Status is where an application is in its life.
type Status string

const (
	Draft           Status = "draft"
	Submitted       Status = "submitted"
	AwaitingPayment Status = "awaiting_payment"
	InReview        Status = "in_review"
	InfoRequested   Status = "info_requested"
	Resubmitted     Status = "resubmitted"
	Approved        Status = "approved"
	Rejected        Status = "rejected"
	Issued          Status = "issued"
	Withdrawn       Status = "withdrawn"
)

// Statuses lists every status in the order of the life of an application.
var Statuses = []Status{Draft, Submitted, AwaitingPayment, InReview, InfoRequested, Resubmitted, Approved, Rejected, Issued, Withdrawn}

// Open reports whether the agency still has to act or wait on the
// application: its deadline runs.
func (s Status) Open() bool {
	return s == Submitted || s == InReview || s == Resubmitted || s == AwaitingPayment || s == InfoRequested
}

// Decidable reports whether an operator may approve or reject now.
func (s Status) Decidable() bool { return s == Submitted || s == InReview || s == Resubmitted }

// Withdrawable reports whether the applicant may still withdraw.
func (s Status) Withdrawable() bool {
	return s == Submitted || s == AwaitingPayment || s == InReview || s == InfoRequested || s == Resubmitted
}

// Final reports whether nothing more happens to the application, except
// a document being issued after approval.
func (s Status) Final() bool { return s == Rejected || s == Issued || s == Withdrawn }

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Application is one person's (or business's) application for a service.
type Application struct {
	ID      int64
	Number  string // the short number with a check character, e.g. "7KM2Q9XA4", given when the draft starts
	Service string // catalog slug
	Agency  string // the deciding agency's slug
	Status  Status
	// The applicant: the signed-in person, acting for a business when
	// OnBehalf holds its VÖEN.
	AccountID     int64
	FIN           string
	OnBehalf      string
	ApplicantName string
	Lang          lang.Lang // the applicant's language, for messages
	Answers       map[string][]string
	Prefilled     map[string]Prefilled // field name → the registry's value
	Attachments   []Attachment
	FeeQepik      int64
	SubmittedAt   *time.Time
	DueAt         *time.Time
	DecidedAt     *time.Time
	Overdue       bool // flagged to the agency's supervisor
	AssigneeID    int64
	AssigneeName  string
	Decision      lang.Text // the reason of an approval or rejection
	DocumentID    string    // the issued document, once issued
	Version       int       // bumped by every change, for optimistic concurrency
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Ref is the application's number as people read it, e.g. "7KM-2Q9-XA4".
func (a *Application) Ref() string { return FormatNumber(a.Number) }

// Prefilled is a value the state already knows, read from a base registry
// through the gateway and shown instead of asked.
type Prefilled struct {
	Value  string   `json:"value"`
	Source string   `json:"source"`           // registry attribute, e.g. population.full_name
	Values []string `json:"values,omitempty"` // several known values to choose from (a person's vehicles)
}

// Attachment is a file attached to an application, by a field of its form
// or to an answer to a request for information.
type Attachment struct {
	FileID string    `json:"file_id"`
	Name   string    `json:"name"`
	Type   string    `json:"type"`
	Size   int64     `json:"size"`
	Field  string    `json:"field"`
	Added  time.Time `json:"added"`
}

// Actor kinds of a step.
const (
	ActorApplicant = "applicant"
	ActorStaff     = "staff"
	ActorSystem    = "system"
	ActorAPI       = "api"
)

// Step is one recorded event in an application's timeline: a change of
// status or an assignment, by whom and when, with its message.
type Step struct {
	ID        int64
	From      Status
	To        Status
	Action    string // submit, assign, request_info, resubmit, approve, reject, withdraw, overdue, paid, issued
	ActorKind string
	ActorID   string
	ActorName string
	Note      string    // a message, in the language it was written in
	Reason    lang.Text // a decision's reason in three languages
	At        time.Time
}

// Actor is who performs an operation.
type Actor struct {
	Kind      string // ActorApplicant, ActorStaff, ActorSystem, ActorAPI
	AccountID int64
	ID        string // login, FIN or key name: shown in the timeline and the audit log
	Name      string
	Agency    string // for staff and agencies' systems
	FIN       string // for an applicant
	OnBehalf  string // VÖEN the applicant acts for
	Lang      lang.Lang
}

// Correction is a person's report that a value the registry holds about
// them is wrong; it goes to the agency that keeps the registry.
type Correction struct {
	ID         int64
	AccountID  int64
	FIN        string
	Attribute  string // e.g. population.address
	Value      string // what the registry says
	Says       string // what the person says is right
	Agency     string // the registry's agency
	Status     string // open, resolved
	Resolution string
	CreatedAt  time.Time
	ResolvedAt *time.Time
}

// Correction statuses.
const (
	CorrectionOpen     = "open"
	CorrectionResolved = "resolved"
)

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
