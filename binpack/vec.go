package binpack

import (
	"cmp"
	"math"
	"slices"
)

// The vector search: the one-dimensional search of onedim.go generalised to
// every coordinate (dimension × slot; for temporal instances the slots are
// the distinct start times). When an instance is not classic 1-D but has no
// existing bins, pins, anti-affinity or fixed fleet, and is small enough
// (n·K ≤ vecLimit, a size rule, so a 10,000-server plan keeps the generic
// improve), Solve replaces the generic improvement phase by this search:
//
//   - coordinates that no bin can overflow (the total demand fits one bin)
//     are dropped, and so is a coordinate whose every item demand is at
//     most that of another coordinate with the same limit (it can never be
//     the binding one; for temporal items, a start time whose active items
//     are all active at another one);
//   - each item gets a scalar value: its demand summed over the coordinates
//     left, each normalised by capacity and weighted by how scarce the
//     coordinate is (its total demand over capacity, relative to the mean),
//     so that a bin full in the busy coordinates counts as full. A bin full
//     in every coordinate has the largest value there is (full) and is
//     never repacked;
//   - bin completion (Martello and Toth 1990; Korf 2003), see complete:
//     when every bin of a packing at the lower bound LB must be filled
//     exactly in every coordinate (Σ demand = LB·C in each, as in the
//     vector triplet instances), towards LB with half the budget; else
//     towards one bin below the best packing so far, and again while it
//     succeeds, with a quarter;
//   - then the pool search: the bin of least value goes to a pool, each bin
//     in turn takes the subset of its items and the pool of the largest
//     value that fits in every coordinate (an exact, node-bounded depth-first
//     search; ties: the larger sum of squared values), a few pairs of bins
//     exchange items so that the fuller one gets fuller, and a seeded kick
//     forces a pool item into a random bin, evicting the subset of least
//     value that makes room, tabu until the next kick. An empty pool is one
//     bin fewer.
//
// Loads are float64 per coordinate and the fit rule is the package's own
// (load ≤ C·(1+RelTolerance) + AbsTolerance). The search counts operations
// — one coordinate of one fit check or load update, one search node, or one
// step of a binary search — and vecOpsPerUnit of them are one work unit of
// the budget, so results depend on the budget, never on time.

// vecLimit is the largest n·K (items times coordinates) for which the
// vector search runs; domLimit the largest n·K² for which dominated
// coordinates are looked for (both size rules).
const (
	vecLimit    = 2e6
	domLimit    = 5e7
	vecEps      = 1e-9
	vsPack      = 4000 // search nodes per bin repack
	vsConcPairs = 16   // pairs of bins tried per exchange step
	vsConc      = 500  // search nodes per exchange between two bins
	vsKick      = 1000 // search nodes per kick eviction
	vsGen       = 5000 // search nodes per completion generation
	vsComps     = 64   // completions tried per bin
)

type vecSearch struct {
	e   *engine
	K   int
	lim []float64 // limit per coordinate
	cpc []float64 // capacity per coordinate
	// by rank (items sorted by decreasing value, then demand vector, then
	// canonical order):
	idx  [][]int32   // coordinates where the item's demand is not 0
	val  [][]float64 // the demand there
	v    []float64   // value
	cls  []int32     // items of one class have equal demand everywhere
	item []int       // engine item index
	full float64     // value of a bin at capacity in every coordinate

	poolPacking
	load [][]float64 // by bin
	fill []float64   // value per bin

	scratch    []float64
	concCursor int
	keyBuf     []byte
}

// vecApplicable reports whether Solve may use the vector search.
func (e *engine) vecApplicable(opt SolveOptions, items []int) bool {
	if len(opt.Existing) > 0 || len(opt.Pins) > 0 || opt.NoNewBins || len(e.inst.AntiAffinity) > 0 || len(items) == 0 {
		return false
	}
	return float64(len(items))*float64(e.coords()) <= vecLimit
}

