package gateway

import (
	"strings"
	"sync"
)

// RecordKind says how the data tracker shows, in the reader's language,
// the records a provider names when it records its reads itself
// (RecordReads' what, kept as the provider wrote it): those equal to
// Record or, when Record ends in a space, beginning with it, the rest
// being the record's own reference (a number), passed to the message Key
// as Ref.
type RecordKind struct{ Record, Key string }

var recordKinds struct {
	sync.RWMutex
	list []RecordKind
}

// DescribeRecords registers the record kinds of a provider (its package
// does, when it starts). A record of no kind is shown as it was written.
func DescribeRecords(kinds ...RecordKind) {
	recordKinds.Lock()
	defer recordKinds.Unlock()
	recordKinds.list = append(recordKinds.list, kinds...)
}

// RecordName is how the tracker shows a read's record: through the
// message Key with its reference Ref when its kind is described, else as
// written (Text).
type RecordName struct{ Key, Ref, Text string }

// RecordName names the read's record (see RecordName).
func (r Read) RecordName() RecordName {
	if r.Record == "" {
		return RecordName{}
	}
	recordKinds.RLock()
	defer recordKinds.RUnlock()
	for _, k := range recordKinds.list {
		if k.Record == r.Record {
			return RecordName{Key: k.Key}
		}
		if strings.HasSuffix(k.Record, " ") {
			if ref, found := strings.CutPrefix(r.Record, k.Record); found && ref != "" {
				return RecordName{Key: k.Key, Ref: ref}
			}
		}
	}
	return RecordName{Text: r.Record}
}
