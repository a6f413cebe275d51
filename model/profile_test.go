package model

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat"
)

func seq(from, to float64) []float64 {
	var x []float64
	for v := from; v <= to; v++ {
		x = append(x, v)
	}
	return x
}

func TestQuantile(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		p    float64
		x    []float64
		want float64
	}{
		// Empirical: the k-th smallest of n with k = ⌈p·n⌉.
		{"P95 of 1..20", 0.95, seq(1, 20), 19},          // k = ⌈19⌉ = 19
		{"P95 of 1..10", 0.95, seq(1, 10), 10},          // k = ⌈9.5⌉ = 10
		{"P50 of 1..4", 0.50, []float64{4, 3, 2, 1}, 2}, // k = 2, unsorted input
		{"P100 is the max", 1, []float64{3, 9, 1}, 9},
		{"P0 is the min", 0, []float64{3, 9, 1}, 1},
		{"P95 of 2 days", 0.95, []float64{40, 90}, 90}, // k = ⌈1.9⌉ = 2
		{"single", 0.5, []float64{7}, 7},
		// NaNs are dropped: P50 of {1,2,3} has k = ⌈1.5⌉ = 2.
		{"NaNs dropped", 0.5, []float64{nan, 3, 1, nan, 2}, 2},
		{"all NaN", 0.95, []float64{nan, nan}, nan},
		{"empty", 0.95, nil, nan},
		// 0.07 × 100 is 7.000000000000001 in floating point; the 7th value.
		{"P7 of 1..100", 0.07, seq(1, 100), 7},
		{"P29 of 1..100", 0.29, seq(1, 100), 29},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.x)
			got := Quantile(tc.p, in)
			if !closeTo(got, tc.want, 0) {
				t.Errorf("Quantile(%v, %v) = %v, want %v", tc.p, tc.x, got, tc.want)
			}
			if !slices.EqualFunc(in, tc.x, func(a, b float64) bool { return closeTo(a, b, 0) }) {
				t.Errorf("input modified: %v, was %v", in, tc.x)
			}
		})
	}
}

// TestQuantileMatchesGonum checks Quantile against stat.Quantile with
// stat.Empirical wherever p·n is not a whole number (where gonum's floating
// point rounding may pick the next value).
func TestQuantileMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 50; n++ {
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Round(rng.Float64() * 100)
		}
		sorted := slices.Clone(x)
		sort.Float64s(sorted)
		for pct := 1; pct <= 100; pct++ {
			if pct*n%100 == 0 {
				continue
			}
			p := float64(pct) / 100
			if got, want := Quantile(p, x), stat.Quantile(p, stat.Empirical, sorted, nil); got != want {
				t.Fatalf("n=%d p=%v: Quantile = %v, gonum = %v", n, p, got, want)
			}
		}
	}
}

func TestQuantilePanics(t *testing.T) {
	for _, p := range []float64{-0.1, 1.01, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Quantile(%v) did not panic", p)
				}
			}()
			Quantile(p, []float64{1})
		}()
	}
}

func TestDailyProfile(t *testing.T) {
	nan := math.NaN()
	// Three slots a day, two days. Slot 2 has no data on either day.
	x := []float64{
		1, 2, nan, // day 0
		5, nan, nan, // day 1
	}
	tests := []struct {
		pct       float64
		want      []float64
		wantEmpty int
	}{
		{100, []float64{5, 2, nan}, 1},
		{95, []float64{5, 2, nan}, 1}, // ⌈0.95·2⌉ = 2nd of 2
		{50, []float64{1, 2, nan}, 1}, // ⌈0.5·2⌉ = 1st of 2
	}
	for _, tc := range tests {
		prof, empty := DailyProfile(x, 3, tc.pct)
		checkFloats(t, "profile", prof, tc.want, 0)
		if empty != tc.wantEmpty {
			t.Errorf("P%v: empty = %d, want %d", tc.pct, empty, tc.wantEmpty)
		}
	}
	t.Run("not whole days", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("DailyProfile with 5 values and 3 slots a day did not panic")
			}
		}()
		DailyProfile(make([]float64, 5), 3, 95)
	})
}

