package importer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sarDay is sar -u text of host (with cpus CPUs) on 1 Feb 2024, one line
// per minute from 10:01 with the given %idle values.
func sarDay(host string, cpus int, idles ...int) string { return sarFrom(host, cpus, 1, idles...) }

// sarFrom is sarDay with the first line at 10:MM, the header at the minute
// before.
func sarFrom(host string, cpus, first int, idles ...int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Linux 3.10.0 (%s) \t02/01/24 \t_x86_64_\t(%d CPU)\n\n10:%02d:00 CPU %%user %%nice %%system %%iowait %%steal %%idle\n", host, cpus, first-1)
	for i, idle := range idles {
		fmt.Fprintf(&b, "10:%02d:00 all 1 0 1 0 0 %d\n", first+i, idle)
	}
	return b.String()
}

// snapshot returns every file of dir with its content.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		m[strings.TrimPrefix(p, dir)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The same recording imported twice into one dataset is one server: the
// second import adds nothing, changes no byte and says so.
func TestImportTwiceMerges(t *testing.T) {
	dir := t.TempDir()
	files := writeFiles(t, dir, "box.txt", sarDay("box", 4, 90, 80, 70))
	out := filepath.Join(dir, "out")
	opts := SarOptions{Location: time.UTC}
	if sum, err := Sar(files, out, opts); err != nil || sum.Servers != 1 || sum.Samples != 3 {
		t.Fatalf("first import: %+v, %v", sum, err)
	}
	before := snapshot(t, dir)
	var w warnings
	opts.Options = w.opts()
	sum, err := Sar(files, out, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Servers != 0 || sum.Merged != 1 || sum.Samples != 0 {
		t.Errorf("second import: %+v, want 0 servers, 1 merged, 0 samples", sum)
	}
	w.find(t, files[0]+": box is already in the dataset as "+filepath.Join(out, "box")+": merged, 0 new samples added, 3 already there (nothing changed)")
	after := snapshot(t, dir)
	if len(after) != len(before) {
		t.Errorf("files before %d, after %d", len(before), len(after))
	}
	for p, b := range before {
		if !bytes.Equal(after[p], b) {
			t.Errorf("%s changed", p)
		}
	}
	if got := strings.Join(ids(readServers(t, out)), " "); got != "box" {
		t.Errorf("servers %s, want box", got)
	}
}

// A later recording of a server already in the dataset continues it: the
// samples at times already there are kept once, the new ones appended in
// time order.
func TestImportOverlapMerges(t *testing.T) {
	dir := t.TempDir()
	files := writeFiles(t, dir, "a.txt", sarDay("box", 4, 90, 80), "b.txt", sarFrom("box", 4, 2, 80, 70, 60))
	out := filepath.Join(dir, "out")
	opts := SarOptions{Location: time.UTC}
	if _, err := Sar(files[:1], out, opts); err != nil {
		t.Fatal(err)
	}
	var w warnings
	opts.Options = w.opts()
	sum, err := Sar(files[1:], out, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Servers != 0 || sum.Merged != 1 || sum.Samples != 2 {
		t.Errorf("summary %+v, want 1 merged with 2 new samples", sum)
	}
	w.find(t, "box is already in the dataset as "+filepath.Join(out, "box")+": merged, 2 new samples added, 1 already there")
	s := oneServer(t, out)
	checkSamples(t, s, []sampleWant{
		{"2024-02-01T10:00:00Z", 60, 10, nan, nan, nan, nan, nan, nan, nan, nan},
		{"2024-02-01T10:01:00Z", 60, 20, nan, nan, nan, nan, nan, nan, nan, nan},
		{"2024-02-01T10:02:00Z", 60, 30, nan, nan, nan, nan, nan, nan, nan, nan},
		{"2024-02-01T10:03:00Z", 60, 40, nan, nan, nan, nan, nan, nan, nan, nan},
	})
	if got := strings.Join(s.Inventory.SourceFiles, " "); got != files[0]+" "+files[1] {
		t.Errorf("source files %q", got)
	}
	if !strings.Contains(strings.Join(s.Inventory.Notes, "\n"), "merged 2 samples from "+files[1]+" (import:sar)") {
		t.Errorf("no merge note in %q", s.Inventory.Notes)
	}
}

// Two machines with the same host name stay two servers, with a warning
// naming the one already there and what tells them apart.
func TestImportSameNameOtherMachine(t *testing.T) {
	for _, c := range []struct {
		name, second, why string
	}{
		{"cpus", sarDay("box", 8, 90, 80), "4 logical CPUs there, 8 here"},
		{"values", sarDay("box", 4, 50, 40), "2 of 2 samples at the same times differ, first at 2024-02-01T10:00:00Z"},
		{"localhost", "", `host name "localhost" does not identify a machine`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			first := sarDay("box", 4, 90, 80)
			if c.name == "localhost" {
				first, c.second = sarDay("localhost", 4, 90, 80), sarDay("localhost", 4, 90, 80)
			}
			files := writeFiles(t, dir, "a.txt", first, "b.txt", c.second)
			out := filepath.Join(dir, "out")
			if _, err := Sar(files[:1], out, SarOptions{Location: time.UTC}); err != nil {
				t.Fatal(err)
			}
			var w warnings
			sum, err := Sar(files[1:], out, SarOptions{Options: w.opts(), Location: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			host := strings.TrimSuffix(strings.Fields(first)[2][1:], ")")
			if sum.Servers != 1 || sum.Merged != 0 || sum.Samples != 2 {
				t.Errorf("summary %+v", sum)
			}
			w.find(t, files[1]+": server "+host+" imported as "+host+"-2 beside the one already in the dataset: same name, but "+filepath.Join(out, host)+" is another machine ("+c.why)
			if got := strings.Join(ids(readServers(t, out)), " "); got != host+" "+host+"-2" {
				t.Errorf("servers %s", got)
			}
		})
	}
}

// A failed import into an existing dataset leaves it as it was, merges
// included.
func TestImportMergeAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	files := writeFiles(t, dir, "a.txt", sarDay("box", 4, 90), "b.txt", sarDay("box", 4, 90, 80), "bad.txt", sarDay("other", 4, 90)+"10:02:00 all 1 0 1 0 0 x\n")
	out := filepath.Join(dir, "out")
	if _, err := Sar(files[:1], out, SarOptions{Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	if _, err := Sar(files[1:], out, SarOptions{Location: time.UTC}); err == nil {
		t.Fatal("no error for a malformed file")
	}
	after := snapshot(t, dir)
	if len(after) != len(before) {
		t.Errorf("files before %d, after %d: %v", len(before), len(after), after)
	}
	for p, b := range before {
		if !bytes.Equal(after[p], b) {
			t.Errorf("%s changed", p)
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
