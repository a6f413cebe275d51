package importer

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

func TestAlibaba(t *testing.T) {
	dir := needShared(t, "alibaba-v2018")
	out := filepath.Join(t.TempDir(), "out")
	start := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	var w warnings
	sum, err := Alibaba([]string{filepath.Join(dir, "machine_usage.csv")}, out, AlibabaOptions{Options: w.opts(), Start: start,
		Meta: filepath.Join(dir, "machine_meta.csv"), MemTotalBytes: 512 << 30})
	// 51,362 rows of 8 machines; none has a repeated time_stamp.
	checkClean(t, sum, err, w, 8, 51362)
	srvs := readServers(t, out)
	// awk -F, '$1=="m_1933"{ if($3!=-1&&$3!=101){n++; s+=$3}; r++; if(r>1){g=$2-p; iv+=(g<300?g:300)}; p=$2; if(r==1)f=$2; if($4>mm)mm=$4}
	//   END{printf "rows=%d ncpu=%d meancpu=%.10f iv=%d first=%d last=%d maxmem=%d\n", r, n, s/n, iv+300, f, p, mm}' machine_usage.csv
	// → rows=7193 ncpu=7193 meancpu=5.7104129014 iv=628980 first=140 last=690930 maxmem=94
	s := server(t, srvs, "alibaba-m_1933")
	ser := &s.Series
	if ser.Len() != 7193 || ser.Start[0] != start.Unix()+140 || ser.Start[7192] != start.Unix()+690930 {
		t.Fatalf("%d samples from %d to %d", ser.Len(), ser.Start[0], ser.Start[ser.Len()-1])
	}
	checkClose(t, "m_1933 mean cpu", mean(ser.Mean[model.CPUBusyPct]), 5.7104129014)
	checkClose(t, "m_1933 max mem", maxOf(ser.Max[model.MemUsedBytes]), 0.94*(512<<30))
	var iv int64
	for _, x := range ser.IntervalSec {
		iv += int64(x)
	}
	if iv != 628980 {
		t.Errorf("sum of intervals %d, want 628980", iv)
	}
	// awk -F, '$1=="m_1932"{n++; s+=$3; m+=$4} END{printf "%.10f %.10f\n", s/n, m/n}' → 40.8760902256 90.9885714286
	s32 := server(t, srvs, "alibaba-m_1932")
	checkClose(t, "m_1932 mean cpu", mean(s32.Series.Mean[model.CPUBusyPct]), 40.8760902256)
	checkClose(t, "m_1932 mean mem", mean(s32.Series.Mean[model.MemUsedBytes]), 0.909885714286*(512<<30))
	// machine_meta: every machine has cpu_num 96.
	if inv := s.Inventory; inv.Cores != 96 || inv.Threads != 96 || inv.MemTotalBytes != 512<<30 || inv.Source != "import:alibaba" {
		t.Errorf("inventory %+v", inv)
	}
	for _, m := range []model.Metric{model.NetRxBytesPerSec, model.DiskReadBytesPerSec} {
		if ser.Has(m) {
			t.Errorf("has %s: the trace has no rates for it", m)
		}
	}
}

func TestAlibabaQuirks(t *testing.T) {
	dir := t.TempDir()
	files := writeFiles(t, dir, "u.csv", "m_1,0,10,50,,,1,1,5\nm_1,60,-1,50,,,1,1,5\nm_1,60,30,50,,,1,1,5\nm_1,1000,101,101,,,1,1,-1\nm_2,0,5,5,,,1,1,1\n")
	out := filepath.Join(dir, "out")
	var w warnings
	sum, err := Alibaba(files, out, AlibabaOptions{Options: w.opts(), Start: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Servers != 2 || sum.Samples != 4 {
		t.Errorf("summary %+v", sum)
	}
	w.find(t, "machine m_1: dropped 1 rows whose time_stamp is not after the previous row's, first at line 3",
		"2 rows with an invalid or missing cpu_util_percent", "give --mem-total")
	s := readServers(t, out)["alibaba-m_1"]
	checkSamples(t, s, []sampleWant{
		{"1970-01-01T00:00:00Z", 60, 10, nan, nan, nan, nan, nan, nan, nan, nan},
		{"1970-01-01T00:01:00Z", 300, nan, nan, nan, nan, nan, nan, nan, nan, nan},
		{"1970-01-01T00:16:40Z", 300, nan, nan, nan, nan, nan, nan, nan, nan, nan},
	})
	checkNoStorage(t, s)
}

func TestAlibabaMalformed(t *testing.T) {
	const first = "m_1,0,1,1,,,1,1,1\n"
	checkMalformed(t, []malformed{
		{"fields", first + "m_1,0,10,50\n", ":2:", "machine_id", "4 fields"},
		{"time", first + "m_1,x,10,50,,,1,1,5\n", ":2:", "time_stamp", `"x"`},
		{"cpu", first + "m_1,0,250,50,,,1,1,5\n", ":2:", "cpu_util_percent", "outside 0..100"},
		{"mem", first + "m_1,0,25,abc,,,1,1,5\n", ":2:", "mem_util_percent", `"abc" is not a number`},
	}, "good.csv", "m_9,0,1,1,,,1,1,1\n", "bad.csv", func(files []string, out string) error {
		_, err := Alibaba(files, out, AlibabaOptions{Start: time.Unix(0, 0)})
		return err
	})
}