func TestNormaliseCPU(t *testing.T) {
	s := DefaultSettings.Clone() // HT 1.25, reference 1000 points = 2600 MHz
	tests := []struct {
		name     string
		inv      Inventory
		want     CPUNorm
		wantWarn int
	}{
		{
			name: "calibration",
			inv:  Inventory{Cores: 8, Threads: 8, CPUScorePerCore: 1500, CPUMHz: 9999},
			want: CPUNorm{Cores: 8, ScorePerCore: 1500, Method: "calibration", CoresRef: 12}, // 8 × 1.5
		},
		{
			// 3000 / 2600 × 1000 = 1153.846... points; 8 × 1.153846... = 9.230769...
			name: "MHz fallback",
			inv:  Inventory{Cores: 8, Threads: 8, CPUMHz: 3000},
			want: CPUNorm{Cores: 8, ScorePerCore: 3000.0 / 2600 * 1000, Method: "mhz", CoresRef: 24000.0 / 2600},
		},
		{
			name: "hyper-threading",
			inv:  Inventory{Cores: 8, Threads: 16, CPUScorePerCore: 1000},
			want: CPUNorm{Cores: 8, HT: true, ScorePerCore: 1000, Method: "calibration", CoresRef: 10}, // 8 × 1.25
		},
		{
			name: "hyper-threading, MHz",
			inv:  Inventory{Cores: 4, Threads: 8, CPUMHz: 2600},
			want: CPUNorm{Cores: 4, HT: true, ScorePerCore: 1000, Method: "mhz", CoresRef: 5}, // 4 × 1.25
		},
		{
			// Threads only: counted as cores, not as hyper-threading.
			name: "threads only",
			inv:  Inventory{Threads: 4, CPUScorePerCore: 500},
			want: CPUNorm{Cores: 4, ScorePerCore: 500, Method: "calibration", CoresRef: 2},
		},
		{
			name:     "no score",
			inv:      Inventory{Cores: 2},
			want:     CPUNorm{Cores: 2, ScorePerCore: 1000, Method: "assumed", CoresRef: 2},
			wantWarn: 1,
		},
		{
			name:     "nothing known",
			inv:      Inventory{},
			want:     CPUNorm{Cores: 1, ScorePerCore: 1000, Method: "assumed", CoresRef: 1},
			wantWarn: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, warn := NormaliseCPU(tc.inv, s)
			if got.Cores != tc.want.Cores || got.HT != tc.want.HT || got.Method != tc.want.Method ||
				!closeTo(got.ScorePerCore, tc.want.ScorePerCore, 1e-12) || !closeTo(got.CoresRef, tc.want.CoresRef, 1e-12) {
				t.Errorf("NormaliseCPU = %+v, want %+v", got, tc.want)
			}
			if len(warn) != tc.wantWarn {
				t.Errorf("warnings %q, want %d", warn, tc.wantWarn)
			}
		})
	}
	if got, _ := NormaliseCPU(Inventory{Cores: 8, CPUMHz: 3000}, s); !closeTo(got.CoresRef, 9.230769230769, 1e-12) {
		t.Errorf("MHz fallback CoresRef = %.12f, want 9.230769230769", got.CoresRef)
	}
}

func TestVMMemOverheadBytes(t *testing.T) {
	s := DefaultSettings.Clone()
	// 0.002 × 16 GiB + 218 MiB + 4 × 8 MiB
	//   = 34359738.368 + 228589568 + 33554432 = 296503738.368 bytes.
	if got, want := VMMemOverheadBytes(16*GiB, 4, s), 296503738.368; !closeTo(got, want, 1e-12) {
		t.Errorf("VMMemOverheadBytes(16 GiB, 4) = %f, want %f", got, want)
	}
	if got, want := VMMemOverheadBytes(0, 0, s), 218.0*MiB; got != want {
		t.Errorf("VMMemOverheadBytes(0, 0) = %f, want %f", got, want)
	}
}

