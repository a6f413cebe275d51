package binpack

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
)

func solveLP(t *testing.T, w []int64, c int64) (*cgMaster, cgResult) {
	t.Helper()
	p, ok := groupWeights(w, c)
	if !ok {
		t.Fatalf("groupWeights(%v, %d): not applicable", w, c)
	}
	var work int64
	s := newMaster(p, nil, &work, func() bool { return work >= 1e8 })
	s.run()
	r := s.result()
	if !r.converged {
		t.Fatalf("%v in %d: column generation did not converge", w, c)
	}
	return s, r
}

// TestLPHand: weights {6,6,4,4,4} in bins of 10. Patterns {6,4} (twice)
// and {4,4} (half) give z = 2.5; the duals π6 = π4 = 1/2 are the unique
// dual optimum (2π6 + 3π4 with π6 + π4 ≤ 1 and 2π4 ≤ 1), so LP = 3.
func TestLPHand(t *testing.T) {
	s, r := solveLP(t, []int64{6, 6, 4, 4, 4}, 10)
	if math.Abs(r.z-2.5) > 1e-9 || math.Abs(r.bound-2.5) > 1e-9 || r.lb() != 3 {
		t.Errorf("z = %g, bound = %g, lb = %d; want 2.5, 2.5, 3", r.z, r.bound, r.lb())
	}
	if math.Abs(s.pi[0]-0.5) > 1e-9 || math.Abs(s.pi[1]-0.5) > 1e-9 {
		t.Errorf("duals %v, want [0.5 0.5]", s.pi)
	}
	x := map[string]float64{}
	for q, c := range r.cols {
		if r.x[q] > 1e-9 && !c.doi {
			x[fmt.Sprint(c.idx, c.cnt)] += r.x[q]
		}
	}
	want := map[string]float64{"[0 1] [1 1]": 2, "[1] [2]": 0.5}
	if len(x) != len(want) {
		t.Errorf("primal %v, want %v", x, want)
	}
	for k, v := range want {
		if math.Abs(x[k]-v) > 1e-9 {
			t.Errorf("primal %v, want %v", x, want)
		}
	}
}

// TestLPAboveL2: five items of 34 in bins of 100 — no bin holds three, so
// the LP is 5/2 and the bound 3, while L1 = L2 = ⌈170/100⌉ = 2.
func TestLPAboveL2(t *testing.T) {
	w := []int64{34, 34, 34, 34, 34}
	_, r := solveLP(t, w, 100)
	if r.lb() != 3 {
		t.Errorf("LP bound %d, want 3", r.lb())
	}
	if l2 := martelloTothL2([]float64{34, 34, 34, 34, 34}, 100); l2 != 2 {
		t.Errorf("L2 = %d, want 2", l2)
	}
	inst := &Instance{Capacity: []float64{100}}
	for i := range w {
		inst.Items = append(inst.Items, VecItem{ID: fmt.Sprint(i), Values: [][]float64{{34}}})
	}
	sol := Solve(inst, SolveOptions{Work: 1e6, Seed: 1})
	if sol.Bounds.LP != 3 || sol.LowerBound != 3 || len(sol.Bins) != 3 || sol.Stop != "lower bound" {
		t.Errorf("Solve: LP %d, lower bound %d, %d bins, stop %q; want 3, 3, 3, lower bound", sol.Bounds.LP, sol.LowerBound, len(sol.Bins), sol.Stop)
	}
}

// TestLPChvatal is the cutting stock example of Chvátal (Linear
// Programming, 1983, ch. 13): rolls of 100, widths 45, 36, 31, 14 with
// demands 97, 610, 395, 211; the LP optimum is 452.25. The solution is
// checked as an optimality certificate: the primal satisfies the rows,
// and the duals satisfy π·a ≤ 1 for every pattern (enumerated) with
// d·π = z.
func TestLPChvatal(t *testing.T) {
	var w []int64
	for k, n := range []int{97, 610, 395, 211} {
		for range n {
			w = append(w, []int64{45, 36, 31, 14}[k])
		}
	}
	s, r := solveLP(t, w, 100)
	if math.Abs(r.z-452.25) > 1e-6 || r.lb() != 453 {
		t.Errorf("z = %.9g (bound %d), want 452.25 (453)", r.z, r.lb())
	}
	d := []float64{97, 610, 395, 211}
	row := make([]float64, 4)
	for q, c := range r.cols {
		for k, i := range c.idx {
			row[i] += r.x[q] * float64(c.cnt[k])
		}
	}
	dual := 0.0
	for i := range d {
		if math.Abs(row[i]-d[i]) > 1e-6 {
			t.Errorf("row %d covered %g times, want %g", i, row[i], d[i])
		}
		dual += d[i] * s.pi[i]
	}
	if math.Abs(dual-r.z) > 1e-6 {
		t.Errorf("d·π = %g, z = %g", dual, r.z)
	}
	ws := []int64{45, 36, 31, 14}
	var rec func(i int, room int64, v float64)
	rec = func(i int, room int64, v float64) {
		if i == len(ws) {
			if v > 1+1e-9 {
				t.Errorf("a pattern has π·a = %g > 1", v)
			}
			return
		}
		for k := int64(0); k*ws[i] <= room; k++ {
			rec(i+1, room-k*ws[i], v+float64(k)*s.pi[i])
		}
	}
	rec(0, 100, 0)
}

