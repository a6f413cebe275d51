package binpack

import (
	"cmp"
	"math"
	"slices"
)

// improve is the improvement phase: while the packing uses more new bins
// than lb and the work budget lasts, it removes the bin with the least
// volume, puts its items into a pool and tries to empty the pool (see
// emptyPool). A success is kept and the next bin is tried; a failure ends
// the phase with the last packing that held every item.
func (e *engine) improve(s *state, lb int) *state {
	for s.newBins() > lb && !e.outOfTime() {
		t := s.clone()
		k := -1
		for j, b := range t.bins {
			if b.fixed || b.pinned {
				continue
			}
			if k < 0 || b.vol < t.bins[k].vol {
				k = j
			}
		}
		if k < 0 {
			break
		}
		pool := slices.Clone(t.bins[k].items)
		t.bins = slices.Delete(t.bins, k, k+1)
		if !e.emptyPool(t, pool) {
			break
		}
		t.bins = slices.DeleteFunc(t.bins, func(b *vbin) bool { return !b.fixed && len(b.items) == 0 })
		s = t
	}
	return s
}

// emptyPool is a bin-emptying local search in the spirit of the minimum bin
// slack and pool-based methods (Gupta and Ho 1999; Levine and Ducatelle
// 2004; Fleszar and Charalambous 2011). Every bin in turn takes the move
// that raises its volume most — insert a pool item, or swap 1 or 2 of its
// items for 1 or 2 pool items (1-0, 1-1, 1-2, 2-1, 2-2) — so that the pool
// holds ever smaller items; an equal-volume move that leaves fewer items in
// the pool also counts. When a whole pass finds no move, a seeded random
// kick forces one pool item into a random bin and moves out what no longer
// fits. It succeeds when the pool is empty, and gives up when the work
// budget or deadline runs out.
func (e *engine) emptyPool(t *state, pool []int) bool {
	e.tabuBin = nil
	e.sortPool(pool)
	for !e.outOfTime() {
		improved := false
		for _, b := range t.bins {
			if e.bestMove(b, &pool) {
				improved = true
			}
			if len(pool) == 0 {
				return true
			}
			if e.outOfTime() {
				return false
			}
		}
		if !improved && !e.concentrate(t) {
			if debugHook != nil {
				debugHook(len(pool), e.work)
			}
			e.kick(t, &pool)
		}
	}
	return false
}

// concentrate applies the first move between two bins that makes the fuller
// one fuller (raising Σ volume², which gathers the free space into fewer
// bins where a pool item can use it): move one item, swap one for one, or
// swap one of the fuller bin's items for two of the other's.
func (e *engine) concentrate(t *state) bool {
	bins := slices.Clone(t.bins)
	slices.SortStableFunc(bins, func(a, b *vbin) int { return cmp.Compare(b.vol, a.vol) })
	vol := func(i int) float64 { return e.items[i].vol }
	for x, a := range bins {
		if a.fixed || a.pinned {
			continue
		}
		for _, b := range bins[x+1:] {
			if b.fixed || b.pinned {
				continue
			}
			e.work++
			if e.work >= e.budget {
				return false
			}
			for _, j := range b.items {
				if e.swapFits(a, nil, []int{j}) {
					e.remove(b, j)
					e.add(a, j)
					return true
				}
			}
			for _, i := range a.items {
				for _, j := range b.items {
					if vol(j)-vol(i) > moveEps && e.swapFits(a, []int{i}, []int{j}) && e.swapFits(b, []int{j}, []int{i}) {
						e.remove(a, i)
						e.remove(b, j)
						e.add(a, j)
						e.add(b, i)
						return true
					}
				}
				for k, j := range b.items {
					for _, l := range b.items[k+1:] {
						if vol(j)+vol(l)-vol(i) > moveEps && e.swapFits(a, []int{i}, []int{j, l}) && e.swapFits(b, []int{j, l}, []int{i}) {
							e.remove(a, i)
							e.remove(b, j)
							e.remove(b, l)
							e.add(a, j)
							e.add(a, l)
							e.add(b, i)
							return true
						}
					}
				}
			}
			if e.outOfTime() {
				return false
			}
		}
	}
	return false
}

func (e *engine) sortPool(pool []int) {
	slices.SortFunc(pool, func(a, b int) int {
		if c := cmp.Compare(e.items[b].vol, e.items[a].vol); c != 0 {
			return c
		}
		return cmp.Compare(e.items[a].id, e.items[b].id)
	})
}

var debugHook func(int, int64)

// moveEps is the least volume gain that counts as an improvement.
const moveEps = 1e-12

