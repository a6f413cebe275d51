package binpack

import (
	"cmp"
	"math"
	"slices"
)

// The LP bound of vector and time-slotted instances: the linear relaxation
// of the set-cover (pattern) formulation
//
//	min Σ_p λ_p  s.t.  Σ_p a_ip λ_p ≥ 1 (every item i),  λ ≥ 0,
//
// where a pattern p is a set of items that fits one bin in every dimension
// and slot, solved by column generation on the master of colgen.go (Gilmore
// and Gomory 1961; for vector packing Caprara and Toth 2001, "Lower bounds
// and algorithms for the 2-dimensional vector packing problem"). Its
// pricing, the pattern of the largest dual value, is a knapsack with one
// constraint per coordinate, solved by depth-first branch and bound
// (Horowitz and Sahni's order on the coordinate whose fractional knapsack
// bound is smallest, with that bound at every node). A pricing cut short
// by its node limit still gives an upper bound on the best pattern's value
// (the fractional bound at the root), and Farley's bound Σπ / max(1, ub) is
// valid with it, so the LP bound is valid even when the generation stops
// early (colgen.go, "Lower bound").
//
// The bound sees what L1 and L2 cannot: items that fit pairwise, or in
// each coordinate's sum, but not in every slot at once. It runs on small
// instances only (a size rule: at most lpVecMaxItems items and
// lpVecMaxCells items × coordinates that can overflow): a pricing is
// exponential in the worst case and the master's basis is dense. On
// fleets of hundreds of small items it would not add to L1 anyway (with
// many small items per bin the LP is close to the volume bound).

const (
	lpVecMaxItems = 150
	lpVecMaxCells = 50_000
	lpVecNodes    = 100_000 // nodes of one pricing
)

// lpVecBound is Bounds.LP for instances that are not one-dimensional: the
// rounded-up LP bound, or 0 when the instance is too large or has
// anti-affinity (the patterns would have to respect it).
func (e *engine) lpVecBound(items []int) int {
	if len(items) == 0 || len(items) > lpVecMaxItems || len(e.inst.AntiAffinity) > 0 {
		return 0
	}
	var cd, ct []int
	var lim []float64
	e.coordTotals(items, func(d, t int, total float64) {
		if total > e.limit[d] {
			cd, ct, lim = append(cd, d), append(ct, t), append(lim, e.limit[d])
		}
	})
	K := len(cd)
	if K == 0 || len(items)*K > lpVecMaxCells {
		return 0
	}
	n := len(items)
	dem := make([][]float64, n)
	for r, i := range items {
		dem[r] = make([]float64, K)
		for k := range K {
			dem[r][k] = e.items[i].rows[cd[k]][ct[k]]
		}
	}
	p := &cgProblem{w: make([]int64, n), d: make([]int64, n), c: 1, noDOI: true}
	for r := range n {
		p.w[r], p.d[r] = 1, 1
	}
	work := int64(0)
	p.price = func(pi []float64) (cgCol, float64, bool, float64) {
		return priceVec(dem, lim, pi, &work)
	}
	res := solveCG(p, nil, &work, func() bool { return work >= lpBoundWork })
	e.work += work
	return res.lb()
}

// priceVec solves max Σ π_r x_r subject to Σ_r dem[r][k]·x_r ≤ lim[k] for
// every coordinate k, x binary, by branch and bound. It returns the best
// pattern found, its value, whether it is proven best, and an upper bound
// on the best value.
func priceVec(dem [][]float64, lim, pi []float64, work *int64) (cgCol, float64, bool, float64) {
	K := len(lim)
	var rows []int
	for r, v := range pi {
		if v > cgEps {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return cgCol{}, 0, true, 0
	}
	// the coordinate whose fractional knapsack bound is smallest
	bestK, rootUB := 0, math.Inf(1)
	order := make([]int, len(rows))
	for k := range K {
		copy(order, rows)
		ub := fracBound(dem, pi, order, k, lim[k])
		*work += int64(len(rows))
		if ub < rootUB {
			bestK, rootUB = k, ub
		}
	}
	copy(order, rows)
	byRatio(dem, pi, order, bestK)
	load := make([]float64, K)
	var cur, best []int
	bestVal, nodes := 0.0, 0
	// upper bound from position x with room on bestK: fractional knapsack
	// in ratio order
	bound := func(x int, val float64) float64 {
		return fracFill(dem, pi, order[x:], bestK, lim[bestK]-load[bestK], val)
	}
	var dfs func(x int, val float64)
	dfs = func(x int, val float64) {
		if nodes >= lpVecNodes {
			return
		}
		nodes++
		if val > bestVal+cgEps {
			bestVal, best = val, append(best[:0], cur...)
		}
		for ; x < len(order); x++ {
			if bound(x, val) <= bestVal+cgEps || nodes >= lpVecNodes {
				return
			}
			r := order[x]
			fits := true
			for k, d := range dem[r] {
				if load[k]+d > lim[k] {
					fits = false
					break
				}
			}
			*work += int64(K)
			if !fits {
				continue
			}
			for k, d := range dem[r] {
				load[k] += d
			}
			cur = append(cur, r)
			dfs(x+1, val+pi[r])
			cur = cur[:len(cur)-1]
			for k, d := range dem[r] {
				load[k] -= d
			}
		}
	}
	dfs(0, 0)
	*work += int64(nodes)
	slices.Sort(best)
	col := cgCol{idx: make([]int32, len(best)), cnt: make([]int32, len(best))}
	for x, r := range best {
		col.idx[x], col.cnt[x] = int32(r), 1
	}
	exact := nodes < lpVecNodes
	ub := rootUB
	if exact {
		ub = bestVal
	}
	return col, bestVal, exact, ub
}

// byRatio sorts rows by decreasing π/demand on coordinate k (a row of no
// demand there first).
func byRatio(dem [][]float64, pi []float64, rows []int, k int) {
	ratio := func(r int) float64 {
		if d := dem[r][k]; d > 0 {
			return pi[r] / d
		}
		return math.Inf(1)
	}
	slices.SortStableFunc(rows, func(a, b int) int { return cmp.Compare(ratio(b), ratio(a)) })
}

// fracBound is the fractional knapsack bound of rows (reordered in place by
// decreasing π/demand) on coordinate k with capacity c.
func fracBound(dem [][]float64, pi []float64, rows []int, k int, c float64) float64 {
	byRatio(dem, pi, rows, k)
	return fracFill(dem, pi, rows, k, c, 0)
}

// fracFill adds to val the duals of rows, taken in their order, that fit
// capacity c on coordinate k, and the fraction of the first that does not.
func fracFill(dem [][]float64, pi []float64, rows []int, k int, c, val float64) float64 {
	for _, r := range rows {
		d := dem[r][k]
		if d <= c {
			c -= d
			val += pi[r]
			continue
		}
		return val + pi[r]*c/d
	}
	return val
}
