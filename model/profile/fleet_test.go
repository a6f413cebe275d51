package profile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
	"github.com/kvmfit/kvmfit/model/dataset/datasettest"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

// fleetServer is one server of a test dataset: its inventory, and days of
// 300 s samples from modeltest.T0 + startDay (none when days is 0) at a
// constant CPU busy % (cpuPct, and cpuPct + swingPct on every other day)
// and 4 GiB of used memory.
type fleetServer struct {
	name             string
	inv              model.Inventory
	startDay, days   int
	cpuPct, swingPct float64
}

// writeFleet writes the servers as a dataset at dir.
func writeFleet(t testing.TB, dir string, servers ...fleetServer) {
	t.Helper()
	var ds []datasettest.Server
	for _, fs := range servers {
		s := datasettest.Server{ID: fs.name, Inventory: fs.inv}
		for i := range fs.days * 288 {
			cpu := fs.cpuPct
			if i/288%2 == 1 {
				cpu += fs.swingPct
			}
			s.Samples = append(s.Samples, modeltest.Sample(modeltest.Sec((fs.startDay*288+i)*300), 300, map[model.Metric]modeltest.MV{
				model.CPUBusyPct:   {cpu, cpu},
				model.MemUsedBytes: {4 * model.GiB, 4 * model.GiB},
			}))
		}
		ds = append(ds, s)
	}
	datasettest.Write(t, dir, ds...)
}

// inv4 is an inventory of 4 cores, 8 GiB, no CPU score or MHz: each core
// counts as one reference core.
func inv4(host string) model.Inventory {
	return model.Inventory{Hostname: host, Cores: 4, MemTotalBytes: 8 * model.GiB, Source: "test"}
}

// memDemand is the memory demand of a server of inv4 using 4 GiB under the
// default settings: used memory + 0.002 × 8 GiB + 218 MiB + 4 × 8 MiB.
const memDemand = 4*model.GiB + 0.002*8*model.GiB + 218*model.MiB + 4*8*model.MiB

