package documents

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"sort"
	"strings"
	"time"

	"github.com/egov/egov/internal/lang"
)

// Result is the answer of a verification.
type Result struct {
	Status Status `json:"status"`
	// Reason is why a document (or its key) was revoked or suspended.
	Reason string `json:"reason,omitempty"`
	Number string `json:"number,omitempty"`
	Type   string `json:"type,omitempty"`
	// TypeName is known online only.
	TypeName lang.Text `json:"type_name,omitzero"`
	// Issuer is the issuing agency's slug, IssuerName its name (online).
	Issuer     string     `json:"issuer,omitempty"`
	IssuerName lang.Text  `json:"issuer_name,omitzero"`
	KID        string     `json:"kid,omitempty"`
	HolderName string     `json:"holder_name,omitempty"`
	Fields     []Field    `json:"fields,omitempty"`
	IssuedAt   *time.Time `json:"issued_at,omitempty"`
	ValidFrom  *time.Time `json:"valid_from,omitempty"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	// Document is the stored document, when one was found (online only).
	Document *Document `json:"-"`
}

// tokenOf takes the JWS out of what a QR code carries: a bare JWS, or the
// verification link with the JWS as its fragment
// (https://…/verify/NUMBER#JWS).
func tokenOf(input string) string {
	input = strings.TrimSpace(input)
	if i := strings.IndexByte(input, '#'); i >= 0 {
		return input[i+1:]
	}
	return input
}

// resultOf fills a result from verified claims.
func resultOf(c Claims, kid string) Result {
	r := Result{Status: Valid, Number: c.Number, Type: c.Type, Issuer: c.Issuer, KID: kid, HolderName: c.HolderName}
	iat, nbf := time.Unix(c.IssuedAt, 0).UTC(), time.Unix(c.NotBefore, 0).UTC()
	r.IssuedAt, r.ValidFrom = &iat, &nbf
	if c.Expires != 0 {
		exp := c.ExpiresAt()
		r.ValidUntil = &exp
	}
	keys := make([]string, 0, len(c.Data))
	for k := range c.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r.Fields = append(r.Fields, Field{Key: k, Value: c.Data[k]})
	}
	return r
}

// VerifyOffline checks a document's JWS (or a QR code's content: the
// verification link with the JWS as its fragment) against a public key
// set, without the store: valid, expired, revoked (its key is revoked),
// tampered (bad signature or malformed), or unknown (no such key). A
// document revoked or suspended by its issuer reads valid offline until
// the key set says otherwise: ask online for the current status.
func VerifyOffline(jws string, keys JWKS) (Result, error) {
	return verifyOffline(tokenOf(jws), keys, time.Now())
}

func verifyOffline(token string, keys JWKS, now time.Time) (Result, error) {
	p, err := parseJWS(token)
	if err != nil {
		return Result{Status: Tampered}, nil
	}
	k := keys.Key(p.Header.Kid)
	if k == nil {
		return Result{Status: Unknown, KID: p.Header.Kid}, nil
	}
	pub, err := k.PublicKey()
	if err != nil {
		return Result{Status: Unknown, KID: p.Header.Kid}, err
	}
	if !p.verify(pub) {
		return Result{Status: Tampered, KID: p.Header.Kid}, nil
	}
	c, err := p.claims()
	if err != nil {
		return Result{Status: Tampered, KID: p.Header.Kid}, nil
	}
	if c.Issuer != k.Agency {
		// A key signs for its own agency only.
		return Result{Status: Tampered, KID: p.Header.Kid}, nil
	}
	r := resultOf(c, k.Kid)
	switch {
	case k.Revoked != "":
		r.Status, r.Reason = Revoked, k.RevokeReason
	case c.Expires != 0 && !now.Before(c.ExpiresAt()):
		r.Status = Expired
	}
	return r, nil
}

// Verify checks a document given by its JWS (or a QR code's content) or
// by its number, against the store: the signature under the issuer's key,
// that the presented (or stored) payload is the one issued, and the
// document's current status.
func (s *Service) Verify(ctx context.Context, input string) (Result, error) {
	token := tokenOf(input)
	if strings.Count(token, ".") != 2 {
		return s.VerifyNumber(ctx, input)
	}
	p, err := parseJWS(token)
	if err != nil {
		return Result{Status: Tampered}, nil
	}
	c, err := p.claims()
	if err != nil {
		return Result{Status: Tampered}, nil
	}
	d, err := s.documentWhere(ctx, s.db, "number = $1", c.Number)
	if err != nil || d == nil {
		if k, _ := s.key(ctx, s.db, p.Header.Kid); err == nil && k == nil {
			return Result{Status: Unknown, KID: p.Header.Kid}, nil
		}
		if err == nil {
			// Signed by one of ours, yet never issued: check the signature
			// to tell a forgery from a lost record.
			set, jerr := s.JWKS(ctx)
			if jerr != nil {
				return Result{}, jerr
			}
			r, verr := verifyOffline(token, set, s.now())
			if verr == nil && r.Status != Tampered {
				r.Status = Unknown
			}
			return r, verr
		}
		return Result{}, err
	}
	return s.verifyStored(ctx, d, token)
}

// VerifyNumber checks the document with number (as typed): its stored
// record against its signature, and its status. A number egov never
// issued is Unknown.
func (s *Service) VerifyNumber(ctx context.Context, number string) (Result, error) {
	n := parseNumber(number)
	if n == "" {
		return Result{Status: Unknown}, nil
	}
	d, err := s.documentWhere(ctx, s.db, "number = $1", n)
	if err != nil || d == nil {
		return Result{Status: Unknown}, err
	}
	return s.verifyStored(ctx, d, d.JWS)
}

// verifyStored checks token against the store's document d.
func (s *Service) verifyStored(ctx context.Context, d *Document, token string) (Result, error) {
	now := s.now()
	k, err := s.key(ctx, s.db, d.KID)
	if err != nil {
		return Result{}, err
	}
	if k == nil {
		return Result{Status: Unknown, Number: d.Number}, nil
	}
	r, err := verifyOffline(token, JWKS{Keys: []JWK{k.JWK}}, now)
	if err != nil {
		return Result{}, err
	}
	if r.Status != Valid && r.Status != Expired {
		if r.Status == Unknown {
			r.Status = Tampered // signed by another key than the stored one
		}
		return Result{Status: r.Status, Number: d.Number, KID: r.KID}, nil
	}
	// The presented token must be the one issued, and the stored record
	// must still match what was signed.
	if token != d.JWS || d.Payload != string(canonicalOf(d.claims())) || string(payloadOf(token)) != d.Payload {
		return Result{Status: Tampered, Number: d.Number, KID: d.KID}, nil
	}
	r.Document = d
	r.TypeName, r.IssuerName, r.Fields = d.TypeName, s.AgencyName(d.Agency), d.Fields
	switch {
	case k.RevokedAt != nil:
		r.Status, r.Reason = Revoked, k.RevokeReason
	case d.Status == Revoked || d.Status == Suspended:
		r.Status, r.Reason = d.Status, d.Reason
	default:
		r.Status = d.State(now)
	}
	return r, nil
}

func canonicalOf(c Claims) []byte {
	b, err := c.canonical()
	if err != nil {
		return nil
	}
	return b
}

func payloadOf(token string) []byte {
	p, err := parseJWS(token)
	if err != nil {
		return nil
	}
	return p.Payload
}

// derive is HMAC-SHA256(key, label), a key for one purpose.
func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}
