package profile

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
	"gonum.org/v1/gonum/stat"
)

// demandOf builds a Demand of 1-hour slots from midnight t0 with the given
// CPU rows and memory rows.
func demandOf(profile model.ProfileKind, cpu, mem [][]float64) *model.Demand {
	d := &model.Demand{Start: modeltest.T0, Step: time.Hour, Slots: len(cpu[0]), Profile: profile}
	for i := range cpu {
		sd := model.ServerDemand{ID: string(rune('a' + i))}
		sd.Values[model.DimCPU] = cpu[i]
		if mem != nil {
			sd.Values[model.DimMem] = mem[i]
		} else {
			sd.Values[model.DimMem] = make([]float64, len(cpu[i]))
		}
		for _, r := range []model.Dim{model.DimDiskIOPS, model.DimDiskBytes, model.DimNetBytes} {
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
	if !modeltest.Close(cf[model.DimCPU], 2.0/3, 1e-15) || pos[model.DimCPU] != 4 || sop[model.DimCPU] != 6 || cf[model.DimMem] != 1 || !math.IsNaN(cf[model.DimDiskIOPS]) {
		t.Errorf("Coincidence = %v, %v, %v", cf, pos, sop)
	}
	if cf, _, _ := Coincidence(d, []int{1}); cf[model.DimCPU] != 1 {
		t.Errorf("one server: CF %v, want 1", cf[model.DimCPU])
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
	modeltest.CheckFloats(t, "correlations", got, []float64{1, -1, nan, -1, nan, nan}, 1e-12)

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
			if want := stat.Correlation(rows[a], rows[b], nil); !modeltest.Close(got[k], want, 1e-12) {
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
	want := model.PeakGroup{Window: "08:00–10:00", FirstSlot: 8, LastSlot: 9, Members: []int{0, 1, 2}, Servers: []string{"a", "b", "c"}, CoincidenceFactor: 0.733333}
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
	d := demandOf("day", [][]float64{{1, 2}, {2, 1}, {1, 1}}, [][]float64{one(10 * model.GiB), one(20 * model.GiB), one(30 * model.GiB)})
	fam := []string{"linux", "linux", "windows"}
	s := model.DefaultSettings.Clone()
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
	if h.KSMGuests != 2 || h.KSMSavingBytes != 6*model.GiB {
		t.Errorf("KSM on: %+v", h)
	}
}

func TestAnalyzeFleet(t *testing.T) {
	d := demandOf("day", [][]float64{{1, 3, 1}, {3, 1, 1}}, nil)
	s := model.DefaultSettings.Clone()
	a := []model.ServerAnalysis{
		{Confidence: model.Confidence{SlotsPresent: 100, SlotsExpected: 100, Stars: 5, Rating: "ok"}, Rightsize: model.Rightsizing{VCPUs: 2, CurrentCores: 8, CurrentVCPUs: 16, MemBytes: model.GiB, CurrentMemBytes: 4 * model.GiB}},
		{Confidence: model.Confidence{SlotsPresent: 50, SlotsExpected: 100, Stars: 3, Rating: "short"}, Saturation: model.Saturation{Flagged: true}, Rightsize: model.Rightsizing{VCPUs: 3, CurrentCores: 4, CurrentVCPUs: 4}},
	}
	f := AnalyzeFleet(d, a, s)
	// 150 of 200 slots = 75 % → 4 stars.
	if f.Confidence.PresentPct != 75 || f.Confidence.Stars != 4 || f.Confidence.Short != 1 || f.Confidence.ServersByStars["3"] != 1 ||
		f.SaturatedServers != 1 || f.RightsizeVCPUs != 5 || f.CurrentCores != 12 || f.CurrentVCPUs != 20 || f.RightsizeMemBytes != model.GiB || f.CoincidenceFactor["cpu"] != 0.666667 {
		t.Errorf("AnalyzeFleet = %+v", f)
	}
}
