package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
	"github.com/kvmfit/kvmfit/report/browsertest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.html")

// Hostile names: each tries to run window.__pwned=1 from a different place.
const (
	hostileScript = `</script><script>window.__pwned=1</script>`
	hostileAttr   = `"><img src=x onerror="window.__pwned=1">`
	hostileMarker = `__f__window.__pwned=1__f__`
	hostileQuote  = `'-(window.__pwned=1)-'` + "\u2028"
	hostileHost   = `<b>h</b>&amp;'"` + hostileScript
	hostileType   = `<script>window.__pwned=1</script>`
)

// slots is a day of 5-minute slots.
const slots = 288

var dayStart = time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)

// bump is a smooth daily peak of height h centred on hour c (UTC).
func bump(t int, c, width, h float64) float64 {
	hour := float64(t) * 5 / 60
	d := math.Abs(hour - c)
	d = math.Min(d, 24-d)
	return h * math.Exp(-d*d/(2*width*width))
}

// serverDemand makes a server whose CPU peaks at hour c and whose memory is
// memGiB with a small daily swing.
func serverDemand(id string, base, peak, c, memGiB float64) model.ServerDemand {
	s := model.ServerDemand{ID: id}
	for d := model.Dim(0); d < model.NumDims; d++ {
		s.Values[d] = make([]float64, slots)
	}
	for t := range slots {
		s.Values[model.DimCPU][t] = base + bump(t, c, 2, peak)
		s.Values[model.DimMem][t] = (memGiB + bump(t, c, 3, memGiB/10)) * model.GiB
		s.Values[model.DimDiskIOPS][t] = 50 + bump(t, c, 1, 200)
		s.Values[model.DimDiskBytes][t] = 1e6 + bump(t, c, 1, 2e7)
		s.Values[model.DimNetBytes][t] = 5e5 + bump(t, c, 1, 1e7)
	}
	return s
}

// peaks returns the server's peak per dimension as plan.json holds it.
func peaks(s model.ServerDemand) model.DimValues {
	out := model.DimValues{}
	for d, v := range s.Peaks() {
		out[model.Dim(d).String()] = v
	}
	return out
}

func dims(cpu, mem, iops, disk, net float64) model.DimValues {
	return model.DimValues{"cpu": cpu, "mem": mem, "disk_iops": iops, "disk_bytes": disk, "net_bytes": net}
}

