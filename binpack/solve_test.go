package binpack

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// randomInstance returns a small random instance with several dimensions of
// different slot counts, ties, items too large for a bin and anti-affinity
// groups.
func randomInstance(r *rand.Rand) *Instance {
	dims := 1 + r.IntN(4)
	inst := &Instance{Name: "rand"}
	slots := make([]int, dims)
	for d := range dims {
		slots[d] = 1 + r.IntN(6)
		inst.Capacity = append(inst.Capacity, float64(5+r.IntN(20)))
	}
	n := r.IntN(30)
	ids := r.Perm(n)
	for i := range n {
		it := VecItem{ID: fmt.Sprintf("i%03d", ids[i])}
		big := r.IntN(25) == 0
		for d := range dims {
			row := make([]float64, slots[d])
			for t := range row {
				row[t] = math.Round(r.Float64() * 0.6 * inst.Capacity[d])
				if big {
					row[t] = inst.Capacity[d] + 1
				}
			}
			it.Values = append(it.Values, row)
		}
		inst.Items = append(inst.Items, it)
	}
	for range r.IntN(3) {
		if n < 2 {
			break
		}
		g := r.Perm(n)[:2+r.IntN(min(3, n-1))]
		inst.AntiAffinity = append(inst.AntiAffinity, g)
	}
	return inst
}

// checkSolution verifies the invariants of a solution: every item placed
// once or unplaced with a reason, no bin over its capacity in any dimension
// and slot, no anti-affinity group sharing a bin.
func checkSolution(t *testing.T, name string, inst *Instance, sol Solution) {
	t.Helper()
	seen := make([]int, len(inst.Items))
	for j, bin := range sol.Bins {
		if len(bin) == 0 {
			t.Errorf("%s: bin %d is empty", name, j)
		}
		for _, i := range bin {
			seen[i]++
		}
		checkBin(t, fmt.Sprintf("%s: bin %d", name, j), inst, bin)
	}
	for _, u := range sol.Unplaced {
		seen[u.Item]++
		if u.Detail == "" {
			t.Errorf("%s: unplaced item %d without a reason", name, u.Item)
		}
	}
	for i, k := range seen {
		if k != 1 {
			t.Errorf("%s: item %d (%s) appears %d times", name, i, inst.Items[i].ID, k)
		}
	}
	if len(inst.Items) > len(sol.Unplaced) && len(sol.Bins) < sol.LowerBound {
		t.Errorf("%s: %d bins below the lower bound %d", name, len(sol.Bins), sol.LowerBound)
	}
}

// checkBin fails when the items of bin b (named where) exceed a capacity
// in some dimension and slot or break anti-affinity.
func checkBin(t *testing.T, where string, inst *Instance, b []int) {
	t.Helper()
	for d, c := range inst.Capacity {
		for s := range inst.Items[0].Values[d] {
			sum := 0.0
			for _, i := range b {
				sum += inst.Items[i].Values[d][s]
			}
			if sum > Limit(c) {
				t.Errorf("%s: over capacity in dimension %d slot %d: %g > %g", where, d, s, sum, c)
			}
		}
	}
	for g, grp := range inst.AntiAffinity {
		n := 0
		for _, i := range b {
			if slices.Contains(grp, i) {
				n++
			}
		}
		if n > 1 {
			t.Errorf("%s: holds %d items of anti-affinity group %d", where, n, g)
		}
	}
}

// idBins returns the bins as sorted lists of item IDs, sorted.
func idBins(inst *Instance, sol Solution) []string {
	var out []string
	for _, bin := range sol.Bins {
		var ids []string
		for _, i := range bin {
			ids = append(ids, inst.Items[i].ID)
		}
		slices.Sort(ids)
		out = append(out, strings.Join(ids, ","))
	}
	slices.Sort(out)
	return out
}

func TestSolveProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for k := range 300 {
		inst := randomInstance(r)
		name := fmt.Sprintf("instance %d (%d items)", k, len(inst.Items))
		opt := SolveOptions{Work: int64(r.IntN(200000)), Seed: 3}
		sol := Solve(inst, opt)
		checkSolution(t, name, inst, sol)
		// The same instance in another order gives the same bins.
		perm := r.Perm(len(inst.Items))
		inv := make([]int, len(perm))
		shuffled := &Instance{Capacity: inst.Capacity}
		for x, i := range perm {
			shuffled.Items = append(shuffled.Items, inst.Items[i])
			inv[i] = x
		}
		for _, g := range inst.AntiAffinity {
			var ng []int
			for _, i := range g {
				ng = append(ng, inv[i])
			}
			shuffled.AntiAffinity = append(shuffled.AntiAffinity, ng)
		}
		sol2 := Solve(shuffled, opt)
		checkSolution(t, name+" shuffled", shuffled, sol2)
		if a, b := idBins(inst, sol), idBins(shuffled, sol2); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: bins depend on input order:\n%v\n%v", name, a, b)
		}
		if sol.LowerBound != sol2.LowerBound || len(sol.Unplaced) != len(sol2.Unplaced) {
			t.Errorf("%s: lower bound or unplaced depend on input order", name)
		}
	}
}

func TestSolveFixedFleet(t *testing.T) {
	inst := &Instance{Capacity: []float64{10}, DimNames: []string{"mem"}}
	for i, w := range []float64{6, 6, 5, 4, 3} {
		inst.Items = append(inst.Items, VecItem{ID: fmt.Sprint("s", i), Values: [][]float64{{w}}})
	}
	opt := SolveOptions{
		Existing:  []ExistingBin{{Name: "old1", Capacity: []float64{8}}, {Name: "old2", Capacity: []float64{7}}},
		Pins:      map[int]int{4: 1},
		NoNewBins: true,
	}
	sol := Solve(inst, opt)
	// old2 holds the pinned 3; 6 fits old1 (8), 4 fits old2 (3+4=7); 6 and 5 are left.
	placed := 0
	for _, b := range sol.Bins {
		placed += len(b)
	}
	if len(sol.Bins) != 2 || placed != 3 || len(sol.Unplaced) != 2 {
		t.Fatalf("bins %v, unplaced %+v", sol.Bins, sol.Unplaced)
	}
	if !slices.Contains(sol.Bins[1], 4) {
		t.Errorf("pinned item not on old2: %v", sol.Bins)
	}
	for _, u := range sol.Unplaced {
		if u.Constraint != "no new hosts" || !strings.Contains(u.Detail, "mem full on 2") {
			t.Errorf("unplaced %d: %q %q", u.Item, u.Constraint, u.Detail)
		}
	}
	// With new bins allowed the two leftovers go on new bins.
	opt.NoNewBins = false
	sol = Solve(inst, opt)
	if len(sol.Unplaced) != 0 || len(sol.Bins) < 3 {
		t.Errorf("with new bins: %v, unplaced %+v", sol.Bins, sol.Unplaced)
	}
}

func TestMartelloTothL2(t *testing.T) {
	tests := []struct {
		w    []float64
		c    float64
		want int
	}{
		{nil, 10, 0},
		// Six items of 6: each needs its own bin (L1 = 4).
		{[]float64{6, 6, 6, 6, 6, 6}, 10, 6},
		// 7, 7 take a bin each, 3+3+3+3 = 12 with 6 left over in the big
		// bins' 3+3 → ceil((12-6)/10) = 1 more: 3.
		{[]float64{7, 7, 3, 3, 3, 3}, 10, 3},
		{[]float64{5, 5, 5, 5}, 10, 2},
	}
	for _, tc := range tests {
		if got := martelloTothL2(tc.w, tc.c); got != tc.want {
			t.Errorf("L2(%v, %g) = %d, want %d", tc.w, tc.c, got, tc.want)
		}
	}
}

func TestSolveReachesOptimumSmall(t *testing.T) {
	// Triplets that fill a bin exactly: 3 bins.
	inst := &Instance{Capacity: []float64{100}}
	for i, w := range []float64{50, 30, 20, 45, 35, 20, 40, 40, 20} {
		inst.Items = append(inst.Items, VecItem{ID: fmt.Sprint(i), Values: [][]float64{{w}}})
	}
	sol := Solve(inst, SolveOptions{Work: 1e6, Seed: 1})
	if len(sol.Bins) != 3 || sol.LowerBound != 3 || sol.Stop != "lower bound" {
		t.Errorf("bins %d, lb %d, stop %s; want 3, 3, lower bound", len(sol.Bins), sol.LowerBound, sol.Stop)
	}
}

