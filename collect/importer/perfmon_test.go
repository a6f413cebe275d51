package importer

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
)

// testdata/perfmon/two-hosts.csv is hand-made in the layout typeperf writes:
// CRLF, every field quoted, W. Europe time (bias -60: UTC = local - 1 h),
// two hosts, a first row with blank rate counters, a blank value later,
// Available MBytes on one host and Available Bytes on the other.
func TestPerfmonTwoHosts(t *testing.T) {
	file := filepath.Join("testdata", "perfmon", "two-hosts.csv")
	out := filepath.Join(t.TempDir(), "out")
	var w warnings
	sum, err := Perfmon([]string{file}, out, PerfmonOptions{Options: w.opts(), MemTotalBytes: map[string]int64{"web01": 4 << 30}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Servers != 2 || sum.Samples != 8 {
		t.Errorf("summary %+v", sum)
	}
	w.find(t, "host SQL01: \\Memory\\Available Bytes is logged but the installed memory is not known")
	srvs := readServers(t, out)
	if got := strings.Join(ids(srvs), " "); got != "SQL01 WEB01" {
		t.Fatalf("servers %s", got)
	}
	const mib = 1 << 20
	// Rows end at 07:59:45.123, 08:00:00.120, 08:00:15.125, 08:00:30.122 UTC;
	// each lasts the gap to the previous row rounded to 15 s (the first row
	// the gap to the second); starts are truncated to the second. Memory:
	// 4096 MiB − Available MBytes. The isatap tunnel and the per-disk
	// instance (there is a _Total) are left out.
	checkSamples(t, srvs["WEB01"], []sampleWant{
		{"2024-01-15T07:59:30Z", 15, 0.5, 1096 * mib, 4096 * mib, nan, nan, nan, nan, nan, nan},
		{"2024-01-15T07:59:45Z", 15, 10.5, 1196 * mib, 4096 * mib, 1000, 2000, 5, 10, 100, 200},
		{"2024-01-15T08:00:00Z", 15, 30.5, 1296 * mib, 4096 * mib, 3000, 0, 15, 0, 300, 400},
		{"2024-01-15T08:00:15Z", 15, 20, 1396 * mib, 4096 * mib, 0, 4000, 0, 20, 500, 600},
	})
	// awk -F'","' 'NR>1{n++; s+=$2} END{print s/n}' two-hosts.csv → 15.375
	checkClose(t, "WEB01 mean cpu", mean(srvs["WEB01"].Series.Mean[0]), 15.375)
	checkSamples(t, srvs["SQL01"], []sampleWant{
		{"2024-01-15T07:59:30Z", 15, 3.25, nan, nan, nan, nan, nan, nan, nan, nan},
		{"2024-01-15T07:59:45Z", 15, 20, nan, nan, nan, nan, nan, nan, nan, nan},
		{"2024-01-15T08:00:00Z", 15, nan, nan, nan, nan, nan, nan, nan, nan, nan},
		{"2024-01-15T08:00:15Z", 15, 40, nan, nan, nan, nan, nan, nan, nan, nan},
	})
	inv := srvs["WEB01"].Inventory
	if inv.Hostname != "WEB01" || inv.OSFamily != "windows" || inv.MemTotalBytes != 4<<30 || len(inv.NICs) != 1 || inv.Source != "import:perfmon" {
		t.Errorf("inventory %+v", inv)
	}
}

func TestParsePerfmonCounter(t *testing.T) {
	for _, c := range []struct{ in, host, obj, inst, ctr string }{
		{`\\WEB01\Processor(_Total)\% Processor Time`, "WEB01", "Processor", "_Total", "% Processor Time"},
		{`\\WEB01\Memory\Available MBytes`, "WEB01", "Memory", "", "Available MBytes"},
		{`\\h\Network Interface(Intel[R] PRO_1000 (2))\Bytes Sent/sec`, "h", "Network Interface", "Intel[R] PRO_1000 (2)", "Bytes Sent/sec"},
	} {
		h, o, i, k, ok := parsePerfmonCounter(c.in)
		if !ok || h != c.host || o != c.obj || i != c.inst || k != c.ctr {
			t.Errorf("%s: %q %q %q %q %v", c.in, h, o, i, k, ok)
		}
	}
}

func TestPerfmonMalformed(t *testing.T) {
	const hdr = `"(PDH-CSV 4.0) (GMT Standard Time)(0)","\\H\Processor(_Total)\% Processor Time"` + "\n"
	checkMalformed(t, []malformed{
		{"bad value", hdr + `"01/15/2024 09:00:00.000","1"` + "\n" + `"01/15/2024 09:00:15.000","x"` + "\n", ":3:", `\\H\Processor(_Total)\% Processor Time`, `"x" is not`},
		{"bad time", hdr + `"15/01/2024 09:00:00.000","1"` + "\n", ":2:", "time", "MM/DD/YYYY"},
		{"not pdh", `"Time","cpu"` + "\n", ":1:", "time", "not a PDH-CSV header"},
		{"bad counter", `"(PDH-CSV 4.0) (GMT)(0)","cpu"` + "\n", ":1:", "column 2", "not a counter path"},
		{"short row", hdr + `"01/15/2024 09:00:00.000"` + "\n", ":2:", "column 1", "wrong number of fields"},
	}, "good.csv", hdr+`"01/15/2024 09:00:00.000","1"`+"\n"+`"01/15/2024 09:00:15.000","2"`+"\n", "bad file.csv", func(files []string, out string) error {
		_, err := Perfmon(files, out, PerfmonOptions{})
		return err
	})
}

// A log with the same quantity under two counters counts it once.
func TestPerfmonDuplicateCounters(t *testing.T) {
	dir := t.TempDir()
	files := writeFiles(t, dir, "d.csv", `"(PDH-CSV 4.0) (GMT Standard Time)(0)","\\H\Processor(_Total)\% Processor Time","\\H\Processor Information(_Total)\% Processor Time","\\H\Memory\Available Bytes","\\H\Memory\Available MBytes"`+"\n"+
		`"01/15/2024 09:00:00.000","10","11","1073741824","1024"`+"\n"+`"01/15/2024 09:00:15.000","20","21","1073741824","1024"`+"\n")
	out := filepath.Join(dir, "out")
	if _, err := Perfmon(files, out, PerfmonOptions{MemTotalBytes: map[string]int64{"": 4 << 30}}); err != nil {
		t.Fatal(err)
	}
	checkSamples(t, oneServer(t, out), []sampleWant{
		{"2024-01-15T08:59:45Z", 15, 10, 3 << 30, 4 << 30, nan, nan, nan, nan, nan, nan},
		{"2024-01-15T09:00:00Z", 15, 20, 3 << 30, 4 << 30, nan, nan, nan, nan, nan, nan},
	})
}

// TestPerfmonLogicalDisks checks storage from \LogicalDisk by hand:
//
//	row 1: C: 10240 MB free at 25 % → 40960 MiB, 30720 used; D: 1000 at 50 % →
//	       2000, 1000 used; fs_used_bytes 31720 MiB
//	row 2: C: 10000 at 24.4140625 % → 40960, 30960 used; D: full (0, 0 %) →
//	       its last size 2000, all used; 32960 MiB
//	row 3: C: blank → fs_used_bytes not measured; D: 500 at 25 % → 2000, 1500
//
// The _Total instance is left out; the inventory lists each drive with its
// last size and used bytes.
func TestPerfmonLogicalDisks(t *testing.T) {
	dir := t.TempDir()
	files := writeFiles(t, dir, "fs.csv", `"(PDH-CSV 4.0) (GMT Standard Time)(0)","\\H\Processor(_Total)\% Processor Time","\\H\LogicalDisk(C:)\% Free Space","\\H\LogicalDisk(C:)\Free Megabytes","\\H\LogicalDisk(D:)\% Free Space","\\H\LogicalDisk(D:)\Free Megabytes","\\H\LogicalDisk(_Total)\% Free Space","\\H\LogicalDisk(_Total)\Free Megabytes"`+"\r\n"+
		`"01/15/2024 09:00:00.000","10","25","10240","50","1000","26.2","11240"`+"\r\n"+
		`"01/15/2024 09:01:00.000","10","24.4140625","10000","0","0","23.3","10000"`+"\r\n"+
		`"01/15/2024 09:02:00.000","10"," "," ","25","500","1","500"`+"\r\n")
	out := filepath.Join(dir, "out")
	var w warnings
	sum, err := Perfmon(files, out, PerfmonOptions{Options: w.opts()})
	checkClean(t, sum, err, w, 1, 3)
	s := oneServer(t, out)
	checkFSUsed(t, s, []float64{31720 * mib, 32960 * mib, nan})
	checkFilesystems(t, s.Inventory, []model.Filesystem{
		{Mount: "C:", SizeBytes: 40960 * mib, UsedBytes: 30960 * mib},
		{Mount: "D:", SizeBytes: 2000 * mib, UsedBytes: 1500 * mib},
	})
	if hasNote(s.Inventory, noStorageNote) {
		t.Errorf("notes %q say no storage", s.Inventory.Notes)
	}
}

// A log without \LogicalDisk says that it has no storage capacity.
func TestPerfmonNoLogicalDisks(t *testing.T) {
	dir := t.TempDir()
	files := writeFiles(t, dir, "cpu.csv", `"(PDH-CSV 4.0) (GMT Standard Time)(0)","\\H\Processor(_Total)\% Processor Time"`+"\n"+
		`"01/15/2024 09:00:00.000","1"`+"\n"+`"01/15/2024 09:00:15.000","2"`+"\n")
	out := filepath.Join(dir, "out")
	if _, err := Perfmon(files, out, PerfmonOptions{}); err != nil {
		t.Fatal(err)
	}
	inv := oneServer(t, out).Inventory
	if len(inv.Filesystems) != 0 || !slices.ContainsFunc(inv.Notes, func(n string) bool { return strings.HasPrefix(n, noStorageNote) }) {
		t.Errorf("filesystems %+v, notes %q", inv.Filesystems, inv.Notes)
	}
}
