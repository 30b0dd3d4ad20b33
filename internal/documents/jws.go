package documents

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// MaxJWS bounds a presented JWS, so outside input cannot make the parser
// work hard.
const MaxJWS = 16 << 10

// jwsType is the "typ" of a document's JWS header.
const jwsType = "egov-document+jws"

// Claims is a document's signed payload. Its canonical form is JSON with
// the keys sorted and no insignificant space (see canonical).
type Claims struct {
	Version    int               `json:"v"`
	Number     string            `json:"num"`
	Type       string            `json:"typ"`
	Issuer     string            `json:"iss"` // the agency's catalog slug
	HolderFIN  string            `json:"sub"`
	HolderName string            `json:"name"`
	Lang       string            `json:"lang"`
	Data       map[string]string `json:"data"`
	IssuedAt   int64             `json:"iat"`
	NotBefore  int64             `json:"nbf"`
	Expires    int64             `json:"exp,omitempty"` // 0: does not expire
}

// canonical encodes the claims as JSON with sorted keys: a map marshals
// its keys in order, and every nested object here is a map.
func (c Claims) canonical() ([]byte, error) {
	m := map[string]any{
		"v": c.Version, "num": c.Number, "typ": c.Type, "iss": c.Issuer, "sub": c.HolderFIN,
		"name": c.HolderName, "lang": c.Lang, "data": c.Data, "iat": c.IssuedAt, "nbf": c.NotBefore,
	}
	if c.Data == nil {
		m["data"] = map[string]string{}
	}
	if c.Expires != 0 {
		m["exp"] = c.Expires
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ExpiresAt is the end of validity, or the zero time.
func (c Claims) ExpiresAt() time.Time {
	if c.Expires == 0 {
		return time.Time{}
	}
	return time.Unix(c.Expires, 0).UTC()
}

type jwsHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ,omitempty"`
}

var b64 = base64.RawURLEncoding.Strict()

// signJWS makes the compact JWS (ES256) of payload under key kid.
func signJWS(key *ecdsa.PrivateKey, kid string, payload []byte) (string, error) {
	h, _ := json.Marshal(jwsHeader{Alg: "ES256", Kid: kid, Typ: jwsType})
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(payload)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64.EncodeToString(sig), nil
}

// errMalformed is a JWS that is not one.
var errMalformed = errors.New("documents: malformed JWS")

// parsedJWS is a compact JWS split and decoded, not yet verified.
type parsedJWS struct {
	Header  jwsHeader
	Payload []byte
	input   string
	sig     []byte
}

// parseJWS splits and decodes a compact JWS. It checks the form only: the
// algorithm must be ES256, the key id present, the signature 64 bytes.
func parseJWS(token string) (*parsedJWS, error) {
	if len(token) > MaxJWS {
		return nil, fmt.Errorf("%w: longer than %d bytes", errMalformed, MaxJWS)
	}
	if !base64URLDots(token) {
		return nil, fmt.Errorf("%w: a character outside base64url", errMalformed)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: want three parts", errMalformed)
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", errMalformed, err)
	}
	p := &parsedJWS{input: parts[0] + "." + parts[1]}
	if err := json.Unmarshal(hb, &p.Header); err != nil {
		return nil, fmt.Errorf("%w: header: %v", errMalformed, err)
	}
	if p.Header.Alg != "ES256" || p.Header.Kid == "" {
		return nil, fmt.Errorf("%w: want alg ES256 and a kid", errMalformed)
	}
	if p.Payload, err = b64.DecodeString(parts[1]); err != nil {
		return nil, fmt.Errorf("%w: payload: %v", errMalformed, err)
	}
	if p.sig, err = b64.DecodeString(parts[2]); err != nil || len(p.sig) != 64 {
		return nil, fmt.Errorf("%w: signature", errMalformed)
	}
	return p, nil
}

// verify checks the signature under pub.
func (p *parsedJWS) verify(pub *ecdsa.PublicKey) bool {
	if pub == nil || pub.Curve != elliptic.P256() {
		return false
	}
	sum := sha256.Sum256([]byte(p.input))
	r := new(big.Int).SetBytes(p.sig[:32])
	s := new(big.Int).SetBytes(p.sig[32:])
	return ecdsa.Verify(pub, sum[:], r, s)
}

// claims decodes the payload; a payload that is not the canonical form
// of its own claims is refused, so one document has one signed form.
func (p *parsedJWS) claims() (Claims, error) {
	var c Claims
	dec := json.NewDecoder(bytes.NewReader(p.Payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%w: payload: %v", errMalformed, err)
	}
	canon, err := c.canonical()
	if err != nil || !bytes.Equal(canon, p.Payload) {
		return c, fmt.Errorf("%w: payload is not canonical", errMalformed)
	}
	return c, nil
}

// base64URLDots reports whether s holds only base64url letters and dots:
// the decoder skips line breaks, which must not slip into a token.
func base64URLDots(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
