package importer

import (
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// needSadf skips when sadf is not installed, unless CI is set.
func needSadf(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sadf"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("sadf not installed in CI (apt-get install sysstat)")
		}
		t.Skip("sadf not installed (apt-get install sysstat)")
	}
}

func oneServer(t *testing.T, out string) *model.Server {
	t.Helper()
	srvs := readServers(t, out)
	if len(srvs) != 1 {
		t.Fatalf("%d servers, want 1: %q", len(srvs), ids(srvs))
	}
	for _, s := range srvs {
		return s
	}
	return nil
}

// sampleWant is one expected sample; NaN = metric absent.
type sampleWant struct {
	start                  string
	iv                     int32
	cpu, memUsed, memTotal float64
	rd, wr, rio, wio       float64
	rx, tx                 float64
}

func checkSamples(t *testing.T, s *model.Server, want []sampleWant) {
	t.Helper()
	checkSamplesMax(t, s, want, true)
}

// checkSamplesMax is checkSamples; sameMax also checks max = mean.
func checkSamplesMax(t *testing.T, s *model.Server, want []sampleWant, sameMax bool) {
	t.Helper()
	ser := &s.Series
	if ser.Len() != len(want) {
		t.Fatalf("%s: %d samples, want %d", s.ID, ser.Len(), len(want))
	}
	for i, w := range want {
		st, _ := time.Parse(time.RFC3339, w.start)
		if ser.Start[i] != st.Unix() || ser.IntervalSec[i] != w.iv {
			t.Errorf("sample %d: start %s interval %d, want %s %d", i, time.Unix(ser.Start[i], 0).UTC().Format(time.RFC3339), ser.IntervalSec[i], w.start, w.iv)
		}
		for _, c := range []struct {
			m model.Metric
			v float64
		}{{model.CPUBusyPct, w.cpu}, {model.MemUsedBytes, w.memUsed}, {model.MemTotalBytes, w.memTotal},
			{model.DiskReadBytesPerSec, w.rd}, {model.DiskWriteBytesPerSec, w.wr}, {model.DiskReadIOPS, w.rio},
			{model.DiskWriteIOPS, w.wio}, {model.NetRxBytesPerSec, w.rx}, {model.NetTxBytesPerSec, w.tx}} {
			got, max := ser.Mean[c.m][i], ser.Max[c.m][i]
			switch {
			case math.IsNaN(c.v) != math.IsNaN(got):
				t.Errorf("sample %d %s = %g, want %g", i, c.m, got, c.v)
			case !math.IsNaN(c.v) && !relClose(got, c.v) && math.Abs(got-c.v) > 1e-9:
				t.Errorf("sample %d %s = %.10g, want %.10g", i, c.m, got, c.v)
			case sameMax && !math.IsNaN(got) && got != max:
				t.Errorf("sample %d %s mean %g != max %g (the source keeps averages only)", i, c.m, got, max)
			}
		}
	}
}

var nan = math.NaN()

