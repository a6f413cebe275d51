package binpack

import (
	"cmp"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
)

// Reduced-cost bin completion. Let π be dual values feasible for the
// pattern LP of a residual d (every pattern a has π·a ≤ 1; the master's
// duals at convergence, which the exchange columns keep non-negative).
// For any packing of d into k bins, Σ over its bins of the reduced cost
// 1 − π·a equals k − π·d. So a packing into at most m bins uses only
// bins whose reduced costs sum to at most m − π·d: with m the goal and
// π·d the LP optimum, that is the gap between goal and LP bound, 0.002
// bins on some Hard28 instances, and almost every pattern is excluded.
// The admissible patterns (reduced cost and waste within the budgets,
// the waste budget being m·C − Σw) are listed once, and the packing is
// an exact cover of the items by them, searched one bin at a time as in
// Knuth's algorithm X: branch on the item with the fewest patterns left
// that fit the residual and both budgets, prune when an item has none or
// when the items above C/2 (one per bin) need more reduced cost than is
// left. Once bins have been chosen the budgets left depend only on the
// items left and the number of bins used, so a failed residual is
// remembered and never searched twice.
//
// On instances where the LP bound is the optimum and almost tight (Hard28)
// this finds the packing the dive misses: the dive fixes the LP's own
// patterns, while here every pattern of near-zero reduced cost competes.
// With a loose budget (more than rcMaxPatterns admissible patterns) it
// gives up at once.

// rcEps absorbs the floating-point error of the duals in the budget test
// (a wrong exclusion only loses a packing, never makes one infeasible).
const rcEps = 1e-7

// rcMemoMax bounds the memory of failed residuals.
const rcMemoMax = 1 << 18

// rcRestartFirst is the node limit of the first restart.
const rcRestartFirst = 50_000

// rcNodesPerUnit: search nodes (one test of one pattern against the
// residual and budgets, about 20 ns) per work unit.
const rcNodesPerUnit = 2

type rcSearch struct {
	w     []int64   // weight per group (decreasing)
	pi    []float64 // dual per group
	ratio []float64 // suffix maximum of π/w: the value one unit of capacity can add
	c     int64
	d     []int64 // residual (changes during the search)
	pats  []rcCand
	stack [][]int32 // the patterns alive at each depth
	cnt   []int32   // per group: alive patterns holding it
	minRC []float64 // per group: least reduced cost of those
	bins  []cgCol   // the bins chosen so far
	nodes int64
	limit int64
	eps   float64 // slack of the budget tests (rcEps and the pricing's)
	memo  map[string]struct{}
	key   []byte
}

// rcMaxPatterns: with more admissible patterns than this the budget is
// too loose for the search to pay (no packing is sought).
const rcMaxPatterns = 20_000

// rcComplete packs the residual d (per group, weights w decreasing,
// capacity c) into at most m bins of reduced cost under the optimal duals
// pi summing to at most m − π·d, within maxWork work units; lpCols and
// lpX (the LP solution) order the first attempt. It returns the bins
// (patterns over groups) or nil, the work spent, and whether the search
// was complete: then no packing of d into m bins exists (a proof, as the
// duals are feasible for every pattern: the master's pricing is exact at
// convergence, up to cgEps per pattern, which r.eps covers).
func rcComplete(w []int64, pi []float64, c int64, d []int64, m int, maxWork int64, lpCols []cgCol, lpX []float64) ([]cgCol, int64, bool) {
	bins, nodes, complete := rcSolve(w, pi, c, d, m, maxWork*rcNodesPerUnit, lpCols, lpX)
	return bins, nodes/rcNodesPerUnit + 1, complete
}

