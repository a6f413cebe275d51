package profile

import (
	"math"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// Grid is a regular UTC time grid: slot t covers [Start+t·Step, Start+(t+1)·Step).
type Grid struct {
	Start time.Time
	Step  time.Duration
	Slots int
}

// SlotStart returns the start of slot t.
func (g Grid) SlotStart(t int) time.Time { return g.Start.Add(time.Duration(t) * g.Step) }

// End returns the end of the last slot.
func (g Grid) End() time.Time { return g.SlotStart(g.Slots) }

// DayGrid returns the grid of whole UTC days, with the given step, that
// covers every sample of s. It is empty when s is. step must divide a day.
func DayGrid(s *model.Series, step time.Duration) Grid {
	if s.Len() == 0 {
		return Grid{Step: step}
	}
	if step < time.Second || 24*time.Hour%step != 0 {
		panic("model: DayGrid with a step that does not divide a day")
	}
	// The earliest start and the latest end: a long interval may end after
	// the last sample's.
	first, last := s.Start[0], s.Start[0]+int64(s.IntervalSec[0])
	for i := range s.Start {
		first = min(first, s.Start[i])
		last = max(last, s.Start[i]+int64(s.IntervalSec[i]))
	}
	day0 := first - mod(first, 86400)
	days := (last - day0 + 86399) / 86400
	return Grid{Start: time.Unix(day0, 0).UTC(), Step: step, Slots: int(days * 86400 / int64(step/time.Second))}
}

func mod(a, b int64) int64 { return ((a % b) + b) % b }

// Aligned is a series resampled onto a grid. Mean[m][t] is the time-weighted
// mean of the samples' means over slot t, Max[m][t] the largest interval max
// of any sample overlapping slot t. A slot less than half covered by samples
// measuring m is a gap: NaN in both. Gaps are never interpolated.
type Aligned struct {
	Grid Grid
	Mean [model.NumMetrics][]float64
	Max  [model.NumMetrics][]float64
	// io caches ioRows, which the plan's profile and the per-VM baseline
	// both take (read only).
	io *slotIO
}

// Align resamples s onto g. Samples outside g are ignored. The time weight
// of a sample in a slot is its overlap with the slot in seconds.
//
// A source interval longer than the step spreads over several slots, each
// getting the sample's mean and max (the max is then an upper bound of the
// slot's true max); a shorter interval is averaged within its slot.
func Align(s *model.Series, g Grid) *Aligned {
	return alignMetrics(s, g, allMetrics)
}

// allMetrics lists every metric; profiledMetrics those a server's profile
// reads from its aligned data (not the installed memory nor the
// filesystem bytes, which it takes from the samples).
var (
	allMetrics = func() (ms []model.Metric) {
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			ms = append(ms, m)
		}
		return ms
	}()
	profiledMetrics = []model.Metric{model.CPUBusyPct, model.MemUsedBytes, model.DiskReadBytesPerSec, model.DiskWriteBytesPerSec,
		model.DiskReadIOPS, model.DiskWriteIOPS, model.NetRxBytesPerSec, model.NetTxBytesPerSec}
)

// alignMetrics is Align for the metrics ms only; the others stay nil.
func alignMetrics(s *model.Series, g Grid, ms []model.Metric) *Aligned {
	a := &Aligned{Grid: g}
	step := int64(g.Step / time.Second)
	if step <= 0 {
		panic("model: Align with a non-positive step")
	}
	g0 := g.Start.Unix()
	end := int64(g.Slots) * step
	// The slots each sample overlaps, computed once for every metric:
	// [first[i], last[i]], or first[i] = -1 when none.
	n := s.Len()
	first := make([]int32, n)
	last := make([]int32, n)
	// one[i] is the overlap in seconds of a sample within one slot (the
	// common case: samples of the grid's step, on the grid), else 0.
	one := make([]float64, n)
	for i := 0; i < n; i++ {
		lo := s.Start[i] - g0
		hi := lo + int64(s.IntervalSec[i])
		if hi <= 0 || lo >= end || hi <= lo {
			first[i] = -1
			continue
		}
		first[i] = int32(max(lo, 0) / step)
		last[i] = int32((min(hi, end) - 1) / step)
		if k := int64(first[i]); int64(last[i]) == k {
			one[i] = float64(min(hi, (k+1)*step) - max(lo, k*step))
		}
	}
	cover := make([]float64, g.Slots)
	for _, m := range ms {
		sum := make([]float64, g.Slots)
		mxs := make([]float64, g.Slots)
		for t := range mxs {
			mxs[t] = math.Inf(-1)
		}
		clear(cover)
		means, maxes := s.Mean[m], s.Max[m]
		for i := 0; i < n; i++ {
			mean := means[i]
			if first[i] < 0 || mean != mean { // NaN: not measured
				continue
			}
			mx := maxes[i]
			if mx != mx {
				mx = mean // a mean without a max: the mean bounds it
			}
			if o := one[i]; o > 0 {
				// One slot: the loop below for k = first[i] alone.
				k := first[i]
				sum[k] += mean * o
				cover[k] += o
				if mx > mxs[k] {
					mxs[k] = mx
				}
				continue
			}
			lo := s.Start[i] - g0
			hi := lo + int64(s.IntervalSec[i])
			for k := int64(first[i]); k <= int64(last[i]); k++ {
				o := float64(min(hi, (k+1)*step) - max(lo, k*step))
				sum[k] += mean * o
				cover[k] += o
				if mx > mxs[k] {
					mxs[k] = mx
				}
			}
		}
		half := float64(step) / 2
		for t := range sum {
			if c := cover[t]; c >= half {
				sum[t] /= c
			} else {
				sum[t] = math.NaN()
				mxs[t] = math.NaN()
			}
		}
		a.Mean[m], a.Max[m] = sum, mxs
	}
	return a
}

// CoveredSeconds returns the time covered by s's samples, counting any
// overlap between consecutive samples once. s must be sorted by start.
func CoveredSeconds(s *model.Series) int64 {
	var c int64
	for i := 0; i < s.Len(); i++ {
		iv := int64(s.IntervalSec[i])
		if i+1 < s.Len() {
			iv = min(iv, s.Start[i+1]-s.Start[i])
		}
		c += iv
	}
	return c
}
