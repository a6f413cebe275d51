package profile

import (
	"math"
	"testing"
	"time"

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
