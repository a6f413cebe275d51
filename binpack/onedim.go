package binpack

import (
	"math"
	"slices"
)

// The one-dimensional search: when an instance has one dimension of one
// slot, integral sizes, and no existing bins, pins or anti-affinity (the
// classic bin packing problem), Solve replaces the generic improvement
// phase by this search over integer weights: first the column generation
// dive towards the lower bound (colgen_dive.go) with 3/5 of the budget,
// then bin completion with a quarter of what is left (complete), then the
// pool search with the rest (improve1D). The pool search is the same pool-based
// bin-emptying idea (Levine and Ducatelle 2004; Fleszar and Charalambous
// 2011; Buljubašić and Vasquez 2016), but each bin takes its best move by
// an exact, node-bounded subset search over its own items and the pool —
// the minimum bin slack step of MBS' (Gupta and Ho 1999) applied to a bin
// and the pool — rather than the fixed 1-0 … 2-2 swaps, and a fit check is
// one integer comparison, so it does many times more moves for the same
// budget. One fit check or search node is one work unit, as elsewhere.

// odPackNodes bounds the subset search of one bin; odKickNodes the search
// for the items a kick evicts.
const (
	odPackNodes = 4000
	odKickNodes = 1000
)

type oneDim struct {
	e    *engine
	w    []int64 // weight by rank (ranks sorted by decreasing weight, then ID)
	item []int   // engine item index by rank
	c    int64
	poolPacking
	load []int64 // by bin
}

// newOneDim returns the search state for weights of capacity c, without
// bins.
func newOneDim(e *engine, c int64) *oneDim {
	return &oneDim{e: e, c: c, poolPacking: poolPacking{tabuBin: -1}}
}

// oneDimApplicable reports whether Solve may use the one-dimensional search.
func (e *engine) oneDimApplicable(opt SolveOptions, items []int) bool {
	if e.dims != 1 || e.slots[0] != 1 || len(opt.Existing) > 0 || len(opt.Pins) > 0 || opt.NoNewBins || len(e.inst.AntiAffinity) > 0 {
		return false
	}
	if !(e.cap[0] > 0) || !(e.limit[0] < 1<<50) {
		return false
	}
	for _, i := range items {
		v := e.items[i].rows[0][0]
		if v != math.Trunc(v) || v < 0 || v > 1<<50 {
			return false
		}
	}
	return true
}

// improve1D is the improvement phase for one-dimensional instances (see
// oneDimApplicable): while s uses more bins than lb and the budget lasts,
// the bin with the least load goes to the pool and the pool is emptied.
func (e *engine) improve1D(s *state, lb int) *state {
	var items []int
	for _, b := range s.bins {
		items = append(items, b.items...)
	}
	rank := make([]int, len(e.items))
	for r, i := range e.order {
		rank[i] = r
	}
	slices.SortFunc(items, func(a, b int) int {
		wa, wb := e.items[a].rows[0][0], e.items[b].rows[0][0]
		if wa != wb {
			if wa > wb {
				return -1
			}
			return 1
		}
		return rank[a] - rank[b]
	})
	o := newOneDim(e, int64(math.Floor(e.limit[0])))
	pos := make(map[int]int, len(items))
	for r, i := range items {
		o.w = append(o.w, int64(e.items[i].rows[0][0]))
		o.item = append(o.item, i)
		pos[i] = r
	}
	for _, b := range s.bins {
		var bin []int
		var l int64
		for _, i := range b.items {
			bin = append(bin, pos[i])
			l += o.w[pos[i]]
		}
		slices.Sort(bin)
		o.bins = append(o.bins, bin)
		o.load = append(o.load, l)
	}
	best := cloneBins(o.bins)
	if len(best) > lb {
		if bins := o.diveCG(lb, len(best)); bins != nil && len(bins) < len(best) {
			best = bins
			o.setBins(bins)
		}
		lb = max(lb, e.rcBound)
	}
	if len(best) > lb && !e.timedOut {
		if bins := o.complete(lb, (e.budget-e.work)/4); bins != nil {
			best = bins
		}
	}
	best = e.poolSearch(o, best, lb)
	return e.fewerBins(s, best, o.item)
}

