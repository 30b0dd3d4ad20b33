package gateway_test

import (
	"errors"
	"testing"

	"github.com/egov/egov/internal/gateway"
)

func TestParseClientID(t *testing.T) {
	tests := []struct {
		name, in string
		want     gateway.ClientID
		err      bool
	}{
		{name: "Subsystem", in: "AZ/GOV/1000000010/portal", want: gateway.ClientID{Instance: "AZ", Class: "GOV", Member: "1000000010", Subsystem: "portal"}},
		{name: "Member", in: "AZ/COM/1700123451", want: gateway.ClientID{Instance: "AZ", Class: "COM", Member: "1700123451"}},
		{name: "SpecExample", in: "INSTANCE/CLASS1/MEMBER1/SUBSYSTEM1", want: gateway.ClientID{Instance: "INSTANCE", Class: "CLASS1", Member: "MEMBER1", Subsystem: "SUBSYSTEM1"}},
		{name: "PercentEncodedUTF8", in: "AZ/GOV/1/%C9%99hali", want: gateway.ClientID{Instance: "AZ", Class: "GOV", Member: "1", Subsystem: "əhali"}},
		{name: "ErrTooFewParts", in: "AZ/GOV", err: true},
		{name: "ErrTooManyParts", in: "AZ/GOV/1/a/b", err: true},
		{name: "ErrEmptyPart", in: "AZ//1/a", err: true},
		{name: "ErrTrailingSlash", in: "AZ/GOV/1/", err: true},
		{name: "ErrEmpty", in: "", err: true},
		{name: "ErrEncodedSlash", in: "AZ/GOV/1/a%2Fb", err: true},
		{name: "ErrSpace", in: "AZ/GOV/1/a b", err: true},
		{name: "ErrBadEscape", in: "AZ/GOV/1/%zz", err: true},
		{name: "ErrControl", in: "AZ/GOV/1/a%0Ab", err: true},
		{name: "ErrColon", in: "AZ/GOV/1/a:b", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gateway.ParseClientID(tt.in)
			if tt.err {
				if !errors.Is(err, gateway.ErrBadID) {
					t.Fatalf("ParseClientID(%q) = %v, %v; want ErrBadID", tt.in, got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if back, err := gateway.ParseClientID(got.Encoded()); err != nil || back != got {
				t.Errorf("round trip via %q: %+v, %v", got.Encoded(), back, err)
			}
		})
	}
}

func TestParseServiceID(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
		version  string
		err      bool
	}{
		{name: "Service", in: "AZ/GOV/1000000001/population/persons", want: "AZ/GOV/1000000001/population/persons"},
		{name: "Versioned", in: "AZ/GOV/1000000001/population/persons/v1", want: "AZ/GOV/1000000001/population/persons/v1", version: "v1"},
		{name: "SpecExample", in: "INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/BARSERVICE", want: "INSTANCE/CLASS2/MEMBER2/SUBSYSTEM2/BARSERVICE"},
		{name: "ErrNoSubsystem", in: "AZ/GOV/1000000001/persons", err: true},
		{name: "ErrTooMany", in: "AZ/GOV/1/a/b/c/d", err: true},
		{name: "ErrEmptyCode", in: "AZ/GOV/1/a//v1", err: true},
		{name: "ErrEmptyVersion", in: "AZ/GOV/1/a/b/", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gateway.ParseServiceID(tt.in)
			if tt.err {
				if !errors.Is(err, gateway.ErrBadID) {
					t.Fatalf("ParseServiceID(%q) = %v, %v; want ErrBadID", tt.in, got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want || got.Version != tt.version {
				t.Errorf("got %q version %q, want %q version %q", got, got.Version, tt.want, tt.version)
			}
			if got.Unversioned().Version != "" {
				t.Error("Unversioned kept the version")
			}
		})
	}
}

// FuzzParseID: whatever parses is valid, and formats and parses back to
// itself, in both the plain and the percent-encoded form.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"AZ/GOV/1000000010/portal", "AZ/COM/1700123451", "AZ/GOV/1/population/persons/v1",
		"AZ/GOV/1/%C9%99hali", "a/b/c/%2F", "//", "AZ/GOV/1/x\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, err := gateway.ParseClientID(s); err == nil {
			if err := c.Validate(); err != nil {
				t.Fatalf("parsed %q but invalid: %v", s, err)
			}
			for _, form := range []string{c.String(), c.Encoded()} {
				back, err := gateway.ParseClientID(form)
				if err != nil || back != c {
					t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, c, form, back, err)
				}
			}
		}
		if id, err := gateway.ParseServiceID(s); err == nil {
			for _, form := range []string{id.String(), id.Encoded()} {
				back, err := gateway.ParseServiceID(form)
				if err != nil || back != id {
					t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, id, form, back, err)
				}
			}
		}
	})
}
