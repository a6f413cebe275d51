package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// TestImportPrecisionBits: `kvmfit import ... --precision-bits B` stores
// the imported samples compact at B bits (the shared import flag reaches
// the dataset writer), and the same files imported without it are exact.
func TestImportPrecisionBits(t *testing.T) {
	dir := t.TempDir()
	// PlanetLab: one whole CPU % a line. 37 is 100101: 6 significant bits,
	// 36 at 4 (37/64 = 0.578, 9.25/16 → 9/16); 100 stays 100 (it would
	// round to 104); 0 stays 0; 12 (1100) is exact at 4 bits.
	trace := filepath.Join(dir, "vm1")
	if err := os.WriteFile(trace, []byte("37\n100\n0\n12\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	cpu := func(data string) ([]float64, []error) {
		t.Helper()
		dirs, err := dataset.ServerDirs(data)
		if err != nil || len(dirs) != 1 {
			t.Fatalf("servers %v, %v", dirs, err)
		}
		srv, err := dataset.ReadServer(dirs[0])
		if err != nil {
			t.Fatal(err)
		}
		return srv.Series.Max[model.CPUBusyPct], srv.Warnings
	}
	compact := filepath.Join(dir, "compact")
	kvmfitOK(t, "import", "planetlab", "--start", "2011-03-03", "--precision-bits", "4", "--out", compact, trace)
	got, warnings := cpu(compact)
	want := []float64{36, 100, 0, 12}
	if len(got) != len(want) {
		t.Fatalf("cpu %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cpu %v, want %v", got, want)
			break
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0].Error(), "samples stored compact, to 4 significant bits (within 6.2 %)") {
		t.Errorf("warnings %v", warnings)
	}

	exact := filepath.Join(dir, "exact")
	kvmfitOK(t, "import", "planetlab", "--start", "2011-03-03", "--out", exact, trace)
	got, warnings = cpu(exact)
	if len(got) != 4 || got[0] != 37 || len(warnings) != 0 {
		t.Errorf("exact import: cpu %v, warnings %v", got, warnings)
	}
}