// testInput is a plan of 3 servers on 2 hosts; names are the server IDs
// (web, batch, db), host names and host type.
func testInput(names [3]string, host1, hostType string) Input {
	web, batch, db := names[0], names[1], names[2]
	demand := &model.Demand{
		Start: dayStart, Step: 5 * time.Minute, Slots: slots, Profile: "day",
		Servers: []model.ServerDemand{
			serverDemand(web, 1, 10, 14, 24),
			serverDemand(batch, 0.5, 12, 2, 32),
			serverDemand(db, 4, 6, 11, 96),
		},
	}
	raw := dims(40, 256*model.GiB, 50000, 2e9, 1.25e9)
	usable := dims(30.4, 223.2*model.GiB, 35000, 1.4e9, 8.75e8)
	peak := func(ids ...string) model.DimValues {
		out := model.DimValues{}
		for d := model.Dim(0); d < model.NumDims; d++ {
			sum := make([]float64, slots)
			for _, s := range demand.Servers {
				for _, id := range ids {
					if s.ID == id {
						for t, v := range s.Values[d] {
							sum[t] += v
						}
					}
				}
			}
			m := 0.0
			for _, v := range sum {
				m = math.Max(m, v)
			}
			out[d.String()] = math.Round(1000*100*m/usable[d.String()]) / 1000
		}
		return out
	}
	settings := model.DefaultSettings.Clone()
	settings.TargetCoreScore = 2100
	p := &model.Plan{
		FormatVersion: 1, GeneratedBy: "kvmfit test", Servers: 4, HostType: hostType,
		HostsUsed: 2, LowerBound: 1, ConsolidationRatio: 1.5, SavingVsSumOfPeaksPct: 33.3333,
		Grid:        model.PlanGrid{DataStart: "2024-03-04T00:00:00Z", DataEnd: "2024-03-11T00:00:00Z", StepSec: 300, Profile: "day", Slots: slots},
		Assignments: []model.Assignment{{Server: web, Host: host1}, {Server: batch, Host: host1}, {Server: db, Host: "kvm-02"}},
		Hosts: []model.PlanHost{
			{Name: host1, Type: hostType, Servers: []string{web, batch}, RawCapacity: raw, UsableCapacity: usable,
				PeakUtilPct: peak(web, batch), Binding: "cpu", BindingSlots: []int{24, 25, 26, 167, 168, 169, 170}},
			{Name: "kvm-02", Type: hostType, Servers: []string{db}, RawCapacity: raw, UsableCapacity: usable,
				PeakUtilPct: peak(db), Binding: "mem", BindingSlots: []int{130, 131, 132}},
		},
		Unplaced: []model.Unplaced{{Server: "huge-01", Dim: "mem", Reason: "needs 1024 GiB of memory; an empty " + hostType + " offers 223.2 GiB"}},
		Baselines: model.Baselines{SumOfPeaks: model.Baseline{HostsUsed: 3, LowerBound: 2, Method: "first-fit decreasing on peaks"},
			PercentileComfort: model.Baseline{HostsUsed: 4, LowerBound: 3, Method: "every server at its own P95 × 1.3, packed on " + hostType,
				HostType: hostType, Percentile: 95, Comfort: 1.3}},
		SavingVsPercentileComfortPct: 50,
		Sensitivity: model.Sensitivity{Computed: true, HostType: hostType, WorkBudget: 1_000_000, MaxServers: 5000,
			Method: "one setting changed on " + hostType, Note: "pins are not applied in the sweep (" + hostType + ")",
			Points: []model.SensitivityPoint{
				{Setting: "percentile", Value: 90, Hosts: 2, LowerBound: 1},
				{Setting: "percentile", Value: 95, Hosts: 2, LowerBound: 1, Plan: true},
				{Setting: "percentile", Value: 100, Hosts: 3, LowerBound: 2},
				{Setting: "ceiling_cpu", Value: 70, Hosts: 3, LowerBound: 2},
				{Setting: "ceiling_cpu", Value: 80, Hosts: 2, LowerBound: 1, Plan: true},
				{Setting: "ceiling_mem", Value: 90, Hosts: 2, LowerBound: 1, Plan: true},
				{Setting: "vcpu_per_pcpu", Value: 0, Hosts: 2, LowerBound: 1, Plan: true},
				{Setting: "vcpu_per_pcpu", Value: 2, Hosts: 4, LowerBound: 3, Unplaced: 1},
			}},
		// 500 W and 400 W from inventory, 250 W twice by default; after:
		// 2 hosts × 400 W + the unplaced huge-01's 400 W.
		Power: model.Power{BeforeWatts: 1400, AfterWatts: 1200, HostWatts: 800, DefaultWatts: 250, ServersInventory: 2, ServersDefault: 2},
		Candidates: []model.Candidate{
			// 24,000 + 7,008 + 3,000 licences = 34,008.
			{HostType: hostType, HostsUsed: 2, LowerBound: 1, Unplaced: 1, SumOfPeaksHosts: 3, CapexTotal: 24000, EnergyCostTotal: 7008, LicenceCost: 3000, CostTotal: 34008, RackUnitsTotal: 4, Chosen: true,
				Description: "1U, 2 × 16 cores, 256 GiB, 2 × 3.84 TB NVMe in RAID 1", PriceIncludes: "chassis, CPUs, memory, local NVMe, 5 years of support", StorageFits: true},
			// 35,000 + 5,256.4 + 1,500 licences = 41,756.4; the SAN
			// array is new and has no price.
			{HostType: "big-2u", HostsUsed: 1, LowerBound: 1, SumOfPeaksHosts: 2, CapexTotal: 35000, EnergyCostTotal: 5256.4, LicenceCost: 1500, CostTotal: 41756.4, RackUnitsTotal: 2,
				Description: "2U, 4 × 20 cores, 1 TiB, disks on the SAN", PriceIncludes: "chassis, CPUs, memory", PriceExcludes: "the SAN array",
				StoragePool: "array-a", CostExcludes: []string{"the storage array array-a (new, no price in the catalog)"}, StorageFits: true},
		},
		ServerDetails: []model.PlanServer{
			{ID: web, Hostname: web + ".example", Source: "collect", Dataset: "data/" + web, CoveragePct: 99.5, PeakDemand: peaks(demand.Servers[0]), CPUCoresRef: 16, Host: host1, Watts: 500, WattsSource: "inventory"},
			{ID: batch, Hostname: batch + ".example", Source: "collect", Dataset: "data/" + batch, CoveragePct: 87.25, PeakDemand: peaks(demand.Servers[1]), CPUCoresRef: 16, Host: host1, Watts: 250, WattsSource: "default", Warnings: []string{"coverage below 90%: " + batch}},
			{ID: db, Hostname: db + ".example", Source: "import", Dataset: "data/" + db, CoveragePct: 100, PeakDemand: peaks(demand.Servers[2]), CPUCoresRef: 32, Host: "kvm-02", Watts: 250, WattsSource: "default"},
			{ID: "huge-01", Hostname: "huge-01.example", Source: "import", Dataset: "data/huge-01", CoveragePct: 100, PeakDemand: dims(8, 1024*model.GiB, 10, 1e6, 1e6), CPUCoresRef: 64, Watts: 400, WattsSource: "inventory"},
		},
		Settings: settings,
		Warnings: []string{"server " + batch + ": 12% of slots have no data", "server huge-01 cannot be placed"},
	}
	addAnalysis(p, demand, web, batch, db)
	addOverheadAndStorage(p, web, batch, db)
	h1, h2 := p.Hosts[0].Name, p.Hosts[1].Name
	outcome := func(min, pct, worst float64, over int) model.BacktestOutcome {
		return model.BacktestOutcome{OverloadMinutes: min, OverloadHostMinutesPct: pct, WorstOverloadPct: worst, HostsOverloaded: over}
	}
	p.Backtest = &model.BacktestReport{
		TrainStart: "2024-03-04T00:00:00Z", TrainEnd: "2024-03-11T00:00:00Z", TrainDays: 7,
		TestStart: "2024-03-11T00:00:00Z", TestEnd: "2024-03-18T00:00:00Z", TestDays: 7, ReplayStat: "mean",
		Servers: 4, TestServers: 3, TestCoveragePct: 99.5,
		Methods: []model.BacktestMethod{
			{Method: "kvmfit", Description: "time-aligned P95 profile", HostsUsed: 2, HostsWithoutHA: 2, Unplaced: []string{"huge-01"},
				BacktestOutcome: outcome(35, 0.1736, 4.2, 1),
				Failures: []model.BacktestFailure{
					{Failed: []string{h1}, Stranded: []string{}, OverloadMinutes: 120, WorstOverloadPct: 12.5},
					{Failed: []string{h2}, Stranded: []string{db}},
				}},
			{Method: "sum_of_peaks", Description: "every server at its own peak", HostsUsed: 3, HostsWithoutHA: 3, Unplaced: []string{"huge-01"}},
			{Method: "percentile_comfort", Description: "per-VM P95 × 1.3", HostsUsed: 2, HostsWithoutHA: 2, Unplaced: []string{"huge-01"},
				BacktestOutcome: outcome(1250, 6.2, 18.75, 2)},
		},
		Bootstrap: model.BootstrapResult{Reps: 20, MedianHosts: 2, P95Hosts: 3, MinHosts: 2, MaxHosts: 3, Hosts: []int{}, Method: "days resampled with replacement"},
		Warnings:  []string{"the test window has no month end"},
		// Predicted from the training window: 20 host-minutes a month over
		// the ceiling (10–30), none over capacity.
		PredictedRisk: &model.RiskPrediction{Method: "rolling origin inside the training window",
			Origins: []model.RiskOrigin{
				{TrainEnd: "2024-02-26T00:00:00Z", TestEnd: "2024-03-04T00:00:00Z", TrainDays: 7, TestDays: 7, Hosts: 2, OverCeilingMinutes: 2.33},
				{TrainEnd: "2024-03-04T00:00:00Z", TestEnd: "2024-03-11T00:00:00Z", TrainDays: 14, TestDays: 7, Hosts: 2, OverCeilingMinutes: 7},
			},
			OverCeilingMinutesPerMonth: model.RiskRange{Predicted: 20, Low: 10, High: 30}},
	}
	// The replay of kvmfit's plan: 35 minutes over the ceiling and 2 over
	// capacity in 7 days with data, 150 and 8.6 a month.
	k := &p.Backtest.Methods[0]
	k.ObservedMinutes, k.TestMinutes, k.OverCapacityMinutes = 7*24*60, 7*24*60, 2
	return Input{Plan: p, Demand: demand}
}

