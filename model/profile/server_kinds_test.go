package profile

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

// TestServerWeek folds profileServer (Thursday 2026-01-01 and Friday) by
// time of week: each time of week has one day of data.
func TestServerWeek(t *testing.T) {
	s := maxSettings()
	s.Profile = "week"
	p, err := Server(profileServer(), s)
	if err != nil {
		t.Fatal(err)
	}
	const spd = 288
	thu, fri := 3*spd, 4*spd
	tests := []struct {
		slot int
		want float64
	}{
		{thu, 20.0 / 100 * 6 * 1.05},       // Thursday = day 0: max 20 %
		{fri, 40.0 / 100 * 6 * 1.05},       // Friday = day 1: 40 %
		{thu + 100, 90.0 / 100 * 6 * 1.05}, // day 0's spike
		{fri + 100, 10.0 / 100 * 6 * 1.05}, // day 1 at slot 100: 10 %
		{0, 40.0 / 100 * 6 * 1.05},         // Monday: no data, the time-of-day P95 (max of 20, 40)
		{100, 90.0 / 100 * 6 * 1.05},       // Monday slot 100: time of day P95 = 90 %
		{thu + 200, 90.0 / 100 * 6 * 1.05}, // no data at 200 on any day: the day profile's peak
	}
	row := p.Demand.Values[model.DimCPU]
	if len(row) != 7*spd {
		t.Fatalf("%d slots, want %d", len(row), 7*spd)
	}
	for _, tc := range tests {
		if got := row[tc.slot]; !modeltest.Close(got, tc.want, 1e-12) {
			t.Errorf("cpu slot %d = %v, want %v", tc.slot, got, tc.want)
		}
	}
	ovh := 0.002*8*model.GiB + 218*model.MiB + 4*8*model.MiB
	if got := p.Demand.Values[model.DimMem][thu]; !modeltest.Close(got, 2*model.GiB+ovh, 1e-12) {
		t.Errorf("mem Thursday = %v, want %v", got, 2*model.GiB+ovh)
	}
	if n := len(p.Demand.Values[model.DimNetBytes]); n != 7*spd {
		t.Errorf("unmeasured net: %d slots, want %d", n, 7*spd)
	}
	if !slices.ContainsFunc(p.Warnings, func(w string) bool { return strings.HasPrefix(w, "cpu: 1442 of 2016 times of week") }) {
		t.Errorf("no week-fill warning in %q", p.Warnings) // 2016 − 2 × 287 slots with data = 1442
	}
}

// TestServerFull keeps profileServer's timeline and places it on a
// 4-day grid that starts a day before the data.
func TestServerFull(t *testing.T) {
	s := maxSettings()
	s.Profile = "full"
	p, err := Server(profileServer(), s)
	if err != nil {
		t.Fatal(err)
	}
	if !p.FullStart.Equal(modeltest.T0) || len(p.Full[model.DimCPU]) != 576 || p.Full[model.DimNetBytes] != nil {
		t.Fatalf("FullStart %s, %d CPU slots, net %v", p.FullStart, len(p.Full[model.DimCPU]), p.Full[model.DimNetBytes] != nil)
	}
	g := Grid{Start: modeltest.T0.Add(-24 * time.Hour), Step: 300 * time.Second, Slots: 4 * 288}
	sd, filled := p.OnGrid(g)
	day := p.Demand.Values[model.DimCPU] // the time-of-day P95 profile
	tests := []struct {
		slot int
		want float64
	}{
		{0, day[0]},                  // before the data: time-of-day fill
		{288, 20.0 / 100 * 6 * 1.05}, // day 0, slot 0
		{288 + 100, 90.0 / 100 * 6 * 1.05},
		{288 + 200, day[200]}, // gap: fill (the day profile's peak, 5.67)
		{576, 40.0 / 100 * 6 * 1.05},
		{576 + 100, 10.0 / 100 * 6 * 1.05},
		{864 + 5, day[5]}, // after the data
	}
	for _, tc := range tests {
		if got := sd.Values[model.DimCPU][tc.slot]; !modeltest.Close(got, tc.want, 1e-6) {
			t.Errorf("cpu slot %d = %v, want %v", tc.slot, got, tc.want)
		}
	}
	if !modeltest.Close(day[200], 90.0/100*6*1.05, 1e-12) {
		t.Errorf("day profile at 200 = %v", day[200])
	}
	// 288 before + 2 gaps + 288 after.
	if filled[model.DimCPU] != 578 || filled[model.DimNetBytes] != 0 {
		t.Errorf("filled = %v, want cpu 578, net 0", filled)
	}
	ovh := 0.002*8*model.GiB + 218*model.MiB + 4*8*model.MiB
	if got := sd.Values[model.DimMem][288]; !modeltest.Close(got, 2*model.GiB+ovh, 1e-6) {
		t.Errorf("mem day 0 = %v, want %v", got, 2*model.GiB+ovh)
	}
	if got := sd.Values[model.DimMem][0]; !modeltest.Close(got, 3*model.GiB+ovh, 1e-6) {
		t.Errorf("mem fill = %v, want the time-of-day P95 %v", got, 3*model.GiB+ovh)
	}
}

