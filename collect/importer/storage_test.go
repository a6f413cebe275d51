package importer

import (
	"math"
	"slices"
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

// hasNote reports whether inv has the note.
func hasNote(inv model.Inventory, note string) bool { return slices.Contains(inv.Notes, note) }

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
