package importer

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// fuzzParse runs one importer's parser over data written to a file in dir,
// with samples checked in memory instead of written to a dataset (disk
// writes would make each run too slow to fuzz). It checks that the parser
// does not panic, that parse errors name the file, and that every sample it
// produces is one the dataset writer would accept.
func fuzzParse(t *testing.T, dir string, data []byte, name string, parse func(r *run, hs *hostSet, path string) error) {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := newRun([]string{path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	hs := newHostSet(r, "fuzz")
	hs.check = func(host string, x model.Sample) error {
		if host == "" {
			t.Fatalf("sample without a host")
		}
		if iv := x.Interval; iv < time.Second || iv > 24*time.Hour || iv%time.Second != 0 {
			t.Fatalf("interval %s", iv)
		}
		if x.Start.Before(time.Unix(0, 0)) || x.Start.Year() > 9999 {
			t.Fatalf("start %s", x.Start)
		}
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			mean, max := x.Mean[m], x.Max[m]
			for _, v := range []float64{mean, max} {
				if math.IsInf(v, 0) || v < 0 || v > 1e18 || m == model.CPUBusyPct && v > 100.5 {
					t.Fatalf("%s = %g", m, v)
				}
			}
			if mean > max*(1+1e-9)+1e-9 { // false when either is NaN
				t.Fatalf("%s mean %g max %g", m, mean, max)
			}
		}
		return nil
	}
	err = parse(r, hs, path)
	if err == nil {
		err = hs.finish(nil)
	}
	if err != nil {
		var pe *model.SampleParseError
		if errors.As(err, &pe) && pe.File != path {
			t.Fatalf("parse error names %q, want %q: %v", pe.File, path, err)
		}
	}
}

func FuzzSarText(f *testing.F) {
	for _, p := range []string{"testdata/sar/old-12h.txt", "../../../shared/data/sysstat/tests/expected.data-11.6.5", "../../../shared/data/sysstat/tests/expected.sadf-d"} {
		if b, err := os.ReadFile(p); err == nil {
			if len(b) > 8000 {
				b = b[:8000]
			}
			f.Add(b)
		}
	}
	f.Add([]byte("Linux 3.10.0 (box) \t02/01/24 \t_x86_64_\t(4 CPU)\n\n10:00:00 CPU %user %nice %system %iowait %steal %idle\n10:01:00 all 1 0 1 0 0 98\n"))
	f.Add([]byte("# hostname;interval;timestamp;CPU;%user;%nice;%system;%iowait;%steal;%idle\nh;60;2024-02-01 10:01:00 UTC;-1;1;0;1;0;0;98\n"))
	f.Add([]byte("Linux 3.10.0 (box) \t02/01/24 \t_x86_64_\t(4 CPU)\n\n10:00:00 MBfsfree MBfsused %fsused %ufsused Ifree Iused %Iused FILESYSTEM\n10:01:00 19832 9569 32.55 37.70 1666005 255355 13.29 /dev/sda9\n"))
	f.Add([]byte("# hostname;interval;timestamp;FILESYSTEM;MBfsfree;MBfsused;%fsused;%ufsused;Ifree;Iused;%Iused\nh;60;2024-02-01 10:01:00 UTC;/dev/sda9;705;145;17.04;18.92;6008414;102818;1.68\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 0 && data[0] == 0 {
			return // binary: sadf, not the parser
		}
		fuzzParse(t, dir, data, "sa.txt", func(r *run, hs *hostSet, path string) error {
			si := &sarImport{r: r, hs: hs, opts: SarOptions{Location: time.FixedZone("X", 5400), Sadf: "/nonexistent"}, meta: map[string]*sarMeta{}}
			return si.file(path)
		})
	})
}

func FuzzSadfJSON(f *testing.F) {
	if b, err := os.ReadFile("testdata/sar/data-11.6.5.sadf-j.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"sysstat": {"hosts": [{"nodename": "h", "number-of-cpus": 2, "statistics": [{"timestamp": {"date": "2024-02-01", "time": "10:01:00", "utc": 1, "interval": 60}, "cpu-load": [{"cpu": "all", "idle": 50, "iowait": 1}], "memory": {"memfree": 1, "memused": 3, "memused-percent": 75}}]}]}}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 0 && data[0] == 0 {
			return
		}
		fuzzParse(t, dir, data, "sa.json", func(r *run, hs *hostSet, path string) error {
			si := &sarImport{r: r, hs: hs, opts: SarOptions{Location: time.UTC, Sadf: "/nonexistent"}, meta: map[string]*sarMeta{}}
			return si.file(path)
		})
	})
}

