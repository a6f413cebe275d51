package importer

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// sharedData returns the directory of the public traces, kept beside the
// repository (../shared/data from the repository root), or skips the test.
func sharedData(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "data"))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if os.Getenv("CI") != "" {
			t.Fatalf("shared data %s missing in CI", dir)
		}
		t.Skipf("shared data not found at %s; these tests run in CI where ../shared/data is present", dir)
	}
	return dir
}

// needShared returns sub of the shared data directory, failing when it is
// missing from a present ../shared/data.
func needShared(t *testing.T, sub string) string {
	t.Helper()
	p := filepath.Join(sharedData(t), sub)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared data %s: %v", p, err)
	}
	return p
}

// warnings collects what an import reports through Options.Warn.
type warnings []error

func (w *warnings) opts() Options { return Options{Warn: func(err error) { *w = append(*w, err) }} }

func (w warnings) find(t *testing.T, substrs ...string) {
	t.Helper()
next:
	for _, s := range substrs {
		for _, err := range w {
			if strings.Contains(err.Error(), s) {
				continue next
			}
		}
		t.Errorf("no warning contains %q; got %q", s, w)
	}
}

func relClose(got, want float64) bool {
	return math.Abs(got-want) <= 1e-6*math.Max(math.Abs(got), math.Abs(want))
}

func checkClose(t *testing.T, what string, got, want float64) {
	t.Helper()
	if !relClose(got, want) {
		t.Errorf("%s = %.10g, want %.10g", what, got, want)
	}
}

func readServers(t *testing.T, dir string) map[string]*model.Server {
	t.Helper()
	srvs, err := dataset.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*model.Server{}
	for _, s := range srvs {
		for _, w := range s.Warnings {
			t.Errorf("reading back %s: %v", s.ID, w)
		}
		m[s.ID] = s
	}
	return m
}

// checkClean checks that an import succeeded with the given numbers of
// servers and samples, no warning and no skipped file.
func checkClean(t *testing.T, sum Summary, err error, w warnings, servers int, samples int64) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if sum.Servers != servers || sum.Samples != samples || len(sum.Skipped) != 0 || len(w) != 0 {
		t.Errorf("summary %+v, warnings %q; want %d servers, %d samples, no warning", sum, w, servers, samples)
	}
}

// server returns the server id of srvs, or fails the test naming the
// servers there are.
func server(t *testing.T, srvs map[string]*model.Server, id string) *model.Server {
	t.Helper()
	s := srvs[id]
	if s == nil {
		t.Fatalf("no server %s in %q", id, ids(srvs))
	}
	return s
}

