package binpack

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"
)

// Fit tolerances. An item fits a bin when, in every dimension d and slot t,
//
//	Load[d][t] + Values[d][t] <= Capacity[d]*(1+RelTolerance) + AbsTolerance
//
// RelTolerance absorbs rounding in demand that was scaled and summed;
// AbsTolerance lets rounding noise fit a dimension whose capacity is 0.
const (
	RelTolerance = 1e-9
	AbsTolerance = 1e-12
)

// Limit is the capacity as the fit rule applies it: the most a bin of
// capacity c holds in one dimension and slot, c·(1+RelTolerance) +
// AbsTolerance.
func Limit(c float64) float64 { return c*(1+RelTolerance) + AbsTolerance }

// Instance is a packing problem: items whose demand is given per dimension
// and per time slot, and identical bins of capacity Capacity per dimension.
// ParseBPP, ParseVBP and ParseTBPP build one from the published benchmark
// formats; kvmfit's planner (binpack/plan) builds one from a fleet's demand.
//
// One-dimensional bin packing is one dimension of one slot; vector packing is
// d dimensions of one slot; temporal bin packing is one dimension over the
// distinct start times. Dimensions may have different slot counts (a count
// dimension such as "VMs per host" has one slot), but every item has the same
// count as every other item in a given dimension.
type Instance struct {
	Name string
	// Capacity is the usable capacity of a new bin per dimension. A
	// dimension with capacity 0 only takes items whose demand in it is 0.
	Capacity []float64
	Items    []VecItem
	// DimNames name the dimensions in explanations ("dim 0" when empty).
	DimNames []string
	// AntiAffinity lists groups of item indices: no two items of one group
	// may share a bin.
	AntiAffinity [][]int
	// AntiAffinityNames names each group in explanations.
	AntiAffinityNames []string
}

// VecItem is one item of an Instance: Values[d][t] is its demand in
// dimension d and slot t.
type VecItem struct {
	ID     string
	Values [][]float64
}

// ExistingBin is a bin that exists before packing (fixed-fleet mode): it has
// its own capacity and is never removed by the search.
type ExistingBin struct {
	Name     string
	Capacity []float64
}

// SolveOptions steer Solve. The zero value is valid: no search budget (the
// constructive heuristics only), no deadline.
type SolveOptions struct {
	// Work is the deterministic search budget of the improvement phase, in
	// work units: one unit is one coordinate (dimension × slot) of one fit
	// check. The result never depends on machine speed while this budget,
	// not Deadline, ends the search. 0 skips the improvement phase.
	Work int64
	// Deadline is a wall-clock safety cap of the search (zero: none),
	// moved later by the time the constructive heuristics took, so that
	// it bounds the search alone: on 100,000 servers the heuristics take
	// about a minute, and the cap would otherwise end the search before it
	// starts, on one machine and not on a faster one. When it ends the
	// search, Solution.Stop says so: the result may then differ between
	// machines.
	Deadline time.Time
	// Seed seeds the perturbation of the improvement phase.
	Seed uint64
	// Existing are bins open before packing, in order; they are bins
	// 0..len(Existing)-1 of the solution even when they end up empty.
	Existing []ExistingBin
	// Pins maps an item index to the index of an Existing bin it must go
	// to; pinned items are placed first and never moved.
	Pins map[int]int
	// NoNewBins forbids opening bins beyond Existing: items that fit no
	// existing bin are unplaced.
	NoNewBins bool
	// Heuristics restricts the constructive heuristics by name (nil: all
	// that suit the problem's size, see Heuristics).
	Heuristics []string
}

