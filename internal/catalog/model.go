// Package catalog is the one window's list of every state body's
// e-services: agencies, services, the life situations they belong to, and
// search across the three languages. Reads are served from an in-memory
// copy that each replica reloads when the catalog's revision changes.
package catalog

import (
	"encoding/json"
	"regexp"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
)

// Audience is who a service is for.
type Audience string

const (
	Citizen   Audience = "citizen"
	Business  Audience = "business"
	Foreigner Audience = "foreigner"
)

// Channel is how a service is delivered.
type Channel string

const (
	Online    Channel = "online"
	Centre    Channel = "centre"
	Proactive Channel = "proactive"
)

// Audiences and Channels list the valid values in display order.
var (
	Audiences = []Audience{Citizen, Business, Foreigner}
	Channels  = []Channel{Online, Centre, Proactive}
)

// Agency is a state body that provides services.
type Agency struct {
	ID          int64     `json:"-"`
	Slug        string    `json:"slug"`
	Name        lang.Text `json:"name"`
	Short       lang.Text `json:"short"`
	Description lang.Text `json:"description"`
	Website     string    `json:"website"`
}

// Situation is a life situation ("a child is born") that groups services
// from several agencies.
type Situation struct {
	Slug        string    `json:"slug"`
	Name        lang.Text `json:"name"`
	Description lang.Text `json:"description"`
	Position    int       `json:"-"`
}

// Keywords are the words people type for a service, per language.
type Keywords struct {
	AZ []string `json:"az,omitempty"`
	EN []string `json:"en,omitempty"`
	RU []string `json:"ru,omitempty"`
}

// Service is one e-service of one agency.
type Service struct {
	ID           int64           `json:"-"`
	Slug         string          `json:"slug"`
	Agency       string          `json:"agency"`
	Name         lang.Text       `json:"name"`
	Summary      lang.Text       `json:"summary"`
	Description  lang.Text       `json:"description"`
	Audience     []Audience      `json:"audience"`
	Channels     []Channel       `json:"channels"`
	FeeQepik     int64           `json:"fee_qepik"`
	DeadlineDays int             `json:"deadline_days"`
	Documents    []lang.Text     `json:"documents"`
	Situations   []string        `json:"situations"`
	Keywords     Keywords        `json:"keywords"`
	Popularity   int             `json:"popularity"`
	Form         json.RawMessage `json:"form,omitempty"`
	Active       bool            `json:"-"`
}

// HasChannel reports whether the service is delivered through ch.
func (s *Service) HasChannel(ch Channel) bool {
	for _, c := range s.Channels {
		if c == ch {
			return true
		}
	}
	return false
}

// ownApplyPages are services whose module has its own application pages
// rather than the applications module's form (the e-visa needs no
// account).
var ownApplyPages = map[string]string{"e-visa": "/e-visa"}

// ApplyURL is where a person applies for the service online.
func (s *Service) ApplyURL() string {
	if u, ok := ownApplyPages[s.Slug]; ok {
		return u
	}
	return "/services/" + s.Slug + "/apply"
}

// HasAudience reports whether the service is for a.
func (s *Service) HasAudience(a Audience) bool {
	for _, x := range s.Audience {
		if x == a {
			return true
		}
	}
	return false
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidSlug reports whether s is a lowercase kebab-case slug.
func ValidSlug(s string) bool { return len(s) <= 80 && slugPattern.MatchString(s) }

// Validate checks a service's own rules. It does not check that its agency
// and situations exist; the store does.
func (s *Service) Validate() error {
	var v errs.Validation
	if !ValidSlug(s.Slug) {
		v.Add("slug", "catalog.error.slug")
	}
	if !ValidSlug(s.Agency) {
		v.Add("agency", "catalog.error.agency")
	}
	if !s.Name.Complete() {
		v.Add("name", "catalog.error.text_incomplete")
	}
	if !s.Summary.Complete() {
		v.Add("summary", "catalog.error.text_incomplete")
	}
	if len(s.Audience) == 0 {
		v.Add("audience", "catalog.error.audience")
	}
	for _, a := range s.Audience {
		if a != Citizen && a != Business && a != Foreigner {
			v.Add("audience", "catalog.error.audience")
		}
	}
	if len(s.Channels) == 0 {
		v.Add("channels", "catalog.error.channel")
	}
	for _, c := range s.Channels {
		if c != Online && c != Centre && c != Proactive {
			v.Add("channels", "catalog.error.channel")
		}
	}
	if s.FeeQepik < 0 {
		v.Add("fee_qepik", "catalog.error.fee")
	}
	if s.DeadlineDays < 0 || s.DeadlineDays > 365 {
		v.Add("deadline_days", "catalog.error.deadline")
	}
	if len(s.Form) > 0 && !json.Valid(s.Form) {
		v.Add("form", "catalog.error.form")
	}
	return v.Err()
}

// Validate checks an agency's own rules.
func (a *Agency) Validate() error {
	var v errs.Validation
	if !ValidSlug(a.Slug) {
		v.Add("slug", "catalog.error.slug")
	}
	if !a.Name.Complete() {
		v.Add("name", "catalog.error.text_incomplete")
	}
	return v.Err()
}
