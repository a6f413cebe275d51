package backtest

import (
	"fmt"
	"math"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// Rolling-origin validation (Tashman 2000): the plan's risk is predicted by
// planning, inside the data, on the days before an origin and replaying the
// days after it, at several origins.
const (
	// RiskTestDays is the length of each replayed window: one week, the
	// shortest window that holds every weekday.
	RiskTestDays = 7
	// RiskMinTrainDays is the least training before an origin: one week.
	RiskMinTrainDays = 7
	// RiskMaxOrigins is the most origins run (each is a full plan).
	RiskMaxOrigins = 3
)

// RiskOrigins returns the origins of a rolling-origin validation of data
// from first to last: the ends of the last RiskMaxOrigins whole weeks, as
// long as at least RiskMinTrainDays of data come before each, earliest
// first. Origins are UTC midnights.
func RiskOrigins(first, last time.Time) []time.Time {
	week := RiskTestDays * 24 * time.Hour
	end := last.UTC().Truncate(24 * time.Hour) // the last whole day ends here
	minTrain := SplitInstant(first, RiskMinTrainDays*24*time.Hour)
	var out []time.Time
	for k := 1; k <= RiskMaxOrigins; k++ {
		o := end.Add(-time.Duration(k) * week)
		if o.Before(minTrain) {
			break
		}
		out = append([]time.Time{o}, out...)
	}
	return out
}

// OriginRun plans on the data before origin and replays [origin, origin +
// RiskTestDays) against the plan; it returns the plan's host count (without
// HA) and the replay.
type OriginRun func(origin, testEnd time.Time) (hosts int, o Outcome, err error)

// PredictRisk runs every origin and scales each replay's host-minutes to 30
// days: the prediction is their mean, the range their lowest and highest.
func PredictRisk(origins []time.Time, run OriginRun, first time.Time) (model.RiskPrediction, error) {
	p := model.RiskPrediction{
		Method:  fmt.Sprintf("rolling origin: at each of the last %d week boundaries with at least %d days of data before it, the same settings plan on the data before the boundary and the %d days after it are replayed; host-minutes per 30 days", RiskMaxOrigins, RiskMinTrainDays, RiskTestDays),
		Origins: []model.RiskOrigin{},
	}
	if len(origins) == 0 {
		p.Note = fmt.Sprintf("no prediction: it needs at least %d days of data (%d to plan on, %d to replay)", RiskMinTrainDays+RiskTestDays, RiskMinTrainDays, RiskTestDays)
		return p, nil
	}
	ceil := make([]float64, 0, len(origins))
	full := make([]float64, 0, len(origins))
	for _, o := range origins {
		end := o.Add(RiskTestDays * 24 * time.Hour)
		hosts, out, err := run(o, end)
		if err != nil {
			return p, fmt.Errorf("risk origin %s: %w", o.Format(time.DateOnly), err)
		}
		days := out.ObservedMinutes / (24 * 60)
		if days <= 0 {
			continue
		}
		scale := 30 / days
		ceil = append(ceil, out.OverloadMinutes*scale)
		full = append(full, out.OverCapacityMinutes*scale)
		p.WorstOverloadPct = math.Max(p.WorstOverloadPct, out.WorstOverloadPct)
		p.Origins = append(p.Origins, model.RiskOrigin{
			TrainEnd: o.Format(time.RFC3339), TestEnd: end.Format(time.RFC3339),
			TrainDays: round6(o.Sub(first).Hours() / 24), TestDays: round6(days), Hosts: hosts,
			OverCeilingMinutes: out.OverloadMinutes, OverCapacityMinutes: out.OverCapacityMinutes, WorstOverloadPct: out.WorstOverloadPct,
		})
	}
	if len(ceil) == 0 {
		p.Note = "no prediction: no origin had data to replay"
		return p, nil
	}
	p.OverCeilingMinutesPerMonth = riskRange(ceil)
	p.OverCapacityMinutesPerMonth = riskRange(full)
	if len(ceil) < 2 {
		p.Note = "one origin only: the range is that origin's figure"
	}
	return p, nil
}

func riskRange(x []float64) model.RiskRange {
	r := model.RiskRange{Low: math.Inf(1), High: math.Inf(-1)}
	s := 0.0
	for _, v := range x {
		s += v
		r.Low, r.High = math.Min(r.Low, v), math.Max(r.High, v)
	}
	r.Predicted = math.Round(s / float64(len(x)))
	r.Low, r.High = math.Round(r.Low), math.Round(r.High)
	return r
}