func ids(m map[string]*model.Server) []string {
	var out []string
	for id := range m {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func maxOf(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	return m
}

// want holds figures computed independently of the importer, with awk.
type want struct {
	n             int
	meanCPU       float64 // mean of "CPU usage [%]"
	maxMemBytes   float64 // max of "Memory usage [KB]" × 1024
	first, last   int64   // Unix seconds
	cores         int
	cpuMHz        float64
	memTotalBytes int64
}

func checkServer(t *testing.T, s *model.Server, w want, file string) {
	t.Helper()
	ser := &s.Series
	if ser.Len() != w.n {
		t.Fatalf("%s: %d samples, want %d", s.ID, ser.Len(), w.n)
	}
	checkClose(t, s.ID+" mean cpu_busy_pct", mean(ser.Mean[model.CPUBusyPct]), w.meanCPU)
	checkClose(t, s.ID+" max mem_used_bytes", maxOf(ser.Max[model.MemUsedBytes]), w.maxMemBytes)
	if ser.Start[0] != w.first || ser.Start[w.n-1] != w.last {
		t.Errorf("%s: first/last start %d/%d, want %d/%d", s.ID, ser.Start[0], ser.Start[w.n-1], w.first, w.last)
	}
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		for i := range ser.Start {
			if mean, max := ser.Mean[m][i], ser.Max[m][i]; mean != max && !(math.IsNaN(mean) && math.IsNaN(max)) {
				t.Fatalf("%s: sample %d %s mean %g != max %g", s.ID, i, m, mean, max)
			}
		}
	}
	for _, m := range []model.Metric{model.DiskReadIOPS, model.DiskWriteIOPS} {
		if ser.Has(m) {
			t.Errorf("%s: has %s, the trace has no IOPS", s.ID, m)
		}
	}
	inv := s.Inventory
	if inv.Hostname != s.ID || !inv.IsVM || inv.Source != "import:bitbrains" || len(inv.SourceFiles) != 1 || inv.SourceFiles[0] != file {
		t.Errorf("%s: inventory %+v", s.ID, inv)
	}
	if inv.Cores != w.cores || inv.Threads != w.cores || !relClose(inv.CPUMHz, w.cpuMHz) || inv.MemTotalBytes != w.memTotalBytes {
		t.Errorf("%s: cores/threads/cpu_mhz/mem %d/%d/%g/%d, want %d/%d/%g/%d", s.ID,
			inv.Cores, inv.Threads, inv.CPUMHz, inv.MemTotalBytes, w.cores, w.cores, w.cpuMHz, w.memTotalBytes)
	}
	if inv.OS != "" || len(inv.Notes) == 0 {
		t.Errorf("%s: OS %q, notes %q", s.ID, inv.OS, inv.Notes)
	}
	if end := time.Unix(w.last, 0).Add(300 * time.Second).UTC(); !inv.UpdatedAt.Equal(end) {
		t.Errorf("%s: updated_at %v, want end of last sample %v", s.ID, inv.UpdatedAt, end)
	}
}

func TestBitbrainsRnd(t *testing.T) {
	dir := filepath.Join(sharedData(t), "bitbrains-rnd", "2013-7")
	files := []string{filepath.Join(dir, "1.csv"), filepath.Join(dir, "14.csv"), filepath.Join(dir, "20.csv")}
	out := filepath.Join(t.TempDir(), "out")
	var w warnings
	opts := w.opts()
	var lastDone, lastTotal int64
	opts.Progress = func(done, total int64) {
		if done < lastDone {
			t.Errorf("progress went back from %d to %d", lastDone, done)
		}
		lastDone, lastTotal = done, total
	}
	sum, err := Bitbrains(files, out, opts)
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	for _, f := range files {
		st, _ := os.Stat(f)
		size += st.Size()
	}
	if lastDone != size || lastTotal != size {
		t.Errorf("last progress %d/%d, want %d/%d", lastDone, lastTotal, size, size)
	}
	if sum.Servers != 3 || sum.Samples != 8260+420+4476 || len(sum.Skipped) != 0 {
		t.Errorf("summary %+v", sum)
	}
	// awk -F';\t' 'NR>1 && $2==0' 20.csv | wc -l  → 12077
	// awk -F';\t' 'NR>1 && $2==0' 14.csv | wc -l  → 8
	w.find(t, "20.csv: dropped 12077 rows with CPU cores = 0", "14.csv: dropped 8 rows with CPU cores = 0")
	if len(w) != 2 {
		t.Errorf("warnings %q, want 2", w)
	}

	srvs := readServers(t, out)
	if got := ids(srvs); strings.Join(got, " ") != "bitbrains-2013-7-1 bitbrains-2013-7-14 bitbrains-2013-7-20" {
		t.Fatalf("servers %q", got)
	}

	// 1.csv, every row kept:
	// awk -F';\t' 'NR>1 && $2>0{n++; s+=$5; m=($7*1024>m?$7*1024:m); if(n==1)f=$1; l=$1}
	//   END{printf "n=%d meanpct=%.10f maxmem=%.6f first=%d last=%d\n",n,s/n,m,f,l}' 1.csv
	// → n=8260 meanpct=11.5731034789 maxmem=7209815517.866667 first=1372629804 last=1375221457
	// Inventory, most frequent values over rows with cores > 0:
	// awk -F';\t' 'NR>1 && $2>0{c[$2]++; if($3>0)mhz[sprintf("%.10g",$3/$2)]++; if($6>0)mem[$6]++}
	//   END{for(k in c)print "cores",k,c[k]; for(k in mhz)print "mhz",k,mhz[k]; for(k in mem)print "mem",k,mem[k]}' FILE
	// → 2 cores, 2925.99945 MHz per core (all rows), 8388608.0 KB (7962 of 8260 rows).
	s1 := server(t, srvs, "bitbrains-2013-7-1")
	checkServer(t, s1, want{n: 8260, meanCPU: 11.5731034789, maxMemBytes: 7209815517.866667,
		first: 1372629804, last: 1375221457, cores: 2, cpuMHz: 2925.99945, memTotalBytes: 8388608 * 1024}, files[0])
	// Intervals are 300 s, or the gap to the next row if shorter:
	// awk -F';\t' 'NR>1 && $2>0{if(n>0){g=$1-p; iv+=(g<300?g:300)}; n++; p=$1} END{print iv+300}' 1.csv
	// → 2477969
	var iv int64
	for _, x := range s1.Series.IntervalSec {
		iv += int64(x)
	}
	if iv != 2477969 {
		t.Errorf("sum of intervals %d, want 2477969", iv)
	}
	// awk -F';\t' 'NR>1{n++; s+=$8*1024} END{printf "%.10f\n", s/n}' 1.csv → 2513.7476781169
	checkClose(t, "1.csv mean disk_read_bytes_per_sec", mean(s1.Series.Mean[model.DiskReadBytesPerSec]), 2513.7476781169)

	// 14.csv: the README says every value is 0, but only its first 8 rows
	// are (0 cores); the other 420 rows are real.
	// awk -F';\t' 'NR>1{if($2==0){z++; next}; n++; if(n==1)f=$1; p=$1; s+=$5; if($7>m)m=$7}
	//   END{printf "%d %d %.10f %.6f %d %d\n",n,z,s/n,m*1024,f,p}' 14.csv
	// → 420 8 4.3034467120 2074468078.933333 1375095746 1375221457
	// Most frequent: 1 core, 2599.999666 MHz (386 rows), 2097152.0 KB (417 rows).
	checkServer(t, srvs["bitbrains-2013-7-14"], want{n: 420, meanCPU: 4.3034467120, maxMemBytes: 2074468078.933333,
		first: 1375095746, last: 1375221457, cores: 1, cpuMHz: 2599.999666, memTotalBytes: 2097152 * 1024}, files[1])

	// 20.csv: from 2013-07-16 every row has 0 cores (the VM stopped), most
	// timestamps two or three times.
	// awk -F';\t' 'NR>1{if($2==0){z++; next}; if(n>0 && $1<=p){d++; next}; n++; if(n==1)f=$1; p=$1; s+=$5; if($7>m)m=$7}
	//   END{printf "%d %d %d %.10f %.6f %d %d\n",n,z,d+0,s/n,m*1024,f,p}' 20.csv
	// → 4476 12077 0 2.5938732527 3988590318.933333 1372629804 1373975137
	// Most frequent: 1 core, 2599.999309 MHz (4054 rows), 4194304.0 KB (4470 rows).
	checkServer(t, srvs["bitbrains-2013-7-20"], want{n: 4476, meanCPU: 2.5938732527, maxMemBytes: 3988590318.933333,
		first: 1372629804, last: 1373975137, cores: 1, cpuMHz: 2599.999309, memTotalBytes: 4194304 * 1024}, files[2])
}

func TestBitbrainsFastStorage(t *testing.T) {
	file := filepath.Join(sharedData(t), "bitbrains-faststorage", "bitbrains.csv")
	out := filepath.Join(t.TempDir(), "out")
	var w warnings
	sum, err := Bitbrains([]string{file}, out, w.opts())
	checkClean(t, sum, err, w, 1, 8619)
	// awk -F';\t' 'NR>1{if($2==0){z++; next}; n++; if(n==1)f=$1; p=$1; s+=$5; if($7>m)m=$7}
	//   END{printf "%d %d %.10f %.6f %d %d\n",n,z+0,s/n,m*1024,f,p}' bitbrains.csv
	// → 8619 0 0.2798971725 864717755.733333 1376314846 1378906798
	// Most frequent: 1 core, 2599.998989 MHz (1730 rows), 2097152.0 KB (all rows).
	srvs := readServers(t, out)
	checkServer(t, srvs["bitbrains-bitbrains-faststorage-bitbrains"], want{n: 8619, meanCPU: 0.2798971725, maxMemBytes: 864717755.733333,
		first: 1376314846, last: 1378906798, cores: 1, cpuMHz: 2599.998989, memTotalBytes: 2097152 * 1024}, file)
}

func TestPlanetLab(t *testing.T) {
	dir := filepath.Join(sharedData(t), "planetlab-cloudsim", "20110303")
	files := []string{
		filepath.Join(dir, "planetlab1_cs_purdue_edu_purdue_2"),
		filepath.Join(dir, "planetlab1_nrl_dcs_qmul_ac_uk_ rnp_dcc_ufjf"),
	}
	start := time.Date(2011, 3, 3, 0, 0, 0, 0, time.UTC)
	out := filepath.Join(t.TempDir(), "out")
	var w warnings
	sum, err := PlanetLab(files, start, out, w.opts())
	checkClean(t, sum, err, w, 2, 576)
	srvs := readServers(t, out)
	// awk '{n++; s+=$1; if($1>m)m=$1} END{printf "n=%d mean=%.10f max=%d\n", n, s/n, m}' FILE
	for _, c := range []struct {
		id, host  string
		mean, max float64
	}{
		{"planetlab-20110303-planetlab1_cs_purdue_edu_purdue_2", "planetlab1_cs_purdue_edu_purdue_2", 51.7638888889, 96},
		{"planetlab-20110303-planetlab1_nrl_dcs_qmul_ac_uk__rnp_dcc_ufjf", "planetlab1_nrl_dcs_qmul_ac_uk_ rnp_dcc_ufjf", 26.1666666667, 35},
	} {
		s := server(t, srvs, c.id)
		ser := &s.Series
		if ser.Len() != 288 {
			t.Fatalf("%s: %d samples, want 288", c.id, ser.Len())
		}
		checkClose(t, c.id+" mean", mean(ser.Mean[model.CPUBusyPct]), c.mean)
		checkClose(t, c.id+" max", maxOf(ser.Max[model.CPUBusyPct]), c.max)
		if first, last := ser.Start[0], ser.Start[287]; first != start.Unix() || last != start.Add(287*5*time.Minute).Unix() {
			t.Errorf("%s: first/last %d/%d", c.id, first, last)
		}
		for i, iv := range ser.IntervalSec {
			if iv != 300 {
				t.Fatalf("%s: sample %d interval %d", c.id, i, iv)
			}
		}
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			if m != model.CPUBusyPct && ser.Has(m) {
				t.Errorf("%s: has %s", c.id, m)
			}
		}
		inv := s.Inventory
		if inv.Hostname != c.host || inv.Cores != 1 || inv.Threads != 1 || !inv.IsVM || inv.Source != "import:planetlab" || len(inv.Notes) == 0 {
			t.Errorf("%s: inventory %+v", c.id, inv)
		}
		checkNoStorage(t, s)
	}
}

