package binpack

import (
	"math"
	"slices"
)

// Column generation for one-dimensional bin packing (Gilmore and Gomory
// 1961): items are grouped by distinct weight w_i with demand d_i, and the
// linear relaxation of the pattern formulation
//
//	min Σ_p x_p  s.t.  Σ_p a_ip x_p = d_i (every i),  x ≥ 0,
//
// where a pattern p packs a_ip ≤ d_i items of weight w_i with Σ_i a_ip w_i ≤ C,
// is solved over a growing pool of patterns. The pricing problem, the
// pattern with the largest dual value Σ_i π_i a_i, is a bounded knapsack,
// solved exactly by dynamic programming over the capacity when
// (pieces × capacity) is small and by depth-first branch and bound
// otherwise (Scholl's N3 class has capacity 100,000). Equality rows are
// as good as covering rows here (a sub-pattern is a pattern) and need no
// surplus columns; their duals may be negative, and the pricing then
// ignores those items.
//
// The master is a small dense revised simplex of our own with an explicit
// basis inverse, refactorised periodically: the package imports only the
// standard library (doc.go), and gonum's lp.Simplex returns no duals,
// which column generation needs.
//
// Lower bound. For any duals π and K = max_p π·a_p (the exact pricing
// value), π/max(1, K) is feasible for the dual LP, so Σ_i d_i π_i / max(1, K)
// is a lower bound on the LP optimum (Farley 1990); at convergence K ≤ 1
// and it is the LP optimum itself. The bound is kept as the best of these
// over every exact pricing, so it is valid even when the work budget stops
// the generation early, and is rounded up as ceil(z − 10⁻⁶), safe against
// floating-point error of the simplex (far below 10⁻⁶ for the instance
// sizes where the LP runs, see cgMaxRows).
//
// Work units (the package's deterministic budget, see SolveOptions.Work):
// a simplex pivot costs m²/cgUnitFlops + 1 units for m rows, a pass over
// the pool nnz/cgUnitFlops + 1, a refactorisation m³/cgUnitFlops + 1, one
// knapsack dynamic program cells/cgUnitFlops + 1, one branch-and-bound
// node 1 unit; a unit takes about the time of one unit of the other
// searches (about 50 ns on the development machine).

// Tolerances of the simplex and the pricing.
const (
	cgEps      = 1e-9 // reduced cost and ratio-test tolerance
	cgBoundEps = 1e-6 // slack of the rounding ceil(z − eps)
	// cgMaxRows is the largest number of distinct weights for which the LP
	// runs (the dense basis inverse has cgMaxRows² entries).
	cgMaxRows = 1200
	// cgDPCells is the largest (knapsack pieces) × (capacity + 1) solved by
	// dynamic programming; larger pricing problems use branch and bound.
	cgDPCells = 1 << 24
	// cgBBNodes bounds one branch-and-bound pricing; beyond it the pricing
	// is not exact (its column is still used, not its value as a bound).
	cgBBNodes = 200_000
)

// cgCol is a pattern: cnt[k] items of row idx[k] (rows ascending).
type cgCol struct {
	idx []int32
	cnt []int32
	doi bool // a dual-optimal inequality column (cost 0), not a pattern
}

// cgProblem is one LP: weights and demands per row, and the capacity.
type cgProblem struct {
	w []int64
	d []int64
	c int64
	// minLoad restricts the patterns to loads ≥ minLoad (0: none). When
	// a packing into g bins is sought, every bin of it wastes at most
	// g·C − Σw, so patterns of more waste can be left out: the bound of
	// the restricted LP then proves that no packing into g bins exists
	// (the dive uses it; a column below minLoad costs 1 + cgPenalty).
	minLoad int64
	// price, when set, replaces the knapsack pricing (the vector bound,
	// lpvec.go); its problem has no exchange columns (noDOI: rows are not
	// ordered by dominance there).
	price func(pi []float64) (col cgCol, val float64, exact bool, ub float64)
	noDOI bool
}

