package profile

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

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
func profileServer() *model.Server {
	srv := &model.Server{ID: "web01", Inventory: model.Inventory{
		FormatVersion: 1, Hostname: "web01", Cores: 4, Threads: 4,
		CPUScorePerCore: 1500, MemTotalBytes: 8 * model.GiB,
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
			mem := []float64{2 * model.GiB, 3 * model.GiB}[d]
			x := modeltest.Sample(modeltest.Sec((d*288+j)*300), 300, map[model.Metric]modeltest.MV{
				model.CPUBusyPct:           {10, cpuMax},
				model.MemUsedBytes:         {mem / 2, mem},
				model.DiskReadBytesPerSec:  {80, 100},
				model.DiskWriteBytesPerSec: {40, 50},
			})
			if d == 1 && j == 7 {
				x.Set(model.DiskWriteBytesPerSec, math.NaN(), math.NaN())
			}
			srv.Series.Append(x)
		}
	}
	return srv
}

// maxSettings are the defaults with the interval max as the slot statistic,
// the case these hand-computed profiles were written for.
func maxSettings() model.Settings {
	s := measuredSettings()
	s.SlotStat = "max"
	return s
}

func TestServer(t *testing.T) {
	s := maxSettings()
	srv := profileServer()
	p, err := Server(srv, s)
	if err != nil {
		t.Fatal(err)
	}
	// Overhead: 0.002 × 8 GiB + 218 MiB + 4 × 8 MiB.
	ovh := 0.002*8*model.GiB + 218*model.MiB + 4*8*model.MiB
	// CPU slot = P95 over the 2 days (= the larger) of max busy % / 100 ×
	// 6 reference cores × 1.05.
	cpu := 40.0 / 100 * 6 * 1.05     // 2.52
	cpuPeak := 90.0 / 100 * 6 * 1.05 // 5.67
	tests := []struct {
		dim  model.Dim
		slot int
		want float64
	}{
		{model.DimCPU, 0, cpu},
		{model.DimCPU, 100, cpuPeak},
		{model.DimCPU, 287, cpu},
		{model.DimCPU, 200, cpuPeak}, // no data: the profile's peak
		{model.DimMem, 0, 3*model.GiB + ovh},
		{model.DimMem, 200, 3*model.GiB + ovh},
		{model.DimDiskBytes, 0, 150},
		{model.DimDiskBytes, 7, 150}, // day 0: 150, day 1: read only 100 -> P95 150
		{model.DimDiskBytes, 200, 150},
		{model.DimDiskIOPS, 0, 0},
		{model.DimDiskIOPS, 200, 0},
		{model.DimNetBytes, 5, 0},
	}
	for _, tc := range tests {
		row := p.Demand.Values[tc.dim]
		if len(row) != 288 {
			t.Fatalf("%s: %d slots, want 288", tc.dim, len(row))
		}
		if got := row[tc.slot]; !modeltest.Close(got, tc.want, 1e-12) {
			t.Errorf("%s slot %d = %v, want %v", tc.dim, tc.slot, got, tc.want)
		}
	}
	if p.Demand.ID != "web01" || p.Samples != 574 || p.CoveredSec != 574*300 ||
		!p.First.Equal(modeltest.T0) || !p.Last.Equal(modeltest.T0.Add(48*time.Hour)) {
		t.Errorf("ID %q Samples %d CoveredSec %d First %s Last %s", p.Demand.ID, p.Samples, p.CoveredSec, p.First, p.Last)
	}
	if !modeltest.Close(p.CPU.CoresRef, 6, 1e-12) || p.CPU.Method != "calibration" {
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
		s := measuredSettings()
		s.SlotStat = "mean"
		p, err := Server(srv, s)
		if err != nil {
			t.Fatal(err)
		}
		// Mean busy 10 %: 0.1 × 6 × 1.05; memory mean 1.5 GiB on day 1.
		if got, want := p.Demand.Values[model.DimCPU][0], 10.0/100*6*1.05; !modeltest.Close(got, want, 1e-12) {
			t.Errorf("cpu = %v, want %v", got, want)
		}
		if got, want := p.Demand.Values[model.DimMem][0], 1.5*model.GiB+ovh; !modeltest.Close(got, want, 1e-12) {
			t.Errorf("mem = %v, want %v", got, want)
		}
	})
	t.Run("P50", func(t *testing.T) {
		s := maxSettings()
		s.Percentile = 50 // the smaller of the two days
		p, err := Server(srv, s)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := p.Demand.Values[model.DimCPU][100], 10.0/100*6*1.05; !modeltest.Close(got, want, 1e-12) {
			t.Errorf("cpu slot 100 = %v, want %v", got, want)
		}
		// The gap takes the peak of the P50 profile: 20 % on the other slots.
		if got, want := p.Demand.Values[model.DimCPU][200], 20.0/100*6*1.05; !modeltest.Close(got, want, 1e-12) {
			t.Errorf("cpu slot 200 = %v, want %v", got, want)
		}
	})
	t.Run("guest RAM from samples", func(t *testing.T) {
		srv := profileServer()
		srv.Inventory.MemTotalBytes = 0
		srv.Series.Mean[model.MemTotalBytes][3] = 16 * model.GiB
		srv.Series.Max[model.MemTotalBytes][3] = 16 * model.GiB
		p, err := Server(srv, maxSettings())
		if err != nil {
			t.Fatal(err)
		}
		ovh := 0.002*16*model.GiB + 218*model.MiB + 4*8*model.MiB
		if got := p.Demand.Values[model.DimMem][0]; !modeltest.Close(got, 3*model.GiB+ovh, 1e-12) {
			t.Errorf("mem = %v, want %v", got, 3*model.GiB+ovh)
		}
	})
}

