package binpack

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// bruteForceBins returns the fewest bins of capacity c (per dimension and
// slot) that hold every item of inst, by trying every assignment.
func bruteForceBins(inst *Instance) int {
	n := len(inst.Items)
	best := n
	var loads [][][]float64
	var rec func(i int)
	rec = func(i int) {
		if len(loads) >= best {
			return
		}
		if i == n {
			best = len(loads)
			return
		}
		it := inst.Items[i].Values
		fits := func(l [][]float64) bool {
			for d, row := range it {
				for t, v := range row {
					if l[d][t]+v > inst.Capacity[d]*(1+RelTolerance)+AbsTolerance {
						return false
					}
				}
			}
			return true
		}
		add := func(l [][]float64, sign float64) {
			for d, row := range it {
				for t, v := range row {
					l[d][t] += sign * v
				}
			}
		}
		for _, l := range loads {
			if fits(l) {
				add(l, 1)
				rec(i + 1)
				add(l, -1)
			}
		}
		l := make([][]float64, len(it))
		for d, row := range it {
			l[d] = make([]float64, len(row))
		}
		add(l, 1)
		loads = append(loads, l)
		rec(i + 1)
		loads = loads[:len(loads)-1]
	}
	rec(0)
	return best
}

// smallVecInstance is a random vector (one slot) or temporal (one dimension,
// items active on an interval of the slots) instance of n items.
func smallVecInstance(r *rand.Rand, n int, temporal bool) *Instance {
	inst := &Instance{Name: "small"}
	if temporal {
		inst.Capacity = []float64{10}
		slots := 4 + r.IntN(4)
		for i := range n {
			row := make([]float64, slots)
			s := r.IntN(slots)
			e := s + 1 + r.IntN(slots-s)
			w := float64(2 + r.IntN(7))
			for t := s; t < e; t++ {
				row[t] = w
			}
			inst.Items = append(inst.Items, VecItem{ID: fmt.Sprintf("t%02d", i), Values: [][]float64{row}})
		}
		return inst
	}
	dims := 2 + r.IntN(2)
	for range dims {
		inst.Capacity = append(inst.Capacity, 20)
	}
	for i := range n {
		var vals [][]float64
		for range dims {
			vals = append(vals, []float64{float64(1 + r.IntN(12))})
		}
		inst.Items = append(inst.Items, VecItem{ID: fmt.Sprintf("v%02d", i), Values: vals})
	}
	return inst
}

// TestVecSearchReachesBruteForceOptimum starts the vector search from the
// worst packing (one bin per item) on small vector and temporal instances
// and checks that it reaches the optimum found by exhaustive search.
func TestVecSearchReachesBruteForceOptimum(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 17))
	for k := range 60 {
		temporal := k%2 == 1
		inst := smallVecInstance(r, 6+r.IntN(4), temporal)
		name := fmt.Sprintf("instance %d (temporal %v, %d items)", k, temporal, len(inst.Items))
		want := bruteForceBins(inst)
		e := newEngine(inst)
		e.rng = rand.New(rand.NewPCG(1, 2))
		s := &state{}
		var items []int
		for i := range inst.Items {
			b := e.newBin(e.limit)
			e.add(b, i)
			s.bins = append(s.bins, b)
			items = append(items, i)
		}
		if !e.vecApplicable(SolveOptions{}, items) {
			t.Fatalf("%s: vector search not applicable", name)
		}
		lb := e.bounds(items).Best
		e.work, e.budget = 0, 2_000_000
		got := e.improveVec(s, lb)
		sol := Solution{LowerBound: lb}
		for _, b := range got.bins {
			sol.Bins = append(sol.Bins, b.items)
		}
		checkSolution(t, name, inst, sol)
		if len(got.bins) != want {
			t.Errorf("%s: %d bins, optimum %d (lower bound %d)", name, len(got.bins), want, lb)
		}
	}
}

// vecTripletInstance is a vector triplet instance in the style of
// Mommessin et al.'s Falkenauer class: per dimension a in [38, 49], b in
// [25, (100−a)/2], c = 100 − a − b, so each triplet fills a bin of 100
// exactly in every dimension and the optimum is n/3.
func vecTripletInstance(triplets, dims int, seed uint64) *Instance {
	r := rand.New(rand.NewPCG(seed, 3))
	inst := &Instance{Name: "vec-triplets"}
	for range dims {
		inst.Capacity = append(inst.Capacity, 100)
	}
	for k := range triplets {
		vals := [3][][]float64{}
		for range dims {
			a := 38 + r.IntN(12)
			b := 25 + r.IntN((100-a)/2-25+1)
			c := 100 - a - b
			for x, v := range []int{a, b, c} {
				vals[x] = append(vals[x], []float64{float64(v)})
			}
		}
		for x := range 3 {
			inst.Items = append(inst.Items, VecItem{ID: fmt.Sprintf("t%03d-%d", k, x), Values: vals[x]})
		}
	}
	// an order that hides the triplets
	r.Shuffle(len(inst.Items), func(i, j int) { inst.Items[i], inst.Items[j] = inst.Items[j], inst.Items[i] })
	return inst
}