// cgPenalty is the extra cost of a column below minLoad.
const cgPenalty = 1000

// cgMaster is the restricted master problem and its simplex state. Its
// rows are fixed; the demands may change (setDemand, for the dive), after
// which the dual simplex restores primal feasibility.
type cgMaster struct {
	p       *cgProblem
	m       int
	cols    []cgCol
	load    []int64 // per column (0 for exchange columns)
	inBasis []bool
	basis   []int     // pool index of the basic column of each row
	binv    []float64 // basis inverse, m×m row-major
	x       []float64 // basic values
	pi      []float64 // duals π = c_BᵀB⁻¹
	since   int       // pivots since the last refactorisation
	work    *int64
	stop    func() bool
	// stall counts pivots without objective progress; past m of them
	// the entering column is the first improving one (against cycling).
	stall int
	lastZ float64
	// bound is the best Farley bound found for the current demands (0
	// before the first exact pricing); converged says the generation
	// proved optimality.
	bound     float64
	converged bool
}

// cost is the cost of column q: 0 for an exchange column, 1 for a
// pattern, 1 + cgPenalty for a pattern below minLoad.
func (s *cgMaster) cost(q int) float64 {
	switch {
	case s.cols[q].doi:
		return 0
	case s.load[q] < s.p.minLoad:
		return 1 + cgPenalty
	}
	return 1
}

// cgResult is the outcome of solveCG.
type cgResult struct {
	z         float64   // objective of the last basis
	bound     float64   // valid lower bound on the LP optimum (0: none)
	converged bool      // the LP optimum is z
	cols      []cgCol   // the pool, in generation order
	x         []float64 // value per pool column
}

// lb is the rounded bound: no packing uses fewer bins (0 when none).
func (r cgResult) lb() int {
	if r.bound <= 0 {
		return 0
	}
	return ceilBinsEps(r.bound, cgBoundEps)
}

func ceilBinsEps(f, eps float64) int {
	k := math.Ceil(f - eps)
	if k >= math.MaxInt32 {
		return math.MaxInt32
	}
	return int(k)
}

// newMaster builds the master of p: one single-weight pattern per row
// (the first basis), the dual-optimal inequalities π_i ≥ π_{i+1} (rows by
// decreasing weight) and π_{m−1} ≥ 0 as cost-0 exchange columns e_{i+1} −
// e_i and −e_{m−1} (Valério de Carvalho 2005; Ben Amor, Desrosiers and
// Valério de Carvalho 2006: they keep the LP value and cut the
// degenerate pivots and the generation rounds several times), then init.
func newMaster(p *cgProblem, init []cgCol, work *int64, stop func() bool) *cgMaster {
	m := len(p.w)
	s := &cgMaster{p: p, m: m, work: work, stop: stop}
	for i := range m {
		k := max(1, min(p.d[i], p.c/p.w[i]))
		s.cols = append(s.cols, cgCol{idx: []int32{int32(i)}, cnt: []int32{int32(k)}})
		s.basis = append(s.basis, i)
	}
	if !p.noDOI {
		for i := 0; i+1 < m; i++ {
			s.cols = append(s.cols, cgCol{idx: []int32{int32(i), int32(i + 1)}, cnt: []int32{-1, 1}, doi: true})
		}
		s.cols = append(s.cols, cgCol{idx: []int32{int32(m - 1)}, cnt: []int32{-1}, doi: true})
	}
	for _, c := range init {
		s.cols = append(s.cols, c)
	}
	s.load = make([]int64, len(s.cols))
	for q := range s.cols {
		s.load[q] = s.colLoad(&s.cols[q])
	}
	s.inBasis = make([]bool, len(s.cols))
	for i := range m {
		s.inBasis[i] = true
	}
	s.refactor()
	return s
}

