package binpack

import (
	"cmp"
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
)

// complete looks for a packing into m bins by bin completion within budget
// work units. Bins are filled one at a time, each from the largest item
// left; a completion is a set of items left that fits with it and keeps
// every coordinate's total waste within m·C_k − D_k. The completions of a
// bin are generated depth first (vsGen nodes) and tried by decreasing value
// with backtracking. The last item of a completion is looked up rather
// than enumerated: by its demand vector, which must equal the residual,
// when no coordinate may waste anything (exact fills, the first pass over
// the next item so that every three-item fill is found), else by a range
// search on the two coordinates of least waste allowance.
//
// Exact fills are an exact cover problem: when listing every exact triple
// (a pair scan with a hash lookup of the residual) costs at most half the
// budget, each bin starts from the item in the fewest triples left, whose
// triples are its completions (Knuth's "fewest options first"; items in
// no triple left fall back to the generation above). With few
// coordinates an item has several exact completions and the largest-first
// descent dead-ends; with this order it rarely does.
//
// A run restarts, with completions of equal value shuffled, when it has
// gone limit units without filling a bin deeper than before. When the
// first bin's completions exceed the node limit (many small items per bin,
// as in temporal instances) and fills need not be exact, a tree search of
// this kind cannot finish and complete gives up at once, leaving the
// budget to the pool search. It returns the bins (ranks) or nil.
//
// The steps: newCompletion (waste allowance, smallest demands, exact or
// not), indexExact (the items by demand vector), listTriples (the exact
// cover order), run (the restarts), rec (one bin, then the rest),
// completions and vsBinGen (one bin's completions), order and tryComps
// (the completions tried in turn).
func (vs *vecSearch) complete(m int, budget int64) [][]int {
	c := vs.newCompletion(m, budget)
	if c == nil {
		return nil
	}
	c.indexExact()
	c.listTriples(budget)
	return c.run(m, budget)
}

// vsCompletion is the state one bin-completion search (complete) shares
// between its steps.
type vsCompletion struct {
	vs   *vecSearch
	e    *engine
	n, K int
	stop int64 // the work at which the search ends
	// waste is the waste allowance left per coordinate: m·C_k − D_k, less
	// what the bins so far waste, plus a tolerance.
	waste []float64
	minV  float64   // the smallest value of any item
	minD  []float64 // the smallest demand of any item per coordinate
	dense []float64 // scratch: one item's demand in every coordinate
	resid []float64 // scratch: a bin's residual capacity
	// sorted holds the items sorted by demand in coordinate k1, then k2
	// (key k1·K + k2), each built when first needed (sortedBy).
	sorted map[int][]int
	// exact: no coordinate may waste anything, so the last item of a
	// completion is the residual itself, looked up in byVec by its demand
	// vector (vecKey); dense2 is every item's demand in every coordinate.
	exact  bool
	byVec  map[string][]int
	dense2 [][]float64
	used   []bool
	// mrv: the exact cover order is on. triples are every exact triple
	// (three items that fill a bin exactly), ofItem the triples of each
	// item, live those whose items are all left, liveN how many live
	// triples each item is in, killed the triples each used item made
	// dead.
	mrv     bool
	triples [][3]int
	ofItem  [][]int32
	killed  [][]int32
	live    []bool
	liveN   []int
	// The run: the bins so far (ranks), the first item left, the work at
	// which the run restarts, the most bins the run has filled, the
	// allowance of a run without progress, and whether completions of
	// equal value are shuffled. broad says that complete gave up.
	bins        [][]int
	first       int
	restartStop int64
	runDepth    int
	limit       int64
	shuffle     bool
	broad       bool
}

// vsComp is one completion of a bin: the items added to the bin's first
// item, and the bin's value.
type vsComp struct {
	items []int
	fill  float64
}