// newVecSearch builds the search state for the items of s.
func (e *engine) newVecSearch(s *state) *vecSearch {
	var items []int
	for _, b := range s.bins {
		items = append(items, b.items...)
	}
	// coordinates that can overflow
	type coord struct{ d, t int }
	var coords []coord
	var lim, cpc, dem []float64
	e.coordTotals(items, func(d, t int, sum float64) {
		if sum > e.limit[d] {
			coords = append(coords, coord{d, t})
			lim = append(lim, e.limit[d])
			cpc = append(cpc, e.cap[d])
			dem = append(dem, sum)
		}
	})
	e.work += int64(len(items)) * int64(e.coords())
	at := func(i, k int) float64 { return e.items[i].rows[coords[k].d][coords[k].t] }
	// dominated coordinates: k is dropped when another kept coordinate k'
	// with the same limit has at least k's demand for every item (ties: the
	// later of two equal coordinates is dropped).
	if n, K := float64(len(items)), float64(len(coords)); n*K*K <= domLimit {
		drop := make([]bool, len(coords))
		for k := range coords {
			for k2 := range coords {
				if k2 == k || drop[k2] || lim[k2] != lim[k] {
					continue
				}
				dom, equal := true, true
				for _, i := range items {
					e.work++
					a, b := at(i, k), at(i, k2)
					if a > b {
						dom = false
						break
					}
					if a != b {
						equal = false
					}
				}
				if dom && (!equal || k2 < k) {
					drop[k] = true
					break
				}
			}
		}
		var c2 []coord
		var l2, cp2, d2 []float64
		for k := range coords {
			if !drop[k] {
				c2, l2, cp2, d2 = append(c2, coords[k]), append(l2, lim[k]), append(cp2, cpc[k]), append(d2, dem[k])
			}
		}
		coords, lim, cpc, dem = c2, l2, cp2, d2
	}
	K := len(coords)
	// scarcity weights: demand over capacity, relative to the mean
	w := make([]float64, K)
	mean := 0.0
	for k := range K {
		w[k] = dem[k] / cpc[k]
		mean += w[k]
	}
	if K > 0 {
		mean /= float64(K)
	}
	full := 0.0
	for k := range K {
		w[k] /= mean
		full += w[k]
	}
	vs := &vecSearch{e: e, K: K, lim: lim, cpc: cpc, poolPacking: poolPacking{tabuBin: -1}, full: full, scratch: make([]float64, K)}
	value := make(map[int]float64, len(items))
	for _, i := range items {
		x := 0.0
		for k := range K {
			x += w[k] * at(i, k) / cpc[k]
		}
		value[i] = x
	}
	rank := make([]int, len(e.items))
	for r, i := range e.order {
		rank[i] = r
	}
	vecCmp := func(a, b int) int {
		for k := range K {
			if c := cmp.Compare(at(b, k), at(a, k)); c != 0 {
				return c
			}
		}
		return 0
	}
	slices.SortFunc(items, func(a, b int) int {
		if c := cmp.Compare(value[b], value[a]); c != 0 {
			return c
		}
		if c := vecCmp(a, b); c != 0 {
			return c
		}
		return cmp.Compare(rank[a], rank[b])
	})
	pos := make(map[int]int, len(items))
	cls := int32(-1)
	for r, i := range items {
		if r == 0 || vecCmp(items[r-1], i) != 0 {
			cls++
		}
		var ix []int32
		var vx []float64
		for k := range K {
			if x := at(i, k); x != 0 {
				ix = append(ix, int32(k))
				vx = append(vx, x)
			}
		}
		vs.idx = append(vs.idx, ix)
		vs.val = append(vs.val, vx)
		vs.v = append(vs.v, value[i])
		vs.cls = append(vs.cls, cls)
		vs.item = append(vs.item, i)
		pos[i] = r
	}
	bins := make([][]int, 0, len(s.bins))
	for _, b := range s.bins {
		var bin []int
		for _, i := range b.items {
			bin = append(bin, pos[i])
		}
		slices.Sort(bin)
		bins = append(bins, bin)
	}
	vs.setBins(bins)
	return vs
}

