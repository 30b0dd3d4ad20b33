package govstack

import (
	"net/http"
	"strings"
	"time"

	"github.com/egov/egov/internal/applications"
	"github.com/egov/egov/internal/catalog"
	"github.com/egov/egov/internal/errs"
	"github.com/egov/egov/internal/lang"
)

// Registration's statistics (registration-statistics-api.json): the
// decisions taken on applications, from their timelines. processed is
// every decision, approved, rejected and sentBack (more information
// asked for) each kind. registrationName picks the services whose name
// (in any language) or slug contains it; operator is who decided, exactly
// as the timeline names them (an official's name, a system's client id);
// role is the kind of decider: staff, api (a system) or system (egov
// itself). Dates are UTC days, endDate included; with a timeframe there
// is one item per day, week (from Monday), month or year that has
// decisions, else one total. The figures are of all agencies: they name
// no person.

type statistics struct {
	Processed  int            `json:"processed"`
	Approved   int            `json:"approved"`
	SentBack   int            `json:"sentBack"`
	Rejected   int            `json:"rejected"`
	References statisticsRefs `json:"references"`
}

type statisticsRefs struct {
	StartDate        string `json:"startDate,omitempty"`
	EndDate          string `json:"endDate,omitempty"`
	RegistrationName string `json:"registrationName,omitempty"`
	Operator         string `json:"operator,omitempty"`
	Role             string `json:"role,omitempty"`
	TimeframeDay     bool   `json:"timeframeDay"`
	TimeframeWeek    bool   `json:"timeframeWeek"`
	TimeframeMonth   bool   `json:"timeframeMonth"`
	TimeframeYear    bool   `json:"timeframeYear"`
}

var roles = map[string]string{"staff": applications.ActorStaff, "api": applications.ActorAPI, "system": applications.ActorSystem}

func (s *Service) statistics(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := applications.StatsFilter{ActorName: q.Get("operator"), Period: q.Get("timeframe")}
	v := errs.E(errs.Invalid, "govstack.error.bad_statistics")
	if d := q.Get("startDate"); d != "" {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			v.Field("startDate", "govstack.error.bad_date")
		}
		f.From = t
	}
	if d := q.Get("endDate"); d != "" {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			v.Field("endDate", "govstack.error.bad_date")
		}
		f.To = t.AddDate(0, 0, 1)
	}
	switch f.Period {
	case "", "day", "week", "month", "year":
	default:
		v.Field("timeframe", "govstack.error.bad_timeframe")
	}
	if role := q.Get("role"); role != "" {
		if f.ActorKind = roles[role]; f.ActorKind == "" {
			v.Field("role", "govstack.error.bad_role")
		}
	}
	if len(v.Fields) > 0 {
		s.fail(w, r, v)
		return
	}
	name := strings.ToLower(q.Get("registrationName"))
	if name != "" {
		f.Services = []string{}
		for _, svc := range s.catalog.Services(lang.Default, catalog.Filter{}) {
			if strings.Contains(strings.ToLower(svc.Slug+"\n"+strings.Join(svc.Name.All(), "\n")), name) {
				f.Services = append(f.Services, svc.Slug)
			}
		}
	}
	counts, err := s.apps.DecisionStats(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	refs := statisticsRefs{StartDate: q.Get("startDate"), EndDate: q.Get("endDate"), RegistrationName: q.Get("registrationName"),
		Operator: f.ActorName, Role: q.Get("role"), TimeframeDay: f.Period == "day", TimeframeWeek: f.Period == "week",
		TimeframeMonth: f.Period == "month", TimeframeYear: f.Period == "year"}
	out := []statistics{}
	if f.Period == "" && len(counts) == 0 {
		counts = []applications.DecisionCounts{{}}
	}
	for _, c := range counts {
		item := statistics{Processed: c.Processed(), Approved: c.Approved, SentBack: c.SentBack, Rejected: c.Rejected, References: refs}
		if f.Period != "" {
			// Each period's own dates.
			item.References.StartDate = c.Start.Format(time.DateOnly)
			item.References.EndDate = periodEnd(c.Start, f.Period).Format(time.DateOnly)
		}
		out = append(out, item)
	}
	answer(w, http.StatusOK, out)
}

// periodEnd is the last day of the period starting at start.
func periodEnd(start time.Time, period string) time.Time {
	switch period {
	case "week":
		return start.AddDate(0, 0, 6)
	case "month":
		return start.AddDate(0, 1, -1)
	case "year":
		return start.AddDate(1, 0, -1)
	}
	return start
}
