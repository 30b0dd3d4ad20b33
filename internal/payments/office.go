package payments

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Baku is the time zone days are counted in.
var Baku = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Baku")
	if err != nil {
		return time.FixedZone("AZT", 4*3600)
	}
	return loc
}()

// Ledger lists an agency's ledger entries from from up to (not
// including) to.
func (s *Service) Ledger(ctx context.Context, agency string, from, to time.Time) ([]LedgerEntry, error) {
	return listLedger(ctx, s.db, `agency = $1 AND at >= $2 AND at < $3`, agency, from.UTC(), to.UTC())
}

// SummaryRow totals an agency's money for one day, budget code and
// service.
type SummaryRow struct {
	Day        string // YYYY-MM-DD in Baku
	BudgetCode string
	Service    string
	Paid       int64
	Refunded   int64 // positive
	Count      int
}

// Summarize totals entries by day, budget code and service.
func Summarize(entries []LedgerEntry) []SummaryRow {
	idx := map[[3]string]int{}
	var out []SummaryRow
	for _, e := range entries {
		k := [3]string{e.At.In(Baku).Format(time.DateOnly), e.BudgetCode, e.Service}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, SummaryRow{Day: k[0], BudgetCode: k[1], Service: k[2]})
		}
		if e.Amount < 0 {
			out[i].Refunded -= e.Amount
		} else {
			out[i].Paid += e.Amount
			out[i].Count++
		}
	}
	slices.SortFunc(out, func(a, b SummaryRow) int {
		return strings.Compare(a.Day+a.BudgetCode+a.Service, b.Day+b.BudgetCode+b.Service)
	})
	return out
}

// FormatAmount writes qəpik as manat with two decimals and a point.
func FormatAmount(q int64) string {
	sign := ""
	if q < 0 {
		sign, q = "-", -q
	}
	return fmt.Sprintf("%s%d.%02d", sign, q/100, q%100)
}

// ParseAmount reads manat written as digits with an optional point and
// exactly two decimals ("12", "12.30", "0.05"; no leading zeros) into
// qəpik, without floats.
func ParseAmount(s string) (int64, error) {
	bad := fmt.Errorf("payments: bad amount %q", s)
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || len(whole) > 1 && whole[0] == '0' || hasPoint && len(frac) != 2 {
		return 0, bad
	}
	var q int64
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, bad
		}
		q = q*10 + int64(c-'0')
	}
	if !hasPoint {
		q *= 100
	}
	return q, nil
}

// WriteCSV writes ledger entries as CSV.
func WriteCSV(w io.Writer, entries []LedgerEntry) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"at", "kind", "payment", "bill", "agency", "budget_code", "service", "amount"})
	for _, e := range entries {
		cw.Write([]string{e.At.In(Baku).Format(time.RFC3339), e.Kind, e.Payment, e.Bill, e.Agency, e.BudgetCode,
			csvSafe(e.Service), FormatAmount(e.Amount)})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// SettlementLine is one line of the provider's settlement file.
type SettlementLine struct {
	Line       int
	ProviderID string
	Reference  string
	Amount     int64
	Date       string // YYYY-MM-DD
}

// MaxSettlementLines bounds a settlement file.
const MaxSettlementLines = 100_000

// ParseSettlement reads a settlement file: a header
// "id,reference,amount,date", then one line per payment settled, the
// amount in manat with two decimals and the date as YYYY-MM-DD.
func ParseSettlement(r io.Reader) ([]SettlementLine, error) {
	cr := csv.NewReader(io.LimitReader(r, 20<<20))
	cr.FieldsPerRecord = 4
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("payments: settlement header: %w", err)
	}
	if strings.Join(head, ",") != "id,reference,amount,date" {
		return nil, errors.New("payments: settlement header must be id,reference,amount,date")
	}
	var out []SettlementLine
	for n := 2; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("payments: settlement line %d: %w", n, err)
		}
		if len(out) == MaxSettlementLines {
			return nil, errors.New("payments: settlement file too long")
		}
		amount, err := ParseAmount(rec[2])
		if err != nil {
			return nil, fmt.Errorf("payments: settlement line %d: %w", n, err)
		}
		if _, err := time.Parse(time.DateOnly, rec[3]); err != nil || rec[0] == "" {
			return nil, fmt.Errorf("payments: settlement line %d: bad id or date", n)
		}
		out = append(out, SettlementLine{Line: n, ProviderID: rec[0], Reference: rec[1], Amount: amount, Date: rec[3]})
	}
}

// Mismatch kinds.
const (
	MismatchAmount  = "amount"  // in the file and settled here, amounts differ
	MismatchMissing = "missing" // settled here, not in the file
	MismatchUnknown = "unknown" // in the file, not a payment settled here
)

// ReconLine is one line of a reconciliation report.
type ReconLine struct {
	Line       int // of the file; 0 for a payment missing from it
	ProviderID string
	Payment    string
	Expected   int64 // settled here
	Actual     int64 // in the file
	Mismatch   string
}

// Reconciliation matches a settlement file against settled payments.
type Reconciliation struct {
	From, To   string // the days the file covers
	Matched    []ReconLine
	Mismatches []ReconLine
}

// Reconcile matches the file's lines with the payments settled on the
// days it covers, line by line, and lists every mismatch.
func (s *Service) Reconcile(ctx context.Context, lines []SettlementLine) (*Reconciliation, error) {
	rep := &Reconciliation{}
	if len(lines) == 0 {
		return rep, nil
	}
	rep.From, rep.To = lines[0].Date, lines[0].Date
	for _, l := range lines {
		rep.From, rep.To = min(rep.From, l.Date), max(rep.To, l.Date)
	}
	from, _ := time.ParseInLocation(time.DateOnly, rep.From, Baku)
	to, _ := time.ParseInLocation(time.DateOnly, rep.To, Baku)
	// Bank transfers (SettleTransfer) never pass through the acquirer.
	settled, err := listPayments(ctx, s.db, `state = 'settled' AND settled_at >= $1 AND settled_at < $2 AND provider_id NOT LIKE 'transfer:%'`,
		from.UTC(), to.AddDate(0, 0, 1).UTC())
	if err != nil {
		return nil, err
	}
	inFile := map[string]bool{}
	for _, l := range lines {
		inFile[l.ProviderID] = true
		rl := ReconLine{Line: l.Line, ProviderID: l.ProviderID, Actual: l.Amount}
		p, err := paymentBy(ctx, s.db, "provider_id", l.ProviderID)
		switch {
		case err != nil || p.State != PaymentSettled:
			rl.Mismatch = MismatchUnknown
		case p.Amount != l.Amount:
			rl.Payment, rl.Expected, rl.Mismatch = p.Number, p.Amount, MismatchAmount
		default:
			rl.Payment, rl.Expected = p.Number, p.Amount
		}
		if rl.Mismatch == "" {
			rep.Matched = append(rep.Matched, rl)
		} else {
			rep.Mismatches = append(rep.Mismatches, rl)
		}
	}
	for _, p := range settled {
		if !inFile[p.ProviderID] {
			rep.Mismatches = append(rep.Mismatches, ReconLine{ProviderID: p.ProviderID, Payment: p.Number,
				Expected: p.Amount, Mismatch: MismatchMissing})
		}
	}
	return rep, nil
}
