package collect

import (
	"math"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// rateMetric maps the rate indices to dataset metrics.
var rateMetric = [numRates]model.Metric{
	rDiskRead:     model.DiskReadBytesPerSec,
	rDiskWrite:    model.DiskWriteBytesPerSec,
	rDiskReadOps:  model.DiskReadIOPS,
	rDiskWriteOps: model.DiskWriteIOPS,
	rNetRx:        model.NetRxBytesPerSec,
	rNetTx:        model.NetTxBytesPerSec,
}

// interval accumulates the sub-samples of one output row.
//
// Means are ratios of sums, so that a row's mean is exactly the counter
// difference over the measured time (what sar reports for the same
// interval): CPU busy % = 100 × Σ busy seconds / Σ CPU seconds; a rate =
// Σ amount / Σ dt. Maxima are the largest sub-sample value, so a 20-second
// spike inside a 5-minute row survives in <metric>_max. Gauges (memory,
// filesystem used bytes) are the mean and max of their readings.
type interval struct {
	cpuBusy, cpuTotal, cpuMax float64
	cpuN                      int
	amount, dt, max           [numRates]float64
	n                         [numRates]int
	gaugeSum, gaugeMax        [numGauges]float64
	gaugeN                    [numGauges]int
}

func (iv *interval) addSub(s subSample) {
	if s.cpuOK {
		iv.cpuBusy += s.cpuBusy
		iv.cpuTotal += s.cpuTotal
		iv.cpuMax = math.Max(iv.cpuMax, 100*s.cpuBusy/s.cpuTotal)
		iv.cpuN++
	}
	if s.dt <= 0 {
		return
	}
	for r := 0; r < numRates; r++ {
		if !s.ok[r] {
			continue
		}
		iv.amount[r] += s.amount[r]
		iv.dt[r] += s.dt
		iv.max[r] = math.Max(iv.max[r], s.amount[r]/s.dt)
		iv.n[r]++
	}
}

// gaugeMetric are the metrics read as gauges, in the order of addGauges.
var gaugeMetric = [...]model.Metric{model.MemUsedBytes, model.MemTotalBytes, model.FSUsedBytes}

const numGauges = len(gaugeMetric)

// addGauges records the gauge readings of one snapshot.
func (iv *interval) addGauges(x *Snapshot) {
	for i, v := range [numGauges]float64{x.MemUsedBytes, x.MemTotalBytes, x.FSUsedBytes} {
		if math.IsNaN(v) || v < 0 {
			continue
		}
		iv.gaugeSum[i] += v
		iv.gaugeMax[i] = math.Max(iv.gaugeMax[i], v)
		iv.gaugeN[i]++
	}
}

// empty reports whether nothing was measured.
func (iv *interval) empty() bool {
	if iv.cpuN > 0 {
		return false
	}
	for _, n := range iv.gaugeN {
		if n > 0 {
			return false
		}
	}
	for _, n := range iv.n {
		if n > 0 {
			return false
		}
	}
	return true
}

// sample returns the row of the interval; unmeasured metrics stay empty.
func (iv *interval) sample(start time.Time, length time.Duration) model.Sample {
	x := model.NewSample(start, length)
	if iv.cpuN > 0 && iv.cpuTotal > 0 {
		mean := 100 * iv.cpuBusy / iv.cpuTotal
		x.Set(model.CPUBusyPct, math.Min(mean, 100), math.Min(math.Max(iv.cpuMax, mean), 100))
	}
	for i, m := range gaugeMetric {
		if iv.gaugeN[i] > 0 {
			x.Set(m, iv.gaugeSum[i]/float64(iv.gaugeN[i]), iv.gaugeMax[i])
		}
	}
	for r := 0; r < numRates; r++ {
		if iv.n[r] > 0 && iv.dt[r] > 0 {
			mean := iv.amount[r] / iv.dt[r]
			x.Set(rateMetric[r], mean, math.Max(iv.max[r], mean))
		}
	}
	return x
}
