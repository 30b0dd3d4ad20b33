package centers

import (
	"context"
	"database/sql"
	"math"
	"sort"
	"time"
)

// IndexWindow is how far back the service index looks.
const IndexWindow = 90 * 24 * time.Hour

// Criteria of the service index and their weights (summing to 1). Each
// criterion is scored 0–100:
//   - rating: the mean rating, 1 → 0 and 5 → 100;
//   - wait: the mean wait from arrival (or the appointment's time) to the
//     call, 0 minutes → 100, WaitZero minutes or more → 0;
//   - service: the mean time at the desk, ServiceTarget or less → 100,
//     three times that or more → 0;
//   - attendance: the share of called tickets whose holder came.
var Criteria = []Criterion{
	{Key: "rating", Weight: 0.4},
	{Key: "wait", Weight: 0.3},
	{Key: "service", Weight: 0.15},
	{Key: "attendance", Weight: 0.15},
}

// Criterion is one part of the index.
type Criterion struct {
	Key    string  `json:"key"`
	Weight float64 `json:"weight"`
}

// Scoring bounds.
const (
	WaitZero      = 60 * time.Minute
	ServiceTarget = 15 * time.Minute
)

// IndexRow is the index of one centre, agency or service.
type IndexRow struct {
	Level        string   `json:"level"` // centre, agency, service
	Key          string   `json:"key"`
	Visits       int      `json:"visits"`  // served tickets
	Ratings      int      `json:"ratings"` // ratings given
	MeanRating   *float64 `json:"mean_rating"`
	MeanWaitMin  *float64 `json:"mean_wait_minutes"`
	MeanServeMin *float64 `json:"mean_service_minutes"`
	NoShows      int      `json:"no_shows"`
	Scores       Scores   `json:"scores"`
	Score        *float64 `json:"score"` // weighted over the criteria that have data
}

// Scores are the criteria's scores, nil without data.
type Scores struct {
	Rating     *float64 `json:"rating"`
	Wait       *float64 `json:"wait"`
	Service    *float64 `json:"service"`
	Attendance *float64 `json:"attendance"`
}

type acc struct {
	visits, ratings, noShows, called, waits, serves int
	ratingSum, waitSum, serveSum                    float64
}

// Index computes the service index over the last IndexWindow per centre,
// agency and service, each level sorted by score, best first.
func (s *Service) Index(ctx context.Context) ([]IndexRow, error) {
	since := s.now().Add(-IndexWindow)
	accs := map[[2]string]*acc{}
	get := func(level, key string) *acc {
		k := [2]string{level, key}
		if accs[k] == nil {
			accs[k] = &acc{}
		}
		return accs[k]
	}
	rows, err := s.db.QueryContext(ctx, `SELECT centre, service, agency, status, issued_at, due_at, called_at, finished_at
		FROM centers_tickets WHERE issued_at >= $1 AND status IN ('served', 'no_show')`, since)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var centre, service, agency, status string
		var issued time.Time
		var due, called, finished sql.NullTime
		if err := rows.Scan(&centre, &service, &agency, &status, &issued, &due, &called, &finished); err != nil {
			rows.Close()
			return nil, err
		}
		for _, a := range []*acc{get("centre", centre), get("agency", agency), get("service", service)} {
			a.called++
			if status == NoShow {
				a.noShows++
				continue
			}
			a.visits++
			if called.Valid {
				from := issued
				if due.Valid && due.Time.After(from) {
					from = due.Time
				}
				a.waits++
				a.waitSum += math.Max(0, called.Time.Sub(from).Minutes())
				if finished.Valid {
					a.serves++
					a.serveSum += finished.Time.Sub(called.Time).Minutes()
				}
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT centre, service, agency, score FROM centers_ratings
		WHERE rated_at IS NOT NULL AND rated_at >= $1`, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var centre, service, agency string
		var score int
		if err := rows.Scan(&centre, &service, &agency, &score); err != nil {
			return nil, err
		}
		for _, a := range []*acc{get("centre", centre), get("agency", agency), get("service", service)} {
			a.ratings++
			a.ratingSum += float64(score)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []IndexRow
	for k, a := range accs {
		out = append(out, a.row(k[0], k[1]))
	}
	order := map[string]int{"centre": 0, "agency": 1, "service": 2}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Level != out[j].Level {
			return order[out[i].Level] < order[out[j].Level]
		}
		si, sj := -1.0, -1.0
		if out[i].Score != nil {
			si = *out[i].Score
		}
		if out[j].Score != nil {
			sj = *out[j].Score
		}
		if si != sj {
			return si > sj
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

func round1(f float64) *float64 {
	r := math.Round(f*10) / 10
	return &r
}

func clamp100(f float64) float64 { return math.Max(0, math.Min(100, f)) }

func (a *acc) row(level, key string) IndexRow {
	r := IndexRow{Level: level, Key: key, Visits: a.visits, Ratings: a.ratings, NoShows: a.noShows}
	if a.ratings > 0 {
		m := a.ratingSum / float64(a.ratings)
		r.MeanRating = round1(m)
		r.Scores.Rating = round1((m - 1) / 4 * 100)
	}
	if a.waits > 0 {
		m := a.waitSum / float64(a.waits)
		r.MeanWaitMin = round1(m)
		r.Scores.Wait = round1(clamp100(100 - m/WaitZero.Minutes()*100))
	}
	if a.serves > 0 {
		m := a.serveSum / float64(a.serves)
		r.MeanServeMin = round1(m)
		t := ServiceTarget.Minutes()
		r.Scores.Service = round1(clamp100(100 - (m-t)/(2*t)*100))
	}
	if a.called > 0 {
		r.Scores.Attendance = round1(float64(a.called-a.noShows) / float64(a.called) * 100)
	}
	var sum, weights float64
	for _, c := range Criteria {
		var v *float64
		switch c.Key {
		case "rating":
			v = r.Scores.Rating
		case "wait":
			v = r.Scores.Wait
		case "service":
			v = r.Scores.Service
		case "attendance":
			v = r.Scores.Attendance
		}
		if v != nil {
			sum += *v * c.Weight
			weights += c.Weight
		}
	}
	if weights > 0 {
		r.Score = round1(sum / weights)
	}
	return r
}

// Percent is the criterion's weight in per cent.
func (c Criterion) Percent() int { return int(math.Round(c.Weight * 100)) }