func TestSarSadfD(t *testing.T) {
	file := filepath.Join(needShared(t, "sysstat"), "tests", "expected.sadf-d")
	out := filepath.Join(t.TempDir(), "out")
	var w warnings
	sum, err := Sar([]string{file}, out, SarOptions{Options: w.opts()})
	checkClean(t, sum, err, w, 1, 5)
	s := oneServer(t, out)
	// CPU "all" rows (CPU = -1): 5 records; busy = 100 - %idle - %iowait:
	// awk -F';' '$4=="-1" && NF==14 {n++; s+=100-$14-$8; print $2, $3, 100-$14-$8} END{printf "%d %.10f\n", n, s/n}' expected.sadf-d
	// → 31 13:20:19 17, 31 13:20:29 4.21, 39 13:20:39 28.15, 22 13:20:49 23.61, 31 13:54:35 25.69; mean 19.732
	// Memory (sysstat ≥ 12.7 output: kbmemused = total - kbavail, %memused 46.11):
	// awk -F';' '/^# /{m=($4=="kbmemfree")} !/^#/ && m {print ($6+$5)*1024, $6*1024}' → 8340439040 3845574656
	// -b: awk -F';' '/^# /{io=($5=="rtps")} !/^#/ && io {print $8*512, $9*512, $5, $6}'
	// IFACE but lo: awk -F';' '/^# /{n=($4=="IFACE" && $7=="rxkB/s")} !/^#/ && n && $4!="lo" {rx[$3]+=$7*1024; tx[$3]+=$8*1024} END{for(k in rx) print k, rx[k], tx[k]}'
	const mu, mt = 3845574656, 8340439040
	checkSamples(t, s, []sampleWant{
		{"2019-04-18T13:19:48Z", 31, 17, mu, mt, 29404.16, 19712, 12.83, 4.81, 440.32, 225.28},
		{"2019-04-18T13:19:58Z", 31, 4.21, mu, mt, 8785.92, 10654.72, 41.26, 8.96, 66088.96, 3543.04},
		{"2019-04-18T13:20:00Z", 39, 28.15, mu, mt, 0, 0, 0, 0, 532.48, 266.24},
		{"2019-04-18T13:20:27Z", 22, 23.61, mu, mt, 2302694.4, 24698.88, 85.8, 5.85, 9106083.84, 479252.48},
		{"2019-04-18T13:54:04Z", 31, 25.69, mu, mt, 32849.92, 0, 321.46, 32082.13, 256788.48, 82083.84},
	})
	checkClose(t, "mean cpu", mean(s.Series.Mean[model.CPUBusyPct]), 19.732)
	// awk -F';' '/^# /{io=($5=="rtps")} !/^#/ && io {r+=$8*512; n++} END{printf "%.6f\n", r/n}' → 474746.880000
	checkClose(t, "mean disk read", mean(s.Series.Mean[model.DiskReadBytesPerSec]), 474746.88)
	inv := s.Inventory
	if inv.Hostname != "SYSSTAT.TEST" || inv.Source != "import:sar" || inv.MemTotalBytes != mt || inv.Threads != 10 || inv.OSFamily != "linux" {
		t.Errorf("inventory %+v", inv)
	}
	// The last restart says (10 CPU); lo is not a NIC; partitions are not disks.
	for _, n := range inv.NICs {
		if n.Name == "lo" {
			t.Error("lo listed as a NIC")
		}
	}
	if len(inv.Disks) == 0 {
		t.Error("no disks in the inventory")
	}
	// sar -F: MBfsused summed per timestamp, and the filesystems of the
	// last one with size = MBfsfree + MBfsused:
	// awk -F';' '/^# /{f=($4=="FILESYSTEM")} !/^#/ && f {u[$3]+=$6} END{for(k in u) print k, u[k]}' expected.sadf-d
	// → 13:20:19 1341, 13:20:29 2295 (six filesystems), 13:20:39 2295, 13:20:49 1323, 13:54:35 1323
	checkFSUsed(t, s, []float64{1341 * mib, 2295 * mib, 2295 * mib, 1323 * mib, 1323 * mib})
	checkFilesystems(t, inv, []model.Filesystem{
		{Mount: "/dev/sda12", Device: "/dev/sda12", SizeBytes: 1745 * mib, UsedBytes: 127 * mib},
		{Mount: "/dev/sda6", Device: "/dev/sda6", SizeBytes: 3341 * mib, UsedBytes: 845 * mib},
		{Mount: "/dev/sda7", Device: "/dev/sda7", SizeBytes: 479 * mib, UsedBytes: 206 * mib},
		{Mount: "/dev/sda9", Device: "/dev/sda9", SizeBytes: 850 * mib, UsedBytes: 145 * mib},
	})
}

