package model

import (
	"math"
	"time"
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
func DayGrid(s *Series, step time.Duration) Grid {
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
	Mean [NumMetrics][]float64
	Max  [NumMetrics][]float64
}

// Align resamples s onto g. Samples outside g are ignored. The time weight
// of a sample in a slot is its overlap with the slot in seconds.
//
// A source interval longer than the step spreads over several slots, each
// getting the sample's mean and max (the max is then an upper bound of the
// slot's true max); a shorter interval is averaged within its slot.
func Align(s *Series, g Grid) *Aligned {
	a := &Aligned{Grid: g}
	step := int64(g.Step / time.Second)
	if step <= 0 {
		panic("model: Align with a non-positive step")
	}
	g0 := g.Start.Unix()
	var cover [NumMetrics][]float64
	for m := Metric(0); m < NumMetrics; m++ {
		a.Mean[m] = make([]float64, g.Slots)
		a.Max[m] = make([]float64, g.Slots)
		cover[m] = make([]float64, g.Slots)
		for t := range a.Max[m] {
			a.Max[m][t] = math.Inf(-1)
		}
	}
	for i := 0; i < s.Len(); i++ {
		start := s.Start[i] - g0
		end := start + int64(s.IntervalSec[i])
		if end <= 0 || start >= int64(g.Slots)*step {
			continue
		}
		for k := max(start, 0) / step; k < int64(g.Slots) && k*step < end; k++ {
			o := float64(min(end, (k+1)*step) - max(start, k*step))
			if o <= 0 {
				continue
			}
			for m := Metric(0); m < NumMetrics; m++ {
				mean := s.Mean[m][i]
				if math.IsNaN(mean) {
					continue
				}
				a.Mean[m][k] += mean * o
				cover[m][k] += o
				mx := s.Max[m][i]
				if math.IsNaN(mx) {
					mx = mean // a mean without a max: the mean bounds it
				}
				if mx > a.Max[m][k] {
					a.Max[m][k] = mx
				}
			}
		}
	}
	half := float64(step) / 2
	for m := Metric(0); m < NumMetrics; m++ {
		for t := 0; t < g.Slots; t++ {
			if c := cover[m][t]; c >= half {
				a.Mean[m][t] /= c
			} else {
				a.Mean[m][t] = math.NaN()
				a.Max[m][t] = math.NaN()
			}
		}
	}
	return a
}

// CoveredSeconds returns the time covered by s's samples, counting any
// overlap between consecutive samples once. s must be sorted by start.
func CoveredSeconds(s *Series) int64 {
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
