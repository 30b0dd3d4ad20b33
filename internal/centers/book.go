package centers

import (
	"net/http"
	"net/url"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

type bookData struct {
	Centre  *Centre
	Names   map[string]lang.Text
	Service string
	Days    []time.Time
	Day     string // YYYY-MM-DD
	Slots   []SlotInfo
	Rebook  *Booking
}

// Label is the slot's time of day in Baku.
func (s SlotInfo) Label() string { return s.Start.In(web.Baku).Format("15:04") }

// Value is the slot as a form value.
func (s SlotInfo) Value() string { return s.Start.UTC().Format(time.RFC3339) }

// ParseSlot reads a slot's form value (RFC 3339).
func ParseSlot(s string) (time.Time, bool) {
	if len(s) > 40 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Year() < 2000 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// ParseDate reads a day (YYYY-MM-DD) as midnight in Baku.
func ParseDate(s string) (time.Time, bool) {
	if len(s) != 10 {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", s, web.Baku)
	return t, err == nil
}

func (h *HTTP) bookView(r *http.Request, c *Centre, service, day string, rebook *Booking) (*web.View, error) {
	d := bookData{Centre: c, Names: h.names(c), Service: service, Days: h.svc.Days(c), Rebook: rebook}
	if rebook != nil {
		d.Service = rebook.Service
	}
	if d.Service != "" && c.Offers(d.Service) {
		if day == "" && len(d.Days) > 0 {
			day = d.Days[0].Format("2006-01-02")
		}
		if t, ok := ParseDate(day); ok {
			d.Day = day
			slots, err := h.svc.Availability(r.Context(), c, d.Service, t)
			if err != nil {
				return nil, err
			}
			d.Slots = slots
		}
	} else {
		d.Service = ""
	}
	v := h.site.View(r, "centers.book.title", d)
	h.crumbs(v, c)
	return v, nil
}

func (h *HTTP) rebookOf(r *http.Request, code string) (*Booking, error) {
	if code == "" {
		return nil, nil
	}
	return h.svc.Booking(r.Context(), personOf(r), code)
}

func (h *HTTP) bookPage(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Centre(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	rebook, err := h.rebookOf(r, q.Get("rebook"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v, err := h.bookView(r, c, q.Get("service"), q.Get("day"), rebook)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "book", v)
}

func (h *HTTP) book(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Centre(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	r.ParseForm()
	service, day := r.PostFormValue("service"), r.PostFormValue("day")
	rebook, err := h.rebookOf(r, r.PostFormValue("rebook"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	var b *Booking
	start, ok := ParseSlot(r.PostFormValue("slot"))
	switch {
	case rebook == nil && !c.Offers(service):
		err = invalid("service", "centers.error.service")
	case !ok:
		err = invalid("slot", "centers.error.slot_choose")
	case rebook != nil:
		b, err = h.svc.Rebook(r.Context(), personOf(r), rebook.Code, start)
	default:
		b, err = h.svc.Book(r.Context(), personOf(r), c.Slug, service, start)
	}
	if err != nil {
		v, verr := h.bookView(r, c, service, day, rebook)
		if verr != nil {
			h.site.Error(w, r, verr)
			return
		}
		h.renderErr(w, r, err, v, "book")
		return
	}
	h.redirect(w, r, "/cabinet/bookings", url.Values{"booked": {b.Code}})
}

type bookingsData struct {
	Bookings []*Booking
	Centres  map[string]*Centre
	Names    map[string]lang.Text
	Booked   string
	Now      time.Time
	Tickets  map[int64]*Ticket
}

// CheckInOpen reports whether the booking can be checked in now.
func (d bookingsData) CheckInOpen(b *Booking) bool { return CanCheckIn(b, d.Now) }

// Upcoming reports whether the booking is still ahead and can be changed.
func (d bookingsData) Upcoming(b *Booking) bool { return b.Status == Booked && b.StartsAt.After(d.Now) }

func (h *HTTP) bookings(w http.ResponseWriter, r *http.Request) {
	p := personOf(r)
	list, err := h.svc.Bookings(r.Context(), p.AccountID)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	centres, err := h.svc.Centres(r.Context())
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := bookingsData{Bookings: list, Centres: map[string]*Centre{}, Names: map[string]lang.Text{}, Now: h.svc.now(),
		Tickets: map[int64]*Ticket{}}
	for _, c := range centres {
		d.Centres[c.Slug] = c
	}
	for _, b := range list {
		d.Names[b.Service] = h.serviceName(b.Service)
		if b.TicketID != 0 {
			if t, err := ticketByID(r.Context(), h.svc.db, b.TicketID); err == nil {
				d.Tickets[b.ID] = t
			}
		}
	}
	if code, ok := ParseCode(r.URL.Query().Get("booked")); ok {
		d.Booked = FormatCode(code)
	}
	v := h.site.View(r, "centers.bookings.title", d)
	v.Nav = "cabinet"
	v.Crumbs = []web.Crumb{{Label: v.T("identity.cabinet.title"), URL: "/cabinet"}, {Label: v.Title}}
	h.pages.Render(w, r, http.StatusOK, "bookings", v)
}

func (h *HTTP) cancel(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Cancel(r.Context(), personOf(r), r.PathValue("code")); err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.redirect(w, r, "/cabinet/bookings", nil)
}

func (h *HTTP) cabinetCheckin(w http.ResponseWriter, r *http.Request) {
	p := personOf(r)
	b, err := h.svc.Booking(r.Context(), p, r.PathValue("code"))
	if err == nil {
		_, err = h.svc.CheckIn(r.Context(), b.Centre, b.Code, p.AccountID)
	}
	if err != nil {
		e := errs.As(err)
		e.Fields = nil
		h.site.Error(w, r, e)
		return
	}
	h.redirect(w, r, "/cabinet/bookings", nil)
}