// profileServer is a hand-built server: 2 days of 300 s samples from t0,
// 4 cores scoring 1500 (6 reference cores), 8 GiB.
//
//   - CPU: mean 10 everywhere; max 20 on day 0 and 40 on day 1, except at
//     slot 100 of the day: 90 on day 0, 10 on day 1.
//   - memory used: max 2 GiB on day 0, 3 GiB on day 1 (mean half of it).
//   - disk: read 100 and write 50 B/s (max), but write is not measured on
//     day 1 at slot 7.
//   - disk IOPS and network are never measured.
//   - slot 200 of the day has no sample on either day.
func profileServer() *Server {
	srv := &Server{ID: "web01", Inventory: Inventory{
		FormatVersion: 1, Hostname: "web01", Cores: 4, Threads: 4,
		CPUScorePerCore: 1500, MemTotalBytes: 8 * GiB,
	}}
	for d := 0; d < 2; d++ {
		for j := 0; j < 288; j++ {
			if j == 200 {
				continue
			}
			cpuMax := []float64{20, 40}[d]
			if j == 100 {
				cpuMax = []float64{90, 10}[d]
			}
			mem := []float64{2 * GiB, 3 * GiB}[d]
			x := mk(sec((d*288+j)*300), 300, map[Metric]mv{
				CPUBusyPct:           {10, cpuMax},
				MemUsedBytes:         {mem / 2, mem},
				DiskReadBytesPerSec:  {80, 100},
				DiskWriteBytesPerSec: {40, 50},
			})
			if d == 1 && j == 7 {
				x.Set(DiskWriteBytesPerSec, math.NaN(), math.NaN())
			}
			srv.Series.Append(x)
		}
	}
	return srv
}

// maxSettings are the defaults with the interval max as the slot statistic,
// the case these hand-computed profiles were written for.
func maxSettings() Settings {
	s := DefaultSettings.Clone()
	s.SlotStat = "max"
	return s
}

