package binpack

import (
	"cmp"
	"math"
	"slices"
)

// The fleet search: for fleet-size instances (many items per bin, the
// shape of a consolidation plan: a thousand servers or more, twenty or
// so to a host, demand over the slots of a day), the improvement phase
// works with a fixed number of bins and minimises their overflow, as the
// weighting and penalty methods for bin packing and machine reassignment
// do (Loh, Golden and Wasil 2008, "Solving the one-dimensional bin packing
// problem with a weight annealing heuristic"; Voudouris and Tsang 1999,
// guided local search; Gavranović, Buljubašić and Demirović 2012 on the
// ROADEF/EURO machine reassignment problem):
//
//   - Spread: every item afresh into ⌈1.02·LB⌉ bins, largest first, each
//     into the bin, of the fleetSpreadCand least filled, where it adds the
//     least overflow; a quarter of the budget left repairs it. When that
//     fails (the bound may be weak), halfway between the count that failed
//     and the best packing, at most fleetSpreads times.
//   - Drop bins: from the best packing, the bins of least volume are taken
//     out and their items go, largest first, to the bin where they add the
//     least overflow (ties: the emptiest bin). An eighth of the gap to the
//     lower bound goes at once, with an eighth of the budget left for the
//     repair, until a repair fails; then one bin at a time.
//   - Repair: while a bin overflows, its items are moved to another bin,
//     or swapped with an item of the next fleetSwapBins bins, by the move
//     that lowers the total weighted overflow most. When no move lowers
//     it, the weights of the coordinates where the bin overflows grow by
//     one (a guided local search penalty), which changes which moves pay.
//     fleetPatience steps without a new lowest overflow end it as failed.
//   - Lazy coordinates: overflow is measured only in the active coordinates
//     (dimension × slot), at first the busiest slots of each dimension that
//     can overflow. When the active coordinates are all within limits, the
//     changed bins are checked in every coordinate; the worst violated
//     coordinate of each violating bin becomes active and the repair goes
//     on. A packing is only ever accepted after that exact check.
//
// A failed repair restores the last packing that fitted; the search ends
// on the lower bound, when dropping one bin fails, or on the budget. It
// counts operations (one coordinate of an evaluation or update) like the
// vector search, vecOpsPerUnit to a work unit, and uses no randomness: the
// result depends on the instance and the budget only.

// fleetMinItems and fleetMinPerBin are the size rule of the fleet search: at
// least fleetMinItems placeable items and, at the lower bound, at least
// fleetMinPerBin items per bin on average (classic benchmark instances, with
// few large items per bin, keep the exact searches).
const (
	fleetMinItems  = 400
	fleetMinPerBin = 8
	fleetEps       = 1e-12
	// fleetSeedShare is the share of the fleet total's peak within which a
	// slot of a dimension starts active (at most fleetSeedSlots of them).
	fleetSeedShare = 0.99
	fleetSeedSlots = 4
	// fleetPatience is how many steps (moves or penalties) a repair goes
	// on without lowering the total overflow before it gives up.
	fleetPatience = 400
	// fleetDropDiv: bins are dropped 1/fleetDropDiv of the gap to the
	// lower bound at a time (at least one) until a repair fails.
	fleetDropDiv = 8
	// fleetSpreadPct is how far above the lower bound, in percent, the
	// packing spread afresh starts; fleetSpreadCand how many of the
	// least filled bins each item is tried in.
	fleetSpreadPct  = 2
	fleetSpreads    = 3
	fleetSpreadCand = 16
	// fleetSwapBins is how many bins' items one search for a swap tries.
	fleetSwapBins = 64
)

type fcoord struct{ d, t int }

// swapPair is a candidate swap of items r (in the overflowing bin) and r2,
// with a lower bound on the change of the weighted overflow.
type swapPair struct {
	opt   float64
	r, r2 int32
}

