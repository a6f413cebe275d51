package binpack

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
)

// planFixture: three servers over two slots whose CPU peaks do not
// coincide, and one server without samples; two host models.
func planFixture() PlanInput {
	s := model.DefaultSettings.Clone()
	s.HostReserveCores, s.HostReserveMemBytes = 0, 0
	for k := range s.CeilingPct {
		s.CeilingPct[k] = 100
	}
	mk := func(id string, cpu ...float64) model.ServerDemand {
		d := model.ServerDemand{ID: id}
		d.Values[model.DimCPU] = cpu
		for dim := model.DimMem; dim < model.NumDims; dim++ {
			d.Values[dim] = []float64{0, 0}
		}
		d.Values[model.DimMem] = []float64{model.GiB, model.GiB}
		return d
	}
	host := func(name string, cores int, mem int64, price, watts float64) model.HostSpec {
		return model.HostSpec{Name: name, Cores: cores, Threads: cores, CPUScorePerCore: 1000,
			MemBytes: model.ByteSize(mem), StorageIOPS: 1000, StorageBytesPerSec: 1e9, NetBytesPerSec: 1e9,
			Price: price, Watts: watts, RackUnits: 1}
	}
	return PlanInput{
		Demand: &model.Demand{Slots: 2, Profile: "day", Servers: []model.ServerDemand{
			mk("a", 3, 1), mk("b", 1, 3), mk("c", 2, 2),
		}},
		Servers: []model.PlanServer{{ID: "a"}, {ID: "b"}, {ID: "c"}, {ID: "d"}},
		NoData:  []model.Unplaced{{Server: "d", Reason: "no samples: nothing to size"}},
		Catalog: &model.Catalog{Hosts: []model.HostSpec{
			host("small", 4, 16*model.GiB, 1000, 100),
			host("big", 8, 32*model.GiB, 2500, 150),
		}},
		Settings:    s,
		GeneratedBy: "test",
	}
}

func TestBuildPlanHandComputed(t *testing.T) {
	plan, err := BuildPlan(planFixture())
	if err != nil {
		t.Fatal(err)
	}
	// small (4 cores): a [3,1] + b [1,3] = [4,4] share a host, c [2,2] needs a
	// second; slot sums [6,6] / 4 → lower bound 2. Sum of peaks: 3, 3, 2 → 3 hosts.
	// big (8 cores): everything on one host, both methods.
	// cost small = 2×1000 + 2×100 W × 8766 h × 5 y × 0.20 / 1000 = 3753.2
	// cost big   = 2500 + 150 × 8766 × 5 × 0.20 / 1000 = 3814.9 → small is chosen.
	want := []model.Candidate{
		{HostType: "small", HostsUsed: 2, LowerBound: 2, Unplaced: 1, SumOfPeaksHosts: 3, CapexTotal: 2000, EnergyCostTotal: 1753.2, CostTotal: 3753.2, RackUnitsTotal: 2, Chosen: true, HostsWithoutHA: 2},
		{HostType: "big", HostsUsed: 1, LowerBound: 1, Unplaced: 1, SumOfPeaksHosts: 1, CapexTotal: 2500, EnergyCostTotal: 1314.9, CostTotal: 3814.9, RackUnitsTotal: 1, HostsWithoutHA: 1},
	}
	for i, c := range plan.Candidates {
		if !reflect.DeepEqual(c, want[i]) {
			t.Errorf("candidate %d = %+v, want %+v", i, c, want[i])
		}
	}
	if plan.HostType != "small" || plan.HostsUsed != 2 || plan.LowerBound != 2 || plan.Servers != 4 {
		t.Errorf("plan = %s × %d (lb %d, %d servers), want small × 2 (lb 2, 4 servers)", plan.HostType, plan.HostsUsed, plan.LowerBound, plan.Servers)
	}
	if plan.Baselines.SumOfPeaks.HostsUsed != 3 {
		t.Errorf("sum of peaks = %d hosts, want 3", plan.Baselines.SumOfPeaks.HostsUsed)
	}
	if math.Abs(plan.SavingVsSumOfPeaksPct-33.33) > 1e-9 || plan.ConsolidationRatio != 1.5 {
		t.Errorf("saving %.2f%%, ratio %.2f; want 33.33%%, 1.50", plan.SavingVsSumOfPeaksPct, plan.ConsolidationRatio)
	}
	wantAssign := []model.Assignment{{Server: "a", Host: "host-01"}, {Server: "b", Host: "host-01"}, {Server: "c", Host: "host-02"}}
	for i, a := range plan.Assignments {
		if a != wantAssign[i] {
			t.Errorf("assignment %d = %+v, want %+v", i, a, wantAssign[i])
		}
	}
	h := plan.Hosts[0]
	if h.PeakUtilPct["cpu"] != 100 || h.Binding != "cpu" || len(h.BindingSlots) != 2 {
		t.Errorf("host-01: cpu peak %.1f%%, binding %s %v; want 100%%, cpu [0 1]", h.PeakUtilPct["cpu"], h.Binding, h.BindingSlots)
	}
	if len(plan.Unplaced) != 1 || plan.Unplaced[0].Server != "d" || !strings.Contains(plan.Unplaced[0].Reason, "no samples") {
		t.Errorf("unplaced = %+v, want d without samples", plan.Unplaced)
	}
	if got := plan.ServerDetails[2].Host; got != "host-02" {
		t.Errorf("server c on %q, want host-02", got)
	}
}

func TestBuildPlanHostType(t *testing.T) {
	in := planFixture()
	in.Settings.HostType = "big"
	plan, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	if plan.HostType != "big" || plan.HostsUsed != 1 || !plan.Candidates[1].Chosen || plan.Candidates[0].Chosen {
		t.Errorf("plan = %s × %d, want big × 1 chosen", plan.HostType, plan.HostsUsed)
	}
	in.Settings.HostType = "nope"
	if _, err := BuildPlan(in); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown host type: err = %v", err)
	}
}