// TestKnapsackBB checks the branch and bound pricing against the dynamic
// program on random bounded knapsacks.
func TestKnapsackBB(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 200 {
		m := 1 + r.IntN(8)
		p := &cgProblem{c: int64(10 + r.IntN(90))}
		if trial%2 == 1 { // loads restricted to [minLoad, C]
			p.minLoad = p.c - int64(r.IntN(5))
		}
		pi := make([]float64, m)
		var rows []int
		for i := range m {
			p.w = append(p.w, int64(1+r.IntN(int(p.c))))
			p.d = append(p.d, int64(1+r.IntN(4)))
			pi[i] = r.Float64() - 0.2 // some negative duals
			rows = append(rows, i)
		}
		var work int64
		_, want := knapsackDP(p, pi, rows, p.pieces(rows), &work)
		col, got, exact, ub := knapsackBB(p, pi, rows, &work)
		if math.IsInf(want, -1) {
			if !math.IsInf(got, -1) || !exact {
				t.Fatalf("trial %d: DP finds no load ≥ %d, B&B %g", trial, p.minLoad, got)
			}
			continue
		}
		if !exact || math.Abs(got-want) > 1e-9 || ub < got-1e-9 {
			t.Fatalf("trial %d: B&B %g (exact %v, ub %g), DP %g", trial, got, exact, ub, want)
		}
		var load int64
		v := 0.0
		for k, i := range col.idx {
			if int64(col.cnt[k]) > p.d[i] {
				t.Fatalf("trial %d: %d of row %d, demand %d", trial, col.cnt[k], i, p.d[i])
			}
			load += int64(col.cnt[k]) * p.w[i]
			v += float64(col.cnt[k]) * pi[i]
		}
		if load > p.c || load < p.minLoad || math.Abs(v-got) > 1e-9 {
			t.Fatalf("trial %d: pattern load %d (cap %d), value %g (reported %g)", trial, load, p.c, v, got)
		}
	}
}

// TestLPFullPatterns: with every bin full (minLoad = C), {6,6,8} in bins
// of 10 has no pattern at all — no packing into ⌈20/10⌉ = 2 bins, the
// bound is infinite — while {5,5,3,3,4} packs as {5,5} {3,3,4}: LP 2.
func TestLPFullPatterns(t *testing.T) {
	for _, tc := range []struct {
		w    []int64
		want int
	}{{[]int64{6, 6, 8}, math.MaxInt32}, {[]int64{5, 5, 3, 3, 4}, 2}} {
		p, _ := groupWeights(tc.w, 10)
		p.minLoad = 10
		var work int64
		r := solveCG(p, nil, &work, func() bool { return work >= 1e7 })
		if !r.converged || r.lb() != tc.want {
			t.Errorf("%v, full bins of 10: bound %d (converged %v), want %d", tc.w, r.lb(), r.converged, tc.want)
		}
	}
}

// TestTrim: taking pattern {row 0: 1, row 2: 1} out of the residual
// {0, 2, 1} moves the slot of row 0 (none left) to row 1.
func TestTrim(t *testing.T) {
	d := []int64{0, 2, 1}
	f, ok := trim(cgCol{idx: []int32{0, 2}, cnt: []int32{1, 1}}, d)
	if !ok || !reflect.DeepEqual(f.idx, []int32{1, 2}) || !reflect.DeepEqual(f.cnt, []int32{1, 1}) || !reflect.DeepEqual(d, []int64{0, 1, 0}) {
		t.Errorf("trim: %v %v, residual %v; want [1 2] [1 1], [0 1 0]", f.idx, f.cnt, d)
	}
}

// bruteOptimum is the least number of bins for w in capacity c, by
// exhaustive assignment (items in decreasing order, a new bin only once).
func bruteOptimum(w []int64, c int64) int {
	s := slices.Clone(w)
	slices.SortFunc(s, func(a, b int64) int { return int(b - a) })
	best := len(s)
	var loads []int64
	var rec func(i int)
	rec = func(i int) {
		if len(loads) >= best {
			return
		}
		if i == len(s) {
			best = len(loads)
			return
		}
		for j := range loads {
			if loads[j]+s[i] <= c {
				loads[j] += s[i]
				rec(i + 1)
				loads[j] -= s[i]
			}
		}
		loads = append(loads, s[i])
		rec(i + 1)
		loads = loads[:len(loads)-1]
	}
	rec(0)
	return best
}