// TestVecTriplets: exact fills in every dimension are found (the optimum
// n/3), and the bins do not depend on the order of the items.
func TestVecTriplets(t *testing.T) {
	for _, tc := range []struct{ triplets, dims int }{{40, 3}, {100, 5}, {167, 10}} {
		inst := vecTripletInstance(tc.triplets, tc.dims, uint64(tc.triplets))
		name := fmt.Sprintf("%d triplets × %d dims", tc.triplets, tc.dims)
		opt := SolveOptions{Work: 5_000_000, Seed: 1}
		sol := Solve(inst, opt)
		checkSolution(t, name, inst, sol)
		if len(sol.Bins) != tc.triplets {
			t.Errorf("%s: %d bins, want %d (lower bound %d, from %s %v)", name, len(sol.Bins), tc.triplets, sol.LowerBound, sol.Heuristic, sol.Constructive)
		}
		rev := &Instance{Capacity: inst.Capacity}
		for i := len(inst.Items) - 1; i >= 0; i-- {
			rev.Items = append(rev.Items, inst.Items[i])
		}
		sol2 := Solve(rev, opt)
		if a, b := idBins(inst, sol), idBins(rev, sol2); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: bins depend on input order", name)
		}
	}
}

// TestVecSearchOrderIndependent: on instances where the search runs out of
// budget (no lower bound reached), the packing is still the same for any
// order of the items and for repeated runs.
func TestVecSearchOrderIndependent(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for k := range 6 {
		inst := smallVecInstance(r, 40, k%2 == 1)
		opt := SolveOptions{Work: 300_000, Seed: 2}
		sol := Solve(inst, opt)
		checkSolution(t, inst.Name, inst, sol)
		perm := r.Perm(len(inst.Items))
		sh := &Instance{Capacity: inst.Capacity}
		for _, i := range perm {
			sh.Items = append(sh.Items, inst.Items[i])
		}
		sol2 := Solve(sh, opt)
		if a, b := idBins(inst, sol), idBins(sh, sol2); !reflect.DeepEqual(a, b) {
			t.Errorf("instance %d: bins depend on input order:\n%v\n%v", k, a, b)
		}
		if again := Solve(inst, opt); !reflect.DeepEqual(again.Bins, sol.Bins) || again.Work != sol.Work {
			t.Errorf("instance %d: two runs differ", k)
		}
	}
}

// TestVecCoordinates: a coordinate that no bin can overflow and one
// dominated by another are dropped.
func TestVecCoordinates(t *testing.T) {
	inst := &Instance{Capacity: []float64{10, 10, 10}}
	// dim 1 is at most dim 0 for every item; dim 2 sums to 6 ≤ 10.
	for i, v := range [][3]float64{{6, 5, 1}, {6, 6, 2}, {5, 1, 3}} {
		inst.Items = append(inst.Items, VecItem{ID: fmt.Sprint(i), Values: [][]float64{{v[0]}, {v[1]}, {v[2]}}})
	}
	e := newEngine(inst)
	s := &state{}
	for i := range inst.Items {
		b := e.newBin(e.limit)
		e.add(b, i)
		s.bins = append(s.bins, b)
	}
	if vs := e.newVecSearch(s); vs.K != 1 {
		t.Errorf("coordinates kept: %d, want 1", vs.K)
	}
}

func TestVecApplicable(t *testing.T) {
	inst := vecTripletInstance(4, 2, 1)
	items := []int{0, 1, 2}
	e := newEngine(inst)
	if !e.vecApplicable(SolveOptions{}, items) {
		t.Error("plain vector instance: want applicable")
	}
	if e.vecApplicable(SolveOptions{Existing: []ExistingBin{{Name: "a", Capacity: []float64{100, 100}}}}, items) {
		t.Error("existing bins: want not applicable")
	}
	if e.vecApplicable(SolveOptions{NoNewBins: true}, items) {
		t.Error("fixed fleet: want not applicable")
	}
	aa := *inst
	aa.AntiAffinity = [][]int{{0, 1}}
	if newEngine(&aa).vecApplicable(SolveOptions{}, items) {
		t.Error("anti-affinity: want not applicable")
	}
	big := make([]int, int(vecLimit)/2+1)
	if e.vecApplicable(SolveOptions{}, big) {
		t.Error("n·K above vecLimit: want not applicable")
	}
}

// TestVecBenchmarkTriplets solves a few vector triplet instances of
// Mommessin et al. (../shared/data/binpacking/vbp_triplet, the development
// part) and checks that every one reaches its optimum n/3.
func TestVecBenchmarkTriplets(t *testing.T) {
	dir, col, rows := benchValues(t, "vbp_triplet")
	want := map[string]bool{
		"classC_120_3_4": true, "classF_120_3_2": true,
		"classF_501_5_0": true, "classF_501_10_0": true,
	}
	n := 0
	for _, r := range rows {
		if !want[r[0]] {
			continue
		}
		n++
		data, err := os.ReadFile(filepath.Join(dir, r[col["file"]]))
		if err != nil {
			t.Fatal(err)
		}
		inst, err := ParseVBP(r[0], data)
		if err != nil {
			t.Fatal(err)
		}
		best, _ := strconv.Atoi(r[col["best_known"]])
		sol := Solve(inst, SolveOptions{Work: 5_000_000, Seed: 1})
		checkSolution(t, r[0], inst, sol)
		if len(sol.Bins) != best {
			t.Errorf("%s: %d bins, optimum %d", r[0], len(sol.Bins), best)
		}
	}
	if n != len(want) {
		t.Errorf("found %d of the %d instances in values.csv", n, len(want))
	}
}