// fewerBins returns s when best (bins of ranks, item[r] the engine item of
// rank r) has no fewer bins, else the state that packs best, with s's
// unplaced items: the end of the one-dimensional and vector searches.
func (e *engine) fewerBins(s *state, best [][]int, item []int) *state {
	if len(best) >= len(s.bins) {
		return s
	}
	t := &state{unplaced: s.unplaced}
	for _, bin := range best {
		b := e.newBin(e.limit)
		for _, r := range bin {
			e.add(b, item[r])
		}
		t.bins = append(t.bins, b)
	}
	return t
}

// diveCG runs the column generation dive (colgen_dive.go) with
// diveShareNum/diveShareDen of the budget left: first for a packing into
// lb bins, then, with a third of that share, into lb+1 when the incumbent
// has more (else the lb dive takes the whole share). It returns the bins
// found or nil.
func (o *oneDim) diveCG(lb, incumbent int) [][]int {
	e := o.e
	share := (e.budget - e.work) * diveShareNum / diveShareDen
	stopAt := e.work + share
	dv := newDiver(o)
	first := share
	if incumbent > lb+1 {
		first = share * 2 / 3
	}
	if bins := dv.dive(lb, e.work+first); bins != nil {
		return bins
	}
	if dv.infeasible {
		// proven: lb+1 is a lower bound (Solve reports it)
		e.rcBound = lb + 1
	}
	if incumbent > lb+1 && !e.timedOut {
		return dv.dive(lb+1, stopAt)
	}
	return nil
}

// diveShareNum/diveShareDen is the part of the budget the dive may use.
const (
	diveShareNum = 3
	diveShareDen = 5
)

// setBins replaces the bins by bins (ranks) and empties the pool.
func (o *oneDim) setBins(bins [][]int) {
	o.bins = cloneBins(bins)
	o.load = o.load[:0]
	for _, b := range o.bins {
		var l int64
		for _, r := range b {
			l += o.w[r]
		}
		o.load = append(o.load, l)
	}
	o.pool = o.pool[:0]
}

// leastBin returns the bin of least load.
func (o *oneDim) leastBin() int { return argMin(o.load) }

// deleteBin removes bin j and its load.
func (o *oneDim) deleteBin(j int) {
	o.bins = slices.Delete(o.bins, j, j+1)
	o.load = slices.Delete(o.load, j, j+1)
}

func cloneBins(bins [][]int) [][]int {
	out := make([][]int, len(bins))
	for j, b := range bins {
		out[j] = slices.Clone(b)
	}
	return out
}

// pack replaces bin j's items by the subset of its items and the pool that
// fills it most (ties: the larger sum of squared weights, i.e. larger
// items in the bin and smaller ones in the pool), found by a depth-first
// search by decreasing weight that skips repeated weights. It reports
// whether the bin changed.
func (o *oneDim) pack(j int) bool {
	e := o.e
	cand, forcedItem := o.candidates(j)
	var forced int64
	if forcedItem >= 0 {
		forced = o.w[forcedItem]
	}
	curLoad, curSq := o.load[j], int64(0)
	for _, r := range o.bins[j] {
		curSq += o.w[r] * o.w[r]
	}
	suffix := make([]int64, len(cand)+1)
	for k := len(cand) - 1; k >= 0; k-- {
		suffix[k] = suffix[k+1] + o.w[cand[k]]
	}
	bestLoad, bestSq := curLoad, curSq
	var cur, best []int
	found := false
	nodes := 0
	var dfs func(k int, load, sq int64)
	dfs = func(k int, load, sq int64) {
		prev := int64(-1)
		for ; k < len(cand); k++ {
			if nodes >= odPackNodes || bestLoad == o.c {
				return
			}
			if load+suffix[k] < bestLoad {
				return
			}
			r := cand[k]
			wr := o.w[r]
			if wr == prev || load+wr > o.c {
				continue
			}
			prev = wr
			nodes++
			cur = append(cur, r)
			nl, nsq := load+wr, sq+wr*wr
			if nl > bestLoad || nl == bestLoad && nsq > bestSq {
				bestLoad, bestSq, best, found = nl, nsq, append(best[:0], cur...), true
			}
			dfs(k+1, nl, nsq)
			cur = cur[:len(cur)-1]
		}
	}
	dfs(0, forced, forced*forced)
	e.work += int64(nodes) + 1
	if !found {
		return false
	}
	o.bins[j] = o.repack(j, best, forcedItem)
	o.load[j] = bestLoad
	return true
}

