package collect

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

func row(start time.Time, cpu float64) model.Sample {
	x := model.NewSample(start, time.Minute)
	x.Set(model.CPUBusyPct, cpu, cpu)
	x.Set(model.MemUsedBytes, 1e9, 1e9)
	return x
}

type logBuf struct{ lines []string }

func (l *logBuf) logf(format string, a ...any) { l.lines = append(l.lines, fmt.Sprintf(format, a...)) }
func (l *logBuf) has(sub string) bool {
	for _, s := range l.lines {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func writeInv(t *testing.T, dir string) {
	t.Helper()
	if err := dataset.WriteInventory(dir, model.Inventory{Hostname: "h", Source: SourceName}); err != nil {
		t.Fatal(err)
	}
}

func readRows(t *testing.T, dir string) *model.Server {
	t.Helper()
	srv, err := dataset.ReadServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func TestStoreDaysGzipResumeTorn(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "h")
	lg := &logBuf{}
	s, err := OpenStore(dir, StoreOptions{Logf: lg.logf})
	if err != nil {
		t.Fatal(err)
	}
	writeInv(t, dir)
	d1 := time.Date(2026, 1, 5, 23, 58, 0, 0, time.UTC)
	for i := range 3 {
		if err := s.Append(row(d1.Add(time.Duration(i)*time.Minute), float64(i))); err != nil {
			t.Fatal(err)
		}
	}
	// Day 2 opened: day 1 gzipped.
	if _, err := os.Stat(filepath.Join(dir, "samples-2026-01-05.csv.gz")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "samples-2026-01-05.csv")); err == nil {
		t.Fatal("plain day 1 left behind")
	}
	s.Append(row(d1.Add(3*time.Minute), 3))
	// A crash: no Close, and half a row at the end of the open day.
	f, _ := os.OpenFile(filepath.Join(dir, "samples-2026-01-06.csv"), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("2026-01-06T00:02:00Z,60,5")
	f.Close()
	st, _ := os.Stat(filepath.Join(dir, "samples-2026-01-06.csv"))
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode().Perm())
	}

	s2, err := OpenStore(dir, StoreOptions{Logf: lg.logf})
	if err != nil {
		t.Fatal(err)
	}
	// A row not after the last one is dropped, the next one is appended
	// after the cut torn line.
	s2.Append(row(d1.Add(3*time.Minute), 99))
	if err := s2.Append(row(d1.Add(4*time.Minute), 4)); err != nil {
		t.Fatal(err)
	}
	s2.Close()
	if !lg.has("torn last line") || !lg.has("not after the last row") {
		t.Errorf("log %q", lg.lines)
	}
	srv := readRows(t, dir)
	if len(srv.Warnings) > 0 {
		t.Errorf("warnings %v", srv.Warnings)
	}
	if n := srv.Series.Len(); n != 5 {
		t.Fatalf("%d rows, want 5", n)
	}
	for i := range 5 {
		if v := srv.Series.Mean[model.CPUBusyPct][i]; v != float64(i) {
			t.Errorf("row %d cpu %v", i, v)
		}
	}
}

func TestStoreRestartGzipsStaleDays(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "h")
	s, _ := OpenStore(dir, StoreOptions{})
	writeInv(t, dir)
	d1 := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	s.Append(row(d1, 1))
	s.Close()
	// Also the state of a crash between the rename of the .gz and the
	// removal of the plain file of an older day.
	os.WriteFile(filepath.Join(dir, "samples-2026-01-04.csv"), []byte(dataset.HeaderLine()), 0o640)
	zf, _ := os.Create(filepath.Join(dir, "samples-2026-01-04.csv.gz"))
	zw := gzip.NewWriter(zf)
	io.WriteString(zw, dataset.HeaderLine())
	zw.Close()
	zf.Close()

	s, _ = OpenStore(dir, StoreOptions{})
	s.Append(row(d1.Add(48*time.Hour), 2))
	s.Close()
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := "inventory.json samples-2026-01-04.csv.gz samples-2026-01-05.csv.gz samples-2026-01-07.csv"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("files %s, want %s", got, want)
	}
	if n := readRows(t, dir).Series.Len(); n != 2 {
		t.Errorf("%d rows", n)
	}
}