func TestServerErrors(t *testing.T) {
	empty := &model.Server{ID: "empty", Inventory: model.Inventory{Cores: 1}}
	if _, err := Server(empty, measuredSettings()); !errors.Is(err, ErrNoSamples) || !strings.Contains(err.Error(), "empty") {
		t.Errorf("Server(no samples) error = %v, want ErrNoSamples naming the server", err)
	}
	bad := measuredSettings()
	bad.StepSec = 7 // does not divide a day
	if _, err := Server(profileServer(), bad); err == nil {
		t.Error("Server with a 7 s step: no error")
	}
}

// TestServerPercentiles: the extra demands equal Server's at those
// percentiles, a resource set apart by PercentileByDim keeps its own, and
// the main profile is Server's.
func TestServerPercentiles(t *testing.T) {
	s := maxSettings()
	s.PercentileByDim = model.DimValues{}
	for d := model.Dim(0); d < model.NumDims; d++ {
		s.PercentileByDim[d.String()] = s.Percentile
	}
	s.PercentileByDim[model.DimMem.String()] = 100
	for _, prof := range []model.ProfileKind{model.ProfileDay, model.ProfileWeek} {
		s.Profile = prof
		srv := profileServer()
		main, alt, err := ServerPercentiles(srv, s, []float64{50, 100})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := Server(srv, s)
		if !reflect.DeepEqual(main.Demand, want.Demand) || len(alt) != 2 {
			t.Fatalf("%s: main profile differs from Server's, or %d alternatives", prof, len(alt))
		}
		for k, pct := range []float64{50, 100} {
			ps := s.Clone()
			ps.Percentile = pct
			for d := model.Dim(0); d < model.NumDims; d++ {
				if d != model.DimMem {
					ps.PercentileByDim[d.String()] = pct
				}
			}
			w, _ := Server(srv, ps)
			if !reflect.DeepEqual(alt[k], w.Demand) {
				t.Errorf("%s P%g: alternative differs from Server at that percentile", prof, pct)
			}
		}
		// On day 1 the CPU is at 20 % busy, on day 2 at 40 %: P50 (nearest
		// rank of 2) takes day 1's, P100 day 2's.
		if a, b := alt[0].Values[model.DimCPU][0], alt[1].Values[model.DimCPU][0]; !(a < b) {
			t.Errorf("%s: CPU at P50 %g, at P100 %g; want P50 < P100", prof, a, b)
		}
	}
	if _, _, err := ServerPercentiles(profileServer(), maxSettings(), []float64{0}); err == nil {
		t.Error("percentile 0 accepted")
	}
}