func (vs *vecSearch) addTo(l []float64, r int) {
	for x, k := range vs.idx[r] {
		l[k] += vs.val[r][x]
	}
	vs.e.work += int64(len(vs.idx[r])) + 1
}

func (vs *vecSearch) subFrom(l []float64, r int) {
	for x, k := range vs.idx[r] {
		l[k] -= vs.val[r][x]
	}
	vs.e.work += int64(len(vs.idx[r])) + 1
}

// fitsIn reports whether item r fits on top of load l.
func (vs *vecSearch) fitsIn(l []float64, r int) bool {
	vs.e.work += int64(len(vs.idx[r])) + 1
	for x, k := range vs.idx[r] {
		if l[k]+vs.val[r][x] > vs.lim[k] {
			return false
		}
	}
	return true
}

// improveVec is the improvement phase of the vector search (see
// vecApplicable): completion towards lb, then while s uses more bins than lb
// and the budget lasts, the bin of least value goes to the pool and the pool
// is emptied.
func (e *engine) improveVec(s *state, lb int) *state {
	return e.inOps(func() *state { return e.improveVecOps(s, lb) })
}

// inOps runs search with the budget in operations: the vector and fleet
// searches count coordinate operations, about 3 ns each on the
// development machine; vecOpsPerUnit of them make one work unit, so that
// a unit takes about as long as elsewhere (~50 ns).
func (e *engine) inOps(search func() *state) *state {
	start, budget := e.work, e.budget
	e.work = 0
	if left := budget - start; left > math.MaxInt64/vecOpsPerUnit {
		e.budget = math.MaxInt64
	} else {
		e.budget = max(0, left) * vecOpsPerUnit
	}
	defer func() {
		e.work = start + (e.work+vecOpsPerUnit-1)/vecOpsPerUnit
		e.budget = budget
	}()
	return search()
}

// vecOpsPerUnit is the number of the vector search's operations (one
// coordinate of a fit check or load update, one search node) per work
// unit: measured 2.5–4.2 ns per operation on vbp_new and tbpp_aydin
// instances that spend their whole budget, against about 50 ns per unit
// for the one-dimensional and general searches.
const vecOpsPerUnit = 16

func (e *engine) improveVecOps(s *state, lb int) *state {
	vs := e.newVecSearch(s)
	if vs.K == 0 {
		return s
	}
	best := cloneBins(vs.bins)
	if len(vs.bins) > lb {
		// Bin completion with a quarter of the budget: at the bound when a
		// packing there must fill every bin exactly in every coordinate
		// (exact fills are what completion finds and the pool search
		// hardly does; then with half the budget), else one bin below the
		// best packing so far, again while it succeeds.
		if vs.exactAt(lb) {
			if bins := vs.complete(lb, (e.budget-e.work)/2); bins != nil {
				best = bins
			}
		} else {
			stop := e.work + (e.budget-e.work)/4
			for m := len(best) - 1; m >= lb && e.work < stop; m-- {
				bins := vs.complete(m, stop-e.work)
				if bins == nil {
					break
				}
				best = bins
			}
		}
		if len(best) < len(vs.bins) {
			vs.setBins(best)
		}
	}
	best = e.poolSearch(vs, best, lb)
	return e.fewerBins(s, best, vs.item)
}

// leastBin returns the bin of least value.
func (vs *vecSearch) leastBin() int { return argMin(vs.fill) }

// deleteBin removes bin j, its load and its value.
func (vs *vecSearch) deleteBin(j int) {
	vs.bins = slices.Delete(vs.bins, j, j+1)
	vs.load = slices.Delete(vs.load, j, j+1)
	vs.fill = slices.Delete(vs.fill, j, j+1)
}

