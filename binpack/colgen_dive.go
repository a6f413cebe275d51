package binpack

import (
	"slices"
)

// The primal side of column generation: residual rounding with diving
// and limited backtracking (Belov and Scheithauer 2006; Wäscher and Gau
// 1996). At a node, the LP of the residual instance (the items not yet in
// a fixed bin) is re-optimised: one master is kept for the whole dive and
// a change of demands is a dual simplex from the last basis, then column
// generation. When its bound plus the fixed bins exceeds the goal the node
// is pruned; otherwise every pattern at value ≥ 1 is fixed ⌊x_p⌋ times
// (rounding down, which cannot raise the bound), or, when none is, one
// pattern is fixed once and the residual is solved again. The candidates
// are the patterns of the LP solution holding the largest item left (the
// hardest to place, as in bin completion), by decreasing value; a residual
// of at most diveLeafItems items (more when the goal leaves no waste) is
// packed by bin completion (oneDim.complete). Limited discrepancy search (Harvey and Ginsberg 1995)
// tries the first diveBranch candidates with at most D non-first choices on
// a path, for D = 0, 1, 2, … until the tree is exhausted or the budget
// ends. Exchange columns of the LP let a large item's slot hold a smaller
// one; a fixed pattern does the same (trim).

// Dive parameters (never tuned per instance or set).
const (
	// diveLeafItems: a residual with at most this many items goes to bin
	// completion, within diveLeafWork units. When the goal leaves no
	// waste, completions are exact fills, few per bin, and bin completion
	// takes larger residuals (diveLeafItemsExact, diveLeafWorkExact).
	diveLeafItems      = 24
	diveLeafWork       = 20_000
	diveLeafItemsExact = 60
	diveLeafWorkExact  = 200_000
	// diveBranch is the number of alternatives per node.
	diveBranch = 4
	// rcShareNum/rcShareDen of a dive's work limit goes to the
	// reduced-cost bin completion at its root (colgen_rc.go).
	rcShareNum = 1
	rcShareDen = 3
)

type cgDiver struct {
	e      *engine
	o      *oneDim
	gw     []int64 // weight per group (distinct weights, decreasing)
	gFirst []int   // first rank of each group
	gSize  []int64
	master *cgMaster
	root   *lpNode // the LP at the root for the current goal
	cut    bool    // the discrepancy limit left an alternative out
	exact  bool    // the goal leaves no waste
	limit  int64
	fixed  []cgCol // over groups
	goal   int
	found  [][]int
	leaf   [][]int // the leaf bins of the success (ranks)
	broke  bool    // budget or deadline reached
	// rcDone: the reduced-cost completion ran for this goal, with at
	// most rcLimit work units
	rcDone  bool
	rcLimit int64
	// infeasible: the reduced-cost completion proved that no packing
	// into the goal exists
	infeasible bool
}

func newDiver(o *oneDim) *cgDiver {
	dv := &cgDiver{e: o.e, o: o}
	for r, w := range o.w {
		if n := len(dv.gw); n > 0 && dv.gw[n-1] == w {
			dv.gSize[n-1]++
			continue
		}
		dv.gw = append(dv.gw, w)
		dv.gFirst = append(dv.gFirst, r)
		dv.gSize = append(dv.gSize, 1)
	}
	return dv
}

func (dv *cgDiver) stop() bool {
	if dv.e.work >= dv.limit || dv.e.outOfTime() {
		dv.broke = true
	}
	return dv.broke
}

// lpNode is the LP solution of a residual: patterns over groups with values.
type lpNode struct {
	lb    int
	cols  []cgCol
	x     []float64
	loads []int64
	pi    []float64 // the duals (optimal: the LP converged)
}

// solve re-optimises the LP for the residual demands d (per group): one
// master over all groups is kept for the whole dive, and a change of
// demands is a dual simplex from the last basis (the classic warm start
// of diving), then column generation.
func (dv *cgDiver) solve(d []int64, minLoad int64) (lpNode, bool) {
	if len(dv.gw) > cgMaxRows {
		return lpNode{}, false
	}
	if dv.master == nil {
		if s := dv.reuseLP(d); s != nil {
			// the root LP of lpBound: a change of minLoad is a dual
			// simplex from its basis, else generation resumes if the
			// bound's work limit stopped it
			dv.master = s
			if minLoad != s.p.minLoad {
				s.setDemand(d, minLoad)
			} else if !s.converged {
				s.run()
			}
		} else {
			p := &cgProblem{w: dv.gw, d: slices.Clone(d), c: dv.o.c, minLoad: minLoad}
			dv.master = newMaster(p, nil, &dv.e.work, dv.stop)
			dv.master.run()
		}
	} else {
		dv.master.setDemand(d, minLoad)
	}
	s := dv.master
	if !s.converged {
		return lpNode{}, false
	}
	nd := lpNode{lb: ceilBinsEps(s.bound, cgBoundEps), pi: slices.Clone(s.pi)}
	for i, q := range s.basis {
		c := s.cols[q]
		if c.doi || s.x[i] <= 1e-9 || s.load[q] < minLoad {
			continue
		}
		nd.cols = append(nd.cols, c)
		nd.x = append(nd.x, s.x[i])
		nd.loads = append(nd.loads, s.load[q])
	}
	return nd, true
}

