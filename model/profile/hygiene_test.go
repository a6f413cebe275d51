package profile

import (
	"path/filepath"
	"reflect"
	"strings"
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
