package profile

import (
	"math"
	"testing"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

func TestStars(t *testing.T) {
	// Azure Migrate: 0–20 % → 1 star, 21–40 → 2, 41–60 → 3, 61–80 → 4, 81–100 → 5.
	for _, tc := range []struct {
		pct  float64
		want int
	}{{0, 1}, {20, 1}, {20.01, 2}, {40, 2}, {41, 3}, {60, 3}, {61, 4}, {80, 4}, {80.5, 5}, {100, 5}} {
		if got := Stars(tc.pct); got != tc.want {
			t.Errorf("Stars(%v) = %d, want %d", tc.pct, got, tc.want)
		}
	}
}

func TestRateConfidence(t *testing.T) {
	s := model.DefaultSettings.Clone() // MAP: 2 days minimum, 7 recommended
	tests := []struct {
		present, expected int
		want              model.Confidence
	}{
		// 576 × 300 s = 2 days; 576 / 4032 = 14.29 % → 1 star.
		{576, 4032, model.Confidence{SlotsPresent: 576, SlotsExpected: 4032, PresentPct: 100.0 * 576 / 4032, Stars: 1, Days: 2, Rating: "short"}},
		// 500 × 300 s = 1.736 days: insufficient; 12.4 % → 1 star.
		{500, 4032, model.Confidence{SlotsPresent: 500, SlotsExpected: 4032, PresentPct: 100.0 * 500 / 4032, Stars: 1, Days: 500 * 300.0 / 86400, Rating: "insufficient"}},
		// 14 days, all present.
		{4032, 4032, model.Confidence{SlotsPresent: 4032, SlotsExpected: 4032, PresentPct: 100, Stars: 5, Days: 14, Rating: "ok"}},
		// 7 days of 14: 50 % → 3 stars, and 7 days is enough.
		{2016, 4032, model.Confidence{SlotsPresent: 2016, SlotsExpected: 4032, PresentPct: 50, Stars: 3, Days: 7, Rating: "ok"}},
		// More present than expected (edge slots) is capped at 100 %.
		{4033, 4032, model.Confidence{SlotsPresent: 4033, SlotsExpected: 4032, PresentPct: 100, Stars: 5, Days: 4033 * 300.0 / 86400, Rating: "ok"}},
	}
	for _, tc := range tests {
		got := RateConfidence(tc.present, tc.expected, 300, s)
		if got.SlotsPresent != tc.want.SlotsPresent || got.SlotsExpected != tc.want.SlotsExpected || got.Stars != tc.want.Stars ||
			got.Rating != tc.want.Rating || !modeltest.Close(got.PresentPct, tc.want.PresentPct, 1e-12) || !modeltest.Close(got.Days, tc.want.Days, 1e-12) {
			t.Errorf("RateConfidence(%d, %d) = %+v, want %+v", tc.present, tc.expected, got, tc.want)
		}
	}
}

func TestDetectSaturation(t *testing.T) {
	nan := math.NaN()
	s := model.DefaultSettings.Clone()
	s.SaturationMinutes = 120 // 2 hourly slots
	s.SaturationDaysPct = 50
	day := func(set map[int]float64) []float64 {
		x := make([]float64, 24)
		for i := range x {
			x[i] = 10
		}
		for k, v := range set {
			x[k] = v
		}
		return x
	}
	var cpu []float64
	cpu = append(cpu, day(map[int]float64{0: 96, 1: 97})...)         // day 0: 2 h at ≥ 95 → saturated
	cpu = append(cpu, day(map[int]float64{0: 96, 1: nan, 2: 96})...) // day 1: a gap breaks the run
	cpu = append(cpu, day(map[int]float64{23: 99})...)               // day 2: 1 h before midnight ...
	cpu = append(cpu, day(map[int]float64{0: 99})...)                // day 3: ... continues: saturated here
	all := make([]float64, 24)
	for i := range all {
		all[i] = nan
	}
	cpu = append(cpu, all...) // day 4: no data
	got := DetectSaturation(cpu, 24, s)
	want := model.Saturation{Flagged: true, DaysSaturated: 2, DaysWithData: 4, LongestMinutes: 120, UpliftApplied: 1.25}
	if got != want {
		t.Errorf("DetectSaturation = %+v, want %+v", got, want)
	}
	s.SaturationDaysPct = 60 // 2 of 4 days = 50 % < 60 %
	want.Flagged, want.UpliftApplied = false, 1
	if got := DetectSaturation(cpu, 24, s); got != want {
		t.Errorf("DetectSaturation at 60 %% = %+v, want %+v", got, want)
	}
	// The default: 30 min at 5-min slots = 6 slots; 5 slots are not enough.
	d := model.DefaultSettings.Clone()
	x := make([]float64, 288)
	for i := 10; i < 15; i++ {
		x[i] = 100
	}
	if got := DetectSaturation(x, 288, d); got.Flagged || got.LongestMinutes != 25 {
		t.Errorf("25 min at 100 %%: %+v, want not flagged, longest 25", got)
	}
	x[15] = 95
	if got := DetectSaturation(x, 288, d); !got.Flagged || got.LongestMinutes != 30 {
		t.Errorf("30 min at ≥ 95 %%: %+v, want flagged, longest 30", got)
	}
}

func TestRightsize(t *testing.T) {
	s := model.DefaultSettings.Clone() // P95 busy / 70 %; memory P100 + 15 %
	busy := make([]float64, 20)
	for i := range busy {
		busy[i] = 0.5 * float64(i+1) // 0.5 ... 10
	}
	mem := []float64{3 * model.GiB, 4 * model.GiB, math.NaN()}
	inv := model.Inventory{Cores: 16, MemTotalBytes: 32 * model.GiB}
	n := model.CPUNorm{Cores: 16, CoresRef: 16}
	// P95 of 20 = 19th = 9.5; 9.5 / 0.7 = 13.57 → 14. Memory 4 GiB × 1.15 =
	// 4.6 GiB → 10 halves → 5 GiB.
	r := Rightsize(busy, mem, inv, n, 1, s)
	if r.VCPUs != 14 || r.MemBytes != 5*model.GiB || r.CurrentCores != 16 || r.CurrentVCPUs != 16 || r.CurrentMemBytes != 32*model.GiB {
		t.Errorf("Rightsize = %+v", r)
	}
	// Saturated: 9.5 × 1.25 / 0.7 = 16.96 → 17.
	if r := Rightsize(busy, mem, inv, n, 1.25, s); r.VCPUs != 17 {
		t.Errorf("uplift: %d vCPUs, want 17", r.VCPUs)
	}
	// Exactly 7 busy cores at 70 % is 10 vCPUs, not 11.
	if r := Rightsize([]float64{7}, mem, inv, n, 1, s); r.VCPUs != 10 {
		t.Errorf("7 cores: %d vCPUs, want 10", r.VCPUs)
	}
	// Idle and tiny: at least 1 vCPU and 1 GiB.
	if r := Rightsize([]float64{0, 0}, []float64{100 * model.MiB}, inv, n, 1, s); r.VCPUs != 1 || r.MemBytes != model.GiB {
		t.Errorf("idle: %+v", r)
	}
	// No data: the vCPUs it has today (it used to be ⌈16 / 0.7⌉ = 23,
	// more than the server has) and the installed memory.
	r = Rightsize([]float64{math.NaN()}, []float64{math.NaN()}, inv, n, 1, s)
	if r.VCPUs != 16 || r.MemBytes != 32*model.GiB || r.CPUStatistic != "no CPU data: the vCPUs it has today (its logical CPUs)" {
		t.Errorf("no data: %+v", r)
	}
	// vCPUs today are the logical CPUs: 12 cores with 24 threads have 24
	// (not 12, the cores); a VM's inventory with cores only has its cores.
	ht := model.Inventory{Cores: 12, Threads: 24}
	if r := Rightsize(busy, mem, ht, model.CPUNorm{Cores: 12, HT: true, CoresRef: 15}, 1, s); r.CurrentVCPUs != 24 || r.CurrentCores != 12 {
		t.Errorf("HT server: current vCPUs %d cores %d, want 24 and 12", r.CurrentVCPUs, r.CurrentCores)
	}
	if r := Rightsize(busy, mem, model.Inventory{}, model.CPUNorm{Cores: 1, CoresRef: 1}, 1, s); r.CurrentVCPUs != 1 {
		t.Errorf("nothing known: current vCPUs %d, want 1 (NormaliseCPU's assumption)", r.CurrentVCPUs)
	}
}