// kick forces a pool item (the largest or, with probability 1/2, a random
// one) into a random bin, evicting the subset of the bin's items of least
// weight that makes room (ties: the first found by decreasing weight), and
// makes the move tabu until the next kick.
func (o *oneDim) kick() {
	p, j, ok := o.kickTarget(o.e)
	if !ok {
		return
	}
	out, _ := o.evict(j, o.load[j]+o.w[p]-o.c)
	o.bins[j] = o.kicked(j, p, out)
	var l int64
	for _, r := range o.bins[j] {
		l += o.w[r]
	}
	o.load[j] = l
}

// odCompletions bounds the completions tried per bin and odGenNodes the
// search that generates them.
const (
	odCompletions = 64
	odGenNodes    = 5000
)

// complete looks for a packing into m bins by bin completion (Martello and
// Toth 1990; Korf 2003), within budget work units: bins are filled one at
// a time, each starting with the largest item left, and every completion —
// a subset of the items left that keeps the total waste within m·c − Σw —
// is tried by decreasing load, depth first with backtracking. It returns
// the bins (ranks) or nil.
func (o *oneDim) complete(m int, budget int64) [][]int {
	e := o.e
	n := len(o.w)
	var total int64
	for _, w := range o.w {
		total += w
	}
	waste := int64(m)*o.c - total
	if waste < 0 {
		return nil
	}
	stop := e.work + budget
	used := make([]bool, n)
	var bins [][]int
	first := 0
	type comp struct {
		items []int
		load  int64
	}
	var restartStop int64
	shuffle := false
	var rec func(left int, waste int64) bool
	rec = func(left int, waste int64) bool {
		for first < n && used[first] {
			first++
		}
		if first == n {
			return true
		}
		if left == 0 || e.work >= restartStop || e.outOfTime() {
			return false
		}
		i := first
		used[i] = true
		var comps []comp
		var cur []int
		nodes := 0
		var gen func(k int, load int64)
		gen = func(k int, load int64) {
			prev := int64(-1)
			for ; k < n && nodes < odGenNodes; k++ {
				if used[k] || o.w[k] == prev || load+o.w[k] > o.c {
					continue
				}
				prev = o.w[k]
				nodes++
				cur = append(cur, k)
				nl := load + o.w[k]
				if o.c-nl <= waste {
					comps = append(comps, comp{slices.Clone(cur), nl})
				}
				gen(k+1, nl)
				cur = cur[:len(cur)-1]
			}
		}
		if o.c-o.w[i] <= waste {
			comps = append(comps, comp{nil, o.w[i]})
		}
		gen(i+1, o.w[i])
		e.work += int64(nodes) + 1
		slices.SortStableFunc(comps, func(a, b comp) int {
			if a.load != b.load {
				if a.load > b.load {
					return -1
				}
				return 1
			}
			return 0
		})
		if len(comps) > odCompletions {
			comps = comps[:odCompletions]
		}
		saveFirst := first
		if shuffle {
			// a random order among completions of equal load
			for a := 0; a < len(comps); {
				b := a + 1
				for b < len(comps) && comps[b].load == comps[a].load {
					b++
				}
				e.rng.Shuffle(b-a, func(x, y int) { comps[a+x], comps[a+y] = comps[a+y], comps[a+x] })
				a = b
			}
		}
		for _, cp := range comps {
			for _, k := range cp.items {
				used[k] = true
			}
			bins = append(bins, append([]int{i}, cp.items...))
			if rec(left-1, waste-(o.c-cp.load)) {
				return true
			}
			bins = bins[:len(bins)-1]
			for _, k := range cp.items {
				used[k] = false
			}
			first = saveFirst
			if e.work >= restartStop || e.timedOut {
				break
			}
		}
		used[i] = false
		first = saveFirst
		return false
	}
	// Restarts with growing limits (Gomes, Selman and Kautz 1998): the
	// first run takes completions in order, later ones shuffle completions
	// of equal load, against the heavy tail of backtracking.
	limit := int64(20 * n)
	for r := 0; e.work < stop && !e.timedOut; r++ {
		first = 0
		bins = bins[:0]
		shuffle = r > 0
		restartStop = min(stop, e.work+limit)
		if rec(m, waste) {
			return bins
		}
		limit += limit / 2
	}
	return nil
}

