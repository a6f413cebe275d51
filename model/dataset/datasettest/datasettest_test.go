package datasettest_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
	"github.com/kvmfit/kvmfit/model/dataset/datasettest"
)

// TestWrite writes two servers, one without samples, and reads them back.
func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ds")
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var xs []model.Sample
	for k := range 3 {
		x := model.NewSample(t0.Add(time.Duration(k)*5*time.Minute), 5*time.Minute)
		x.Set(model.CPUBusyPct, float64(10*k), float64(10*k+5))
		xs = append(xs, x)
	}
	datasettest.Write(t, dir,
		datasettest.Server{ID: "web", Inventory: model.Inventory{Hostname: "web.example", Cores: 4}, Samples: xs},
		datasettest.Server{ID: "idle", Inventory: model.Inventory{Hostname: "idle"}},
	)
	servers, err := dataset.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(servers) != 2 || servers[0].ID != "idle" || servers[1].ID != "web" {
		t.Fatalf("servers %v, want idle and web", servers)
	}
	if n := servers[0].Series.Len(); n != 0 {
		t.Errorf("idle: %d samples, want 0", n)
	}
	web := servers[1]
	if web.Inventory.Hostname != "web.example" || web.Inventory.Cores != 4 {
		t.Errorf("web inventory %+v", web.Inventory)
	}
	if n := web.Series.Len(); n != 3 {
		t.Fatalf("web: %d samples, want 3", n)
	}
	for k := range 3 {
		x := web.Series.At(k)
		if !x.Start.Equal(xs[k].Start) || x.Mean[model.CPUBusyPct] != float64(10*k) || x.Max[model.CPUBusyPct] != float64(10*k+5) {
			t.Errorf("sample %d: %v %g %g", k, x.Start, x.Mean[model.CPUBusyPct], x.Max[model.CPUBusyPct])
		}
	}
}
