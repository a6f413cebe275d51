package binpack

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// tripletInstance returns a Falkenauer-style triplet instance (every bin of
// the optimum holds three items that fill it exactly): n/3 bins of 1000.
func tripletInstance(n int, seed uint64) *Instance {
	r := rand.New(rand.NewPCG(seed, 1))
	inst := &Instance{Capacity: []float64{1000}, DimNames: []string{"size"}}
	var ws []float64
	for range n / 3 {
		a := 380 + r.IntN(111)
		b := 250 + r.IntN((1000-a)/2-250+1)
		ws = append(ws, float64(a), float64(b), float64(1000-a-b))
	}
	for _, k := range r.Perm(len(ws)) {
		inst.Items = append(inst.Items, VecItem{ID: itemID(len(inst.Items), len(ws)), Values: [][]float64{{ws[k]}}})
	}
	return inst
}

func TestSolve1DTriplets(t *testing.T) {
	for seed := range uint64(4) {
		inst := tripletInstance(60, seed)
		sol := Solve(inst, SolveOptions{Work: 2e7, Seed: 1})
		checkSolution(t, fmt.Sprint("triplets ", seed), inst, sol)
		if len(sol.Bins) != 20 || sol.Stop != "lower bound" {
			t.Errorf("seed %d: %d bins (stop %s), want the optimum 20", seed, len(sol.Bins), sol.Stop)
		}
		if again := Solve(inst, SolveOptions{Work: 2e7, Seed: 1}); !reflect.DeepEqual(again.Bins, sol.Bins) || again.Work != sol.Work {
			t.Errorf("seed %d: not deterministic", seed)
		}
	}
}

func TestOneDimApplicable(t *testing.T) {
	inst := tripletInstance(9, 1)
	items := []int{0, 1, 2, 3, 4, 5, 6, 7, 8}
	if !newEngine(inst).oneDimApplicable(SolveOptions{}, items) {
		t.Error("integral 1-D instance: want the 1-D search")
	}
	frac := tripletInstance(9, 1)
	frac.Items[3].Values[0][0] += 0.5
	if newEngine(frac).oneDimApplicable(SolveOptions{}, items) {
		t.Error("fractional size: want the general search")
	}
	if newEngine(inst).oneDimApplicable(SolveOptions{Existing: []ExistingBin{{Name: "a", Capacity: []float64{1000}}}}, items) {
		t.Error("existing bins: want the general search")
	}
	two := &Instance{Capacity: []float64{10}, Items: []VecItem{{ID: "a", Values: [][]float64{{1, 2}}}}}
	if newEngine(two).oneDimApplicable(SolveOptions{}, []int{0}) {
		t.Error("two slots: want the general search")
	}
}
