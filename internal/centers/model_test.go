package centers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/egov/egov/internal/centers"
	"github.com/egov/egov/internal/web"
)

func at(hhmm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", "2026-03-16 "+hhmm, web.Baku)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func ptr(t time.Time) *time.Time { return &t }

// TestNext is the queue's order: due appointments (earliest first), then
// transfers to this desk, then walk-ins by priority rank and order of
// issue, then appointments not yet due; never a service the desk does not
// serve or a ticket transferred elsewhere.
func TestNext(t *testing.T) {
	now := at("11:00")
	desk := 2
	services := []string{"passport", "pension"}
	walkIn := func(id int64, service, issued string) centers.Candidate {
		return centers.Candidate{ID: id, Service: service, IssuedAt: at(issued)}
	}
	priority := func(c centers.Candidate, rank int) centers.Candidate { c.Rank = rank; return c }
	booked := func(c centers.Candidate, due string) centers.Candidate { c.DueAt = ptr(at(due)); return c }
	transfer := func(c centers.Candidate, to int) centers.Candidate { c.TransferTo = to; return c }
	tests := []struct {
		name    string
		waiting []centers.Candidate
		want    int64 // ID called, 0 for nobody
	}{
		{"EmptyQueue", nil, 0},
		{"FirstComeFirstServed", []centers.Candidate{walkIn(2, "passport", "10:05"), walkIn(1, "passport", "10:00")}, 1},
		{"SameTimeByID", []centers.Candidate{walkIn(7, "passport", "10:00"), walkIn(3, "passport", "10:00")}, 3},
		{"OtherServiceSkipped", []centers.Candidate{walkIn(1, "identity-card", "09:00"), walkIn(2, "pension", "10:00")}, 2},
		{"NothingForThisDesk", []centers.Candidate{walkIn(1, "identity-card", "09:00")}, 0},
		{"PriorityBeforeEarlierTicket", []centers.Candidate{walkIn(1, "passport", "09:00"), priority(walkIn(2, "passport", "10:30"), 10)}, 2},
		{"HigherRankFirst", []centers.Candidate{priority(walkIn(1, "passport", "09:00"), 5), priority(walkIn(2, "passport", "10:00"), 10)}, 2},
		{"SameRankByOrder", []centers.Candidate{priority(walkIn(2, "passport", "10:00"), 10), priority(walkIn(1, "passport", "09:00"), 10)}, 1},
		{"DueAppointmentBeforePriority", []centers.Candidate{priority(walkIn(1, "passport", "09:00"), 10), booked(walkIn(2, "pension", "10:50"), "11:00")}, 2},
		{"AppointmentNotYetDueWaits", []centers.Candidate{walkIn(1, "passport", "10:40"), booked(walkIn(2, "pension", "10:35"), "11:15")}, 1},
		{"EarlyAppointmentWhenNobodyElse", []centers.Candidate{booked(walkIn(2, "pension", "10:35"), "11:30"), booked(walkIn(1, "pension", "10:45"), "11:15")}, 1},
		{"TransferBeforeWalkInPriority", []centers.Candidate{priority(walkIn(1, "passport", "09:00"), 10), transfer(walkIn(2, "pension", "10:00"), 2)}, 2},
		{"TransferredAppointmentDueFirst", []centers.Candidate{transfer(walkIn(1, "passport", "09:00"), 2), transfer(booked(walkIn(2, "passport", "10:00"), "10:30"), 2)}, 2},
		{"EarliestDueFirst", []centers.Candidate{booked(walkIn(1, "passport", "10:40"), "10:45"), booked(walkIn(2, "pension", "10:30"), "10:30")}, 2},
		{"DueAppointmentBeforeTransfer", []centers.Candidate{transfer(walkIn(1, "identity-card", "09:00"), 2), booked(walkIn(2, "passport", "10:45"), "11:00")}, 2},
		{"TransferToThisDeskEvenOtherService", []centers.Candidate{walkIn(1, "passport", "09:00"), transfer(walkIn(2, "identity-card", "10:00"), 2)}, 2},
		{"TransferBeforePriority", []centers.Candidate{priority(walkIn(1, "passport", "09:00"), 10), transfer(walkIn(2, "passport", "10:00"), 2)}, 2},
		{"TransferElsewhereSkipped", []centers.Candidate{transfer(walkIn(1, "passport", "09:00"), 3), walkIn(2, "passport", "10:00")}, 2},
		{"DueAppointmentTransferredElsewhereSkipped", []centers.Candidate{transfer(booked(walkIn(1, "passport", "10:50"), "10:45"), 3), walkIn(2, "passport", "10:00")}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := centers.Next(tt.waiting, desk, services, now)
			var got int64
			if i >= 0 {
				got = tt.waiting[i].ID
			}
			if got != tt.want {
				t.Errorf("Next called %d, want %d", got, tt.want)
			}
			// Order agrees with Next.
			order := centers.Order(tt.waiting, desk, services, now)
			if (len(order) == 0) != (tt.want == 0) || len(order) > 0 && order[0].ID != tt.want {
				t.Errorf("Order = %v, want %d first", order, tt.want)
			}
		})
	}
}

