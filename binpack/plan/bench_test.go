package plan

import (
	"os"
	"strconv"
	"testing"

	"github.com/kvmfit/kvmfit/binpack"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
)

// fleetPlanInput returns a plan input of n servers × slots slots × 5
// resources (fleet) and one host model whose usable capacity is fleet's.
func fleetPlanInput(n, slots int) PlanInput {
	servers := fleet(n, slots, 1)
	s := model.DefaultSettings.Clone()
	s.HostReserveCores, s.HostReserveMemBytes = 0, 0
	for k := range s.CeilingPct {
		s.CeilingPct[k] = 100
	}
	in := PlanInput{
		Fleet:    profile.Fleet{Demand: &model.Demand{Slots: slots, Profile: "day", Servers: servers}},
		Settings: s,
		Catalog: &model.Catalog{Hosts: []model.HostSpec{{Name: "2s", Cores: 60, Threads: 60, CPUScorePerCore: 1000,
			MemBytes: model.ByteSize(460 * model.GiB), StorageIOPS: 70000, StorageBytesPerSec: 1.4e9, NetBytesPerSec: 1.75e9,
			Price: 20000, Watts: 500, RackUnits: 2}}},
		Pack: DefaultPackOptions,
	}
	for _, it := range servers {
		in.Servers = append(in.Servers, model.PlanServer{ID: it.ID})
	}
	return in
}

// BenchmarkPlan10k is the speed target: 10,000 servers × 288 slots
// × 5 resources planned (every heuristic, the improvement phase under the
// default work budget, the sum-of-peaks baseline and the N+1 proof) with
// the default packer options.
func BenchmarkPlan10k(b *testing.B) {
	in := fleetPlanInput(10000, 288)
	plan := benchPlan(b, in)
	b.ReportMetric(float64(plan.HostsUsed), "hosts_n+1")
	b.ReportMetric(float64(len(in.Servers))*float64(b.N)/b.Elapsed().Seconds(), "servers/sec")
	b.Logf("search: %+v", plan.Search)
}

// benchPlan plans in b.N times and reports the hosts for the load, the
// lower bound and the gap of the last plan.
func benchPlan(b *testing.B, in PlanInput) *model.Plan {
	var plan *model.Plan
	for b.Loop() {
		var err error
		plan, err = BuildPlan(in)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(plan.HostsWithoutHA), "hosts")
	b.ReportMetric(float64(plan.LowerBound), "lower_bound")
	b.ReportMetric(plan.LowerBoundGapPct, "gap_%")
	return plan
}

// BenchmarkSolve10k packs the same fleet with Solve alone (no baseline, no
// HA), under the plan's default work budget.
func BenchmarkSolve10k(b *testing.B) {
	in := fleetPlanInput(10000, 288)
	pb := &planBuilder{in: in, s: in.Settings}
	pb.units, pb.unitOf = buildUnits(in.Demand.Servers, nil)
	inst := pb.instance(in.Catalog.Hosts[0], false)
	var sol binpack.Solution
	for b.Loop() {
		sol = binpack.Solve(inst, binpack.SolveOptions{Work: DefaultPackOptions.Work, Seed: 1})
	}
	b.ReportMetric(float64(len(sol.Bins)), "hosts")
	b.ReportMetric(float64(sol.LowerBound), "lower_bound")
	b.ReportMetric(float64(len(inst.Items))*float64(b.N)/b.Elapsed().Seconds(), "servers/sec")
	b.Logf("constructive %v, stop %s, work %d", sol.Constructive, sol.Stop, sol.Work)
}

// BenchmarkPlanN is BenchmarkPlan10k at KVMFIT_PLAN_SERVERS servers
// (default 30,000): how the packing phase scales beyond 10,000, one host
// model, in memory (no dataset to read), e.g.
//
//	KVMFIT_PLAN_SERVERS=100000 go test -run '^$' -bench PlanN -benchtime 1x -timeout 2h ./binpack/plan/
func BenchmarkPlanN(b *testing.B) {
	n := 30000
	if v, err := strconv.Atoi(os.Getenv("KVMFIT_PLAN_SERVERS")); err == nil && v > 0 {
		n = v
	}
	plan := benchPlan(b, fleetPlanInput(n, 288))
	b.Logf("%d servers: %d hosts for the load, lower bound %d, search: %+v", n, plan.HostsWithoutHA, plan.LowerBound, plan.Search)
}
