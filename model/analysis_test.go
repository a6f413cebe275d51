package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat"
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
	s := DefaultSettings.Clone() // MAP: 2 days minimum, 7 recommended
	tests := []struct {
		present, expected int
		want              Confidence
	}{
		// 576 × 300 s = 2 days; 576 / 4032 = 14.29 % → 1 star.
		{576, 4032, Confidence{576, 4032, 100.0 * 576 / 4032, 1, 2, "short"}},
		// 500 × 300 s = 1.736 days: insufficient; 12.4 % → 1 star.
		{500, 4032, Confidence{500, 4032, 100.0 * 500 / 4032, 1, 500 * 300.0 / 86400, "insufficient"}},
		// 14 days, all present.
		{4032, 4032, Confidence{4032, 4032, 100, 5, 14, "ok"}},
		// 7 days of 14: 50 % → 3 stars, and 7 days is enough.
		{2016, 4032, Confidence{2016, 4032, 50, 3, 7, "ok"}},
		// More present than expected (edge slots) is capped at 100 %.
		{4033, 4032, Confidence{4033, 4032, 100, 5, 4033 * 300.0 / 86400, "ok"}},
	}
	for _, tc := range tests {
		got := RateConfidence(tc.present, tc.expected, 300, s)
		if got.SlotsPresent != tc.want.SlotsPresent || got.SlotsExpected != tc.want.SlotsExpected || got.Stars != tc.want.Stars ||
			got.Rating != tc.want.Rating || !closeTo(got.PresentPct, tc.want.PresentPct, 1e-12) || !closeTo(got.Days, tc.want.Days, 1e-12) {
			t.Errorf("RateConfidence(%d, %d) = %+v, want %+v", tc.present, tc.expected, got, tc.want)
		}
	}
}

