package backtest

import (
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// Method names of the sizing methods a backtest compares.
const (
	MethodKvmfit     = "kvmfit"
	MethodSumOfPeaks = "sum_of_peaks"
	MethodPercentile = "percentile_comfort"
)

// SlotQuantile is model.SlotQuantile: per resource, the p-quantile of a
// "full" profile's aligned slots, with no time alignment or folding.
func SlotQuantile(p *model.ServerProfile, q float64) model.Capacity {
	return model.SlotQuantile(p, q)
}

// FlatSize is one server sized at a constant demand (model.FlatSize).
type FlatSize = model.FlatSize

// FlatDemand is model.FlatDemand: a one-slot demand holding every server's
// flat size, for packing a baseline with binpack.BuildPlan.
func FlatDemand(sizes []FlatSize, start time.Time, step time.Duration) *model.Demand {
	return model.FlatDemand(sizes, start, step)
}