// bestMove applies the best improving move between bin b and the pool.
func (e *engine) bestMove(b *vbin, pool *[]int) bool {
	P := *pool
	var out []int
	for _, i := range b.items {
		if !e.pinnedItem(b, i) && !(b == e.tabuBin && i == e.tabuItem) {
			out = append(out, i)
		}
	}
	if b == e.tabuBin {
		var allowed []int
		for _, p := range P {
			if !slices.Contains(e.tabuEvicted, p) {
				allowed = append(allowed, p)
			}
		}
		P = allowed
	}
	bestGain := moveEps
	var bestOut, bestIn []int
	consider := func(gain float64, o, in []int) bool {
		e.work++
		if gain <= bestGain {
			return false
		}
		if !e.swapFits(b, o, in) {
			return false
		}
		bestGain, bestOut, bestIn = gain, slices.Clone(o), slices.Clone(in)
		return true
	}
	vol := func(i int) float64 { return e.items[i].vol }
	// 1-0: insert (pool is sorted by decreasing volume: the first that fits is best).
	for _, p := range P {
		if consider(vol(p), nil, []int{p}) {
			break
		}
	}
	// 1-1
	for _, o := range out {
		for _, p := range P {
			if vol(p)-vol(o) <= bestGain {
				break
			}
			if consider(vol(p)-vol(o), []int{o}, []int{p}) {
				break
			}
		}
	}
	// 1-2 (an equal volume counts: the pool loses an item)
	for _, o := range out {
		for j := 0; j < len(P); j++ {
			if j+1 < len(P) && vol(P[j])+vol(P[j+1])-vol(o)+moveEps/2 <= bestGain {
				break
			}
			for l := j + 1; l < len(P); l++ {
				g := vol(P[j]) + vol(P[l]) - vol(o)
				if g+moveEps/2 <= bestGain {
					break
				}
				if consider(g+moveEps/2, []int{o}, []int{P[j], P[l]}) {
					break
				}
			}
			if e.work >= e.budget {
				break
			}
		}
	}
	// 2-1 and 2-2
	for a := 0; a < len(out); a++ {
		for c := a + 1; c < len(out); c++ {
			o2 := []int{out[a], out[c]}
			vo := vol(out[a]) + vol(out[c])
			for _, p := range P {
				if vol(p)-vo <= bestGain {
					break
				}
				if consider(vol(p)-vo, o2, []int{p}) {
					break
				}
			}
			for j := 0; j < len(P); j++ {
				if j+1 < len(P) && vol(P[j])+vol(P[j+1])-vo <= bestGain {
					break
				}
				for l := j + 1; l < len(P); l++ {
					g := vol(P[j]) + vol(P[l]) - vo
					if g <= bestGain {
						break
					}
					if consider(g, o2, []int{P[j], P[l]}) {
						break
					}
				}
			}
			if e.work >= e.budget {
				break
			}
		}
	}
	if bestIn == nil {
		return false
	}
	for _, o := range bestOut {
		e.remove(b, o)
	}
	P = *pool
	for _, p := range bestIn {
		e.add(b, p)
		k := slices.Index(P, p)
		P = slices.Delete(P, k, k+1)
	}
	P = append(P, bestOut...)
	e.sortPool(P)
	*pool = P
	return true
}

func (e *engine) pinnedItem(_ *vbin, i int) bool { return e.pin[i] }

// swapFits reports whether bin b, less the items out, plus the items in,
// is within its limits in every dimension and slot and breaks no
// anti-affinity group.
func (e *engine) swapFits(b *vbin, out, in []int) bool {
	for x, i := range in {
		for _, g := range e.items[i].groups {
			n := b.groups[g]
			for _, o := range out {
				if slices.Contains(e.items[o].groups, g) {
					n--
				}
			}
			for _, j := range in[:x] {
				if slices.Contains(e.items[j].groups, g) {
					n++
				}
			}
			if n > 0 {
				return false
			}
		}
	}
	for d := range e.dims {
		lim := b.limit[d]
		pk := b.peak[d]
		for _, i := range in {
			pk += e.items[i].peak[d]
		}
		if pk <= lim {
			continue
		}
		load := b.load[d]
		// The bin's and the incoming items' peak slots are the likeliest
		// to overflow: try them first.
		e.work++
		for _, t := range append([]int{b.peakT[d]}, peakSlots(e, in, d)...) {
			v := load[t]
			for _, i := range in {
				v += e.items[i].rows[d][t]
			}
			for _, o := range out {
				v -= e.items[o].rows[d][t]
			}
			if v > lim {
				return false
			}
		}
		e.work += int64(len(load))
		switch {
		case len(in) == 1 && len(out) == 0:
			r := e.items[in[0]].rows[d]
			for t, v := range load {
				if v+r[t] > lim {
					return false
				}
			}
		case len(in) == 1 && len(out) == 1:
			r, o := e.items[in[0]].rows[d], e.items[out[0]].rows[d]
			for t, v := range load {
				if v+r[t]-o[t] > lim {
					return false
				}
			}
		default:
			for t, v := range load {
				for _, i := range in {
					v += e.items[i].rows[d][t]
				}
				if v <= lim {
					continue
				}
				for _, o := range out {
					v -= e.items[o].rows[d][t]
				}
				if v > lim {
					return false
				}
			}
		}
	}
	return true
}