func TestDetectSaturation(t *testing.T) {
	nan := math.NaN()
	s := DefaultSettings.Clone()
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
	want := Saturation{Flagged: true, DaysSaturated: 2, DaysWithData: 4, LongestMinutes: 120, UpliftApplied: 1.25}
	if got != want {
		t.Errorf("DetectSaturation = %+v, want %+v", got, want)
	}
	s.SaturationDaysPct = 60 // 2 of 4 days = 50 % < 60 %
	want.Flagged, want.UpliftApplied = false, 1
	if got := DetectSaturation(cpu, 24, s); got != want {
		t.Errorf("DetectSaturation at 60 %% = %+v, want %+v", got, want)
	}
	// The default: 30 min at 5-min slots = 6 slots; 5 slots are not enough.
	d := DefaultSettings.Clone()
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

func TestTheilSen(t *testing.T) {
	// y = 1 + 2x with a spike at x = 4. Slopes of the 10 pairs: six of 2,
	// then 99/4, 97/3, 95/2, 93; median (5th and 6th) = 2. Intercepts
	// y − 2x = 1, 1, 1, 1, 92; median 1. (Least squares would give 20.2.)
	x := []float64{0, 1, 2, 3, 4}
	y := []float64{1, 3, 5, 7, 100}
	if a, b := TheilSen(x, y); a != 1 || b != 2 {
		t.Errorf("TheilSen = %v + %v·x, want 1 + 2·x", a, b)
	}
	// Even number of slopes: x = 0, 1, 2 with y = 0, 1, 4: slopes 1, 2, 3 →
	// 2; intercepts 0, −1, 0 → 0. Add x = 3, y = 3 (NaN-free): slopes 1, 2,
	// 1, 3, 1, −1 → sorted −1 1 1 1 2 3 → (1+1)/2 = 1.
	if _, b := TheilSen([]float64{0, 1, 2, 3}, []float64{0, 1, 4, 3}); b != 1 {
		t.Errorf("slope = %v, want 1", b)
	}
	// On points exactly on a line it agrees with least squares (gonum).
	lx := []float64{0, 1, 2, 3, 4, 5, 6}
	ly := []float64{3, 3.5, 4, 4.5, 5, 5.5, 6}
	a, b := TheilSen(lx, ly)
	ga, gb := stat.LinearRegression(lx, ly, nil, false)
	if !closeTo(a, ga, 1e-12) || !closeTo(b, gb, 1e-12) || b != 0.5 {
		t.Errorf("TheilSen = %v + %v·x, gonum LinearRegression = %v + %v·x, want 3 + 0.5·x", a, b, ga, gb)
	}
	if a, b := TheilSen([]float64{0, 1}, []float64{math.NaN(), 1}); !math.IsNaN(a) || !math.IsNaN(b) {
		t.Errorf("one point: %v, %v, want NaN", a, b)
	}
}

func TestMannKendallZ(t *testing.T) {
	// n = 4, S = 6, Var = 4·3·13/18, Z = (6 − 1)/√Var = 1.6984155512.
	for _, tc := range []struct {
		y    []float64
		want float64
	}{
		{[]float64{1, 2, 3, 4}, 1.6984155512168937},
		{[]float64{4, 3, 2, 1}, -1.6984155512168937},
		{[]float64{1, 1, 1}, 0},
		{[]float64{1, 2}, 0}, // too few
		{[]float64{1, math.NaN(), 2, 3, 4}, 1.6984155512168937},
	} {
		if got := MannKendallZ(tc.y); !closeTo(got, tc.want, 1e-12) {
			t.Errorf("MannKendallZ(%v) = %v, want %v", tc.y, got, tc.want)
		}
	}
}

func TestProjectGrowth(t *testing.T) {
	s := DefaultSettings.Clone()
	// One slot a day: the daily P95 is the value. busy grows 1 a day from
	// 10 (10 days); memory is flat.
	busy := []float64{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}
	mem := []float64{5, 5, 5, 5, 5, 5, 5, 5, 5, 5}
	// No horizon: factors 1, trend still reported:
	// 1/day × 365.25 / median 14.5 × 100 = 2518.9655 % a year; MK Z =
	// (45 − 1)/√(10·9·25/18) = 3.94 ≥ 1.645: significant.
	g := ProjectGrowth(busy, mem, 1, s)
	if g.CPUFactor != 1 || g.MemFactor != 1 || g.GlobalFactor != 1 || !g.CPUTrendSignificant || g.MemTrendSignificant ||
		!closeTo(g.CPUTrendPctPerYear, 2518.965517, 1e-9) || g.MemTrendPctPerYear != 0 {
		t.Errorf("no horizon: %+v", g)
	}
	// Horizon 0.6 months = 18.2625 days, 10 %/year global:
	// global = 1.1^0.05 = 1.004776882; CPU trend = (19 + 18.2625)/19 =
	// 1.961184211; CPU factor = 1.970552556; memory = global.
	s.HorizonMonths, s.GrowthPctPerYear = 0.6, 10
	g = ProjectGrowth(busy, mem, 1, s)
	if !closeTo(g.GlobalFactor, 1.004776882087206, 1e-12) || !closeTo(g.CPUFactor, 1.9705525562512902, 1e-12) ||
		!closeTo(g.MemFactor, 1.004776882087206, 1e-12) || g.Capped {
		t.Errorf("horizon 0.6 months: %+v", g)
	}
	// 12 months: (19 + 365.25)/19 × 1.1 = 22.2 → capped at 2.
	s.HorizonMonths = 12
	if g = ProjectGrowth(busy, mem, 1, s); g.CPUFactor != 2 || !g.Capped || !closeTo(g.MemFactor, 1.1, 1e-12) {
		t.Errorf("horizon 12 months: %+v", g)
	}
	// Without per-server trends, only the global growth.
	s.GrowthTrend = false
	if g = ProjectGrowth(busy, mem, 1, s); !closeTo(g.CPUFactor, 1.1, 1e-12) {
		t.Errorf("no trend: %+v", g)
	}
	// Too few days (< 7) is never significant.
	s.GrowthTrend = true
	if g = ProjectGrowth(busy[:6], mem[:6], 1, s); g.CPUTrendSignificant || !closeTo(g.CPUFactor, 1.1, 1e-12) {
		t.Errorf("6 days: %+v", g)
	}
}

func TestDailyP95(t *testing.T) {
	nan := math.NaN()
	// 4 slots a day; day 1 has 1 of 4 slots: skipped. Day 0: P95 of 4 = 4th.
	x := []float64{1, 4, 2, 3, nan, nan, 9, nan, 5, 5, nan, 6}
	days, p := DailyP95(x, 4)
	checkFloats(t, "days", days, []float64{0, 2}, 0)
	checkFloats(t, "p95", p, []float64{4, 6}, 0)
}

func TestRightsize(t *testing.T) {
	s := DefaultSettings.Clone() // P95 busy / 70 %; memory P100 + 15 %
	busy := make([]float64, 20)
	for i := range busy {
		busy[i] = 0.5 * float64(i+1) // 0.5 ... 10
	}
	mem := []float64{3 * GiB, 4 * GiB, math.NaN()}
	inv := Inventory{Cores: 16, MemTotalBytes: 32 * GiB}
	n := CPUNorm{Cores: 16, CoresRef: 16}
	// P95 of 20 = 19th = 9.5; 9.5 / 0.7 = 13.57 → 14. Memory 4 GiB × 1.15 =
	// 4.6 GiB → 10 halves → 5 GiB.
	r := Rightsize(busy, mem, inv, n, 1, s)
	if r.VCPUs != 14 || r.MemBytes != 5*GiB || r.CurrentCores != 16 || r.CurrentMemBytes != 32*GiB {
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
	if r := Rightsize([]float64{0, 0}, []float64{100 * MiB}, inv, n, 1, s); r.VCPUs != 1 || r.MemBytes != GiB {
		t.Errorf("idle: %+v", r)
	}
	// No data: current capacity / 70 % and the installed memory.
	r = Rightsize([]float64{math.NaN()}, []float64{math.NaN()}, inv, n, 1, s)
	if r.VCPUs != 23 || r.MemBytes != 32*GiB { // ⌈16 / 0.7⌉ = ⌈22.86⌉
		t.Errorf("no data: %+v", r)
	}
}

// demandOf builds a Demand of 1-hour slots from midnight t0 with the given
// CPU rows and memory rows.
func demandOf(profile string, cpu, mem [][]float64) *Demand {
	d := &Demand{Start: t0, Step: time.Hour, Slots: len(cpu[0]), Profile: profile}
	for i := range cpu {
		sd := ServerDemand{ID: string(rune('a' + i))}
		sd.Values[DimCPU] = cpu[i]
		if mem != nil {
			sd.Values[DimMem] = mem[i]
		} else {
			sd.Values[DimMem] = make([]float64, len(cpu[i]))
		}
		for _, r := range []Dim{DimDiskIOPS, DimDiskBytes, DimNetBytes} {
			sd.Values[r] = make([]float64, len(cpu[i]))
		}
		d.Servers = append(d.Servers, sd)
	}
	return d
}

func TestCoincidence(t *testing.T) {
	d := demandOf("day", [][]float64{{1, 3, 1}, {3, 1, 1}}, [][]float64{{2, 2, 2}, {1, 1, 1}})
	cf, pos, sop := Coincidence(d, nil)
	// CPU: sums 4, 4, 2 → peak 4; peaks 3 + 3 = 6; CF = 2/3. Memory: 3/3 = 1.
	if !closeTo(cf[DimCPU], 2.0/3, 1e-15) || pos[DimCPU] != 4 || sop[DimCPU] != 6 || cf[DimMem] != 1 || !math.IsNaN(cf[DimDiskIOPS]) {
		t.Errorf("Coincidence = %v, %v, %v", cf, pos, sop)
	}
	if cf, _, _ := Coincidence(d, []int{1}); cf[DimCPU] != 1 {
		t.Errorf("one server: CF %v, want 1", cf[DimCPU])
	}
	v := dimValuesOf(cf)
	if _, ok := v["disk_iops"]; ok || v["cpu"] != 0.666667 {
		t.Errorf("dimValuesOf = %v", v)
	}
}

func TestCPUCorrelations(t *testing.T) {
	d := demandOf("day", [][]float64{{1, 2, 3}, {2, 4, 6}, {3, 2, 1}, {5, 5, 5}}, nil)
	got := CPUCorrelations(d, []int{0, 1, 2, 3})
	nan := math.NaN()
	// Pairs (0,1) (0,2) (0,3) (1,2) (1,3) (2,3).
	checkFloats(t, "correlations", got, []float64{1, -1, nan, -1, nan, nan}, 1e-12)

	rng := rand.New(rand.NewPCG(3, 4))
	var rows [][]float64
	for range 4 {
		r := make([]float64, 50)
		for i := range r {
			r[i] = rng.Float64()
		}
		rows = append(rows, r)
	}
	d = demandOf("day", rows, nil)
	got = CPUCorrelations(d, []int{0, 1, 2, 3})
	k := 0
	for a := 0; a < 4; a++ {
		for b := a + 1; b < 4; b++ {
			if want := stat.Correlation(rows[a], rows[b], nil); !closeTo(got[k], want, 1e-12) {
				t.Errorf("pair %d,%d: %v, gonum %v", a, b, got[k], want)
			}
			k++
		}
	}
}

func TestPeakGroups(t *testing.T) {
	row := func(peak int) []float64 {
		r := make([]float64, 24)
		for i := range r {
			r[i] = 1
		}
		r[peak] = 5
		return r
	}
	flat := make([]float64, 24)
	for i := range flat {
		flat[i] = 2
	}
	// Servers a, b peak at 08:00, c at 09:00, d at 15:00, e never.
	d := demandOf("day", [][]float64{row(8), row(8), row(9), row(15), flat}, nil)
	g := PeakGroups(d, 2) // 2-hour windows from 00:00
	if len(g) != 1 {
		t.Fatalf("groups %+v, want one", g)
	}
	// CF of a, b, c: sums peak at 08:00 with 5 + 5 + 1 = 11; peaks 15.
	want := PeakGroup{Window: "08:00–10:00", FirstSlot: 8, LastSlot: 9, Members: []int{0, 1, 2}, Servers: []string{"a", "b", "c"}, CoincidenceFactor: 0.733333}
	if g[0].Window != want.Window || g[0].FirstSlot != 8 || g[0].LastSlot != 9 || !slices.Equal(g[0].Members, want.Members) ||
		!slices.Equal(g[0].Servers, want.Servers) || g[0].CoincidenceFactor != want.CoincidenceFactor {
		t.Errorf("group %+v, want %+v", g[0], want)
	}
	d.Profile = "week"
	d.Start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday
	if g := PeakGroups(d, 2); g[0].Window != "Mon 08:00–10:00" {
		t.Errorf("week window %q", g[0].Window)
	}
	if s, ok := PeakSlot(flat); ok || s != 0 {
		t.Errorf("flat: PeakSlot = %d, %v", s, ok)
	}
}

func TestAnalyzeHostKSM(t *testing.T) {
	one := func(v float64) []float64 { return []float64{v, v} }
	d := demandOf("day", [][]float64{{1, 2}, {2, 1}, {1, 1}}, [][]float64{one(10 * GiB), one(20 * GiB), one(30 * GiB)})
	fam := []string{"linux", "linux", "windows"}
	s := DefaultSettings.Clone()
	h := AnalyzeHost(d, []int{0, 1, 2}, fam, s)
	if h.KSMGuests != 0 || h.KSMSavingBytes != 0 {
		t.Errorf("KSM off: %+v", h)
	}
	// CPU sums 4, 4 → CF 4 / (2 + 2 + 1) = 0.8. Pair (a,b) r = −1; (a,c),
	// (b,c) constant c: left out; mean −1.
	if h.CoincidenceFactor["cpu"] != 0.8 || h.CPUMeanCorrelation != -1 || len(h.CPUTopPairs) != 1 {
		t.Errorf("host analysis %+v", h)
	}
	s.KSM = true
	// Two linux guests: 20 % × (10 + 20) GiB = 6 GiB; the lone windows guest saves nothing.
	h = AnalyzeHost(d, []int{0, 1, 2}, fam, s)
	if h.KSMGuests != 2 || h.KSMSavingBytes != 6*GiB {
		t.Errorf("KSM on: %+v", h)
	}
}

func TestAnalyzeFleet(t *testing.T) {
	d := demandOf("day", [][]float64{{1, 3, 1}, {3, 1, 1}}, nil)
	s := DefaultSettings.Clone()
	a := []ServerAnalysis{
		{Confidence: Confidence{SlotsPresent: 100, SlotsExpected: 100, Stars: 5, Rating: "ok"}, Rightsize: Rightsizing{VCPUs: 2, CurrentCores: 8, MemBytes: GiB, CurrentMemBytes: 4 * GiB}},
		{Confidence: Confidence{SlotsPresent: 50, SlotsExpected: 100, Stars: 3, Rating: "short"}, Saturation: Saturation{Flagged: true}, Rightsize: Rightsizing{VCPUs: 3, CurrentCores: 4}},
	}
	f := AnalyzeFleet(d, a, s)
	// 150 of 200 slots = 75 % → 4 stars.
	if f.Confidence.PresentPct != 75 || f.Confidence.Stars != 4 || f.Confidence.Short != 1 || f.Confidence.ServersByStars["3"] != 1 ||
		f.SaturatedServers != 1 || f.RightsizeVCPUs != 5 || f.CurrentCores != 12 || f.RightsizeMemBytes != GiB || f.CoincidenceFactor["cpu"] != 0.666667 {
		t.Errorf("AnalyzeFleet = %+v", f)
	}
}

func TestFoldProfile(t *testing.T) {
	// Period 4, offset 1: x[t] falls in slot (1 + t) mod 4.
	prof, empty := FoldProfile([]float64{1, 2, 3, 4, 5, 6}, 1, 4, 100)
	checkFloats(t, "fold", prof, []float64{4, 5, 6, 3}, 0)
	if empty != 0 {
		t.Errorf("empty = %d", empty)
	}
	prof, empty = FoldProfile([]float64{1, 2}, 3, 4, 95)
	checkFloats(t, "fold short", prof, []float64{2, math.NaN(), math.NaN(), 1}, 0)
	if empty != 2 {
		t.Errorf("empty = %d, want 2", empty)
	}
}

func TestWeekStart(t *testing.T) {
	// 2026-01-01 is a Thursday; its week starts on Monday 2025-12-29.
	if got := WeekStart(t0.Add(13 * time.Hour)); !got.Equal(time.Date(2025, 12, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("WeekStart = %s", got)
	}
	mon := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	if got := WeekStart(mon); !got.Equal(mon) {
		t.Errorf("WeekStart(Monday) = %s", got)
	}
}

func TestVirtPresets(t *testing.T) {
	s := DefaultSettings.Clone()
	p, ok := FindVirtPreset("lxc")
	if !ok {
		t.Fatal("no lxc preset")
	}
	s.ApplyVirt(p)
	if s.Virt != "lxc" || s.CPUVirtFactor != 1 || s.VMMemOverheadBaseBytes != 0 || s.CPUCoresPerKIOPS != 0 {
		t.Errorf("lxc settings %+v", s)
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
	// The default settings are the kvm-virtio preset.
	d := DefaultSettings.Clone()
	v, _ := FindVirtPreset("kvm-virtio")
	d.ApplyVirt(v)
	if d.CPUVirtFactor != DefaultSettings.CPUVirtFactor || d.VMMemOverheadBaseBytes != DefaultSettings.VMMemOverheadBaseBytes ||
		d.HostReserveCores != DefaultSettings.HostReserveCores || d.CPUCoresPerNetGBPerSec != DefaultSettings.CPUCoresPerNetGBPerSec {
		t.Errorf("kvm-virtio preset differs from DefaultSettings")
	}
	s.Virt = "xen"
	if s.Validate() == nil {
		t.Error("unknown preset validated")
	}
}

func TestPercentileOf(t *testing.T) {
	s := DefaultSettings.Clone()
	if s.PercentileOf(DimMem) != 95 {
		t.Error("default percentile")
	}
	s.PercentileByDim = DimValues{"mem": 100}
	if s.PercentileOf(DimMem) != 100 || s.PercentileOf(DimCPU) != 95 {
		t.Error("per-resource percentile")
	}
	c := s.Clone()
	c.PercentileByDim["mem"] = 50
	if s.PercentileByDim["mem"] != 100 {
		t.Error("Clone shares PercentileByDim")
	}
	s.PercentileByDim = DimValues{"gpu": 50}
	if s.Validate() == nil {
		t.Error("unknown resource validated")
	}
}

// TestQuantileSelect checks the quickselect inside Quantile against sorting
// on long inputs with many ties (memory series are often constant).
func TestQuantileSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{17, 100, 1000, 8640} {
		for _, levels := range []int{1, 3, 1000} {
			x := make([]float64, n)
			for i := range x {
				x[i] = float64(rng.IntN(levels))
			}
			sorted := slices.Clone(x)
			slices.Sort(sorted)
			for _, p := range []float64{0, 0.01, 0.5, 0.8, 0.95, 0.99, 1} {
				k := min(max(int(math.Ceil(p*float64(n)-1e-9*p*float64(n))), 1), n)
				if got, want := Quantile(p, x), sorted[k-1]; got != want {
					t.Fatalf("n=%d levels=%d p=%v: %v, want %v", n, levels, p, got, want)
				}
			}
		}
	}
}