// writeFiles creates name → content files in dir and returns their paths
// in the order given.
func writeFiles(t *testing.T, dir string, kv ...string) []string {
	t.Helper()
	var paths []string
	for i := 0; i < len(kv); i += 2 {
		p := filepath.Join(dir, kv[i])
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(kv[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

const bbHeader = "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n"

const bbGood = bbHeader +
	"1372629804;\t2;\t5851.9989;\t87.7799835;\t1.5;\t8218624.0;\t1034592.8;\t160.86666666666667;\t21.733333333333334;\t0.26666666666666666;\t1.4666666666666666\n" +
	"1372630104;\t2;\t5851.9989;\t29.259994499999998;\t0.5;\t8218624.0;\t458575.4666666667;\t0.0;\t2.3333333333333335;\t0.2;\t1.0\n"

// noOutput checks that a failed import left nothing behind: neither the
// destination nor a temporary directory beside it.
func noOutput(t *testing.T, out string) {
	t.Helper()
	if _, err := os.Lstat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists after a failed import (err %v)", out, err)
	}
	ents, _ := os.ReadDir(filepath.Dir(out))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "."+filepath.Base(out)) {
			t.Errorf("left over: %s", e.Name())
		}
	}
}

func TestMalformed(t *testing.T) {
	checkMalformed(t, []malformed{
		{"wrong column count", bbGood + "1372630404;\t2;\t5851.9989;\t1;\t0.5;\t8218624.0;\t458575.4;\t0.0;\t2.3;\t0.2\n",
			":4:", "Network transmitted throughput [KB/s]", "line has 10 fields, want 11"},
		{"extra column", bbGood + "1372630404;\t2;\t5851.9989;\t1;\t0.5;\t8218624.0;\t458575.4;\t0.0;\t2.3;\t0.2;\t1.0;\t7\n",
			":4:", "Network transmitted throughput [KB/s]", "line has 12 fields, want 11"},
		{"not a number", bbGood + "1372630404;\t2;\t5851.9989;\t1;\t0.5;\t8218624.0;\tabc;\t0.0;\t2.3;\t0.2;\t1.0\n",
			":4:", "Memory usage [KB]", `"abc" is not a number`},
		{"negative", bbGood + "1372630404;\t2;\t5851.9989;\t1;\t0.5;\t8218624.0;\t1;\t-3;\t2.3;\t0.2;\t1.0\n",
			":4:", "Disk read throughput [KB/s]", "negative"},
		{"milliseconds", bbGood + "1372630404000;\t2;\t5851.9989;\t1;\t0.5;\t8218624.0;\t1;\t3;\t2.3;\t0.2;\t1.0\n",
			":4:", "Timestamp [ms]", "milliseconds?"},
		{"bad header", strings.Replace(bbGood, "CPU cores", "vCPUs", 1),
			":1:", "CPU cores", `header has "vCPUs"`},
		{"no header", bbGood[len(bbHeader):],
			":1:", "Timestamp [ms]", `header has "1372629804"`},
	}, "in/good.csv", bbGood, "in/bad file.csv", func(files []string, out string) error {
		_, err := Bitbrains(files, out, Options{})
		return err
	})
	checkMalformed(t, []malformed{
		{"planetlab fraction", "12\n13\n12.5\n", ":3:", "cpu_busy_pct", `"12.5" is not a whole number`},
		{"planetlab above 100", "12\n101\n", ":2:", "cpu_busy_pct", "101 is outside 0..100"},
		{"planetlab blank inside", "12\n\n13\n", ":2:", "cpu_busy_pct", "blank line before more data at line 3"},
	}, "in/good", "1\n2\n", "in/bad file", func(files []string, out string) error {
		_, err := PlanetLab(files, time.Date(2011, 3, 3, 0, 0, 0, 0, time.UTC), out, Options{})
		return err
	})
}

// malformed is a bad input file and the error it must give: at (":LINE:")
// and field name where in the file, and the message holds problem.
type malformed struct{ name, content, at, field, problem string }

// checkMalformed runs imp on a good file (goodName) and then each case's
// bad one (badName) and checks that the import fails with a
// *model.SampleParseError "BAD:LINE: field FIELD: ..." that holds the
// problem, and leaves no output. The good file comes first so that a
// server already exists when the bad one fails: the abort must remove it
// too.
func checkMalformed(t *testing.T, cases []malformed, goodName, good, badName string, imp func(files []string, out string) error) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			files := writeFiles(t, dir, goodName, good, badName, c.content)
			out := filepath.Join(dir, "out")
			err := imp(files, out)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			wantPrefix := files[1] + c.at + " field " + c.field + ": "
			if !strings.HasPrefix(msg, wantPrefix) || !strings.Contains(msg, c.problem) {
				t.Errorf("error %q, want %q...%q", msg, wantPrefix, c.problem)
			}
			var pe *model.SampleParseError
			if !errors.As(err, &pe) || pe.File != files[1] || pe.Field != c.field {
				t.Errorf("error %#v is not a *model.SampleParseError for field %s of %s", err, c.field, files[1])
			}
			noOutput(t, out)
		})
	}
}

