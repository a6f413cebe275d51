package model

import (
	"math"
	"testing"
)

func TestSummarize(t *testing.T) {
	nan := math.NaN()
	t.Run("gap", func(t *testing.T) {
		// 11 one-minute slots, the 6th missing: 10 samples, CPU mean = i and
		// max = i + 1 for slot i.
		srv := &Server{ID: "s"}
		for i := 0; i <= 10; i++ {
			if i == 5 {
				continue
			}
			srv.Series.Append(mk(sec(i*60), 60, map[Metric]mv{CPUBusyPct: {float64(i), float64(i + 1)}}))
		}
		got := Summarize(srv)
		if got.ID != "s" || got.Samples != 10 || !got.First.Equal(t0) || !got.Last.Equal(sec(660)) || got.IntervalSec != 60 {
			t.Errorf("Summary = %+v", got)
		}
		// Covered 10 × 60 s of 11 × 60 s.
		if want := 100 * 10 * 60 / (11 * 60.0); !closeTo(got.CoveragePct, want, 1e-12) {
			t.Errorf("CoveragePct = %v, want %v", got.CoveragePct, want)
		}
		// Mean (0+1+2+3+4+6+7+8+9+10)/10 = 5; P95: ⌈9.5⌉ = 10th of the 10 means = 10; max 11.
		c := got.Metrics[CPUBusyPct]
		if !closeTo(c.Mean, 5, 1e-12) || c.P95 != 10 || c.Max != 11 {
			t.Errorf("cpu = %+v, want {5 10 11}", c)
		}
		if m := got.Metrics[MemUsedBytes]; !math.IsNaN(m.Mean) || !math.IsNaN(m.P95) || !math.IsNaN(m.Max) {
			t.Errorf("unmeasured mem = %+v, want NaNs", m)
		}
	})
	t.Run("time-weighted", func(t *testing.T) {
		// 60 s at 10 and 240 s at 20: (600 + 4800) / 300 = 18. Memory is
		// measured in the first sample only. The 60 s interval is as common
		// as 240 s: the smaller wins.
		srv := &Server{Series: *seriesOf(
			mk(sec(0), 60, map[Metric]mv{CPUBusyPct: {10, 30}, MemUsedBytes: {5, 6}}),
			mk(sec(60), 240, map[Metric]mv{CPUBusyPct: {20, 25}, MemUsedBytes: {nan, nan}}),
		)}
		got := Summarize(srv)
		if c := got.Metrics[CPUBusyPct]; !closeTo(c.Mean, 18, 1e-12) || c.P95 != 20 || c.Max != 30 {
			t.Errorf("cpu = %+v, want {18 20 30}", c)
		}
		if m := got.Metrics[MemUsedBytes]; m.Mean != 5 || m.P95 != 5 || m.Max != 6 {
			t.Errorf("mem = %+v, want {5 5 6}", m)
		}
		if got.IntervalSec != 60 || got.CoveragePct != 100 {
			t.Errorf("IntervalSec %d CoveragePct %v, want 60 and 100", got.IntervalSec, got.CoveragePct)
		}
	})
	t.Run("most common interval", func(t *testing.T) {
		srv := &Server{Series: *seriesOf(
			mk(sec(0), 300, nil), mk(sec(300), 60, nil), mk(sec(360), 300, nil), mk(sec(660), 300, nil),
		)}
		if got := Summarize(srv).IntervalSec; got != 300 {
			t.Errorf("IntervalSec = %d, want 300", got)
		}
	})
	t.Run("max not recorded", func(t *testing.T) {
		// A hand-built series with a mean but no max in the last sample.
		srv := &Server{Series: *seriesOf(
			mk(sec(0), 60, map[Metric]mv{CPUBusyPct: {1, 2}}),
			mk(sec(60), 60, map[Metric]mv{CPUBusyPct: {7, nan}}),
		)}
		if got := Summarize(srv).Metrics[CPUBusyPct].Max; got != 7 {
			t.Errorf("Max = %v, want 7", got)
		}
	})
	t.Run("empty", func(t *testing.T) {
		got := Summarize(&Server{ID: "e"})
		if got.Samples != 0 || !got.First.IsZero() || got.CoveragePct != 0 || !math.IsNaN(got.Metrics[CPUBusyPct].Mean) {
			t.Errorf("Summary = %+v", got)
		}
	})
}