func TestStoreCapDropsOldestClosedDay(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "h")
	lg := &logBuf{}
	s, _ := OpenStore(dir, StoreOptions{MaxBytes: 2000, Logf: lg.logf})
	writeInv(t, dir)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for d := range 10 {
		for i := range 5 {
			if err := s.Append(row(start.Add(time.Duration(d)*24*time.Hour+time.Duration(i)*time.Minute), 1)); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.Close()
	total, _, _ := s.usage()
	if total > 2000 {
		t.Errorf("directory holds %d bytes, cap 2000", total)
	}
	if !lg.has("dropped samples-2026-01-01.csv.gz") {
		t.Errorf("no drop of the oldest day logged: %q", lg.lines)
	}
	srv := readRows(t, dir)
	if first := time.Unix(srv.Series.Start[0], 0).UTC(); first.Day() == 1 {
		t.Errorf("oldest day kept")
	}
	if last := time.Unix(srv.Series.Start[srv.Series.Len()-1], 0).UTC(); last.Day() != 10 {
		t.Errorf("last row %s", last)
	}
	// A cap too small for even the open day: rows wait, nothing crashes.
	s, _ = OpenStore(dir, StoreOptions{MaxBytes: 100, Logf: lg.logf})
	err := s.Append(row(start.Add(10*24*time.Hour), 1))
	if !errors.Is(err, ErrCapReached) || s.Pending() != 1 {
		t.Errorf("err %v pending %d", err, s.Pending())
	}
	s.Close()
}

// TestStoreDiskFull simulates ENOSPC, including a partial write: the row is
// kept in memory, the file is cut back to its last complete row, and the
// row is written once space is back.
func TestStoreDiskFull(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "h")
	s, _ := OpenStore(dir, StoreOptions{})
	writeInv(t, dir)
	full := false
	real := s.write
	s.write = func(f *os.File, p []byte, off int64) (int, error) {
		if full {
			n, _ := real(f, p[:len(p)/2], off) // half of it lands
			return n, syscall.ENOSPC
		}
		return real(f, p, off)
	}
	start := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	s.Append(row(start, 0))
	full = true
	for i := 1; i <= 3; i++ {
		if err := s.Append(row(start.Add(time.Duration(i)*time.Minute), float64(i))); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("err %v", err)
		}
		if srv := readRows(t, dir); srv.Series.Len() != 1 || len(srv.Warnings) > 0 {
			t.Fatalf("while full: %d rows, warnings %v", srv.Series.Len(), srv.Warnings)
		}
	}
	full = false
	if err := s.Append(row(start.Add(4*time.Minute), 4)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	srv := readRows(t, dir)
	if srv.Series.Len() != 5 || len(srv.Warnings) > 0 {
		t.Fatalf("%d rows, warnings %v", srv.Series.Len(), srv.Warnings)
	}
	for i := range 5 {
		if srv.Series.Mean[model.CPUBusyPct][i] != float64(i) {
			t.Errorf("row %d = %v", i, srv.Series.Mean[model.CPUBusyPct][i])
		}
	}
}

// TestStoreRealFullDisk fills a tiny tmpfs (root only; skips elsewhere).
func TestStoreRealFullDisk(t *testing.T) {
	mnt := t.TempDir()
	if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt).Run(); err != nil {
		t.Skipf("cannot mount a small tmpfs (needs root): %v", err)
	}
	dir := filepath.Join(mnt, "h")
	lg := &logBuf{}
	s, err := OpenStore(dir, StoreOptions{Logf: lg.logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); exec.Command("umount", mnt).Run() })
	writeInv(t, dir)
	start := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	if err := s.Append(row(start, 0)); err != nil {
		t.Fatal(err)
	}
	// Fill the rest of the file system.
	filler, _ := os.Create(filepath.Join(mnt, "filler"))
	buf := make([]byte, 4096)
	for {
		if _, err := filler.Write(buf); err != nil {
			break
		}
	}
	filler.Sync()
	var failed int
	for i := 1; i < 200; i++ {
		if err := s.Append(row(start.Add(time.Duration(i)*time.Minute), math.Mod(float64(i), 100))); err != nil {
			failed++
		}
	}
	if failed == 0 {
		t.Fatal("the full file system never failed a write")
	}
	if srv := readRows(t, dir); len(srv.Warnings) > 0 {
		t.Fatalf("warnings on a full disk: %v", srv.Warnings)
	}
	// Free space: everything pending is written.
	filler.Close()
	os.Remove(filepath.Join(mnt, "filler"))
	if err := s.Append(row(start.Add(200*time.Minute), 1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	srv := readRows(t, dir)
	if srv.Series.Len() != 201 || len(srv.Warnings) > 0 {
		t.Fatalf("%d rows (want 201), warnings %v", srv.Series.Len(), srv.Warnings)
	}
}

// TestStoreUpgradesOldColumns resumes a day begun by a collector without
// the fs_used_bytes columns: the file is rewritten with the current header,
// its rows keep their values, and the new row is readable after them.
func TestStoreUpgradesOldColumns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "h")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	writeInv(t, dir)
	old := "timestamp,interval_sec,cpu_busy_pct_mean,cpu_busy_pct_max,mem_used_bytes_mean,mem_used_bytes_max\n" +
		"2026-01-05T10:00:00Z,60,12.5,40,1000,2000\n" +
		"2026-01-05T10:01:00Z,60,13,41,1100,2100\n"
	path := filepath.Join(dir, "samples-2026-01-05.csv")
	if err := os.WriteFile(path, []byte(old), 0o640); err != nil {
		t.Fatal(err)
	}
	lg := &logBuf{}
	s, err := OpenStore(dir, StoreOptions{Logf: lg.logf})
	if err != nil {
		t.Fatal(err)
	}
	x := row(time.Date(2026, 1, 5, 10, 2, 0, 0, time.UTC), 14)
	x.Set(model.FSUsedBytes, 5e9, 6e9)
	if err := s.Append(x); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if !lg.has("rewritten with the current ones (2 rows kept)") {
		t.Errorf("log %q", lg.lines)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), dataset.HeaderLine()) {
		t.Errorf("header not upgraded:\n%s", data)
	}
	srv := readRows(t, dir)
	if len(srv.Warnings) > 0 || srv.Series.Len() != 3 {
		t.Fatalf("%d rows, warnings %v", srv.Series.Len(), srv.Warnings)
	}
	s2 := &srv.Series
	if s2.Mean[model.CPUBusyPct][0] != 12.5 || s2.Max[model.MemUsedBytes][1] != 2100 || s2.Mean[model.CPUBusyPct][2] != 14 {
		t.Errorf("values changed: cpu %v, mem max %v", s2.Mean[model.CPUBusyPct], s2.Max[model.MemUsedBytes])
	}
	if !math.IsNaN(s2.Mean[model.FSUsedBytes][0]) || s2.Mean[model.FSUsedBytes][2] != 5e9 || s2.Max[model.FSUsedBytes][2] != 6e9 {
		t.Errorf("fs used %v / %v, want empty in the old rows, 5e9/6e9 in the new", s2.Mean[model.FSUsedBytes], s2.Max[model.FSUsedBytes])
	}
}
