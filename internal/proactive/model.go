// Package proactive runs the state's proactive services: rules, written
// by agencies as data, that act on life events from the registries (a
// birth, a death, a marriage, a change of address, a business
// registered) and on events of time found by a daily scan (an age
// reached, a document expiring, a vehicle inspection due).
//
// A rule says on which event, under which condition (a CEL expression
// over the event and the person's registry data) and with which actions:
// issue a document, approve an application, pay a benefit, create a bill,
// send a notice, or make an offer the person accepts with one click or
// declines. Each action is recorded once per rule, person and event (a
// unique key in the database, whatever the retries and duplicate events),
// with the rule version that caused it; the person sees what was done for
// them, and why, in the cabinet.
package proactive

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
)

// Events a rule can act on: life events published by the registries, and
// events of time found by the daily scan.
const (
	EventBirth              = "birth"
	EventDeath              = "death"
	EventMarriage           = "marriage"
	EventAddressChanged     = "address_changed"
	EventBusinessRegistered = "business_registered"
	EventAge                = "age"             // a birthday reaching Trigger.Age
	EventDocumentExpiry     = "document_expiry" // a document of Trigger.Document expiring
	EventInspectionDue      = "inspection_due"  // a vehicle's technical inspection due
)

// LifeEvents are the events the registries publish; TimeEvents those the
// daily scan finds.
var (
	LifeEvents = []string{EventBirth, EventDeath, EventMarriage, EventAddressChanged, EventBusinessRegistered}
	TimeEvents = []string{EventAge, EventDocumentExpiry, EventInspectionDue}
)

// Kinds of action.
const (
	ActIssueDocument      = "issue_document"      // issue a signed document
	ActApproveApplication = "approve_application" // start an application of Service and approve it
	ActPayout             = "payout"              // a benefit payment from the state
	ActBill               = "bill"                // a bill to pay
	ActNotify             = "notify"              // a notice through the notification service
	ActOffer              = "offer"               // an offer the person accepts or declines
)

var actionKinds = []string{ActIssueDocument, ActApproveApplication, ActPayout, ActBill, ActNotify, ActOffer}

// How an accepted offer is carried out.
const (
	AcceptApply   = "apply"           // open the service's form, prefilled
	AcceptSubmit  = "submit"          // one click: the application is made and approved
	AcceptAccount = "confirm_account" // the person confirms a bank account; the payout follows
)

var acceptKinds = []string{AcceptApply, AcceptSubmit, AcceptAccount}

// Whom an action is for, relative to the event's person.
var recipients = []string{"person", "mother", "father", "spouse"}

// Statuses of a rule version. A draft is tested and dry-run; live acts;
// a live version is retired when another version of the rule goes live.
const (
	RuleDraft   = "draft"
	RuleLive    = "live"
	RuleRetired = "retired"
)

// Rule is one version of a proactive rule.
type Rule struct {
	ID        string    `json:"id"`
	Version   int       `json:"version,omitempty"`
	Agency    string    `json:"agency"`
	StartsOn  string    `json:"starts_on"` // YYYY-MM-DD, Baku; before it the rule does not act
	Status    string    `json:"status,omitempty"`
	Name      lang.Text `json:"name"`
	Reason    lang.Text `json:"reason"` // why the state acted, shown to the person
	Trigger   Trigger   `json:"trigger"`
	Condition string    `json:"condition"` // CEL over event and person; "" is always true
	Actions   []Action  `json:"actions"`
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Trigger is the event a rule acts on. Time events say how far ahead the
// scan looks (LeadDays): a rule with LeadDays 60 on Age 18 acts for
// everyone turning 18 within the next 60 days.
type Trigger struct {
	Event    string `json:"event"`
	Age      int    `json:"age,omitempty"`
	Document string `json:"document,omitempty"` // id-card, passport, driving-licence
	LeadDays int    `json:"lead_days,omitempty"`
}

// Action is one thing a rule does.
type Action struct {
	Kind string `json:"kind"`
	To   string `json:"to"` // person, mother, father, spouse
	// Title is what the person reads in the cabinet: "Birth certificate
	// issued", "Renew your identity card".
	Title lang.Text `json:"title"`
	// Service is the catalog service acted for (the application's, the
	// payout's, the bill's, the offer's).
	Service string `json:"service,omitempty"`
	// DocumentType names an issued document, e.g. "birth_certificate".
	DocumentType string `json:"document_type,omitempty"`
	// Amount in qəpik of a payout or bill.
	Amount int64 `json:"amount,omitempty"`
	// Template is the notification template of a notice.
	Template string `json:"template,omitempty"`
	// Accept is how an offer is carried out (apply, submit, confirm_account);
	// Answers prefill the application form.
	Accept  string              `json:"accept,omitempty"`
	Answers map[string][]string `json:"answers,omitempty"`
}

var (
	ruleIDPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,62}$`)
	slugPattern   = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
	tmplPattern   = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,80}$`)
)

// Limits on what a rule may hold, so a rule written by mistake (or fuzzed)
// is refused rather than stored.
const (
	maxRuleBytes   = 32 << 10
	maxActions     = 10
	maxLeadDays    = 366
	maxConditionCP = 2000
	maxAmount      = 100_000_000 // one million manat in qəpik
)

