package importer

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nmonSample returns the plain text of the shared nmon recording (48
// snapshots, the last one a ZZZZ line without data: 47 samples).
func nmonSample(t *testing.T) []byte {
	t.Helper()
	f, err := os.Open(needShared(t, "nmon/samples/linux_150818_1024.nmon.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// firstLines returns the first n lines of b, plus extra bytes of the next.
func firstLines(b []byte, n, extra int) []byte {
	off := 0
	for range n {
		off += bytes.IndexByte(b[off:], '\n') + 1
	}
	return b[:off+extra]
}

// A truncated nmon file — cut inside a line or at a line's end — imports
// the complete snapshots, drops the cut one and says where the file ends.
func TestNmonTruncated(t *testing.T) {
	full := nmonSample(t)
	// Snapshot T0047: ZZZZ at line 2744, CPU_ALL 2749, MEM 2750, NET 2753,
	// NETPACKET 2754, JFSFILE 2755, DISKBUSY 2756, DISKREAD 2757.
	for _, c := range []struct {
		name    string
		data    []byte
		samples int
		warn    string
	}{
		{"whole", full, 47, ""},
		{"inside a line", firstLines(full, 2753, 20), 46,
			":2754: the file is truncated: it ends inside line 2754, which is dropped; its last snapshot T0047 (ZZZZ at line 2744) is incomplete (no JFSFILE, DISKREAD, DISKWRITE, DISKXFER), so it is dropped"},
		{"at a line end", firstLines(full, 2756, 0), 46,
			":2756: the file is truncated: its last snapshot T0047 (ZZZZ at line 2744) is incomplete (no DISKREAD, DISKWRITE, DISKXFER), so it is dropped"},
		{"inside DISKREAD", firstLines(full, 2756, len("DISKREAD,T0047,1665.2,106.5,1558.7,163")), 46,
			":2757: the file is truncated: it ends inside line 2757, which is dropped; its last snapshot T0047 (ZZZZ at line 2744) is incomplete (no DISKREAD, DISKWRITE, DISKXFER)"},
		// Cut among the TOP lines, after the sections kvmfit reads: the
		// snapshot is whole, only the cut line is dropped.
		{"inside TOP", firstLines(full, 2765, 7), 47, ":2766: the file is truncated: it ends inside line 2766, which is dropped"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			files := writeFiles(t, dir, "linux.nmon", string(c.data))
			out := filepath.Join(dir, "out")
			var w warnings
			if _, err := Nmon(files, out, NmonOptions{Options: w.opts(), Location: berlin(t)}); err != nil {
				t.Fatal(err)
			}
			s := oneServer(t, out)
			if n := s.Series.Len(); n != c.samples {
				t.Errorf("%d samples, want %d", n, c.samples)
			}
			if c.warn == "" {
				if len(w) > 0 {
					t.Errorf("warnings %q", w)
				}
				return
			}
			w.find(t, files[0]+c.warn)
			if len(s.Inventory.Truncated) != 1 || !strings.HasPrefix(s.Inventory.Truncated[0], files[0]+" is truncated at line") {
				t.Errorf("inventory truncated %q, want the cut file", s.Inventory.Truncated)
			}
			if !strings.Contains(strings.Join(s.Inventory.Notes, "\n"), files[0]+" is truncated at line") {
				t.Errorf("no truncation note in %q", s.Inventory.Notes)
			}
		})
	}
}

// A truncated .gz input is an error naming the file and the line where the
// compressed data ends: how much is lost is unknown.
func TestTruncatedGzip(t *testing.T) {
	gz, err := os.ReadFile(needShared(t, "nmon/samples/linux_150818_1024.nmon.gz"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := writeFiles(t, dir, "linux.nmon.gz", string(gz[:len(gz)/2]))
	out := filepath.Join(dir, "out")
	_, err = Nmon(files, out, NmonOptions{Location: berlin(t)})
	if err == nil || !strings.Contains(err.Error(), files[0]+":") || !strings.Contains(err.Error(), "the compressed data ends unexpectedly: the .gz file is truncated") {
		t.Errorf("err %v, want one naming %s and the truncation", err, files[0])
	}
	noOutput(t, out)
}

// A truncated binary sa file: sadf reads the records before the cut, exits
// 0 and says "End of system activity file unexpected" on stderr, which
// becomes a warning naming the file and the last record; cut before the
// first record, it is an error.
func TestSarBinaryTruncated(t *testing.T) {
	needSadf(t)
	sa, err := os.ReadFile(filepath.Join(needShared(t, "sysstat"), "tests", "data-12.0.0"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// data-12.0.0 is 22376 bytes: its one sample, then a restart and a
	// comment record; 22300 bytes cut the last record.
	files := writeFiles(t, dir, "sa30", string(sa[:22300]), "sa30-head", string(sa[:1000]))
	out := filepath.Join(dir, "out")
	var w warnings
	sum, err := Sar(files[:1], out, SarOptions{Options: w.opts()})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Samples != 1 {
		t.Errorf("summary %+v, want 1 sample", sum)
	}
	w.find(t, files[0]+`: truncated sa file (22300 bytes): sadf says "End of system activity file unexpected" after 1 records, the last ending at 2019-06-30T05:39:34Z`)
	if tr := oneServer(t, out).Inventory.Truncated; len(tr) != 1 || !strings.HasPrefix(tr[0], files[0]+": truncated sa file") {
		t.Errorf("inventory truncated %q, want the cut sa file", tr)
	}
	if !strings.Contains(strings.Join(oneServer(t, out).Inventory.Notes, "\n"), files[0]+": truncated sa file") {
		t.Errorf("no truncation note in the inventory")
	}
	out2 := filepath.Join(dir, "out2")
	_, err = Sar(files[1:], out2, SarOptions{})
	if err == nil || !strings.Contains(err.Error(), files[1]+": sadf cannot read it: End of system activity file unexpected") || !strings.Contains(err.Error(), "truncated before its first record") {
		t.Errorf("err %v", err)
	}
	noOutput(t, out2)
}

// sar files of one host given out of time order: the problem is the later
// file's samples, dropped, and the warning names that file (not the
// first), with where the host's samples had got to; no file is said to
// have no samples.
func TestSarFilesOutOfOrder(t *testing.T) {
	needSadf(t)
	dir := filepath.Join(needShared(t, "sysstat"), "tests")
	// Both are host linux.home: data-12.0.0 (2019-06-30), data-11.6.5
	// (2018-08-29), given newest first.
	newer, older := filepath.Join(dir, "data-12.0.0"), filepath.Join(dir, "data-11.6.5")
	out := filepath.Join(t.TempDir(), "out")
	var w warnings
	if _, err := Sar([]string{newer, older}, out, SarOptions{Options: w.opts()}); err != nil {
		t.Fatal(err)
	}
	w.find(t, older+": dropped 1 samples of linux.home that do not start after the previous sample, first at "+older+": the host's samples had reached 2019-06-30T05:39:34Z from "+newer)
	for _, e := range w {
		if strings.Contains(e.Error(), "no CPU, memory, disk or network samples found") || strings.HasPrefix(e.Error(), newer+": dropped") {
			t.Errorf("misattributed warning: %v", e)
		}
	}
}

// A sar -A text cut inside a line: the line is dropped and the warning
// names it.
func TestSarTextTruncated(t *testing.T) {
	text, err := os.ReadFile(filepath.Join(needShared(t, "sysstat"), "tests", "expected.data-12.0.0"))
	if err != nil {
		t.Fatal(err)
	}
	cut := firstLines(text, 40, 10)
	dir := t.TempDir()
	files := writeFiles(t, dir, "sar.txt", string(cut))
	var w warnings
	if _, err := Sar(files, filepath.Join(dir, "out"), SarOptions{Options: w.opts(), Location: berlin(t)}); err != nil {
		t.Fatal(err)
	}
	w.find(t, files[0]+":41: the file ends inside this line: it is truncated; the line is dropped")
}
