package binpack

import (
	"cmp"
	"math"
	"slices"
)

// BalanceOptions steer Balance. The zero value balances without a spread
// weight and without a budget (nothing moves).
type BalanceOptions struct {
	// Work is the deterministic budget in work units (one unit is one
	// coordinate of one load update or evaluation, as SolveOptions.Work)
	// of each phase: the re-placement and the local search.
	Work int64
	// Existing and Pins are those the packing was solved with: existing
	// bins keep their own capacity and pinned items never move.
	Existing []ExistingBin
	Pins     map[int]int
	// Spread is an optional per-item weight in the units of dimension
	// SpreadDim (e.g. the CPU a VM is entitled to and has not used): its
	// sum per bin, relative to the bin's capacity in that dimension, is
	// levelled with the loads, so that no bin collects the items that may
	// grow.
	Spread    []float64
	SpreadDim int
}

// BalanceResult is the outcome of Balance.
type BalanceResult struct {
	// Bins lists the item indices of every bin, ascending, in the order of
	// the bins given (a bin may not become empty).
	Bins [][]int
	// Moves counts the items that changed bins; Work the units spent.
	Moves int
	Work  int64
	// Before and After are the objective (Balance) of the packing given
	// and of the result; MaxUtilBefore and MaxUtilAfter the highest
	// peak-to-capacity ratio over bins and dimensions.
	Before, After               float64
	MaxUtilBefore, MaxUtilAfter float64
}

// Balance re-places the items of a feasible packing over the same bins so
// that the load is level: it minimises Σ_bins Σ_d (peak_d / C_d)² (the
// squared peak utilisation of every bin and dimension over its slots), plus
// Σ_bins (Σ spread / C_SpreadDim)² when Spread is given, while every bin
// stays within its capacity in every slot and anti-affinity holds. The bin
// count never changes: Solve finds the fewest bins, Balance decides how
// full each is.
//
// It first re-places every movable item, largest first, on the bin where
// the objective grows least (longest-processing-time first, Graham 1969);
// that start is kept when every item fits and it is better than the packing
// given. Then a local search moves single items and swaps pairs between
// bins while the objective falls, the fullest bins first, until no move
// helps or the budget is spent; each item is tried on the balanceDests
// bins of lowest objective term, so that a large fleet's budget reaches
// many items. The result depends only on its inputs.
func Balance(inst *Instance, bins [][]int, opt BalanceOptions) BalanceResult {
	e := newEngine(inst)
	bl := &balancer{e: e, opt: opt}
	e.budget = opt.Work
	movable := bl.setup(bins)
	res := BalanceResult{}
	start := bl.load(bins)
	res.Before, res.MaxUtilBefore = bl.objective(start), bl.maxUtil(start)
	best := start
	if opt.Work > 0 { // no budget, no search: the packing as given
		if lpt, ok := bl.lpt(bins, movable); ok && bl.objective(lpt) < res.Before {
			best = lpt
		}
		e.budget = e.work + opt.Work // the local search has a budget of its own
		bl.improve(best, movable)
	}
	res.After, res.MaxUtilAfter = bl.objective(best), bl.maxUtil(best)
	if res.After > res.Before {
		best = start // never worse than the packing given
		res.After, res.MaxUtilAfter = res.Before, res.MaxUtilBefore
	}
	where := map[int]int{}
	for j, b := range bins {
		for _, i := range b {
			where[i] = j
		}
	}
	for j, b := range best {
		res.Bins = append(res.Bins, slices.Sorted(slices.Values(b.items)))
		for _, i := range b.items {
			if where[i] != j {
				res.Moves++
			}
		}
	}
	res.Work = e.work
	return res
}

type balancer struct {
	e     *engine
	opt   BalanceOptions
	limit [][]float64 // per bin
	cap   [][]float64 // per bin: the capacity utilisation is measured against
}

// setup records every bin's limit and capacity and returns the movable
// items, largest first (max_d peak_d / C_d, then sum, then ID).
func (bl *balancer) setup(bins [][]int) []int {
	e := bl.e
	e.pin = make([]bool, len(e.items)) // as Solve marks them
	for i := range bl.opt.Pins {
		e.pin[i] = true
	}
	for j := range bins {
		c, lim := e.cap, e.limit
		if j < len(bl.opt.Existing) {
			c = bl.opt.Existing[j].Capacity
			lim = e.limits(c)
		}
		bl.cap = append(bl.cap, c)
		bl.limit = append(bl.limit, lim)
	}
	var movable []int
	for _, b := range bins {
		for _, i := range b {
			if !e.pin[i] {
				movable = append(movable, i)
			}
		}
	}
	slices.SortFunc(movable, func(a, b int) int {
		x, y := &e.items[a], &e.items[b]
		if c := cmp.Compare(y.size, x.size); c != 0 {
			return c
		}
		if c := cmp.Compare(y.psum, x.psum); c != 0 {
			return c
		}
		return cmp.Compare(x.id, y.id)
	})
	return movable
}