type fleetSearch struct {
	e    *engine
	item []int // rank → engine item
	co   []fcoord
	lim  []float64 // limit per active coordinate
	inv  []float64 // 1/capacity per active coordinate
	w    []float64 // penalty weight per active coordinate
	dem  [][]float64
	vol  []float64 // per rank: engine volume
	bin  []int     // per rank: its bin
	bins [][]int   // per bin: ranks
	load [][]float64
	over []float64 // per bin: Σ_k w_k·max(0, load−lim)/C
	raw  []float64 // per bin: Σ_k max(0, load−lim)/C (unweighted)
	// total is Σ raw; dirty marks the bins changed since their last check
	// in every coordinate.
	total float64
	dirty []bool
	act   map[fcoord]bool
	cur   int        // round-robin cursor over overflowing bins
	pairs []swapPair // scratch of bestMove
	// swapCur is the first of the fleetSwapBins bins whose items the
	// next swap search pairs with (it moves on by as many each time).
	swapCur int
}

// fleetApplicable reports whether Solve uses the fleet search.
func (e *engine) fleetApplicable(opt SolveOptions, items []int, lb int) bool {
	if len(opt.Existing) > 0 || len(opt.Pins) > 0 || opt.NoNewBins || len(e.inst.AntiAffinity) > 0 {
		return false
	}
	return len(items) >= fleetMinItems && len(items) >= fleetMinPerBin*max(lb, 1)
}

// improveFleet is the improvement phase of the fleet search (see the
// comment at the top of this file).
func (e *engine) improveFleet(s *state, lb int) *state {
	return e.inOps(func() *state { return e.improveFleetOps(s, lb) })
}

func (e *engine) improveFleetOps(s *state, lb int) *state {
	fs := e.newFleetSearch(s)
	best := fs.snapshot()
	// First a packing spread afresh over a few bins above the bound, with
	// a quarter of the budget; when its repair fails (the bound may be
	// weak: bursty demand fills no host evenly), halfway between that
	// count and the best packing, up to fleetSpreads times. The bins are
	// then dropped one at a time from the best packing found.
	lo := lb + (lb*fleetSpreadPct+99)/100 - 1 // the last count that failed
	for try := 0; try < fleetSpreads && e.work < e.budget; try++ {
		m := lo + 1
		if try > 0 {
			m = (lo + len(best) + 1) / 2
		}
		if m >= len(best)-1 {
			break
		}
		fs.spread(m)
		if fs.repair(e.work + (e.budget-e.work)/4) {
			best = fs.snapshot()
			break
		}
		lo = m
		fs.restore(best)
	}
	failed := false
	for len(best) > lb && e.work < e.budget {
		drop := 1
		if !failed {
			drop = max(1, (len(best)-lb)/fleetDropDiv)
		}
		fs.dropBins(drop)
		// A repair may use what is left of the budget, but only a share
		// of it when more than one bin went: a failure then goes on one
		// bin at a time.
		stop := e.budget
		if drop > 1 {
			stop = e.work + (e.budget-e.work)/fleetDropDiv
		}
		if fs.repair(stop) {
			best = fs.snapshot()
			continue
		}
		fs.restore(best)
		if drop == 1 {
			break
		}
		failed = true
	}
	return e.fewerBins(s, best, fs.item)
}

func (e *engine) newFleetSearch(s *state) *fleetSearch {
	fs := &fleetSearch{e: e, act: map[fcoord]bool{}}
	for _, b := range s.bins {
		var bin []int
		for _, i := range b.items {
			bin = append(bin, len(fs.item))
			fs.item = append(fs.item, i)
			fs.vol = append(fs.vol, e.items[i].vol)
			fs.dem = append(fs.dem, nil)
		}
		fs.bins = append(fs.bins, bin)
	}
	fs.bin = make([]int, len(fs.item))
	for j, bin := range fs.bins {
		for _, r := range bin {
			fs.bin[r] = j
		}
	}
	fs.load = make([][]float64, len(fs.bins))
	fs.over = make([]float64, len(fs.bins))
	fs.raw = make([]float64, len(fs.bins))
	fs.dirty = make([]bool, len(fs.bins))
	// seed coordinates: per dimension that can overflow, its busiest slots
	for d := range e.dims {
		if !(e.cap[d] > 0) {
			continue
		}
		tot := make([]float64, e.slots[d])
		for _, i := range fs.item {
			for t, v := range e.items[i].rows[d] {
				tot[t] += v
			}
		}
		e.work += int64(len(fs.item) * e.slots[d])
		peak := slices.Max(tot)
		if peak <= e.limit[d] {
			continue
		}
		order := make([]int, len(tot))
		for t := range order {
			order[t] = t
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(tot[b], tot[a]) })
		for n, t := range order {
			if n >= fleetSeedSlots || tot[t] < fleetSeedShare*peak {
				break
			}
			fs.addCoord(fcoord{d, t})
		}
	}
	return fs
}