// solveCG solves the LP relaxation of p by column generation, starting
// from the pool init (patterns of p's rows) plus the columns of newMaster.
// It spends work units in *work and stops when stop reports true (then
// converged is false).
func solveCG(p *cgProblem, init []cgCol, work *int64, stop func() bool) cgResult {
	if len(p.w) == 0 {
		return cgResult{converged: true}
	}
	s := newMaster(p, init, work, stop)
	s.run()
	return s.result()
}

func (s *cgMaster) result() cgResult {
	r := cgResult{bound: s.bound, converged: s.converged, cols: s.cols, x: make([]float64, len(s.cols))}
	for i, q := range s.basis {
		r.x[q] += s.x[i]
		r.z += s.x[i] * s.cost(q)
	}
	return r
}

// setDemand changes the demands to d and re-optimises: the basis stays
// dual feasible, the dual simplex makes it primal feasible, and column
// generation resumes. It reports whether the LP converged.
func (s *cgMaster) setDemand(d []int64, minLoad int64) bool {
	copy(s.p.d, d)
	s.bound, s.converged = 0, false
	s.primal()
	if minLoad != s.p.minLoad {
		// new costs: the basis may lose dual feasibility; the dual
		// simplex treats negative reduced costs as 0 and the primal
		// simplex of run restores optimality
		s.p.minLoad = minLoad
		s.duals()
	}
	if !s.dualSimplex() {
		return false
	}
	s.run()
	return s.converged
}

// run is the column generation loop: price the pool, else the knapsack.
func (s *cgMaster) run() {
	m := s.m
	s.lastZ = math.Inf(1)
	s.duals()
	for !s.stop() {
		q := s.pricePool()
		if q < 0 {
			col, val, exact, ub := s.priceKnapsack()
			if math.IsInf(val, -1) {
				// no pattern reaches minLoad: no packing of the demands
				// into restricted patterns exists
				s.bound, s.converged = math.Inf(1), true
				return
			}
			if exact || ub > 0 {
				k := max(1, ub)
				if exact {
					k = max(1, val)
				}
				z := 0.0
				for i := range m {
					z += float64(s.p.d[i]) * s.pi[i]
				}
				if b := z / k; b > s.bound {
					s.bound = b
				}
			}
			if val <= 1+cgEps {
				s.converged = exact
				return
			}
			s.addCol(col)
			q = len(s.cols) - 1
		}
		u := s.column(q)
		r := s.ratioTest(u)
		if r < 0 {
			return // unbounded: impossible for a covering LP with unit costs
		}
		s.pivot(q, r, u)
	}
}

func (s *cgMaster) addCol(c cgCol) {
	s.cols = append(s.cols, c)
	s.load = append(s.load, s.colLoad(&c))
	s.inBasis = append(s.inBasis, false)
}

func (s *cgMaster) colLoad(c *cgCol) int64 {
	if c.doi {
		return 0
	}
	var l int64
	for k, i := range c.idx {
		l += int64(c.cnt[k]) * s.p.w[i]
	}
	return l
}

// duals sets π = c_BᵀB⁻¹ (patterns cost 1, exchange columns 0).
func (s *cgMaster) duals() {
	m := s.m
	if s.pi == nil {
		s.pi = make([]float64, m)
	}
	clear(s.pi)
	for i := range m {
		c := s.cost(s.basis[i])
		if c == 0 {
			continue
		}
		row := s.binv[i*m : (i+1)*m]
		for k, v := range row {
			s.pi[k] += c * v
		}
	}
	*s.work += int64(m*m)/cgUnitFlops + 1
}

// cgUnitFlops is the number of floating-point multiply-adds per work unit,
// so that a unit takes about as long as one unit of the other searches.
const cgUnitFlops = 96

// reducedCost is c_q − π·a_q.
func (s *cgMaster) reducedCost(q int) float64 {
	col := &s.cols[q]
	v := s.cost(q)
	for k, i := range col.idx {
		v -= s.pi[i] * float64(col.cnt[k])
	}
	return v
}