// The same recording read from the binary file (through sadf), from the
// text of sar -A and from sadf -j must give the same samples.
func TestSarFormatsAgree(t *testing.T) {
	dir := filepath.Join(needShared(t, "sysstat"), "tests")
	needSadf(t)
	// data-12.0.0 (1 sample, 05:39:33-05:39:34): from expected.data-12.0.0,
	// CPU all %idle 99.00 %iowait 0.00 → 1; kbmemused 2390192 + kbavail
	// 5754884 = 8145076 kB total (29.35 % ✓), used 2390192 kB; all disk and
	// network rates 0.
	//   awk '/kbmemfree/{getline; print ($4+$3)*1024, $4*1024; exit}' expected.data-12.0.0
	//   → 8340557824 2447556608
	want12 := []sampleWant{{"2019-06-30T05:39:33Z", 1, 1, 2447556608, 8340557824, 0, 0, 0, 0, 0, 0}}
	// data-11.6.5 (sadf -c needed; 09:33:48-09:34:34): %idle 98.75 %iowait
	// 0.08 → 1.17; kbmemused 2354884 + kbavail 5791704 = 8146588 kB; -b
	// bread/s 110.33 bwrtn/s 346.84 (×512) rtps 4.05 wtps 1.87; enp6s0 rxkB/s
	// 0.33 txkB/s 0.02, other interfaces 0:
	//   awk '/kbmemfree/{getline; print ($4+$3)*1024, $4*1024; exit}' expected.data-11.6.5
	//   → 8342106112 2411401216
	want1165 := []sampleWant{{"2018-08-29T09:33:48Z", 46, 1.17, 2411401216, 8342106112, 110.33 * 512, 346.84 * 512, 4.05, 1.87, 0.33 * 1024, 0.02 * 1024}}
	// sar -F (MB of 2^20 bytes; size = MBfsfree + MBfsused):
	// data-12.0.0: sda9 9504+19897, sda7 278757+16408, sda12 84217+9140,
	// sda6 279700+15464 → used 60909 MiB.
	fs12 := []model.Filesystem{
		{Mount: "/dev/sda12", Device: "/dev/sda12", SizeBytes: 93357 * mib, UsedBytes: 9140 * mib},
		{Mount: "/dev/sda6", Device: "/dev/sda6", SizeBytes: 295164 * mib, UsedBytes: 15464 * mib},
		{Mount: "/dev/sda7", Device: "/dev/sda7", SizeBytes: 295165 * mib, UsedBytes: 16408 * mib},
		{Mount: "/dev/sda9", Device: "/dev/sda9", SizeBytes: 29401 * mib, UsedBytes: 19897 * mib},
	}
	// data-11.6.5: sda9 19832+9569, sda6 279784+15380, sda7 280398+14766,
	// sda12 89298+4058 → used 43773 MiB. The sadf -j file was made without
	// -F: no storage.
	fs1165 := []model.Filesystem{
		{Mount: "/dev/sda12", Device: "/dev/sda12", SizeBytes: 93356 * mib, UsedBytes: 4058 * mib},
		{Mount: "/dev/sda6", Device: "/dev/sda6", SizeBytes: 295164 * mib, UsedBytes: 15380 * mib},
		{Mount: "/dev/sda7", Device: "/dev/sda7", SizeBytes: 295164 * mib, UsedBytes: 14766 * mib},
		{Mount: "/dev/sda9", Device: "/dev/sda9", SizeBytes: 29401 * mib, UsedBytes: 9569 * mib},
	}
	for _, c := range []struct {
		file   string
		want   []sampleWant
		fsUsed float64
		fs     []model.Filesystem
	}{
		{filepath.Join(dir, "data-12.0.0"), want12, 60909 * mib, fs12},
		{filepath.Join(dir, "expected.data-12.0.0"), want12, 60909 * mib, fs12},
		{filepath.Join(dir, "data-11.6.5"), want1165, 43773 * mib, fs1165},
		{filepath.Join(dir, "expected.data-11.6.5"), want1165, 43773 * mib, fs1165},
		{filepath.Join("testdata", "sar", "data-11.6.5.sadf-j.json"), want1165, nan, nil},
	} {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			var w warnings
			// The sar -A texts were made with TZ=GMT; sadf output is UTC.
			if _, err := Sar([]string{c.file}, out, SarOptions{Options: w.opts(), Location: time.UTC}); err != nil {
				t.Fatal(err)
			}
			if len(w) != 0 {
				t.Errorf("warnings %q", w)
			}
			s := oneServer(t, out)
			wantTZ := ""
			if strings.HasPrefix(filepath.Base(c.file), "expected.") {
				wantTZ = "UTC"
			}
			if s.Inventory.TimeZone != wantTZ || s.Inventory.TimeZoneAssumed {
				t.Errorf("time zone %q (assumed %v), want %q given", s.Inventory.TimeZone, s.Inventory.TimeZoneAssumed, wantTZ)
			}
			checkSamples(t, s, c.want)
			checkFSUsed(t, s, []float64{c.fsUsed})
			checkFilesystems(t, s.Inventory, c.fs)
			if (c.fs == nil) != slices.ContainsFunc(s.Inventory.Notes, func(n string) bool { return strings.HasPrefix(n, noStorageNote) }) {
				t.Errorf("notes %q", s.Inventory.Notes)
			}
			if s.Inventory.Hostname != "linux.home" || s.Inventory.Threads != 8 || !strings.HasPrefix(s.Inventory.OS, "Linux ") {
				t.Errorf("inventory %+v", s.Inventory)
			}
			if filepath.Base(c.file) == "data-11.6.5" && !strings.Contains(strings.Join(s.Inventory.Notes, "\n"), "sadf -c") {
				t.Errorf("no note about the sadf -c conversion: %q", s.Inventory.Notes)
			}
		})
	}
}

