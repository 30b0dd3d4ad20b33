// Package identity is who people are to egov: accounts for citizens,
// business representatives, foreigners and staff; signing in (demo, and
// password with TOTP for staff); throttling of failed attempts; sessions
// turned into principals with roles; and the activity history a person
// reads in the cabinet.
package identity

import (
	"regexp"
	"strings"
	"time"

	"github.com/egov/egov/internal/web"
)

// Kind is the kind of account.
type Kind string

const (
	Person    Kind = "person"
	Staff     Kind = "staff"
	Foreigner Kind = "foreigner"
)

// Roles. A person's roles come from who they are (every person is a
// citizen; a business representative acts under a mandate); staff roles
// are granted by the platform admin, each within one agency or centre.
const (
	RoleCitizen          = "citizen"
	RoleBusiness         = "business"
	RoleForeigner        = "foreigner"
	RoleAgencyOperator   = "agency_operator"
	RoleAgencySupervisor = "agency_supervisor"
	RoleCentreOperator   = "centre_operator"
	RoleBorderOfficer    = "border_officer"
	RoleAdmin            = "admin"
	RoleAuditor          = "auditor"
	// RoleAgencySystem is an agency's own information system calling
	// /api/v1 with an API key (never a person).
	RoleAgencySystem = "agency_system"
)

// AllRoles lists every role, for the authorization matrix.
var AllRoles = []string{
	RoleCitizen, RoleBusiness, RoleForeigner, RoleAgencyOperator, RoleAgencySupervisor,
	RoleCentreOperator, RoleBorderOfficer, RoleAdmin, RoleAuditor,
}

// Account is one person's or staff member's account.
type Account struct {
	ID            int64
	Kind          Kind
	Subject       string
	FIN           string
	Login         string
	DisplayName   string
	Roles         []string
	Agency        string
	Centre        string
	Email         string
	EmailVerified bool
	Phone         string
	PhoneVerified bool
	Lang          string // the language the person chose while signed in; "" until they do
	PasswordHash  string
	TOTPSecret    string
	TOTPEnabled   bool
	TOTPLastStep  int64
	Disabled      bool
	CreatedAt     time.Time
}

// Principal is the account as the web layer and authorization see it.
func (a *Account) Principal() *web.Principal {
	return &web.Principal{
		AccountID: a.ID,
		Subject:   a.Subject,
		Name:      a.DisplayName,
		Roles:     append([]string(nil), a.Roles...),
		FIN:       a.FIN,
		Agency:    a.Agency,
		Centre:    a.Centre,
	}
}

// PersonSubject is the subject of a person's account.
func PersonSubject(fin string) string { return "person:" + fin }

// StaffSubject is the subject of a staff account.
func StaffSubject(login string) string { return "staff:" + login }

var loginPattern = regexp.MustCompile(`^[a-z][a-z0-9._-]{1,63}$`)

// NormalizeLogin lowercases and trims a staff login; ok is false when it
// cannot be one.
func NormalizeLogin(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	return s, loginPattern.MatchString(s)
}

// Activity is one line of a person's activity history.
type Activity struct {
	At        time.Time
	Event     string // signin, signout, signout_all, signin_failed, service
	Method    string // demo, password, passkey, federation
	Address   string
	UserAgent string
	Detail    string
}