func peakSlots(e *engine, in []int, d int) []int {
	var s []int
	for _, i := range in {
		s = append(s, e.items[i].peakT[d])
	}
	return s
}

// kick forces a random pool item into a random bin, moving out (in random
// order) the bin's items until it fits; they join the pool.
func (e *engine) kick(t *state, pool *[]int) {
	P := *pool
	if len(P) == 0 || len(t.bins) == 0 {
		return
	}
	p := P[e.rng.IntN(len(P))]
	b := t.bins[e.rng.IntN(len(t.bins))]
	if b.fixed {
		return
	}
	k := slices.Index(P, p)
	P = slices.Delete(P, k, k+1)
	perm := e.rng.Perm(len(b.items))
	victims := make([]int, len(perm))
	for x, y := range perm {
		victims[x] = b.items[y]
	}
	e.tabuBin, e.tabuItem, e.tabuEvicted = b, p, e.tabuEvicted[:0]
	for _, v := range victims {
		if e.fits(b, p) {
			break
		}
		if e.pin[v] {
			continue
		}
		e.remove(b, v)
		P = append(P, v)
		e.tabuEvicted = append(e.tabuEvicted, v)
	}
	if e.fits(b, p) {
		e.add(b, p)
	} else {
		P = append(P, p)
	}
	e.sortPool(P)
	*pool = P
}

// Bounds are lower bounds on the number of new bins any packing of the
// placeable items needs; Best is the largest (at least 1 when any item is
// placeable).
type Bounds struct {
	// L1 is the volume bound per dimension and slot (Martello and Toth's
	// L1 in every coordinate; Speitkamp and Bichler 2010).
	L1 int `json:"l1"`
	// L2 is Martello and Toth's L2 (1990) in every coordinate: items
	// above half a bin need a bin each, and what is left of those bins
	// bounds how much of the mid-sized items they can take.
	L2 int `json:"l2"`
	// Conflict is the size of a clique of items no two of which can share
	// a bin (their sum exceeds the capacity in some dimension and slot, or
	// they are in one anti-affinity group), found greedily by decreasing
	// size.
	Conflict int `json:"conflict"`
	// LP is the bound of the linear relaxation of the pattern formulation
	// (Gilmore and Gomory 1961), solved by column generation (colgen.go)
	// for one dimension of one slot with integral sizes, and for small
	// vector and temporal instances with sets of items as patterns
	// (lpvec.go), else 0. It is at least L2 when the generation converges
	// on one dimension, and equals the
	// optimum on instances with the integer round-up property (most
	// classic ones); stopped early by lpBoundWork, it is Farley's bound.
	LP int `json:"lp,omitempty"`
	// RC is ⌈z_LP⌉ + 1 when the search proved that no packing into ⌈z_LP⌉
	// bins exists (the reduced-cost completion, colgen_rc.go, searched
	// every packing whose reduced costs fit the gap ⌈z_LP⌉ − z_LP), else 0:
	// instances without the integer round-up property, proven optimal.
	RC   int `json:"rc,omitempty"`
	Best int `json:"best"`
}

// lpBoundWork caps the work units of the LP bound. Bounds are computed
// before the search budget applies, so the cap is fixed: it depends on
// the instance only, never on time.
const lpBoundWork = 5_000_000

// l2Coords is the largest n·K for which L2 is computed in every coordinate;
// above it, in the 64 coordinates with the largest volume bound.
const l2Coords = 4e6

func (e *engine) bounds(items []int) Bounds {
	var bd Bounds
	if len(items) == 0 {
		return bd
	}
	type coord struct {
		d, t int
		frac float64
	}
	var coords []coord
	e.coordTotals(items, func(d, t int, total float64) {
		f := total / e.limit[d]
		bd.L1 = max(bd.L1, ceilBins(f))
		coords = append(coords, coord{d, t, f})
	})
	if float64(len(items))*float64(len(coords)) > l2Coords && len(coords) > 64 {
		slices.SortStableFunc(coords, func(a, b coord) int { return cmp.Compare(b.frac, a.frac) })
		coords = coords[:64]
	}
	w := make([]float64, 0, len(items))
	for _, c := range coords {
		w = w[:0]
		for _, i := range items {
			if v := e.items[i].rows[c.d][c.t]; v > 0 {
				w = append(w, v)
			}
		}
		bd.L2 = max(bd.L2, martelloTothL2(w, e.limit[c.d]))
	}
	bd.Conflict = e.conflictClique(items)
	bd.LP = e.lpBound(items)
	if bd.LP == 0 {
		bd.LP = e.lpVecBound(items)
	}
	bd.Best = max(1, bd.L1, bd.L2, bd.Conflict, bd.LP)
	return bd
}

