package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// This file shows the overload predicted for the month after the data
// (plan.json risk, model.RiskPrediction) and, in a backtest, that
// prediction beside what the replay measured.

// riskView is the predicted risk as the page shows it.
type riskView struct {
	// Has is false when the plan carries no prediction at all (a plan
	// made before kvmfit predicted risk).
	Has bool
	// Predicted is true when at least one origin was replayed.
	Predicted bool
	Method    string
	Note      string
	// Ceiling and Capacity are host-minutes per 30 days over the ceiling
	// and over 100 % of the full capacity: the prediction and its range.
	Ceiling, Capacity riskRangeView
	// OverCapacity is true when minutes over 100 % of capacity are
	// predicted.
	OverCapacity bool
	WorstPct     string
	Origins      []riskOriginRow
	// Sentence is the prediction in one sentence, for the decision and
	// the summary.
	Sentence string
	// ceilingPredicted and capacityPredicted are the predictions in
	// host-minutes a month, for the risk count.
	ceilingPredicted, capacityPredicted float64
}

type riskRangeView struct {
	Predicted, Low, High string
}

type riskOriginRow struct {
	TrainEnd, TestEnd    string
	TrainDays, TestDays  string
	Hosts                int
	OverCeiling, OverCap string
	WorstPct             string
}

func riskRangeOf(r model.RiskRange) riskRangeView {
	return riskRangeView{Predicted: fmtGrouped(r.Predicted), Low: fmtGrouped(r.Low), High: fmtGrouped(r.High)}
}

// riskOf describes the prediction r.
func riskOf(r model.RiskPrediction) riskView {
	v := riskView{
		Has:    r.Method != "" || r.Note != "" || len(r.Origins) > 0,
		Method: r.Method, Note: r.Note,
		Predicted: len(r.Origins) > 0,
		Ceiling:   riskRangeOf(r.OverCeilingMinutesPerMonth),
		Capacity:  riskRangeOf(r.OverCapacityMinutesPerMonth),
		WorstPct:  fmtFixed(r.WorstOverloadPct, 1),

		ceilingPredicted:  r.OverCeilingMinutesPerMonth.Predicted,
		capacityPredicted: r.OverCapacityMinutesPerMonth.Predicted,
	}
	if !v.Has {
		return v
	}
	for _, o := range r.Origins {
		v.Origins = append(v.Origins, riskOriginRow{
			TrainEnd: fmtInstant(o.TrainEnd), TestEnd: fmtInstant(o.TestEnd),
			TrainDays: fmtFixed(o.TrainDays, 1), TestDays: fmtFixed(o.TestDays, 1), Hosts: o.Hosts,
			OverCeiling: fmtGrouped(o.OverCeilingMinutes), OverCap: fmtGrouped(o.OverCapacityMinutes),
			WorstPct: fmtFixed(o.WorstOverloadPct, 1),
		})
	}
	if !v.Predicted {
		note := strings.TrimPrefix(r.Note, "no prediction: ")
		if note == "" {
			note = "no origin could be replayed"
		}
		v.Sentence = "No overload could be predicted for the month ahead: " + note + "."
		return v
	}
	v.OverCapacity = r.OverCapacityMinutesPerMonth.Predicted > 0 || r.OverCapacityMinutesPerMonth.High > 0
	how := fmt.Sprintf("replaying %d later stretches of the data, each against a plan made on the days before it", len(r.Origins))
	if len(r.Origins) == 1 {
		how = fmt.Sprintf("replaying %s days of the data against a plan made on the days before them", v.Origins[0].TestDays)
	}
	v.Sentence = fmt.Sprintf("Expect about %s host-minutes a month over the ceiling (range %s–%s) and %s over 100%% of capacity (range %s–%s), predicted by %s (see Risks).",
		v.Ceiling.Predicted, v.Ceiling.Low, v.Ceiling.High, v.Capacity.Predicted, v.Capacity.Low, v.Capacity.High, how)
	return v
}

// fmtInstant shortens an RFC 3339 time to "2006-01-02" at a UTC midnight,
// else "2006-01-02 15:04 UTC"; anything else is shown as it is.
func fmtInstant(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format(time.DateOnly)
	}
	return t.Format("2006-01-02 15:04 UTC")
}

// predVsActual sets a backtest's predicted risk beside the replay of
// kvmfit's plan, both in host-minutes per 30 days.
type predVsActual struct {
	Origins int
	// Note is why there is no prediction (Origins 0).
	Note string
	// Days is the replayed window with data, in days.
	Days string
	Rows []predVsActualRow
}

type predVsActualRow struct {
	What             string
	Predicted        riskRangeView
	Actual, ActualIn string
	// Over is true when the replay exceeded the predicted range.
	Over bool
}

// predictedVsActual compares bt's predicted risk with the replay of its
// first method (kvmfit's plan); nil without a prediction or a replay.
func predictedVsActual(bt *Backtest) *predVsActual {
	if bt == nil || bt.PredictedRisk == nil || len(bt.Methods) == 0 {
		return nil
	}
	pr, k := bt.PredictedRisk, bt.Methods[0]
	if len(pr.Origins) == 0 {
		note := pr.Note
		if note == "" {
			note = "no origin inside the training window could be replayed"
		}
		return &predVsActual{Note: note}
	}
	minutes := k.ObservedMinutes
	if minutes <= 0 {
		minutes = bt.TestDays * 24 * 60
	}
	if minutes <= 0 {
		return nil
	}
	per := 30 * 24 * 60 / minutes
	row := func(what string, r model.RiskRange, actual float64) predVsActualRow {
		return predVsActualRow{What: what, Predicted: riskRangeOf(r), Actual: fmtGrouped(actual * per), ActualIn: fmtGrouped(actual),
			Over: actual*per > r.High+0.5}
	}
	return &predVsActual{
		Origins: len(pr.Origins),
		Days:    fmtFixed(minutes/(24*60), 1),
		Rows: []predVsActualRow{
			row("over the ceiling", pr.OverCeilingMinutesPerMonth, k.OverloadMinutes),
			row("over 100 % of capacity", pr.OverCapacityMinutesPerMonth, k.OverCapacityMinutes),
		},
	}
}