// newCompletion sets up a search for a packing into m bins: the waste
// allowance per coordinate (nil when the items need more than m bins in
// some coordinate), the smallest demand per coordinate and value, and
// whether fills must be exact.
func (vs *vecSearch) newCompletion(m int, budget int64) *vsCompletion {
	e := vs.e
	n, K := len(vs.v), vs.K
	c := &vsCompletion{vs: vs, e: e, n: n, K: K, stop: e.work + budget}
	c.waste = make([]float64, K)
	for k := range K {
		c.waste[k] = float64(m) * vs.cpc[k]
	}
	for r := range n {
		for x, k := range vs.idx[r] {
			c.waste[k] -= vs.val[r][x]
		}
	}
	for k := range K {
		if c.waste[k] < -vecEps*vs.cpc[k] {
			return nil
		}
		c.waste[k] = max(c.waste[k], 0) + vecEps*vs.cpc[k]
	}
	c.minV = math.Inf(1)
	c.minD = make([]float64, K)
	for k := range K {
		c.minD[k] = math.Inf(1)
	}
	c.dense = make([]float64, K)
	c.resid = make([]float64, K)
	for r := range n {
		c.minV = min(c.minV, vs.v[r])
		c.loadDense(r)
		for k := range K {
			c.minD[k] = min(c.minD[k], c.dense[k])
		}
	}
	c.sorted = map[int][]int{}
	c.exact = true
	for k := range K {
		if c.waste[k] > 2*vecEps*vs.cpc[k] {
			c.exact = false
		}
	}
	c.used = make([]bool, n)
	return c
}

// loadDense writes item r's demand in every coordinate into c.dense.
func (c *vsCompletion) loadDense(r int) {
	clear(c.dense)
	for x, k := range c.vs.idx[r] {
		c.dense[k] = c.vs.val[r][x]
	}
}

// demand returns item r's demand in coordinate k.
func (c *vsCompletion) demand(r, k int) float64 {
	if x, ok := slices.BinarySearch(c.vs.idx[r], int32(k)); ok {
		return c.vs.val[r][x]
	}
	return 0
}

// sortedBy returns the items sorted by demand in coordinate k1, then k2,
// then rank.
func (c *vsCompletion) sortedBy(k1, k2 int) []int {
	key := k1*c.K + k2
	if s, ok := c.sorted[key]; ok {
		return s
	}
	s := make([]int, c.n)
	for r := range s {
		s[r] = r
	}
	slices.SortStableFunc(s, func(a, b int) int {
		if x := cmp.Compare(c.demand(a, k1), c.demand(b, k1)); x != 0 {
			return x
		}
		return cmp.Compare(c.demand(a, k2), c.demand(b, k2))
	})
	c.sorted[key] = s
	c.e.work += int64(c.n) * 8
	return s
}

// vecKey returns the lookup key of a demand vector (each coordinate
// rounded to 2⁻³⁰ of the capacity), built in vs.keyBuf.
func (c *vsCompletion) vecKey(v []float64) string {
	vs := c.vs
	vs.keyBuf = vs.keyBuf[:0]
	for k := range c.K {
		vs.keyBuf = binary.LittleEndian.AppendUint64(vs.keyBuf, uint64(vs.keyCoord(v[k], k)))
	}
	return string(vs.keyBuf)
}

// keyCoord is coordinate k of a key: x rounded to 2⁻³⁰ of the capacity.
func (vs *vecSearch) keyCoord(x float64, k int) int64 {
	return int64(math.Round(x / vs.cpc[k] * (1 << 30)))
}

// indexExact, for exact fills, indexes the items by demand vector.
func (c *vsCompletion) indexExact() {
	if !c.exact {
		return
	}
	n, K := c.n, c.K
	c.dense2 = make([][]float64, n)
	c.byVec = make(map[string][]int, n)
	for r := range n {
		c.loadDense(r)
		c.dense2[r] = slices.Clone(c.dense)
		kv := c.vecKey(c.dense2[r])
		c.byVec[kv] = append(c.byVec[kv], r)
	}
	c.e.work += int64(n * K)
}

// vsPrefix is a demand vector's first (up to) three coordinates, rounded
// as in vecKey.
type vsPrefix [3]int64

// prefixOf returns the prefix of v in its first p coordinates.
func (c *vsCompletion) prefixOf(v []float64, p int) vsPrefix {
	var x vsPrefix
	for k := range p {
		x[k] = c.vs.keyCoord(v[k], k)
	}
	return x
}