// pricePool returns the pool column of most negative reduced cost (after
// a stall, the first one), or -1.
func (s *cgMaster) pricePool() int {
	best, bestRC := -1, -cgEps
	nnz := 0
	first := s.stall > s.m
	for q := range s.cols {
		col := &s.cols[q]
		nnz += len(col.idx)
		if s.inBasis[q] {
			continue
		}
		if rc := s.reducedCost(q); rc < bestRC {
			best, bestRC = q, rc
			if first {
				break
			}
		}
	}
	*s.work += int64(nnz)/cgUnitFlops + 1
	return best
}

// column returns u = B⁻¹a_q.
func (s *cgMaster) column(q int) []float64 {
	m := s.m
	col := s.cols[q]
	u := make([]float64, m)
	for i := range m {
		row := s.binv[i*m : (i+1)*m]
		v := 0.0
		for k, r := range col.idx {
			v += row[r] * float64(col.cnt[k])
		}
		u[i] = v
	}
	*s.work += int64(m*len(col.idx))/cgUnitFlops + 1
	return u
}

// ratioTest returns the leaving row of the primal simplex: the least
// x_i/u_i over u_i > eps, ties to the larger u_i, then the lower row; -1
// if none.
func (s *cgMaster) ratioTest(u []float64) int {
	r := -1
	best := math.Inf(1)
	for i, ui := range u {
		if ui <= cgEps {
			continue
		}
		t := max(0, s.x[i]) / ui
		if r < 0 || t < best-1e-12 || t <= best+1e-12 && ui > u[r] {
			r, best = i, t
		}
	}
	return r
}

// dualSimplex restores x ≥ 0 keeping the reduced costs ≥ 0: the row of
// most negative x leaves, the column of least rc_j/(−α_rj) over α_rj < 0
// enters (α_r = row r of B⁻¹A). It reports false when the budget ends it
// or no column can enter.
func (s *cgMaster) dualSimplex() bool {
	m := s.m
	for !s.stop() {
		r := -1
		for i, v := range s.x {
			if v < -1e-9 && (r < 0 || v < s.x[r]) {
				r = i
			}
		}
		if r < 0 {
			return true
		}
		rho := s.binv[r*m : (r+1)*m]
		q, bestRatio, bestAlpha := -1, math.Inf(1), 0.0
		nnz := 0
		for j := range s.cols {
			col := &s.cols[j]
			nnz += len(col.idx)
			if s.inBasis[j] {
				continue
			}
			alpha := 0.0
			for k, i := range col.idx {
				alpha += rho[i] * float64(col.cnt[k])
			}
			if alpha >= -cgEps {
				continue
			}
			ratio := max(0, s.reducedCost(j)) / -alpha
			if q < 0 || ratio < bestRatio-1e-12 || ratio <= bestRatio+1e-12 && -alpha > bestAlpha {
				q, bestRatio, bestAlpha = j, ratio, -alpha
			}
		}
		*s.work += int64(2*nnz)/cgUnitFlops + 1
		if q < 0 {
			return false
		}
		s.pivot(q, r, s.column(q))
	}
	return false
}

