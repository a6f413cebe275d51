package backtest

import (
	"math"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// Method names of the sizing methods a backtest compares.
const (
	MethodKvmfit     = "kvmfit"
	MethodSumOfPeaks = "sum_of_peaks"
	MethodPercentile = "percentile_comfort"
)

// SlotQuantile returns, per resource, the p-quantile (0 < p ≤ 1, nearest
// rank, model.Quantile) of a profile's aligned slots (Settings.Profile
// "full": the Full timeline, gaps left out) with no time alignment or
// folding; a resource never measured takes its constant profile value
// (installed memory for memory, else 0). p = 1 is the server's peak.
func SlotQuantile(p *model.ServerProfile, q float64) model.Capacity {
	var c model.Capacity
	for d := model.Dim(0); d < model.NumDims; d++ {
		if p.Full[d] == nil {
			if row := p.Demand.Values[d]; len(row) > 0 {
				c[d] = row[0]
			}
			continue
		}
		x := make([]float64, 0, len(p.Full[d]))
		for _, v := range p.Full[d] {
			x = append(x, float64(v))
		}
		v := model.Quantile(q, x)
		if math.IsNaN(v) {
			v = 0
		}
		c[d] = v
	}
	return c
}

// FlatSize is one server sized at a constant demand.
type FlatSize struct {
	ID   string
	Size model.Capacity
}

// FlatDemand returns a one-slot demand holding every server's flat size,
// for packing a baseline with binpack.BuildPlan: with no time dimension,
// time-aware packing is plain vector packing.
func FlatDemand(sizes []FlatSize, start time.Time, step time.Duration) *model.Demand {
	d := &model.Demand{Start: start, Step: step, Slots: 1, Profile: "flat"}
	for _, f := range sizes {
		sd := model.ServerDemand{ID: f.ID}
		for k := model.Dim(0); k < model.NumDims; k++ {
			sd.Values[k] = []float64{f.Size[k]}
		}
		d.Servers = append(d.Servers, sd)
	}
	return d
}