func (bl *balancer) load(bins [][]int) []*vbin {
	out := make([]*vbin, len(bins))
	for j, b := range bins {
		out[j] = bl.e.newBin(bl.limit[j])
		for _, i := range b {
			bl.e.add(out[j], i)
		}
	}
	return out
}

func (bl *balancer) spread(i int) float64 {
	if bl.opt.Spread == nil {
		return 0
	}
	return bl.opt.Spread[i]
}

// binCost is a bin's term of the objective given its peaks and spread.
func (bl *balancer) binCost(j int, peak []float64, spread float64) float64 {
	f := 0.0
	c := bl.cap[j]
	for d, p := range peak {
		if c[d] > 0 {
			u := p / c[d]
			f += u * u
		}
	}
	if bl.opt.Spread != nil {
		if c := c[bl.opt.SpreadDim]; c > 0 {
			u := spread / c
			f += u * u
		}
	}
	return f
}

func (bl *balancer) spreadOf(b *vbin) float64 {
	s := 0.0
	for _, i := range b.items {
		s += bl.spread(i)
	}
	return s
}

func (bl *balancer) objective(bins []*vbin) float64 {
	f := 0.0
	for j, b := range bins {
		f += bl.binCost(j, b.peak, bl.spreadOf(b))
	}
	return f
}

func (bl *balancer) maxUtil(bins []*vbin) float64 {
	m := 0.0
	for j, b := range bins {
		for d, p := range b.peak {
			if c := bl.cap[j][d]; c > 0 {
				m = math.Max(m, p/c)
			}
		}
	}
	return m
}

// peaksWith returns the peaks of b with item add added and item drop
// removed (-1: none), without changing b.
func (bl *balancer) peaksWith(b *vbin, add, drop int, out []float64) []float64 {
	e := bl.e
	out = out[:0]
	for d := range e.dims {
		load := b.load[d]
		var ra, rd []float64
		if add >= 0 {
			ra = e.items[add].rows[d]
		}
		if drop >= 0 {
			rd = e.items[drop].rows[d]
		}
		pk := 0.0
		for t, v := range load {
			if ra != nil {
				v += ra[t]
			}
			if rd != nil {
				v -= rd[t]
			}
			pk = max(pk, v)
		}
		e.work += int64(len(load))
		out = append(out, pk)
	}
	return out
}

// fitsSwap reports whether item add fits bin b once item drop (in b) is out.
func (bl *balancer) fitsSwap(b *vbin, add, drop int) bool {
	e := bl.e
	it := &e.items[add]
	for _, g := range it.groups {
		n := b.groups[g]
		if drop >= 0 && slices.Contains(e.items[drop].groups, g) {
			n--
		}
		if n > 0 {
			return false
		}
	}
	for d := range e.dims {
		load, ra, rd := b.load[d], it.rows[d], e.items[drop].rows[d]
		lim := b.limit[d]
		e.work += int64(len(load))
		for t, v := range load {
			if v+ra[t]-rd[t] > lim {
				return false
			}
		}
	}
	return true
}

// lpt places the movable items, largest first, each on the bin whose
// objective term grows least; ok is false when an item fits nowhere.
func (bl *balancer) lpt(bins [][]int, movable []int) ([]*vbin, bool) {
	e := bl.e
	fixed := make([][]int, len(bins))
	for j, b := range bins {
		for _, i := range b {
			if e.pin[i] {
				fixed[j] = append(fixed[j], i)
			}
		}
	}
	out := bl.load(fixed)
	spread := make([]float64, len(out))
	cost := make([]float64, len(out)) // each bin's term of the objective
	for j, b := range out {
		spread[j] = bl.spreadOf(b)
		cost[j] = bl.binCost(j, b.peak, spread[j])
	}
	var pk []float64
	for _, i := range movable {
		bestJ, bestD := -1, math.Inf(1)
		for j, b := range out {
			if e.work > e.budget {
				return nil, false
			}
			if !e.fits(b, i) {
				continue
			}
			pk = bl.peaksWith(b, i, -1, pk)
			delta := bl.binCost(j, pk, spread[j]+bl.spread(i)) - cost[j]
			if delta < bestD-1e-12 {
				bestJ, bestD = j, delta
			}
		}
		if bestJ < 0 {
			return nil, false
		}
		e.add(out[bestJ], i)
		spread[bestJ] += bl.spread(i)
		cost[bestJ] = bl.binCost(bestJ, out[bestJ].peak, spread[bestJ])
	}
	return out, true
}