// concentrate applies the first exchange between two bins that makes the
// fuller one fuller (gathering free space where a pool item can use it):
// the fuller bin takes the subset of both bins' items that fills it most.
func (o *oneDim) concentrate() bool {
	e := o.e
	idx := make([]int, len(o.bins))
	for j := range idx {
		idx[j] = j
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if o.load[a] != o.load[b] {
			if o.load[a] > o.load[b] {
				return -1
			}
			return 1
		}
		return 0
	})
	for x, j := range idx {
		if j == o.tabuBin || o.load[j] == o.c {
			continue
		}
		for y := len(idx) - 1; y > x; y-- {
			k := idx[y]
			if k == o.tabuBin {
				continue
			}
			if e.outOfTime() {
				return false
			}
			cand := append(slices.Clone(o.bins[j]), o.bins[k]...)
			slices.Sort(cand)
			suffix := make([]int64, len(cand)+1)
			for q := len(cand) - 1; q >= 0; q-- {
				suffix[q] = suffix[q+1] + o.w[cand[q]]
			}
			bestLoad := o.load[j]
			var cur, best []int
			nodes := 0
			var dfs func(q int, load int64)
			dfs = func(q int, load int64) {
				prev := int64(-1)
				for ; q < len(cand); q++ {
					if nodes >= odPackNodes || bestLoad == o.c || load+suffix[q] <= bestLoad {
						return
					}
					r := cand[q]
					if o.w[r] == prev || load+o.w[r] > o.c {
						continue
					}
					prev = o.w[r]
					nodes++
					cur = append(cur, r)
					if nl := load + o.w[r]; nl > bestLoad {
						bestLoad, best = nl, append(best[:0], cur...)
					}
					dfs(q+1, load+o.w[r])
					cur = cur[:len(cur)-1]
				}
			}
			dfs(0, 0)
			e.work += int64(nodes) + 1
			if best == nil {
				continue
			}
			rest := slices.DeleteFunc(cand, func(r int) bool { return slices.Contains(best, r) })
			slices.Sort(best)
			o.load[k] = o.load[j] + o.load[k] - bestLoad
			o.bins[j], o.bins[k], o.load[j] = best, rest, bestLoad
			return true
		}
	}
	return false
}

// evict returns the subset of bin j's items of least weight that is at
// least need (ties: the first found by decreasing weight), and its weight;
// beyond odKickNodes nodes, the largest items until need is met.
func (o *oneDim) evict(j int, need int64) ([]int, int64) {
	if need <= 0 {
		return nil, 0
	}
	e := o.e
	bin := o.bins[j]
	bestSum := int64(math.MaxInt64)
	var cur, out []int
	nodes := 0
	var dfs func(k int, sum int64)
	dfs = func(k int, sum int64) {
		for ; k < len(bin) && nodes < odKickNodes; k++ {
			nodes++
			s := sum + o.w[bin[k]]
			if s >= bestSum {
				continue
			}
			cur = append(cur, bin[k])
			if s >= need {
				bestSum, out = s, slices.Clone(cur)
			} else {
				dfs(k+1, s)
			}
			cur = cur[:len(cur)-1]
		}
	}
	dfs(0, 0)
	e.work += int64(nodes) + 1
	if out == nil { // node limit: evict by decreasing weight
		var s int64
		for _, r := range bin {
			out = append(out, r)
			if s += o.w[r]; s >= need {
				return out, s
			}
		}
	}
	return out, bestSum
}