func TestSkipped(t *testing.T) {
	dir := t.TempDir()
	// The first 2 data lines of rnd 2013-7/14.csv: a VM with 0 cores.
	zero := bbHeader + "1375093346;\t0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0\n" +
		"1375093646;\t0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0\n"
	files := writeFiles(t, dir, "m/good.csv", bbGood, "m/zero.csv", zero, "m/empty.csv", "", "m/header.csv", bbHeader+"\n")
	out := filepath.Join(dir, "out")
	var w warnings
	sum, err := Bitbrains(files, out, w.opts())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Servers != 1 || sum.Samples != 2 || len(sum.Skipped) != 3 {
		t.Fatalf("summary %+v", sum)
	}
	for i, reason := range []string{"all 2 rows have CPU cores = 0", "empty file", "no data rows"} {
		if s := sum.Skipped[i]; !strings.HasPrefix(s, files[i+1]+": ") || !strings.Contains(s, reason) {
			t.Errorf("skipped[%d] = %q, want %s: ...%s", i, s, files[i+1], reason)
		}
	}
	w.find(t, files[1]+": skipped", files[2]+": skipped", files[3]+": skipped")
	if got := ids(readServers(t, out)); len(got) != 1 || got[0] != "bitbrains-m-good" {
		t.Errorf("servers %q", got)
	}

	// Nothing importable: an error, and no output.
	out2 := filepath.Join(dir, "out2")
	sum, err = Bitbrains(files[1:], out2, Options{})
	if !errors.Is(err, ErrNoServers) || len(sum.Skipped) != 3 {
		t.Errorf("err %v, summary %+v; want ErrNoServers", err, sum)
	}
	noOutput(t, out2)

	pl := writeFiles(t, dir, "d/a", "5\n", "d/empty", "", "d/blank", "\n\n")
	sum, err = PlanetLab(pl, time.Unix(0, 0), filepath.Join(dir, "out3"), Options{})
	if err != nil || sum.Servers != 1 || len(sum.Skipped) != 2 {
		t.Errorf("planetlab: err %v, summary %+v", err, sum)
	}
}