func TestProfile(t *testing.T) {
	s := maxSettings()
	srv := profileServer()
	p, err := Profile(srv, s)
	if err != nil {
		t.Fatal(err)
	}
	// Overhead: 0.002 × 8 GiB + 218 MiB + 4 × 8 MiB.
	ovh := 0.002*8*GiB + 218*MiB + 4*8*MiB
	// CPU slot = P95 over the 2 days (= the larger) of max busy % / 100 ×
	// 6 reference cores × 1.05.
	cpu := 40.0 / 100 * 6 * 1.05     // 2.52
	cpuPeak := 90.0 / 100 * 6 * 1.05 // 5.67
	tests := []struct {
		dim  Dim
		slot int
		want float64
	}{
		{DimCPU, 0, cpu},
		{DimCPU, 100, cpuPeak},
		{DimCPU, 287, cpu},
		{DimCPU, 200, cpuPeak}, // no data: the profile's peak
		{DimMem, 0, 3*GiB + ovh},
		{DimMem, 200, 3*GiB + ovh},
		{DimDiskBytes, 0, 150},
		{DimDiskBytes, 7, 150}, // day 0: 150, day 1: read only 100 -> P95 150
		{DimDiskBytes, 200, 150},
		{DimDiskIOPS, 0, 0},
		{DimDiskIOPS, 200, 0},
		{DimNetBytes, 5, 0},
	}
	for _, tc := range tests {
		row := p.Demand.Values[tc.dim]
		if len(row) != 288 {
			t.Fatalf("%s: %d slots, want 288", tc.dim, len(row))
		}
		if got := row[tc.slot]; !closeTo(got, tc.want, 1e-12) {
			t.Errorf("%s slot %d = %v, want %v", tc.dim, tc.slot, got, tc.want)
		}
	}
	if p.Demand.ID != "web01" || p.Samples != 574 || p.CoveredSec != 574*300 ||
		!p.First.Equal(t0) || !p.Last.Equal(t0.Add(48*time.Hour)) {
		t.Errorf("ID %q Samples %d CoveredSec %d First %s Last %s", p.Demand.ID, p.Samples, p.CoveredSec, p.First, p.Last)
	}
	if !closeTo(p.CPU.CoresRef, 6, 1e-12) || p.CPU.Method != "calibration" {
		t.Errorf("CPU = %+v", p.CPU)
	}
	wantWarn := []string{
		"no disk_iops data: disk_iops demand counted as 0",
		"no net_bytes data: net_bytes demand counted as 0",
		"cpu: 1 of 288 times of day have no data on any day; filled with the profile's peak",
		"mem: 1 of 288 times of day",
		"disk_bytes: 1 of 288 times of day",
	}
	for _, w := range wantWarn {
		if !slices.ContainsFunc(p.Warnings, func(s string) bool { return strings.HasPrefix(s, w) }) {
			t.Errorf("no warning %q in %q", w, p.Warnings)
		}
	}
	if len(p.Warnings) != len(wantWarn) {
		t.Errorf("%d warnings %q, want %d", len(p.Warnings), p.Warnings, len(wantWarn))
	}

	t.Run("slot mean", func(t *testing.T) {
		s := DefaultSettings.Clone()
		s.SlotStat = "mean"
		p, err := Profile(srv, s)
		if err != nil {
			t.Fatal(err)
		}
		// Mean busy 10 %: 0.1 × 6 × 1.05; memory mean 1.5 GiB on day 1.
		if got, want := p.Demand.Values[DimCPU][0], 10.0/100*6*1.05; !closeTo(got, want, 1e-12) {
			t.Errorf("cpu = %v, want %v", got, want)
		}
		if got, want := p.Demand.Values[DimMem][0], 1.5*GiB+ovh; !closeTo(got, want, 1e-12) {
			t.Errorf("mem = %v, want %v", got, want)
		}
	})
	t.Run("P50", func(t *testing.T) {
		s := maxSettings()
		s.Percentile = 50 // the smaller of the two days
		p, err := Profile(srv, s)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := p.Demand.Values[DimCPU][100], 10.0/100*6*1.05; !closeTo(got, want, 1e-12) {
			t.Errorf("cpu slot 100 = %v, want %v", got, want)
		}
		// The gap takes the peak of the P50 profile: 20 % on the other slots.
		if got, want := p.Demand.Values[DimCPU][200], 20.0/100*6*1.05; !closeTo(got, want, 1e-12) {
			t.Errorf("cpu slot 200 = %v, want %v", got, want)
		}
	})
	t.Run("guest RAM from samples", func(t *testing.T) {
		srv := profileServer()
		srv.Inventory.MemTotalBytes = 0
		srv.Series.Mean[MemTotalBytes][3] = 16 * GiB
		srv.Series.Max[MemTotalBytes][3] = 16 * GiB
		p, err := Profile(srv, maxSettings())
		if err != nil {
			t.Fatal(err)
		}
		ovh := 0.002*16*GiB + 218*MiB + 4*8*MiB
		if got := p.Demand.Values[DimMem][0]; !closeTo(got, 3*GiB+ovh, 1e-12) {
			t.Errorf("mem = %v, want %v", got, 3*GiB+ovh)
		}
	})
}

func TestProfileErrors(t *testing.T) {
	empty := &Server{ID: "empty", Inventory: Inventory{Cores: 1}}
	if _, err := Profile(empty, DefaultSettings.Clone()); !errors.Is(err, ErrNoSamples) || !strings.Contains(err.Error(), "empty") {
		t.Errorf("Profile(no samples) error = %v, want ErrNoSamples naming the server", err)
	}
	bad := DefaultSettings.Clone()
	bad.StepSec = 7 // does not divide a day
	if _, err := Profile(profileServer(), bad); err == nil {
		t.Error("Profile with a 7 s step: no error")
	}
}

