// Package documents is what egov issues: certificates, licences, visas,
// receipts. Every document is signed by its issuing agency's key (ECDSA
// P-256, a compact JWS with ES256) over a canonical payload, carries a
// human-friendly number, and can be verified by anyone: online at
// /verify/{number} and /api/v1/documents/{number}/verification, and
// offline against the public key set published at
// /.well-known/egov-document-keys.json (VerifyOffline, the `egov verify`
// command). A person holds their documents in the cabinet, downloads them
// as A4 PDFs with a QR code, and shares one for a limited time.
//
// The QR code carries BaseURL/verify/NUMBER#JWS: a phone's camera opens
// the verification page (the fragment never reaches the server), and an
// offline verifier takes the JWS from after the "#". A document whose
// link and JWS together pass MaxQRContent (1800 bytes, a version-30-ish
// code at error correction M) carries the link alone.
//
// Keys: one signing key per agency at a time (ECDSA P-256, kid = a
// shortened RFC 7638 thumbprint), made on the agency's first document;
// Rotate retires it (it stays published for verification); RevokeKey
// makes everything it signed read revoked. Private keys are PKCS #8
// sealed with AES-256-GCM under Config.KeyEncryptionKey.
package documents

import (
	"strings"
	"time"

	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/refnum"
)

// Status is what a document's verification answers.
type Status string

const (
	// Valid: signed by a known, unrevoked key, unchanged, in force.
	Valid Status = "valid"
	// Suspended: the issuer has put the document on hold; it may be
	// reinstated.
	Suspended Status = "suspended"
	// Revoked: the issuer has withdrawn the document (with a reason), or
	// the key that signed it has been revoked.
	Revoked Status = "revoked"
	// Expired: past its ValidUntil.
	Expired Status = "expired"
	// Tampered: the signature does not match what was presented.
	Tampered Status = "tampered"
	// Unknown: no such document, or signed by a key nobody knows.
	Unknown Status = "unknown"
)

// Field is one item of a document's data, with its label in the three
// languages. The key and value are what is signed; the label is how the
// field is shown.
type Field struct {
	Key   string    `json:"key"`
	Label lang.Text `json:"label"`
	Value string    `json:"value"`
}

// Issue is what a module asks to issue.
type Issue struct {
	// Type is the kind of document, e.g. "birth_certificate"; TypeName
	// its name in the three languages (defaults to Type).
	Type     string
	TypeName lang.Text
	// Agency is the issuing agency's catalog slug; its key signs.
	Agency string
	// HolderFIN is the holder's FIN or, for a foreigner (who has none),
	// their account subject, e.g. "foreigner:GBR:533401372".
	HolderFIN  string
	HolderName string
	// Lang is the holder's language, the PDF's.
	Lang lang.Lang
	// Fields are the document's data in the order shown.
	Fields     []Field
	ValidFrom  time.Time
	ValidUntil time.Time // zero: does not expire
	// IdempotencyKey makes a repeated request return the first
	// document; required.
	IdempotencyKey string
}

// Document is one issued document.
type Document struct {
	ID         int64
	Number     string
	Type       string
	TypeName   lang.Text
	Agency     string
	HolderFIN  string
	HolderName string
	Lang       lang.Lang
	Fields     []Field
	ValidFrom  time.Time
	ValidUntil *time.Time
	IssuedAt   time.Time
	// Payload is the canonical JSON that JWS signs.
	Payload string
	JWS     string
	KID     string
	// Status is the stored status: valid, suspended or revoked; expiry
	// is computed (see State).
	Status    Status
	Reason    string
	UpdatedAt time.Time
}

// State is the document's status at now: the stored one, or expired when
// a valid document's ValidUntil has passed.
func (d *Document) State(now time.Time) Status {
	if d.Status == Valid && d.ValidUntil != nil && !now.Before(*d.ValidUntil) {
		return Expired
	}
	return d.Status
}

// Ref is the number grouped for reading.
func (d *Document) Ref() string { return FormatNumber(d.Number) }

// Field returns the value of the field key, or "".
func (d *Document) Field(key string) string {
	for _, f := range d.Fields {
		if f.Key == key {
			return f.Value
		}
	}
	return ""
}

// RegistryDocument is a document a base registry holds about a person: an
// identity card, a driving licence, a vehicle registration. egov shows
// them but does not sign them.
type RegistryDocument struct {
	Kind       string    // e.g. "identity_card", "driving_licence", "vehicle_registration"
	Name       lang.Text // how the document is called
	Number     string
	Issuer     lang.Text
	IssuedOn   time.Time
	ValidUntil *time.Time
	Fields     []Field
}

// FormatNumber groups a document number in threes: 7KM-2Q9-XA4.
func FormatNumber(n string) string { return refnum.Format(n) }

// cleanKey trims what a caller passes as an identifier.
func cleanKey(s string) string { return strings.TrimSpace(s) }