// Solution is the outcome of Solve.
type Solution struct {
	// Bins lists the item indices of every bin, ascending. The first
	// len(SolveOptions.Existing) bins are the existing ones (possibly
	// empty); new bins follow, none empty.
	Bins [][]int
	// Unplaced are the items placed nowhere, by ascending item index.
	Unplaced []Unplaced
	// LowerBound is Bounds.Best: no packing of the placeable items into
	// new bins uses fewer bins.
	LowerBound int
	Bounds     Bounds
	// Heuristic names the constructive heuristic whose result the search
	// started from; Constructive gives the bins of every heuristic run.
	Heuristic    string
	Constructive []HeuristicResult
	// Improved is how many bins the improvement phase removed.
	Improved int
	// Work is the work units spent by the improvement phase.
	Work int64
	// Stop says why the search stopped: "lower bound" (optimal), "work
	// budget", "deadline" (wall-clock safety cap: not reproducible across
	// machines), "no search" (budget 0) or "fixed fleet".
	Stop string
}

// HeuristicResult is the bin count one constructive heuristic reached.
type HeuristicResult struct {
	Name string `json:"name"`
	Bins int    `json:"bins"`
}

// Dim is a dimension of an Instance: d indexes Instance.Capacity[d],
// Instance.DimNames[d] and every item's Values[d]. The solver's dimensions
// are its own; a caller that packs resources of its own maps them onto
// Dims (kvmfit's planner puts its resources first, then the count
// dimensions it adds).
type Dim int

// NoDim is the Dim of an unplaced item that a constraint stopped rather
// than a dimension.
const NoDim Dim = -1

// Unplaced explains why an item was placed nowhere.
type Unplaced struct {
	// Item is the index of the item in Instance.Items.
	Item int
	// Dim and Slot are the dimension and slot that stop the item (the first
	// ones, in order, where it overflows), or NoDim and -1 when a
	// constraint stopped it.
	Dim  Dim
	Slot int
	// Demand is the item's demand in Dim and Slot; Capacity is the capacity
	// of an empty new bin in Dim, or for a pinned item the Limit of its bin
	// (both 0 with NoDim).
	Demand   float64
	Capacity float64
	// Constraint names the constraint that stopped the item ("" when it is
	// a resource): "anti-affinity", "pin", "no new hosts".
	Constraint string
	// Detail says it in words.
	Detail string
}

// Heuristic names, in the order they are tried.
const (
	HeurFFDSize    = "ffd-size"     // first fit, decreasing max_d peak_d/C_d
	HeurFFDVolume  = "ffd-volume"   // first fit, decreasing Σ_d peak_d/C_d
	HeurBFDSize    = "bfd-size"     // best fit (least slack left), decreasing max_d peak_d/C_d
	HeurOverlapBF  = "overlap-bf"   // best fit on least growth of the bin's peaks
	HeurDotProduct = "dot-product"  // Panigrahy et al. 2011, bin-centric DotProduct
	HeurNormL2     = "norm-l2"      // Panigrahy et al. 2011, bin-centric L2 norm of the residual
	HeurFFDMean    = "ffd-timemean" // first fit, decreasing Σ_d mean_t/C_d (time-slotted)
)

// Heuristics are every constructive heuristic name.
var Heuristics = []string{HeurFFDSize, HeurFFDVolume, HeurBFDSize, HeurOverlapBF, HeurDotProduct, HeurNormL2, HeurFFDMean, HeurMBS}

// binCentricLimit is the largest n²·K (items squared times coordinates) for
// which the quadratic bin-centric heuristics run; the choice depends on the
// problem's size only, never on time.
const binCentricLimit = 2e8

// overlapLimit is the largest n·LB·K (items times the lower bound times
// coordinates) for which overlap-bf runs (a size rule: about 5 s of
// growth evaluations; the fleet search does better above it).
const overlapLimit = 3e9

type vitem struct {
	rows   [][]float64
	peak   []float64
	low    []float64 // least demand over the slots, per dimension
	peakT  []int
	vol    float64 // Σ_d Σ_t v/(C_d·T_d)
	size   float64 // max_d peak/C_d
	psum   float64 // Σ_d peak/C_d
	mean   float64 // Σ_d mean_t/C_d
	groups []int32
	id     string
}

type vbin struct {
	load   [][]float64
	peak   []float64
	peakT  []int
	items  []int
	limit  []float64
	vol    float64
	groups map[int32]int
	fixed  bool // an existing bin
	pinned bool // holds a pinned item: never emptied
}

