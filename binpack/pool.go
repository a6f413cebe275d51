package binpack

import (
	"cmp"
	"slices"
)

// The pool search of the one-dimensional (onedim.go) and vector (vec.go)
// searches: the bin of least load goes to a pool, every bin in turn takes
// its best subset of its items and the pool (pack), a pass that changes no
// bin is followed by an exchange between two bins (concentrate) or, failing
// that, a seeded kick that forces a pool item into a bin, tabu until the
// next kick. An empty pool is one bin fewer. The two searches differ in
// their loads (one integer per bin, or a vector and a value) and so in
// their moves; the bins, the pool, the tabu and the loop are shared here.

// poolPacking is the state both pool searches share: a packing of items
// by rank and the pool.
type poolPacking struct {
	bins [][]int // ranks, ascending
	pool []int   // ranks, ascending
	// The last kick: tabuItem stays in bin tabuBin and the evicted items
	// tabuOut do not return to it until the next kick.
	tabuBin  int
	tabuItem int
	tabuOut  []int
}

// poolMoves are a pool search's moves on its own loads.
type poolMoves interface {
	packing() *poolPacking
	// leastBin returns the bin of least load (the first of equal ones).
	leastBin() int
	// deleteBin removes bin j and its loads.
	deleteBin(j int)
	// pack replaces bin j's items by its best subset of its items and the
	// pool, and reports whether the bin changed.
	pack(j int) bool
	// concentrate applies an exchange between two bins that makes the
	// fuller one fuller, and reports whether it found one.
	concentrate() bool
	// kick forces a pool item into a bin (kickTarget, kicked).
	kick()
}

func (p *poolPacking) packing() *poolPacking { return p }

// argMin returns the index of the first least element of xs (0 when xs is
// empty).
func argMin[T cmp.Ordered](xs []T) int {
	k := 0
	for j := range xs {
		if xs[j] < xs[k] {
			k = j
		}
	}
	return k
}

// poolSearch empties the pool (an unfinished pool first, else the bin
// with the least load) while best has more than lb bins and the budget
// lasts; it returns the best packing found.
func (e *engine) poolSearch(m poolMoves, best [][]int, lb int) [][]int {
	p := m.packing()
	for len(best) > lb && len(p.bins) > lb && !e.outOfTime() {
		if len(p.pool) == 0 {
			k := m.leastBin()
			p.pool = append(p.pool, p.bins[k]...)
			slices.Sort(p.pool)
			m.deleteBin(k)
		}
		if !e.emptyPoolOf(m) {
			break
		}
		// concentrate may have emptied bins
		for j := len(p.bins) - 1; j >= 0; j-- {
			if len(p.bins[j]) == 0 {
				m.deleteBin(j)
			}
		}
		best = cloneBins(p.bins)
	}
	return best
}

// emptyPoolOf packs every bin in turn with its best subset of its items
// and the pool, until the pool is empty (true) or the budget runs out
// (false); a pass that changes no bin is followed by an exchange between
// two bins or, failing that, a seeded kick.
func (e *engine) emptyPoolOf(m poolMoves) bool {
	p := m.packing()
	p.tabuBin = -1
	for !e.outOfTime() {
		improved := false
		for j := range p.bins {
			if m.pack(j) {
				improved = true
				if len(p.pool) == 0 {
					return true
				}
			}
			if e.outOfTime() {
				return false
			}
		}
		if !improved && !m.concentrate() {
			m.kick()
		}
	}
	return false
}

// candidates returns what bin j may be repacked with, ascending: its items
// and the pool, less the tabu of the last kick when j is its bin; forced
// is the kicked item that must stay in j (−1: none).
func (p *poolPacking) candidates(j int) (cand []int, forced int) {
	forced = -1
	cand = make([]int, 0, len(p.bins[j])+len(p.pool))
	for _, r := range p.bins[j] {
		if j == p.tabuBin && r == p.tabuItem {
			forced = r
			continue
		}
		cand = append(cand, r)
	}
	for _, r := range p.pool {
		if j == p.tabuBin && slices.Contains(p.tabuOut, r) {
			continue
		}
		cand = append(cand, r)
	}
	slices.Sort(cand)
	return cand, forced
}

// repack moves bin j's items that best (with forced, when ≥ 0) leaves out
// to the pool and takes best's out of it; it returns best with forced,
// ascending, for the caller to set as bin j.
func (p *poolPacking) repack(j int, best []int, forced int) []int {
	if forced >= 0 {
		best = append(best, forced)
	}
	slices.Sort(best)
	for _, r := range p.bins[j] {
		if !slices.Contains(best, r) {
			p.pool = append(p.pool, r)
		}
	}
	p.pool = slices.DeleteFunc(p.pool, func(r int) bool { return slices.Contains(best, r) })
	slices.Sort(p.pool)
	return best
}

// kickTarget picks a kick: the largest pool item or, with probability 1/2,
// a random one, into a random bin; ok is false with no pool item or no bin.
func (p *poolPacking) kickTarget(e *engine) (item, bin int, ok bool) {
	if len(p.pool) == 0 || len(p.bins) == 0 {
		return 0, 0, false
	}
	// half of the kicks force the largest pool item, the hardest to place
	item = p.pool[0]
	if e.rng.IntN(2) == 0 {
		item = p.pool[e.rng.IntN(len(p.pool))]
	}
	return item, e.rng.IntN(len(p.bins)), true
}

// kicked ends a kick of item into bin j that evicted out: item leaves the
// pool, out joins it, and the move is tabu until the next kick. It returns
// bin j's new items, ascending, for the caller to set.
func (p *poolPacking) kicked(j, item int, out []int) []int {
	nb := slices.DeleteFunc(slices.Clone(p.bins[j]), func(r int) bool { return slices.Contains(out, r) })
	nb = append(nb, item)
	slices.Sort(nb)
	p.pool = slices.DeleteFunc(p.pool, func(r int) bool { return r == item })
	p.pool = append(p.pool, out...)
	slices.Sort(p.pool)
	p.tabuBin, p.tabuItem, p.tabuOut = j, item, out
	return nb
}
