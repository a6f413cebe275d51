package plan_test

import (
	"fmt"

	"github.com/kvmfit/kvmfit/binpack/plan"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
)

// Two servers that are busy at different times of day share a host; a
// server with more memory than a host is unplaced, with the reason.
func ExampleBuildPlan() {
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
	s := model.DefaultSettings.Clone()
	s.HostReserveCores, s.HostReserveMemBytes = 0, 0
	for k := range s.CeilingPct {
		s.CeilingPct[k] = 100
	}
	in := plan.PlanInput{
		Fleet: profile.Fleet{
			Demand: &model.Demand{Slots: 2, Profile: "day", Servers: []model.ServerDemand{ // day and night
				server("web", []float64{8, 1}, 16),
				server("batch", []float64{1, 8}, 16),
				server("db", []float64{2, 2}, 80),
			}},
			Servers: []model.PlanServer{{ID: "web"}, {ID: "batch"}, {ID: "db"}},
		},
		Catalog: &model.Catalog{Hosts: []model.HostSpec{{Name: "h10", Cores: 10, Threads: 10,
			CPUScorePerCore: s.ReferenceCoreScore, MemBytes: 64 * gib, StorageIOPS: 1000,
			StorageBytesPerSec: 1e9, NetBytesPerSec: 1e9, Price: 1000, Watts: 300, RackUnits: 1}}},
		Settings: s,
	}
	p, err := plan.BuildPlan(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, h := range p.Hosts {
		fmt.Printf("%s: %v, cpu %.0f%%, mem %.0f%%, bound by %s in slots %v\n",
			h.Name, h.Servers, h.PeakUtilPct["cpu"], h.PeakUtilPct["mem"], h.Binding, h.BindingSlots)
	}
	for _, u := range p.Unplaced {
		fmt.Printf("%s: %s\n", u.Server, u.Reason)
	}
	fmt.Println("lower bound:", p.LowerBound)
	// Output:
	// host-01: [batch web], cpu 90%, mem 50%, bound by cpu in slots [0 1]
	// db: mem demand 80 GiB in slot 0 exceeds the usable capacity 64 GiB of an empty host (over capacity in 2 of 2 slots; peak 80 GiB)
	// lower bound: 1
}