// old-12h.txt is hand-made in the layout of sysstat 7 (RHEL 5): 12-hour
// clock, a file running past midnight, a restart, a second day, the old -r
// (kbmemused = total - kbmemfree), rd_sec/s and rxbyt/s columns.
func TestSarText12hMultiDay(t *testing.T) {
	file := filepath.Join("testdata", "sar", "old-12h.txt")
	out := filepath.Join(t.TempDir(), "out")
	var w warnings
	sum, err := Sar([]string{file}, out, SarOptions{Options: w.opts(), Location: time.FixedZone("CET", 3600)})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Samples != 4 || len(w) != 0 {
		t.Errorf("summary %+v warnings %q", sum, w)
	}
	s := oneServer(t, out)
	// Local times are UTC+1. Memory: total = kbmemfree + kbmemused =
	// 4000000 kB (75 %, 50 %, 25 % ✓); used = total - free - buffers - cached.
	const kb = 1024.0
	checkSamples(t, s, []sampleWant{
		{"2024-01-30T22:40:01Z", 600, 15, 1900000 * kb, 4000000 * kb, 800 * 512, 1200 * 512, 4, 6, 1000, 2000},
		{"2024-01-30T22:50:01Z", 600, 25, 900000 * kb, 4000000 * kb, 100 * 512, 300 * 512, 1, 4, 3000, 4000},
		{"2024-01-30T23:20:01Z", 600, 40, 400000 * kb, 4000000 * kb, nan, nan, nan, nan, nan, nan},
		{"2024-01-30T23:40:01Z", 600, 50, nan, nan, nan, nan, nan, nan, nan, nan},
	})
	inv := s.Inventory
	if inv.Hostname != "oldbox" || inv.OS != "Linux 2.6.18-398.el5" || inv.Threads != 2 || len(inv.Disks) != 1 || inv.Disks[0].Name != "dev8-0" ||
		len(inv.NICs) != 1 || inv.NICs[0].Name != "eth0" || inv.MemTotalBytes != 4000000*1024 {
		t.Errorf("inventory %+v", inv)
	}
	if notes := strings.Join(inv.Notes, "\n"); !strings.Contains(notes, "sysstat ≤ 11") {
		t.Errorf("notes %q", inv.Notes)
	}
}