// addAnalysis fills what the model computes (server, host and fleet
// analysis, the HA report) the way kvmfit plan does, from the model's own
// functions: web's data is complete, batch has 3 days of 7 and saturated
// CPU, db grows; KSM is on; the peak window is 12 hours so that batch (2:00)
// and db (11:00) peak together; failing kvm-02 strands db.
func addAnalysis(p *model.Plan, demand *model.Demand, web, batch, db string) {
	s := &p.Settings
	s.KSM, s.PeakWindowMinutes = true, 720
	s.PercentileByDim = model.DimValues{"cpu": 95, "mem": 100, "disk_iops": 95, "disk_bytes": 95, "net_bytes": 95}
	p.HostsWithoutHA, p.LowerBoundGapPct = 2, 100
	os := map[string]string{web: "windows", batch: "linux", db: "linux"}
	idx := map[string]int{}
	for i, sd := range demand.Servers {
		idx[sd.ID] = i
	}
	var analyses []model.ServerAnalysis
	for i := range p.ServerDetails {
		ps := &p.ServerDetails[i]
		a := model.ServerAnalysis{OSFamily: os[ps.ID]}
		a.Confidence = profile.RateConfidence(2016, 2016, 300, *s)
		a.Saturation = model.Saturation{DaysWithData: 7, UpliftApplied: 1}
		a.Growth = model.Growth{GlobalFactor: 1, CPUFactor: 1, MemFactor: 1, CPUTrendPctPerYear: 3.5, MemTrendPctPerYear: -1.25}
		a.Rightsize = model.Rightsizing{VCPUs: 4, CPUStatistic: "P95 of busy reference cores per slot / 70% target utilisation; 1 vCPU = 1 reference core",
			MemBytes: 20 * model.GiB, MemStatistic: "P100 of used memory (interval max) + 15%, rounded up to 0.5 GiB", CurrentCores: 8, CurrentVCPUs: 16, CurrentMemBytes: 32 * model.GiB}
		switch ps.ID {
		case batch:
			a.Confidence = profile.RateConfidence(864, 2016, 300, *s)
			a.Saturation = model.Saturation{Flagged: true, DaysSaturated: 2, DaysWithData: 3, LongestMinutes: 95, UpliftApplied: 1.25}
			a.Rightsize.VCPUs = 18
		case db:
			a.Growth = model.Growth{GlobalFactor: 1, CPUFactor: 1.1, MemFactor: 1.05, CPUTrendPctPerYear: 40, CPUTrendSignificant: true, MemTrendPctPerYear: 12.5, MemTrendSignificant: true}
			a.Rightsize.CurrentCores, a.Rightsize.CurrentVCPUs, a.Rightsize.CurrentMemBytes, a.Rightsize.MemBytes = 16, 32, 128*model.GiB, 112*model.GiB
		case "huge-01":
			a.Rightsize.CurrentCores, a.Rightsize.CurrentVCPUs = 32, 64
		}
		if i, ok := idx[ps.ID]; ok {
			a.CPUPeakSlot, _ = profile.PeakSlot(demand.Servers[i].Values[model.DimCPU])
			analyses = append(analyses, a)
		}
		ps.Analysis = a
	}
	p.Fleet = profile.AnalyzeFleet(demand, analyses, *s)
	// The servers with samples have 8 + 8 + 16 cores and twice as many
	// threads: their vCPUs today.
	p.Fleet.CurrentCores, p.Fleet.CurrentVCPUs = 32, 64
	for g, grp := range p.Fleet.PeakGroups {
		for _, id := range grp.Servers {
			for i := range p.ServerDetails {
				if p.ServerDetails[i].ID == id {
					p.ServerDetails[i].Analysis.PeakGroup = g + 1
				}
			}
		}
	}
	osFamily := make([]string, len(demand.Servers))
	for i, sd := range demand.Servers {
		osFamily[i] = os[sd.ID]
	}
	for h := range p.Hosts {
		p.Hosts[h].HeadroomPct = model.DimValues{}
		for k, v := range p.Hosts[h].PeakUtilPct {
			p.Hosts[h].HeadroomPct[k] = math.Round(1000*(100-v)) / 1000
		}
		var members []int
		for _, id := range p.Hosts[h].Servers {
			members = append(members, idx[id])
		}
		p.Hosts[h].Analysis = profile.AnalyzeHost(demand, members, osFamily, *s)
		p.Fleet.KSMSavingBytes += p.Hosts[h].Analysis.KSMSavingBytes
	}
	host1, host2 := p.Hosts[0].Name, p.Hosts[1].Name
	p.HA = model.HAReport{
		Level: 1, Method: "every host fails in turn; its servers restart on the first surviving host where they fit",
		Scenarios: []model.FailureScenario{
			{Failed: []string{host1}, Moves: []model.Assignment{{Server: web, Host: host2}, {Server: batch, Host: host2}}, Stranded: []string{}, OK: true},
			{Failed: []string{host2}, Moves: []model.Assignment{}, Stranded: []string{db}, OK: false},
		},
	}
	p.PackSettings = model.PackSettings{HALevel: 1, WorkBudget: 30000000, TimeLimitSec: 60}
	p.Unplaced[0].Constraint = "max_vms_per_host"
	addPlacementAndRisk(p, batch)
}

// addPlacementAndRisk fills what kvmfit plan adds after the search: every
// server's entitlement on a target host of core score 2100 (a vCPU can use
// 2.1 reference cores, × 1.05: 2.205), batch's evidence reserve (data for 3
// of 7 days: 4/7 of its unused entitlement), the levelling and the
// predicted risk (two origins: 45 host-minutes a month over the ceiling,
// 6 over capacity).
func addPlacementAndRisk(p *model.Plan, batch string) {
	vcpus := map[string]int{batch: 16}
	for i := range p.ServerDetails {
		ps := &p.ServerDetails[i]
		n := vcpus[ps.ID]
		if n == 0 {
			n = int(ps.CPUCoresRef)
		}
		e := model.Entitlement{VCPUs: n, CPUCapCoresRef: math.Round(float64(n)*2.205*1e6) / 1e6, MemEntitledBytes: float64(ps.Analysis.Rightsize.CurrentMemBytes)}
		if ps.ID == batch {
			e.SlotsCapped, e.EvidenceWeight, e.ReserveCPUCoresRef, e.ReserveMemBytes = 3, 0.571429, 12.5, 6*model.GiB
		}
		ps.Analysis.Entitlement = e
	}
	p.Placement = model.Placement{Objective: "level the load: minimise the sum of squared peak utilisations", Moves: 1, Work: 1234567,
		MaxUtilPctBefore: 92.5, MaxUtilPctAfter: 88.25}
	p.Risk = model.RiskPrediction{
		Method: "rolling origin: plan on the weeks before a week boundary, replay the week after; host-minutes per 30 days",
		Origins: []model.RiskOrigin{
			{TrainEnd: "2024-02-26T00:00:00Z", TestEnd: "2024-03-04T00:00:00Z", TrainDays: 7, TestDays: 7, Hosts: 2, OverCeilingMinutes: 7, OverCapacityMinutes: 0, WorstOverloadPct: 2.5},
			{TrainEnd: "2024-03-04T00:00:00Z", TestEnd: "2024-03-11T00:00:00Z", TrainDays: 14, TestDays: 7, Hosts: 2, OverCeilingMinutes: 14, OverCapacityMinutes: 2.8, WorstOverloadPct: 7.5},
		},
		OverCeilingMinutesPerMonth:  model.RiskRange{Predicted: 45, Low: 30, High: 60},
		OverCapacityMinutesPerMonth: model.RiskRange{Predicted: 6, Low: 0, High: 12},
		WorstOverloadPct:            7.5,
	}
}

