package gateway

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ClientID identifies a member, INSTANCE/CLASS/MEMBER, or one of its
// subsystems, INSTANCE/CLASS/MEMBER/SUBSYSTEM, as X-Road does.
type ClientID struct {
	Instance  string
	Class     string
	Member    string
	Subsystem string // empty for the member itself
}

// ServiceID identifies a service of a subsystem:
// INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICECODE[/VERSION].
type ServiceID struct {
	Provider ClientID // always a subsystem
	Code     string
	Version  string // optional
}

// maxPart is the longest identifier part accepted, in bytes.
const maxPart = 255

// ErrBadID is returned (wrapped) for every malformed identifier.
var ErrBadID = errors.New("gateway: malformed identifier")

// checkPart reports what is wrong with one identifier part. Parts are
// non-empty UTF-8 of at most 255 bytes without control characters,
// spaces or the characters X-Road reserves in identifiers (/ \ : ; %).
func checkPart(what, s string) error {
	if s == "" {
		return fmt.Errorf("%w: %s is empty", ErrBadID, what)
	}
	if len(s) > maxPart {
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrBadID, what, maxPart)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not UTF-8", ErrBadID, what)
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || strings.ContainsRune(`/\:;%`, r) || r == utf8.RuneError {
			return fmt.Errorf("%w: %s contains %q", ErrBadID, what, r)
		}
	}
	return nil
}

// Validate reports what is wrong with c.
func (c ClientID) Validate() error {
	for _, p := range [][2]string{{"instance", c.Instance}, {"member class", c.Class}, {"member code", c.Member}} {
		if err := checkPart(p[0], p[1]); err != nil {
			return err
		}
	}
	if c.Subsystem != "" {
		return checkPart("subsystem code", c.Subsystem)
	}
	return nil
}

// IsSubsystem reports whether c names a subsystem rather than a member.
func (c ClientID) IsSubsystem() bool { return c.Subsystem != "" }

// MemberID is the member c belongs to (c itself for a member).
func (c ClientID) MemberID() ClientID { c.Subsystem = ""; return c }

// String is the identifier as X-Road writes it, parts joined by "/".
func (c ClientID) String() string {
	// One concatenation each way: every exchange formats its IDs often.
	if c.Subsystem == "" {
		return c.Instance + "/" + c.Class + "/" + c.Member
	}
	return c.Instance + "/" + c.Class + "/" + c.Member + "/" + c.Subsystem
}

// Encoded is String with each part percent-encoded, as the X-Road-Client
// header and request URLs carry it.
func (c ClientID) Encoded() string { return c.escaped().String() }

// escaped is c with each part path-escaped (url.PathEscape returns a
// part that needs no escaping as it is, without allocating).
func (c ClientID) escaped() ClientID {
	return ClientID{Instance: url.PathEscape(c.Instance), Class: url.PathEscape(c.Class),
		Member: url.PathEscape(c.Member), Subsystem: url.PathEscape(c.Subsystem)}
}

// ParseClientID parses INSTANCE/CLASS/MEMBER[/SUBSYSTEM], each part
// percent-decoded, and validates it.
func ParseClientID(s string) (ClientID, error) {
	parts, err := splitParts(s)
	if err != nil {
		return ClientID{}, err
	}
	if len(parts) != 3 && len(parts) != 4 {
		return ClientID{}, fmt.Errorf("%w: want INSTANCE/CLASS/MEMBER[/SUBSYSTEM], got %d parts", ErrBadID, len(parts))
	}
	c := ClientID{Instance: parts[0], Class: parts[1], Member: parts[2]}
	if len(parts) == 4 {
		c.Subsystem = parts[3]
		if c.Subsystem == "" {
			return ClientID{}, fmt.Errorf("%w: subsystem code is empty", ErrBadID)
		}
	}
	return c, c.Validate()
}

// Validate reports what is wrong with s.
func (s ServiceID) Validate() error {
	if !s.Provider.IsSubsystem() {
		return fmt.Errorf("%w: a service belongs to a subsystem", ErrBadID)
	}
	if err := s.Provider.Validate(); err != nil {
		return err
	}
	if err := checkPart("service code", s.Code); err != nil {
		return err
	}
	if s.Version != "" {
		return checkPart("service version", s.Version)
	}
	return nil
}

// String is INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICECODE[/VERSION].
func (s ServiceID) String() string {
	if s.Version == "" {
		return s.Provider.String() + "/" + s.Code
	}
	return s.Provider.String() + "/" + s.Code + "/" + s.Version
}

// Encoded is String with each part percent-encoded.
func (s ServiceID) Encoded() string {
	return ServiceID{Provider: s.Provider.escaped(), Code: url.PathEscape(s.Code), Version: url.PathEscape(s.Version)}.String()
}

// Unversioned is s without its version: what the REST protocol's URL names.
func (s ServiceID) Unversioned() ServiceID { s.Version = ""; return s }

// ParseServiceID parses INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICECODE[/VERSION],
// each part percent-decoded, and validates it.
func ParseServiceID(str string) (ServiceID, error) {
	parts, err := splitParts(str)
	if err != nil {
		return ServiceID{}, err
	}
	if len(parts) != 5 && len(parts) != 6 {
		return ServiceID{}, fmt.Errorf("%w: want INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICECODE[/VERSION], got %d parts", ErrBadID, len(parts))
	}
	s := ServiceID{Provider: ClientID{Instance: parts[0], Class: parts[1], Member: parts[2], Subsystem: parts[3]}, Code: parts[4]}
	if len(parts) == 6 {
		s.Version = parts[5]
		if s.Version == "" {
			return ServiceID{}, fmt.Errorf("%w: service version is empty", ErrBadID)
		}
	}
	return s, s.Validate()
}

// splitParts splits an identifier on "/" and percent-decodes each part.
func splitParts(s string) ([]string, error) {
	if len(s) > 8*maxPart {
		return nil, fmt.Errorf("%w: too long", ErrBadID)
	}
	raw := strings.Split(s, "/")
	for i, p := range raw {
		d, err := url.PathUnescape(p)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadID, err)
		}
		raw[i] = d
	}
	return raw, nil
}
