package binpack_test

import (
	"fmt"

	"github.com/kvmfit/kvmfit/binpack"
)

// Two items that are busy in different time slots share a bin; an item
// larger than a bin is unplaced, with the dimension and slot that stop it.
func ExampleSolve() {
	inst := &binpack.Instance{
		Name:     "day and night",
		Capacity: []float64{10, 64}, // cpu, mem
		DimNames: []string{"cpu", "mem"},
		Items: []binpack.VecItem{
			{ID: "web", Values: [][]float64{{8, 1}, {16, 16}}},
			{ID: "batch", Values: [][]float64{{1, 8}, {16, 16}}},
			{ID: "db", Values: [][]float64{{2, 2}, {80, 80}}},
		},
	}
	sol := binpack.Solve(inst, binpack.SolveOptions{Work: 100_000, Seed: 1})
	for j, bin := range sol.Bins {
		fmt.Print("bin ", j, ":")
		for _, i := range bin {
			fmt.Print(" ", inst.Items[i].ID)
		}
		fmt.Println()
	}
	for _, u := range sol.Unplaced {
		fmt.Printf("%s: %s\n", inst.Items[u.Item].ID, u.Detail)
	}
	fmt.Println("lower bound:", sol.LowerBound, "stop:", sol.Stop)
	// Output:
	// bin 0: web batch
	// db: mem demand in slot 0 exceeds the capacity of an empty host
	// lower bound: 1 stop: lower bound
}
