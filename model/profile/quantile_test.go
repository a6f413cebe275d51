package profile

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/kvmfit/kvmfit/model/internal/modeltest"
	"gonum.org/v1/gonum/stat"
)

// TestQuantileSelect checks the quickselect and the top-m pass inside
// Quantile against sorting on inputs with many ties (memory series are
// often constant) and with NaNs, at ranks on either side of topMax from
// the top.
func TestQuantileSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 2, 17, 30, 100, 288, 1000, 8640} {
		for _, levels := range []int{1, 3, 1000} {
			for _, nanPct := range []int{0, 20} {
				x := make([]float64, n)
				var sorted []float64
				for i := range x {
					x[i] = float64(rng.IntN(levels))
					if rng.IntN(100) < nanPct {
						x[i] = math.NaN()
					} else {
						sorted = append(sorted, x[i])
					}
				}
				slices.Sort(sorted)
				m := len(sorted)
				for _, p := range []float64{0, 0.01, 0.5, 0.8, 0.9, 0.95, 0.99, 1} {
					got := Quantile(p, x)
					if m == 0 {
						if !math.IsNaN(got) {
							t.Fatalf("n=%d all NaN p=%v: %v", n, p, got)
						}
						continue
					}
					k := min(max(int(math.Ceil(p*float64(m)-1e-9*p*float64(m))), 1), m)
					if want := sorted[k-1]; got != want {
						t.Fatalf("n=%d levels=%d NaN %d %% p=%v: %v, want %v", n, levels, nanPct, p, got, want)
					}
				}
			}
		}
	}
}

func seq(from, to float64) []float64 {
	var x []float64
	for v := from; v <= to; v++ {
		x = append(x, v)
	}
	return x
}

func TestQuantile(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		p    float64
		x    []float64
		want float64
	}{
		// Empirical: the k-th smallest of n with k = ⌈p·n⌉.
		{"P95 of 1..20", 0.95, seq(1, 20), 19},          // k = ⌈19⌉ = 19
		{"P95 of 1..10", 0.95, seq(1, 10), 10},          // k = ⌈9.5⌉ = 10
		{"P50 of 1..4", 0.50, []float64{4, 3, 2, 1}, 2}, // k = 2, unsorted input
		{"P100 is the max", 1, []float64{3, 9, 1}, 9},
		{"P100 with NaNs", 1, []float64{nan, 3, nan, 9, 1, nan}, 9},
		{"P100 all NaN", 1, []float64{nan, nan}, nan},
		{"P0 is the min", 0, []float64{3, 9, 1}, 1},
		{"P95 of 2 days", 0.95, []float64{40, 90}, 90}, // k = ⌈1.9⌉ = 2
		{"single", 0.5, []float64{7}, 7},
		// NaNs are dropped: P50 of {1,2,3} has k = ⌈1.5⌉ = 2.
		{"NaNs dropped", 0.5, []float64{nan, 3, 1, nan, 2}, 2},
		{"all NaN", 0.95, []float64{nan, nan}, nan},
		{"empty", 0.95, nil, nan},
		// 0.07 × 100 is 7.000000000000001 in floating point; the 7th value.
		{"P7 of 1..100", 0.07, seq(1, 100), 7},
		{"P29 of 1..100", 0.29, seq(1, 100), 29},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.x)
			got := Quantile(tc.p, in)
			if !modeltest.Close(got, tc.want, 0) {
				t.Errorf("Quantile(%v, %v) = %v, want %v", tc.p, tc.x, got, tc.want)
			}
			if !slices.EqualFunc(in, tc.x, func(a, b float64) bool { return modeltest.Close(a, b, 0) }) {
				t.Errorf("input modified: %v, was %v", in, tc.x)
			}
		})
	}
}

// TestQuantileMatchesGonum checks Quantile against stat.Quantile with
// stat.Empirical wherever p·n is not a whole number (where gonum's floating
// point rounding may pick the next value).
func TestQuantileMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 50; n++ {
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Round(rng.Float64() * 100)
		}
		sorted := slices.Clone(x)
		sort.Float64s(sorted)
		for pct := 1; pct <= 100; pct++ {
			if pct*n%100 == 0 {
				continue
			}
			p := float64(pct) / 100
			if got, want := Quantile(p, x), stat.Quantile(p, stat.Empirical, sorted, nil); got != want {
				t.Fatalf("n=%d p=%v: Quantile = %v, gonum = %v", n, p, got, want)
			}
		}
	}
}

func TestQuantilePanics(t *testing.T) {
	for _, p := range []float64{-0.1, 1.01, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Quantile(%v) did not panic", p)
				}
			}()
			Quantile(p, []float64{1})
		}()
	}
}
