package gateway_test

import (
	"crypto/sha512"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/egov/egov/internal/gateway"
)

// X-Road-Request-Hash is the documented serialisation, byte for byte: the
// other security server of an exchange, maybe of another version,
// computes it too.
func TestRequestHashFormat(t *testing.T) {
	header := http.Header{"X-Road-Client": {"AZ/GOV/1000000010/portal"}, "Accept": {"application/json"},
		"X-Multi": {"b", "a"}, "Content-Length": {"7"}, "Accept-Encoding": {"gzip"}}
	lines := "GET /r1/AZ/GOV/1000000001/population/persons/5ZQX7KA?x=1\r\n" +
		"accept: application/json\r\nx-multi: a\r\nx-multi: b\r\nx-road-client: AZ/GOV/1000000010/portal\r\n"
	hh := sha512.Sum512([]byte(lines))
	if got, want := gateway.RequestHash("GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA?x=1", header, nil), base64.StdEncoding.EncodeToString(hh[:]); got != want {
		t.Errorf("without a body: %s, want %s", got, want)
	}
	bh := sha512.Sum512([]byte("{\"a\":1}"))
	sum := sha512.Sum512(append(hh[:], bh[:]...))
	if got, want := gateway.RequestHash("GET", "/r1/AZ/GOV/1000000001/population/persons/5ZQX7KA?x=1", header, []byte("{\"a\":1}")), base64.StdEncoding.EncodeToString(sum[:]); got != want {
		t.Errorf("with a body: %s, want %s", got, want)
	}
}
