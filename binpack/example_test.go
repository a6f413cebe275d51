package binpack_test

import (
	"fmt"

	"github.com/kvmfit/kvmfit/binpack"
	"github.com/kvmfit/kvmfit/model"
)

// Two servers that are busy at different times of day share a host; a
// server with more memory than a host goes to Unplaced.
func ExampleFirstFitDecreasing() {
	const gib = model.GiB
	server := func(id string, cpu []float64, memGiB float64) model.ServerDemand {
		s := model.ServerDemand{ID: id}
		for d := range model.NumDims {
			s.Values[d] = make([]float64, len(cpu))
		}
		s.Values[model.DimCPU] = cpu
		for t := range cpu {
			s.Values[model.DimMem][t] = memGiB * gib
		}
		return s
	}
	p := binpack.Problem{
		Slots:    2, // day and night
		Capacity: model.Capacity{model.DimCPU: 10, model.DimMem: 64 * gib},
		Items: []model.ServerDemand{
			server("web", []float64{8, 1}, 16),
			server("batch", []float64{1, 8}, 16),
			server("db", []float64{2, 2}, 80),
		},
	}
	if err := binpack.Validate(p); err != nil {
		fmt.Println(err)
		return
	}
	res := binpack.FirstFitDecreasing(p)
	for j, b := range res.Bins {
		u := b.PeakUtil(p.Capacity)
		d, slots := b.Binding(p.Capacity)
		fmt.Printf("host %d: %d servers, cpu %.0f%%, mem %.0f%%, bound by %s in slots %v\n",
			j+1, len(b.Items), u[model.DimCPU], u[model.DimMem], d, slots)
		for _, i := range b.Items {
			fmt.Println("  ", p.Items[i].ID)
		}
	}
	for _, u := range res.Unplaced {
		fmt.Printf("%s: %s\n", p.Items[u.Item].ID, u.Reason(p))
	}
	fmt.Println("lower bound:", res.LowerBound)
	// Output:
	// host 1: 2 servers, cpu 90%, mem 50%, bound by cpu in slots [0 1]
	//    batch
	//    web
	// db: mem demand 80 GiB in slot 0 exceeds the usable capacity 64 GiB of an empty host (over capacity in 2 of 2 slots; peak 80 GiB)
	// lower bound: 1
}