// Without -b the whole disks of -d are summed (partitions and
// device-mapper left out) and IOPS are unknown.
func TestSarDevWithoutIO(t *testing.T) {
	dir := t.TempDir()
	txt := "Linux 3.10.0 (box) \t2024-02-01 \t_x86_64_\t(4 CPU)\n\n" +
		"10:00:00          DEV       tps     rkB/s     wkB/s\n" +
		"10:01:00          sda      1.00     10.00     20.00\n" +
		"10:01:00         sda1      1.00     10.00     20.00\n" +
		"10:01:00      nvme0n1      1.00      1.00      2.00\n" +
		"10:01:00    nvme0n1p1      1.00      1.00      2.00\n" +
		"10:01:00         dm-0      1.00     10.00     20.00\n" +
		"10:01:00          md0      1.00     10.00     20.00\n"
	files := writeFiles(t, dir, "box.txt", txt)
	out := filepath.Join(dir, "out")
	if _, err := Sar(files, out, SarOptions{}); err != nil {
		t.Fatal(err)
	}
	s := oneServer(t, out)
	checkSamples(t, s, []sampleWant{{"2024-02-01T10:00:00Z", 60, nan, nan, nan, 11 * 1024, 22 * 1024, nan, nan, nan, nan}})
	if d := s.Inventory.Disks; len(d) != 2 || d[0].Name != "nvme0n1" || d[1].Name != "sda" {
		t.Errorf("disks %+v", d)
	}
}

func TestWholeDisks(t *testing.T) {
	names := []string{"sda", "sda1", "sdb", "dev8-0", "dev8-1", "dev8-16", "dev253-0", "dm-1", "loop0", "nvme0n1", "nvme0n1p1", "mmcblk0", "mmcblk0p1", "xvda", "cciss/c0d0", "dev3-64", "dev3-1"}
	want := []bool{true, false, true, true, false, true, false, false, false, true, false, true, false, true, true, true, false}
	for i, ok := range wholeDisks(names) {
		if ok != want[i] {
			t.Errorf("%s: whole disk %v, want %v", names[i], ok, want[i])
		}
	}
}

func TestSarNoSadf(t *testing.T) {
	dir := t.TempDir()
	files := writeFiles(t, dir, "sa01", "\x96\xd5\x00\x00binary")
	out := filepath.Join(dir, "out")
	_, err := Sar(files, out, SarOptions{Sadf: filepath.Join(dir, "no-such-sadf")})
	if !errors.Is(err, ErrNoSadf) || !strings.Contains(err.Error(), files[0]) {
		t.Errorf("err %v, want ErrNoSadf naming the file", err)
	}
	noOutput(t, out)
}

func TestSarUnreadableBinary(t *testing.T) {
	needSadf(t)
	dir := t.TempDir()
	files := writeFiles(t, dir, "sa01", "\x00\x01garbage, not an sa file\n")
	out := filepath.Join(dir, "out")
	_, err := Sar(files, out, SarOptions{})
	if err == nil || !strings.Contains(err.Error(), files[0]) || !strings.Contains(err.Error(), "sadf") {
		t.Errorf("err %v, want one naming the file and sadf", err)
	}
	noOutput(t, out)
}

func TestSarMalformed(t *testing.T) {
	const sadfHdr = "# hostname;interval;timestamp;CPU;%user;%nice;%system;%iowait;%steal;%idle\n"
	const textHdr = "Linux 3.10.0 (box) \t02/01/24 \t_x86_64_\t(4 CPU)\n\n10:00:00 CPU %user %nice %system %iowait %steal %idle\n"
	checkMalformed(t, []malformed{
		{"sadf bad number", sadfHdr + "h;60;2024-02-01 10:01:00 UTC;-1;1;0;1;0;0;98\nh;60;2024-02-01 10:02:00 UTC;-1;1;0;1;x;0;98\n", ":3:", "%iowait", `"x" is not a number`},
		{"sadf bad time", sadfHdr + "h;60;2024-02-31 10:01:00 UTC;-1;1;0;1;0;0;98\n", ":2:", "timestamp", "not a time"},
		{"sadf short", sadfHdr + "h;60;2024-02-01 10:01:00 UTC;-1;1;0;1;0;0\n", ":2:", "%idle", "6 values"},
		{"sadf no header", "h;60;2024-02-01 10:01:00 UTC;-1;1;0;1;0;0;98\n", ":1:", "hostname", "before any"},
		{"text garbage", textHdr + "10:01:00 all 1 0 1 0 0 98\nhello\n", ":5:", "time", `"hello"`},
		{"text negative", textHdr + "10:01:00 all 1 0 1 -3 0 98\n", ":4:", "%iowait", "negative"},
		{"text bad clock", textHdr + "13:01:00 PM all 1 0 1 0 0 98\n", ":4:", "time", "12-hour"},
		{"text idle above 100", textHdr + "10:01:00 all 1 0 1 0 0 198\n", ":4:", "%idle", "above 100"},
		{"json bad", "{\"sysstat\": {\"hosts\": [{\"nodename\": \"h\", \"statistics\": [\n{\"timestamp\": {\"date\": \"2024-02-01\", \"time\": \"10:01:00\", \"utc\": 1, \"interval\": 60}, \"memory\": {\"memfree\": \"x\"}}]}]}}\n", ":2:", "statistics[0].memory.memfree", "cannot unmarshal string"},
	}, "good.txt", textHdr+"10:01:00 all 1 0 1 0 0 98\n", "bad file", func(files []string, out string) error {
		_, err := Sar(files, out, SarOptions{})
		return err
	})
}

