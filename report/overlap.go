package report

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// overlapSeries is how many series the fleet's peak-overlap chart stacks:
// the overlapSeries-1 largest servers by peak and "others (N servers)".
const overlapSeries = 16

// overlapChartHeight is the height of a peak-overlap chart.
const overlapChartHeight = "380px"

// sumOfPeaksColor marks the sum-of-peaks line of the overlap charts.
const sumOfPeaksColor = "#6e6e6e"

// overlapView is the peak-overlap statement and chart for one dimension.
type overlapView struct {
	Dim, Unit  string
	Title      string
	ChartID    string
	PeakOfSum  string // in the display unit
	SumOfPeaks string
	// CoincidePct is 100 × peak of the sum / sum of the peaks.
	CoincidePct string
	// SavingPct is 100 − CoincidePct: how much less capacity the
	// time-aligned sum needs than the sum of peaks.
	SavingPct string
	// PeakAt is when (UTC) the fleet's summed demand peaks.
	PeakAt  string
	Servers int
	// FromModel is true when the figures are plan.json's fleet analysis
	// (profile.Coincidence) rather than recomputed here from the demand.
	FromModel bool
}

// fleetOverlap measures how far the servers' peaks coincide in dimension d:
// with P = max_t Σ_s demand[s][t] (peak of the sum) and S = Σ_s max_t
// demand[s][t] (sum of the peaks), the ratio P/S is 1 when every server
// peaks in the same slot and 1/n for n equal servers that peak at different
// times. Sizing on P instead of S is the saving that time alignment gives
// (Speitkamp & Bichler 2010; Gmach et al. 2007). It returns the summed
// demand per slot too.
//
// Servers are added in the order given; callers sort them by ID so that the
// floating-point sums do not depend on the input order.
func fleetOverlap(servers []*model.ServerDemand, d model.Dim, slots int) (total []float64, peakOfSum, sumOfPeaks float64, peakSlot int) {
	total = make([]float64, slots)
	for _, s := range servers {
		row := s.Values[d]
		sumOfPeaks += s.Peak(d)
		for t := 0; t < slots && t < len(row); t++ {
			if v := row[t]; !math.IsNaN(v) {
				total[t] += v
			}
		}
	}
	for t, v := range total {
		if v > peakOfSum {
			peakOfSum, peakSlot = v, t
		}
	}
	return total, peakOfSum, sumOfPeaks, peakSlot
}

// overlapViews builds the peak-overlap statements and charts for CPU and
// memory from the packed demand. Where the plan's fleet analysis has the
// coincidence factor of a resource, the statement uses the model's
// figures (fleet.coincidence_factor, peak_of_sum, sum_of_peaks); the chart
// is drawn from the demand either way.
func overlapViews(dm *model.Demand, labels []string, fleet model.FleetAnalysis) ([]overlapView, []chartSpec, error) {
	var views []overlapView
	var specs []chartSpec
	if dm == nil || len(dm.Servers) == 0 || dm.Slots == 0 {
		return nil, nil, nil
	}
	members := make([]*model.ServerDemand, len(dm.Servers))
	for i := range dm.Servers {
		members[i] = &dm.Servers[i]
	}
	// By ID, so that neither the sums nor the series depend on input order.
	sort.SliceStable(members, func(i, j int) bool { return members[i].ID < members[j].ID })
	for _, cd := range hostChartDims {
		_, peakOfSum, sumOfPeaks, peakSlot := fleetOverlap(members, cd.dim, dm.Slots)
		if sumOfPeaks <= 0 {
			continue
		}
		_, unit, prec := dimScale(cd.dim)
		pct := 100 * peakOfSum / sumOfPeaks
		fromModel := false
		if cf, ok := fleet.CoincidenceFactor[cd.dim.String()]; ok {
			pct, fromModel = 100*cf, true
			if v, ok := fleet.PeakOfSum[cd.dim.String()]; ok {
				peakOfSum = v
			}
			if v, ok := fleet.SumOfPeaks[cd.dim.String()]; ok {
				sumOfPeaks = v
			}
		}
		v := overlapView{
			Dim:         cd.dim.String(),
			Unit:        unit,
			Title:       "Fleet " + cd.title,
			ChartID:     "chart-overlap-" + cd.dim.String(),
			PeakOfSum:   fmtFixed(peakOfSum/cd.div, prec),
			SumOfPeaks:  fmtFixed(sumOfPeaks/cd.div, prec),
			CoincidePct: fmtFixed(pct, 1),
			SavingPct:   fmtFixed(100-pct, 1),
			Servers:     len(dm.Servers),
			FromModel:   fromModel,
		}
		at := dm.Start.UTC().Add(time.Duration(peakSlot) * dm.Step)
		if time.Duration(dm.Slots)*dm.Step > 24*time.Hour {
			v.PeakAt = at.Format("Mon 15:04")
		} else {
			v.PeakAt = at.Format("15:04")
		}
		items := stackItems(members, cd.dim, overlapSeries)
		spec, err := stackedChart(v.ChartID, overlapChartHeight, cd, labels, dm.Step, items, []refLine{
			{"sum of peaks", sumOfPeaks, sumOfPeaksColor, "dashed"},
			{"peak of the sum", peakOfSum, usableColor, "dotted"},
		})
		if err != nil {
			return nil, nil, fmt.Errorf("overlap %s: %w", cd.dim, err)
		}
		views = append(views, v)
		specs = append(specs, spec)
	}
	return views, specs, nil
}