// addCoord makes coordinate c active.
func (fs *fleetSearch) addCoord(c fcoord) {
	e := fs.e
	fs.act[c] = true
	fs.co = append(fs.co, c)
	fs.lim = append(fs.lim, e.limit[c.d])
	// a dimension of capacity 0 only overflows by rounding noise within
	// AbsTolerance: weigh it as a capacity of AbsTolerance
	fs.inv = append(fs.inv, 1/max(e.cap[c.d], AbsTolerance))
	fs.w = append(fs.w, 1)
	for r, i := range fs.item {
		fs.dem[r] = append(fs.dem[r], e.items[i].rows[c.d][c.t])
	}
	k := len(fs.co) - 1
	for j, bin := range fs.bins {
		sum := 0.0
		for _, r := range bin {
			sum += fs.dem[r][k]
		}
		fs.load[j] = append(fs.load[j], sum)
		fs.over[j] = fs.binOver(j)
	}
	e.work += int64(len(fs.item))
}

// ov is the weighted overflow of load x in active coordinate k.
func (fs *fleetSearch) ov(k int, x float64) float64 {
	if x <= fs.lim[k] {
		return 0
	}
	return fs.w[k] * (x - fs.lim[k]) * fs.inv[k]
}

func (fs *fleetSearch) binOver(j int) float64 {
	o, raw := 0.0, 0.0
	for k, x := range fs.load[j] {
		if x > fs.lim[k] {
			v := (x - fs.lim[k]) * fs.inv[k]
			o += fs.w[k] * v
			raw += v
		}
	}
	fs.e.work += int64(len(fs.co))
	fs.total += raw - fs.raw[j]
	fs.raw[j] = raw
	return o
}

// snapshot returns the bins (ranks), ascending within each bin.
func (fs *fleetSearch) snapshot() [][]int {
	out := cloneBins(fs.bins)
	for _, b := range out {
		slices.Sort(b)
	}
	return out
}

// restore sets the packing to bins (ranks).
func (fs *fleetSearch) restore(bins [][]int) {
	fs.bins = cloneBins(bins)
	fs.load = fs.load[:0]
	fs.over = fs.over[:0]
	fs.raw = make([]float64, len(fs.bins))
	fs.dirty = make([]bool, len(fs.bins))
	fs.total = 0
	for j, bin := range fs.bins {
		l := make([]float64, len(fs.co))
		for _, r := range bin {
			fs.bin[r] = j
			for k, x := range fs.dem[r] {
				l[k] += x
			}
		}
		fs.load = append(fs.load, l)
		fs.over = append(fs.over, 0)
		fs.over[j] = fs.binOver(j)
		fs.dirty[j] = true
		fs.e.work += int64(len(bin) * len(fs.co))
	}
}