func TestParsers(t *testing.T) {
	inst, err := ParseBPP("x", []byte("3\n10\n4\n6\n5\n"))
	if err != nil || len(inst.Items) != 3 || inst.Capacity[0] != 10 || inst.Items[1].Values[0][0] != 6 {
		t.Fatalf("bpp: %+v, %v", inst, err)
	}
	if _, err := ParseBPP("x", []byte("3\n10\n4\n")); err == nil {
		t.Error("bpp: short file accepted")
	}
	inst, err = ParseVBP("v", []byte("2\n10 20\n2\n1 2 1\n3 4 2\n"))
	if err != nil || len(inst.Items) != 3 || inst.Items[2].Values[1][0] != 4 {
		t.Fatalf("vbp: %+v, %v", inst, err)
	}
	// Items [0,5) size 4, [3,8) size 5, [5,9) size 6: starts 0, 3, 5.
	inst, err = ParseTBPP("t", []byte("3\t10\t0\t0\n0\t0\t5\t4\n1\t3\t8\t5\n2\t5\t9\t6\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{4, 4, 0}, {0, 5, 5}, {0, 0, 6}}
	for i, w := range want {
		if !reflect.DeepEqual(inst.Items[i].Values[0], w) {
			t.Errorf("tbpp item %d = %v, want %v", i, inst.Items[i].Values[0], w)
		}
	}
	sol := Solve(inst, SolveOptions{})
	// 4+5 at slot 1 = 9 fits, 5+6 at slot 2 = 11 does not: 2 bins, and L1 = ceil(11/10) = 2.
	if len(sol.Bins) != 2 || sol.LowerBound != 2 {
		t.Errorf("tbpp: %d bins, lb %d", len(sol.Bins), sol.LowerBound)
	}
}

// inst1 returns an instance of one dimension of capacity c whose items are
// given as ID → row (one value per slot).
func inst1(c float64, items ...VecItem) *Instance {
	return &Instance{Name: "t", Capacity: []float64{c}, Items: items}
}

// it1 is an item of one dimension with the given row.
func it1(id string, row ...float64) VecItem {
	return VecItem{ID: id, Values: [][]float64{row}}
}

// TestSolveKnownAnswers checks small instances whose packing and volume
// bound L1 are worked out by hand.
func TestSolveKnownAnswers(t *testing.T) {
	ffdOnly := SolveOptions{Heuristics: []string{HeurFFDSize}}
	search := SolveOptions{Work: 1e6, Seed: 1}
	tests := []struct {
		name           string
		inst           *Instance
		opt            SolveOptions
		want           []string // idBins
		wantUnplaced   []string
		wantL1, wantLB int
	}{
		{
			// 6→#0; 5 (11)→#1; 5→#1 (10); 4→#0 (10).
			name: "1-D classic 6 5 5 4", opt: ffdOnly,
			inst: inst1(10, it1("d4", 4), it1("b5", 5), it1("a6", 6), it1("c5", 5)),
			want: []string{"a6,d4", "b5,c5"}, wantL1: 2, wantLB: 2,
		},
		{
			// First fit decreasing: 5→#0; 4→#0 (9); 3,3,3→#1 (9); 2 fits
			// neither (11, 11)→#2. The optimum is 2 ({5,3,2}, {4,3,3}).
			name: "first fit decreasing above the optimum", opt: ffdOnly,
			inst: inst1(10, it1("s2", 2), it1("t3", 3), it1("u3", 3), it1("v3", 3), it1("w4", 4), it1("x5", 5)),
			want: []string{"s2", "t3,u3,v3", "w4,x5"}, wantL1: 2, wantLB: 2,
		},
		{
			name: "the search reaches the optimum", opt: search,
			inst: inst1(10, it1("s2", 2), it1("t3", 3), it1("u3", 3), it1("v3", 3), it1("w4", 4), it1("x5", 5)),
			want: []string{"s2,t3,x5", "u3,v3,w4"}, wantL1: 2, wantLB: 2,
		},
		{
			name: "time-aware: peaks in different slots share a bin", opt: search,
			inst: inst1(10, it1("a", 8, 1), it1("b", 1, 8)),
			want: []string{"a,b"}, wantL1: 1, wantLB: 1, // ceil(9/10)
		},
		{
			name: "the same items flattened to their peaks need two bins", opt: search,
			inst: inst1(10, it1("a", 8, 8), it1("b", 8, 8)),
			want: []string{"a", "b"}, wantL1: 2, wantLB: 2,
		},
		{
			name: "two dimensions: the first fits, the second does not", opt: search,
			inst: &Instance{Capacity: []float64{10, 100}, Items: []VecItem{
				{ID: "a", Values: [][]float64{{3}, {60}}}, {ID: "b", Values: [][]float64{{3}, {60}}}}},
			want: []string{"a", "b"}, wantL1: 2, wantLB: 2, // max(ceil(6/10), ceil(120/100))
		},
		{
			// A (7,6,0) and B (0,6,7) overflow slot 1 together (12); C
			// (4,3,4) overflows A in slot 0 and B in slot 2 (11). The sums
			// (11, 15, 11) peak in slot 1, where no item peaks.
			name: "sums peak in a slot where no item peaks", opt: search,
			inst: inst1(10, it1("C", 4, 3, 4), it1("B", 0, 6, 7), it1("A", 7, 6, 0)),
			// No two items fit together: the conflict clique bound is 3.
			want: []string{"A", "B", "C"}, wantL1: 2, wantLB: 3,
		},
		{
			// Slot 1: ceil(27/10) = 3; slot 0: ceil(12/10) = 2.
			name: "the busiest slot decides", opt: search,
			inst: inst1(10, it1("a", 3, 9), it1("b", 3, 9), it1("c", 3, 9), it1("d", 3, 0)),
			want: []string{"a,d", "b", "c"}, wantL1: 3, wantLB: 3,
		},
		{
			name: "within the relative tolerance fits", opt: search,
			inst: inst1(10, it1("a", 6), it1("b", 4*(1+1e-10))),
			want: []string{"a,b"}, wantL1: 1, wantLB: 1,
		},
		{
			// 4/10 without the unplaced a.
			name: "beyond the relative tolerance does not fit", opt: search,
			inst: inst1(10, it1("a", 10*(1+1e-8)), it1("b", 4)),
			want: []string{"b"}, wantUnplaced: []string{"a"}, wantL1: 1, wantLB: 1,
		},
		{
			// 12/10 without the unplaceable 20 (which would give ceil(32/10) = 4).
			name: "unplaceable items are left out of the bounds", opt: search,
			inst: inst1(10, it1("a", 20), it1("b", 6), it1("c", 6)),
			want: []string{"b", "c"}, wantUnplaced: []string{"a"}, wantL1: 2, wantLB: 2,
		},
		{
			name: "rounding in the sum: 10 × 0.1 is one bin", opt: search,
			inst: inst1(1, it1("a", .1), it1("b", .1), it1("c", .1), it1("d", .1), it1("e", .1),
				it1("f", .1), it1("g", .1), it1("h", .1), it1("i", .1), it1("j", .1)),
			want: []string{"a,b,c,d,e,f,g,h,i,j"}, wantL1: 1, wantLB: 1,
		},
		{
			// A dimension of capacity 0 takes only zero demand and adds
			// nothing to the bounds.
			name: "capacity-0 dimension", opt: search,
			inst: &Instance{Capacity: []float64{10, 0}, Items: []VecItem{
				{ID: "a", Values: [][]float64{{3}, {0}}}, {ID: "b", Values: [][]float64{{0}, {7}}}}},
			want: []string{"a"}, wantUnplaced: []string{"b"}, wantL1: 1, wantLB: 1,
		},
		{
			name: "zero demand still needs a bin", opt: search,
			inst: inst1(10, it1("a", 0, 0), it1("b", 0, 0)),
			want: []string{"a,b"}, wantL1: 0, wantLB: 1,
		},
		{
			name: "no items", opt: search,
			inst: inst1(10),
			want: nil, wantL1: 0, wantLB: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sol := Solve(tt.inst, tt.opt)
			checkSolution(t, tt.name, tt.inst, sol)
			if got := idBins(tt.inst, sol); !slices.Equal(got, tt.want) {
				t.Errorf("bins = %v, want %v", got, tt.want)
			}
			var unplaced []string
			for _, u := range sol.Unplaced {
				unplaced = append(unplaced, tt.inst.Items[u.Item].ID)
			}
			if !slices.Equal(unplaced, tt.wantUnplaced) {
				t.Errorf("unplaced = %v, want %v", unplaced, tt.wantUnplaced)
			}
			if sol.Bounds.L1 != tt.wantL1 {
				t.Errorf("L1 = %d, want %d", sol.Bounds.L1, tt.wantL1)
			}
			if sol.LowerBound != tt.wantLB {
				t.Errorf("LowerBound = %d, want %d", sol.LowerBound, tt.wantLB)
			}
		})
	}
}

// TestSolveUnplacedFirstCoordinate: an item that fits no empty bin is
// unplaced with the first dimension (in order) and the first slot where it
// exceeds the capacity, its demand there and the capacity.
func TestSolveUnplacedFirstCoordinate(t *testing.T) {
	const gib = 1 << 30
	row := func(v ...float64) []float64 { return v }
	zero := row(0, 0, 0, 0, 0, 0)
	inst := &Instance{
		Capacity: []float64{16, 450 * gib, 0, 1e9, 1e9},
		DimNames: []string{"cpu", "mem", "disk_iops", "disk_bytes", "net_bytes"},
		Items: []VecItem{
			{ID: "big", Values: [][]float64{row(1, 1, 1, 1, 1, 1), row(100*gib, 100*gib, 100*gib, 600*gib, 700*gib, 200*gib), zero, zero, zero}},
			{ID: "ok", Values: [][]float64{row(2, 2, 2, 2, 2, 2), row(10*gib, 10*gib, 10*gib, 10*gib, 10*gib, 10*gib), zero, zero, zero}},
			// Memory overflows from slot 1, CPU only in slot 5: dimensions
			// are checked in order, so CPU is reported.
			{ID: "both", Values: [][]float64{row(1, 1, 1, 1, 1, 20), row(0, 500*gib, 500*gib, 500*gib, 500*gib, 500*gib), zero, zero, zero}},
			// disk_iops has capacity 0.
			{ID: "iops", Values: [][]float64{zero, zero, row(0, 5, 0, 0, 0, 0), zero, zero}},
		},
	}
	sol := Solve(inst, SolveOptions{Work: 1000})
	type got struct {
		item, dim, slot  int
		demand, capacity float64
		detail           string
	}
	var gots []got
	for _, u := range sol.Unplaced {
		gots = append(gots, got{u.Item, int(u.Dim), u.Slot, u.Demand, u.Capacity, u.Detail})
	}
	want := []got{
		{0, 1, 3, 600 * gib, 450 * gib, "mem demand in slot 3 exceeds the capacity of an empty host"},
		{2, 0, 5, 20, 16, "cpu demand in slot 5 exceeds the capacity of an empty host"},
		{3, 2, 1, 5, 0, "disk_iops demand in slot 1 exceeds the capacity of an empty host"},
	}
	if !reflect.DeepEqual(gots, want) {
		t.Errorf("unplaced:\n got %+v\nwant %+v", gots, want)
	}
	if len(sol.Bins) != 1 || len(sol.Bins[0]) != 1 || sol.Bins[0][0] != 1 || sol.LowerBound != 1 {
		t.Errorf("bins %v, lower bound %d; want [[1]] and 1 (unplaced items are left out)", sol.Bins, sol.LowerBound)
	}
}

// TestSolveUnplacedByConstraint: an item that a constraint stops, not a
// dimension, is unplaced with NoDim and slot -1.
func TestSolveUnplacedByConstraint(t *testing.T) {
	inst := inst1(10, it1("a", 1), it1("b", 1))
	sol := Solve(inst, SolveOptions{Existing: []ExistingBin{{Name: "h1", Capacity: []float64{10}}}, Pins: map[int]int{1: 3}})
	want := []Unplaced{{Item: 1, Dim: NoDim, Slot: -1, Constraint: "pin", Detail: "pinned to a host that does not exist"}}
	if !reflect.DeepEqual(sol.Unplaced, want) {
		t.Errorf("unplaced %+v, want %+v", sol.Unplaced, want)
	}
	if len(sol.Bins) != 1 || !slices.Equal(sol.Bins[0], []int{0}) {
		t.Errorf("bins %v, want [[0]] (a on the existing bin)", sol.Bins)
	}
}
