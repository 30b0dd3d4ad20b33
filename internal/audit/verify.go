package audit

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/egov/egov/internal/store"
)

// BrokenError says where the chain is broken: Seq is the first entry that
// is wrong or missing, Reason what is wrong with it.
type BrokenError struct {
	Seq    int64
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit: chain broken at seq %d: %s", e.Seq, e.Reason)
}

// verifyPage is how many entries Verify reads per query: memory stays
// flat however long the log, and no statement stays open for long.
const verifyPage = 1000

// Verify walks the chain from seq 1 up to the head in seq order and checks
// every entry: its seq follows the one before, its PrevHash is the hash of
// the one before (GenesisHash for the first), its Hash matches its
// contents, and the last entry is the one the head names. It returns how
// many entries it checked, and a *BrokenError naming the first bad seq:
//
//   - an altered entry: its own seq (hash mismatch);
//   - a deleted entry: the missing seq (gap);
//   - entries cut off the end: the first missing seq (the head is ahead
//     of the log).
//
// Entries appended while Verify runs, after the head it read at the start,
// are left for the next run. Other errors are the database's.
func Verify(ctx context.Context, db *store.DB) (checked int64, err error) {
	// Reading the head first means every entry up to it has committed
	// (the head and its entry commit together), whatever is appended while
	// the walk goes on.
	headSeq, headHash, err := Head(ctx, db)
	if err != nil {
		return 0, err
	}
	next, prev := int64(1), GenesisHash
	for next <= headSeq {
		n, err := verifyPageFrom(ctx, db, headSeq, &next, &prev)
		checked = next - 1
		if err != nil {
			return checked, err
		}
		if n == 0 {
			break
		}
	}
	if next <= headSeq {
		return checked, &BrokenError{Seq: next,
			Reason: fmt.Sprintf("missing: the log ends at seq %d but the head is at seq %d (entries deleted from the end)", next-1, headSeq)}
	}
	if prev != headHash {
		return headSeq - 1, &BrokenError{Seq: headSeq, Reason: "the head's hash is not the hash of this entry"}
	}
	return checked, nil
}

// verifyPageFrom checks up to verifyPage entries from *next, advancing
// *next and *prev past each good one.
func verifyPageFrom(ctx context.Context, db *store.DB, headSeq int64, next *int64, prev *string) (int, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+entryColumns+` FROM audit_log
		WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3`, *next, headSeq, verifyPage)
	if err != nil {
		return 0, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		e, detail, detailErr, err := scanEntry(rows)
		if err != nil {
			return n, fmt.Errorf("audit: verify: %w", err)
		}
		if e.Seq != *next {
			return n, &BrokenError{Seq: *next,
				Reason: fmt.Sprintf("missing: the entry after seq %d is seq %d (entry deleted)", *next-1, e.Seq)}
		}
		if detailErr != nil {
			return n, &BrokenError{Seq: e.Seq, Reason: "altered: detail is not a JSON object of strings: " + detailErr.Error()}
		}
		if canonical, _ := json.Marshal(e.Detail); string(canonical) != detail {
			return n, &BrokenError{Seq: e.Seq, Reason: "altered: detail is not as Append wrote it"}
		}
		if e.PrevHash != *prev {
			return n, &BrokenError{Seq: e.Seq,
				Reason: fmt.Sprintf("prev_hash is not the hash of seq %d (an entry was altered or replaced)", e.Seq-1)}
		}
		if ChainHash(e) != e.Hash {
			return n, &BrokenError{Seq: e.Seq, Reason: "altered: hash does not match the entry's contents"}
		}
		*prev = e.Hash
		*next++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("audit: verify: %w", err)
	}
	return n, nil
}