// listTriples turns on the exact cover order when fills are exact and
// listing every exact triple costs at most half the budget: each bin then
// starts from the item in the fewest triples whose items are all left,
// rather than from the largest (Knuth's exact cover heuristic): with few
// coordinates an item has several exact completions, and the
// largest-first descent dead-ends.
func (c *vsCompletion) listTriples(budget int64) {
	c.mrv = c.exact
	if !c.mrv {
		return
	}
	e, n := c.e, c.n
	c.ofItem = make([][]int32, n)
	c.killed = make([][]int32, n)
	res := make([]float64, c.K)
	// prefix filter: the demands of the items in their first P
	// coordinates, so that most pairs are rejected in P steps
	P := min(c.K, 3)
	prefixes := make(map[vsPrefix]bool, n)
	for r := range n {
		prefixes[c.prefixOf(c.dense2[r], P)] = true
	}
	capWork := e.work + budget/2
	for a := range n {
		for b := a + 1; b < n; b++ {
			if e.work > capWork {
				// too costly here: no exact-cover order
				c.mrv = false
				return
			}
			c.addTriples(a, b, res, P, prefixes)
		}
	}
	c.live = make([]bool, len(c.triples))
	for t := range c.live {
		c.live[t] = true
	}
	c.liveN = make([]int, n)
	for r := range n {
		c.liveN[r] = len(c.ofItem[r])
	}
}

// addTriples lists the exact triples a, b, x with x > b: the items whose
// demand vector is the residual C − a − b (res is scratch).
func (c *vsCompletion) addTriples(a, b int, res []float64, P int, prefixes map[vsPrefix]bool) {
	vs, e, K := c.vs, c.e, c.K
	e.work += int64(P) + 1
	for k := range P {
		res[k] = vs.cpc[k] - c.dense2[a][k] - c.dense2[b][k]
	}
	if !prefixes[c.prefixOf(res, P)] {
		return
	}
	for k := P; k < K; k++ {
		e.work++
		res[k] = vs.cpc[k] - c.dense2[a][k] - c.dense2[b][k]
		if res[k] < -vecEps*vs.cpc[k] {
			return
		}
	}
	e.work += int64(K) + 1
	for _, x := range c.byVec[c.vecKey(res)] {
		if x > b {
			t := int32(len(c.triples))
			c.triples = append(c.triples, [3]int{a, b, x})
			c.ofItem[a] = append(c.ofItem[a], t)
			c.ofItem[b] = append(c.ofItem[b], t)
			c.ofItem[x] = append(c.ofItem[x], t)
		}
	}
}

// use marks item r as packed and, in the exact cover order, kills its
// live triples.
func (c *vsCompletion) use(r int) {
	c.used[r] = true
	if !c.mrv {
		return
	}
	c.e.work += int64(len(c.ofItem[r])) + 1
	for _, t := range c.ofItem[r] {
		if c.live[t] {
			c.live[t] = false
			c.killed[r] = append(c.killed[r], t)
			for _, y := range c.triples[t] {
				c.liveN[y]--
			}
		}
	}
}

// unuse undoes use(r).
func (c *vsCompletion) unuse(r int) {
	c.used[r] = false
	if !c.mrv {
		return
	}
	for _, t := range c.killed[r] {
		c.live[t] = true
		for _, y := range c.triples[t] {
			c.liveN[y]++
		}
	}
	c.killed[r] = c.killed[r][:0]
}

// run runs the search with restarts (Gomes, Selman and Kautz 1998) when a
// run has gone limit units without filling a bin deeper than before in
// that run — a long descent without backtracking is never cut short — with
// limit growing; later runs shuffle completions of equal value.
func (c *vsCompletion) run(m int, budget int64) [][]int {
	e := c.e
	c.limit = max(budget/16, 1)
	for r := 0; e.work < c.stop && !e.timedOut; r++ {
		c.first = 0
		c.bins = c.bins[:0]
		c.shuffle = r > 0
		c.runDepth = -1
		c.restartStop = min(c.stop, e.work+c.limit)
		ok := c.rec(m)
		if c.broad {
			return nil
		}
		if ok {
			out := make([][]int, len(c.bins))
			for j, b := range c.bins {
				out[j] = slices.Sorted(slices.Values(b))
			}
			return out
		}
		c.limit += c.limit / 2
	}
	return nil
}

