package gateway

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// RequestHash is X-Road-Request-Hash as the REST protocol (§4.3) defines
// it: base64 of SHA512(SHA512(headers) + SHA512(body)), or of
// SHA512(headers) when there is no body. The protocol leaves the
// serialisation of "headers" open; egov's is the request line
// "METHOD /r1/{serviceId}{path}[?query]\r\n" followed by every header the
// provider receives, names lower-cased, sorted by name then value, each
// "name: value\r\n" (but Content-Length and Accept-Encoding, which the
// transport sets) — the same bytes on both security servers of an
// exchange, so the client's server can recompute and check it.
func RequestHash(method, target string, header http.Header, body []byte) string {
	type kv struct{ k, v string }
	all := make([]kv, 0, 2*len(header))
	for k, vs := range header {
		if unhashed[http.CanonicalHeaderKey(k)] {
			continue
		}
		lower := strings.ToLower(k)
		for _, v := range vs {
			all = append(all, kv{lower, v})
		}
	}
	slices.SortFunc(all, func(a, b kv) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	// Appended to one buffer, not concatenated line by line: every
	// exchange hashes its request on both security servers.
	b := make([]byte, 0, 1024)
	b = append(append(append(append(b, method...), ' '), target...), "\r\n"...)
	for _, h := range all {
		b = append(append(append(append(b, h.k...), ": "...), h.v...), "\r\n"...)
	}
	hh := sha512.Sum512(b)
	if len(body) == 0 {
		return base64.StdEncoding.EncodeToString(hh[:])
	}
	bh := sha512.Sum512(body)
	sum := sha512.Sum512(append(hh[:], bh[:]...))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// unhashed are the transport's own headers, which HTTP clients and
// servers add or drop on the way between two security servers.
var unhashed = map[string]bool{"Content-Length": true, "Accept-Encoding": true}

// BodyHash is base64 SHA-512 of a body, as the message log keeps it.
func BodyHash(body []byte) string {
	sum := sha512.Sum512(body)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// hopByHop are the headers the security server never passes on (§4.3
// "Filtered headers"), plus the caller's API key.
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade", "Host", "User-Agent", "Server", HeaderAPIKey}

// copyFiltered adds src's headers to dst but the hop-by-hop ones, those
// named in Connection, and drop (canonical names), sharing src's values:
// for an answer's headers, which are not used again.
func copyFiltered(dst, src http.Header, drop ...string) {
	named := src.Values("Connection")
	for k, vs := range src {
		if slices.Contains(hopByHop, k) || slices.Contains(drop, k) || namedIn(named, k) {
			continue
		}
		dst[k] = vs
	}
}

// namedIn reports whether the Connection header values name key.
func namedIn(connection []string, key string) bool {
	for _, c := range connection {
		for name := range strings.SplitSeq(c, ",") {
			if http.CanonicalHeaderKey(strings.TrimSpace(name)) == key {
				return true
			}
		}
	}
	return false
}

// filtered copies h without hop-by-hop headers, those named in
// Connection, and drop (the X-Road headers the server sets itself).
func filtered(h http.Header, drop ...string) http.Header {
	out := make(http.Header, len(h))
	copyFiltered(out, h, drop...)
	for k, vs := range out {
		out[k] = slices.Clone(vs)
	}
	return out
}

func jsonBytes(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