func TestBitbrainsQuirks(t *testing.T) {
	dir := t.TempDir()
	row := func(ts, cores, pct string) string {
		return ts + ";\t" + cores + ";\t2600;\t26;\t" + pct + ";\t2097152.0;\t1024;\t1;\t2;\t3;\t4\n"
	}
	content := bbHeader +
		row("1000000000", "1", "1") +
		row("1000000000", "1", "2") + // repeated timestamp: dropped
		row("1000000100", "1", "150") + // 100 s later: the first sample lasts 100 s; clamped
		row("1000000050", "1", "3") + // goes back: dropped
		row("1000000400", "0", "0") + // 0 cores: dropped
		"\n" + // blank lines are ignored
		row("1000001000", "2", "4") + // a gap: the previous sample keeps 300 s
		"\n"
	files := writeFiles(t, dir, "q/1.csv", content)
	var w warnings
	out := filepath.Join(dir, "out")
	if _, err := Bitbrains(files, out, w.opts()); err != nil {
		t.Fatal(err)
	}
	w.find(t, "dropped 2 rows whose timestamp is not after the previous row's, first at line 3",
		"dropped 1 rows with CPU cores = 0 (VM not running), first at line 6",
		"clamped to 100 in 1 rows (max 150), first at line 4")
	s := readServers(t, out)["bitbrains-q-1"]
	ser := &s.Series
	if ser.Len() != 3 {
		t.Fatalf("%d samples, want 3", ser.Len())
	}
	for i, c := range []struct {
		start int64
		iv    int32
		cpu   float64
	}{{1000000000, 100, 1}, {1000000100, 300, 100}, {1000001000, 300, 4}} {
		if ser.Start[i] != c.start || ser.IntervalSec[i] != c.iv || ser.Mean[model.CPUBusyPct][i] != c.cpu {
			t.Errorf("sample %d: %d %d %g, want %+v", i, ser.Start[i], ser.IntervalSec[i], ser.Mean[model.CPUBusyPct][i], c)
		}
	}
	if got := ser.Mean[model.MemUsedBytes][0]; got != 1024*1024 {
		t.Errorf("mem_used_bytes %g, want 1 MiB", got)
	}
	if got := ser.Mean[model.NetTxBytesPerSec][0]; got != 4*1024 {
		t.Errorf("net_tx_bytes_per_sec %g, want 4096", got)
	}
	// Cores 1 twice, 2 once: the inventory takes 1.
	if inv := s.Inventory; inv.Cores != 1 || inv.CPUMHz != 2600 || inv.MemTotalBytes != 2<<30 {
		t.Errorf("inventory %+v", inv)
	}
	checkNoStorage(t, s)
}