// TestPeakAndPercentileSizes: Azure's per-VM sizing of profileServer by
// hand. CPU: 4 cores × 1500/1000 = 6 reference cores × 1.05 (kvm-virtio);
// the 574 slots (2 gaps) hold busy 10 % once, 20 % 286 times, 40 % 286
// times and 90 % once; P95 is rank ⌈0.95 × 574⌉ = 546, a 40 % slot.
// Memory: 2 GiB on day 1, 3 GiB on day 2 (interval max).
func TestPeakAndPercentileSizes(t *testing.T) {
	s := measuredSettings() // slot mean: the baseline uses the max regardless
	peak, pctl, err := PeakAndPercentileSizes(profileServer(), s, 95, 1.3)
	if err != nil {
		t.Fatal(err)
	}
	ovh := VMMemOverheadBytes(8*model.GiB, 4, s)
	for _, c := range []struct {
		what      string
		got, want float64
	}{
		{"peak cpu", peak[model.DimCPU], 0.90 * 6 * 1.05},
		{"P95 × 1.3 cpu", pctl[model.DimCPU], 0.40 * 6 * 1.05 * 1.3},
		{"peak mem", peak[model.DimMem], 3*model.GiB + ovh},
		{"P95 × 1.3 mem", pctl[model.DimMem], 3*model.GiB*1.3 + ovh},
		{"P95 × 1.3 disk bytes", pctl[model.DimDiskBytes], 150 * 1.3},
		{"P95 × 1.3 iops (never measured)", pctl[model.DimDiskIOPS], 0},
	} {
		// The full timeline is float32: 1e-6 relative.
		if !modeltest.Close(c.got, c.want, 1e-6) {
			t.Errorf("%s = %g, want %g", c.what, c.got, c.want)
		}
	}
}

// measuredSettings are the defaults without the evidence reserve: the
// hand-computed cases here size what was measured (the reserve has its own
// tests in entitlement_test.go).
func measuredSettings() model.Settings {
	s := model.DefaultSettings.Clone()
	s.EvidenceReserve = false
	return s
}

// sparseServer mirrors sysstat's expected.sadf-d as `kvmfit import sar`
// reads it: 5 samples of 22 to 39 seconds, CPU 4.21 to 28.15 % busy,
// 3.5 GiB of memory used, disk bytes (read + write) up to 2,327,393.28 B/s,
// no network; 10 logical CPUs, no score (10 reference cores), 8 GiB. No
// 5-minute slot is half covered by samples.
func sparseServer() *model.Server {
	srv := &model.Server{ID: "SYSSTAT.TEST", Inventory: model.Inventory{FormatVersion: 1, Hostname: "SYSSTAT.TEST", Threads: 10, MemTotalBytes: 8 * model.GiB}}
	for _, x := range []struct {
		sec, iv     int
		cpu, rd, wr float64
	}{{0, 31, 17, 29404.16, 19712}, {10, 31, 4.21, 8785.92, 10654.72}, {12, 39, 28.15, 0, 0}, {39, 22, 23.61, 2302694.4, 24698.88}, {2056, 31, 25.69, 32849.92, 0}} {
		srv.Series.Append(modeltest.Sample(modeltest.Sec(13*3600+x.sec), x.iv, map[model.Metric]modeltest.MV{
			model.CPUBusyPct:           {x.cpu, x.cpu},
			model.MemUsedBytes:         {3.5 * model.GiB, 3.5 * model.GiB},
			model.DiskReadBytesPerSec:  {x.rd, x.rd},
			model.DiskWriteBytesPerSec: {x.wr, x.wr},
		}))
	}
	return srv
}

