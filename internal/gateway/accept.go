package gateway

import (
	"strconv"
	"strings"
)

// wantsXML reads Accept header values and reports whether the client
// prefers XML (application/xml or text/xml) to JSON. JSON wins ties,
// wildcards and a missing or unreadable header, as the protocol's
// default is application/json.
func wantsXML(accept []string) bool {
	bestJSON, bestXML := -1.0, -1.0
	for _, value := range accept {
		for _, part := range strings.Split(value, ",") {
			typ, q := mediaRange(part)
			switch typ {
			case "application/json", "*/*", "application/*":
				bestJSON = max(bestJSON, q)
			case "application/xml", "text/xml":
				bestXML = max(bestXML, q)
			}
		}
	}
	return bestXML > 0 && bestXML > bestJSON
}

// mediaRange splits "type/sub;param;q=0.5" into the lower-case type and
// its quality (1 when absent, -1 when malformed).
func mediaRange(s string) (string, float64) {
	typ, params, _ := strings.Cut(s, ";")
	typ = strings.ToLower(strings.TrimSpace(typ))
	q := 1.0
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || f < 0 || f > 1 {
			return typ, -1
		}
		q = f
	}
	return typ, q
}

func bodyLabel(which, requestID string) string { return "body " + which + " " + requestID }