func TestImportIntoExisting(t *testing.T) {
	dir := filepath.Join(sharedData(t), "bitbrains-rnd", "2013-7")
	one, two := filepath.Join(dir, "1.csv"), filepath.Join(dir, "2.csv")
	out := filepath.Join(t.TempDir(), "out")
	if _, err := Bitbrains([]string{one}, out, Options{}); err != nil {
		t.Fatal(err)
	}
	var w warnings
	sum, err := Bitbrains([]string{one, two}, out, w.opts())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Servers != 1 || sum.Merged != 1 {
		t.Errorf("summary %+v, want 1 server added, 1 merged", sum)
	}
	// Importing the same file again adds nothing: the plan would count
	// that VM twice.
	w.find(t, one+": bitbrains-2013-7-1 is already in the dataset as "+filepath.Join(out, "bitbrains-2013-7-1")+": merged, 0 new samples added, 8260 already there (nothing changed)")
	srvs := readServers(t, out)
	if got := strings.Join(ids(srvs), " "); got != "bitbrains-2013-7-1 bitbrains-2013-7-2" {
		t.Errorf("servers %s", got)
	}
	if n := srvs["bitbrains-2013-7-1"].Series.Len(); n != 8260 {
		t.Errorf("%d samples after the re-import, want 8260", n)
	}
	if n := int64(srvs["bitbrains-2013-7-2"].Series.Len()); sum.Samples != n {
		t.Errorf("summary counts %d samples, want %d (2.csv's only)", sum.Samples, n)
	}
	// The same file named twice in one import is read once.
	out2 := filepath.Join(t.TempDir(), "out")
	var w2 warnings
	if sum, err := Bitbrains([]string{one, filepath.Join(dir, ".", "1.csv")}, out2, w2.opts()); err != nil || sum.Servers != 1 {
		t.Errorf("summary %+v, %v", sum, err)
	}
	w2.find(t, filepath.Join(dir, ".", "1.csv")+": the same file as "+one+", given twice: read once")
}

