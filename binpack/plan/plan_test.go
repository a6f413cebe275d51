package plan

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
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
		Fleet: profile.Fleet{
			Demand: &model.Demand{Slots: 2, Profile: "day", Servers: []model.ServerDemand{
				mk("a", 3, 1), mk("b", 1, 3), mk("c", 2, 2),
			}},
			Servers: []model.PlanServer{{ID: "a"}, {ID: "b"}, {ID: "c"}, {ID: "d"}},
			NoData:  []model.Unplaced{{Server: "d", Reason: "no samples: nothing to size"}},
		},
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
		{HostType: "small", HostsUsed: 2, LowerBound: 2, Unplaced: 1, SumOfPeaksHosts: 3, CapexTotal: 2000, EnergyCostTotal: 1753.2, CostTotal: 3753.2, RackUnitsTotal: 2, Chosen: true, HostsWithoutHA: 2, StorageFits: true},
		{HostType: "big", HostsUsed: 1, LowerBound: 1, Unplaced: 1, SumOfPeaksHosts: 1, CapexTotal: 2500, EnergyCostTotal: 1314.9, CostTotal: 3814.9, RackUnitsTotal: 1, HostsWithoutHA: 1, StorageFits: true},
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

// staggeredFleet: four servers over 20 slots, each at 5 cores for its own
// 5 slots and 1 core elsewhere, on one model of 10 cores (ceilings 100 %,
// no reserve). Time-aligned, every slot sums to 5 + 3 × 1 = 8 cores: one
// host. Each server's P95 (nearest rank: the 19th of 20 values) is 5, so
// P95 × 1.3 = 6.5 cores and no two share a host: four hosts. Sum of
// peaks: 5 + 5 = 10 per host: two hosts.
func staggeredFleet() PlanInput {
	s := model.DefaultSettings.Clone()
	s.HostReserveCores, s.HostReserveMemBytes = 0, 0
	for k := range s.CeilingPct {
		s.CeilingPct[k] = 100
	}
	var servers []model.ServerDemand
	var details []model.PlanServer
	for k := range 4 {
		d := model.ServerDemand{ID: string(rune('a' + k))}
		for dim := range model.NumDims {
			d.Values[dim] = make([]float64, 20)
		}
		for t := range 20 {
			d.Values[model.DimCPU][t] = 1
			if t/5 == k {
				d.Values[model.DimCPU][t] = 5
			}
		}
		servers = append(servers, d)
		details = append(details, model.PlanServer{ID: d.ID, CPUCoresRef: 2})
	}
	return PlanInput{
		Fleet: profile.Fleet{Demand: &model.Demand{Slots: 20, Profile: "day", Servers: servers}, Servers: details},
		Catalog: &model.Catalog{Hosts: []model.HostSpec{{Name: "h10", Cores: 10, Threads: 10, CPUScorePerCore: 1000,
			MemBytes: model.ByteSize(64 * model.GiB), StorageIOPS: 1000, StorageBytesPerSec: 1e9, NetBytesPerSec: 1e9,
			Price: 1000, Watts: 400, RackUnits: 1}}},
		Settings:    s,
		GeneratedBy: "test",
		Pack:        PackOptions{PercentileBaseline: true, SensitivityMaxServers: 100},
	}
}

func TestPercentileComfortBaseline(t *testing.T) {
	plan, err := BuildPlan(staggeredFleet())
	if err != nil {
		t.Fatal(err)
	}
	pc := plan.Baselines.PercentileComfort
	if plan.HostsWithoutHA != 1 || plan.Baselines.SumOfPeaks.HostsUsed != 2 || pc.HostsUsed != 4 {
		t.Fatalf("hosts %d, sum of peaks %d, P95 × 1.3 %d; want 1, 2, 4", plan.HostsWithoutHA, plan.Baselines.SumOfPeaks.HostsUsed, pc.HostsUsed)
	}
	// L2: every server is above half a host, so no two share one.
	if pc.LowerBound != 4 || pc.Percentile != 95 || pc.Comfort != 1.3 || pc.HostType != "h10" || !strings.Contains(pc.Method, "profiled demand") {
		t.Errorf("baseline %+v", pc)
	}
	if plan.SavingVsPercentileComfortPct != 75 || plan.SavingVsSumOfPeaksPct != 50 {
		t.Errorf("savings %g%% vs P95 × 1.3, %g%% vs sum of peaks; want 75, 50", plan.SavingVsPercentileComfortPct, plan.SavingVsSumOfPeaksPct)
	}
	// Sizes given from the samples are used as they are: 3.5 cores each,
	// two per host of 10 cores.
	in := staggeredFleet()
	for _, sd := range in.Demand.Servers {
		in.PercentileComfort = append(in.PercentileComfort, model.FlatSize{ID: sd.ID, Size: model.Capacity{3.5}})
	}
	plan, err = BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	if pc := plan.Baselines.PercentileComfort; pc.HostsUsed != 2 || !strings.Contains(pc.Method, "from the samples") || plan.SavingVsPercentileComfortPct != 50 {
		t.Errorf("baseline %+v, saving %g%%; want 2 hosts, 50%%", pc, plan.SavingVsPercentileComfortPct)
	}
	in.Pack.PercentileBaseline = false
	if plan, _ = BuildPlan(in); plan.Baselines.PercentileComfort.HostsUsed != 0 || plan.SavingVsPercentileComfortPct != 0 {
		t.Errorf("baseline computed when not asked: %+v", plan.Baselines.PercentileComfort)
	}
}