// ioServer is one day of 300 s samples, 2 cores scoring 1000, 4 GiB, with
// constant means: CPU busy%, 2000 IOPS (1500 read + 500 write), 0.5 GB/s of
// network (0.3 rx + 0.2 tx) and 1 GiB used.
func ioServer(busy float64) *model.Server {
	srv := &model.Server{ID: "io", Inventory: model.Inventory{Cores: 2, Threads: 2, CPUScorePerCore: 1000, MemTotalBytes: 4 * model.GiB}}
	for j := 0; j < 288; j++ {
		srv.Series.Append(modeltest.Sample(modeltest.Sec(j*300), 300, map[model.Metric]modeltest.MV{
			model.CPUBusyPct:       {busy, busy},
			model.MemUsedBytes:     {model.GiB, model.GiB},
			model.DiskReadIOPS:     {1500, 1500},
			model.DiskWriteIOPS:    {500, 500},
			model.NetRxBytesPerSec: {3e8, 3e8},
			model.NetTxBytesPerSec: {2e8, 2e8},
		}))
	}
	return srv
}

func TestServerOverheadAndFactors(t *testing.T) {
	ovh := 0.002*4*model.GiB + 218*model.MiB + 2*8*model.MiB
	tests := []struct {
		name    string
		busy    float64
		set     func(*model.Settings)
		cpu     float64
		mem     float64
		flagged bool
	}{
		// 0.5 × 2 cores × 1.05 + 0.01 × 2000/1000 + 1 × 0.5 GB/s = 1.05 + 0.02 + 0.5.
		{"kvm-virtio", 50, func(*model.Settings) {}, 1.57, model.GiB + ovh, false},
		// Emulated: 0.5 × 2 × 1.2 + 0.05 × 2 + 4 × 0.5 = 1.2 + 0.1 + 2.
		{"kvm-emulated", 50, func(s *model.Settings) { p, _ := model.FindVirtPreset("kvm-emulated"); s.ApplyVirt(p) }, 3.3, model.GiB + ovh, false},
		// LXC: 1 core busy, no overhead at all.
		{"lxc", 50, func(s *model.Settings) { p, _ := model.FindVirtPreset("lxc"); s.ApplyVirt(p) }, 1, model.GiB, false},
		// Comfort 1.2 multiplies measured demand, not the memory overhead.
		{"comfort", 50, func(s *model.Settings) { s.ComfortFactor = 1.2 }, 1.57 * 1.2, 1.2*model.GiB + ovh, false},
		// Saturated all day: (1 × 2 × 1.05 + 0.02 + 0.5) × 1.25 = 3.275.
		{"saturated", 100, func(*model.Settings) {}, 2.62 * 1.25, model.GiB + ovh, true},
		// Global growth 21 %/year over 24 months: × 1.21² = 1.4641 (1 day: no trend).
		{"growth", 50, func(s *model.Settings) { s.GrowthPctPerYear, s.HorizonMonths = 21, 24 }, 1.57 * 1.4641, model.GiB*1.4641 + ovh, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := measuredSettings()
			tc.set(&s)
			p, err := Server(ioServer(tc.busy), s)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Demand.Values[model.DimCPU][7]; !modeltest.Close(got, tc.cpu, 1e-12) {
				t.Errorf("cpu = %v, want %v", got, tc.cpu)
			}
			if got := p.Demand.Values[model.DimMem][7]; !modeltest.Close(got, tc.mem, 1e-12) {
				t.Errorf("mem = %v, want %v", got, tc.mem)
			}
			if p.Analysis.Saturation.Flagged != tc.flagged {
				t.Errorf("saturation %+v", p.Analysis.Saturation)
			}
			if p.SlotsPresent != 288 || p.Analysis.CPUNorm.Method != "calibration" {
				t.Errorf("SlotsPresent %d, norm %+v", p.SlotsPresent, p.Analysis.CPUNorm)
			}
		})
	}
}

func TestServerPercentileByDim(t *testing.T) {
	// profileServer memory: max 2 GiB on day 0, 3 GiB on day 1; P50 of
	// memory is day 0's, while CPU keeps P95.
	s := maxSettings()
	s.PercentileByDim = model.DimValues{"mem": 50}
	p, err := Server(profileServer(), s)
	if err != nil {
		t.Fatal(err)
	}
	ovh := 0.002*8*model.GiB + 218*model.MiB + 4*8*model.MiB
	if got := p.Demand.Values[model.DimMem][0]; !modeltest.Close(got, 2*model.GiB+ovh, 1e-12) {
		t.Errorf("mem P50 = %v, want %v", got, 2*model.GiB+ovh)
	}
	if got := p.Demand.Values[model.DimCPU][0]; !modeltest.Close(got, 40.0/100*6*1.05, 1e-12) {
		t.Errorf("cpu P95 = %v", got)
	}
	// Right-sizing from the same data: P95 of busy reference cores (max
	// stat): 287 slots of 20 % and 287 of 40 % (+ slot 100: 90 %, 10 %) →
	// 40 % × 6 = 2.4 / 0.7 = 3.43 → 4; memory max 3 GiB × 1.15 = 3.45 GiB → 3.5 GiB.
	r := p.Analysis.Rightsize
	if r.VCPUs != 4 || r.MemBytes != 7*model.GiB/2 {
		t.Errorf("rightsize %+v", r)
	}
	if math.Abs(p.Analysis.Growth.CPUFactor-1) > 0 {
		t.Errorf("growth without horizon: %+v", p.Analysis.Growth)
	}
}