// addOverheadAndStorage fills plan.json overhead and storage by hand.
//
// Overhead: each host reserves 2 cores of 2.125 reference cores (4.25) and
// 8 GiB. host 1 (web, batch) at its CPU peak: CPU factor 0.55 + I/O 0.2 +
// reserve 4.25 = 5.00 reference cores, 12.5 % of 40; memory 0.5 + 8 =
// 8.5 GiB, 3.3 % of 256. kvm-02 (db): 0.45 + 0.05 + 4.25 = 4.75 (11.9 %),
// 0.25 + 8 = 8.25 GiB (3.2 %). The fleet at its CPU peak: 0.9 + 0.22 + 8.5
// = 9.62 of 80 (12.0 %), 0.75 + 16 = 16.75 GiB of 512 (3.3 %). Packed
// without virtualisation the load needs 1 host: virtualisation costs 1 of
// the 2.
//
// Storage: web 200 GiB of disks, 80 used (metric) → 100 after (× 1.25);
// batch 100, 40 used (inventory) → 50; db 2,000 GiB, use unknown: placed
// at its size; huge-01 has no figure. Fleet: 2,300 GiB = 2.47 TB
// provisioned, 2,120 GiB = 2.28 TB used, 2,150 GiB = 2.31 TB after. Hosts
// of 3.84 TB under the 85 % ceiling = 3.264 TB: host 1 holds 150 GiB
// (4.9 %), kvm-02 2,000 GiB (65.8 %).
func addOverheadAndStorage(p *model.Plan, web, batch, db string) {
	g := float64(model.GiB)
	p.Overhead = model.Overhead{
		Virt:   "kvm-virtio",
		Method: "per-VM overhead at the CPU peak: (cpu_virt_factor − 1) × guest CPU, the CPU cost of the guests' I/O, the per-VM memory; the host reserve of every host",
		Fleet: model.OverheadFigures{Slot: 168, CPUFactorCoresRef: 0.9, IOCPUCoresRef: 0.22, VMMemBytes: 0.75 * g,
			HostReserveCoresRef: 8.5, HostReserveMemBytes: 16 * g, CPUCoresRef: 9.62, MemBytes: 16.75 * g, CPUSharePct: 12.025, MemSharePct: 3.271484375},
		Hosts: []model.HostOverhead{
			{Host: p.Hosts[0].Name, OverheadFigures: model.OverheadFigures{Slot: 168, CPUFactorCoresRef: 0.55, IOCPUCoresRef: 0.2, VMMemBytes: 0.5 * g,
				HostReserveCoresRef: 4.25, HostReserveMemBytes: 8 * g, CPUCoresRef: 5, MemBytes: 8.5 * g, CPUSharePct: 12.5, MemSharePct: 3.3203125}},
			{Host: p.Hosts[1].Name, OverheadFigures: model.OverheadFigures{Slot: 132, CPUFactorCoresRef: 0.45, IOCPUCoresRef: 0.05, VMMemBytes: 0.25 * g,
				HostReserveCoresRef: 4.25, HostReserveMemBytes: 8 * g, CPUCoresRef: 4.75, MemBytes: 8.25 * g, CPUSharePct: 11.875, MemSharePct: 3.22265625}},
		},
		Presets: []model.VirtComparison{
			{Virt: "kvm-virtio", CPUVirtFactor: 1.05, FleetPeakCPUCoresRef: 30.1, FleetPeakMemBytes: 160 * g, HostReserveCores: 2, HostReserveMemBytes: 8 * g, Hosts: 2, LowerBound: 1, Plan: true},
			{Virt: "kvm-emulated", CPUVirtFactor: 1.2, FleetPeakCPUCoresRef: 34.4, FleetPeakMemBytes: 160 * g, HostReserveCores: 2, HostReserveMemBytes: 8 * g, Hosts: 2, LowerBound: 2},
			{Virt: "lxc", CPUVirtFactor: 1, FleetPeakCPUCoresRef: 28.75, FleetPeakMemBytes: 152.5 * g, HostReserveCores: 1, HostReserveMemBytes: 2 * g, Hosts: 1, LowerBound: 1},
			{Virt: "none", CPUVirtFactor: 1, FleetPeakCPUCoresRef: 28.6, FleetPeakMemBytes: 152 * g, Hosts: 1, LowerBound: 1},
		},
		PresetsNote: "each preset packed with the constructive heuristics only",
		HostsCost:   1,
		Summary:     "Virtualisation costs 1 of the 2 hosts: without it (bare metal) the load would need 1",
	}
	st := map[string]model.ServerStorage{
		web:       {ProvisionedBytes: 200 * g, UsedBytes: 80 * g, DemandBytes: 100 * g, Source: "metric"},
		batch:     {ProvisionedBytes: 100 * g, UsedBytes: 40 * g, DemandBytes: 50 * g, Source: "inventory"},
		db:        {ProvisionedBytes: 2000 * g, UsedBytes: 2000 * g, DemandBytes: 2000 * g, Source: "provisioned"},
		"huge-01": {Source: "unknown"},
	}
	for i := range p.ServerDetails {
		p.ServerDetails[i].Storage = st[p.ServerDetails[i].ID]
	}
	p.Storage = model.StoragePlan{
		Method:       "each VM's disks take its used bytes × the growth factor (the disks' size where use is unknown), packed on the hosts' local storage under the ceiling",
		GrowthFactor: 1.25, CeilingPct: 85,
		ProvisionedBytes: 2300 * g, UsedBytes: 2120 * g, DemandBytes: 2150 * g,
		ServersMetric: 1, ServersInventory: 1, ServersProvisioned: 1, ServersUnknown: 1,
		HostType: p.HostType, Local: true,
	}
	p.Hosts[0].StorageBytes, p.Hosts[0].StorageCapacityBytes = 150*g, 3.264e12
	p.Hosts[1].StorageBytes, p.Hosts[1].StorageCapacityBytes = 2000*g, 3.264e12
}

