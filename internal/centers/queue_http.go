package centers

import (
	_ "embed"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
	"github.com/egov/egov/internal/web"
)

type kioskData struct {
	Centre *Centre
	Names  map[string]lang.Text
	Rules  []PriorityRule
	Ticket *Ticket
	Wait   int // minutes
}

func (h *HTTP) kioskView(r *http.Request, c *Centre) (*web.View, error) {
	rules, err := h.svc.PriorityRules(r.Context())
	if err != nil {
		return nil, err
	}
	v := h.site.View(r, "centers.kiosk.title", &kioskData{Centre: c, Names: h.names(c), Rules: rules})
	h.crumbs(v, c)
	return v, nil
}

func (h *HTTP) kiosk(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Centre(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v, err := h.kioskView(r, c)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "kiosk", v)
}

func (h *HTTP) issue(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Centre(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v, err := h.kioskView(r, c)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	r.ParseForm()
	t, wait, err := h.svc.Issue(r.Context(), c.Slug, r.PostFormValue("service"), r.PostFormValue("priority"))
	if err != nil {
		h.renderErr(w, r, err, v, "kiosk")
		return
	}
	d := v.Data.(*kioskData)
	d.Ticket, d.Wait = t, int(math.Ceil(wait.Minutes()))
	v.Title = v.T("centers.ticket.title")
	h.crumbs(v, c)
	h.pages.Render(w, r, http.StatusOK, "ticket", v)
}

func (h *HTTP) checkin(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Centre(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v, err := h.kioskView(r, c)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	r.ParseForm()
	t, err := h.svc.CheckIn(r.Context(), c.Slug, r.PostFormValue("code"), 0)
	if err != nil {
		h.renderErr(w, r, err, v, "kiosk")
		return
	}
	wait, err := h.svc.EstimatedWait(r.Context(), c, t)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	d := v.Data.(*kioskData)
	d.Ticket, d.Wait = t, int(math.Ceil(wait.Minutes()))
	v.Title = v.T("centers.ticket.title")
	h.crumbs(v, c)
	h.pages.Render(w, r, http.StatusOK, "ticket", v)
}

//go:embed board.js
var boardJS []byte

// boardScript serves the board's progressive enhancement.
func (h *HTTP) boardScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(boardJS)
}

type boardData struct {
	Centre *Centre
	Calls  []Call
	Last   int64
}

func (h *HTTP) board(w http.ResponseWriter, r *http.Request) {
	c, err := h.svc.Centre(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	calls, err := h.svc.Board(r.Context(), c.Slug, 10)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	v := h.site.View(r, "centers.board.title", boardData{Centre: c, Calls: calls})
	h.crumbs(v, c)
	// Without JavaScript the board reloads itself every five seconds; the
	// Refresh header does it without the <meta> refresh that screen
	// readers announce and axe-core refuses.
	w.Header().Set("Refresh", "5")
	h.pages.Render(w, r, http.StatusOK, "board", v)
}

// boardEvents streams the centre's calls as server-sent events ("call",
// data {"id","number","desk","at"}). A call on this replica wakes the
// stream at once; calls made elsewhere are found by polling. A client
// reconnecting with Last-Event-ID gets the calls it missed.
func (h *HTTP) boardEvents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := h.svc.Centre(ctx, r.PathValue("slug"))
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	// The stream outlives the server's write timeout: each write moves
	// the deadline on. A stream that ends anyway is resumed by the browser
	// with Last-Event-ID.
	rc := http.NewResponseController(w)
	extend := func() { rc.SetWriteDeadline(time.Now().Add(time.Minute)) }
	extend()
	var last int64
	if id, err := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64); err == nil && id > 0 {
		last = id
	} else if latest, err := h.svc.Board(ctx, c.Slug, 1); err == nil && len(latest) > 0 {
		last = latest[0].ID
	}
	wake, stop := h.svc.board.subscribe(c.Slug)
	defer stop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n: connected\n\n")
	if err := rc.Flush(); err != nil {
		return
	}
	poll := time.NewTicker(h.PollInterval)
	defer poll.Stop()
	keepAlive := time.NewTicker(20 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-keepAlive.C:
			extend()
			fmt.Fprint(w, ": ping\n\n")
			if err := rc.Flush(); err != nil {
				return
			}
			continue
		case <-wake:
		case <-poll.C:
		}
		calls, err := h.svc.CallsSince(ctx, c.Slug, last)
		if err != nil {
			return
		}
		if len(calls) > 0 {
			extend()
		}
		for _, call := range calls {
			fmt.Fprintf(w, "id: %d\nevent: call\ndata: {\"id\":%d,\"number\":%q,\"desk\":%d,\"at\":%q}\n\n",
				call.ID, call.ID, call.Number, call.Desk, call.At.Format(time.RFC3339))
			last = call.ID
		}
		if len(calls) > 0 {
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}

type deskData struct {
	Centre  *Centre
	Names   map[string]lang.Text
	Desk    *Desk
	Current *Ticket
	Queue   []*Ticket
	Rules   map[string]lang.Text
	Outcome *Outcome
	Rating  string
}

func (h *HTTP) deskView(r *http.Request, desk int) (*web.View, error) {
	op := operatorOf(r)
	c, err := h.svc.Centre(r.Context(), op.Centre)
	if err != nil {
		return nil, errs.E(errs.Forbidden, "centers.error.no_centre")
	}
	d := &deskData{Centre: c, Names: h.names(c), Desk: c.Desk(desk), Rules: map[string]lang.Text{}}
	rules, err := h.svc.PriorityRules(r.Context())
	if err != nil {
		return nil, err
	}
	for _, rule := range rules {
		d.Rules[rule.Code] = rule.Name
	}
	if d.Desk != nil {
		if d.Current, err = h.svc.Current(r.Context(), c.Slug, desk); err != nil {
			return nil, err
		}
		if d.Queue, err = h.svc.Queue(r.Context(), c, desk); err != nil {
			return nil, err
		}
	}
	v := h.site.View(r, "centers.desk.title", d)
	v.Crumbs = []web.Crumb{{Label: v.Text(c.Name), URL: "/centers/" + c.Slug}, {Label: v.Title}}
	return v, nil
}

func (h *HTTP) desk(w http.ResponseWriter, r *http.Request) {
	desk, _ := atoiField(r.URL.Query().Get("desk"))
	v, err := h.deskView(r, desk)
	if err != nil {
		h.site.Error(w, r, err)
		return
	}
	h.pages.Render(w, r, http.StatusOK, "desk", v)
}

func (h *HTTP) deskAction(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	desk, _ := atoiField(r.PostFormValue("desk"))
	op := operatorOf(r)
	var err error
	var out *Outcome
	switch strings.TrimPrefix(r.URL.Path, "/centers/desk/") {
	case "call":
		_, err = h.svc.CallNext(r.Context(), op, desk)
	case "recall":
		_, err = h.svc.Recall(r.Context(), op, desk)
	case "noshow":
		_, err = h.svc.NoShow(r.Context(), op, desk)
	case "transfer":
		to, _ := atoiField(r.PostFormValue("to"))
		_, err = h.svc.Transfer(r.Context(), op, desk, to)
	case "serve":
		out, err = h.svc.Serve(r.Context(), op, desk, r.PostFormValue("fin"), r.PostFormValue("consent") == "yes")
	default:
		h.site.NotFound(w, r)
		return
	}
	if err != nil {
		v, verr := h.deskView(r, desk)
		if verr != nil {
			h.site.Error(w, r, verr)
			return
		}
		h.renderErr(w, r, err, v, "desk")
		return
	}
	if out != nil {
		v, err := h.deskView(r, desk)
		if err != nil {
			h.site.Error(w, r, err)
			return
		}
		d := v.Data.(*deskData)
		d.Outcome = out
		d.Rating = "/centers/rate/" + out.RatingToken
		h.pages.Render(w, r, http.StatusOK, "desk", v)
		return
	}
	h.redirect(w, r, "/centers/desk", url.Values{"desk": {strconv.Itoa(desk)}})
}