// pivot brings column q into the basis at row r, with u = B⁻¹a_q.
func (s *cgMaster) pivot(q, r int, u []float64) {
	m := s.m
	ur := u[r]
	pr := s.binv[r*m : (r+1)*m]
	// π ← π + (rc_q/u_r)·(row r of the old B⁻¹)
	if f := s.reducedCost(q) / ur; f != 0 {
		for k, v := range pr {
			s.pi[k] += f * v
		}
	}
	for k := range pr {
		pr[k] /= ur
	}
	theta := s.x[r] / ur
	if theta < 0 && s.x[r] >= 0 { // a primal step never goes negative
		theta = 0
	}
	for i := range m {
		if i == r || u[i] == 0 {
			continue
		}
		f := u[i]
		row := s.binv[i*m : (i+1)*m]
		for k, v := range pr {
			row[k] -= f * v
		}
		s.x[i] -= f * theta
		if s.x[i] < 0 && s.x[i] > -1e-9 {
			s.x[i] = 0
		}
	}
	s.x[r] = theta
	s.inBasis[s.basis[r]] = false
	s.inBasis[q] = true
	s.basis[r] = q
	*s.work += int64(m*m)/cgUnitFlops + 1
	s.since++
	z := 0.0
	for i, v := range s.x {
		z += v * s.cost(s.basis[i])
	}
	if z < s.lastZ-1e-9 {
		s.stall, s.lastZ = 0, z
	} else {
		s.stall++
	}
	if s.since >= max(256, 2*m) {
		s.refactor()
		s.duals()
	}
}

// refactor recomputes B⁻¹ and x = B⁻¹d from the basic columns by
// Gauss–Jordan elimination with partial pivoting; a singular basis (not
// expected) falls back to the single-weight patterns.
func (s *cgMaster) refactor() {
	m := s.m
	s.since = 0
	a := make([]float64, m*m)
	for i, q := range s.basis {
		col := s.cols[q]
		for k, r := range col.idx {
			a[int(r)*m+i] = float64(col.cnt[k])
		}
	}
	inv := make([]float64, m*m)
	for i := range m {
		inv[i*m+i] = 1
	}
	*s.work += int64(m*m)*int64(m)/cgUnitFlops + 1
	ok := true
	for c := range m {
		p := c
		for i := c + 1; i < m; i++ {
			if math.Abs(a[i*m+c]) > math.Abs(a[p*m+c]) {
				p = i
			}
		}
		if math.Abs(a[p*m+c]) < 1e-11 {
			ok = false
			break
		}
		if p != c {
			for k := range m {
				a[p*m+k], a[c*m+k] = a[c*m+k], a[p*m+k]
				inv[p*m+k], inv[c*m+k] = inv[c*m+k], inv[p*m+k]
			}
		}
		f := a[c*m+c]
		for k := range m {
			a[c*m+k] /= f
			inv[c*m+k] /= f
		}
		for i := range m {
			if i == c {
				continue
			}
			g := a[i*m+c]
			if g == 0 {
				continue
			}
			for k := range m {
				a[i*m+k] -= g * a[c*m+k]
				inv[i*m+k] -= g * inv[c*m+k]
			}
		}
	}
	if !ok {
		for i := range m {
			s.inBasis[s.basis[i]] = false
			s.basis[i] = i
			s.inBasis[i] = true
		}
		clear(inv)
		for i := range m {
			inv[i*m+i] = 1 / float64(s.cols[i].cnt[0])
		}
	}
	s.binv = inv
	s.primal()
}

// primal sets x = B⁻¹d.
func (s *cgMaster) primal() {
	m := s.m
	if s.x == nil {
		s.x = make([]float64, m)
	}
	inv := s.binv
	*s.work += int64(m*m)/cgUnitFlops + 1
	for i := range m {
		v := 0.0
		for k := range m {
			v += inv[i*m+k] * float64(s.p.d[k])
		}
		if v < 0 && v > -1e-9 {
			v = 0
		}
		s.x[i] = v
	}
}

