package profile

import (
	"math"
	"sort"
)

// Quantile returns the p-quantile (0 < p ≤ 1) of x with gonum's Empirical
// definition (stat.Quantile with stat.Empirical): the smallest value at or
// above a fraction p of the samples, that is the k-th smallest of n values
// with k = ⌈p·n⌉. NaNs are dropped; x is not modified. It returns NaN when
// no value is left.
//
// Unlike stat.Quantile it tolerates rounding in p·n: p = 0.07 and n = 100
// give p·n = 7.000000000000001 in floating point, which gonum rounds up to
// the 8th value; here it is the 7th.
func Quantile(p float64, x []float64) float64 {
	return quantileInPlace(p, append(make([]float64, 0, len(x)), x...))
}

// quantileInPlace is Quantile on scratch values x, which it reorders and
// overwrites (NaNs dropped in place): no allocation, the same value.
func quantileInPlace(p float64, x []float64) float64 {
	if !(p >= 0 && p <= 1) {
		panic("model: Quantile with p outside [0, 1]")
	}
	if p == 1 {
		// The n-th of n (k = ⌈n − 1e-9·n⌉ = n below 10^9 values): the
		// largest, in one pass, x untouched.
		return maxNonNaN(x)
	}
	n := 0
	for _, f := range x {
		if f == f { // not NaN
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	k := rank(p, n)
	if m := n - k + 1; m <= topMax {
		// A high percentile (P95 of a time of day's 30 values is the 2nd
		// largest, of a day's 288 the 15th): keep the m largest in one pass.
		return largest(x, m)
	}
	v := x[:0]
	for _, f := range x {
		if f == f {
			v = append(v, f)
		}
	}
	return selectKth(v, k-1)
}

// topMax is the most values largest keeps.
const topMax = 16

// largest returns the m-th largest (1 ≤ m ≤ topMax) of the values of x
// that are not NaN, of which there are at least m: the same value as
// selecting the (n−m+1)-th smallest, without reordering x.
func largest(x []float64, m int) float64 {
	var top [topMax]float64 // the m largest so far, descending
	have := 0
	for _, v := range x {
		if v != v {
			continue
		}
		if have == m {
			if v <= top[m-1] {
				continue
			}
			have--
		}
		i := have
		for i > 0 && top[i-1] < v {
			top[i] = top[i-1]
			i--
		}
		top[i] = v
		have++
	}
	return top[m-1]
}

// rank is the 1-based rank of the p-quantile of n ≥ 1 values: ⌈p·n⌉,
// tolerating rounding in p·n, within 1..n.
func rank(p float64, n int) int {
	f := p * float64(n)
	k := int(math.Ceil(f - 1e-9*f))
	return min(max(k, 1), n)
}

// selectKth returns the k-th smallest (0-based) of v, reordering v: a
// quickselect with a median-of-three pivot and a three-way partition (so
// runs of equal values, common in memory data, cost one pass). It gives
// the same value as sorting and indexing, in linear expected time.
func selectKth(v []float64, k int) float64 {
	lo, hi := 0, len(v)-1
	for hi > lo {
		if hi-lo < 16 {
			sort.Float64s(v[lo : hi+1])
			return v[k]
		}
		a, b, c := v[lo], v[lo+(hi-lo)/2], v[hi]
		piv := max(min(a, b), min(max(a, b), c))
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch x := v[i]; {
			case x < piv:
				v[lt], v[i] = x, v[lt]
				lt++
				i++
			case x > piv:
				v[gt], v[i] = x, v[gt]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return piv
		}
	}
	return v[k]
}

// maxNonNaN returns the largest value of x that is not NaN, NaN when there
// is none.
func maxNonNaN(x []float64) float64 {
	m := math.NaN()
	for _, v := range x {
		if v > m || (m != m && v == v) {
			m = v
		}
	}
	return m
}
