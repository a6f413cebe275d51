package modeltest

import (
	"math"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// T0 is the start of the synthetic data in the tests: a UTC midnight.
var T0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Sec returns T0 + n seconds.
func Sec(n int) time.Time { return T0.Add(time.Duration(n) * time.Second) }

// MV is the mean and the max of one metric, in that order.
type MV [2]float64

// Sample returns a sample starting at start, of ivSec seconds, with the
// given metrics measured and every other one NaN.
func Sample(start time.Time, ivSec int, vals map[model.Metric]MV) model.Sample {
	x := model.NewSample(start, time.Duration(ivSec)*time.Second)
	for m, v := range vals {
		x.Set(m, v[0], v[1])
	}
	return x
}

// Series builds a Series from samples, in the order given.
func Series(xs ...model.Sample) *model.Series {
	s := &model.Series{}
	for _, x := range xs {
		s.Append(x)
	}
	return s
}

// BenchSeries returns n samples of ivSec seconds from T0 with every metric
// measured, on a smooth curve that stays a valid CPU percentage.
func BenchSeries(n, ivSec int) *model.Series {
	s := &model.Series{}
	for i := 0; i < n; i++ {
		x := model.NewSample(Sec(i*ivSec), time.Duration(ivSec)*time.Second)
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			v := 50 + 40*math.Sin(float64(i)/97+float64(m))
			x.Set(m, v, v*1.1) // at most 99: a valid CPU %
		}
		s.Append(x)
	}
	return s
}

// Close reports whether a and b agree within tol, absolute or relative to
// the larger magnitude, whichever is looser; two NaNs agree.
func Close(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if a == b {
		return true
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// CheckFloats fails t unless got and want agree element by element (Close).
func CheckFloats(t testing.TB, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i := range want {
		if !Close(got[i], want[i], tol) {
			t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}