type engine struct {
	inst     *Instance
	dims     int
	slots    []int
	cap      []float64
	limit    []float64
	items    []vitem
	order    []int // canonical order: by ID, then index
	work     int64
	budget   int64
	deadline time.Time
	timedOut bool
	rng      *rand.Rand
	nodl     int
	// The last kick's bin, item and evicted items: the item may not leave
	// that bin, nor the evicted items return to it, until the next kick.
	tabuBin     *vbin
	tabuItem    int
	tabuEvicted []int
	// pin marks pinned items, which the search never moves.
	pin []bool
	// lp is the master of the root LP solved by lpBound (nil if none),
	// which the one-dimensional dive reuses when its grouping matches.
	lp *cgMaster
	// rcBound is a lower bound the one-dimensional search proved (see
	// Bounds.RC), else 0.
	rcBound int
	// lb is the lower bound of the placeable items (Bounds.Best), set
	// before the constructive heuristics run.
	lb int
}

func newEngine(inst *Instance) *engine {
	e := &engine{inst: inst, dims: len(inst.Capacity)}
	e.cap = inst.Capacity
	e.limit = make([]float64, e.dims)
	for d, c := range inst.Capacity {
		e.limit[d] = Limit(c)
	}
	e.slots = make([]int, e.dims)
	if len(inst.Items) > 0 {
		for d := range e.dims {
			e.slots[d] = len(inst.Items[0].Values[d])
		}
	}
	e.items = make([]vitem, len(inst.Items))
	for i := range inst.Items {
		it := &inst.Items[i]
		if len(it.Values) != e.dims {
			panic(fmt.Sprintf("binpack: item %d (%q) has %d dimensions, capacity has %d", i, it.ID, len(it.Values), e.dims))
		}
		v := &e.items[i]
		v.id = it.ID
		v.rows = it.Values
		v.peak = make([]float64, e.dims)
		v.low = make([]float64, e.dims)
		v.peakT = make([]int, e.dims)
		for d, row := range it.Values {
			if len(row) != e.slots[d] {
				panic(fmt.Sprintf("binpack: item %d (%q) has %d slots in dimension %d, item 0 has %d", i, it.ID, len(row), d, e.slots[d]))
			}
			pk, pt, sum, lo := 0.0, 0, 0.0, math.Inf(1)
			for t, x := range row {
				if x > pk {
					pk, pt = x, t
				}
				lo = min(lo, x)
				sum += x
			}
			v.peak[d], v.peakT[d] = pk, pt
			if len(row) > 0 {
				v.low[d] = lo
			}
			if c := e.cap[d]; c > 0 && len(row) > 0 {
				v.size = max(v.size, pk/c)
				v.psum += pk / c
				v.mean += sum / float64(len(row)) / c
				v.vol += sum / (c * float64(len(row)))
			}
		}
	}
	for g, grp := range inst.AntiAffinity {
		for _, i := range grp {
			e.items[i].groups = append(e.items[i].groups, int32(g))
		}
	}
	e.order = make([]int, len(e.items))
	for i := range e.order {
		e.order[i] = i
	}
	slices.SortFunc(e.order, func(a, b int) int {
		if c := cmp.Compare(e.items[a].id, e.items[b].id); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return e
}

// limits returns the fit limit (Limit) of every dimension of capacity c.
func (e *engine) limits(c []float64) []float64 {
	lim := make([]float64, e.dims)
	for d, x := range c {
		lim[d] = Limit(x)
	}
	return lim
}

func (e *engine) newBin(limit []float64) *vbin {
	b := &vbin{limit: limit, load: make([][]float64, e.dims), peak: make([]float64, e.dims), peakT: make([]int, e.dims)}
	total := 0
	for _, s := range e.slots {
		total += s
	}
	buf := make([]float64, total)
	for d, s := range e.slots {
		b.load[d] = buf[:s:s]
		buf = buf[s:]
	}
	return b
}

func (b *vbin) clone() *vbin {
	c := *b
	c.load = make([][]float64, len(b.load))
	total := 0
	for _, r := range b.load {
		total += len(r)
	}
	buf := make([]float64, total)
	for d, r := range b.load {
		c.load[d] = buf[:len(r):len(r)]
		copy(c.load[d], r)
		buf = buf[len(r):]
	}
	c.peak = slices.Clone(b.peak)
	c.peakT = slices.Clone(b.peakT)
	c.items = slices.Clone(b.items)
	if b.groups != nil {
		c.groups = make(map[int32]int, len(b.groups))
		for k, v := range b.groups {
			c.groups[k] = v
		}
	}
	return &c
}

// fits reports whether item i fits bin b (resources and anti-affinity).
func (e *engine) fits(b *vbin, i int) bool {
	it := &e.items[i]
	for _, g := range it.groups {
		if b.groups[g] > 0 {
			return false
		}
	}
	for d := range e.dims {
		lim := b.limit[d]
		if b.peak[d]+it.peak[d] <= lim {
			continue
		}
		load, row := b.load[d], it.rows[d]
		if t := it.peakT[d]; load[t]+row[t] > lim {
			e.work++
			return false
		}
		if t := b.peakT[d]; load[t]+row[t] > lim {
			e.work++
			return false
		}
		e.work += int64(len(row))
		for t, v := range row {
			if load[t]+v > lim {
				return false
			}
		}
	}
	return true
}

func (e *engine) add(b *vbin, i int) {
	it := &e.items[i]
	b.items = append(b.items, i)
	b.vol += it.vol
	for _, g := range it.groups {
		if b.groups == nil {
			b.groups = map[int32]int{}
		}
		b.groups[g]++
	}
	for d := range e.dims {
		load, row := b.load[d], it.rows[d]
		pk, pt := b.peak[d], b.peakT[d]
		for t, v := range row {
			s := load[t] + v
			load[t] = s
			if s > pk {
				pk, pt = s, t
			}
		}
		b.peak[d], b.peakT[d] = pk, pt
	}
	e.work += int64(e.coords())
}

func (e *engine) remove(b *vbin, i int) {
	it := &e.items[i]
	k := slices.Index(b.items, i)
	b.items = slices.Delete(b.items, k, k+1)
	b.vol -= it.vol
	for _, g := range it.groups {
		b.groups[g]--
	}
	for d := range e.dims {
		load, row := b.load[d], it.rows[d]
		pk, pt := 0.0, 0
		for t, v := range row {
			s := load[t] - v
			if len(b.items) == 0 || s < 0 {
				s = 0
			}
			load[t] = s
			if s > pk {
				pk, pt = s, t
			}
		}
		b.peak[d], b.peakT[d] = pk, pt
	}
	e.work += int64(e.coords())
}

func (e *engine) coords() int {
	n := 0
	for _, s := range e.slots {
		n += s
	}
	return n
}

// coordTotals calls f with every coordinate (slot t of a dimension d that
// has a capacity), in order, and the items' total demand there.
//
// The sums run item by item over each item's rows (memory in order, not a
// cache miss per item and coordinate); each coordinate still adds the
// items in the order given, so the totals are the same to the bit.
func (e *engine) coordTotals(items []int, f func(d, t int, total float64)) {
	sums := make([][]float64, e.dims)
	for d := range e.dims {
		if e.cap[d] > 0 {
			sums[d] = make([]float64, e.slots[d])
		}
	}
	for _, i := range items {
		for d, sum := range sums {
			for t, v := range e.items[i].rows[d][:len(sum)] {
				sum[t] += v
			}
		}
	}
	for d, sum := range sums {
		for t, v := range sum {
			f(d, t, v)
		}
	}
}

// slack returns Σ_d (limit_d − peak_d)/C_d of b after adding i (lower = tighter).
func (e *engine) slackAfter(b *vbin, i int) float64 {
	s := 0.0
	for d := range e.dims {
		if c := e.cap[d]; c > 0 {
			s += (b.limit[d] - b.peak[d]) / c
		}
	}
	return s - e.items[i].psum
}

// growth returns Σ_d (new peak_d − old peak_d)/C_d when i is added to b: the
// overlap-aware score (a server whose peaks fall in the bin's quiet slots
// grows it least).
func (e *engine) growth(b *vbin, i int) float64 {
	it := &e.items[i]
	g := 0.0
	for d := range e.dims {
		c := e.cap[d]
		if !(c > 0) {
			continue
		}
		if b.peak[d] == 0 {
			g += it.peak[d] / c
			continue
		}
		load, row := b.load[d], it.rows[d]
		pk := b.peak[d]
		for t, v := range row {
			pk = max(pk, load[t]+v)
		}
		e.work += int64(len(row))
		g += (pk - b.peak[d]) / c
	}
	return g
}

// state is a (partial) packing.
type state struct {
	bins     []*vbin
	unplaced []Unplaced
}

func (s *state) clone() *state {
	c := &state{bins: make([]*vbin, len(s.bins)), unplaced: slices.Clone(s.unplaced)}
	for j, b := range s.bins {
		c.bins[j] = b.clone()
	}
	return c
}

// newBins counts the bins that are not existing ones.
func (s *state) newBins() int {
	n := 0
	for _, b := range s.bins {
		if !b.fixed {
			n++
		}
	}
	return n
}

// sortedBy returns the placeable items sorted by key descending, ties by the
// canonical (ID) order.
func (e *engine) sortedBy(items []int, key func(*vitem) float64) []int {
	out := slices.Clone(items)
	rank := make([]int, len(e.items))
	for r, i := range e.order {
		rank[i] = r
	}
	slices.SortFunc(out, func(a, b int) int {
		if c := cmp.Compare(key(&e.items[b]), key(&e.items[a])); c != 0 {
			return c
		}
		return cmp.Compare(rank[a], rank[b])
	})
	return out
}

// construct packs items (canonical order) onto a copy of base with the named
// heuristic. It returns false when the heuristic is not applicable.
func (e *engine) construct(name string, base *state, items []int, allowNew bool) (*state, bool) {
	s := base.clone()
	var key func(*vitem) float64
	rule := "first"
	switch name {
	case HeurFFDSize:
		key = func(v *vitem) float64 { return v.size*1e3 + v.psum }
	case HeurFFDVolume:
		key = func(v *vitem) float64 { return v.psum }
	case HeurFFDMean:
		key = func(v *vitem) float64 { return v.mean }
	case HeurBFDSize:
		key, rule = func(v *vitem) float64 { return v.size*1e3 + v.psum }, "best"
	case HeurOverlapBF:
		// growth costs every coordinate of every bin an item fits: about
		// n·LB·K operations
		if float64(len(items))*float64(max(e.lb, 1))*float64(e.coords()) > overlapLimit {
			return nil, false
		}
		key, rule = func(v *vitem) float64 { return v.size*1e3 + v.psum }, "overlap"
	case HeurMBS:
		if len(base.bins) > 0 || !allowNew || float64(len(items))*float64(e.coords()) > mbsLimit ||
			float64(max(e.lb, 1))*float64(min(len(items), mbsNodes))*float64(e.coords()) > mbsWorkLimit {
			return nil, false
		}
		return e.mbs(s, items), true
	case HeurDotProduct, HeurNormL2:
		n := float64(len(items))
		if n*n*float64(e.coords()) > binCentricLimit {
			return nil, false
		}
		return e.binCentric(name, s, items, allowNew), true
	default:
		return nil, false
	}
	order := e.sortedBy(items, key)
	// Only the bins whose room covers the item's least demand can take it
	// (roomTree): the tree visits them in order, as a scan would, and
	// passes over hosts that are full without looking at them.
	tree := newRoomTree(len(s.bins)+len(order), e.dims)
	for j, b := range s.bins {
		tree.set(j, b)
	}
	for _, i := range order {
		need := e.items[i].low
		best, bestJ := (*vbin)(nil), -1
		bestScore := math.Inf(1)
		for j := tree.first(0, need); j >= 0 && j < len(s.bins); j = tree.first(j+1, need) {
			b := s.bins[j]
			if !e.fits(b, i) {
				continue
			}
			if rule == "first" {
				best, bestJ = b, j
				break
			}
			var sc float64
			if rule == "best" {
				sc = e.slackAfter(b, i)
			} else {
				sc = e.growth(b, i)*1e3 + e.slackAfter(b, i)
			}
			if sc < bestScore {
				best, bestJ, bestScore = b, j, sc
			}
		}
		if best == nil {
			if !allowNew {
				s.unplaced = append(s.unplaced, e.explain(s, i, "no new hosts"))
				continue
			}
			best, bestJ = e.newBin(e.limit), len(s.bins)
			s.bins = append(s.bins, best)
		}
		e.add(best, i)
		tree.set(bestJ, best)
	}
	return s, true
}

// binCentric fills one bin at a time (Panigrahy, Talwar, Uyeda and Wieder
// 2011, "Heuristics for vector bin packing"): into the current bin goes the
// fitting item with the largest dot product of its demand and the bin's
// residual capacity (DotProduct), or the one leaving the smallest L2 norm of
// the residual (NormL2), both normalised by capacity and taken over every
// dimension and slot. Existing bins are filled first.
func (e *engine) binCentric(name string, s *state, items []int, allowNew bool) *state {
	left := e.sortedBy(items, func(v *vitem) float64 { return v.size*1e3 + v.psum })
	fill := func(b *vbin) {
		for len(left) > 0 {
			bestK, bestScore := -1, math.Inf(-1)
			for k, i := range left {
				if !e.fits(b, i) {
					continue
				}
				it := &e.items[i]
				sc := 0.0
				for d := range e.dims {
					c := e.cap[d]
					if !(c > 0) {
						continue
					}
					load, row := b.load[d], it.rows[d]
					for t, v := range row {
						r := (b.limit[d] - load[t]) / c
						w := v / c
						if name == HeurDotProduct {
							sc += w * r
						} else {
							sc -= (r - w) * (r - w)
						}
					}
					e.work += int64(len(row))
				}
				if sc > bestScore {
					bestK, bestScore = k, sc
				}
			}
			if bestK < 0 {
				return
			}
			e.add(b, left[bestK])
			left = slices.Delete(left, bestK, bestK+1)
		}
	}
	for _, b := range s.bins {
		fill(b)
	}
	for len(left) > 0 {
		if !allowNew {
			for _, i := range left {
				s.unplaced = append(s.unplaced, e.explain(s, i, "no new hosts"))
			}
			break
		}
		b := e.newBin(e.limit)
		s.bins = append(s.bins, b)
		n := len(left)
		fill(b)
		if len(left) == n { // cannot happen for placeable items; guard anyway
			i := left[0]
			left = left[1:]
			e.add(b, i)
		}
	}
	return s
}

// emptyFit returns the first dimension and slot where item i exceeds limit,
// or -1.
func (e *engine) emptyFit(i int, limit []float64) (int, int) {
	for d, row := range e.items[i].rows {
		for t, v := range row {
			if !(v <= limit[d]) {
				return d, t
			}
		}
	}
	return -1, -1
}

func (e *engine) dimName(d int) string {
	if d >= 0 && d < len(e.inst.DimNames) && e.inst.DimNames[d] != "" {
		return e.inst.DimNames[d]
	}
	return fmt.Sprintf("dim %d", d)
}

// explain says why item i fits none of the bins of s (constraint names the
// reason no new bin may be opened).
func (e *engine) explain(s *state, i int, constraint string) Unplaced {
	u := Unplaced{Item: i, Dim: NoDim, Slot: -1, Constraint: constraint}
	byDim := map[int]int{}
	anti := 0
	firstDim, firstSlot := -1, -1
	for _, b := range s.bins {
		if e.conflicts(b, i) {
			anti++
			continue
		}
		d, t := e.overflow(b, i)
		if d >= 0 {
			byDim[d]++
			if firstDim < 0 {
				firstDim, firstSlot = d, t
			}
		}
	}
	parts := ""
	dims := make([]int, 0, len(byDim))
	for d := range byDim {
		dims = append(dims, d)
	}
	slices.Sort(dims)
	for _, d := range dims {
		parts += fmt.Sprintf("; %s full on %d", e.dimName(d), byDim[d])
	}
	if anti > 0 {
		parts += fmt.Sprintf("; anti-affinity on %d", anti)
	}
	u.Dim, u.Slot = Dim(firstDim), firstSlot
	if firstDim >= 0 {
		u.Demand = e.items[i].rows[firstDim][firstSlot]
		u.Capacity = e.cap[firstDim]
	}
	if anti > 0 && len(byDim) == 0 {
		u.Constraint = "anti-affinity"
	}
	u.Detail = fmt.Sprintf("fits none of the %d hosts (%s)%s", len(s.bins), constraint, parts)
	return u
}

// conflicts reports whether item i shares an anti-affinity group with b.
func (e *engine) conflicts(b *vbin, i int) bool {
	for _, g := range e.items[i].groups {
		if b.groups[g] > 0 {
			return true
		}
	}
	return false
}

// overflow returns the first dimension and slot where i overflows b, or -1.
func (e *engine) overflow(b *vbin, i int) (int, int) {
	for d, row := range e.items[i].rows {
		for t, v := range row {
			if b.load[d][t]+v > b.limit[d] {
				return d, t
			}
		}
	}
	return -1, -1
}

func (e *engine) outOfTime() bool {
	if e.work >= e.budget {
		return true
	}
	if e.deadline.IsZero() {
		return false
	}
	e.nodl++
	if e.nodl%64 == 0 && time.Now().After(e.deadline) {
		e.timedOut = true
	}
	return e.timedOut
}

// Solve packs inst: feasibility (items that fit no empty bin are unplaced
// with the dimension and slot), every applicable constructive heuristic (the
// best result is kept; ties go to the earlier heuristic in Heuristics), then
// the improvement phase under opt.Work, which tries to empty one bin at a
// time (improve1D on classic one-dimensional instances, improveFleet on
// fleet-size ones (fleetApplicable), improveVec on other instances without
// existing bins, pins, anti-affinity or a fixed fleet up to n·K = vecLimit,
// improve otherwise), and the lower bounds. The result depends only on inst
// and opt (item IDs break every tie), unless opt.Deadline ends the search.
func Solve(inst *Instance, opt SolveOptions) Solution {
	e := newEngine(inst)
	e.deadline = opt.Deadline
	e.rng = rand.New(rand.NewPCG(opt.Seed, 0x6b766d666974))
	base := &state{}
	for _, x := range opt.Existing {
		b := e.newBin(e.limits(x.Capacity))
		b.fixed = true
		base.bins = append(base.bins, b)
	}
	pinned := map[int]bool{}
	e.pin = make([]bool, len(e.items))
	for _, i := range e.order {
		j, ok := opt.Pins[i]
		if !ok {
			continue
		}
		pinned[i] = true
		e.pin[i] = true
		if j < 0 || j >= len(base.bins) {
			base.unplaced = append(base.unplaced, Unplaced{Item: i, Dim: NoDim, Slot: -1, Constraint: "pin", Detail: "pinned to a host that does not exist"})
			continue
		}
		b := base.bins[j]
		if !e.fits(b, i) {
			u := Unplaced{Item: i, Dim: NoDim, Slot: -1, Constraint: "pin"}
			if e.conflicts(b, i) {
				u.Detail = fmt.Sprintf("pinned to %s, which holds a server of the same anti-affinity group", opt.Existing[j].Name)
			} else {
				d, t := e.overflow(b, i)
				u.Dim, u.Slot = Dim(d), t
				u.Demand, u.Capacity = e.items[i].rows[d][t], b.limit[d]
				u.Detail = fmt.Sprintf("pinned to %s, which is full in %s at slot %d", opt.Existing[j].Name, e.dimName(d), t)
			}
			base.unplaced = append(base.unplaced, u)
			continue
		}
		e.add(b, i)
		b.pinned = true
	}
	// Feasibility: an item that fits no empty new bin (and no existing bin
	// when new bins are forbidden) is unplaced.
	var placeable []int
	for _, i := range e.order {
		if pinned[i] {
			continue
		}
		if d, t := e.emptyFit(i, e.limit); d >= 0 {
			if opt.NoNewBins {
				// judged against the existing bins below
				placeable = append(placeable, i)
				continue
			}
			base.unplaced = append(base.unplaced, Unplaced{Item: i, Dim: Dim(d), Slot: t,
				Demand: e.items[i].rows[d][t], Capacity: e.cap[d],
				Detail: fmt.Sprintf("%s demand in slot %d exceeds the capacity of an empty host", e.dimName(d), t)})
			continue
		}
		placeable = append(placeable, i)
	}
	sol := Solution{}
	sol.Bounds = e.bounds(placeable)
	sol.LowerBound = sol.Bounds.Best
	e.lb = sol.LowerBound
	names := opt.Heuristics
	if names == nil {
		names = Heuristics
	}
	// The heuristics run side by side, one per core, each on its own copy
	// of the engine (construct changes nothing of it but the work count,
	// which the search resets); the fewest bins wins, ties to the earlier
	// heuristic, as one after the other.
	type built struct {
		s    *state
		ok   bool
		done chan struct{}
	}
	built0 := time.Now()
	runs := make([]built, len(names))
	slots := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	for k, name := range names {
		runs[k].done = make(chan struct{})
		go func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			ec := *e
			runs[k].s, runs[k].ok = ec.construct(name, base, placeable, !opt.NoNewBins)
			close(runs[k].done)
		}()
	}
	var best *state
	for k, name := range names {
		<-runs[k].done
		s, ok := runs[k].s, runs[k].ok
		runs[k].s = nil
		if !ok {
			continue
		}
		n := s.newBins()
		sol.Constructive = append(sol.Constructive, HeuristicResult{Name: name, Bins: n})
		if best == nil || len(s.unplaced) < len(best.unplaced) || len(s.unplaced) == len(best.unplaced) && n < best.newBins() {
			best, sol.Heuristic = s, name
		}
	}
	if best == nil {
		best = base.clone()
	}
	if !e.deadline.IsZero() {
		e.deadline = e.deadline.Add(time.Since(built0))
	}
	e.work = 0
	e.budget = opt.Work
	switch {
	case opt.NoNewBins:
		sol.Stop = "fixed fleet"
	case best.newBins() <= sol.LowerBound:
		sol.Stop = "lower bound"
	case opt.Work <= 0:
		sol.Stop = "no search"
	default:
		before := best.newBins()
		if e.oneDimApplicable(opt, placeable) {
			best = e.improve1D(best, sol.LowerBound)
		} else if e.fleetApplicable(opt, placeable, sol.LowerBound) {
			best = e.improveFleet(best, sol.LowerBound)
		} else if e.vecApplicable(opt, placeable) {
			best = e.improveVec(best, sol.LowerBound)
		} else {
			best = e.improve(best, sol.LowerBound)
		}
		sol.Improved = before - best.newBins()
		if e.rcBound > sol.Bounds.Best {
			sol.Bounds.RC = e.rcBound
			sol.Bounds.Best = e.rcBound
			sol.LowerBound = e.rcBound
		}
		switch {
		case best.newBins() <= sol.LowerBound:
			sol.Stop = "lower bound"
		case e.timedOut:
			sol.Stop = "deadline"
		default:
			sol.Stop = "work budget"
		}
	}
	sol.Work = e.work
	for _, b := range best.bins {
		sol.Bins = append(sol.Bins, slices.Sorted(slices.Values(b.items)))
	}
	sol.Unplaced = best.unplaced
	slices.SortFunc(sol.Unplaced, func(a, b Unplaced) int { return cmp.Compare(a.Item, b.Item) })
	return sol
}
