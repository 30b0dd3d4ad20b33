package identity

import (
	"context"
	"crypto/rand"
	"database/sql"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/egov/egov/internal/audit"
	"github.com/egov/egov/internal/errs"
)

// StaffRoles are the roles the platform admin grants to staff, in the
// order the admin pages show them.
var StaffRoles = []string{RoleAgencyOperator, RoleAgencySupervisor, RoleCentreOperator, RoleBorderOfficer, RoleAdmin, RoleAuditor}

// MinStaffPassword is the shortest initial password an admin may set.
const MinStaffPassword = 12

// StaffAccess is what a staff member may do and where: agency roles work
// within one agency, the centre operator within one centre.
type StaffAccess struct {
	Roles  []string
	Agency string // an agency slug of the catalog
	Centre string
}

// Validate reports what is wrong with the access: at least one staff role,
// an agency exactly when an agency role is held, a centre exactly when the
// centre operator role is. Whether the agency exists is for the caller,
// which knows the catalog.
func (a StaffAccess) Validate() error {
	var v errs.Validation
	a.check(&v)
	return v.Err()
}

func (a StaffAccess) check(v *errs.Validation) {
	if len(a.Roles) == 0 {
		v.Add("roles", "identity.error.roles_required")
	}
	for _, r := range a.Roles {
		if !slices.Contains(StaffRoles, r) {
			v.Add("roles", "identity.error.role_unknown")
			break
		}
	}
	agencyRole := slices.Contains(a.Roles, RoleAgencyOperator) || slices.Contains(a.Roles, RoleAgencySupervisor)
	switch {
	case agencyRole && a.Agency == "":
		v.Add("agency", "identity.error.agency_required")
	case !agencyRole && a.Agency != "":
		v.Add("agency", "identity.error.agency_unexpected")
	}
	centreRole := slices.Contains(a.Roles, RoleCentreOperator)
	switch {
	case centreRole && a.Centre == "":
		v.Add("centre", "identity.error.centre_required")
	case !centreRole && a.Centre != "":
		v.Add("centre", "identity.error.centre_unexpected")
	case len(a.Centre) > 64:
		v.Add("centre", "identity.error.centre_required")
	}
}

// normalize trims the access's texts and orders its roles as StaffRoles.
func (a StaffAccess) normalize() StaffAccess {
	var roles []string
	for _, r := range StaffRoles {
		if slices.Contains(a.Roles, r) {
			roles = append(roles, r)
		}
	}
	for _, r := range a.Roles { // unknown roles stay, for Validate to refuse
		if !slices.Contains(StaffRoles, r) && !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	return StaffAccess{Roles: roles, Agency: strings.TrimSpace(a.Agency), Centre: strings.TrimSpace(a.Centre)}
}

// ValidateNewStaff reports every problem of a staff member to create
// (login, name, initial password, access) without touching the store.
// Field names: login, name, password, roles, agency, centre.
func ValidateNewStaff(m StaffMember) error {
	var v errs.Validation
	if login, ok := NormalizeLogin(m.Login); !ok || login == "new" {
		v.Add("login", "identity.error.login")
	}
	if n := strings.TrimSpace(m.Name); n == "" || utf8.RuneCountInString(n) > 200 {
		v.Add("name", "identity.error.name_required")
	}
	if utf8.RuneCountInString(m.Password) < MinStaffPassword {
		v.Add("password", "identity.error.password_short")
	}
	StaffAccess{Roles: m.Roles, Agency: m.Agency, Centre: m.Centre}.normalize().check(&v)
	return v.Err()
}

// ListStaff lists every staff account, ordered by login.
func (s *Service) ListStaff(ctx context.Context) ([]*Account, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+accountColumns+` FROM identity_accounts WHERE kind = $1 ORDER BY login`, Staff)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, a)
	}
	return list, rows.Err()
}

// CreateStaff creates a staff account on behalf of actor (the admin's
// subject, "staff:<login>"). The account has no second factor yet: its
// holder signs in with the password and is sent to set one up. It returns
// an Invalid error with field errors (see ValidateNewStaff), or a Conflict
// on the login field when the login is taken.
func (s *Service) CreateStaff(ctx context.Context, actor string, m StaffMember) (*Account, error) {
	if err := ValidateNewStaff(m); err != nil {
		return nil, err
	}
	login, _ := NormalizeLogin(m.Login)
	access := StaffAccess{Roles: m.Roles, Agency: m.Agency, Centre: m.Centre}.normalize()
	hash, err := HashPassword(m.Password)
	if err != nil {
		return nil, err
	}
	var acct *Account
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var added bool
		var err error
		acct, added, err = insertAccount(ctx, tx, &Account{Kind: Staff, Subject: StaffSubject(login), Login: login,
			DisplayName: strings.TrimSpace(m.Name), Roles: access.Roles, Agency: access.Agency, Centre: access.Centre,
			PasswordHash: hash}, s.now())
		if err != nil {
			return err
		}
		if !added {
			return errs.E(errs.Conflict, "identity.error.login_taken").Field("login", "identity.error.login_taken")
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: actor, Action: "identity.staff.created", Object: acct.Subject,
			Detail: accessDetail(access)})
		return err
	})
	if err != nil {
		return nil, err
	}
	return acct, nil
}

