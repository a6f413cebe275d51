package profile

import (
	"math"
	"testing"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

func TestSummarize(t *testing.T) {
	nan := math.NaN()
	t.Run("gap", func(t *testing.T) {
		// 11 one-minute slots, the 6th missing: 10 samples, CPU mean = i and
		// max = i + 1 for slot i.
		srv := &model.Server{ID: "s"}
		for i := 0; i <= 10; i++ {
			if i == 5 {
				continue
			}
			srv.Series.Append(modeltest.Sample(modeltest.Sec(i*60), 60, map[model.Metric]modeltest.MV{model.CPUBusyPct: {float64(i), float64(i + 1)}}))
		}
		got := Summarize(srv)
		if got.ID != "s" || got.Samples != 10 || !got.First.Equal(modeltest.T0) || !got.Last.Equal(modeltest.Sec(660)) || got.IntervalSec != 60 {
			t.Errorf("Summary = %+v", got)
		}
		// Covered 10 × 60 s of 11 × 60 s.
		if want := 100 * 10 * 60 / (11 * 60.0); !modeltest.Close(got.CoveragePct, want, 1e-12) {
			t.Errorf("CoveragePct = %v, want %v", got.CoveragePct, want)
		}
		// Mean (0+1+2+3+4+6+7+8+9+10)/10 = 5; P95: ⌈9.5⌉ = 10th of the 10 means = 10; max 11.
		c := got.Metrics[model.CPUBusyPct]
		if !modeltest.Close(c.Mean, 5, 1e-12) || c.P95 != 10 || c.Max != 11 {
			t.Errorf("cpu = %+v, want {5 10 11}", c)
		}
		if m := got.Metrics[model.MemUsedBytes]; !math.IsNaN(m.Mean) || !math.IsNaN(m.P95) || !math.IsNaN(m.Max) {
			t.Errorf("unmeasured mem = %+v, want NaNs", m)
		}
	})
	t.Run("time-weighted", func(t *testing.T) {
		// 60 s at 10 and 240 s at 20: (600 + 4800) / 300 = 18. Memory is
		// measured in the first sample only. The 60 s interval is as common
		// as 240 s: the smaller wins.
		srv := &model.Server{Series: *modeltest.Series(
			modeltest.Sample(modeltest.Sec(0), 60, map[model.Metric]modeltest.MV{model.CPUBusyPct: {10, 30}, model.MemUsedBytes: {5, 6}}),
			modeltest.Sample(modeltest.Sec(60), 240, map[model.Metric]modeltest.MV{model.CPUBusyPct: {20, 25}, model.MemUsedBytes: {nan, nan}}),
		)}
		got := Summarize(srv)
		if c := got.Metrics[model.CPUBusyPct]; !modeltest.Close(c.Mean, 18, 1e-12) || c.P95 != 20 || c.Max != 30 {
			t.Errorf("cpu = %+v, want {18 20 30}", c)
		}
		if m := got.Metrics[model.MemUsedBytes]; m.Mean != 5 || m.P95 != 5 || m.Max != 6 {
			t.Errorf("mem = %+v, want {5 5 6}", m)
		}
		if got.IntervalSec != 60 || got.CoveragePct != 100 {
			t.Errorf("IntervalSec %d CoveragePct %v, want 60 and 100", got.IntervalSec, got.CoveragePct)
		}
	})
	t.Run("most common interval", func(t *testing.T) {
		srv := &model.Server{Series: *modeltest.Series(
			modeltest.Sample(modeltest.Sec(0), 300, nil), modeltest.Sample(modeltest.Sec(300), 60, nil), modeltest.Sample(modeltest.Sec(360), 300, nil), modeltest.Sample(modeltest.Sec(660), 300, nil),
		)}
		if got := Summarize(srv).IntervalSec; got != 300 {
			t.Errorf("IntervalSec = %d, want 300", got)
		}
	})
	t.Run("max not recorded", func(t *testing.T) {
		// A hand-built series with a mean but no max in the last sample.
		srv := &model.Server{Series: *modeltest.Series(
			modeltest.Sample(modeltest.Sec(0), 60, map[model.Metric]modeltest.MV{model.CPUBusyPct: {1, 2}}),
			modeltest.Sample(modeltest.Sec(60), 60, map[model.Metric]modeltest.MV{model.CPUBusyPct: {7, nan}}),
		)}
		if got := Summarize(srv).Metrics[model.CPUBusyPct].Max; got != 7 {
			t.Errorf("Max = %v, want 7", got)
		}
	})
	t.Run("empty", func(t *testing.T) {
		got := Summarize(&model.Server{ID: "e"})
		if got.Samples != 0 || !got.First.IsZero() || got.CoveragePct != 0 || !math.IsNaN(got.Metrics[model.CPUBusyPct].Mean) {
			t.Errorf("Summary = %+v", got)
		}
	})
}