func TestDatasets(t *testing.T) {
	root := t.TempDir()
	dc1, dc2 := filepath.Join(root, "dc1"), filepath.Join(root, "dc2")
	web1 := fleetServer{name: "web01", inv: inv4("web01.dc1"), days: 2, cpuPct: 50}
	web1.inv.Threads, web1.inv.Watts = 8, 300
	empty := fleetServer{name: "empty01", inv: model.Inventory{Hostname: "empty01", Cores: 2, OSFamily: "linux"}}
	writeFleet(t, dc1, web1, empty)
	writeFleet(t, dc2, fleetServer{name: "web01", inv: inv4("web01.dc2"), days: 2, cpuPct: 25})

	s := measuredSettings()
	var progress [][2]int
	f, err := Datasets([]string{dc1, dc2}, s, Options{Progress: func(done, total int) { progress = append(progress, [2]int{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	// Servers in input order; the second web01 is told apart by its dataset.
	var ids []string
	for _, ps := range f.Servers {
		ids = append(ids, ps.ID)
	}
	if want := []string{"empty01", "web01", "dc2/web01"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("servers %v, want %v", ids, want)
	}
	if want := []model.Unplaced{{Server: "empty01", Reason: "no samples: nothing to size"}}; !reflect.DeepEqual(f.NoData, want) {
		t.Errorf("no data %+v, want %+v", f.NoData, want)
	}
	if e := f.Servers[0]; !slices.Contains(e.Warnings, "no samples") || e.Analysis.OSFamily != "linux" || e.Dataset != dc1 {
		t.Errorf("server without samples: %+v", e)
	}
	if want := map[string]int{"empty01": 2, "web01": 8, "dc2/web01": 4}; !reflect.DeepEqual(f.VCPUs, want) {
		t.Errorf("vCPUs %v, want %v", f.VCPUs, want)
	}
	if w := f.Servers[1]; w.Watts != 300 || w.WattsSource != "inventory" || w.Hostname != "web01.dc1" || w.Source != "test" {
		t.Errorf("web01: %+v", w)
	}
	// The demand: one day of 5-minute slots from the first midnight.
	d := f.Demand
	if d.Start != modeltest.T0 || d.Step != 300*time.Second || d.Slots != 288 || d.Profile != "day" || len(d.Servers) != 2 ||
		d.Servers[0].ID != "web01" || d.Servers[1].ID != "dc2/web01" {
		t.Fatalf("demand %v %v %d %q, %d servers", d.Start, d.Step, d.Slots, d.Profile, len(d.Servers))
	}
	// 50 % of 4 hyper-threaded cores (5 reference cores) × 1.05
	// (kvm-virtio); 25 % of 4 reference cores for dc2's.
	for k, cpu := range []float64{2.625, 1.05} {
		sd := d.Servers[k]
		if len(sd.Values[model.DimCPU]) != 288 || !modeltest.Close(sd.Peak(model.DimCPU), cpu, 1e-12) || !modeltest.Close(sd.Peak(model.DimMem), memDemand, 1e-12) {
			t.Errorf("%s: peak cpu %v mem %v, want %v %v", sd.ID, sd.Peak(model.DimCPU), sd.Peak(model.DimMem), cpu, memDemand)
		}
		ps := f.Servers[k+1]
		if ps.PeakDemand["cpu"] != cpu || ps.CoveragePct != 100 || ps.CPUCoresRef != []float64{5, 4}[k] {
			t.Errorf("%s: peak demand %v, coverage %v, cores %v", ps.ID, ps.PeakDemand, ps.CoveragePct, ps.CPUCoresRef)
		}
		// Two whole days of two: all present, but fewer than 7 days.
		c := ps.Analysis.Confidence
		if c.SlotsPresent != 576 || c.SlotsExpected != 576 || c.PresentPct != 100 || c.Stars != 5 || c.Days != 2 || c.Rating != "short" ||
			!slices.Contains(ps.Warnings, "2.0 days of data: 7 or more recommended (MS MAP)") {
			t.Errorf("%s: confidence %+v, warnings %q", ps.ID, c, ps.Warnings)
		}
	}
	wantGrid := model.PlanGrid{DataStart: "2026-01-01T00:00:00Z", DataEnd: "2026-01-03T00:00:00Z", StepSec: 300, Profile: "day", Slots: 288}
	if f.Grid != wantGrid {
		t.Errorf("grid %+v, want %+v", f.Grid, wantGrid)
	}
	if len(f.Warnings) != 1 || !strings.HasPrefix(f.Warnings[0], "only 2.0 days of data") {
		t.Errorf("fleet warnings %q", f.Warnings)
	}
	if f.PercentileComfort != nil || f.PercentileDemands != nil {
		t.Error("baseline sizes or percentile demands without asking")
	}
	if len(progress) == 0 || progress[0] != [2]int{0, 3} || progress[len(progress)-1] != [2]int{3, 3} {
		t.Errorf("progress %v", progress)
	}
}

// TestDatasetsOrder profiles more servers than one batch of workers takes
// and checks that each server's demand is the one Server gives it alone,
// in input order, however the workers were scheduled.
func TestDatasetsOrder(t *testing.T) {
	dir := t.TempDir()
	var servers []fleetServer
	for i := range 70 {
		servers = append(servers, fleetServer{name: fmt.Sprintf("s%02d", i), inv: inv4(fmt.Sprintf("h%02d", i)), days: 1, cpuPct: float64(i), swingPct: 10})
	}
	writeFleet(t, dir, servers...)
	s := measuredSettings()
	f, err := Datasets([]string{dir}, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Demand.Servers) != len(servers) {
		t.Fatalf("%d servers profiled, want %d", len(f.Demand.Servers), len(servers))
	}
	for k, fs := range servers {
		srv, err := dataset.ReadServer(filepath.Join(dir, fs.name))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Server(srv, s)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(f.Demand.Servers[k], p.Demand) {
			t.Fatalf("server %d is %s, or its demand differs from Server's", k, f.Demand.Servers[k].ID)
		}
	}
}

// TestDatasetsOptions: Each sees every sample, Until cuts them, the extra
// percentiles and the baseline sizes come in Demand order.
func TestDatasetsOptions(t *testing.T) {
	dir := t.TempDir()
	writeFleet(t, dir,
		fleetServer{name: "a", inv: inv4("a"), days: 3, cpuPct: 20, swingPct: 40},
		fleetServer{name: "b", inv: inv4("b"), days: 3, cpuPct: 50})
	s := measuredSettings()
	var mu sync.Mutex
	seen := map[int]int{}
	o := Options{
		Each: func(k int, srv *model.Server) {
			mu.Lock()
			seen[k] = srv.Series.Len()
			mu.Unlock()
		},
		Until:         modeltest.T0.Add(48 * time.Hour),
		Percentiles:   []float64{50, 100},
		BaselineSizes: true,
	}
	f, err := Datasets([]string{dir}, s, o)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(seen, map[int]int{0: 3 * 288, 1: 3 * 288}) {
		t.Errorf("Each saw %v samples", seen)
	}
	if f.Grid.DataEnd != "2026-01-03T00:00:00Z" || f.Servers[0].Analysis.Confidence.SlotsPresent != 576 {
		t.Errorf("Until: grid %+v, confidence %+v", f.Grid, f.Servers[0].Analysis.Confidence)
	}
	// a is at 20 % of 4 cores on day 1 and 60 % on day 2: at every time of
	// day its P50 is 0.84 reference cores and its P100 2.52.
	if len(f.PercentileDemands) != 2 {
		t.Fatalf("%d percentile demands", len(f.PercentileDemands))
	}
	for k, want := range []float64{0.84, 2.52} {
		pd := f.PercentileDemands[k]
		if pd.Percentile != o.Percentiles[k] || pd.Demand.Slots != 288 || pd.Demand.Servers[0].ID != "a" || pd.Demand.Servers[1].ID != "b" ||
			!modeltest.Close(pd.Demand.Servers[0].Peak(model.DimCPU), want, 1e-12) || !modeltest.Close(pd.Demand.Servers[1].Peak(model.DimCPU), 2.1, 1e-12) {
			t.Errorf("P%g: %+v", pd.Percentile, pd.Demand.Servers)
		}
	}
	// The baseline: every server at its own P95 of its slots (a's 60 %)
	// × 1.3, the per-VM memory overhead added (the slots are float32).
	if len(f.PercentileComfort) != 2 || f.PercentileComfort[0].ID != "a" || f.PercentileComfort[1].ID != "b" ||
		!modeltest.Close(f.PercentileComfort[0].Size[model.DimCPU], 2.52*1.3, 1e-6) ||
		!modeltest.Close(f.PercentileComfort[1].Size[model.DimMem], 4*model.GiB*1.3+memDemand-4*model.GiB, 1e-12) {
		t.Errorf("baseline sizes %+v", f.PercentileComfort)
	}
	// A fleet larger than PercentilesMaxServers gets no extra percentiles.
	o.PercentilesMaxServers = 1
	if f, err := Datasets([]string{dir}, s, o); err != nil || f.PercentileDemands != nil {
		t.Errorf("over PercentilesMaxServers: %v, %d percentile demands", err, len(f.PercentileDemands))
	}
}

// TestDatasetsKinds: the week starts on the Monday before the first
// sample; the full timeline covers every day and fills the gaps.
func TestDatasetsKinds(t *testing.T) {
	dir := t.TempDir()
	writeFleet(t, dir,
		fleetServer{name: "long", inv: inv4("long"), days: 2, cpuPct: 50},
		fleetServer{name: "short", inv: inv4("short"), startDay: 1, days: 1, cpuPct: 50})
	s := measuredSettings()
	s.Profile = "week"
	f, err := Datasets([]string{dir}, s, Options{Percentiles: []float64{50}})
	if err != nil {
		t.Fatal(err)
	}
	if !f.Demand.Start.Equal(WeekStart(modeltest.T0)) || f.Demand.Slots != 7*288 || f.Grid.Slots != 7*288 || len(f.PercentileDemands) != 1 {
		t.Errorf("week: start %v, %d slots, %d percentile demands", f.Demand.Start, f.Demand.Slots, len(f.PercentileDemands))
	}
	s.Profile = "full"
	f, err = Datasets([]string{dir}, s, Options{Percentiles: []float64{50}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Demand.Start != modeltest.T0 || f.Demand.Slots != 2*288 || len(f.Demand.Servers[1].Values[model.DimCPU]) != 2*288 || f.PercentileDemands != nil {
		t.Fatalf("full: start %v, %d slots, %d percentile demands", f.Demand.Start, f.Demand.Slots, len(f.PercentileDemands))
	}
	want := "full profile: 288 of 576 slots have no CPU data (gaps, or outside the server's own time span) and take the server's time-of-day P95 — never interpolated"
	if !slices.Contains(f.Servers[1].Warnings, want) || slices.Contains(f.Servers[0].Warnings, want) {
		t.Errorf("full: warnings %q / %q", f.Servers[0].Warnings, f.Servers[1].Warnings)
	}
	// short's first day is filled with its time-of-day P95: the same 2.1.
	if v := f.Demand.Servers[1].Values[model.DimCPU][0]; !modeltest.Close(v, 2.1, 1e-12) {
		t.Errorf("full: filled slot %v, want 2.1", v)
	}
}

func TestDatasetsErrors(t *testing.T) {
	s := measuredSettings()
	dir := t.TempDir()
	if _, err := Datasets([]string{dir}, s, Options{}); !errors.Is(err, dataset.ErrNotDataset) {
		t.Errorf("empty directory: %v", err)
	}
	writeFleet(t, dir, fleetServer{name: "idle", inv: inv4("idle")})
	if _, err := Datasets([]string{dir}, s, Options{}); err == nil || !strings.Contains(err.Error(), "has samples") {
		t.Errorf("no samples anywhere: %v", err)
	}
	// A samples file that cannot be read names the server's directory.
	bad := filepath.Join(dir, "idle", dataset.SamplesFile)
	if err := os.WriteFile(bad, []byte("timestamp,interval_sec\nnot a time,300\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := Datasets([]string{dir}, s, Options{}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("unreadable samples: %v", err)
	}
}

// BenchmarkDatasets reads and profiles the dataset named by
// $KVMFIT_BENCH_DATA (skipped when unset) the way `kvmfit plan` does,
// without packing, e.g.:
//
//	kvmfit samples generate --servers 1000 --days 30 --seed 1 --out /tmp/fleet1k
//	KVMFIT_BENCH_DATA=/tmp/fleet1k go test ./model/profile -run '^$' -bench Datasets -benchtime 1x
func BenchmarkDatasets(b *testing.B) {
	dir := os.Getenv("KVMFIT_BENCH_DATA")
	if dir == "" {
		b.Skip("KVMFIT_BENCH_DATA not set")
	}
	s := measuredSettings()
	if p := os.Getenv("KVMFIT_BENCH_PROFILE"); p != "" {
		s.Profile = model.ProfileKind(p)
	}
	for b.Loop() {
		f, err := Datasets([]string{dir}, s, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(f.Demand.Servers)), "servers")
	}
}