// TestSolve1DProperty: random small instances — every item packed once,
// no bin over capacity, bins ≥ LP ≥ L2, and the packing optimal (equal to
// the brute-force optimum).
func TestSolve1DProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for trial := range 300 {
		n := 1 + r.IntN(10)
		c := int64(10 + r.IntN(40))
		inst := &Instance{Capacity: []float64{float64(c)}}
		var w []int64
		for i := range n {
			v := int64(1 + r.IntN(int(c)))
			if r.IntN(2) == 0 { // more mid-sized items: harder instances
				v = c/4 + int64(r.IntN(int(c/2)))
			}
			w = append(w, v)
			inst.Items = append(inst.Items, VecItem{ID: fmt.Sprintf("i%02d", i), Values: [][]float64{{float64(v)}}})
		}
		name := fmt.Sprintf("trial %d (%v in %d)", trial, w, c)
		sol := Solve(inst, SolveOptions{Work: 1e6, Seed: 1})
		checkSolution(t, name, inst, sol)
		opt := bruteOptimum(w, c)
		if b := sol.Bounds; b.LP == 0 || b.LP < b.L2 || b.LP > opt || len(sol.Bins) < b.LP {
			t.Errorf("%s: LP %d, L2 %d, optimum %d, bins %d", name, b.LP, b.L2, opt, len(sol.Bins))
		}
		if len(sol.Bins) != opt {
			t.Errorf("%s: %d bins, optimum %d", name, len(sol.Bins), opt)
		}
	}
}

// readHard28 returns the instances of ../shared/data/binpacking/hard28
// named in names, with their published optima.
func readHard28(t *testing.T, names []string) ([]*Instance, []int) {
	t.Helper()
	dir, col, rows := benchValues(t, "hard28")
	var insts []*Instance
	var opts []int
	for _, name := range names {
		for _, rec := range rows {
			if rec[col["instance"]] != name {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, rec[col["file"]]))
			if err != nil {
				t.Fatal(err)
			}
			inst, err := ParseBPP(name, data)
			if err != nil {
				t.Fatal(err)
			}
			ub, err := strconv.Atoi(rec[col["ub"]])
			if err != nil || rec[col["status"]] != "optimal" {
				t.Fatalf("%s: no proven optimum in values.csv", name)
			}
			insts = append(insts, inst)
			opts = append(opts, ub)
		}
	}
	if len(insts) != len(names) {
		t.Fatalf("found %d of the hard28 instances %v", len(insts), names)
	}
	return insts, opts
}

// TestLPBoundHard28: the LP bound equals the published optimum on Hard28
// instances with the integer round-up property, and is one below it on
// BPP14, one without it (its optimum is one above ⌈z_LP⌉).
func TestLPBoundHard28(t *testing.T) {
	names := []string{"Hard28_BPP13", "Hard28_BPP40", "Hard28_BPP47", "Hard28_BPP14"}
	insts, opts := readHard28(t, names)
	for k, inst := range insts {
		var w []int64
		for _, it := range inst.Items {
			w = append(w, int64(it.Values[0][0]))
		}
		want := opts[k]
		if names[k] == "Hard28_BPP14" {
			want--
		}
		if got := lpBound1D(w, int64(inst.Capacity[0]), lpBoundWork); got != want {
			t.Errorf("%s: LP bound %d, want %d", names[k], got, want)
		}
	}
}

// TestSolveHard28: the column generation dive reaches the proven optimum
// of Hard28 instances that first fit decreasing and the pool search miss,
// deterministically: BPP47 and BPP360 by the dive's rounding, BPP60 and
// BPP144 by the reduced-cost completion at its root.
func TestSolveHard28(t *testing.T) {
	names := []string{"Hard28_BPP47", "Hard28_BPP360", "Hard28_BPP60", "Hard28_BPP144"}
	insts, opts := readHard28(t, names)
	for k, inst := range insts {
		sol := Solve(inst, SolveOptions{Work: 2e7, Seed: 1})
		checkSolution(t, names[k], inst, sol)
		if len(sol.Bins) != opts[k] {
			t.Errorf("%s: %d bins (stop %s), want the optimum %d", names[k], len(sol.Bins), sol.Stop, opts[k])
		}
		if k == 0 {
			again := Solve(inst, SolveOptions{Work: 2e7, Seed: 1})
			if !reflect.DeepEqual(again.Bins, sol.Bins) || again.Work != sol.Work {
				t.Errorf("%s: not deterministic", names[k])
			}
		}
	}
}
