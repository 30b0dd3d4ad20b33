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

// recordKind is the kind of record and its reference, or ok false.
func recordKind(record string) (k RecordKind, ref string, ok bool) {
	if record == "" {
		return RecordKind{}, "", false
	}
	recordKinds.RLock()
	defer recordKinds.RUnlock()
	for _, k := range recordKinds.list {
		if k.Record == record {
			return k, "", true
		}
		if strings.HasSuffix(k.Record, " ") {
			if rest, found := strings.CutPrefix(record, k.Record); found && rest != "" {
				return k, rest, true
			}
		}
	}
	return RecordKind{}, "", false
}

// RecordKey is the message key of the read's record, "" when its kind
// is not described (then Record is shown as it is).
func (r Read) RecordKey() string {
	k, _, _ := recordKind(r.Record)
	return k.Key
}

// RecordRef is the reference of the read's record within its kind (an
// application's number), "" when it has none.
func (r Read) RecordRef() string {
	_, ref, _ := recordKind(r.Record)
	return ref
}
