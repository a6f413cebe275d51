package profile

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

// fleetSeries overwrites s with server i's synthetic samples: days of
// 300 s intervals from t0, a diurnal CPU curve with noise and spikes, steady
// memory, disk and network, seeded by i (deterministic).
func fleetSeries(s *model.Series, i, days int) {
	n := days * 288
	if s.Len() != n {
		*s = model.Series{}
		for j := 0; j < n; j++ {
			s.Append(model.NewSample(modeltest.Sec(j*300), 300*time.Second))
		}
	}
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	base := 2 + 20*rng.Float64()
	phase := rng.Float64() * 2 * math.Pi
	mem := float64(2+rng.IntN(30)) * model.GiB
	for j := 0; j < n; j++ {
		day := 2 * math.Pi * float64(j%288) / 288
		cpu := base * (1 + 0.8*math.Sin(day+phase))
		cpu = math.Min(100, cpu*(0.8+0.4*rng.Float64()))
		spike := math.Min(100, cpu*(1+3*rng.Float64()))
		s.Mean[model.CPUBusyPct][j], s.Max[model.CPUBusyPct][j] = cpu, spike
		m := mem * (0.6 + 0.05*rng.Float64())
		s.Mean[model.MemUsedBytes][j], s.Max[model.MemUsedBytes][j] = m, m*1.01
		s.Mean[model.MemTotalBytes][j], s.Max[model.MemTotalBytes][j] = mem, mem
		for _, k := range []model.Metric{model.DiskReadBytesPerSec, model.DiskWriteBytesPerSec, model.NetRxBytesPerSec, model.NetTxBytesPerSec} {
			v := 1e6 * cpu * rng.Float64()
			s.Mean[k][j], s.Max[k][j] = v, 2*v
		}
		for _, k := range []model.Metric{model.DiskReadIOPS, model.DiskWriteIOPS} {
			v := 5 * cpu * rng.Float64()
			s.Mean[k][j], s.Max[k][j] = v, 2*v
		}
	}
}

// BenchmarkFleetProfile builds the packable demand of a whole fleet the way
// `kvmfit plan` does: one server's samples in memory at a time, every
// profile kept. It reports the wall time per fleet (ns/op and s/fleet), the
// peak heap in use (sampled every 100 servers and at the end) and the size
// of the demand, and the CPU time (user + system; the loop is sequential, so
// on a busy machine it is the better measure of the work). The 10,000-server cases are the scale target:
//
//	go test ./model/profile -run '^$' -bench 'FleetProfile/servers=10000' -benchtime 1x
func BenchmarkFleetProfile(b *testing.B) {
	for _, c := range []struct {
		servers, days int
		profile       model.ProfileKind
		stepSec       int
	}{
		{100, 30, "day", 300},
		{1000, 30, "day", 300},
		{10000, 30, "day", 300},
		{10000, 30, "week", 300},
		{10000, 30, "full", 900},
		{10000, 30, "full", 300},
	} {
		name := fmt.Sprintf("servers=%d/days=%d/profile=%s/step=%d", c.servers, c.days, c.profile, c.stepSec)
		b.Run(name, func(b *testing.B) {
			s := model.DefaultSettings.Clone()
			s.Profile, s.StepSec = c.profile, c.stepSec
			for b.Loop() {
				runtime.GC()
				start, cpu0 := time.Now(), cpuSeconds()
				var peak uint64
				sample := func() {
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}
				srv := &model.Server{Inventory: model.Inventory{Cores: 8, Threads: 16, CPUMHz: 2400, MemTotalBytes: 16 * model.GiB, OSFamily: "linux"}}
				d := &model.Demand{Step: s.Step(), Profile: s.Profile}
				var full []*Result
				for i := 0; i < c.servers; i++ {
					srv.ID = fmt.Sprintf("srv%05d", i)
					fleetSeries(&srv.Series, i, c.days)
					p, err := Server(srv, s)
					if err != nil {
						b.Fatal(err)
					}
					if c.profile == "full" {
						full = append(full, p)
					}
					d.Servers = append(d.Servers, p.Demand)
					if i%100 == 0 {
						sample()
					}
				}
				if c.profile == "full" {
					g := Grid{Start: modeltest.T0, Step: s.Step(), Slots: c.days * int(24*time.Hour/s.Step())}
					for i, p := range full {
						d.Servers[i], _ = p.OnGrid(g)
						full[i] = nil
						if i%100 == 0 {
							sample()
						}
					}
				}
				sample()
				slots := len(d.Servers[0].Values[model.DimCPU])
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(c.servers)*float64(slots)*float64(model.NumDims)*8/(1<<20), "demand-MiB")
				b.ReportMetric(time.Since(start).Seconds(), "s/fleet")
				b.ReportMetric(cpuSeconds()-cpu0, "cpu-s/fleet")
			}
		})
	}
}