// balanceDests is how many bins, those of lowest objective term, the local
// search tries for each item.
const balanceDests = 16

// improve moves and swaps items between bins while the objective falls.
func (bl *balancer) improve(bins []*vbin, movable []int) {
	e := bl.e
	spread := make([]float64, len(bins))
	cost := make([]float64, len(bins))
	for j, b := range bins {
		spread[j] = bl.spreadOf(b)
		cost[j] = bl.binCost(j, b.peak, spread[j])
	}
	var pa, pb []float64
	for improved := true; improved; {
		improved = false
		order := make([]int, len(bins))
		for j := range order {
			order[j] = j
		}
		slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(cost[y], cost[x]) })
		for _, a := range order {
			src := bins[a]
			items := slices.Clone(src.items)
			slices.SortFunc(items, func(x, y int) int {
				if c := cmp.Compare(e.items[y].size, e.items[x].size); c != 0 {
					return c
				}
				return cmp.Compare(x, y)
			})
			dests := lowest(cost, a, balanceDests) // changes only when a move is made
			for _, i := range items {
				if e.pin[i] {
					continue
				}
				if e.work > e.budget {
					return
				}
				// Best single move of i, then best swap of i.
				bestB, bestK, bestGain := -1, -1, 1e-9
				var newA, newB float64
				pa = bl.peaksWith(src, -1, i, pa)
				ca := bl.binCost(a, pa, spread[a]-bl.spread(i))
				for _, b := range dests {
					dst := bins[b]
					if !e.fits(dst, i) {
						continue
					}
					pb = bl.peaksWith(dst, i, -1, pb)
					cb := bl.binCost(b, pb, spread[b]+bl.spread(i))
					if g := cost[a] + cost[b] - ca - cb; g > bestGain {
						bestB, bestK, bestGain, newA, newB = b, -1, g, ca, cb
					}
				}
				if bestB < 0 {
					for _, b := range dests {
						dst := bins[b]
						if cost[b] >= cost[a] {
							continue
						}
						for _, k := range dst.items {
							if e.pin[k] || e.items[k].size >= e.items[i].size {
								continue
							}
							if !bl.fitsSwap(dst, i, k) || !bl.fitsSwap(src, k, i) {
								continue
							}
							pa = bl.peaksWith(src, k, i, pa)
							pb = bl.peaksWith(dst, i, k, pb)
							sa := spread[a] - bl.spread(i) + bl.spread(k)
							sb := spread[b] + bl.spread(i) - bl.spread(k)
							ca2, cb2 := bl.binCost(a, pa, sa), bl.binCost(b, pb, sb)
							if g := cost[a] + cost[b] - ca2 - cb2; g > bestGain {
								bestB, bestK, bestGain, newA, newB = b, k, g, ca2, cb2
							}
						}
					}
				}
				if bestB < 0 {
					continue
				}
				dst := bins[bestB]
				e.remove(src, i)
				e.add(dst, i)
				spread[a] -= bl.spread(i)
				spread[bestB] += bl.spread(i)
				if bestK >= 0 {
					e.remove(dst, bestK)
					e.add(src, bestK)
					spread[a] += bl.spread(bestK)
					spread[bestB] -= bl.spread(bestK)
				}
				cost[a], cost[bestB] = newA, newB
				dests = lowest(cost, a, balanceDests)
				improved = true
			}
		}
	}
}

// lowest returns the indices of the n smallest costs other than skip, the
// smallest first (ties by index).
func lowest(cost []float64, skip, n int) []int {
	idx := make([]int, 0, len(cost))
	for j := range cost {
		if j != skip {
			idx = append(idx, j)
		}
	}
	slices.SortStableFunc(idx, func(x, y int) int { return cmp.Compare(cost[x], cost[y]) })
	return idx[:min(n, len(idx))]
}