// priceKnapsack solves max π·a s.t. minLoad ≤ w·a ≤ C, 0 ≤ a ≤ d integer.
// It returns the pattern, its value (−Inf when no pattern reaches
// minLoad), whether the value is the proven maximum, and an upper bound on
// the maximum (used when not exact; 0 if none). Without minLoad, rows of
// dual ≤ 0 are left out (they never raise the value); with it, they may
// be needed to reach the load and are kept.
func (s *cgMaster) priceKnapsack() (cgCol, float64, bool, float64) {
	p := s.p
	if p.price != nil {
		return p.price(s.pi)
	}
	var rows []int
	for i, v := range s.pi {
		if p.d[i] > 0 && (v > cgEps || p.minLoad > 0) {
			rows = append(rows, i)
		}
	}
	if len(rows) == 0 {
		return cgCol{}, 0, true, 0
	}
	pieces := p.pieces(rows)
	if int64(pieces)*(p.c+1) <= cgDPCells {
		col, val := knapsackDP(p, s.pi, rows, pieces, s.work)
		return col, val, true, val
	}
	return knapsackBB(p, s.pi, rows, s.work)
}

// pieces is the number of 0-1 items the bounded knapsack over rows splits
// into: row i's copies (at most its demand, at most what fits) in
// binary pieces 1, 2, 4, … and the rest.
func (p *cgProblem) pieces(rows []int) int {
	n := 0
	for _, i := range rows {
		k := min(p.d[i], p.c/p.w[i])
		for b := int64(1); k > 0; b *= 2 {
			n++
			k -= min(b, k)
		}
	}
	return n
}

// knapsackDP is the 0/1 dynamic program over exact loads 0..C on the
// binary split of every row's multiplicity (pieces of 1, 2, 4, … items),
// with one choice bit per piece and load for the reconstruction; the
// answer is the best load in [minLoad, C].
func knapsackDP(p *cgProblem, pi []float64, rows []int, pieces int, work *int64) (cgCol, float64) {
	c := int(p.c)
	f := make([]float64, c+1)
	for x := 1; x <= c; x++ {
		f[x] = math.Inf(-1)
	}
	words := (c + 1 + 63) / 64
	take := make([]uint64, pieces*words)
	type piece struct {
		row int
		k   int64
	}
	ps := make([]piece, 0, pieces)
	for _, i := range rows {
		k := min(p.d[i], p.c/p.w[i])
		for b := int64(1); k > 0; b *= 2 {
			t := min(b, k)
			ps = append(ps, piece{i, t})
			k -= t
		}
	}
	for n, pc := range ps {
		wt := int(pc.k * p.w[pc.row])
		v := float64(pc.k) * pi[pc.row]
		bits := take[n*words : (n+1)*words]
		for x := c; x >= wt; x-- {
			if nv := f[x-wt] + v; nv > f[x]+1e-12 {
				f[x] = nv
				bits[x>>6] |= 1 << (x & 63)
			}
		}
	}
	*work += int64(len(ps))*int64(c+1)/cgUnitFlops + 1
	x := -1
	for y := max(0, int(p.minLoad)); y <= c; y++ {
		if x < 0 || f[y] > f[x]+1e-12 {
			x = y
		}
	}
	if math.IsInf(f[x], -1) {
		return cgCol{}, f[x]
	}
	best := f[x]
	cnt := make([]int32, len(p.w))
	for n := len(ps) - 1; n >= 0; n-- {
		if take[n*words+x>>6]&(1<<(x&63)) != 0 {
			cnt[ps[n].row] += int32(ps[n].k)
			x -= int(ps[n].k * p.w[ps[n].row])
		}
	}
	return denseToCol(cnt), best
}

func denseToCol(cnt []int32) cgCol {
	var col cgCol
	for i, k := range cnt {
		if k > 0 {
			col.idx = append(col.idx, int32(i))
			col.cnt = append(col.cnt, k)
		}
	}
	return col
}

