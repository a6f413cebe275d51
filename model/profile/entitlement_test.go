package profile

import (
	"testing"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

// TestCPUCap: a VM never needs more than its vCPUs can use on the target
// host. profileServer has 4 vCPUs; on a host whose cores score 1000 (one
// reference core each) they can use 4 × 1.05 = 4.2 reference cores.
func TestCPUCap(t *testing.T) {
	s := maxSettings()
	s.TargetCoreScore = 1000
	p, err := Server(profileServer(), s)
	if err != nil {
		t.Fatal(err)
	}
	e := p.Analysis.Entitlement
	if e.VCPUs != 4 || !modeltest.Close(e.CPUCapCoresRef, 4.2, 1e-12) {
		t.Fatalf("entitlement %+v, want 4 vCPUs and a cap of 4.2", e)
	}
	// Day 0 slot 100 (90 % busy = 5.67) is the only slot above the cap.
	if e.SlotsCapped != 1 {
		t.Errorf("%d slots capped, want 1", e.SlotsCapped)
	}
	cpu := p.Demand.Values[model.DimCPU]
	if !modeltest.Close(cpu[100], 4.2, 1e-12) || !modeltest.Close(cpu[0], 0.4*6*1.05, 1e-12) {
		t.Errorf("cpu slot 100 = %g (want 4.2), slot 0 = %g (want 2.52)", cpu[100], cpu[0])
	}
	// Margins never lift a slot above the cap: comfort 2 doubles slot 0
	// (day 1: 5.04) but the cap holds it at 4.2.
	s.ComfortFactor = 2
	p, err = Server(profileServer(), s)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Demand.Values[model.DimCPU][0]; !modeltest.Close(got, 4.2, 1e-12) {
		t.Errorf("comfort 2: cpu slot 0 = %g, want the cap 4.2", got)
	}
	// Without a target core score there is no cap.
	s = maxSettings()
	p, err = Server(profileServer(), s)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Demand.Values[model.DimCPU][100]; !modeltest.Close(got, 0.9*6*1.05, 1e-12) {
		t.Errorf("no target score: cpu slot 100 = %g, want 5.67", got)
	}
}

// TestEvidenceReserve: a server with data for only part of the fleet's
// span keeps the share of the span it has no data for of what it is
// entitled to and did not show, as a reserve beside its demand (the planner
// fits it within the hosts' full capacity), not in it. Two servers of 4
// cores (cap 4 × 1.05 = 4.2 reference cores on a host scoring 1000) and
// 8 GiB at 25 % CPU and 4 GiB: "full" has 4 days of data, "late" only the
// last day.
func TestEvidenceReserve(t *testing.T) {
	dir := t.TempDir()
	writeFleet(t, dir,
		fleetServer{name: "full", inv: inv4("full"), days: 4, cpuPct: 25},
		fleetServer{name: "late", inv: inv4("late"), startDay: 3, days: 1, cpuPct: 25})
	s := model.DefaultSettings.Clone()
	s.TargetCoreScore = 1000
	f, err := Datasets([]string{dir}, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]int{}
	for k, sd := range f.Demand.Servers {
		byID[sd.ID] = k
	}
	cpu := 0.25 * 4 * 1.05 // planned CPU, every slot
	for _, ps := range f.Servers {
		e := ps.Analysis.Entitlement
		sd := f.Demand.Servers[byID[ps.ID]]
		w, cpuRes, memRes := 0.0, 0.0, 0.0
		if ps.ID == "late" {
			w = 0.75 // 1 day of 4
			cpuRes = w * (4.2 - cpu)
			memRes = w * (8 - 4) * model.GiB // entitled (8 GiB + overhead) − planned (4 GiB + overhead)
		}
		if !modeltest.Close(e.EvidenceWeight, w, 1e-6) || !modeltest.Close(e.ReserveCPUCoresRef, cpuRes, 1e-6) || !modeltest.Close(e.ReserveMemBytes, memRes, 1) {
			t.Errorf("%s: %+v, want weight %g, reserve %g cores and %g bytes", ps.ID, e, w, cpuRes, memRes)
		}
		if got := sd.Values[model.DimCPU][0]; !modeltest.Close(got, cpu, 1e-9) {
			t.Errorf("%s: cpu slot 0 = %g, want %g (the reserve is not demand)", ps.ID, got, cpu)
		}
		if got := sd.Values[model.DimMem][0]; !modeltest.Close(got, memDemand, 1e-3) {
			t.Errorf("%s: mem slot 0 = %g, want %g (the reserve is not demand)", ps.ID, got, memDemand)
		}
	}
	// Off: what was measured.
	s.EvidenceReserve = false
	if f, err = Datasets([]string{dir}, s, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, sd := range f.Demand.Servers {
		if got := sd.Values[model.DimCPU][0]; !modeltest.Close(got, cpu, 1e-9) {
			t.Errorf("reserve off: %s cpu = %g, want %g", sd.ID, got, cpu)
		}
	}
	for _, ps := range f.Servers {
		if e := ps.Analysis.Entitlement; e.EvidenceWeight != 0 || e.ReserveCPUCoresRef != 0 || e.ReserveMemBytes != 0 {
			t.Errorf("reserve off: %s: %+v, want no reserve", ps.ID, e)
		}
	}
}

// TestBaselineSizesMeasured: the baselines size what was measured: no cap,
// no reserve.
func TestBaselineSizesMeasured(t *testing.T) {
	s := maxSettings()
	s.TargetCoreScore = 1000
	peak, _, err := PeakAndPercentileSizes(profileServer(), s, 95, 1.3)
	if err != nil {
		t.Fatal(err)
	}
	if !modeltest.Close(peak[model.DimCPU], 0.9*6*1.05, 1e-7) { // float32 timeline
		t.Errorf("sum-of-peaks CPU size %g, want the measured peak 5.67 (above the cap 4.2)", peak[model.DimCPU])
	}
}

// TestRightsizeCountsTargetCores: right-sizing and the cap agree on what a
// vCPU is. P95 busy of 3.5 reference cores at a 70 % target is 5 reference
// cores: 5 vCPUs of reference-speed cores, 3 vCPUs (⌈2.5⌉) of cores
// scoring 2000.
func TestRightsizeCountsTargetCores(t *testing.T) {
	busy := []float64{3.5, 3.5, 3.5}
	n := model.CPUNorm{Cores: 8, CoresRef: 8}
	s := model.DefaultSettings.Clone()
	if r := Rightsize(busy, nil, model.Inventory{}, n, 1, s); r.VCPUs != 5 {
		t.Errorf("no target: %d vCPUs, want 5 (%s)", r.VCPUs, r.CPUStatistic)
	}
	s.TargetCoreScore = 2000
	if r := Rightsize(busy, nil, model.Inventory{}, n, 1, s); r.VCPUs != 3 {
		t.Errorf("target cores of 2 reference cores: %d vCPUs, want 3 (%s)", r.VCPUs, r.CPUStatistic)
	}
}
