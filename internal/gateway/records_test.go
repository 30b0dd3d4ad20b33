package gateway

import "testing"

// A record is of a kind when it equals the kind's record or, for a kind
// ending in a space, begins with it and has a reference after it.
func TestRecordKinds(t *testing.T) {
	DescribeRecords(RecordKind{Record: "Test kind ", Key: "test.kind"}, RecordKind{Record: "Test kinds", Key: "test.kinds"})
	for record, want := range map[string][2]string{
		"Test kind 7KM2Q9XA4": {"test.kind", "7KM2Q9XA4"},
		"Test kinds":          {"test.kinds", ""},
		"Test kind ":          {"test.kind", ""},
		"Test kind":           {"", ""},
		"Test kindness":       {"", ""},
		"":                    {"", ""},
	} {
		name := Read{Record: record}.RecordName()
		if got := [2]string{name.Key, name.Ref}; got != want {
			t.Errorf("%q: key and ref %q, want %q", record, got, want)
		}
	}
}