// rec fills the next bin of at most left more, from the first item left
// (or, in the exact cover order, the item in the fewest live triples),
// with each of its completions in turn, and the rest recursively. It
// reports whether every item is packed.
func (c *vsCompletion) rec(left int) bool {
	e := c.e
	for c.first < c.n && c.used[c.first] {
		c.first++
	}
	if c.first == c.n {
		return true
	}
	if left == 0 || e.work >= c.restartStop || e.outOfTime() {
		return false
	}
	i := c.pickItem()
	c.use(i)
	if len(c.bins) > c.runDepth {
		// progress: the run may go on for limit more units
		c.runDepth = len(c.bins)
		c.restartStop = min(c.stop, e.work+c.limit)
	}
	comps, ok := c.completions(i)
	if !ok {
		c.broad = true
		return false
	}
	comps = c.order(comps)
	saveFirst := c.first
	if c.tryComps(i, comps, left, saveFirst) {
		return true
	}
	c.unuse(i)
	c.first = saveFirst
	return false
}

// pickItem returns the item the next bin starts from: the first item left
// or, in the exact cover order, the item in the fewest exact triples left
// (exact cover's most constrained item first; ties: the largest).
func (c *vsCompletion) pickItem() int {
	i := c.first
	if c.mrv {
		for r := c.first + 1; r < c.n; r++ {
			if !c.used[r] && c.liveN[r] < c.liveN[i] {
				i = r
			}
		}
		c.e.work += int64(c.n - c.first)
	}
	return i
}

// completions returns the completions of a bin that starts from item i:
// in the exact cover order its live triples, else those vsBinGen
// generates. It reports false when the first bin's completions do not fit
// the node limit and fills need not be exact: too many items per bin for
// a complete tree search here.
func (c *vsCompletion) completions(i int) ([]vsComp, bool) {
	vs, e := c.vs, c.e
	g := &vsBinGen{c: c, l: make([]float64, c.K)}
	vs.addTo(g.l, i)
	if c.mrv && c.liveN[i] > 0 {
		// the exact triples of i whose items are all left
		for _, t := range c.ofItem[i] {
			if !c.live[t] {
				continue
			}
			var two []int
			for _, y := range c.triples[t] {
				if y != i {
					two = append(two, y)
				}
			}
			g.comps = append(g.comps, vsComp{two, vs.v[i] + vs.v[two[0]] + vs.v[two[1]]})
		}
		e.work += int64(len(c.ofItem[i])) + 1
	} else {
		if g.ok() {
			g.comps = append(g.comps, vsComp{nil, vs.v[i]})
		}
		g.gen(-1, vs.v[i], false)
		e.work += int64(g.nodes) + 1
	}
	if !c.exact && g.nodes >= vsGen && len(c.bins) == 0 && !c.shuffle {
		return nil, false
	}
	return g.comps, true
}

// order sorts the completions by decreasing value, keeps the vsComps
// best, and in later runs shuffles those of equal value.
func (c *vsCompletion) order(comps []vsComp) []vsComp {
	slices.SortStableFunc(comps, func(a, b vsComp) int { return cmp.Compare(b.fill, a.fill) })
	if len(comps) > vsComps {
		comps = comps[:vsComps]
	}
	if c.shuffle {
		for a := 0; a < len(comps); {
			b := a + 1
			for b < len(comps) && comps[b].fill >= comps[a].fill-vecEps {
				b++
			}
			c.e.rng.Shuffle(b-a, func(x, y int) { comps[a+x], comps[a+y] = comps[a+y], comps[a+x] })
			a = b
		}
	}
	return comps
}

// tryComps fills the bin of item i with each completion in turn and packs
// the rest (rec), until one succeeds (true) or the run's allowance ends;
// it undoes every completion that fails.
func (c *vsCompletion) tryComps(i int, comps []vsComp, left, saveFirst int) bool {
	vs, e, K := c.vs, c.e, c.K
	for _, cp := range comps {
		bin := append([]int{i}, cp.items...)
		bl := make([]float64, K)
		for _, r := range bin {
			if r != i {
				c.use(r)
			}
			vs.addTo(bl, r)
		}
		for k := range K {
			c.waste[k] -= vs.cpc[k] - bl[k]
		}
		c.bins = append(c.bins, bin)
		if c.rec(left - 1) {
			return true
		}
		c.bins = c.bins[:len(c.bins)-1]
		for k := range K {
			c.waste[k] += vs.cpc[k] - bl[k]
		}
		for x := len(cp.items) - 1; x >= 0; x-- {
			c.unuse(cp.items[x])
		}
		c.first = saveFirst
		if e.work >= c.restartStop || e.timedOut {
			break
		}
	}
	return false
}