// lpBound is Bounds.LP: the column generation bound when the instance is
// one dimension of one slot with integral sizes (the fit rule then allows
// ⌊limit⌋ per bin), else 0.
func (e *engine) lpBound(items []int) int {
	if e.dims != 1 || e.slots[0] != 1 || !(e.cap[0] > 0) || !(e.limit[0] < 1<<50) {
		return 0
	}
	w := make([]int64, 0, len(items))
	for _, i := range items {
		v := e.items[i].rows[0][0]
		if v != math.Trunc(v) || v < 0 || v > 1<<50 {
			return 0
		}
		w = append(w, int64(v))
	}
	lb, s := lpMaster1D(w, int64(math.Floor(e.limit[0])), lpBoundWork)
	e.lp = s
	return lb
}

func ceilBins(f float64) int {
	k := math.Ceil(f - 1e-9)
	if k >= math.MaxInt32 {
		return math.MaxInt32
	}
	return int(k)
}

// martelloTothL2 returns Martello and Toth's bound L2 for weights w (each at
// most c) in bins of capacity c: the maximum over k in {0} ∪ {w_i ≤ c/2} of
//
//	|J1| + |J2| + max(0, ceil((Σ_{J3} w − (|J2|·c − Σ_{J2} w)) / c)),
//
// J1 = {w > c−k}, J2 = {c/2 < w ≤ c−k}, J3 = {k ≤ w ≤ c/2}.
func martelloTothL2(w []float64, c float64) int {
	if len(w) == 0 {
		return 0
	}
	s := slices.Clone(w)
	slices.Sort(s) // ascending
	n := len(s)
	pre := make([]float64, n+1)
	for i, v := range s {
		pre[i+1] = pre[i] + v
	}
	// idx returns the number of weights < x (or <= x when incl).
	idx := func(x float64, incl bool) int {
		if incl {
			i, _ := slices.BinarySearchFunc(s, x, func(a, b float64) int {
				if a <= b {
					return -1
				}
				return 1
			})
			return i
		}
		i, _ := slices.BinarySearchFunc(s, x, func(a, b float64) int {
			if a < b {
				return -1
			}
			return 1
		})
		return i
	}
	half := c / 2
	nHalf := idx(half, true) // weights <= c/2
	best := 0
	try := func(k float64) {
		j1 := n - idx(c-k, true)            // w > c-k
		j2lo, j2hi := nHalf, idx(c-k, true) // c/2 < w <= c-k
		j3lo, j3hi := idx(k, false), nHalf  // k <= w <= c/2
		nJ2 := max(0, j2hi-j2lo)
		sumJ2 := 0.0
		if nJ2 > 0 {
			sumJ2 = pre[j2hi] - pre[j2lo]
		}
		sumJ3 := 0.0
		if j3hi > j3lo {
			sumJ3 = pre[j3hi] - pre[j3lo]
		}
		l := j1 + nJ2
		if extra := ceilBins((sumJ3 - (float64(nJ2)*c - sumJ2)) / c); extra > 0 {
			l += extra
		}
		best = max(best, l)
	}
	try(0)
	prev := math.NaN()
	for _, v := range s[:nHalf] {
		if v != prev {
			try(v)
			prev = v
		}
	}
	return best
}

// conflictClique greedily builds a set of items no two of which can share a
// bin, taking items by decreasing size.
func (e *engine) conflictClique(items []int) int {
	cand := e.sortedBy(items, func(v *vitem) float64 { return v.size*1e3 + v.psum })
	var clique []int
	checks := 0
	for _, i := range cand {
		ok := true
		for _, j := range clique {
			if !e.pairConflict(i, j) {
				ok = false
				break
			}
		}
		if ok {
			clique = append(clique, i)
		}
		checks += len(clique) * max(1, e.coords())
		if checks > 5e7 {
			break
		}
	}
	return len(clique)
}

// pairConflict reports whether items i and j cannot share a new bin.
func (e *engine) pairConflict(i, j int) bool {
	a, b := &e.items[i], &e.items[j]
	for _, g := range a.groups {
		if slices.Contains(b.groups, g) {
			return true
		}
	}
	for d := range e.dims {
		lim := e.limit[d]
		if a.peak[d]+b.peak[d] <= lim {
			continue
		}
		ra, rb := a.rows[d], b.rows[d]
		for t := range ra {
			if ra[t]+rb[t] > lim {
				return true
			}
		}
	}
	return false
}