// Validate checks everything but the condition, which Compile checks.
func (r *Rule) Validate() error {
	var v errs.Validation
	if !ruleIDPattern.MatchString(r.ID) {
		v.Add("id", "proactive.error.id")
	}
	if !slugPattern.MatchString(r.Agency) {
		v.Add("agency", "proactive.error.agency")
	}
	if _, err := time.Parse(time.DateOnly, r.StartsOn); err != nil {
		v.Add("starts_on", "proactive.error.starts_on")
	}
	if !r.Name.Complete() {
		v.Add("name", "proactive.error.text")
	}
	if !r.Reason.Complete() {
		v.Add("reason", "proactive.error.text")
	}
	t := r.Trigger
	switch {
	case slices.Contains(LifeEvents, t.Event):
		if t.Age != 0 || t.Document != "" || t.LeadDays != 0 {
			v.Add("trigger", "proactive.error.trigger_extra")
		}
	case t.Event == EventAge:
		if t.Age < 1 || t.Age > 120 {
			v.Add("trigger", "proactive.error.age")
		}
	case t.Event == EventDocumentExpiry:
		if !slices.Contains([]string{"id-card", "passport", "driving-licence"}, t.Document) {
			v.Add("trigger", "proactive.error.document")
		}
	case t.Event == EventInspectionDue:
	default:
		v.Add("trigger", "proactive.error.event")
	}
	if t.LeadDays < 0 || t.LeadDays > maxLeadDays {
		v.Add("trigger", "proactive.error.lead_days")
	}
	if len(r.Actions) == 0 || len(r.Actions) > maxActions {
		v.Add("actions", "proactive.error.actions")
	}
	for _, a := range r.Actions {
		if err := a.validate(); err != "" && !v.Has("actions") {
			v.Add("actions", err)
		}
	}
	return v.Err()
}

// validate returns the message key of what is wrong with a, or "".
func (a *Action) validate() string {
	switch {
	case !slices.Contains(actionKinds, a.Kind):
		return "proactive.error.action_kind"
	case !slices.Contains(recipients, a.To):
		return "proactive.error.action_to"
	case !a.Title.Complete():
		return "proactive.error.action_title"
	case a.Service != "" && !slugPattern.MatchString(a.Service):
		return "proactive.error.action_service"
	case a.Amount < 0 || a.Amount > maxAmount:
		return "proactive.error.action_amount"
	}
	switch a.Kind {
	case ActIssueDocument:
		if !tmplPattern.MatchString(a.DocumentType) {
			return "proactive.error.action_document"
		}
	case ActApproveApplication:
		if a.Service == "" {
			return "proactive.error.action_service"
		}
	case ActPayout, ActBill:
		if a.Amount <= 0 {
			return "proactive.error.action_amount"
		}
	case ActNotify:
		if !tmplPattern.MatchString(a.Template) {
			return "proactive.error.action_template"
		}
	case ActOffer:
		if !slices.Contains(acceptKinds, a.Accept) || a.Service == "" {
			return "proactive.error.action_accept"
		}
		if a.Accept == AcceptAccount && a.Amount <= 0 {
			return "proactive.error.action_amount"
		}
	}
	return ""
}

// ParseRule reads a rule written as JSON (unknown fields refused),
// validates it and compiles its condition. It never panics: any input
// gives a rule or an *errs.Error of kind Invalid saying what is wrong.
func ParseRule(data []byte) (*Rule, *Program, error) {
	if len(data) > maxRuleBytes {
		return nil, nil, errs.E(errs.Invalid, "proactive.error.too_big").Field("definition", "proactive.error.too_big")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Rule
	if err := dec.Decode(&r); err != nil {
		return nil, nil, errs.E(errs.Invalid, "proactive.error.json").
			FieldWith("definition", "proactive.error.json", map[string]any{"Detail": jsonDetail(err)})
	}
	if dec.More() {
		return nil, nil, errs.E(errs.Invalid, "proactive.error.json").
			FieldWith("definition", "proactive.error.json", map[string]any{"Detail": "trailing data"})
	}
	r.ID, r.Agency = strings.TrimSpace(r.ID), strings.TrimSpace(r.Agency)
	if err := r.Validate(); err != nil {
		return nil, nil, err
	}
	prog, err := Compile(r.Condition)
	if err != nil {
		return nil, nil, err
	}
	return &r, prog, nil
}

func jsonDetail(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// Starts reports whether the rule acts on day (a Baku date).
func (r *Rule) Starts(day time.Time) bool {
	return r.StartsOn <= day.Format(time.DateOnly)
}

// Statuses of a recorded action. Offers are open until accepted or
// declined; other actions are pending until carried out, then done.
const (
	StatusPending  = "pending"
	StatusDone     = "done"
	StatusFailed   = "failed"
	StatusOpen     = "open"
	StatusAccepted = "accepted"
	StatusDeclined = "declined"
)

// Record is one action of a rule for a person and an event, as stored.
type Record struct {
	ID          int64
	RuleID      string
	RuleVersion int
	FIN         string
	EventKey    string
	Step        int // the action's index in the rule
	Kind        string
	Status      string
	Action      Action
	Facts       Facts // what the action was about: dates, child, plate…
	Reference   string
	Attempts    int
	LastError   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// From the rule version: its name, reason and agency.
	RuleName lang.Text
	Reason   lang.Text
	Agency   string
}

// Facts are the event's values an action is carried out with and the
// cabinet shows: {"child": "6BNT4YD", "date": "2026-03-16", …}.
type Facts map[string]string

// Offer reports whether the record is an offer.
func (r *Record) Offer() bool { return r.Kind == ActOffer }
