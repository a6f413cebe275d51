package importer

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
)

const mib = 1 << 20

// checkFSUsed checks the fs_used_bytes means of s (NaN = not measured) and
// that every max equals its mean.
func checkFSUsed(t *testing.T, s *model.Server, want []float64) {
	t.Helper()
	got, max := s.Series.Mean[model.FSUsedBytes], s.Series.Max[model.FSUsedBytes]
	if len(got) != len(want) {
		t.Fatalf("%s: %d samples, want %d", s.ID, len(got), len(want))
	}
	for i, w := range want {
		if math.IsNaN(w) != math.IsNaN(got[i]) || (!math.IsNaN(w) && !relClose(got[i], w)) {
			t.Errorf("%s sample %d: fs_used_bytes %.0f, want %.0f", s.ID, i, got[i], w)
		}
		if !math.IsNaN(got[i]) && max[i] != got[i] {
			t.Errorf("%s sample %d: fs_used_bytes max %.0f, mean %.0f", s.ID, i, max[i], got[i])
		}
	}
}

// checkFilesystems checks the inventory's filesystems.
func checkFilesystems(t *testing.T, inv model.Inventory, want []model.Filesystem) {
	t.Helper()
	if !slices.Equal(inv.Filesystems, want) {
		t.Errorf("%s filesystems\n got %+v\nwant %+v", inv.Hostname, inv.Filesystems, want)
	}
}

// checkNoStorage checks that a server of a source without storage capacity
// has no storage and says so.
func checkNoStorage(t *testing.T, s *model.Server) {
	t.Helper()
	if s.Series.Has(model.FSUsedBytes) || len(s.Inventory.Filesystems) != 0 || !hasNote(s.Inventory, noStorageNote) {
		t.Errorf("%s: fs_used_bytes %v, filesystems %+v, notes %q; want none and the note %q", s.ID, s.Series.Has(model.FSUsedBytes), s.Inventory.Filesystems, s.Inventory.Notes, noStorageNote)
	}
}

// hasNote reports whether inv has the note.
func hasNote(inv model.Inventory, note string) bool { return slices.Contains(inv.Notes, note) }

// TestCSVFSUsed maps a column onto fs_used_bytes in GiB: 120.5 GiB →
// 129385593856 bytes; the inventory says that the filesystems are not in
// the source. A mapping without it notes that storage is not recorded.
func TestCSVFSUsed(t *testing.T) {
	dir := t.TempDir()
	paths := writeFiles(t, dir,
		"m.yaml", "timestamp: {column: t, format: rfc3339}\ninterval: 1h\nhost: {name: srv}\nmetrics:\n  - {column: disk_used_gib, metric: fs_used_bytes, unit: GiB}\n  - {column: cpu, metric: cpu_busy_pct, unit: percent}\n",
		"d.csv", "t,cpu,disk_used_gib\n2024-01-01T00:00:00Z,5,120.5\n2024-01-01T01:00:00Z,6,\n2024-01-01T02:00:00Z,7,121\n",
		"bad.yaml", "timestamp: {column: t, format: rfc3339}\ninterval: 1h\nmetrics:\n  - {column: disk_used_gib, metric: fs_used_bytes, unit: MB/s}\n")
	m, err := ReadCSVMapping(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if _, err := CSV(paths[1:2], out, m, Options{}); err != nil {
		t.Fatal(err)
	}
	s := oneServer(t, out)
	checkFSUsed(t, s, []float64{120.5 * (1 << 30), nan, 121 * (1 << 30)})
	if hasNote(s.Inventory, noStorageNote) || len(s.Inventory.Filesystems) != 0 {
		t.Errorf("inventory %+v", s.Inventory)
	}
	if _, err := ReadCSVMapping(paths[2]); err == nil || !strings.Contains(err.Error(), "MB/s") {
		t.Errorf("a rate unit for fs_used_bytes: %v", err)
	}
	m.Metrics = m.Metrics[1:]
	out2 := filepath.Join(dir, "out2")
	if _, err := CSV(paths[1:2], out2, m, Options{}); err != nil {
		t.Fatal(err)
	}
	if inv := oneServer(t, out2).Inventory; !hasNote(inv, noStorageNote) {
		t.Errorf("notes %q", inv.Notes)
	}
}

// TestDriveUsage checks the perfmon logical disk arithmetic by hand:
// 10240 MiB free at 25 % free is a 40960 MiB drive with 30720 MiB used.
func TestDriveUsage(t *testing.T) {
	for _, c := range []struct {
		free, pct, last float64
		size, used      float64
		ok              bool
	}{
		{10240 * mib, 25, 0, 40960 * mib, 30720 * mib, true},
		{10000 * mib, 24.4140625, 0, 40960 * mib, 30960 * mib, true},
		{10000 * mib, 24.41, 0, 40967 * mib, 30967 * mib, true}, // 10000/0.2441 = 40966.8: whole MiB
		{0, 0, 2000 * mib, 2000 * mib, 2000 * mib, true},        // full: last size
		{0, 0, 0, 0, 0, false},                                  // full, size never seen
		{100 * mib, 100, 0, 100 * mib, 0, true},                 // empty
		{nan, 50, 0, 0, 0, false},
		{100 * mib, 101, 0, 0, 0, false},
	} {
		size, used, ok := driveUsage(c.free, c.pct, c.last)
		if ok != c.ok || size != c.size || used != c.used {
			t.Errorf("driveUsage(%.0f MiB, %v %%, last %.0f MiB) = %.0f, %.0f MiB, %v; want %.0f, %.0f, %v",
				c.free/mib, c.pct, c.last/mib, size/mib, used/mib, ok, c.size/mib, c.used/mib, c.ok)
		}
	}
}
