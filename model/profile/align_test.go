package profile

import (
	"math"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

func TestAlign(t *testing.T) {
	nan := math.NaN()
	cpu := func(mean, max float64) map[model.Metric]modeltest.MV {
		return map[model.Metric]modeltest.MV{model.CPUBusyPct: {mean, max}}
	}
	tests := []struct {
		name     string
		samples  []model.Sample
		gridFrom time.Time
		slots    int
		// Expected CPU mean and max per slot.
		mean, max []float64
	}{
		{
			// Five 60 s samples fill one 300 s slot: mean (10+20+30+40+50)/5
			// = 30; max is the largest of the five maxes.
			name: "60s onto 300s",
			samples: []model.Sample{
				modeltest.Sample(modeltest.Sec(0), 60, cpu(10, 15)),
				modeltest.Sample(modeltest.Sec(60), 60, cpu(20, 25)),
				modeltest.Sample(modeltest.Sec(120), 60, cpu(30, 80)),
				modeltest.Sample(modeltest.Sec(180), 60, cpu(40, 45)),
				modeltest.Sample(modeltest.Sec(240), 60, cpu(50, 55)),
				modeltest.Sample(modeltest.Sec(300), 60, cpu(1, 2)),
				modeltest.Sample(modeltest.Sec(360), 60, cpu(2, 3)),
				modeltest.Sample(modeltest.Sec(420), 60, cpu(3, 4)),
				modeltest.Sample(modeltest.Sec(480), 60, cpu(4, 5)),
				modeltest.Sample(modeltest.Sec(540), 60, cpu(5, 9)),
			},
			gridFrom: modeltest.T0, slots: 2,
			mean: []float64{30, 3}, max: []float64{80, 9},
		},
		{
			// One 600 s sample covers slots 0 and 1 fully, each gets its mean
			// and max; slot 2 has nothing.
			name:     "600s spreads over two slots",
			samples:  []model.Sample{modeltest.Sample(modeltest.Sec(0), 600, cpu(7, 9))},
			gridFrom: modeltest.T0, slots: 3,
			mean: []float64{7, 7, nan}, max: []float64{9, 9, nan},
		},
		{
			// Grid starts 120 s before the samples [0,300) mean 10 max 12 and
			// [300,600) mean 40 max 45:
			//   slot 0 = [-120,180): 180 s of 10 -> 10 (max 12);
			//   slot 1 = [180,480): (120·10 + 180·40)/300 = 8400/300 = 28 (max 45);
			//   slot 2 = [480,780): 120 s of 40 < 150 s -> gap.
			name: "offset by 120s",
			samples: []model.Sample{
				modeltest.Sample(modeltest.Sec(0), 300, cpu(10, 12)),
				modeltest.Sample(modeltest.Sec(300), 300, cpu(40, 45)),
			},
			gridFrom: modeltest.Sec(-120), slots: 3,
			mean: []float64{10, 28, nan}, max: []float64{12, 45, nan},
		},
		{
			// Slot 0: two 60 s samples = 120 s < 150 s -> gap, not interpolated.
			// Slot 1: nothing -> gap. Slot 2: one 150 s sample = exactly half
			// -> kept. Slot 3: three 60 s samples (180 s) -> mean (1+2+3)/3 = 2.
			name: "gaps",
			samples: []model.Sample{
				modeltest.Sample(modeltest.Sec(0), 60, cpu(50, 60)),
				modeltest.Sample(modeltest.Sec(60), 60, cpu(50, 60)),
				modeltest.Sample(modeltest.Sec(600), 150, cpu(5, 6)),
				modeltest.Sample(modeltest.Sec(900), 60, cpu(1, 1)),
				modeltest.Sample(modeltest.Sec(960), 60, cpu(2, 2)),
				modeltest.Sample(modeltest.Sec(1020), 60, cpu(3, 30)),
			},
			gridFrom: modeltest.T0, slots: 4,
			mean: []float64{nan, nan, 5, 2}, max: []float64{nan, nan, 6, 30},
		},
		{
			// CPU is NaN in two of five samples: the mean is over the three
			// measured ones (10+20+60)/3 = 30, weighted by their 180 s; a max
			// of 99 in an unmeasured sample is not used. In slot 1 only two
			// samples measure CPU (120 s) -> gap.
			name: "metric NaN in some samples",
			samples: []model.Sample{
				modeltest.Sample(modeltest.Sec(0), 60, cpu(10, 11)),
				modeltest.Sample(modeltest.Sec(60), 60, cpu(nan, nan)),
				modeltest.Sample(modeltest.Sec(120), 60, cpu(20, 21)),
				modeltest.Sample(modeltest.Sec(180), 60, map[model.Metric]modeltest.MV{model.CPUBusyPct: {nan, nan}, model.MemUsedBytes: {1, 99}}),
				modeltest.Sample(modeltest.Sec(240), 60, cpu(60, 61)),
				modeltest.Sample(modeltest.Sec(300), 60, cpu(1, 1)),
				modeltest.Sample(modeltest.Sec(360), 60, cpu(nan, nan)),
				modeltest.Sample(modeltest.Sec(420), 60, cpu(nan, nan)),
				modeltest.Sample(modeltest.Sec(480), 60, cpu(nan, nan)),
				modeltest.Sample(modeltest.Sec(540), 60, cpu(2, 2)),
			},
			gridFrom: modeltest.T0, slots: 2,
			mean: []float64{30, nan}, max: []float64{61, nan},
		},
		{
			// The grid is [600,1200). A sample before it and one after it are
			// ignored; one straddling the start counts for its overlap only:
			// slot 0 = 60 s of 100 (from [540,660)) + 240 s of 1 -> 340/300.
			name: "outside the grid",
			samples: []model.Sample{
				modeltest.Sample(modeltest.Sec(0), 300, cpu(99, 99)),
				modeltest.Sample(modeltest.Sec(540), 120, cpu(100, 100)),
				modeltest.Sample(modeltest.Sec(660), 240, cpu(1, 2)),
				modeltest.Sample(modeltest.Sec(900), 300, cpu(3, 4)),
				modeltest.Sample(modeltest.Sec(1200), 300, cpu(77, 88)),
				modeltest.Sample(modeltest.Sec(86400), 300, cpu(77, 88)),
			},
			gridFrom: modeltest.Sec(600), slots: 2,
			mean: []float64{(60*100 + 240*1) / 300.0, 3}, max: []float64{100, 4},
		},
		{
			// A hand-built series with a mean but no max: the mean bounds the max.
			name:     "mean without max",
			samples:  []model.Sample{modeltest.Sample(modeltest.Sec(0), 300, cpu(42, nan))},
			gridFrom: modeltest.T0, slots: 1,
			mean: []float64{42}, max: []float64{42},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := Grid{Start: tc.gridFrom, Step: 300 * time.Second, Slots: tc.slots}
			a := Align(modeltest.Series(tc.samples...), g)
			if a.Grid != g {
				t.Errorf("Grid = %+v, want %+v", a.Grid, g)
			}
			modeltest.CheckFloats(t, "mean", a.Mean[model.CPUBusyPct], tc.mean, 1e-12)
			modeltest.CheckFloats(t, "max", a.Max[model.CPUBusyPct], tc.max, 1e-12)
			// No metric other than CPU (and mem in one case) was measured:
			// those are all gaps.
			for _, v := range a.Mean[model.DiskReadIOPS] {
				if !math.IsNaN(v) {
					t.Fatalf("unmeasured metric has value %v", v)
				}
			}
		})
	}
}

