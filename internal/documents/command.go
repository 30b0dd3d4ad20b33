package documents

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// KeysPath is where the site publishes the public key set.
const KeysPath = "/.well-known/egov-document-keys.json"

// VerifyCommand is `egov verify`: it checks a document's JWS (or a QR
// code's content) offline against a public key set and prints the result.
//
//	egov verify -keys keys.json [JWS | QR content]
//	egov verify -url https://egov.az [JWS | QR content]
//
// Without an argument the JWS is read from standard input. The exit code
// is 0 for a valid document, 1 for any other answer, 2 when the command
// cannot check (bad usage, unreadable keys).
func VerifyCommand(args []string, stdout io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stdout)
	keysPath := fs.String("keys", "", "the public key set (JWKS) `file`")
	base := fs.String("url", "", "fetch the key set from the site at `base` URL ("+KeysPath+")")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (*keysPath == "") == (*base == "") || fs.NArg() > 1 {
		fmt.Fprintln(stdout, "usage: egov verify (-keys FILE | -url BASE) [JWS]")
		return 2
	}
	var input string
	if fs.NArg() == 1 {
		input = fs.Arg(0)
	} else {
		b, err := io.ReadAll(io.LimitReader(os.Stdin, MaxJWS+4096))
		if err != nil {
			fmt.Fprintln(stdout, "error: reading the JWS:", err)
			return 2
		}
		input = string(b)
	}
	set, err := loadKeys(*keysPath, *base)
	if err != nil {
		fmt.Fprintln(stdout, "error:", err)
		return 2
	}
	r, err := VerifyOffline(input, set)
	if err != nil {
		fmt.Fprintln(stdout, "error:", err)
		return 2
	}
	printResult(stdout, r)
	if r.Status != Valid {
		return 1
	}
	return 0
}

func loadKeys(path, base string) (JWKS, error) {
	var rd io.Reader
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return JWKS{}, err
		}
		defer f.Close()
		rd = f
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(base, "/")+KeysPath, nil)
		if err != nil {
			return JWKS{}, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return JWKS{}, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return JWKS{}, fmt.Errorf("fetching the key set: %s", resp.Status)
		}
		rd = resp.Body
	}
	var set JWKS
	if err := json.NewDecoder(io.LimitReader(rd, 4<<20)).Decode(&set); err != nil {
		return JWKS{}, fmt.Errorf("reading the key set: %w", err)
	}
	if len(set.Keys) == 0 {
		return JWKS{}, fmt.Errorf("the key set has no keys")
	}
	return set, nil
}

func printResult(w io.Writer, r Result) {
	fmt.Fprintf(w, "status:      %s\n", r.Status)
	if r.Reason != "" {
		fmt.Fprintf(w, "reason:      %s\n", r.Reason)
	}
	if r.Number == "" {
		return
	}
	fmt.Fprintf(w, "number:      %s\n", FormatNumber(r.Number))
	fmt.Fprintf(w, "type:        %s\n", r.Type)
	fmt.Fprintf(w, "issuer:      %s (key %s)\n", r.Issuer, r.KID)
	fmt.Fprintf(w, "holder:      %s\n", r.HolderName)
	if r.IssuedAt != nil {
		fmt.Fprintf(w, "issued:      %s\n", r.IssuedAt.Format(time.RFC3339))
	}
	if r.ValidFrom != nil {
		fmt.Fprintf(w, "valid from:  %s\n", r.ValidFrom.Format(time.RFC3339))
	}
	if r.ValidUntil != nil {
		fmt.Fprintf(w, "valid until: %s\n", r.ValidUntil.Format(time.RFC3339))
	}
	for _, f := range r.Fields {
		fmt.Fprintf(w, "  %s: %s\n", f.Key, f.Value)
	}
	if r.Status == Valid {
		fmt.Fprintln(w, "Checked offline: a revocation by the issuer shows only online, at the verification page.")
	}
}