func accessDetail(a StaffAccess) map[string]string {
	return map[string]string{"roles": strings.Join(a.Roles, ","), "agency": a.Agency, "centre": a.Centre}
}

// staffForUpdate finds the staff account with login in tx.
func staffForUpdate(ctx context.Context, tx *sql.Tx, login string) (*Account, error) {
	login, ok := NormalizeLogin(login)
	if !ok {
		return nil, errs.E(errs.NotFound, "identity.error.account_not_found")
	}
	a, err := findAccountBySubject(ctx, tx, StaffSubject(login))
	if err != nil {
		return nil, err
	}
	if a.Kind != Staff {
		return nil, errs.E(errs.NotFound, "identity.error.account_not_found")
	}
	return a, nil
}

// SetStaffAccess replaces the roles, agency and centre of the staff
// member with login. The change applies to their sessions at once. An
// admin cannot take the admin role from themselves (a Forbidden error on
// the roles field).
func (s *Service) SetStaffAccess(ctx context.Context, actor, login string, access StaffAccess) error {
	access = access.normalize()
	if err := access.Validate(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, err := staffForUpdate(ctx, tx, login)
		if err != nil {
			return err
		}
		if a.Subject == actor && slices.Contains(a.Roles, RoleAdmin) && !slices.Contains(access.Roles, RoleAdmin) {
			return errs.E(errs.Forbidden, "identity.error.own_admin").Field("roles", "identity.error.own_admin")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE identity_accounts SET roles = $1, agency = $2, centre = $3, updated_at = $4 WHERE id = $5`,
			strings.Join(access.Roles, ","), access.Agency, access.Centre, s.now(), a.ID); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: actor, Action: "identity.staff.access_changed", Object: a.Subject,
			Detail: accessDetail(access)})
		return err
	})
}

// SetStaffDisabled disables or enables the staff account with login.
// Disabling ends the account's sessions; a disabled account cannot sign
// in. An admin cannot disable themselves (Forbidden).
func (s *Service) SetStaffDisabled(ctx context.Context, actor, login string, disabled bool) error {
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, err := staffForUpdate(ctx, tx, login)
		if err != nil {
			return err
		}
		if disabled && a.Subject == actor {
			return errs.E(errs.Forbidden, "identity.error.own_disable")
		}
		id = a.ID
		if _, err := tx.ExecContext(ctx, `UPDATE identity_accounts SET disabled = $1, updated_at = $2 WHERE id = $3`, disabled, s.now(), a.ID); err != nil {
			return err
		}
		action := "identity.staff.enabled"
		if disabled {
			action = "identity.staff.disabled"
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: actor, Action: action, Object: a.Subject})
		return err
	})
	if err != nil || !disabled {
		return err
	}
	return s.sessions.EndAll(ctx, SessionSubject(id))
}

// ResetStaffTOTP removes the second factor of the staff member with login
// (secret and recovery codes) and ends their sessions: at their next
// password sign-in they must set up a new authenticator.
func (s *Service) ResetStaffTOTP(ctx context.Context, actor, login string) error {
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, err := staffForUpdate(ctx, tx, login)
		if err != nil {
			return err
		}
		id = a.ID
		if _, err := tx.ExecContext(ctx, `UPDATE identity_accounts SET totp_secret = '', totp_enabled = FALSE, totp_last_step = 0, updated_at = $1 WHERE id = $2`,
			s.now(), a.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM identity_recovery_codes WHERE account_id = $1`, a.ID); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: actor, Action: "identity.staff.totp_reset", Object: a.Subject})
		return err
	})
	if err != nil {
		return err
	}
	return s.sessions.EndAll(ctx, SessionSubject(id))
}

// passwordAlphabet leaves out look-alike characters (0/O, 1/l/I).
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// GeneratePassword returns a random initial password of 16 characters
// (about 92 bits), for an admin to hand over once.
func GeneratePassword() string {
	var b strings.Builder
	raw := make([]byte, 16)
	for b.Len() < 16 {
		rand.Read(raw)
		for _, c := range raw {
			// Reject the top of the byte range so every character is
			// equally likely.
			if int(c) < 256-256%len(passwordAlphabet) && b.Len() < 16 {
				b.WriteByte(passwordAlphabet[int(c)%len(passwordAlphabet)])
			}
		}
	}
	return b.String()
}