func normalInput() Input {
	return testInput([3]string{"web-01", "batch-01", "db-01"}, "kvm-01", "std-1u")
}

func hostileInput() Input {
	in := testInput([3]string{hostileScript, hostileAttr, hostileMarker}, hostileHost, hostileType)
	in.Plan.Warnings = append(in.Plan.Warnings, hostileQuote, hostileScript)
	in.Plan.ServerDetails[0].Hostname = `<img src=x onerror=window.__pwned=1>`
	in.Plan.Settings.HostType = hostileType
	in.Plan.ServerDetails[1].Analysis.OSFamily = hostileAttr
	in.Plan.Unplaced[0].Constraint = hostileScript
	in.Plan.Backtest.Warnings = append(in.Plan.Backtest.Warnings, hostileScript)
	in.Plan.Backtest.Methods[0].Description = hostileAttr
	in.Plan.HA.Method = hostileScript
	in.Plan.Candidates[0].Mix = []model.HostCount{{HostType: hostileType, Hosts: 2}}
	in.Plan.Placement.Objective = hostileAttr
	in.Plan.Risk.Method, in.Plan.Risk.Note = hostileScript, hostileQuote
	in.Plan.Risk.Origins[0].TrainEnd = hostileAttr
	in.Plan.Backtest.PredictedRisk.Origins = nil
	in.Plan.Backtest.PredictedRisk.Note = hostileScript
	c := &in.Plan.Candidates[1]
	c.Description, c.PriceIncludes, c.PriceExcludes = hostileAttr, hostileScript, hostileAttr
	c.CostExcludes, c.StoragePool = []string{hostileAttr}, hostileScript
	o := &in.Plan.Overhead
	o.Summary, o.Method, o.PresetsNote, o.Virt = hostileScript, hostileAttr, hostileScript, hostileAttr
	in.Plan.Storage.Method = hostileScript
	in.Plan.ServerDetails[0].Storage.Source = hostileAttr
	return in
}

func render(t testing.TB, in Input, opts ...Option) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, in, opts...); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// tagRE matches a start tag as html/template writes it: every attribute
// value in double quotes, with no '"' inside (it is escaped as &#34;).
var (
	tagRE  = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s"'=<>/]+(?:\s*=\s*"[^"]*")?)*)\s*/?>`)
	attrRE = regexp.MustCompile(`([^\s"'=<>/]+)(?:\s*=\s*"([^"]*)")?`)
)

type tag struct {
	text  string
	attrs [][2]string // name, raw value
}

// pageTags returns the start tags of s with their attributes. A '<'
// inside a quoted attribute value does not start a tag.
func pageTags(s string) []tag {
	var out []tag
	for _, m := range tagRE.FindAllStringSubmatch(s, -1) {
		tg := tag{text: m[0]}
		for _, a := range attrRE.FindAllStringSubmatch(m[2], -1) {
			tg.attrs = append(tg.attrs, [2]string{a[1], a[2]})
		}
		out = append(out, tg)
	}
	return out
}

var scriptRE = regexp.MustCompile(`(?is)<script[^>]*>(.*?)</script>`)

// checkPage checks what every page must satisfy.
func checkPage(t *testing.T, html []byte) {
	t.Helper()
	s := string(html)
	// Exactly our three scripts: ECharts, the chart setup and the table.
	scripts := scriptRE.FindAllStringSubmatch(s, -1)
	if len(scripts) != 3 {
		t.Fatalf("page has %d <script> elements, want 3", len(scripts))
	}
	if n := strings.Count(strings.ToLower(s), "<script"); n != 3 {
		t.Errorf("page has %d \"<script\", want 3", n)
	}
	if scripts[2][1] != tableJS {
		t.Errorf("third script is not tableJS")
	}
	// Every start tag outside the scripts parses as html/template writes
	// them, so the attribute checks below see every attribute.
	markup := scriptRE.ReplaceAllString(s, "<script></script>")
	if n, m := len(regexp.MustCompile(`<[a-zA-Z]`).FindAllString(markup, -1)), len(pageTags(markup)); n != m {
		t.Errorf("page has %d start tags, but only %d parse", n, m)
	}
	// No inline event handlers (the CSP would block them anyway).
	for _, tag := range pageTags(markup) {
		for _, a := range tag.attrs {
			if strings.HasPrefix(strings.ToLower(a[0]), "on") {
				t.Errorf("%s: inline event handler %s", tag.text, a[0])
			}
		}
	}
	if js, _ := echartsInline(); scripts[0][1] != js {
		t.Errorf("first script is not the embedded echarts.min.js")
	}
	if strings.ContainsAny(scripts[0][1]+scripts[1][1]+scripts[2][1], "\r\x00") {
		t.Errorf("a script holds CR or NUL, which the HTML parser changes: the CSP hash would not match")
	}
	if !strings.Contains(scripts[0][1], `version="5.4.3"`) && !strings.Contains(scripts[0][1], `"5.4.3"`) {
		t.Errorf("inlined ECharts does not carry its version 5.4.3")
	}
	// The CSP allows exactly these scripts.
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(s)
	if csp == nil {
		t.Fatal("no Content-Security-Policy <meta>")
	}
	for i, sc := range scripts {
		if h := cspHash(sc[1]); !strings.Contains(csp[1], h) {
			t.Errorf("CSP %q lacks the hash %s of script %d", csp[1], h, i)
		}
	}
	if src := regexp.MustCompile(`script-src ([^;]*)`).FindStringSubmatch(csp[1]); src == nil ||
		len(strings.Fields(src[1])) != len(scripts) || strings.Contains(src[1], "unsafe") {
		t.Errorf("CSP %q: script-src must list exactly the %d script hashes", csp[1], len(scripts))
	}
	if !strings.Contains(csp[1], "default-src 'none'") {
		t.Errorf("CSP %q does not default to 'none'", csp[1])
	}
	// Nothing loads from outside the file. The library itself is left out of
	// the scan: it holds markup in strings, e.g. for its save-as-image view.
	s = strings.Replace(s, scripts[0][1], "", 1)
	lower := strings.ToLower(s)
	for _, bad := range []string{`src="http`, `src='http`, `href="http`, `href='http`, `src="//`, `href="//`,
		`@import`, `url(http`, `url(//`, `<link`, `<iframe`, `<img`, `go-echarts.github.io`, `jsdelivr`, `unpkg`, `cdnjs`} {
		if i := strings.Index(lower, bad); i >= 0 {
			t.Errorf("page contains %q: …%s…", bad, s[max(0, i-60):min(len(s), i+60)])
		}
	}
	// Every src or href attribute is a fragment link.
	for _, tag := range pageTags(markup) {
		for _, a := range tag.attrs {
			switch strings.ToLower(a[0]) {
			case "src", "href", "action", "srcset", "poster", "data":
				if !strings.HasPrefix(a[1], "#") {
					t.Errorf("%s: attribute %s=%q is not a fragment link", tag.text, a[0], a[1])
				}
			}
		}
	}
}

func TestWrite(t *testing.T) {
	html := render(t, normalInput())
	checkPage(t, html)
	s := string(html)
	for _, want := range []string{
		"<title>kvmfit consolidation plan</title>",
		`id="chart-summary"`, `id="chart-host-001-cpu"`, `id="chart-host-001-mem"`,
		`id="chart-host-002-cpu"`, `id="chart-host-002-mem"`,
		"4 → 2", "33.3 %", "std-1u", "big-2u", "34,008", "✔ chosen",
		"web-01", "batch-01.example", "87.2", "huge-01", "needs 1024 GiB of memory",
		"cpu (binding)", "02:00–02:15, 13:55–14:15 UTC",
		"first-fit decreasing on peaks", "coverage below 90%: batch-01",
		barKvmfit, barSumOfPeaks, barLowerBound,
		// Settings, with bytes spelled out.
		"host_reserve_mem_bytes", "8 GiB", "ceiling_pct", "cpu 80, disk_bytes 70, disk_iops 70, mem 90, net_bytes 70",
		"host_type_requested",
		// Capacity lines and the time axis.
		`"name":"usable capacity"`, `"name":"raw capacity"`, `"type":"dashed"`, `"stack":"demand"`,
		`"00:00","00:05"`, `"23:55"`,
		"Apache ECharts 5.4.3",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Every settings field is listed.
	for _, r := range settingRows(model.DefaultSettings) {
		if !strings.Contains(s, ">"+r.Key+"<") {
			t.Errorf("settings table lacks %s", r.Key)
		}
	}
	if n, want := len(settingRows(model.DefaultSettings)), exportedFields(model.Settings{}); n != want {
		t.Errorf("settings rows: %d, want %d (one per field of model.Settings)", n, want)
	}
	if got := render(t, normalInput(), WithTitle("Fleet A")); !bytes.Contains(got, []byte("<title>Fleet A</title>")) {
		t.Error("WithTitle did not set the title")
	}
}

func TestWriteDeterministic(t *testing.T) {
	a := render(t, normalInput())
	b := render(t, normalInput())
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same input differ")
	}
	// The order of Demand.Servers does not matter: it is looked up by ID.
	in := normalInput()
	s := in.Demand.Servers
	s[0], s[2] = s[2], s[0]
	if c := render(t, in); !bytes.Equal(a, c) {
		t.Fatal("the order of Demand.Servers changed the page")
	}
}

// TestWriteGolden compares the page, with the ECharts library cut out, with
// testdata/report.golden.html. Run with -update to rewrite it.
func TestWriteGolden(t *testing.T) {
	js, _ := echartsInline()
	got := bytes.Replace(render(t, normalInput()), []byte(js), []byte("/* echarts.min.js "+echartsVersion+" */"), 1)
	path := filepath.Join("testdata", "report.golden.html")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run TestWriteGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		gotPath := filepath.Join(t.TempDir(), "report.got.html")
		_ = os.WriteFile(gotPath, got, 0o644)
		t.Errorf("page differs from %s; got is in %s (diff them, or rerun with -update)", path, gotPath)
	}
}