func rcSolve(w []int64, pi []float64, c int64, d []int64, m int, limit int64, lpCols []cgCol, lpX []float64) ([]cgCol, int64, bool) {
	r := &rcSearch{w: w, pi: pi, c: c, d: slices.Clone(d), limit: limit, memo: map[string]struct{}{}}
	// a pattern's reduced cost may be −cgEps (the pricing's tolerance),
	// so m bins may have m·cgEps more budget than m − π·d says
	r.eps = rcEps + 2*cgEps*float64(m)
	r.ratio = make([]float64, len(w)+1)
	for g := len(w) - 1; g >= 0; g-- {
		r.ratio[g] = max(r.ratio[g+1], max(0, pi[g])/float64(w[g]))
	}
	var piD float64
	var vol int64
	for g, k := range d {
		piD += float64(k) * pi[g]
		vol += k * w[g]
	}
	budget := float64(m) - piD
	waste := int64(m)*c - vol
	if budget < -r.eps || waste < 0 {
		return nil, 0, true
	}
	// every admissible pattern, by its largest group
	for g, k := range d {
		if k == 0 {
			continue
		}
		r.pats = append(r.pats, r.completions(g, budget, waste, rcMaxPatterns-len(r.pats))...)
		if len(r.pats) > rcMaxPatterns || r.nodes >= r.limit {
			return nil, r.nodes, false
		}
	}
	// the patterns of the LP solution first, by decreasing value
	xOf := map[string]float64{}
	for k, c := range lpCols {
		xOf[colKey(c)] += lpX[k]
	}
	for q := range r.pats {
		p := &r.pats[q]
		p.x = xOf[colKey(p.col)]
		p.rcq = int64(math.Round(p.rc / rcEps))
	}
	// Restarts (Gomes, Selman and Kautz 1998): the search is heavy-tailed
	// in the order of the patterns, so it runs with growing node limits,
	// the LP's patterns first, then by reduced cost alone, then by reduced
	// cost with random ties; failed residuals stay known across restarts
	// (a residual is remembered only when its search was complete).
	rng := rand.New(rand.NewPCG(uint64(len(r.pats)), 0x7263))
	order := make([]int32, len(r.pats))
	keys := make([]float64, len(r.pats))
	step := max(rcRestartFirst, limit/256)
	for k := 0; r.nodes < limit; k++ {
		for q := range order {
			order[q] = int32(q)
			keys[q] = rng.Float64()
		}
		lpFirst := k == 0 || k > 1 && rng.IntN(2) == 0
		slices.SortStableFunc(order, func(qa, qb int32) int {
			a, b := &r.pats[qa], &r.pats[qb]
			switch {
			case lpFirst && a.x > b.x:
				return -1
			case lpFirst && a.x < b.x:
				return 1
			case a.rcq != b.rcq:
				return cmp.Compare(a.rcq, b.rcq)
			case k > 1 && keys[qa] < keys[qb]:
				return -1
			case k > 1 && keys[qa] > keys[qb]:
				return 1
			case a.load > b.load:
				return -1
			case a.load < b.load:
				return 1
			}
			return 0
		})
		r.limit = min(limit, r.nodes+step)
		r.bins = r.bins[:0]
		copy(r.d, d)
		if r.fill(order, budget, waste, m, 0) {
			return r.bins, r.nodes, false
		}
		if r.nodes < r.limit {
			return nil, r.nodes, true // the search was complete: no packing
		}
		step += step / 2
	}
	return nil, r.nodes, false
}

type rcCand struct {
	x    float64 // value in the LP solution
	rcq  int64   // rc in units of rcEps (the order of the search)
	col  cgCol
	rc   float64
	load int64
}

// fits reports whether pattern p fits the residual and the budgets.
func (r *rcSearch) fits(p *rcCand, budget float64, waste int64) bool {
	if p.rc > budget+r.eps || r.c-p.load > waste {
		return false
	}
	for k, g := range p.col.idx {
		if int64(p.col.cnt[k]) > r.d[g] {
			return false
		}
	}
	return true
}

