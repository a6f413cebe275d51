package plan

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
)

func TestParseConstraints(t *testing.T) {
	good := `
anti_affinity:
  - name: sql-pair
    servers: [sql01, sql02]
affinity:
  - name: app
    servers: [web01, app01]
pin:
  db01: rack1-host
max_vms_per_host: 20
vcpu_per_pcpu: 4
ceiling_pct: {cpu: 70}
`
	c, err := ParseConstraints([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxVMsPerHost != 20 || c.VCPUPerPCPU != 4 || c.Pin["db01"] != "rack1-host" || len(c.AntiAffinity[0].Servers) != 2 {
		t.Errorf("parsed %+v", c)
	}
	if err := c.Check([]string{"sql01", "sql02", "web01", "app01", "db01"}); err != nil {
		t.Error(err)
	}
	err = c.Check([]string{"sql01", "web01", "app01", "db01"})
	if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), `"sql02"`) {
		t.Errorf("unknown server: %v", err)
	}
	for _, bad := range []struct{ yaml, want string }{
		{"max_vms_per_hosts: 3\n", "max_vms_per_hosts"},
		{"ceiling_pct: {gpu: 50}\n", "line 1"},
		{"vcpu_per_pcpu: -1\n", "line 1"},
		{"anti_affinity:\n  - name: a\n    servers: [x]\n", "line 2"},
	} {
		if _, err := ParseConstraints([]byte(bad.yaml)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: err = %v, want it to mention %q", bad.yaml, err, bad.want)
		}
	}
	c, _ = ParseConstraints([]byte("anti_affinity:\n  - name: a\n    servers: [x, y]\naffinity:\n  - name: b\n    servers: [x, y]\n"))
	if err := c.Check([]string{"x", "y"}); err == nil || !strings.Contains(err.Error(), "affinity group") {
		t.Errorf("contradiction: %v", err)
	}
}

// planInput returns a plan input of n servers with a daily pattern.
func planInput(n int, seed uint64) PlanInput {
	servers := fleet(n, 24, seed)
	in := planFixture()
	in.Demand = &model.Demand{Slots: 24, Profile: "day", Servers: servers}
	in.Servers = nil
	in.NoData = nil
	for _, it := range servers {
		in.Servers = append(in.Servers, model.PlanServer{ID: it.ID})
	}
	spec := func(name string, cores int, memGiB int64, price float64) model.HostSpec {
		return model.HostSpec{Name: name, Cores: cores, Threads: cores, CPUScorePerCore: 1000,
			MemBytes: model.ByteSize(memGiB * model.GiB), StorageIOPS: 1e5, StorageBytesPerSec: 4e9, NetBytesPerSec: 4e9,
			Price: price, Watts: 300, RackUnits: 1}
	}
	in.Catalog = &model.Catalog{Hosts: []model.HostSpec{spec("small", 16, 128, 5000), spec("large", 48, 512, 16000)}}
	return in
}

// checkPlan verifies the plan invariants: every server assigned once or
// unplaced with a reason, no host over its usable capacity in any slot, HA
// scenarios consistent.
func checkPlan(t *testing.T, name string, in PlanInput, plan *model.Plan) {
	t.Helper()
	byID := map[string]*model.ServerDemand{}
	for i := range in.Demand.Servers {
		byID[in.Demand.Servers[i].ID] = &in.Demand.Servers[i]
	}
	count := map[string]int{}
	for _, h := range plan.Hosts {
		var load [model.NumDims][]float64
		for d := range model.NumDims {
			load[d] = make([]float64, in.Demand.Slots)
		}
		for _, s := range h.Servers {
			count[s]++
			for d := range model.NumDims {
				for t2, v := range byID[s].Values[d] {
					load[d][t2] += v
				}
			}
		}
		for d := range model.NumDims {
			c := h.UsableCapacity[d.String()]
			for t2, v := range load[d] {
				if v > c*(1+1e-6)+1e-9 {
					t.Errorf("%s: host %s over %s in slot %d: %g > %g", name, h.Name, d, t2, v, c)
				}
			}
		}
	}
	for _, u := range plan.Unplaced {
		count[u.Server]++
		if u.Reason == "" {
			t.Errorf("%s: %s unplaced without reason", name, u.Server)
		}
	}
	for _, s := range in.Servers {
		if count[s.ID] != 1 {
			t.Errorf("%s: server %s appears %d times", name, s.ID, count[s.ID])
		}
	}
	if plan.HostsUsed != len(plan.Hosts) || plan.HostsWithoutHA < plan.LowerBound && len(plan.Unplaced) == 0 {
		t.Errorf("%s: hosts %d (%d listed, %d without HA), lower bound %d", name, plan.HostsUsed, len(plan.Hosts), plan.HostsWithoutHA, plan.LowerBound)
	}
	if plan.HA.Level > 0 && plan.HA.Holds {
		for _, sc := range plan.HA.Scenarios {
			if !sc.OK || len(sc.Stranded) > 0 {
				t.Errorf("%s: HA holds but scenario %v strands %v", name, sc.Failed, sc.Stranded)
			}
		}
	}
}