func TestWriteHostileNames(t *testing.T) {
	html := render(t, hostileInput(), WithTitle(hostileScript))
	checkPage(t, html)
	js, _ := echartsInline()
	s := strings.Replace(string(html), js, "", 1) // the library holds markup in strings
	if setup := scriptRE.FindAllStringSubmatch(s, -1)[1][1]; strings.ContainsAny(setup, "\u2028\u2029") {
		t.Error("chart setup script holds a raw U+2028 or U+2029")
	}
	for _, bad := range []string{
		"</script><script>window.__pwned", "<script>window.__pwned", `"><img`, "<img src=x",
		"<b>h</b>", "onerror=\"window",
		// go-echarts would strip "__f__" and unquote the string.
		`"name":window.__pwned`, `:window.__pwned=1`,
	} {
		if i := strings.Index(s, bad); i >= 0 {
			t.Errorf("page contains raw %q: …%s…", bad, s[max(0, i-80):min(len(s), i+80)])
		}
	}
	for _, want := range []string{
		// Escaped in HTML.
		"&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;",
		"&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;",
		"&lt;b&gt;h&lt;/b&gt;&amp;amp;&#39;&#34;",
		// Escaped in the chart options.
		`"name":"\u003c/script\u003e\u003cscript\u003ewindow.__pwned=1\u003c/script\u003e"`,
		`"name":"\"\u003e\u003cimg src=x onerror=\"window.__pwned=1\"\u003e"`,
		`"name":"__f__window.__pwned=1__f__"`,
		// The server table: ids, hostnames, host links and the warnings'
		// title attribute.
		`<tr id="server-0001"><td class="id">&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;</td><td class="id">&lt;img src=x onerror=window.__pwned=1&gt;</td>`,
		`<a class="id" href="#host-001">&lt;b&gt;h&lt;/b&gt;&amp;amp;&#39;&#34;&lt;/script&gt;`,
		`title="coverage below 90%: &#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;"`,
		// The decision paragraph names the host type.
		`Buy 2 × &lt;script&gt;window.__pwned=1&lt;/script&gt; for 3 servers`,
		// The VMs of a host: the OS family.
		`<td>&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;</td>`,
		// Risks: the unplaced server's constraint, the HA method, the
		// failed host, the backtest's warnings and method description.
		`<td>&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;</td><td>needs 1024 GiB`,
		`<span class="badge bad">N+1 fails</span> &lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;.`,
		`<tr><td><a class="id" href="#host-001">&lt;b&gt;h&lt;/b&gt;&amp;amp;&#39;&#34;&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;</a></td><td class="n">2</td>`,
		`<li>&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;</li>`,
		`<td>&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;</td></tr>`,
		// The candidates' mix.
		`(2 × &lt;script&gt;window.__pwned=1&lt;/script&gt;)`,
		// The peak group lists its members, escaped.
		`<a class="id" href="#server-0002">&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;</a>, <a class="id" href="#server-0003">__f__window.__pwned=1__f__</a>`,
		// Warnings grouped by kind: the kind and the items.
		`<summary>&lt;/script&gt;&lt;script&gt;window.__pwned=N&lt;/script&gt; <span class="badge">`,
		// The placement's objective, the risk's method, note and origins,
		// the backtest's prediction note.
		`Objective: &#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt; (plan.json`,
		`Method: &lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;. <span class="w">&#39;-(window.__pwned=1)-&#39;`,
		`<tr><td>&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;</td><td>2024-03-04</td>`,
		`No prediction to set beside the replay: &lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;.`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks the escaped form %q", want)
		}
	}
	// The heat map carries no data strings: its axes are hours, weekdays or
	// resources.
	if i := strings.Index(s, `{"id":"chart-heatmap"`); i < 0 {
		t.Error("no heat map")
	} else {
		opt := s[i:]
		opt = opt[:1+strings.Index(opt[1:], `{"id":"`)]
		for _, name := range []string{"pwned", "script", "__f__"} {
			if strings.Contains(opt, name) {
				t.Errorf("heat map option holds %q", name)
			}
		}
	}
	// A host's most correlated pair names its servers, escaped.
	if !strings.Contains(s, `most correlated: <a class="id" href="#server-0001">&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;</a> – <a class="id" href="#server-0002">&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;</a>`) {
		t.Error("the correlated pair is not listed, escaped")
	}
	// The fleet overlap charts name every server (3 ≤ overlapSeries), escaped.
	for _, id := range []string{"chart-overlap-cpu", "chart-overlap-mem"} {
		i := strings.Index(s, `{"id":"`+id+`"`)
		if i < 0 {
			t.Fatalf("no %s", id)
		}
		opt := s[i:]
		opt = opt[:1+strings.Index(opt[1:], `{"id":"`)]
		for _, name := range []string{
			`"name":"\u003c/script\u003e\u003cscript\u003ewindow.__pwned=1\u003c/script\u003e"`,
			`"name":"\"\u003e\u003cimg src=x onerror=\"window.__pwned=1\"\u003e"`,
			`"name":"__f__window.__pwned=1__f__"`,
		} {
			if !strings.Contains(opt, name) {
				t.Errorf("%s lacks the escaped series %s", id, name)
			}
		}
	}
}