func TestHoursSlots(t *testing.T) {
	h := centers.Hours{time.Monday: {Open: "09:00", Close: "18:00", LunchFrom: "13:00", LunchTo: "14:00"},
		time.Saturday: {Open: "10:00", Close: "11:00"}}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	slots := h.Slots(at("00:30"))
	if got, want := len(slots), 32; got != want {
		t.Fatalf("Monday has %d slots, want %d", got, want)
	}
	if got, want := slots[0], at("09:00"); !got.Equal(want) {
		t.Errorf("first slot %v, want %v", got, want)
	}
	if got, want := slots[len(slots)-1], at("17:45"); !got.Equal(want) {
		t.Errorf("last slot %v, want %v", got, want)
	}
	for _, s := range slots {
		if !s.Before(at("13:00")) && s.Before(at("14:00")) {
			t.Errorf("slot %v in the lunch break", s)
		}
	}
	if h.IsSlot(at("13:15")) || h.IsSlot(at("09:05")) || !h.IsSlot(at("14:00")) {
		t.Error("IsSlot wrong")
	}
	if got := h.Slots(at("10:00").AddDate(0, 0, 1)); got != nil {
		t.Errorf("Tuesday is closed, got %d slots", len(got))
	}
	if got := len(h.Slots(at("10:00").AddDate(0, 0, 5))); got != 4 {
		t.Errorf("Saturday has %d slots, want 4", got)
	}
	if h.OpenAt(at("13:30")) || !h.OpenAt(at("09:00")) || h.OpenAt(at("18:00")) {
		t.Error("OpenAt wrong")
	}
	bad := centers.Hours{time.Monday: {Open: "18:00", Close: "09:00"}}
	if bad.Validate() == nil {
		t.Error("closing before opening accepted")
	}
}

func TestParseCode(t *testing.T) {
	for in, want := range map[string]string{"7kqm-2x4b": "7KQM2X4B", " 7KQM 2X4B ": "7KQM2X4B", "7KQM2X4B": "7KQM2X4B",
		"7KQM-2X4": "", "7KQM-2X4B9": "", "0KQM-2X4B": "", "IKQM2X4B": "", "7KQM—2X4B": "", "": ""} {
		got, ok := centers.ParseCode(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseCode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for range 100 {
		c := centers.NewCode()
		if got, ok := centers.ParseCode(centers.FormatCode(c)); !ok || got != c {
			t.Fatalf("code %q does not read back: %q", c, got)
		}
	}
}

func TestParseTicketNumber(t *testing.T) {
	for in, want := range map[string]string{"A-017": "A-017", "a17": "A-017", "B-1": "B-001", "C-999": "C-999",
		"A-0": "", "A-1000": "", "1-017": "", "A--17": "", "A-+1": "", "": "", "AB-1": ""} {
		got, ok := centers.ParseTicketNumber(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseTicketNumber(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"7KQM-2X4B", "7kqm 2x4b", "", "ÀÉ", strings.Repeat("A", 41)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, ok := centers.ParseCode(s)
		if !ok {
			return
		}
		if len(code) != 8 {
			t.Fatalf("ParseCode(%q) = %q", s, code)
		}
		again, ok := centers.ParseCode(centers.FormatCode(code))
		if !ok || again != code {
			t.Fatalf("%q does not read back from %q", code, centers.FormatCode(code))
		}
	})
}

func FuzzParseTicketNumber(f *testing.F) {
	for _, s := range []string{"A-017", "a17", "Z-999", "A-0", "-", "A-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := centers.ParseTicketNumber(s)
		if !ok {
			return
		}
		if len(n) != 5 || n[1] != '-' {
			t.Fatalf("ParseTicketNumber(%q) = %q", s, n)
		}
		if again, ok := centers.ParseTicketNumber(n); !ok || again != n {
			t.Fatalf("%q does not read back", n)
		}
	})
}

// FuzzBookingForm fuzzes the booking form's fields as they are read.
func FuzzBookingForm(f *testing.F) {
	f.Add("2026-03-16T07:00:00Z", "2026-03-16", "3")
	f.Add("2026-03-16T07:00:00+04:00", "2026-13-01", "5")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, slot, day, score string) {
		if s, ok := centers.ParseSlot(slot); ok {
			if s.Location() != time.UTC {
				t.Fatalf("slot %q not in UTC", slot)
			}
			if again, ok := centers.ParseSlot(s.Format(time.RFC3339)); !ok || !again.Equal(s.Truncate(time.Second)) && !again.Equal(s) {
				t.Fatalf("slot %q does not read back", slot)
			}
		}
		if d, ok := centers.ParseDate(day); ok && d.Format("2006-01-02") != day {
			t.Fatalf("day %q read as %v", day, d)
		}
		if n, ok := centers.ParseScore(score); ok != (n >= 1 && n <= 5) {
			t.Fatalf("score %q read as %d, %v", score, n, ok)
		}
	})
}
