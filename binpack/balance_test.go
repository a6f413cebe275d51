package binpack

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// sizesInstance returns a one-dimensional, one-slot instance of bins of capacity
// c holding items of the given sizes (IDs a, b, c, …).
func sizesInstance(c float64, sizes ...float64) *Instance {
	inst := &Instance{Name: "t", Capacity: []float64{c}}
	for i, s := range sizes {
		inst.Items = append(inst.Items, VecItem{ID: string(rune('a' + i)), Values: [][]float64{{s}}})
	}
	return inst
}

// TestBalanceLevels: sizes 3, 3, 1, 1 packed tightly as {3, 1} {3, 1} is
// already level; packed as {3, 3} {1, 1} (capacity 8) the level packing
// {3, 1} {3, 1} has objective 2 × (4/8)² = 0.5 against (6/8)² + (2/8)² =
// 0.625, and the highest utilisation falls from 75 % to 50 %.
func TestBalanceLevels(t *testing.T) {
	inst := sizesInstance(8, 3, 3, 1, 1)
	r := Balance(inst, [][]int{{0, 1}, {2, 3}}, BalanceOptions{Work: 1e6})
	want := [][]int{{0, 2}, {1, 3}}
	if !reflect.DeepEqual(r.Bins, want) && !reflect.DeepEqual(r.Bins, [][]int{{0, 3}, {1, 2}}) {
		t.Errorf("bins %v, want %v (or the twin)", r.Bins, want)
	}
	if math.Abs(r.Before-0.625) > 1e-12 || math.Abs(r.After-0.5) > 1e-12 {
		t.Errorf("objective %g → %g, want 0.625 → 0.5", r.Before, r.After)
	}
	if r.MaxUtilBefore != 0.75 || r.MaxUtilAfter != 0.5 || r.Moves != 2 {
		t.Errorf("max util %g → %g, %d moves; want 0.75 → 0.5, 2", r.MaxUtilBefore, r.MaxUtilAfter, r.Moves)
	}
}

// TestBalanceTimeComplement: two day servers (busy in slot 0) and two night
// servers (busy in slot 1) packed day with day and night with night peak at
// 100 %; a day and a night server on each host peak at 50 %.
func TestBalanceTimeComplement(t *testing.T) {
	inst := &Instance{Capacity: []float64{10}, Items: []VecItem{
		{ID: "day1", Values: [][]float64{{5, 0}}}, {ID: "day2", Values: [][]float64{{5, 0}}},
		{ID: "night1", Values: [][]float64{{0, 5}}}, {ID: "night2", Values: [][]float64{{0, 5}}},
	}}
	r := Balance(inst, [][]int{{0, 1}, {2, 3}}, BalanceOptions{Work: 1e6})
	if r.MaxUtilAfter != 0.5 {
		t.Fatalf("max util after %g, want 0.5 (bins %v)", r.MaxUtilAfter, r.Bins)
	}
	for _, b := range r.Bins {
		if len(b) != 2 || inst.Items[b[0]].ID[:3] == inst.Items[b[1]].ID[:3] {
			t.Errorf("bin %v does not pair a day and a night server", b)
		}
	}
}

// TestBalanceSpread: four idle servers entitled to 4 units each (Spread)
// and two busy ones: the idle ones end two per host, not four on one.
func TestBalanceSpread(t *testing.T) {
	inst := sizesInstance(10, 5, 5, 0.1, 0.1, 0.1, 0.1)
	spread := []float64{0, 0, 4, 4, 4, 4}
	r := Balance(inst, [][]int{{0, 1}, {2, 3, 4, 5}}, BalanceOptions{Work: 1e6, Spread: spread})
	for _, b := range r.Bins {
		idle := 0
		for _, i := range b {
			if spread[i] > 0 {
				idle++
			}
		}
		if idle != 2 {
			t.Errorf("bin %v holds %d idle servers, want 2", b, idle)
		}
	}
}

// TestBalanceConstraints: pinned items stay, anti-affinity holds, existing
// bins keep their own capacity, the result never loses or duplicates an
// item and never exceeds a capacity, on random instances.
func TestBalanceConstraints(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for k := range 200 {
		inst := randomInstance(r)
		sol := Solve(inst, SolveOptions{Work: 1e5, Seed: 1})
		if len(sol.Unplaced) > 0 || len(sol.Bins) < 2 {
			continue
		}
		opt := BalanceOptions{Work: 1e6, Pins: map[int]int{sol.Bins[0][0]: 0}}
		res := Balance(inst, sol.Bins, opt)
		if len(res.Bins) != len(sol.Bins) {
			t.Fatalf("case %d: %d bins, want %d", k, len(res.Bins), len(sol.Bins))
		}
		if res.After > res.Before+1e-12 {
			t.Errorf("case %d: objective rose %g → %g", k, res.Before, res.After)
		}
		seen := map[int]int{}
		for j, b := range res.Bins {
			for _, i := range b {
				seen[i]++
			}
			checkBin(t, fmt.Sprintf("case %d: bin %d", k, j), inst, b)
			if j != 0 && slices.Contains(b, sol.Bins[0][0]) {
				t.Errorf("case %d: pinned item %d moved to bin %d", k, sol.Bins[0][0], j)
			}
		}
		if len(seen) != len(inst.Items) {
			t.Errorf("case %d: %d items placed, want %d", k, len(seen), len(inst.Items))
		}
		for i, n := range seen {
			if n != 1 {
				t.Errorf("case %d: item %d placed %d times", k, i, n)
			}
		}
		if again := Balance(inst, sol.Bins, opt); !reflect.DeepEqual(again.Bins, res.Bins) {
			t.Errorf("case %d: not deterministic", k)
		}
	}
}

// TestBalanceNoBudget: the zero options move nothing (the re-placement
// used to run without a bound when the budget was 0).
func TestBalanceNoBudget(t *testing.T) {
	inst := sizesInstance(8, 3, 3, 1, 1)
	r := Balance(inst, [][]int{{0, 1}, {2, 3}}, BalanceOptions{})
	if r.Moves != 0 || !reflect.DeepEqual(r.Bins, [][]int{{0, 1}, {2, 3}}) || r.After != r.Before {
		t.Errorf("work 0: %d moves, bins %v, objective %g → %g; want the packing as given", r.Moves, r.Bins, r.Before, r.After)
	}
}
