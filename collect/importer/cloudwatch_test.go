package importer

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvmfit/kvmfit/model"
)

func TestCloudWatch(t *testing.T) {
	dir := filepath.Join(needShared(t, "nab-aws-cloudwatch"), "realAWSCloudwatch")
	cpu, disk, net := filepath.Join(dir, "ec2_cpu_utilization_24ae8d.csv"), filepath.Join(dir, "ec2_disk_write_bytes_1ef3de.csv"), filepath.Join(dir, "ec2_network_in_257a54.csv")

	// One server per file.
	out := filepath.Join(t.TempDir(), "out")
	var w warnings
	sum, err := CloudWatch([]string{cpu, disk}, out, CloudWatchOptions{Options: w.opts()})
	if err != nil {
		t.Fatal(err)
	}
	// The disk series repeats 2014-03-09 03:00:00 twelve times (a daylight
	// saving artefact): the repeats are dropped.
	if sum.Servers != 2 || sum.Samples != 4032+4719 {
		t.Errorf("summary %+v", sum)
	}
	w.find(t, "ec2_disk_write_bytes_1ef3de.csv: dropped 11 rows whose timestamp is not after the previous row's, first at line 2121")
	srvs := readServers(t, out)
	// awk -F, 'NR>1{n++; s+=$2; if($2>m)m=$2} END{printf "n=%d mean=%.10f max=%.10f\n", n, s/n, m}' ec2_cpu_utilization_24ae8d.csv
	// → n=4032 mean=0.1263030754 max=2.3440000000
	c := server(t, srvs, "cloudwatch-ec2_cpu_utilization_24ae8d")
	checkClose(t, "cpu mean", mean(c.Series.Mean[model.CPUBusyPct]), 0.1263030754)
	checkClose(t, "cpu max", maxOf(c.Series.Max[model.CPUBusyPct]), 2.344)
	// Bytes per 5-minute period / 300, first of each repeated timestamp:
	// awk -F, 'NR>1 && !seen[$1]++ {n++; s+=$2/300; if($2/300>m)m=$2/300} END{printf "n=%d mean=%.10f max=%.10f\n", n, s/n, m}' ec2_disk_write_bytes_1ef3de.csv
	// → n=4719 mean=21989.6746699159 max=1824856.6666666667
	d := server(t, srvs, "cloudwatch-ec2_disk_write_bytes_1ef3de")
	checkClose(t, "disk mean", mean(d.Series.Mean[model.DiskWriteBytesPerSec]), 21989.6746699159)
	checkClose(t, "disk max", maxOf(d.Series.Max[model.DiskWriteBytesPerSec]), 1824856.6666666667)
	checkNoStorage(t, d)
	// Each row lasts until the next, at most 300 s:
	// awk -F, 'NR>1 && !seen[$1]++ {split($1,b,/[- :]/); t=mktime(b[1]" "b[2]" "b[3]" "b[4]" "b[5]" "b[6]); if(n>0){g=t-p; iv+=(g<300?g:300)}; n++; p=t} END{print iv+300}'
	// → 1415640
	var iv int64
	for _, x := range d.Series.IntervalSec {
		iv += int64(x)
	}
	if iv != 1415640 {
		t.Errorf("sum of intervals %d, want 1415640", iv)
	}

	// Grouped into one server by --server: the series cover different weeks,
	// so the server has CPU, then disk, then network samples.
	out2 := filepath.Join(t.TempDir(), "out")
	sum, err = CloudWatch([]string{cpu, disk, net}, out2, CloudWatchOptions{Server: "web01"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Servers != 1 || sum.Samples != 4032+4719+4032 {
		t.Errorf("grouped summary %+v", sum)
	}
	s := oneServer(t, out2)
	// awk -F, 'NR>1{n++; s+=$2/300} END{printf "n=%d mean=%.10f\n", n, s/n}' ec2_network_in_257a54.csv → n=4032 mean=1902.6995123181
	var rx []float64
	for _, v := range s.Series.Mean[model.NetRxBytesPerSec] {
		if v == v {
			rx = append(rx, v)
		}
	}
	if len(rx) != 4032 {
		t.Fatalf("%d network samples", len(rx))
	}
	checkClose(t, "grouped net rx mean", mean(rx), 1902.6995123181)
	if s.ID != "web01" || len(s.Inventory.SourceFiles) != 3 || s.Inventory.Source != "import:cloudwatch" {
		t.Errorf("server %s inventory %+v", s.ID, s.Inventory)
	}

	// Two files of one metric cannot form one server.
	if _, err := CloudWatch([]string{cpu, filepath.Join(dir, "ec2_cpu_utilization_53ea38.csv")}, filepath.Join(t.TempDir(), "x"), CloudWatchOptions{Server: "x"}); err == nil {
		t.Error("no error for two CPU series in one server")
	}
}

func TestCloudWatchMalformed(t *testing.T) {
	checkMalformed(t, []malformed{
		{"value", "timestamp,value\n2014-02-14 14:30:00,1\n2014-02-14 14:35:00,x\n", ":3:", "value", `"x" is not a number`},
		{"time", "timestamp,value\n14/02/2014 14:30,1\n", ":2:", "timestamp", "not a time"},
		{"negative", "timestamp,value\n2014-02-14 14:30:00,-1\n", ":2:", "value", "out of range"},
		{"fields", "timestamp,value\n2014-02-14 14:30:00,1,2\n", ":2:", "value", "2 fields"},
	}, "ec2_cpu_utilization_a.csv", "timestamp,value\n2014-02-14 14:30:00,1\n", "ec2_cpu_utilization_b.csv", func(files []string, out string) error {
		_, err := CloudWatch(files, out, CloudWatchOptions{})
		return err
	})
	if _, err := CloudWatch(writeFiles(t, t.TempDir(), "mystery.csv", "timestamp,value\n"), filepath.Join(t.TempDir(), "o"), CloudWatchOptions{}); err == nil || !strings.Contains(err.Error(), "--metric") {
		t.Errorf("unknown metric: %v", err)
	}
}