func TestSensitivityHandComputed(t *testing.T) {
	in := staggeredFleet()
	in.Settings.CeilingPct["cpu"] = 80 // 8 usable cores: the 8-core slots just fit
	// At P100 each server peaks at 6: a slot sums to 6 + 3 = 9 > 8 cores.
	p100 := *in.Demand
	p100.Servers = nil
	for _, sd := range in.Demand.Servers {
		c := sd
		c.Values[model.DimCPU] = slices.Clone(sd.Values[model.DimCPU])
		for t, v := range c.Values[model.DimCPU] {
			if v == 5 {
				c.Values[model.DimCPU][t] = 6
			}
		}
		p100.Servers = append(p100.Servers, c)
	}
	in.PercentileDemands = []profile.PercentileDemand{{Percentile: 100, Demand: &p100}}
	// 8 vCPUs each: a 2:1 limit allows 20 vCPUs per 10-core host, two servers.
	in.VCPUs = map[string]int{"a": 8, "b": 8, "c": 8, "d": 8}
	plan, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	sv := plan.Sensitivity
	if !sv.Computed || sv.HostType != "h10" || sv.WorkBudget != 0 || sv.MaxServers != 100 {
		t.Fatalf("sensitivity %+v", sv)
	}
	type pt struct {
		setting string
		value   float64
		hosts   int
		lb      int
		plan    bool
	}
	want := []pt{
		{"percentile", 95, 1, 1, true}, {"percentile", 100, 2, 2, false},
		// 70 % = 7 cores, 75 % = 7.5: the 8-core slots need two hosts.
		{"ceiling_cpu", 70, 2, 2, false}, {"ceiling_cpu", 75, 2, 2, false}, {"ceiling_cpu", 80, 1, 1, true},
		{"ceiling_cpu", 85, 1, 1, false}, {"ceiling_cpu", 90, 1, 1, false},
		// Memory (ceiling 100 %): only the points at or below 100.
		{"ceiling_mem", 90, 1, 1, false}, {"ceiling_mem", 95, 1, 1, false}, {"ceiling_mem", 100, 1, 1, true},
		{"vcpu_per_pcpu", 0, 1, 1, true}, {"vcpu_per_pcpu", 2, 2, 2, false},
		{"vcpu_per_pcpu", 4, 1, 1, false}, {"vcpu_per_pcpu", 8, 1, 1, false},
	}
	var got []pt
	for _, p := range sv.Points {
		got = append(got, pt{p.Setting, p.Value, p.Hosts, p.LowerBound, p.Plan})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("points\n got %v\nwant %v", got, want)
	}
	// Above the fleet limit the sweep is skipped, with a note.
	in.Pack.SensitivityMaxServers = 3
	plan, err = BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	if sv := plan.Sensitivity; sv.Computed || len(sv.Points) != 0 || !strings.Contains(sv.Note, "4 servers is more than the sweep's limit of 3") {
		t.Errorf("sensitivity above the limit: %+v", sv)
	}
}

// TestPlanPower: 2 servers with inventory watts (300, 200) and one at the
// 250 W default: 750 W before; after: one 400 W host.
func TestPlanPower(t *testing.T) {
	in := staggeredFleet()
	in.Servers = in.Servers[:3]
	in.Demand.Servers = in.Demand.Servers[:3]
	in.Servers[0].Watts, in.Servers[1].Watts = 300, 200
	plan, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	want := model.Power{BeforeWatts: 750, AfterWatts: 400, HostWatts: 400, DefaultWatts: 250, ServersInventory: 2, ServersDefault: 1}
	if plan.Power != want {
		t.Errorf("power %+v, want %+v", plan.Power, want)
	}
	var src []string
	for _, ps := range plan.ServerDetails {
		src = append(src, fmt.Sprintf("%s %g %s", ps.ID, ps.Watts, ps.WattsSource))
	}
	if w := []string{"a 300 inventory", "b 200 inventory", "c 250 default"}; !reflect.DeepEqual(src, w) {
		t.Errorf("server watts %v, want %v", src, w)
	}
	// An unplaced server keeps drawing its watts after.
	in = planFixture()
	in.Servers[3].Watts = 123 // d has no samples
	plan, err = BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Power.BeforeWatts != 3*250+123 || plan.Power.AfterWatts != 2*100+123 {
		t.Errorf("power %+v, want 873 before, 323 after", plan.Power)
	}
}