func TestAlignPanicsOnZeroStep(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Align with step 0 did not panic")
		}
	}()
	Align(modeltest.Series(), Grid{Start: modeltest.T0, Slots: 1})
}

func TestDayGrid(t *testing.T) {
	day := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	tests := []struct {
		name      string
		samples   []model.Sample
		wantStart time.Time
		wantSlots int
	}{
		{
			// 22:03:24 on day 1 to 01:00 on day 2: two whole days from
			// midnight of day 1, 2 × 288 slots of 300 s.
			name: "two days",
			samples: []model.Sample{
				modeltest.Sample(day(2013, 7, 1, 22, 3, 24), 300, nil),
				modeltest.Sample(day(2013, 7, 2, 0, 55, 0), 300, nil),
			},
			wantStart: day(2013, 7, 1, 0, 0, 0), wantSlots: 576,
		},
		{
			// Ending exactly at midnight needs no second day.
			name:      "ends at midnight",
			samples:   []model.Sample{modeltest.Sample(day(2013, 7, 1, 23, 55, 0), 300, nil)},
			wantStart: day(2013, 7, 1, 0, 0, 0), wantSlots: 288,
		},
		{
			// A long interval that ends after the last sample's end.
			name: "long earlier interval",
			samples: []model.Sample{
				modeltest.Sample(day(2013, 7, 1, 0, 0, 0), 86400, nil),
				modeltest.Sample(day(2013, 7, 1, 12, 0, 0), 300, nil),
			},
			wantStart: day(2013, 7, 1, 0, 0, 0), wantSlots: 288,
		},
		{
			name: "long interval past midnight",
			samples: []model.Sample{
				modeltest.Sample(day(2013, 7, 1, 1, 0, 0), 86400, nil),
				modeltest.Sample(day(2013, 7, 1, 12, 0, 0), 300, nil),
			},
			wantStart: day(2013, 7, 1, 0, 0, 0), wantSlots: 576,
		},
		{
			// Before the Unix epoch, midnight is still found (floor, not truncation).
			name:      "before 1970",
			samples:   []model.Sample{modeltest.Sample(day(1969, 12, 31, 23, 0, 0), 300, nil)},
			wantStart: day(1969, 12, 31, 0, 0, 0), wantSlots: 288,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := DayGrid(modeltest.Series(tc.samples...), 300*time.Second)
			if !g.Start.Equal(tc.wantStart) || g.Slots != tc.wantSlots || g.Step != 300*time.Second {
				t.Errorf("DayGrid = {%s %s %d}, want {%s 5m0s %d}", g.Start, g.Step, g.Slots, tc.wantStart, tc.wantSlots)
			}
			if g.Start.Location() != time.UTC {
				t.Errorf("Start is in %s, want UTC", g.Start.Location())
			}
			if got, want := g.End(), g.Start.Add(time.Duration(tc.wantSlots)*300*time.Second); !got.Equal(want) {
				t.Errorf("End = %s, want %s", got, want)
			}
		})
	}
	t.Run("empty", func(t *testing.T) {
		g := DayGrid(modeltest.Series(), time.Minute)
		if g.Slots != 0 || g.Step != time.Minute {
			t.Errorf("DayGrid(empty) = %+v", g)
		}
	})
}

func TestCoveredSeconds(t *testing.T) {
	tests := []struct {
		name    string
		samples []model.Sample
		want    int64
	}{
		{"none", nil, 0},
		{"contiguous", []model.Sample{modeltest.Sample(modeltest.Sec(0), 60, nil), modeltest.Sample(modeltest.Sec(60), 60, nil)}, 120},
		{"gap", []model.Sample{modeltest.Sample(modeltest.Sec(0), 60, nil), modeltest.Sample(modeltest.Sec(120), 60, nil)}, 120},
		// [0,600) and [300,600) overlap by 300 s, counted once.
		{"overlap", []model.Sample{modeltest.Sample(modeltest.Sec(0), 600, nil), modeltest.Sample(modeltest.Sec(300), 300, nil)}, 600},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CoveredSeconds(modeltest.Series(tc.samples...)); got != tc.want {
				t.Errorf("CoveredSeconds = %d, want %d", got, tc.want)
			}
		})
	}
}