func TestEmbeddedECharts(t *testing.T) {
	lower := strings.ToLower(echartsMinJS)
	// Inlined in <script>, the library must not close or confuse the element.
	for _, bad := range []string{"</script", "<!--", "<script"} {
		if strings.Contains(lower, bad) {
			t.Errorf("echarts.min.js contains %q and cannot be inlined as is", bad)
		}
	}
	versions, err := os.ReadFile(filepath.Join("assets", "VERSIONS"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(echartsMinJS))
	if !bytes.Contains(versions, []byte(hex.EncodeToString(sum[:]))) {
		t.Errorf("assets/VERSIONS does not list the sha256 %x of echarts.min.js", sum)
	}
	if !bytes.Contains(versions, []byte("version:   "+echartsVersion)) {
		t.Errorf("assets/VERSIONS does not list version %s", echartsVersion)
	}
	for _, f := range []string{"LICENSE-echarts", "NOTICE-echarts", "LICENSE-d3"} {
		if _, err := os.Stat(filepath.Join("assets", f)); err != nil {
			t.Error(err)
		}
	}
}

func TestStackItems(t *testing.T) {
	var members []*model.ServerDemand
	for i := range 35 {
		s := model.ServerDemand{ID: fmt.Sprintf("s%02d", i)}
		s.Values[model.DimCPU] = []float64{float64(i), 1}
		members = append(members, &s)
	}
	items := stackItems(members, model.DimCPU, maxStackedSeries)
	if len(items) != maxStackedSeries {
		t.Fatalf("got %d series, want %d", len(items), maxStackedSeries)
	}
	if items[0].name != "s34" || items[28].name != "s06" {
		t.Errorf("top series are %s … %s, want s34 … s06 (largest peak first)", items[0].name, items[28].name)
	}
	last := items[len(items)-1]
	if last.name != "others (6 servers)" {
		t.Errorf("last series is %q", last.name)
	}
	if want := []float64{0 + 1 + 2 + 3 + 4 + 5, 6}; last.values[0] != want[0] || last.values[1] != want[1] {
		t.Errorf("others = %v, want %v", last.values, want)
	}
	if got := stackItems(members[:30], model.DimCPU, maxStackedSeries); len(got) != 30 || got[0].name != "s00" {
		t.Errorf("30 servers: got %d series starting with %s, want all 30 in host order", len(got), got[0].name)
	}
}

func TestSlotRanges(t *testing.T) {
	d := &model.Demand{Start: dayStart, Step: 5 * time.Minute, Slots: slots}
	for _, c := range []struct {
		slots []int
		want  string
	}{
		{nil, ""},
		{[]int{0}, "00:00–00:05 UTC"},
		{[]int{287, 12, 13, 14}, "01:00–01:15, 23:55–00:00 UTC"},
		{[]int{0, 2, 4, 6, 8, 10, 12, 14}, "00:00–00:05, 00:10–00:15, 00:20–00:25, 00:30–00:35, 00:40–00:45, 00:50–00:55, and 2 more UTC"},
	} {
		if got := slotRanges(c.slots, d, model.PlanGrid{}); got != c.want {
			t.Errorf("slotRanges(%v) = %q, want %q", c.slots, got, c.want)
		}
	}
	// Without demand, the grid's step from midnight.
	if got := slotRanges([]int{12}, nil, model.PlanGrid{StepSec: 300}); got != "01:00–01:05 UTC" {
		t.Errorf("from grid: %q", got)
	}
}

func TestWriteErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, Input{}); err == nil {
		t.Error("Write without a plan succeeded")
	}
	in := normalInput()
	in.Demand.Servers[1].Values[model.DimMem] = in.Demand.Servers[1].Values[model.DimMem][:10]
	if err := Write(&buf, in); err == nil || !strings.Contains(err.Error(), "batch-01") {
		t.Errorf("short demand row: err = %v", err)
	}
	if buf.Len() != 0 {
		t.Errorf("failed Write wrote %d bytes", buf.Len())
	}
}

func TestWriteWithoutDemand(t *testing.T) {
	in := normalInput()
	in.Demand = nil
	html := render(t, in)
	checkPage(t, html)
	if bytes.Contains(html, []byte("chart-host-")) {
		t.Error("host charts without demand")
	}
	if !bytes.Contains(html, []byte("No demand data was given")) {
		t.Error("no note about the missing demand")
	}
	// A server missing from the demand is named.
	in = normalInput()
	in.Demand.Servers = in.Demand.Servers[:2]
	if html := render(t, in); !bytes.Contains(html, []byte("No demand data for: <span class=\"id\">db-01</span>")) {
		t.Error("no note about db-01 missing from the demand")
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, normalInput()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, render(t, normalInput())) {
		t.Error("file differs from Write's output")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, %v; want 0644", fi.Mode(), err)
	}
	// A failed render leaves the old file and no temporary file.
	if err := WriteFile(path, Input{}); err == nil {
		t.Error("WriteFile without a plan succeeded")
	}
	if got2, _ := os.ReadFile(path); !bytes.Equal(got2, got) {
		t.Error("failed WriteFile changed the file")
	}
	if err := WriteFile(filepath.Join(dir, "missing", "r.html"), normalInput()); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only report.html", names)
	}
}

