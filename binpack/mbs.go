package binpack

import (
	"cmp"
	"slices"
)

// HeurMBS is the minimum bin slack heuristic MBS' (Gupta and Ho 1999;
// Fleszar and Hindi 2002): bins are filled one at a time; the largest item
// left goes in, then a depth-first search over the other items left, by
// decreasing size, looks for the subset that fills the bin most (largest
// volume), within mbsNodes search nodes per bin.
const HeurMBS = "mbs"

// mbsNodes bounds the search per bin; mbsLimit is the largest n·K for which
// MBS' runs, and mbsWorkLimit the largest LB·min(n, mbsNodes)·K, about
// the number of coordinates its searches compare: one search per bin, each
// of up to mbsNodes items (size rules, never time rules). The second keeps
// it off the sum-of-peaks baseline of a fleet of 100,000 servers (one
// coordinate per resource, but 20,000 hosts: about 3·10⁹, some 180 CPU-s);
// every published set and fleet of 10,000 servers is far below it.
const (
	mbsNodes     = 20000
	mbsLimit     = 2e6
	mbsWorkLimit = 1e9
)

func (e *engine) mbs(s *state, items []int) *state {
	return e.mbsOrdered(s, items, func(i int) float64 { v := &e.items[i]; return v.size*1e3 + v.psum })
}

// mbsOrdered is MBS' with the items taken by decreasing key.
func (e *engine) mbsOrdered(s *state, items []int, key func(int) float64) *state {
	left := slices.Clone(items)
	rank := make(map[int]int, len(e.order))
	for r, i := range e.order {
		rank[i] = r
	}
	slices.SortFunc(left, func(a, b int) int {
		if c := cmp.Compare(key(b), key(a)); c != 0 {
			return c
		}
		return cmp.Compare(rank[a], rank[b])
	})
	for len(left) > 0 {
		b := e.newBin(e.limit)
		s.bins = append(s.bins, b)
		e.add(b, left[0])
		rest := left[1:]
		suffix := make([]float64, len(rest)+1)
		for k := len(rest) - 1; k >= 0; k-- {
			suffix[k] = suffix[k+1] + e.items[rest[k]].vol
		}
		var cur, best []int
		bestVol := b.vol
		nodes := 0
		var dfs func(k int)
		dfs = func(k int) {
			for ; k < len(rest) && nodes < mbsNodes; k++ {
				if b.vol+suffix[k] <= bestVol+moveEps {
					return
				}
				i := rest[k]
				nodes++
				if !e.fits(b, i) {
					continue
				}
				e.add(b, i)
				cur = append(cur, k)
				if b.vol > bestVol+moveEps {
					bestVol, best = b.vol, slices.Clone(cur)
				}
				dfs(k + 1)
				cur = cur[:len(cur)-1]
				e.remove(b, i)
			}
		}
		dfs(0)
		for _, k := range best {
			e.add(b, rest[k])
		}
		next := make([]int, 0, len(rest)-len(best))
		for k, i := range rest {
			if !slices.Contains(best, k) {
				next = append(next, i)
			}
		}
		left = next
	}
	return s
}
