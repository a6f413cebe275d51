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
	// By fallback, then by set of servers, resources in order.
	want := []issue{
		{"missing_resource", []string{"sar1"}},        // cpu, mem, disk_bytes: largest sample
		{"missing_resource", []string{"pl1"}},         // mem, disk_bytes: 0
		{"missing_resource", []string{"pl1", "sar1"}}, // disk_iops, net_bytes: 0
	}
	if got := issuesOf(f); !reflect.DeepEqual(got, want) {
		t.Fatalf("issues %v, want %v", got, want)
	}
	for k, msg := range []string{
		"cpu, mem, disk_bytes: samples too few or too short on 1 server (not one 300-second slot half covered): sized at their largest sample in every slot — a guess; collect for days",
		"mem, disk_bytes: never measured on 1 server (the source does not record it) and nothing to size it from: counted as 0, so the plan does not check it for them",
		"disk_iops, net_bytes: never measured on 2 servers (the source does not record it) and nothing to size it from: counted as 0, so the plan does not check it for them",
	} {
		if m := f.InputIssues[k].Message; m != msg {
			t.Errorf("issue %d:\n got %q\nwant %q", k, m, msg)
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

// TestDatasetsPeriods: servers whose data do not overlap in time fall into
// periods, named in a plan warning and an InputIssue "periods" (the
// servers outside the largest period); it used to pass without a word.
func TestDatasetsPeriods(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ds")
	writeFleet(t, dir,
		fleetServer{name: "a", inv: inv4("a"), days: 2, cpuPct: 10},
		fleetServer{name: "b", inv: inv4("b"), startDay: 1, days: 2, cpuPct: 10},
		fleetServer{name: "c", inv: inv4("c"), startDay: 10, days: 1, cpuPct: 10})
	f, err := Datasets([]string{dir}, measuredSettings(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "the servers' data cover 2 periods that do not overlap: 2026-01-01T00:00:00Z to 2026-01-04T00:00:00Z (2 servers: a, b); 2026-01-11T00:00:00Z to 2026-01-12T00:00:00Z (1 server: c). The plan adds their demand slot by slot (the day profile lines them up by time of day) as if they had run at the same time"
	got := issuesOfKind(f, "periods")
	if len(got) != 1 || !reflect.DeepEqual(got[0].Servers, []string{"c"}) || !strings.HasPrefix(got[0].Message, want) ||
		!slices.Contains(f.Warnings, got[0].Message) {
		t.Errorf("periods issues %+v, warnings %q", got, f.Warnings)
	}

	t.Run("one period", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "ds")
		// b does not overlap a, but both overlap c: one period.
		writeFleet(t, dir,
			fleetServer{name: "a", inv: inv4("a"), days: 2, cpuPct: 10},
			fleetServer{name: "c", inv: inv4("c"), startDay: 1, days: 3, cpuPct: 10},
			fleetServer{name: "b", inv: inv4("b"), startDay: 2, days: 1, cpuPct: 10})
		f, err := Datasets([]string{dir}, measuredSettings(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range f.InputIssues {
			if x.Kind == "periods" {
				t.Errorf("issue %+v", x)
			}
		}
	})

	t.Run("full", func(t *testing.T) {
		s := measuredSettings()
		s.Profile = model.ProfileFull
		f, err := Datasets([]string{dir}, s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		// 11 days of grid; the longest server has 2 days of data.
		want := "full profile over 11 days (3168 slots per server), more than 2 × the longest server's own data (2.0 days): most of every server's timeline is filled"
		if !slices.ContainsFunc(f.Warnings, func(w string) bool { return strings.HasPrefix(w, want) }) {
			t.Errorf("warnings %q, want one starting %q", f.Warnings, want)
		}
		n := 0
		for _, x := range f.InputIssues {
			if x.Kind == "periods" {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d periods issues, want 2 (the periods, the long full span): %+v", n, f.InputIssues)
		}
		// Above the hard size the full profile is refused before it is built.
		defer func(v int) { fullHardMiB = v }(fullHardMiB)
		fullHardMiB = 0
		_, err = Datasets([]string{dir}, s, Options{})
		if err == nil || !strings.HasPrefix(err.Error(), "full profile: 3 servers × 3168 slots (11 days from 2026-01-01) would take 0 GiB of demand, above the 0 GiB") {
			t.Errorf("error %v", err)
		}
	})
}

// TestDatasetsTimeZones: servers whose local times were read in an assumed
// zone are named in a plan warning and an InputIssue "time_zone" per zone.
func TestDatasetsTimeZones(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ds")
	nmon, sarText, given := inv4("aix1"), inv4("lnx1"), inv4("lnx2")
	nmon.TimeZone, nmon.TimeZoneAssumed = "UTC", true
	sarText.TimeZone, sarText.TimeZoneAssumed = "UTC", true
	given.TimeZone = "Europe/Berlin"
	writeFleet(t, dir,
		fleetServer{name: "aix1", inv: nmon, days: 1, cpuPct: 10},
		fleetServer{name: "lnx1", inv: sarText, days: 1, cpuPct: 10},
		fleetServer{name: "lnx2", inv: given, days: 1, cpuPct: 10})
	f, err := Datasets([]string{dir}, measuredSettings(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := model.InputIssue{Kind: "time_zone", Servers: []string{"aix1", "lnx1"},
		Message: "local times of 2 servers (aix1, lnx1) were read as UTC because no time zone was given: if they were recorded in another zone, their day profile is shifted by the difference; re-import them with --tz"}
	got := issuesOfKind(f, "time_zone")
	if !reflect.DeepEqual(got, []model.InputIssue{want}) || !slices.Contains(f.Warnings, want.Message) {
		t.Errorf("issues %+v, warnings %q", got, f.Warnings)
	}
}

// TestDatasetsImplausibleTrend: a trend beyond ±100 % a year over four
// weeks is dropped and named in an InputIssue "trend".
func TestDatasetsImplausibleTrend(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ds")
	var xs []model.Sample
	for d := range 28 {
		cpu := 10 + float64(d) // % busy: +1 point a day
		xs = append(xs, samplesOf(d, 1, map[model.Metric]modeltest.MV{model.CPUBusyPct: {cpu, cpu}, model.MemUsedBytes: {4 * model.GiB, 4 * model.GiB}})...)
	}
	datasettest.Write(t, dir, datasettest.Server{ID: "ramp", Inventory: inv4("ramp"), Samples: xs})
	f, err := Datasets([]string{dir}, measuredSettings(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := f.Servers[0].Analysis.Growth
	if g.CPUTrend != model.TrendImplausible || g.CPUTrendPctPerYear != 0 || g.MemTrend != model.TrendNotSignificant {
		t.Errorf("growth %+v", g)
	}
	got := issuesOfKind(f, "trend")
	if len(got) != 1 || !reflect.DeepEqual(got[0].Servers, []string{"ramp"}) ||
		!strings.HasPrefix(got[0].Message, "trends of 1 server dropped as implausible: beyond ±100 % a year") {
		t.Errorf("trend issues %+v", got)
	}
}

// TestDatasetsTruncated: a server whose input files ended early
// (Inventory.Truncated, set by the importers) is a plan warning and an
// InputIssue "truncated" naming the file and where it was cut.
func TestDatasetsTruncated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ds")
	cut, whole := inv4("sa1"), inv4("sa2")
	cut.Truncated = []string{"sa20: truncated sa file: last record 2026-01-05T10:40:00Z"}
	writeFleet(t, dir,
		fleetServer{name: "sa1", inv: cut, days: 1, cpuPct: 10},
		fleetServer{name: "sa2", inv: whole, days: 1, cpuPct: 10})
	f, err := Datasets([]string{dir}, measuredSettings(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := model.InputIssue{Kind: "truncated", Servers: []string{"sa1"},
		Message: "input files of 1 server ended early: sa1 (sa20: truncated sa file: last record 2026-01-05T10:40:00Z); the samples before each cut were kept, the rest of those periods is missing and counts as no data"}
	got := issuesOfKind(f, "truncated")
	if !reflect.DeepEqual(got, []model.InputIssue{want}) || !slices.Contains(f.Warnings, want.Message) {
		t.Errorf("issues %+v, warnings %q", got, f.Warnings)
	}
}

// TestDatasetsPeriodSpans: a server of another period (a year later) does
// not make the others' data look like a sliver of the fleet's span: each
// server's coverage, confidence and evidence reserve are measured against
// its own period.
func TestDatasetsPeriodSpans(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ds")
	writeFleet(t, dir,
		fleetServer{name: "a", inv: inv4("a"), days: 7, cpuPct: 10},
		fleetServer{name: "b", inv: inv4("b"), days: 7, cpuPct: 20},
		fleetServer{name: "late", inv: inv4("late"), startDay: 365, days: 2, cpuPct: 10})
	f, err := Datasets([]string{dir}, measuredSettings(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ps := range f.Servers {
		c := ps.Analysis.Confidence
		if ps.CoveragePct != 100 || ps.Analysis.Entitlement.EvidenceWeight != 0 || c.PresentPct != 100 {
			t.Errorf("%s: coverage %v %%, evidence weight %v, present %v %%; want 100, 0, 100 (measured against its own period)",
				ps.ID, ps.CoveragePct, ps.Analysis.Entitlement.EvidenceWeight, c.PresentPct)
		}
	}
	if !slices.ContainsFunc(f.InputIssues, func(x model.InputIssue) bool { return x.Kind == "periods" && slices.Equal(x.Servers, []string{"late"}) }) {
		t.Errorf("issues %+v: want the periods issue naming late", f.InputIssues)
	}
}

// issuesOfKind returns the fleet's input issues of one kind.
func issuesOfKind(f *Fleet, kind string) []model.InputIssue {
	var out []model.InputIssue
	for _, x := range f.InputIssues {
		if x.Kind == kind {
			out = append(out, x)
		}
	}
	return out
}