// knapsackBB is a depth-first branch and bound for the bounded knapsack
// (Horowitz and Sahni's scheme): rows by decreasing π_i/w_i, the largest
// count first, pruned by the fractional (Dantzig) bound; at most cgBBNodes
// nodes. It returns the best pattern, its value, whether the search was
// complete, and the root Dantzig bound.
func knapsackBB(p *cgProblem, pi []float64, rows []int, work *int64) (cgCol, float64, bool, float64) {
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b int) int {
		ra, rb := pi[a]/float64(p.w[a]), pi[b]/float64(p.w[b])
		switch {
		case ra > rb:
			return -1
		case ra < rb:
			return 1
		}
		return a - b
	})
	n := len(rows)
	// the fractional bound over rows of positive dual (minLoad relaxed)
	dantzig := func(k int, room int64, val float64) float64 {
		for ; k < n; k++ {
			i := rows[k]
			if pi[i] <= 0 {
				break
			}
			t := min(p.d[i], room/p.w[i])
			val += float64(t) * pi[i]
			room -= t * p.w[i]
			if t < p.d[i] {
				return val + float64(room)*pi[i]/float64(p.w[i])
			}
		}
		return val
	}
	root := dantzig(0, p.c, 0)
	// most[k]: the largest load rows k.. can add
	most := make([]int64, n+1)
	for k := n - 1; k >= 0; k-- {
		most[k] = most[k+1] + p.d[rows[k]]*p.w[rows[k]]
	}
	cur := make([]int32, len(p.w))
	best := make([]int32, len(p.w))
	bestVal := math.Inf(-1)
	nodes := 0
	var dfs func(k int, room int64, val float64)
	dfs = func(k int, room int64, val float64) {
		nodes++
		if val > bestVal+1e-12 && p.c-room >= p.minLoad {
			bestVal = val
			copy(best, cur)
		}
		if k == n || nodes >= cgBBNodes {
			return
		}
		if dantzig(k, room, val) <= bestVal+1e-12 || p.c-room+most[k] < p.minLoad {
			return
		}
		i := rows[k]
		for t := min(p.d[i], room/p.w[i]); t >= 0; t-- {
			cur[i] = int32(t)
			dfs(k+1, room-t*p.w[i], val+float64(t)*pi[i])
			if nodes >= cgBBNodes {
				break
			}
		}
		cur[i] = 0
	}
	dfs(0, p.c, 0)
	*work += int64(nodes) + 1
	exact := nodes < cgBBNodes
	if math.IsInf(bestVal, -1) {
		if exact {
			return cgCol{}, bestVal, true, 0
		}
		bestVal = 0 // nothing found within the node limit: no column
	}
	return denseToCol(best), bestVal, exact, root
}

// lpBound1D returns the column generation bound for integral weights w in
// bins of capacity c (0 when the LP does not apply: more than cgMaxRows
// distinct weights, or a weight above c), spending at most maxWork units.
func lpBound1D(w []int64, c int64, maxWork int64) int {
	lb, _ := lpMaster1D(w, c, maxWork)
	return lb
}

// lpMaster1D is lpBound1D that also returns the solved master (nil when
// the LP does not apply or has no rows), for the dive to reuse.
func lpMaster1D(w []int64, c int64, maxWork int64) (int, *cgMaster) {
	p, ok := groupWeights(w, c)
	if !ok || len(p.w) == 0 {
		return 0, nil
	}
	var work int64
	s := newMaster(p, nil, &work, func() bool { return work >= maxWork })
	s.run()
	return s.result().lb(), s
}

// groupWeights groups w by distinct value (decreasing) with demands.
func groupWeights(w []int64, c int64) (*cgProblem, bool) {
	s := slices.Clone(w)
	slices.SortFunc(s, func(a, b int64) int {
		switch {
		case a > b:
			return -1
		case a < b:
			return 1
		}
		return 0
	})
	p := &cgProblem{c: c}
	for _, v := range s {
		if v <= 0 {
			continue
		}
		if v > c {
			return nil, false
		}
		if n := len(p.w); n > 0 && p.w[n-1] == v {
			p.d[n-1]++
			continue
		}
		p.w = append(p.w, v)
		p.d = append(p.d, 1)
	}
	if len(p.w) > cgMaxRows {
		return nil, false
	}
	return p, true
}
