package datasettest_test

import (
	"path/filepath"
	"reflect"
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
	servers := []datasettest.Server{
		{ID: "web", Inventory: model.Inventory{Hostname: "web.example", Cores: 4}, Samples: xs},
		{ID: "idle", Inventory: model.Inventory{Hostname: "idle"}},
	}
	datasettest.Write(t, dir, servers...)
	read, err := dataset.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(read) != 2 || read[0].ID != "idle" || read[1].ID != "web" {
		t.Fatalf("servers %v, want idle and web", read)
	}
	if n := read[0].Series.Len(); n != 0 {
		t.Errorf("idle: %d samples, want 0", n)
	}
	web := read[1]
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

// TestFiles: two datasets written alike have the same files, byte for
// byte; one sample more makes them differ.
func TestFiles(t *testing.T) {
	x := model.NewSample(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), 5*time.Minute)
	x.Set(model.CPUBusyPct, 10, 20)
	s := datasettest.Server{ID: "a", Inventory: model.Inventory{Hostname: "a"}, Samples: []model.Sample{x}}
	root := t.TempDir()
	one, two, more := filepath.Join(root, "1"), filepath.Join(root, "2"), filepath.Join(root, "3")
	datasettest.Write(t, one, s)
	datasettest.Write(t, two, s)
	y := x
	y.Start = x.Start.Add(5 * time.Minute)
	s.Samples = append(s.Samples, y)
	datasettest.Write(t, more, s)
	f1, f2, f3 := datasettest.Files(t, one), datasettest.Files(t, two), datasettest.Files(t, more)
	if len(f1) == 0 || !reflect.DeepEqual(f1, f2) {
		t.Errorf("two datasets written alike: %d and %d files, equal %v", len(f1), len(f2), reflect.DeepEqual(f1, f2))
	}
	if reflect.DeepEqual(f1, f3) {
		t.Error("a dataset with one sample more has the same files")
	}
}