// TestServerSparse: a resource whose samples cover no slot by half is
// sized at its largest sample in every slot (it used to be CPU 0 with the
// warning "no cpu data: cpu demand counted as 0"); one the source never
// measured is CPU at the server's whole capacity, memory at the installed
// size, disk and network at 0 — each with a warning and its Fallback.
func TestServerSparse(t *testing.T) {
	for _, kind := range []model.ProfileKind{model.ProfileDay, model.ProfileWeek, model.ProfileFull} {
		t.Run(string(kind), func(t *testing.T) {
			s := measuredSettings()
			s.Profile = kind
			p, err := Server(sparseServer(), s)
			if err != nil {
				t.Fatal(err)
			}
			ovh := 0.002*8*model.GiB + 218*model.MiB + 10*8*model.MiB
			want := [model.NumDims]float64{
				model.DimCPU:       28.15 / 100 * 10 * 1.05,
				model.DimMem:       3.5*model.GiB + ovh,
				model.DimDiskBytes: 2302694.4 + 24698.88,
			}
			slots := map[model.ProfileKind]int{model.ProfileDay: 288, model.ProfileWeek: 2016, model.ProfileFull: 288}[kind]
			for d := model.Dim(0); d < model.NumDims; d++ {
				row := p.Demand.Values[d]
				if len(row) != slots {
					t.Fatalf("%s: %d slots, want %d", d, len(row), slots)
				}
				for _, tt := range []int{0, 156, slots - 1} {
					if !modeltest.Close(row[tt], want[d], 1e-9) {
						t.Errorf("%s slot %d = %v, want %v", d, tt, row[tt], want[d])
					}
				}
			}
			wantFallback := [model.NumDims]string{FallbackSampleMax, FallbackSampleMax, FallbackZero, FallbackSampleMax, FallbackZero}
			if p.Fallback != wantFallback {
				t.Errorf("fallback %q, want %q", p.Fallback, wantFallback)
			}
			for _, w := range []string{
				"no usable cpu data: 5 samples, but no 300-second slot at least half covered by them; sized at the largest sample (28.15% busy) in every slot",
				"no usable mem data: 5 samples",
				"no disk_iops data: disk_iops demand counted as 0",
			} {
				if !slices.ContainsFunc(p.Warnings, func(s string) bool { return strings.HasPrefix(s, w) }) {
					t.Errorf("no warning %q in %q", w, p.Warnings)
				}
			}
			if p.SlotsPresent != 0 {
				t.Errorf("slots present %d, want 0 (nothing was filled before the count)", p.SlotsPresent)
			}
		})
	}
	t.Run("never measured", func(t *testing.T) {
		srv := sparseServer()
		for i := range srv.Series.Start {
			for _, m := range []model.Metric{model.CPUBusyPct, model.MemUsedBytes} {
				srv.Series.Mean[m][i], srv.Series.Max[m][i] = math.NaN(), math.NaN()
			}
		}
		p, err := Server(srv, measuredSettings())
		if err != nil {
			t.Fatal(err)
		}
		ovh := 0.002*8*model.GiB + 218*model.MiB + 10*8*model.MiB
		if got, want := p.Demand.Values[model.DimCPU][7], 10*1.05; !modeltest.Close(got, want, 1e-12) {
			t.Errorf("cpu = %v, want the whole capacity %v", got, want)
		}
		if got, want := p.Demand.Values[model.DimMem][7], 8*model.GiB+ovh; !modeltest.Close(got, want, 1e-12) {
			t.Errorf("mem = %v, want the installed %v", got, want)
		}
		if p.Fallback[model.DimCPU] != FallbackCapacity || p.Fallback[model.DimMem] != FallbackInstalled ||
			!slices.Contains(p.Warnings, "no CPU data: sized at the server's whole CPU capacity (10 reference cores) in every slot") {
			t.Errorf("fallback %q, warnings %q", p.Fallback, p.Warnings)
		}
	})
}