func TestModeCounter(t *testing.T) {
	var c modeCounter
	if !math.IsNaN(c.mode()) {
		t.Error("empty counter has a mode")
	}
	for _, v := range []float64{3, 1, 3, 2, 1} {
		c.add(v)
	}
	if got := c.mode(); got != 1 { // 1 and 3 tie: the smaller wins
		t.Errorf("mode %g, want 1", got)
	}
	// A dominant value survives a stream with far more distinct values than
	// counters.
	var d modeCounter
	for i := 0; i < 20*modeCounterSize; i++ {
		if i%3 == 0 {
			d.add(42)
		} else {
			d.add(float64(1000 + i))
		}
	}
	if got := d.mode(); got != 42 || len(d.counts) > modeCounterSize {
		t.Errorf("mode %g with %d counters, want 42 with at most %d", got, len(d.counts), modeCounterSize)
	}
}

func TestBitbrainsBOMAndCRLF(t *testing.T) {
	dir := t.TempDir()
	files := writeFiles(t, dir, "w/1.csv", "\ufeff"+strings.ReplaceAll(bbGood, "\n", "\r\n"))
	sum, err := Bitbrains(files, filepath.Join(dir, "out"), Options{})
	if err != nil || sum.Samples != 2 {
		t.Errorf("err %v, summary %+v", err, sum)
	}
}

func TestNoInput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if _, err := Bitbrains(nil, out, Options{}); err == nil {
		t.Error("no error for no files")
	}
	if _, err := Bitbrains([]string{filepath.Join(t.TempDir(), "missing.csv")}, out, Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := PlanetLab([]string{"x"}, time.Time{}, out, Options{}); err == nil {
		t.Error("no error for a zero start time")
	}
	noOutput(t, out)
}
