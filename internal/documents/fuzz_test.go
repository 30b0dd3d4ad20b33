package documents

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"
	"time"
)

// FuzzVerifyOffline feeds outside input (what a QR code or the API
// receives) to the JWS parser and verifier: it must never panic, and
// nothing but the genuine token may verify.
func FuzzVerifyOffline(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwk, _ := jwkOf(&key.PublicKey, "justice")
	c := Claims{Version: 1, Number: "7KM2Q9XA4", Type: "t", Issuer: "justice", HolderFIN: "5ZQX7KA", HolderName: "Ə",
		Lang: "az", Data: map[string]string{"a": "ş"}, IssuedAt: 1, NotBefore: 1}
	payload, _ := c.canonical()
	good, _ := signJWS(key, jwk.Kid, payload)
	set := JWKS{Keys: []JWK{jwk}}
	f.Add(good)
	f.Add("https://egov.test/verify/7KM2Q9XA4#" + good)
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJFUzI1NiIsImtpZCI6IngifQ..")
	f.Add(strings.Repeat(".", 3))
	f.Fuzz(func(t *testing.T, in string) {
		r, err := verifyOffline(tokenOf(in), set, time.Unix(2, 0))
		if err != nil {
			return
		}
		if r.Status == Valid && tokenOf(in) != good {
			// ECDSA signatures are malleable only as (r, n−s); the
			// fuzzer finding another valid form would be news.
			p, perr := parseJWS(tokenOf(in))
			if perr != nil || p.input != strings.Join(strings.Split(good, ".")[:2], ".") {
				t.Fatalf("%q verified", in)
			}
		}
	})
}

// FuzzParseShareToken feeds share tokens from URLs to their parser.
func FuzzParseShareToken(f *testing.F) {
	f.Add("s" + randomToken())
	f.Add(qrToken([]byte("secret"), 12, 29000000))
	f.Add("q1.2.AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("q-1.0.x")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		tok, ok := parseShareToken(in)
		if !ok {
			return
		}
		if tok.hash == "" && (tok.id <= 0 || tok.window < 0 || len(tok.mac) != 22) {
			t.Fatalf("%q parsed to %+v", in, tok)
		}
		if tok.hash == "" && qrToken([]byte("k"), tok.id, tok.window)[:len(in)-22] != in[:len(in)-22] {
			t.Fatalf("%q does not round-trip", in)
		}
	})
}