func FuzzNmon(f *testing.F) {
	f.Add([]byte(aixNmon))
	f.Add([]byte("AAA,host,h\nAAA,interval,30\nBBBB,0001,hdisk0,68.25,SAS\nBBBP,001,/bin/df-m,\"ddev/sda1  477 238 210 54% /boot\"\nBBBP,002,/bin/mount,\"ddev/sda1 on /boot type ext4 (rw,relatime)\"\nBBBP,003,/proc/partitions,\"   8   0  125034840 sda\"\nJFSFILE,JFS Filespace %Used h,/boot,/,/run\nZZZZ,T0001,10:00:00,01-JAN-2024\nJFSFILE,T0001,49.8,10,0\nZZZZ,T0002,10:00:30,01-JAN-2024\nJFSFILE,T0002,50.1,,0\n"))
	f.Add([]byte("AAA,host,h\nAAA,interval,30\nCPU_ALL,CPU Total h,User%,Sys%,Wait%,Idle%\nMEM,Memory MB h,memtotal,memfree,cached,buffers\nZZZZ,T0001,10:00:00,01-JAN-2024\nCPU_ALL,T0001,1,2,3,94\nMEM,T0001,100,50,10,5\nZZZZ,T0002,10:00:30,01-JAN-2024\nCPU_ALL,T0002,1,2,3,94\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, dir, data, "h.nmon", func(r *run, hs *hostSet, path string) error {
			ni := &nmonImport{r: r, hs: hs, loc: time.UTC, meta: map[string]*nmonMeta{}}
			return ni.file(path)
		})
	})
}

func FuzzPerfmon(f *testing.F) {
	if b, err := os.ReadFile("testdata/perfmon/two-hosts.csv"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`"(PDH-CSV 4.0) (GMT)(0)","\\H\Processor(_Total)\% Processor Time","\\H\Memory\Available Bytes"` + "\n" + `"01/15/2024 09:00:00.000","1","5"` + "\n" + `"01/15/2024 09:00:15.000","2"," "` + "\n"))
	f.Add([]byte(`"(PDH-CSV 4.0) (GMT)(0)","\\H\LogicalDisk(C:)\% Free Space","\\H\LogicalDisk(C:)\Free Megabytes","\\H\LogicalDisk(D:)\Free Megabytes"` + "\n" + `"01/15/2024 09:00:00.000","25","10240","5"` + "\n" + `"01/15/2024 09:00:15.000","0","0"," "` + "\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, dir, data, "p.csv", func(r *run, hs *hostSet, path string) error {
			pi := &perfmonImport{r: r, hs: hs, opts: PerfmonOptions{MemTotalBytes: map[string]int64{"": 10}}, noTotal: map[string]bool{}}
			return pi.file(path)
		})
	})
}

func FuzzCSVMapped(f *testing.F) {
	m, err := ReadCSVMapping("testdata/csv/fleet.yaml")
	if err != nil {
		f.Fatal(err)
	}
	if b, err := os.ReadFile("testdata/csv/fleet.csv"); err == nil {
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, dir, data, "f.csv", func(r *run, hs *hostSet, path string) error {
			return r.csvFile(path, m, hs, nil)
		})
	})
}

// FuzzTraceLines checks the line parsers of the public traces: no panic,
// errors name a field, accepted values are in range.
func FuzzTraceLines(f *testing.F) {
	for _, s := range []string{"m_1932,386640,41,92,,,43.04,33.08,5", "m_1,0,-1,101,,,1,1,-1", "6.763 5.103", "7.1 215", "2014-02-14 14:30:00,0.132", "2014-02-14T14:30:00Z,5e8", "x,1,2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		named := func(err error) {
			var fe *fieldError
			if !errors.As(err, &fe) || fe.Field == "" {
				t.Fatalf("error %v does not name a field", err)
			}
		}
		if r, err := parseAlibabaLine(line); err != nil {
			named(err)
		} else {
			for _, v := range []float64{r.cpu, r.mem} {
				if !math.IsNaN(v) && (v < 0 || v > 100) {
					t.Fatalf("alibaba accepted %g from %q", v, line)
				}
			}
			if r.machine == "" || strings.Contains(r.machine, ",") {
				t.Fatalf("alibaba machine %q", r.machine)
			}
		}
		if c, m, err := parseGoogleLine(line); err != nil {
			named(err)
		} else if c < 0 || m < 0 || c > 1000 || m > 1000 {
			t.Fatalf("google accepted %g %g", c, m)
		}
		if ts, v, err := parseCloudWatchLine(line); err != nil {
			named(err)
		} else if v < 0 || v > maxTraceValue || ts.IsZero() {
			t.Fatalf("cloudwatch accepted %v %g", ts, v)
		}
		if _, _, _, _, ok := parsePerfmonCounter(line); ok && !strings.HasPrefix(line, `\\`) {
			t.Fatalf("perfmon counter %q accepted", line)
		}
		if parts := splitMatchers(line); strings.Join(parts, ",") != line {
			t.Fatalf("splitMatchers(%q) = %q does not join back", line, parts)
		}
	})
}
