package profile

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

func TestFold(t *testing.T) {
	// Period 4, offset 1: x[t] falls in slot (1 + t) mod 4.
	prof, empty := Fold([]float64{1, 2, 3, 4, 5, 6}, 1, 4, 100)
	modeltest.CheckFloats(t, "fold", prof, []float64{4, 5, 6, 3}, 0)
	if empty != 0 {
		t.Errorf("empty = %d", empty)
	}
	prof, empty = Fold([]float64{1, 2}, 3, 4, 95)
	modeltest.CheckFloats(t, "fold short", prof, []float64{2, math.NaN(), math.NaN(), 1}, 0)
	if empty != 2 {
		t.Errorf("empty = %d, want 2", empty)
	}
}

func TestWeekStart(t *testing.T) {
	// 2026-01-01 is a Thursday; its week starts on Monday 2025-12-29.
	if got := WeekStart(modeltest.T0.Add(13 * time.Hour)); !got.Equal(time.Date(2025, 12, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("WeekStart = %s", got)
	}
	mon := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	if got := WeekStart(mon); !got.Equal(mon) {
		t.Errorf("WeekStart(Monday) = %s", got)
	}
}

func TestFoldDays(t *testing.T) {
	nan := math.NaN()
	// Three slots a day, two days. Slot 2 has no data on either day.
	x := []float64{
		1, 2, nan, // day 0
		5, nan, nan, // day 1
	}
	tests := []struct {
		pct       float64
		want      []float64
		wantEmpty int
	}{
		{100, []float64{5, 2, nan}, 1},
		{95, []float64{5, 2, nan}, 1}, // ⌈0.95·2⌉ = 2nd of 2
		{50, []float64{1, 2, nan}, 1}, // ⌈0.5·2⌉ = 1st of 2
	}
	for _, tc := range tests {
		prof, empty := FoldDays(x, 3, tc.pct)
		modeltest.CheckFloats(t, "profile", prof, tc.want, 0)
		if empty != tc.wantEmpty {
			t.Errorf("P%v: empty = %d, want %d", tc.pct, empty, tc.wantEmpty)
		}
	}
	t.Run("not whole days", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("FoldDays with 5 values and 3 slots a day did not panic")
			}
		}()
		FoldDays(make([]float64, 5), 3, 95)
	})
}

// TestFoldRowsMulti: folding at several percentiles from one sort per slot
// gives exactly what foldRows gives at each, for day and week profiles,
// with ties, gaps and times of day or week without any data.
func TestFoldRowsMulti(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const spd = 24
	start := time.Date(2026, 1, 7, 0, 0, 0, 0, time.UTC) // a Wednesday
	for _, days := range []int{1, 9, 30} {
		x := make([]float64, days*spd)
		for i := range x {
			switch {
			case i%spd == 5, rng.IntN(10) == 0:
				x[i] = math.NaN() // 05:00 never has data
			default:
				x[i] = float64(rng.IntN(7)) * 1.5
			}
		}
		pcts := []float64{95, 80, 90, 99, 100, 95, 50}
		for _, kind := range []model.ProfileKind{model.ProfileDay, model.ProfileWeek} {
			got, warns := foldRowsMulti(x, model.DimCPU, spd, start, pcts, kind)
			for i, pct := range pcts {
				want, w := foldRows(x, model.DimCPU, spd, start, pct, kind)
				if !slices.Equal(got[i], want) {
					t.Errorf("%d days %s P%g: %v, want %v", days, kind, pct, got[i], want)
				}
				if i == 0 && !slices.Equal(warns, w) {
					t.Errorf("%d days %s: warnings %q, want %q", days, kind, warns, w)
				}
			}
			if len(warns) == 0 {
				t.Errorf("%d days %s: no warning for 05:00 without data", days, kind)
			}
		}
	}
}
