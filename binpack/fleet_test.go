package binpack

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// hiddenFleet returns a fleet-shaped instance with a known packing into m
// bins: perBin items to a hidden bin, CPU over slots with a daily bump at
// a random hour and memory flat, each hidden bin scaled to fill × capacity
// at its own busiest slot (CPU) and in total (memory). The items are
// shuffled, so the packer has to find the complementary mixes itself.
func hiddenFleet(m, perBin, slots int, fill float64, seed uint64) *Instance {
	r := rand.New(rand.NewPCG(seed, 7))
	inst := &Instance{Name: "hidden", Capacity: []float64{64, 512}, DimNames: []string{"cpu", "mem"}}
	for b := range m {
		cpu := make([][]float64, perBin)
		mem := make([]float64, perBin)
		tot := make([]float64, slots)
		memTot := 0.0
		for i := range perBin {
			base, amp, at, width := 0.2+r.Float64(), 1+4*r.Float64(), r.IntN(slots), 1+r.Float64()*float64(slots)/8
			row := make([]float64, slots)
			for t := range row {
				dt := math.Min(math.Abs(float64(t-at)), float64(slots)-math.Abs(float64(t-at)))
				row[t] = base + amp*math.Exp(-dt*dt/(2*width*width))
				tot[t] += row[t]
			}
			cpu[i] = row
			mem[i] = 1 + 9*r.Float64()
			memTot += mem[i]
		}
		peak := 0.0
		for _, x := range tot {
			peak = math.Max(peak, x)
		}
		for i := range perBin {
			for t := range cpu[i] {
				cpu[i][t] *= fill * inst.Capacity[0] / peak
			}
			m := mem[i] * fill * inst.Capacity[1] / memTot
			inst.Items = append(inst.Items, VecItem{ID: fmt.Sprintf("h%d-%d", b, i), Values: [][]float64{cpu[i], {m}}})
		}
	}
	r.Shuffle(len(inst.Items), func(i, j int) { inst.Items[i], inst.Items[j] = inst.Items[j], inst.Items[i] })
	return inst
}

// TestFleetSearchFindsHiddenPacking: 600 servers of 40 hidden hosts filled
// to 97 % at their busiest slot. The constructive heuristics need far more
// hosts; the fleet search must get to the hidden 40 (or fewer) under the
// plan's default budget, the same way twice.
func TestFleetSearchFindsHiddenPacking(t *testing.T) {
	const m = 40
	inst := hiddenFleet(m, 15, 48, 0.97, 1)
	opt := SolveOptions{Work: 30_000_000, Seed: 1}
	sol := Solve(inst, opt)
	checkSolution(t, inst.Name, inst, sol)
	if !fleetApplicableTo(inst, sol) {
		t.Fatalf("the fleet search does not apply to %d items in %d bins", len(inst.Items), sol.LowerBound)
	}
	best := math.MaxInt
	for _, h := range sol.Constructive {
		best = min(best, h.Bins)
	}
	t.Logf("bins %d (constructive best %d), lower bound %d, work %d, stop %s", len(sol.Bins), best, sol.LowerBound, sol.Work, sol.Stop)
	if len(sol.Bins) > m {
		t.Errorf("fleet search: %d bins, the hidden packing has %d", len(sol.Bins), m)
	}
	if best <= m {
		t.Errorf("the constructive heuristics already reach %d: the instance does not test the search", best)
	}
	if again := Solve(inst, opt); !reflect.DeepEqual(again.Bins, sol.Bins) {
		t.Error("the same instance and budget gave another packing")
	}
}

// fleetApplicableTo reports whether Solve used the fleet search's size rule
// for inst.
func fleetApplicableTo(inst *Instance, sol Solution) bool {
	e := newEngine(inst)
	items := make([]int, len(inst.Items))
	for i := range items {
		items[i] = i
	}
	return e.fleetApplicable(SolveOptions{}, items, sol.LowerBound)
}

// TestFleetSearchValid: random fleet-shaped instances with a one-slot
// count dimension (VMs per host), a dimension of capacity 0 that items
// use at rounding-noise level, and items too big for a host: every packing
// the fleet search returns fits in every dimension and slot (checkSolution)
// and never uses more bins than the best constructive heuristic.
func TestFleetSearchValid(t *testing.T) {
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 11))
		inst := hiddenFleet(30, 15, 24, 0.9, seed)
		inst.Capacity = append(inst.Capacity, 20, 0)
		inst.DimNames = append(inst.DimNames, "vms", "zero")
		for i := range inst.Items {
			inst.Items[i].Values = append(inst.Items[i].Values, []float64{1}, []float64{AbsTolerance / 4 * r.Float64()})
		}
		inst.Items[3].Values[0][5] = 70 // bigger than a host
		sol := Solve(inst, SolveOptions{Work: 3_000_000, Seed: 1})
		checkSolution(t, inst.Name, inst, sol)
		if !fleetApplicableTo(inst, sol) {
			t.Fatalf("seed %d: the fleet search does not apply", seed)
		}
		if len(sol.Unplaced) != 1 || sol.Unplaced[0].Item != 3 {
			t.Errorf("seed %d: unplaced %+v, want item 3 alone", seed, sol.Unplaced)
		}
		best := math.MaxInt
		for _, h := range sol.Constructive {
			best = min(best, h.Bins)
		}
		if len(sol.Bins) > best {
			t.Errorf("seed %d: %d bins, the constructive heuristics had %d", seed, len(sol.Bins), best)
		}
		for _, bin := range sol.Bins {
			if len(bin) > 20 {
				t.Errorf("seed %d: a bin of %d items breaks the count dimension of 20", seed, len(bin))
			}
		}
	}
}