// reuseLP takes the engine's root master (lpBound) when it is over the
// same groups (weights in the same order, capacity) with demands d: its
// work counter and stop become the dive's. It returns nil otherwise.
func (dv *cgDiver) reuseLP(d []int64) *cgMaster {
	s := dv.e.lp
	if s == nil {
		return nil
	}
	dv.e.lp = nil
	if s.p.c != dv.o.c || !slices.Equal(s.p.w, dv.gw) || !slices.Equal(s.p.d, d) {
		return nil
	}
	s.work, s.stop = &dv.e.work, dv.stop
	return s
}

// dive looks for a packing into goal bins within the work limit; it
// returns the bins (ranks) or nil.
func (dv *cgDiver) dive(goal int, limit int64) [][]int {
	dv.goal, dv.limit, dv.broke, dv.root = goal, limit, false, nil
	dv.rcDone, dv.rcLimit, dv.infeasible = false, (limit-dv.e.work)*rcShareNum/rcShareDen, false
	d := slices.Clone(dv.gSize)
	var vol int64
	for g, k := range d {
		vol += k * dv.gw[g]
	}
	dv.exact = int64(goal)*dv.o.c == vol
	for disc := 0; !dv.stop(); disc++ {
		dv.fixed = dv.fixed[:0]
		dv.cut = false
		if dv.node(d, disc) {
			return dv.packing()
		}
		if !dv.cut || dv.infeasible { // the whole tree was searched
			break
		}
	}
	return nil
}

// node searches below the residual d with disc discrepancies left.
func (dv *cgDiver) node(d []int64, disc int) bool {
	if dv.stop() {
		return false
	}
	var items int64
	for _, k := range d {
		items += k
	}
	if items == 0 {
		dv.leaf = nil
		return len(dv.fixed) <= dv.goal
	}
	if items <= diveLeafItems || dv.exact && items <= diveLeafItemsExact {
		return dv.finish(d)
	}
	// When the goal leaves no waste (goal·C = Σw), every bin of a packing
	// into it is full: the LP takes full patterns only, a much tighter
	// relaxation (cgProblem.minLoad). With waste left, the restricted LP
	// is valid too but prunes the dive's alternatives more than it helps.
	minLoad := int64(0)
	if dv.exact {
		minLoad = dv.o.c
	}
	var nd lpNode
	if len(dv.fixed) == 0 && dv.root != nil {
		nd = *dv.root
	} else {
		var ok bool
		if nd, ok = dv.solve(d, minLoad); !ok {
			// the budget (then dv.broke is set), or a numerical failure
			// of the simplex: give up this node
			return false
		}
		if len(dv.fixed) == 0 {
			dv.root = &nd
		}
	}
	if len(dv.fixed)+nd.lb > dv.goal {
		return false
	}
	if len(dv.fixed) == 0 && !dv.rcDone {
		// once per goal, before the first rounding: the reduced-cost
		// bin completion of the whole instance (colgen_rc.go)
		dv.rcDone = true
		lim := min(dv.rcLimit, max(0, dv.limit-dv.e.work))
		bins, work, complete := rcComplete(dv.gw, nd.pi, dv.o.c, d, dv.goal, lim, nd.cols, nd.x)
		dv.e.work += work
		if bins != nil {
			dv.fixed = append(dv.fixed, bins...)
			dv.leaf = nil
			return true
		}
		if complete {
			// a proof: no packing into the goal exists
			dv.infeasible = true
			return false
		}
	}
	// rounding down: every pattern at value ≥ 1, ⌊x⌋ times
	var down []cgCol
	rest := slices.Clone(d)
	for k, c := range nd.cols {
		for t := int(nd.x[k] + 1e-9); t > 0; t-- {
			save := slices.Clone(rest)
			if f, ok := trim(c, rest); ok && dv.load(f) >= minLoad {
				down = append(down, f)
			} else {
				copy(rest, save)
			}
		}
	}
	if len(down) > 0 {
		n := len(dv.fixed)
		dv.fixed = append(dv.fixed, down...)
		if dv.node(rest, disc) {
			return true
		}
		dv.fixed = dv.fixed[:n]
		return false
	}
	// diving: patterns holding the largest item left first (the hardest
	// to place, as in bin completion), then by decreasing value, then the
	// fuller pattern
	idx := make([]int, len(nd.cols))
	for k := range idx {
		idx[k] = k
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ga, gb := nd.cols[a].idx[0], nd.cols[b].idx[0]
		switch {
		case ga != gb:
			return int(ga - gb)
		case nd.x[a] > nd.x[b]+1e-9:
			return -1
		case nd.x[a] < nd.x[b]-1e-9:
			return 1
		case nd.loads[a] > nd.loads[b]:
			return -1
		case nd.loads[a] < nd.loads[b]:
			return 1
		}
		return 0
	})
	for alt, k := range idx {
		if alt >= diveBranch {
			break
		}
		if alt > disc {
			dv.cut = true
			break
		}
		rest := slices.Clone(d)
		f, ok := trim(nd.cols[k], rest)
		if !ok || dv.load(f) < minLoad {
			continue
		}
		n := len(dv.fixed)
		dv.fixed = append(dv.fixed, f)
		if dv.node(rest, disc-alt) {
			return true
		}
		dv.fixed = dv.fixed[:n]
		if dv.broke {
			return false
		}
	}
	return false
}

