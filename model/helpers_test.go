package model

import (
	"math"
	"testing"
	"time"
)

// t0 is the start of the synthetic data in the tests: a UTC midnight.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// sec returns t0 + n seconds.
func sec(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

// mv is a (mean, max) pair for one metric.
type mv struct{ mean, max float64 }

// mk returns a sample starting at start, of ivSec seconds, with the given
// metrics measured and every other one NaN.
func mk(start time.Time, ivSec int, vals map[Metric]mv) Sample {
	x := NewSample(start, time.Duration(ivSec)*time.Second)
	for m, v := range vals {
		x.Set(m, v.mean, v.max)
	}
	return x
}

// seriesOf builds a Series from samples, in the order given.
func seriesOf(xs ...Sample) *Series {
	s := &Series{}
	for _, x := range xs {
		s.Append(x)
	}
	return s
}

// close reports whether a and b agree within tol, absolute or relative to
// the larger magnitude, whichever is looser; two NaNs agree.
func closeTo(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if a == b {
		return true
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// checkFloats fails t unless got and want agree element by element.
func checkFloats(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i := range want {
		if !closeTo(got[i], want[i], tol) {
			t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}
