package centers_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egov/egov/internal/lang"
)

func TestAdminEditsCentre(t *testing.T) {
	w := newWeb(t)
	ctx := context.Background()
	before, err := w.svc.Centre(ctx, "baku-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lang.All {
		c := w.client(t, "staff:admin", l)
		status, body, _ := c.get("/admin/centres")
		want(t, "list "+string(l), status, 200, body, "/admin/centres/baku-1")
		page(t, "admin list "+string(l), body)
		status, body, _ = c.get("/admin/centres/baku-1")
		want(t, "edit "+string(l), status, 200, body, `name="desk-6"`, `value="09:00"`)
		page(t, "admin edit "+string(l), body)
	}
	c := w.client(t, "staff:admin", lang.EN)
	_, body, _ := c.get("/admin/centres/baku-1")
	form := formOf(body)

	t.Run("ErrorsKeepWhatWasTyped", func(t *testing.T) {
		f := clone(form)
		f.Set("from-1", "19:00") // Monday opens after it closes
		f.Set("letter-passport", "A")
		f.Set("letter-identity-card", "A")
		status, body, _ := c.post("/admin/centres/baku-1", f)
		want(t, "bad hours", status, 422, body, "error-summary", "The opening time must come before", `value="19:00"`,
			"already used by another service", `href="#hours-1"`)
	})
	t.Run("FewerDesksAndLaterSaturday", func(t *testing.T) {
		f := clone(form)
		f.Set("desks", "2")
		f.Set("to-6", "16:00")
		f["desk-2"] = []string{"passport"}
		status, body, _ := c.post("/admin/centres/baku-1", f)
		want(t, "save", status, 303, body)
		after, err := w.svc.Centre(ctx, "baku-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(after.Desks) != 2 || strings.Join(after.Desk(2).Services, ",") != "passport" {
			t.Errorf("desks: %+v", after.Desks)
		}
		if after.Hours[time.Saturday].Close != "16:00" || len(after.Services) != len(before.Services) {
			t.Errorf("hours %+v, %d services", after.Hours[time.Saturday], len(after.Services))
		}
	})
	t.Run("DeskMustServeOfferedServices", func(t *testing.T) {
		f := clone(form)
		f.Del("offer-passport")
		f["desk-1"] = []string{"passport"}
		status, body, _ := c.post("/admin/centres/baku-1", f)
		want(t, "desk without offer", status, 422, body, "only services offered at the centre")
	})
	t.Run("BookedServiceStays", func(t *testing.T) {
		day := w.svc.Days(before)[1]
		slots := before.Hours.Slots(day)
		if _, err := w.svc.Book(ctx, tural, "baku-1", "passport", slots[0]); err != nil {
			t.Fatal(err)
		}
		f := clone(form)
		f.Del("offer-passport")
		for i := 1; i <= 6; i++ {
			f["desk-"+string(rune('0'+i))] = []string{"identity-card"}
		}
		status, body, _ := c.post("/admin/centres/baku-1", f)
		want(t, "withdraw booked service", status, 409, body, "booked for this service")
	})
	t.Run("PriorityRules", func(t *testing.T) {
		c.get("/admin/centres")
		status, body, _ := c.post("/admin/centres/priority", url.Values{"rank-senior": {"500"}, "min_age-senior": {"65"},
			"rank-disability": {"10"}, "min_age-disability": {"0"}})
		want(t, "bad rank", status, 422, body, "from 1 to 100", `value="500"`)
		status, body, _ = c.post("/admin/centres/priority", url.Values{"rank-senior": {"20"}, "min_age-senior": {"60"},
			"rank-disability": {"10"}, "min_age-disability": {"0"}})
		want(t, "rules", status, 303, body)
		rules, _ := w.svc.PriorityRules(ctx)
		if rules[0].Code != "senior" || rules[0].Rank != 20 || rules[0].MinAge != 60 {
			t.Errorf("rules: %+v", rules)
		}
	})
	t.Run("OnlyAdmins", func(t *testing.T) {
		for _, who := range []string{"staff:asan.operator", "person:3KCR8WN"} {
			if status, _, _ := w.client(t, who, lang.EN).get("/admin/centres"); status != 403 {
				t.Errorf("%s: %d, want 403", who, status)
			}
		}
	})
}

// formOf reads the named inputs of a page's form back as the browser
// would send them: text and time inputs with their values, and checked
// boxes.
func formOf(body string) url.Values {
	f := url.Values{}
	for _, m := range inputPattern.FindAllStringSubmatch(body, -1) {
		tag := m[0]
		name := attr(tag, "name")
		if name == "" || name == "csrf_token" || name == "redraw" {
			continue
		}
		if strings.Contains(tag, `type="checkbox"`) && !strings.Contains(tag, " checked") {
			continue
		}
		f.Add(name, attr(tag, "value"))
	}
	return f
}

var inputPattern = regexp.MustCompile(`<input [^>]*>`)

func attr(tag, name string) string {
	_, rest, ok := strings.Cut(tag, " "+name+`="`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

func clone(f url.Values) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	return out
}