// Several daily files of one host are one server; the same records given
// twice are dropped with a warning.
func TestSarFilesOfOneHost(t *testing.T) {
	dir := t.TempDir()
	day := func(date, idle string) string {
		return "Linux 3.10.0 (box) \t" + date + " \t_x86_64_\t(4 CPU)\n\n10:00:00 CPU %user %nice %system %iowait %steal %idle\n10:01:00 all 1 0 1 0 0 " + idle + "\n"
	}
	files := writeFiles(t, dir, "sa01.txt", day("02/01/24", "90"), "sa02.txt", day("02/02/24", "80"), "again.txt", day("02/02/24", "80"))
	out := filepath.Join(dir, "out")
	var w warnings
	sum, err := Sar(files, out, SarOptions{Options: w.opts()})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Servers != 1 || sum.Samples != 2 {
		t.Errorf("summary %+v", sum)
	}
	w.find(t, "dropped 1 samples of box that do not start after the previous sample, first at "+files[2]+":4")
	s := oneServer(t, out)
	checkSamples(t, s, []sampleWant{
		{"2024-02-01T10:00:00Z", 60, 10, nan, nan, nan, nan, nan, nan, nan, nan},
		{"2024-02-02T10:00:00Z", 60, 20, nan, nan, nan, nan, nan, nan, nan, nan},
	})
	if len(s.Inventory.SourceFiles) != 3 {
		t.Errorf("source files %q", s.Inventory.SourceFiles)
	}
}

// Outputs of two hosts concatenated into one file are two servers, even
// when the second host's clock is earlier.
func TestSarTwoHostsOneFile(t *testing.T) {
	day := func(host, date, idle string) string {
		return "Linux 3.10.0 (" + host + ") \t" + date + " \t_x86_64_\t(4 CPU)\n\n" +
			"10:00:00 CPU %user %nice %system %iowait %steal %idle\n10:01:00 all 1 0 1 0 0 " + idle + "\n10:02:00 all 1 0 1 0 0 " + idle + "\n\n" +
			"10:00:00 kbmemfree kbmemused %memused kbbuffers kbcached\n10:01:00 100 300 75.00 10 20\n10:02:00 100 300 75.00 10 20\n"
	}
	dir := t.TempDir()
	files := writeFiles(t, dir, "all.txt", day("a", "02/02/24", "90")+day("b", "02/01/24", "80"))
	out := filepath.Join(dir, "out")
	sum, err := Sar(files, out, SarOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Servers != 2 || sum.Samples != 4 {
		t.Errorf("summary %+v", sum)
	}
	srvs := readServers(t, out)
	const kb = 1024.0
	checkSamples(t, srvs["a"], []sampleWant{
		{"2024-02-02T10:00:00Z", 60, 10, 270 * kb, 400 * kb, nan, nan, nan, nan, nan, nan},
		{"2024-02-02T10:01:00Z", 60, 10, 270 * kb, 400 * kb, nan, nan, nan, nan, nan, nan},
	})
	checkSamples(t, srvs["b"], []sampleWant{
		{"2024-02-01T10:00:00Z", 60, 20, 270 * kb, 400 * kb, nan, nan, nan, nan, nan, nan},
		{"2024-02-01T10:01:00Z", 60, 20, 270 * kb, 400 * kb, nan, nan, nan, nan, nan, nan},
	})
}