// setBins replaces the packing by bins (ranks).
func (vs *vecSearch) setBins(bins [][]int) {
	vs.bins = cloneBins(bins)
	vs.load = vs.load[:0]
	vs.fill = vs.fill[:0]
	for _, bin := range vs.bins {
		l := make([]float64, vs.K)
		f := 0.0
		for _, r := range bin {
			vs.addTo(l, r)
			f += vs.v[r]
		}
		vs.load = append(vs.load, l)
		vs.fill = append(vs.fill, f)
	}
	vs.pool = vs.pool[:0]
}

// best is the best subset found by a repack search.
type vsBest struct {
	fill, sq float64
	items    []int
	found    bool
}

// search is the node-bounded depth-first search behind pack and
// concentrate: it adds candidates (ranks, ascending, so by decreasing value)
// to load l, from fill f, keeping the fitting subset of the largest value
// (ties: the larger sum of squared values), skipping an item of the same
// class as the last one tried at a level, until the node limit or a full
// bin.
func (vs *vecSearch) search(cand []int, l []float64, f, sq float64, bst *vsBest, limit int) {
	suffix := make([]float64, len(cand)+1)
	for k := len(cand) - 1; k >= 0; k-- {
		suffix[k] = suffix[k+1] + vs.v[cand[k]]
	}
	var cur []int
	nodes := 0
	var dfs func(k int, f, sq float64)
	dfs = func(k int, f, sq float64) {
		prev := int32(-1)
		for ; k < len(cand); k++ {
			if nodes >= limit || bst.fill >= vs.full-vecEps {
				return
			}
			if f+suffix[k] < bst.fill-vecEps {
				return
			}
			r := cand[k]
			if vs.cls[r] == prev {
				continue
			}
			prev = vs.cls[r]
			nodes++
			if !vs.fitsIn(l, r) {
				continue
			}
			vs.addTo(l, r)
			cur = append(cur, r)
			nf, nsq := f+vs.v[r], sq+vs.v[r]*vs.v[r]
			if nf > bst.fill+vecEps || nf >= bst.fill-vecEps && nsq > bst.sq+vecEps {
				bst.fill, bst.sq, bst.items, bst.found = nf, nsq, append(bst.items[:0], cur...), true
			}
			dfs(k+1, nf, nsq)
			cur = cur[:len(cur)-1]
			vs.subFrom(l, r)
		}
	}
	dfs(0, f, sq)
	vs.e.work += int64(nodes) + 1
}

// pack replaces bin j's items by the subset of its items and the pool of
// the largest value that fits. It reports whether the bin changed.
func (vs *vecSearch) pack(j int) bool {
	if vs.fill[j] >= vs.full-vecEps {
		return false // full in every coordinate
	}
	cand, forcedItem := vs.candidates(j)
	cur := vs.fill[j]
	sq := 0.0
	for _, r := range vs.bins[j] {
		sq += vs.v[r] * vs.v[r]
	}
	l := vs.scratch
	clear(l)
	f0, sq0 := 0.0, 0.0
	if forcedItem >= 0 {
		vs.addTo(l, forcedItem)
		f0, sq0 = vs.v[forcedItem], vs.v[forcedItem]*vs.v[forcedItem]
	}
	bst := vsBest{fill: cur, sq: sq}
	vs.search(cand, l, f0, sq0, &bst, vsPack)
	if !bst.found {
		return false
	}
	vs.setBin(j, vs.repack(j, bst.items, forcedItem))
	return true
}

// setBin sets bin j's items and recomputes its load and value.
func (vs *vecSearch) setBin(j int, items []int) {
	vs.bins[j] = items
	l := vs.load[j]
	clear(l)
	f := 0.0
	for _, r := range items {
		vs.addTo(l, r)
		f += vs.v[r]
	}
	vs.fill[j] = f
}