// vsBinGen generates the completions of one bin (depth first, at most
// vsGen nodes, stopping after vsComps perfect ones): its load l, the items
// cur added after its first item, the completions found.
type vsBinGen struct {
	c       *vsCompletion
	l       []float64
	cur     []int
	comps   []vsComp
	nodes   int
	perfect int
}

// ok reports whether load l wastes no more than the allowance in any
// coordinate.
func (g *vsBinGen) ok() bool {
	c := g.c
	c.e.work += int64(c.K)
	for k := range c.K {
		if c.vs.cpc[k]-g.l[k] > c.waste[k] {
			return false
		}
	}
	return true
}

// gen generates the completions of the items in cur (load l, value f), the
// last of rank last: one closing item, then deeper; closed says that the
// caller already looked up the one-item closings.
func (g *vsBinGen) gen(last int, f float64, closed bool) {
	c := g.c
	if g.nodes >= vsGen || g.perfect >= vsComps {
		return
	}
	k1, k2 := g.tightest()
	switch {
	case closed:
		// done by the caller
	case c.exact && k1 >= 0:
		g.closeExact(last, f)
	case k1 < 0:
		g.closeAny(last, f)
	default:
		g.closeRange(last, f, k1, k2)
	}
	g.descend(last, f)
}

// tightest returns the two coordinates of least waste allowance (relative
// to capacity) among those where l leaves more room than the allowance
// (-1 when there are fewer).
func (g *vsBinGen) tightest() (k1, k2 int) {
	c := g.c
	cpc, waste := c.vs.cpc, c.waste
	k1, k2 = -1, -1
	for k := range c.K {
		if cpc[k]-g.l[k]-waste[k] <= 0 {
			continue
		}
		switch {
		case k1 < 0 || waste[k]/cpc[k] < waste[k1]/cpc[k1]:
			k1, k2 = k, k1
		case k2 < 0 || waste[k]/cpc[k] < waste[k2]/cpc[k2]:
			k2 = k
		}
	}
	c.e.work += int64(c.K)
	return k1, k2
}

// try adds item r as the last item of a completion when it fits and the
// bin then wastes no more than the allowance.
func (g *vsBinGen) try(r int, f float64) {
	vs := g.c.vs
	g.nodes++
	if !vs.fitsIn(g.l, r) {
		return
	}
	vs.addTo(g.l, r)
	if g.ok() {
		g.comps = append(g.comps, vsComp{append(slices.Clone(g.cur), r), f + vs.v[r]})
		if f+vs.v[r] >= vs.full-vecEps {
			g.perfect++
		}
	}
	vs.subFrom(g.l, r)
}

// closeExact tries the item equal to the residual (exact fills).
func (g *vsBinGen) closeExact(last int, f float64) {
	c := g.c
	c.e.work += int64(c.K) + 1
	for k := range c.K {
		c.resid[k] = c.vs.cpc[k] - g.l[k]
	}
	for _, r := range c.byVec[c.vecKey(c.resid)] {
		if r > last && !c.used[r] {
			g.try(r, f)
			break
		}
	}
}

// closeAny tries every item that fits, one per class: with no coordinate
// tight, every one closes.
func (g *vsBinGen) closeAny(last int, f float64) {
	c := g.c
	prev := int32(-1)
	for r := last + 1; r < c.n && g.nodes < vsGen; r++ {
		if !c.used[r] && c.vs.cls[r] != prev {
			prev = c.vs.cls[r]
			g.try(r, f)
		}
	}
}