func (dv *cgDiver) load(c cgCol) int64 {
	var l int64
	for k, g := range c.idx {
		l += int64(c.cnt[k]) * dv.gw[g]
	}
	return l
}

// trim takes pattern c (over groups) out of the residual d. An item the
// residual no longer holds leaves a slot that takes the next smaller item
// the residual holds (the exchange columns of the LP do the same
// downgrade); false if the pattern ends up empty.
func trim(c cgCol, d []int64) (cgCol, bool) {
	cnt := make(map[int32]int32, len(c.idx)) // lookup only
	var order []int32
	carry := int64(0)
	next := 0
	for g := int32(0); int(g) < len(d); g++ {
		want := int64(0)
		if next < len(c.idx) && c.idx[next] == g {
			want = int64(c.cnt[next])
			next++
		}
		want += carry
		if want == 0 {
			if next == len(c.idx) {
				break
			}
			continue
		}
		t := min(want, d[g])
		carry = want - t
		if t > 0 {
			d[g] -= t
			cnt[g] += int32(t)
			order = append(order, g)
		}
	}
	var f cgCol
	for _, g := range order {
		f.idx = append(f.idx, g)
		f.cnt = append(f.cnt, cnt[g])
	}
	return f, len(f.idx) > 0
}

// finish packs a small residual d into goal − fixed bins by bin
// completion.
func (dv *cgDiver) finish(d []int64) bool {
	m := dv.goal - len(dv.fixed)
	if m <= 0 {
		return false
	}
	sub := newOneDim(dv.e, dv.o.c)
	var ranks []int
	for g, k := range d {
		// the residual takes the last k ranks of group g
		for r := dv.gFirst[g] + int(dv.gSize[g]-k); r < dv.gFirst[g]+int(dv.gSize[g]); r++ {
			ranks = append(ranks, r)
			sub.w = append(sub.w, dv.o.w[r])
		}
	}
	leafWork := int64(diveLeafWork)
	if dv.exact {
		leafWork = diveLeafWorkExact
	}
	bins := sub.complete(m, min(leafWork, max(0, dv.limit-dv.e.work)))
	if bins == nil {
		return false
	}
	dv.leaf = dv.leaf[:0]
	for _, b := range bins {
		var out []int
		for _, r := range b {
			out = append(out, ranks[r])
		}
		dv.leaf = append(dv.leaf, out)
	}
	return true
}

// packing turns the fixed patterns and the leaf bins into bins of ranks:
// group g's first ranks go to the fixed patterns, its last to the leaf.
func (dv *cgDiver) packing() [][]int {
	next := slices.Clone(dv.gFirst)
	var bins [][]int
	for _, c := range dv.fixed {
		var b []int
		for k, g := range c.idx {
			for range c.cnt[k] {
				b = append(b, next[g])
				next[g]++
			}
		}
		bins = append(bins, b)
	}
	for _, b := range dv.leaf {
		bins = append(bins, slices.Clone(b))
	}
	for _, b := range bins {
		slices.Sort(b)
	}
	return bins
}