// concentrate applies the first exchange between two bins that makes the
// fuller one fuller: the fuller bin takes the subset of both bins' items of
// the largest value that fits, when the rest fits the other bin. Pairs are
// taken fullest with emptiest first, vsConcPairs per call, continuing where
// the last call stopped (in vectors an exchange costs a search over both
// bins, so a kick soon follows when exchanges do not help).
func (vs *vecSearch) concentrate() bool {
	e := vs.e
	idx := make([]int, len(vs.bins))
	for j := range idx {
		idx[j] = j
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(vs.fill[b], vs.fill[a]) })
	nb := len(idx)
	total := nb * (nb - 1) / 2
	if total == 0 {
		return false
	}
	for range min(total, vsConcPairs) {
		p := vs.concCursor % total
		vs.concCursor = p + 1
		// pair p: x is the row, y counts from the end
		x := 0
		for p >= nb-1-x {
			p -= nb - 1 - x
			x++
		}
		j, k := idx[x], idx[nb-1-p]
		if j == vs.tabuBin || k == vs.tabuBin || vs.fill[j] >= vs.full-vecEps {
			continue
		}
		if e.outOfTime() {
			return false
		}
		cand := append(slices.Clone(vs.bins[j]), vs.bins[k]...)
		slices.Sort(cand)
		l := vs.scratch
		clear(l)
		bst := vsBest{fill: vs.fill[j], sq: math.Inf(1)}
		vs.search(cand, l, 0, 0, &bst, vsConc)
		if !bst.found {
			continue
		}
		best := slices.Clone(bst.items)
		slices.Sort(best)
		rest := slices.DeleteFunc(cand, func(r int) bool { return slices.Contains(best, r) })
		// unlike one dimension, what is left need not fit the other bin
		clear(l)
		fit := true
		for _, r := range rest {
			if !vs.fitsIn(l, r) {
				fit = false
				break
			}
			vs.addTo(l, r)
		}
		if !fit {
			continue
		}
		vs.setBin(j, best)
		vs.setBin(k, rest)
		return true
	}
	return false
}

// kick forces a pool item (the largest or, with probability 1/2, a random
// one) into a random bin, evicting the subset of the bin's items of least
// value that makes room (beyond vsKick nodes, the largest items until it
// fits), and makes the move tabu until the next kick.
func (vs *vecSearch) kick() {
	e := vs.e
	p, j, ok := vs.kickTarget(e)
	if !ok {
		return
	}
	bin := vs.bins[j]
	l := vs.scratch
	copy(l, vs.load[j])
	var out []int
	if !vs.fitsIn(l, p) {
		bestV := math.Inf(1)
		var cur []int
		nodes := 0
		var dfs func(k int, f float64)
		dfs = func(k int, f float64) {
			for ; k < len(bin) && nodes < vsKick; k++ {
				r := bin[k]
				if f+vs.v[r] >= bestV {
					continue
				}
				nodes++
				vs.subFrom(l, r)
				cur = append(cur, r)
				if vs.fitsIn(l, p) {
					bestV, out = f+vs.v[r], slices.Clone(cur)
				} else {
					dfs(k+1, f+vs.v[r])
				}
				cur = cur[:len(cur)-1]
				vs.addTo(l, r)
			}
		}
		dfs(0, 0)
		e.work += int64(nodes) + 1
		if out == nil {
			copy(l, vs.load[j])
			for _, r := range bin {
				out = append(out, r)
				vs.subFrom(l, r)
				if vs.fitsIn(l, p) {
					break
				}
			}
		}
	}
	vs.setBin(j, vs.kicked(j, p, out))
}

// exactAt reports whether a packing into m bins leaves no room in any
// coordinate: Σ demand = m·C_k, within the tolerance, in every coordinate.
func (vs *vecSearch) exactAt(m int) bool {
	total := make([]float64, vs.K)
	for r := range vs.v {
		for x, k := range vs.idx[r] {
			total[k] += vs.val[r][x]
		}
	}
	for k := range vs.K {
		if float64(m)*vs.cpc[k]-total[k] > vecEps*vs.cpc[k] {
			return false
		}
	}
	return true
}