// TestProfilePercentiles: the extra demands equal Profile's at those
// percentiles, a resource set apart by PercentileByDim keeps its own, and
// the main profile is Profile's.
func TestProfilePercentiles(t *testing.T) {
	s := maxSettings()
	s.PercentileByDim = DimValues{}
	for d := Dim(0); d < NumDims; d++ {
		s.PercentileByDim[d.String()] = s.Percentile
	}
	s.PercentileByDim[DimMem.String()] = 100
	for _, prof := range []string{"day", "week"} {
		s.Profile = prof
		srv := profileServer()
		main, alt, err := ProfilePercentiles(srv, s, []float64{50, 100})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := Profile(srv, s)
		if !reflect.DeepEqual(main.Demand, want.Demand) || len(alt) != 2 {
			t.Fatalf("%s: main profile differs from Profile's, or %d alternatives", prof, len(alt))
		}
		for k, pct := range []float64{50, 100} {
			ps := s.Clone()
			ps.Percentile = pct
			for d := Dim(0); d < NumDims; d++ {
				if d != DimMem {
					ps.PercentileByDim[d.String()] = pct
				}
			}
			w, _ := Profile(srv, ps)
			if !reflect.DeepEqual(alt[k], w.Demand) {
				t.Errorf("%s P%g: alternative differs from Profile at that percentile", prof, pct)
			}
		}
		// On day 1 the CPU is at 20 % busy, on day 2 at 40 %: P50 (nearest
		// rank of 2) takes day 1's, P100 day 2's.
		if a, b := alt[0].Values[DimCPU][0], alt[1].Values[DimCPU][0]; !(a < b) {
			t.Errorf("%s: CPU at P50 %g, at P100 %g; want P50 < P100", prof, a, b)
		}
	}
	if _, _, err := ProfilePercentiles(profileServer(), maxSettings(), []float64{0}); err == nil {
		t.Error("percentile 0 accepted")
	}
}

// TestPeakAndPercentileSizes: Azure's per-VM sizing of profileServer by
// hand. CPU: 4 cores × 1500/1000 = 6 reference cores × 1.05 (kvm-virtio);
// the 574 slots (2 gaps) hold busy 10 % once, 20 % 286 times, 40 % 286
// times and 90 % once; P95 is rank ⌈0.95 × 574⌉ = 546, a 40 % slot.
// Memory: 2 GiB on day 1, 3 GiB on day 2 (interval max).
func TestPeakAndPercentileSizes(t *testing.T) {
	s := DefaultSettings.Clone() // slot mean: the baseline uses the max regardless
	peak, pctl, err := PeakAndPercentileSizes(profileServer(), s, 95, 1.3)
	if err != nil {
		t.Fatal(err)
	}
	ovh := VMMemOverheadBytes(8*GiB, 4, s)
	for _, c := range []struct {
		what      string
		got, want float64
	}{
		{"peak cpu", peak[DimCPU], 0.90 * 6 * 1.05},
		{"P95 × 1.3 cpu", pctl[DimCPU], 0.40 * 6 * 1.05 * 1.3},
		{"peak mem", peak[DimMem], 3*GiB + ovh},
		{"P95 × 1.3 mem", pctl[DimMem], 3*GiB*1.3 + ovh},
		{"P95 × 1.3 disk bytes", pctl[DimDiskBytes], 150 * 1.3},
		{"P95 × 1.3 iops (never measured)", pctl[DimDiskIOPS], 0},
	} {
		// The full timeline is float32: 1e-6 relative.
		if !closeTo(c.got, c.want, 1e-6) {
			t.Errorf("%s = %g, want %g", c.what, c.got, c.want)
		}
	}
}
