package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
)

func TestCSVMapping(t *testing.T) {
	m, err := ReadCSVMapping(filepath.Join("testdata", "csv", "fleet.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	sum, err := CSV([]string{filepath.Join("testdata", "csv", "fleet.csv")}, out, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Servers != 2 || sum.Samples != 4 {
		t.Errorf("summary %+v", sum)
	}
	srvs := readServers(t, out)
	const mib, gib = 1 << 20, 1 << 30
	// 10:05 Paris (UTC+1) is the end: the sample starts at 09:00 UTC. An
	// absent max takes the mean; Mbit/s × 125000 = bytes/s.
	w := server(t, srvs, "web01")
	checkSamplesMax(t, w, []sampleWant{
		{"2024-01-15T09:00:00Z", 300, 10, 1024 * mib, 4 * gib, nan, nan, 12, nan, 8 * 125000, nan},
		{"2024-01-15T09:05:00Z", 300, 20, 1536 * mib, 4 * gib, nan, nan, 0, nan, 16 * 125000, nan},
	}, false)
	if got := w.Series.Max[model.CPUBusyPct]; got[0] != 35 || got[1] != 40 {
		t.Errorf("cpu max %v", got)
	}
	d := server(t, srvs, "db01")
	if got := d.Series.Max[model.CPUBusyPct]; got[0] != 90 || got[1] != 50 {
		t.Errorf("db01 cpu max %v", got)
	}
	if d.Inventory.MemTotalBytes != 16*gib || d.Inventory.Source != "import:csv" {
		t.Errorf("inventory %+v", d.Inventory)
	}
}

// The generic importer reads a NAB CloudWatch file like the dedicated one.
func TestCSVOnNAB(t *testing.T) {
	file := filepath.Join(needShared(t, "nab-aws-cloudwatch"), "realAWSCloudwatch", "ec2_cpu_utilization_24ae8d.csv")
	dir := t.TempDir()
	mp := writeFiles(t, dir, "m.yaml", "timestamp: {column: timestamp, format: \"2006-01-02 15:04:05\"}\ninterval: 5m\nhost: {name: nab}\nmetrics:\n  - {column: value, metric: cpu_busy_pct, unit: percent}\n")[0]
	m, err := ReadCSVMapping(mp)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if _, err := CSV([]string{file}, out, m, Options{}); err != nil {
		t.Fatal(err)
	}
	s := oneServer(t, out)
	// awk -F, 'NR>1{n++; s+=$2} END{printf "n=%d mean=%.10f\n", n, s/n}' ec2_cpu_utilization_24ae8d.csv → n=4032 mean=0.1263030754
	if s.Series.Len() != 4032 {
		t.Errorf("%d samples", s.Series.Len())
	}
	checkClose(t, "mean cpu", mean(s.Series.Mean[model.CPUBusyPct]), 0.1263030754)
}

func TestCSVMappingErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ yaml, problem string }{
		{"interval: 5m\nmetrics: [{column: a, metric: cpu_busy_pct, unit: percent}]\n", "timestamp.column is required"},
		{"timestamp: {column: t}\nmetrics: [{column: a, metric: cpu_busy_pct, unit: percent}]\n", "interval is required"},
		{"timestamp: {column: t}\ninterval: 5m\nmetrics: [{column: a, metric: cpu, unit: percent}]\n", `metric "cpu" is not a canonical metric`},
		{"timestamp: {column: t}\ninterval: 5m\nmetrics: [{column: a, metric: cpu_busy_pct, unit: MB/s}]\n", `unit "MB/s" does not fit cpu_busy_pct`},
		{"timestamp: {column: t}\ninterval: 5m\nmetrics: [{column: a, metric: cpu_busy_pct, unit: percent}]\ntypo: 1\n", "field typo not found"},
	} {
		p := filepath.Join(dir, "m.yaml")
		os.WriteFile(p, []byte(c.yaml), 0o644)
		if _, err := ReadCSVMapping(p); err == nil || !strings.Contains(err.Error(), c.problem) {
			t.Errorf("%q: err %v, want %q", c.yaml, err, c.problem)
		}
	}
}

func TestCSVMalformed(t *testing.T) {
	m, err := ReadCSVMapping(filepath.Join("testdata", "csv", "fleet.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const hdr = "time;server;cpu_avg;cpu_peak;mem_used_mib;mem_total_gib;net_in_mbit;disk_r_iops\n"
	checkMalformed(t, []malformed{
		{"number", hdr + "15.01.2024 10:05;w;x;1;1;1;1;1\n", ":2:", "cpu_avg", `"x" is not`},
		{"time", hdr + "2024-01-15 10:05;w;1;1;1;1;1;1\n", ":2:", "time", "does not match"},
		{"short", hdr + "15.01.2024 10:05;w;1\n", ":2:", "disk_r_iops", "missing"},
		{"mean above max", hdr + "15.01.2024 10:05;w;50;10;1;1;1;1\n", ":2:", "cpu_avg", "above its max"},
		{"no column", "time;server\n", ":1:", "cpu_avg", "not in the header"},
	}, "good.csv", hdr+"15.01.2024 10:05;g;1;1;1;1;1;1\n", "bad.csv", func(files []string, out string) error {
		_, err := CSV(files, out, m, Options{})
		return err
	})
}