func TestBuildPlanConstraintsAndHA(t *testing.T) {
	in := planInput(60, 5)
	in.Pack = PackOptions{Work: 2e6, HA: 1, Mix: true}
	cons := `
anti_affinity:
  - name: pair
    servers: [srv00001, srv00002, srv00003]
affinity:
  - name: stack
    servers: [srv00010, srv00011]
pin:
  srv00020: special
max_vms_per_host: 6
`
	c, err := ParseConstraints([]byte(cons))
	if err != nil {
		t.Fatal(err)
	}
	in.Pack.Constraints = c
	plan, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, "constraints", in, plan)
	hostOf := map[string]string{}
	for _, a := range plan.Assignments {
		hostOf[a.Server] = a.Host
	}
	if hostOf["srv00001"] == hostOf["srv00002"] || hostOf["srv00002"] == hostOf["srv00003"] || hostOf["srv00001"] == hostOf["srv00003"] {
		t.Errorf("anti-affinity broken: %s %s %s", hostOf["srv00001"], hostOf["srv00002"], hostOf["srv00003"])
	}
	if hostOf["srv00010"] != hostOf["srv00011"] {
		t.Errorf("affinity broken: %s %s", hostOf["srv00010"], hostOf["srv00011"])
	}
	if hostOf["srv00020"] != "special" {
		t.Errorf("pin broken: %s", hostOf["srv00020"])
	}
	for _, h := range plan.Hosts {
		if len(h.Servers) > 6 {
			t.Errorf("host %s has %d servers, max 6", h.Name, len(h.Servers))
		}
	}
	if !plan.HA.Holds || len(plan.HA.Scenarios) != plan.HostsUsed || plan.HostsUsed != plan.HostsWithoutHA+plan.HA.SpareHostsAdded {
		t.Errorf("HA: holds %v, %d scenarios, %d hosts (%d + %d spares)", plan.HA.Holds, len(plan.HA.Scenarios), plan.HostsUsed, plan.HostsWithoutHA, plan.HA.SpareHostsAdded)
	}
	// Deterministic: the same input gives the same plan.
	plan2, _ := BuildPlan(in)
	if !reflect.DeepEqual(plan, plan2) {
		t.Error("two runs differ")
	}
}

func TestBuildPlanFixedFleet(t *testing.T) {
	in := planInput(40, 9)
	in.Pack = PackOptions{Work: 1e6, NoNewHosts: true, HA: 1,
		Existing: []ExistingHost{{Name: "old-a", Type: "small"}, {Name: "old-b", Type: "small"}}}
	plan, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, "fixed", in, plan)
	if plan.HostsUsed != 2 || !plan.Hosts[0].Existing || plan.Hosts[0].Name != "old-a" {
		t.Errorf("hosts %d, first %+v", plan.HostsUsed, plan.Hosts[0].Name)
	}
	if len(plan.Unplaced) == 0 {
		t.Fatal("40 servers should not fit two small hosts")
	}
	for _, u := range plan.Unplaced {
		if u.Constraint != "no new hosts" || !strings.Contains(u.Reason, "fits none of the 2 hosts") {
			t.Errorf("unplaced %s: %q %q", u.Server, u.Constraint, u.Reason)
		}
	}
	if plan.Hosts[0].HeadroomPct["mem"] < 0 {
		t.Errorf("headroom %v", plan.Hosts[0].HeadroomPct)
	}
}

func TestBuildPlanOrderIndependent(t *testing.T) {
	in := planInput(50, 3)
	in.Pack = PackOptions{Work: 1e6, HA: 1, Mix: true}
	plan, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, "order", in, plan)
	rev := in
	rev.Demand = &model.Demand{Slots: in.Demand.Slots, Profile: "day", Servers: slices.Clone(in.Demand.Servers)}
	slices.Reverse(rev.Demand.Servers)
	plan2, err := BuildPlan(rev)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(plan.Assignments, plan2.Assignments) || !reflect.DeepEqual(plan.Candidates, plan2.Candidates) {
		t.Error("plan depends on the order of the servers")
	}
}

