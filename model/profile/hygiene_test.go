package profile

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset/datasettest"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

// issue is an InputIssue without its message, for comparisons.
type issue struct {
	kind    string
	servers []string
}

func issuesOf(f *Fleet) []issue {
	var out []issue
	for _, x := range f.InputIssues {
		out = append(out, issue{x.Kind, x.Servers})
	}
	return out
}

// samplesOf is days of 300 s samples from modeltest.T0 + startDay with
// the given metrics constant.
func samplesOf(startDay, days int, vals map[model.Metric]modeltest.MV) []model.Sample {
	var out []model.Sample
	for i := range days * 288 {
		out = append(out, modeltest.Sample(modeltest.Sec((startDay*288+i)*300), 300, vals))
	}
	return out
}

// TestDatasetsMissingResource: every resource sized without usable data is
// an InputIssue "missing_resource" naming the servers, by resource and by
// what was done — a CPU-only trace (PlanetLab) and a sparse sar import.
func TestDatasetsMissingResource(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ds")
	sparse := sparseServer()
	var xs []model.Sample
	for i := range sparse.Series.Start {
		xs = append(xs, sparse.Series.At(i))
	}
	datasettest.Write(t, dir,
		datasettest.Server{ID: "pl1", Inventory: model.Inventory{Hostname: "pl1", Cores: 2}, Samples: samplesOf(0, 2, map[model.Metric]modeltest.MV{model.CPUBusyPct: {30, 30}})},
		datasettest.Server{ID: "sar1", Inventory: sparse.Inventory, Samples: xs},
	)
	f, err := Datasets([]string{dir}, measuredSettings(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []issue{
		{"missing_resource", []string{"sar1"}},        // cpu: largest sample
		{"missing_resource", []string{"sar1"}},        // mem: largest sample
		{"missing_resource", []string{"pl1"}},         // mem: 0, no installed size
		{"missing_resource", []string{"pl1", "sar1"}}, // disk_iops: 0
		{"missing_resource", []string{"sar1"}},        // disk_bytes: largest sample
		{"missing_resource", []string{"pl1"}},         // disk_bytes: 0
		{"missing_resource", []string{"pl1", "sar1"}}, // net_bytes: 0
	}
	if got := issuesOf(f); !reflect.DeepEqual(got, want) {
		t.Fatalf("issues %v, want %v", got, want)
	}
	for k, prefix := range []string{
		"cpu: samples too few or too short on 1 server (not one 300-second slot half covered): sized at their largest sample",
		"mem: samples too few or too short on 1 server",
		"mem: never measured on 1 server",
		"disk_iops: never measured on 2 servers (the source does not record it) and nothing to size it from: counted as 0",
	} {
		if m := f.InputIssues[k].Message; !strings.HasPrefix(m, prefix) {
			t.Errorf("issue %d: %q, want it to start %q", k, m, prefix)
		}
	}
	// The sparse server's CPU is 28.15 % of 10 reference cores × 1.05, not 0.
	if got, want := f.Demand.Servers[1].Peak(model.DimCPU), 28.15/100*10*1.05; !modeltest.Close(got, want, 1e-9) {
		t.Errorf("sar1 cpu peak %v, want %v", got, want)
	}
}

// TestDatasetsDuplicates: the same server read twice is merged into one
// server (an import run twice into one dataset; the collector's data and a
// sar import of the same host; one machine id under two host names), with
// an InputIssue "duplicate" naming every directory; servers that only
// share a name stay apart (web01.dc1 and web01.dc2, trace IDs, different
// hardware). It used to count vm, vm-2 and ds2/VM as three servers.
func TestDatasetsDuplicates(t *testing.T) {
	root := t.TempDir()
	ds1, ds2 := filepath.Join(root, "ds1"), filepath.Join(root, "ds2")
	sar := inv4("vm.example.com")
	sar.Threads, sar.Source = 8, "import:sar"
	collector := inv4("VM")
	collector.MachineID, collector.Source, collector.CPUScorePerCore = "abc", "kvmfit-collect", 1000
	old, renamed := inv4("oldname"), inv4("newname")
	old.MachineID, renamed.MachineID = "m-42", "M-42"
	db8, db16 := inv4("db"), inv4("db")
	db8.Threads, db16.Threads = 8, 16
	writeFleet(t, ds1,
		fleetServer{name: "db", inv: db8, days: 1, cpuPct: 10},
		fleetServer{name: "oldname", inv: old, days: 2, cpuPct: 10},
		fleetServer{name: "trace1", inv: inv4("1"), days: 1, cpuPct: 10},
		fleetServer{name: "vm", inv: sar, days: 2, cpuPct: 20},
		fleetServer{name: "vm-2", inv: sar, days: 2, cpuPct: 20},
		fleetServer{name: "web01", inv: inv4("web01.dc1"), days: 1, cpuPct: 10})
	writeFleet(t, ds2,
		fleetServer{name: "VM", inv: collector, startDay: 1, days: 3, cpuPct: 30},
		fleetServer{name: "db", inv: db16, days: 1, cpuPct: 10},
		fleetServer{name: "newname", inv: renamed, startDay: 3, days: 2, cpuPct: 40},
		fleetServer{name: "trace1b", inv: inv4("1"), days: 1, cpuPct: 10},
		fleetServer{name: "web01", inv: inv4("web01.dc2"), days: 1, cpuPct: 10})
	var samples sync.Map
	f, err := Datasets([]string{ds1, ds2}, measuredSettings(), Options{Each: func(k int, srv *model.Server) { samples.Store(srv.ID, srv.Series.Len()) }})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ps := range f.Servers {
		ids = append(ids, ps.ID)
	}
	if want := []string{"db", "oldname", "trace1", "VM", "web01", "ds2/db", "trace1b", "ds2/web01"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("servers %v, want %v", ids, want)
	}
	var dups []model.InputIssue
	for _, x := range f.InputIssues {
		if x.Kind == "duplicate" {
			dups = append(dups, x)
		}
	}
	if len(dups) != 2 || !reflect.DeepEqual(dups[0].Servers, []string{"oldname"}) || !reflect.DeepEqual(dups[1].Servers, []string{"VM"}) {
		t.Fatalf("duplicates %+v", dups)
	}
	// oldname and newname: one machine id, periods apart: concatenated.
	if m := dups[0].Message; !strings.HasPrefix(m, "oldname: the same server read 2 times, by the same machine id — ") ||
		!strings.Contains(m, filepath.Join(ds1, "oldname")+" (test, 2026-01-01T00:00:00Z to 2026-01-03T00:00:00Z, all 576 samples kept); ") ||
		!strings.Contains(m, filepath.Join(ds2, "newname")+" (test, 2026-01-04T00:00:00Z to 2026-01-06T00:00:00Z, 576 samples added: no overlap)") {
		t.Errorf("message %q", m)
	}
	// vm, vm-2 and VM: VM covers the most time and is kept whole; vm adds
	// the day before it, vm-2 nothing.
	if m := dups[1].Message; !strings.HasPrefix(m, "VM: the same server read 3 times, by the same host name — "+filepath.Join(ds2, "VM")+" (kvmfit-collect, ") ||
		!strings.Contains(m, filepath.Join(ds1, "vm")+" (import:sar, 2026-01-01T00:00:00Z to 2026-01-03T00:00:00Z, 288 samples added, 288 overlapping ones dropped); ") ||
		!strings.Contains(m, filepath.Join(ds1, "vm-2")+" (import:sar, 2026-01-01T00:00:00Z to 2026-01-03T00:00:00Z, 0 samples added, 576 overlapping ones dropped)") ||
		!strings.HasSuffix(m, "give each a different machine_id in inventory.json") {
		t.Errorf("message %q", m)
	}
	// Each sees the merged servers: 2 + 2 days, and 3 + 1 days.
	for id, n := range map[string]int{"oldname": 1152, "VM": 1152, "trace1": 288} {
		if got, _ := samples.Load(id); got != n {
			t.Errorf("%s: %v samples, want %d", id, got, n)
		}
	}
	vm := f.Servers[3]
	if vm.Dataset != ds2 || vm.Source != "kvmfit-collect" || f.VCPUs["VM"] != 8 || !slices.Contains(vm.Warnings, dups[1].Message) {
		t.Errorf("VM: dataset %s source %s vCPUs %d (threads from the sar inventory), warnings %q", vm.Dataset, vm.Source, f.VCPUs["VM"], vm.Warnings)
	}
	// Merged: 4 days, the first at 20 % (vm), then 30 % (VM).
	if f.Grid.DataStart != "2026-01-01T00:00:00Z" || f.Grid.DataEnd != "2026-01-06T00:00:00Z" || vm.CoveragePct != 80 {
		t.Errorf("grid %+v, VM coverage %v", f.Grid, vm.CoveragePct)
	}
}