// closeRange tries the items r > last with need ≤ demand ≤ room in every
// coordinate: a range search on the two tightest coordinates k1, k2, over
// the items sorted by them, one binary search per distinct demand in k1.
func (g *vsBinGen) closeRange(last int, f float64, k1, k2 int) {
	c := g.c
	vs := c.vs
	if k2 < 0 {
		k2 = (k1 + 1) % c.K
	}
	list := c.sortedBy(k1, k2)
	lo1, hi1 := vs.cpc[k1]-g.l[k1]-c.waste[k1], vs.lim[k1]-g.l[k1]
	lo2, hi2 := vs.cpc[k2]-g.l[k2]-c.waste[k2], vs.lim[k2]-g.l[k2]
	at, _ := slices.BinarySearchFunc(list, lo1, func(r int, x float64) int { return cmp.Compare(c.demand(r, k1), x) })
	for at < len(list) && g.nodes < vsGen {
		d1 := c.demand(list[at], k1)
		if d1 > hi1 {
			break
		}
		end, _ := slices.BinarySearchFunc(list[at:], d1, func(r int, x float64) int {
			if c.demand(r, k1) <= x {
				return -1
			}
			return 1
		})
		end += at
		from, _ := slices.BinarySearchFunc(list[at:end], lo2, func(r int, x float64) int { return cmp.Compare(c.demand(r, k2), x) })
		g.nodes += 2
		c.e.work += 2 * int64(bits.Len(uint(len(list))))
		prev := int32(-1)
		for _, r := range list[at+from : end] {
			if c.demand(r, k2) > hi2 || g.nodes >= vsGen {
				break
			}
			if r > last && !c.used[r] && vs.cls[r] != prev {
				prev = vs.cls[r]
				g.try(r, f)
			}
		}
		at = end
	}
}

// descend goes deeper when there is room for two more items: it adds each
// next item that fits to cur and generates on (gen).
func (g *vsBinGen) descend(last int, f float64) {
	c := g.c
	vs := c.vs
	room := vs.full - f
	if room < 2*c.minV-vecEps {
		return
	}
	for k := range c.K {
		if vs.lim[k]-g.l[k] < 2*c.minD[k] {
			return
		}
	}
	for _, r := range g.nextItems(last, f) {
		if g.nodes >= vsGen || g.perfect >= vsComps {
			break
		}
		vs.addTo(g.l, r)
		g.cur = append(g.cur, r)
		g.gen(r, f+vs.v[r], c.exact)
		g.cur = g.cur[:len(g.cur)-1]
		vs.subFrom(g.l, r)
	}
}

// nextItems returns the items r > last, one per class, that fit and leave
// room to go deeper. In exact mode it also looks up, for every such r, the
// item equal to the residual, so that every three-item exact fill is found
// before the node limit, and keeps r only where two more items fit.
func (g *vsBinGen) nextItems(last int, f float64) []int {
	c := g.c
	vs := c.vs
	var deeper []int
	prev := int32(-1)
	for r := last + 1; r < c.n && g.nodes < vsGen; r++ {
		if c.used[r] || vs.cls[r] == prev {
			continue
		}
		prev = vs.cls[r]
		g.nodes++
		if !vs.fitsIn(g.l, r) {
			continue
		}
		if !c.exact {
			deeper = append(deeper, r)
			continue
		}
		room2 := c.exactClose(g.l, r, f)
		c.e.work += int64(c.K) + 1
		for _, q := range c.byVec[string(vs.keyBuf)] {
			if q > r && !c.used[q] {
				g.comps = append(g.comps, vsComp{append(slices.Clone(g.cur), r, q), f + vs.v[r] + vs.v[q]})
				g.perfect++
				break
			}
		}
		if room2 {
			deeper = append(deeper, r)
		}
	}
	return deeper
}

// exactClose computes, in one pass, the residual C − l − demand(r) and its
// key (into vs.keyBuf, as complete's lookup key), and reports whether two
// more items can still fit (otherwise the only completion left is one
// item equal to the residual).
func (c *vsCompletion) exactClose(l []float64, r int, f float64) bool {
	vs, minV, minD := c.vs, c.minV, c.minD
	room2 := vs.full-f-vs.v[r] >= 2*minV-vecEps
	vs.keyBuf = vs.keyBuf[:0]
	d := c.dense2[r]
	for k := range vs.K {
		res := vs.cpc[k] - l[k] - d[k]
		if vs.lim[k]-l[k]-d[k] < 2*minD[k] {
			room2 = false
		}
		vs.keyBuf = binary.LittleEndian.AppendUint64(vs.keyBuf, uint64(vs.keyCoord(res, k)))
	}
	return room2
}
