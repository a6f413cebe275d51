package importer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
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

// nmon's serial number and LPAR number name the machine: two LPARs of one
// frame with the same host name are two servers, the same LPAR later is
// merged.
func TestImportMachineID(t *testing.T) {
	withID := func(lpar, day string) string {
		s := strings.Replace(aixNmon, "AAA,host,aixbox\n", "AAA,host,aixbox\nAAA,SerialNumber,06ABCDE\nAAA,LPARNumberName,"+lpar+",aixbox\n", 1)
		return strings.ReplaceAll(s, "01-FEB-2024", day)
	}
	dir := t.TempDir()
	files := writeFiles(t, dir, "a.nmon", withID("3", "01-FEB-2024"), "b.nmon", withID("4", "01-FEB-2024"), "c.nmon", withID("3", "02-FEB-2024"))
	out := filepath.Join(dir, "out")
	utc := NmonOptions{Location: time.UTC}
	if _, err := Nmon(files[:1], out, utc); err != nil {
		t.Fatal(err)
	}
	if id := oneServer(t, out).Inventory.MachineID; id != "ibm-serial:06ABCDE/lpar:3" {
		t.Errorf("machine id %q", id)
	}
	var w warnings
	opts := utc
	opts.Options = w.opts()
	if _, err := Nmon(files[1:2], out, opts); err != nil {
		t.Fatal(err)
	}
	w.find(t, files[1]+": server aixbox imported as aixbox-2 beside the one already in the dataset: same name, but "+filepath.Join(out, "aixbox")+" is another machine (machine id ibm-serial:06ABCDE/lpar:3 there, ibm-serial:06ABCDE/lpar:4 here)")
	w = nil
	if sum, err := Nmon(files[2:], out, opts); err != nil || sum.Merged != 1 || sum.Samples != 2 {
		t.Fatalf("summary %+v, %v; want 2 samples merged", sum, err)
	}
	w.find(t, files[2]+": aixbox is already in the dataset as "+filepath.Join(out, "aixbox")+": merged, 2 new samples added")
	srvs := readServers(t, out)
	if got := strings.Join(ids(srvs), " "); got != "aixbox aixbox-2" {
		t.Errorf("servers %s", got)
	}
	if n := srvs["aixbox"].Series.Len(); n != 4 {
		t.Errorf("aixbox has %d samples, want 4 (2 days of 2)", n)
	}
}

// Machine IDs of different kinds (the collector's /etc/machine-id, an
// nmon serial number) say nothing about each other.
func TestSameKind(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"linux-machine-id:ab", "linux-machine-id:cd", true},
		{"linux-machine-id:ab", "ibm-serial:06ABCDE", false},
		{"", "ibm-serial:06ABCDE", false},
		{"", "", false},
	} {
		if got := sameKind(c.a, c.b); got != c.want {
			t.Errorf("sameKind(%q, %q) = %v", c.a, c.b, got)
		}
	}
	a := model.Inventory{Hostname: "web01", MachineID: "linux-machine-id:ab", Threads: 4}
	b := model.Inventory{Hostname: "web01", MachineID: "ibm-serial:X", Threads: 4}
	if why := differentMachine(a, b); why != "" {
		t.Errorf("IDs of different kinds: %q", why)
	}
	b.MachineID = "linux-machine-id:cd"
	if why := differentMachine(a, b); why != "machine id linux-machine-id:ab there, linux-machine-id:cd here" {
		t.Errorf("different IDs: %q", why)
	}
}

// Two inputs of one import that both repeat the same server already in the
// dataset are merged into it one after the other: nothing of the first is
// lost, nothing is added twice.
func TestImportTwoMergesIntoOne(t *testing.T) {
	row := func(ts string, cpu string) string {
		return ts + ";\t2;\t5851.9989;\t87.7799835;\t" + cpu + ";\t8218624.0;\t1034592.8;\t160.8;\t21.7;\t0.26;\t1.46\n"
	}
	r1, r2, r3 := row("1372629804", "1.5"), row("1372630104", "2.5"), row("1372630404", "3.5")
	dir := t.TempDir()
	files := writeFiles(t, dir, "a/2013-7/1.csv", bbHeader+r1, "b/2013-7/1.csv", bbHeader+r1+r2, "c/2013-7/1.csv", bbHeader+r2+r3)
	out := filepath.Join(dir, "out")
	if _, err := Bitbrains(files[:1], out, Options{}); err != nil {
		t.Fatal(err)
	}
	var w warnings
	sum, err := Bitbrains(files[1:], out, w.opts())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Servers != 0 || sum.Merged != 2 || sum.Samples != 2 {
		t.Errorf("summary %+v, want 2 merges adding 2 samples", sum)
	}
	w.find(t, files[1]+": bitbrains-2013-7-1 is already in the dataset as "+filepath.Join(out, "bitbrains-2013-7-1")+": merged, 1 new samples added, 1 already there",
		files[2]+": bitbrains-2013-7-1 is already in the dataset as "+filepath.Join(out, "bitbrains-2013-7-1")+": merged, 1 new samples added, 1 already there")
	s := oneServer(t, out)
	var cpus []float64
	for i := range s.Series.Len() {
		cpus = append(cpus, s.Series.Mean[model.CPUBusyPct][i])
	}
	if fmt.Sprint(cpus) != "[1.5 2.5 3.5]" {
		t.Errorf("cpu %v, want [1.5 2.5 3.5]", cpus)
	}
}

// The collector's directory of a host and that host's sar data: the sar
// samples where the collector has data overlap its samples (another clock)
// and are dropped; the others are added beside its daily files.
func TestImportMergesIntoCollectorDir(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	srvDir := filepath.Join(out, "box")
	if err := os.MkdirAll(srvDir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := dataset.WriteInventory(srvDir, model.Inventory{Hostname: "box", Threads: 4, Source: "kvmfit-collect", MachineID: "linux-machine-id:0123"}); err != nil {
		t.Fatal(err)
	}
	// Collector rows at 10:00:30 and 10:01:30 UTC, 60 s each.
	day := dataset.HeaderLine()
	for _, ts := range []string{"2024-02-01T10:00:30Z", "2024-02-01T10:01:30Z"} {
		st, _ := time.Parse(time.RFC3339, ts)
		x := model.NewSample(st, time.Minute)
		x.Set(model.CPUBusyPct, 5, 7)
		day = string(dataset.AppendRow([]byte(day), x))
	}
	writeFiles(t, srvDir, "samples-2024-02-01.csv", day)
	// sar 10:00-10:05, a minute each: the first three overlap the
	// collector's 10:00:30-10:02:30.
	files := writeFiles(t, dir, "sar.txt", sarDay("box", 4, 90, 80, 70, 60, 50))
	var w warnings
	sum, err := Sar(files, out, SarOptions{Options: w.opts(), Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Merged != 1 || sum.Samples != 2 {
		t.Errorf("summary %+v", sum)
	}
	w.find(t, "box is already in the dataset as "+srvDir+": merged, 2 new samples added, 3 dropped as they overlap samples already there")
	s := oneServer(t, out)
	if got := spans(s); got != "10:00+60 10:01+60 10:03+60 10:04+60" {
		t.Errorf("samples %s", got)
	}
	if s.Inventory.Source != "kvmfit-collect" || s.Inventory.MachineID != "linux-machine-id:0123" || s.Inventory.TimeZone != "UTC" {
		t.Errorf("inventory %+v", s.Inventory)
	}
	if _, err := os.Stat(filepath.Join(srvDir, "samples.csv")); err != nil {
		t.Errorf("no samples.csv beside the daily file: %v", err)
	}
}