// fill chooses the next bin, as in exact cover (Knuth's algorithm X):
// the patterns that still fit are the parent's that fit (alive, in the
// restart's order; the set only shrinks on the way down), the group left
// with the fewest of them is branched on (none: the residual fails), and
// each of its patterns is tried in turn.
func (r *rcSearch) fill(alive []int32, budget float64, waste int64, binsLeft int, depth int) bool {
	if r.cnt == nil {
		r.cnt = make([]int32, len(r.w))
		r.minRC = make([]float64, len(r.w))
	}
	left := false
	for _, k := range r.d {
		if k > 0 {
			left = true
			break
		}
	}
	if !left {
		return true
	}
	if binsLeft == 0 || r.nodes >= r.limit {
		return false
	}
	for len(r.stack) <= depth {
		r.stack = append(r.stack, nil)
	}
	now := r.stack[depth][:0]
	clear(r.cnt)
	for g := range r.minRC {
		r.minRC[g] = math.Inf(1)
	}
	r.nodes += int64(len(alive)) + 1
	for _, q := range alive {
		p := &r.pats[q]
		if !r.fits(p, budget, waste) {
			continue
		}
		now = append(now, q)
		for _, g := range p.col.idx {
			r.cnt[g]++
			r.minRC[g] = min(r.minRC[g], p.rc)
		}
	}
	r.stack[depth] = now
	best := -1
	need := 0.0 // the bins of the items above C/2 are distinct
	for g, k := range r.d {
		if k == 0 {
			continue
		}
		if r.cnt[g] == 0 {
			return false
		}
		if 2*r.w[g] > r.c {
			if need += float64(k) * r.minRC[g]; need > budget+r.eps {
				return false
			}
		}
		if best < 0 || r.cnt[g] < r.cnt[best] {
			best = g
		}
	}
	key := r.stateKey(binsLeft)
	if _, failed := r.memo[string(key)]; failed {
		return false
	}
	for i := 0; i < len(now); i++ {
		q := now[i]
		cd := &r.pats[q]
		if !slices.Contains(cd.col.idx, int32(best)) {
			continue
		}
		for k, g := range cd.col.idx {
			r.d[g] -= int64(cd.col.cnt[k])
		}
		r.bins = append(r.bins, cd.col)
		ok := r.fill(now, budget-cd.rc, waste-(r.c-cd.load), binsLeft-1, depth+1)
		if ok {
			return true
		}
		r.bins = r.bins[:len(r.bins)-1]
		for k, g := range cd.col.idx {
			r.d[g] += int64(cd.col.cnt[k])
		}
		if r.nodes >= r.limit {
			return false
		}
	}
	if len(r.memo) < rcMemoMax {
		key = r.stateKey(binsLeft)
		r.memo[string(key)] = struct{}{}
	}
	return false
}

func (r *rcSearch) stateKey(binsLeft int) []byte {
	r.key = binary.AppendUvarint(r.key[:0], uint64(binsLeft))
	for _, k := range r.d {
		r.key = binary.AppendUvarint(r.key, uint64(k))
	}
	return r.key
}

// completions lists the bins holding one item of group g0 and items left
// whose reduced cost is within budget and waste within waste, by
// increasing reduced cost, then decreasing load.
func (r *rcSearch) completions(g0 int, budget float64, waste int64, maxOut int) []rcCand {
	r.d[g0]--
	defer func() { r.d[g0]++ }()
	var out []rcCand
	cnt := make([]int32, 0, 8)
	idx := make([]int32, 0, 8)
	need := 1 - budget - r.eps // the bin's π·a must reach this
	var dfs func(g int, load int64, val float64)
	dfs = func(g int, load int64, val float64) {
		r.nodes++
		if r.c-load <= waste && val >= need {
			col := cgCol{idx: []int32{int32(g0)}, cnt: []int32{1}}
			for k, gi := range idx {
				if int(gi) == g0 {
					col.cnt[0] += cnt[k]
					continue
				}
				col.idx = append(col.idx, gi)
				col.cnt = append(col.cnt, cnt[k])
			}
			out = append(out, rcCand{col: col, rc: 1 - val, load: load})
		}
		for ; g < len(r.w); g++ {
			if r.nodes >= r.limit || len(out) > maxOut {
				return
			}
			if val+float64(r.c-load)*r.ratio[g] < need {
				return
			}
			if r.d[g] == 0 || load+r.w[g] > r.c {
				continue
			}
			// take t ≥ 1 items of group g, then go on with smaller groups
			n := int64(0)
			for load+r.w[g] <= r.c && n < r.d[g] {
				n++
				load += r.w[g]
				val += r.pi[g]
				idx = append(idx, int32(g))
				cnt = append(cnt, int32(n))
				dfs(g+1, load, val)
				idx = idx[:len(idx)-1]
				cnt = cnt[:len(cnt)-1]
			}
			load -= int64(n) * r.w[g]
			val -= float64(n) * r.pi[g]
		}
	}
	dfs(g0, r.w[g0], r.pi[g0])
	// This order is the tie order of every restart's sort (a stable sort
	// by pattern index): the search is heavy-tailed in it, and without it
	// one more Hard28 instance is missed within the default budget.
	slices.SortStableFunc(out, func(a, b rcCand) int {
		switch {
		case a.rc < b.rc:
			return -1
		case a.rc > b.rc:
			return 1
		case a.load > b.load:
			return -1
		case a.load < b.load:
			return 1
		}
		return 0
	})
	return out
}

func colKey(c cgCol) string {
	var b []byte
	for k, g := range c.idx {
		b = binary.AppendUvarint(b, uint64(g))
		b = binary.AppendUvarint(b, uint64(c.cnt[k]))
	}
	return string(b)
}