func TestHAHandComputed(t *testing.T) {
	// Four servers of 4 cores on hosts of 10 usable cores: two per host,
	// 2 hosts. Failing either strands both of its servers on a host at 8
	// of 10, so N+1 adds one spare host, on which both restart.
	in := planFixture()
	mk := func(id string) model.ServerDemand {
		d := model.ServerDemand{ID: id}
		for dim := range model.NumDims {
			d.Values[dim] = []float64{0, 0}
		}
		d.Values[model.DimCPU] = []float64{4, 4}
		return d
	}
	in.Demand = &model.Demand{Slots: 2, Profile: "day", Servers: []model.ServerDemand{mk("a"), mk("b"), mk("c"), mk("d")}}
	in.Servers = []model.PlanServer{{ID: "a"}, {ID: "b"}, {ID: "c"}, {ID: "d"}}
	in.NoData = nil
	in.Catalog.Hosts = in.Catalog.Hosts[:1]
	in.Catalog.Hosts[0].Cores = 10
	in.Pack = PackOptions{HA: 1, Work: 1e5}
	plan, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	if plan.HostsWithoutHA != 2 || plan.HostsUsed != 3 || plan.HA.SpareHostsAdded != 1 || !plan.HA.Holds || len(plan.HA.Scenarios) != 3 {
		t.Fatalf("hosts %d (%d without HA, %d spares), holds %v, %d scenarios", plan.HostsUsed, plan.HostsWithoutHA, plan.HA.SpareHostsAdded, plan.HA.Holds, len(plan.HA.Scenarios))
	}
	sc := plan.HA.Scenarios[0]
	if !reflect.DeepEqual(sc.Failed, []string{"host-01"}) || len(sc.Moves) != 2 || sc.Moves[0].Host != "host-03" || !plan.Hosts[2].Spare {
		t.Errorf("scenario 0: %+v", sc)
	}
	if plan.Candidates[0].HostsWithoutHA != 2 || plan.Candidates[0].HostsUsed != 3 {
		t.Errorf("candidate %+v", plan.Candidates[0])
	}
	// The saving against sum of peaks compares packings without spares.
	if plan.SavingVsSumOfPeaksPct != 0 {
		t.Errorf("saving %.2f%%, want 0 (flat demand)", plan.SavingVsSumOfPeaksPct)
	}
}

func TestUnplacedByConstraint(t *testing.T) {
	in := planInput(10, 2)
	c, err := ParseConstraints([]byte("affinity:\n  - name: big\n    servers: [srv00001, srv00002, srv00003]\nmax_vms_per_host: 2\nvcpu_per_pcpu: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	in.Pack = PackOptions{Constraints: c}
	in.VCPUs = map[string]int{"srv00004": 1000}
	plan, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, "constraints", in, plan)
	got := map[string]model.Unplaced{}
	for _, u := range plan.Unplaced {
		got[u.Server] = u
	}
	for _, s := range []string{"srv00001", "srv00002", "srv00003"} {
		if u := got[s]; u.Constraint != "max_vms_per_host" || u.Dim != "vms" || !strings.Contains(u.Reason, `affinity group "big"`) {
			t.Errorf("%s: %+v", s, u)
		}
	}
	if u := got["srv00004"]; u.Constraint != "vcpu_per_pcpu" || u.Dim != "vcpu" {
		t.Errorf("srv00004: %+v", u)
	}
	if len(plan.Warnings) == 0 || !strings.Contains(strings.Join(plan.Warnings, " "), "no vCPU count") {
		t.Errorf("warnings %v", plan.Warnings)
	}
}

func TestBuildPlanMix(t *testing.T) {
	// Five servers of 4 cores. big (10 cores, 1000): 2 per host → 3 hosts,
	// 3000. small (4 cores, 700): 5 hosts, 3500. The mix moves the big host
	// holding one server to a small one: 2 big + 1 small = 2700.
	in := planFixture()
	var srv []model.ServerDemand
	in.Servers = nil
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		d := model.ServerDemand{ID: id}
		for dim := range model.NumDims {
			d.Values[dim] = []float64{0, 0}
		}
		d.Values[model.DimCPU] = []float64{4, 4}
		srv = append(srv, d)
		in.Servers = append(in.Servers, model.PlanServer{ID: id})
	}
	in.Demand = &model.Demand{Slots: 2, Profile: "day", Servers: srv}
	in.NoData = nil
	in.Settings.Years = 0 // capex only
	in.Catalog.Hosts[0].Cores, in.Catalog.Hosts[0].Price = 4, 700
	in.Catalog.Hosts[1].Cores, in.Catalog.Hosts[1].Price = 10, 1000
	in.Pack = PackOptions{Mix: true, Work: 1e5}
	plan, err := BuildPlan(in)
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, "mix", in, plan)
	if len(plan.Candidates) != 3 || plan.HostType != "mix" || plan.HostsUsed != 3 {
		t.Fatalf("candidates %+v, chosen %s × %d", plan.Candidates, plan.HostType, plan.HostsUsed)
	}
	mix := plan.Candidates[2]
	want := []model.HostCount{{HostType: "big", Hosts: 2}, {HostType: "small", Hosts: 1}}
	if mix.CostTotal != 2700 || !reflect.DeepEqual(mix.Mix, want) || !mix.Chosen {
		t.Errorf("mix candidate %+v", mix)
	}
}