// dropBins takes out the n bins of least volume and puts their items,
// largest volume first, where they add the least overflow.
func (fs *fleetSearch) dropBins(n int) {
	vol := make([]float64, len(fs.bins))
	for j, bin := range fs.bins {
		for _, r := range bin {
			vol[j] += fs.vol[r]
		}
	}
	idx := make([]int, len(fs.bins))
	for j := range idx {
		idx[j] = j
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(vol[a], vol[b]) })
	gone := make([]bool, len(fs.bins))
	var pool []int
	for _, j := range idx[:n] {
		gone[j] = true
		pool = append(pool, fs.bins[j]...)
		fs.total -= fs.raw[j]
	}
	keep := 0
	for j := range fs.bins {
		if gone[j] {
			continue
		}
		fs.bins[keep], fs.load[keep], fs.over[keep], fs.raw[keep], fs.dirty[keep] = fs.bins[j], fs.load[j], fs.over[j], fs.raw[j], fs.dirty[j]
		for _, r := range fs.bins[keep] {
			fs.bin[r] = keep
		}
		keep++
	}
	fs.bins, fs.load, fs.over, fs.raw, fs.dirty = fs.bins[:keep], fs.load[:keep], fs.over[:keep], fs.raw[:keep], fs.dirty[:keep]
	fs.cur = 0
	slices.SortStableFunc(pool, func(a, b int) int {
		if c := cmp.Compare(fs.vol[b], fs.vol[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	fill := make([]float64, len(fs.bins))
	for j, bin := range fs.bins {
		for _, r := range bin {
			fill[j] += fs.vol[r]
		}
	}
	for _, r := range pool {
		bestJ, bestD, bestF := -1, math.Inf(1), math.Inf(1)
		for j := range fs.bins {
			d := fs.addCost(j, fs.dem[r], bestD+fleetEps)
			if d < bestD-fleetEps || d <= bestD+fleetEps && fill[j] < bestF {
				bestJ, bestD, bestF = j, d, fill[j]
			}
		}
		fs.insert(r, bestJ)
		fill[bestJ] += fs.vol[r]
	}
}

// addCost is the change of bin j's weighted overflow when x is added; it
// stops early, with a value above cut, once the change exceeds cut.
func (fs *fleetSearch) addCost(j int, x []float64, cut float64) float64 {
	l := fs.load[j]
	d := 0.0
	for k, v := range x {
		if y := l[k] + v; y > fs.lim[k] {
			d += fs.ov(k, y) - fs.ov(k, l[k])
			if d > cut {
				fs.e.work += int64(k + 1)
				return d
			}
		}
	}
	fs.e.work += int64(len(x))
	return d
}

// subCost is the change of bin j's weighted overflow when x is taken out.
func (fs *fleetSearch) subCost(j int, x []float64) float64 {
	l := fs.load[j]
	d := 0.0
	for k, v := range x {
		if l[k] > fs.lim[k] {
			d += fs.ov(k, l[k]-v) - fs.ov(k, l[k])
		}
	}
	fs.e.work += int64(len(x))
	return d
}

// swapCost is the change of bin j's weighted overflow when out leaves and
// in joins it; it stops early, with a value above cut, once the change
// exceeds cut and no overflow of the bin is left to fall.
func (fs *fleetSearch) swapCost(j int, out, in []float64, cut float64) float64 {
	l := fs.load[j]
	d := 0.0
	left := fs.over[j] // what later coordinates can still take off
	for k, v := range in {
		if l[k] > fs.lim[k] {
			left -= fs.ov(k, l[k])
		}
		if y := l[k] + v - out[k]; y > fs.lim[k] || l[k] > fs.lim[k] {
			d += fs.ov(k, y) - fs.ov(k, l[k])
			if d-left > cut {
				fs.e.work += int64(k + 1)
				return d
			}
		}
	}
	fs.e.work += int64(len(in))
	return d
}

func (fs *fleetSearch) insert(r, j int) {
	fs.bins[j] = append(fs.bins[j], r)
	fs.bin[r] = j
	fs.dirty[j] = true
	l := fs.load[j]
	for k, x := range fs.dem[r] {
		l[k] += x
	}
	fs.over[j] = fs.binOver(j)
}

func (fs *fleetSearch) take(r int) {
	j := fs.bin[r]
	k := slices.Index(fs.bins[j], r)
	fs.bins[j] = slices.Delete(fs.bins[j], k, k+1)
	fs.dirty[j] = true
	l := fs.load[j]
	for k, x := range fs.dem[r] {
		l[k] -= x
	}
	if len(fs.bins[j]) == 0 {
		clear(l)
	}
	fs.over[j] = fs.binOver(j)
}

// repair moves items until no bin overflows in any coordinate, or the work
// reaches stop (false).
func (fs *fleetSearch) repair(stop int64) bool {
	e := fs.e
	bestTotal, since := math.Inf(1), 0
	for e.work < stop && since < fleetPatience {
		a := fs.nextOver()
		if a < 0 {
			if !fs.activateViolations() {
				return true
			}
			bestTotal, since = math.Inf(1), 0
			continue
		}
		if fs.total < bestTotal*(1-1e-9) {
			bestTotal, since = fs.total, 0
		} else {
			since++
		}
		if fs.bestMove(a) {
			continue
		}
		// a local minimum: penalise the coordinates where a overflows
		for k, x := range fs.load[a] {
			if x > fs.lim[k] {
				fs.w[k]++
			}
		}
		for j := range fs.bins {
			fs.over[j] = fs.binOver(j)
		}
	}
	return false
}

// nextOver returns the next overflowing bin after the cursor, or -1.
func (fs *fleetSearch) nextOver() int {
	n := len(fs.bins)
	for x := range n {
		j := (fs.cur + x) % n
		if fs.over[j] > fleetEps {
			fs.cur = j + 1
			return j
		}
	}
	return -1
}

// bestMove applies the move of an item of bin a (to another bin, or
// swapped with another bin's item) that lowers the weighted overflow
// most, and reports whether there was one.
func (fs *fleetSearch) bestMove(a int) bool {
	best := -fleetEps * (1 + fs.over[a])
	bestR, bestB, bestR2 := -1, -1, -1
	gains := make([]float64, len(fs.bins[a]))
	for x, r := range fs.bins[a] {
		ga := fs.subCost(a, fs.dem[r])
		gains[x] = ga
		if ga >= best {
			continue
		}
		for b := range fs.bins {
			if b == a {
				continue
			}
			if d := ga + fs.addCost(b, fs.dem[r], best-ga); d < best {
				best, bestR, bestB = d, r, b
			}
		}
	}
	if bestR >= 0 {
		fs.take(bestR)
		fs.insert(bestR, bestB)
		return true
	}
	// Swaps. Only a's overflowing coordinates can lower a's overflow and
	// another bin b's overflow falls at most by over[b]: pairs whose
	// change there cannot beat the best are skipped before the full
	// evaluation.
	var hot []int
	for k, x := range fs.load[a] {
		if x > fs.lim[k] {
			hot = append(hot, k)
		}
	}
	la := fs.load[a]
	fs.pairs = fs.pairs[:0]
	for x, r := range fs.bins[a] {
		if gains[x] >= 0 {
			continue
		}
		dr := fs.dem[r]
		m := len(fs.bins)
		for y := range min(m, fleetSwapBins) {
			b := (fs.swapCur + y) % m
			if b == a {
				continue
			}
			for _, r2 := range fs.bins[b] {
				d2 := fs.dem[r2]
				opt := -fs.over[b]
				for _, k := range hot {
					opt += fs.ov(k, la[k]-dr[k]+d2[k]) - fs.ov(k, la[k])
				}
				if opt < best {
					fs.pairs = append(fs.pairs, swapPair{opt, int32(r), int32(r2)})
				}
				fs.e.work += int64(len(hot) + 1)
			}
		}
	}
	fs.swapCur += fleetSwapBins
	// best first by the optimistic change, which no pair beats: the scan
	// ends at the first pair whose optimistic change cannot beat the best
	slices.SortFunc(fs.pairs, func(p, q swapPair) int {
		if c := cmp.Compare(p.opt, q.opt); c != 0 {
			return c
		}
		if c := cmp.Compare(p.r, q.r); c != 0 {
			return c
		}
		return cmp.Compare(p.r2, q.r2)
	})
	fs.e.work += int64(len(fs.pairs))
	for _, pr := range fs.pairs {
		if pr.opt >= best {
			break
		}
		r, r2 := int(pr.r), int(pr.r2)
		b := fs.bin[r2]
		dr, d2 := fs.dem[r], fs.dem[r2]
		d := fs.swapCost(a, dr, d2, best+fs.over[b])
		if d-fs.over[b] >= best {
			continue
		}
		if d += fs.swapCost(b, d2, dr, best-d); d < best {
			best, bestR, bestR2 = d, r, r2
		}
	}
	if bestR < 0 {
		return false
	}
	b := fs.bin[bestR2]
	fs.take(bestR)
	fs.take(bestR2)
	fs.insert(bestR, b)
	fs.insert(bestR2, a)
	return true
}

// activateViolations checks every changed bin in every coordinate. It sets
// the bin's active loads to the exact sums (the search updates them by
// additions and subtractions, which round), activates the worst violated
// coordinate of each violating bin, and reports whether a bin violates a
// limit (the repair then goes on).
func (fs *fleetSearch) activateViolations() bool {
	e := fs.e
	var add []fcoord
	violated := false
	loads := make([][]float64, e.dims)
	for d := range e.dims {
		loads[d] = make([]float64, e.slots[d])
	}
	for j, bin := range fs.bins {
		if !fs.dirty[j] {
			continue
		}
		worst, wc, any := 0.0, fcoord{-1, -1}, false
		for d := range e.dims {
			load := loads[d]
			clear(load)
			for _, r := range bin {
				for t, v := range e.items[fs.item[r]].rows[d] {
					load[t] += v
				}
			}
			e.work += int64(len(bin) * e.slots[d])
			for t, x := range load {
				if x > e.limit[d] {
					any = true
					v := (x - e.limit[d]) / max(e.cap[d], AbsTolerance)
					if v > worst && !fs.act[fcoord{d, t}] {
						worst, wc = v, fcoord{d, t}
					}
				}
			}
		}
		for k, c := range fs.co {
			fs.load[j][k] = loads[c.d][c.t]
		}
		fs.over[j] = fs.binOver(j)
		if !any {
			fs.dirty[j] = false
			continue
		}
		violated = true
		if wc.d >= 0 && !slices.Contains(add, wc) {
			add = append(add, wc)
		}
	}
	slices.SortFunc(add, func(a, b fcoord) int {
		if c := cmp.Compare(a.d, b.d); c != 0 {
			return c
		}
		return cmp.Compare(a.t, b.t)
	})
	for _, c := range add {
		fs.addCoord(c)
	}
	return violated
}

// spread packs every item afresh into m empty bins: by decreasing size
// (the largest active demand over capacity; ties: volume, rank), each into
// the bin, of the fleetSpreadCand least filled (fill: the largest active
// load over its limit), where it adds the least overflow, ties to the one
// whose fill after it is least.
func (fs *fleetSearch) spread(m int) {
	K := len(fs.co)
	fs.bins = make([][]int, m)
	fs.load = make([][]float64, m)
	fs.over = make([]float64, m)
	fs.raw = make([]float64, m)
	fs.dirty = make([]bool, m)
	fs.total, fs.cur = 0, 0
	for j := range m {
		fs.load[j] = make([]float64, K)
		fs.dirty[j] = true
	}
	size := make([]float64, len(fs.item))
	for r, x := range fs.dem {
		for k, v := range x {
			size[r] = max(size[r], v/fs.lim[k])
		}
	}
	order := make([]int, len(fs.item))
	for r := range order {
		order[r] = r
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(size[b], size[a]); c != 0 {
			return c
		}
		return cmp.Compare(fs.vol[b], fs.vol[a])
	})
	fill := make([]float64, m)
	cand := make([]int, 0, fleetSpreadCand+1)
	for _, r := range order {
		// the least filled bins (ties: lower index), by insertion
		cand = cand[:0]
		for j := range m {
			x := len(cand)
			for x > 0 && fill[cand[x-1]] > fill[j] {
				x--
			}
			if x >= fleetSpreadCand {
				continue
			}
			cand = slices.Insert(cand, x, j)
			if len(cand) > fleetSpreadCand {
				cand = cand[:fleetSpreadCand]
			}
		}
		fs.e.work += int64(m)
		bestJ, bestD, bestF := -1, math.Inf(1), math.Inf(1)
		for _, j := range cand {
			d := fs.addCost(j, fs.dem[r], bestD+fleetEps)
			if d > bestD+fleetEps {
				continue
			}
			f := 0.0
			for k, v := range fs.dem[r] {
				f = max(f, (fs.load[j][k]+v)/fs.lim[k])
			}
			fs.e.work += int64(K)
			if d < bestD-fleetEps || f < bestF {
				bestJ, bestD, bestF = j, d, f
			}
		}
		fs.insert(r, bestJ)
		fill[bestJ] = bestF
	}
}