// artifact returns where to write a test artifact: $KVMFIT_ARTIFACTS if set,
// else a temporary directory.
func artifact(t *testing.T, name string) string {
	dir := os.Getenv("KVMFIT_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	return filepath.Join(dir, name)
}

func TestChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	dir := t.TempDir()
	t.Run("plan", func(t *testing.T) {
		path := filepath.Join(dir, "report.html")
		if err := WriteFile(path, normalInput()); err != nil {
			t.Fatal(err)
		}
		shot := artifact(t, "report-screenshot.png")
		res := browsertest.Check(t, path, shot)
		// The summary, the sensitivity sweep, two overlap charts, the heat
		// map and two per host.
		if res.Charts != 9 {
			t.Errorf("%d charts drew (%v), want 9", res.Charts, res.ChartIDs)
		}
		if res.Screenshot != "" {
			t.Logf("screenshot: %s", res.Screenshot)
		}
	})
	t.Run("200 servers", func(t *testing.T) {
		path := filepath.Join(dir, "large.html")
		if err := WriteFile(path, benchInput()); err != nil {
			t.Fatal(err)
		}
		if res := browsertest.Check(t, path, ""); res.Charts != 45 {
			t.Errorf("%d charts drew, want 45", res.Charts)
		}
	})
	t.Run("hostile", func(t *testing.T) {
		path := filepath.Join(dir, "hostile.html")
		if err := WriteFile(path, hostileInput(), WithTitle(hostileScript)); err != nil {
			t.Fatal(err)
		}
		res := browsertest.Check(t, path, artifact(t, "hostile-screenshot.png"))
		// The summary, the sensitivity sweep, two overlap charts, the heat
		// map and two per host.
		if res.Charts != 9 {
			t.Errorf("%d charts drew (%v), want 9", res.Charts, res.ChartIDs)
		}
		// The tooltips show the hostile names as text.
		all := strings.Join(res.Tooltips, "\n")
		for _, name := range []string{hostileScript, hostileAttr} {
			if !strings.Contains(all, name) {
				t.Errorf("no tooltip shows %q as text; tooltips: %q", name, res.Tooltips)
			}
		}
	})
}

// benchInput is 200 servers on 20 hosts.
func benchInput() Input {
	in := normalInput()
	p := in.Plan
	p.Hosts, p.Assignments, p.ServerDetails = nil, nil, nil
	in.Demand.Servers = nil
	for h := range 20 {
		host := model.PlanHost{
			Name: fmt.Sprintf("kvm-%02d", h+1), Type: p.HostType,
			RawCapacity: dims(40, 256*model.GiB, 50000, 2e9, 1.25e9), UsableCapacity: dims(30.4, 223.2*model.GiB, 35000, 1.4e9, 8.75e8),
			PeakUtilPct: dims(80, 70, 10, 10, 10), Binding: "cpu", BindingSlots: []int{150, 151},
		}
		for i := range 10 {
			id := fmt.Sprintf("srv-%03d", h*10+i)
			sd := serverDemand(id, 0.5, 2.5, float64((h+i)%24), 16)
			in.Demand.Servers = append(in.Demand.Servers, sd)
			host.Servers = append(host.Servers, id)
			p.Assignments = append(p.Assignments, model.Assignment{Server: id, Host: host.Name})
			p.ServerDetails = append(p.ServerDetails, model.PlanServer{ID: id, Hostname: id, Source: "collect", CoveragePct: 100, PeakDemand: peaks(sd), Host: host.Name})
		}
		p.Hosts = append(p.Hosts, host)
	}
	p.Servers, p.HostsUsed, p.HostsWithoutHA = 200, 20, 20
	p.Fleet, p.HA = model.FleetAnalysis{}, model.HAReport{}
	return in
}

// BenchmarkWrite renders plans of 200 servers on 20 hosts and of 5,000
// servers on 100 hosts (a day of 5-minute slots) and reports the page size.
func BenchmarkWrite(b *testing.B) {
	for _, c := range []struct {
		name string
		in   Input
	}{
		{"servers=200/hosts=20", benchInput()},
		{"servers=5000/hosts=100", largeInput(5000, 100, slots)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				var buf bytes.Buffer
				if err := Write(&buf, c.in); err != nil {
					b.Fatal(err)
				}
				n = buf.Len()
			}
			b.ReportMetric(float64(n), "html_bytes")
		})
	}
}

func TestWriteCrowdedHost(t *testing.T) {
	in := benchInput()
	p := in.Plan
	all := p.Hosts[0]
	all.Servers = nil
	for _, h := range p.Hosts {
		all.Servers = append(all.Servers, h.Servers...)
	}
	p.Hosts = []model.PlanHost{all}
	html := string(render(t, in))
	if n := strings.Count(html, `"name":"others (171 servers)"`); n != 2 {
		t.Errorf("%d \"others (171 servers)\" series, want one per chart (2)", n)
	}
	// Two host charts and two fleet overlap charts.
	if n := strings.Count(html, `"stack":"demand"`); n != 2*maxStackedSeries+2*overlapSeries {
		t.Errorf("%d stacked series, want %d", n, 2*maxStackedSeries+2*overlapSeries)
	}
}

// TestGoEchartsScriptIsUnsafe is why report encodes chart options itself
// instead of using the <script> of go-echarts' RenderSnippet: go-echarts
// v2.6.7 writes the options with HTML escaping off and strips "__f__" from
// them. If this test fails after a go-echarts upgrade, its snippet may have
// become safe to use.
func TestGoEchartsScriptIsUnsafe(t *testing.T) {
	line := charts.NewLine()
	line.SetGlobalOptions(charts.WithInitializationOpts(opts.Initialization{ChartID: "c"}))
	line.SetXAxis([]string{"00:00"})
	line.AddSeries(hostileScript, []opts.LineData{{Value: 1}})
	line.AddSeries(hostileMarker, []opts.LineData{{Value: 1}})
	snippet := line.RenderSnippet()
	if !strings.Contains(snippet.Script, hostileScript) {
		t.Errorf("go-echarts now escapes '<' in its option script")
	}
	if !strings.Contains(snippet.Script, `"name":window.__pwned=1`) {
		t.Errorf("go-echarts no longer strips __f__ from data strings")
	}
}
