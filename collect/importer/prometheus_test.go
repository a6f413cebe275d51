package importer

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// lookBinary finds the first of names on PATH or in /usr/bin.
func lookBinary(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startProcess runs a program until the test ends, its output in a log
// file shown if the test fails.
func startProcess(t *testing.T, dir, name, bin string, args ...string) {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s log:\n%s", name, b)
		}
	})
}

func waitHTTP(t *testing.T, url string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s not ready after %s", url, within)
}

// procStatCPU returns idle+iowait and total jiffies of all CPUs.
func procStatCPU(t *testing.T) (idle, total float64) {
	t.Helper()
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		t.Skip("no /proc/stat")
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fs := strings.Fields(line)
	for i, f := range fs[1:] {
		v, _ := strconv.ParseFloat(f, 64)
		if i >= 8 { // guest and guest_nice are already in user and nice
			break
		}
		total += v
		if i == 3 || i == 4 {
			idle += v
		}
	}
	return idle, total
}

// memTotalBytes reads MemTotal from /proc/meminfo.
func memTotalBytes(t *testing.T) float64 {
	t.Helper()
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		t.Skip("no /proc/meminfo")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) >= 2 && fs[0] == "MemTotal:" {
			kb, _ := strconv.ParseFloat(fs[1], 64)
			return kb * 1024
		}
	}
	t.Fatal("no MemTotal in /proc/meminfo")
	return 0
}

// TestPrometheusIntegration runs Debian's prometheus-node-exporter and
// prometheus on loopback (free ports, a temporary config scraping every
// second and a temporary storage directory), waits for samples, imports
// them in-process and checks the dataset against /proc.
func TestPrometheusIntegration(t *testing.T) {
	prom := lookBinary("prometheus")
	ne := lookBinary("prometheus-node-exporter", "node_exporter")
	if prom == "" || ne == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("prometheus or prometheus-node-exporter not installed in CI (apt-get install prometheus prometheus-node-exporter)")
		}
		t.Skip("prometheus and prometheus-node-exporter not installed (apt-get install prometheus prometheus-node-exporter)")
	}
	if testing.Short() {
		t.Skip("takes about 20 s")
	}
	dir := t.TempDir()
	nePort, promPort := freePort(t), freePort(t)
	startProcess(t, dir, "node-exporter", ne, fmt.Sprintf("--web.listen-address=127.0.0.1:%d", nePort))
	waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", nePort), 15*time.Second)
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ["127.0.0.1:%d"]
`, nePort)), 0o644); err != nil {
		t.Fatal(err)
	}
	startProcess(t, dir, "prometheus", prom, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", promPort), "--log.level=warn")
	url := fmt.Sprintf("http://127.0.0.1:%d", promPort)
	waitHTTP(t, url+"/-/ready", 30*time.Second)
	// Leave a few scrapes before the range so that its first step has rates.
	start := time.Now().Truncate(time.Second).Add(4 * time.Second)
	const step, span = 5 * time.Second, 15 * time.Second
	time.Sleep(time.Until(start))
	idle0, total0 := procStatCPU(t)
	time.Sleep(time.Until(start.Add(span)))
	idle1, total1 := procStatCPU(t)
	time.Sleep(2 * time.Second)
	// Busy share over the range, from /proc/stat, independently of node_exporter.
	wantCPU := 100 * (1 - (idle1-idle0)/(total1-total0))

	out := filepath.Join(dir, "out")
	var w warnings
	var lastDone, lastTotal int64
	opts := PrometheusOptions{Options: w.opts(), URL: url, Start: start, End: start.Add(span), Step: step, PeakWindow: 2 * time.Second, Selector: `job="node"`}
	opts.Progress = func(d, tot int64) { lastDone, lastTotal = d, tot }
	sum, err := Prometheus(context.Background(), out, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Servers != 1 || lastDone != lastTotal || lastTotal == 0 {
		t.Errorf("summary %+v, warnings %q, progress %d/%d", sum, w, lastDone, lastTotal)
	}
	s := oneServer(t, out)
	ser := &s.Series
	if ser.Len() != 3 {
		t.Fatalf("%d samples, want 3", ser.Len())
	}
	// The steps and the two /proc/stat reads are not exactly aligned.
	if got := mean(ser.Mean[model.CPUBusyPct]); math.Abs(got-wantCPU) > 15 {
		t.Errorf("mean cpu_busy_pct %g, /proc/stat says %g over the range", got, wantCPU)
	}
	wantTotal := memTotalBytes(t)
	for i := 0; i < ser.Len(); i++ {
		x := ser.At(i)
		t.Logf("sample %d: %s", i, dataset.AppendRow(nil, x))
		if x.Interval != step || x.Start.Before(start) || !x.Start.Before(start.Add(span)) || (x.Start.Sub(start))%step != 0 {
			t.Errorf("sample %d: start %s interval %s", i, x.Start, x.Interval)
		}
		cpu, cpuMax := x.Mean[model.CPUBusyPct], x.Max[model.CPUBusyPct]
		if math.IsNaN(cpu) || cpu < 0 || cpu > 100 || cpuMax < cpu || cpuMax > 100 {
			t.Errorf("sample %d: cpu mean %g max %g", i, cpu, cpuMax)
		}
		if mt := x.Mean[model.MemTotalBytes]; mt != wantTotal {
			t.Errorf("sample %d: mem_total_bytes %g, want MemTotal %g from /proc/meminfo", i, mt, wantTotal)
		}
		if mu := x.Mean[model.MemUsedBytes]; math.IsNaN(mu) || mu <= 0 || mu >= wantTotal || x.Max[model.MemUsedBytes] < mu {
			t.Errorf("sample %d: mem_used_bytes mean %g max %g", i, mu, x.Max[model.MemUsedBytes])
		}
		// Loopback is excluded and other interfaces may be idle, but the
		// metric is present and non-negative whenever a non-lo interface exists.
		for _, m := range []model.Metric{model.NetRxBytesPerSec, model.DiskReadBytesPerSec} {
			if v := x.Mean[m]; v < 0 {
				t.Errorf("sample %d: %s = %g", i, m, v)
			}
		}
	}
	inv := s.Inventory
	host, _ := os.Hostname()
	if inv.Hostname != host || inv.Source != "import:prometheus" || int64(wantTotal) != inv.MemTotalBytes || inv.Threads < 1 || inv.OSFamily != "linux" {
		t.Errorf("inventory %+v (host %s)", inv, host)
	}
}

func TestPromQueries(t *testing.T) {
	qs := promQueries(`instance=~"a"`, "300s", "60s")
	if len(qs) != 2*int(model.NumMetrics) {
		t.Fatalf("%d queries", len(qs))
	}
	seen := map[string]bool{}
	for _, q := range qs {
		k := fmt.Sprint(q.metric, q.isMax)
		if seen[k] {
			t.Errorf("two queries for %s", k)
		}
		seen[k] = true
		if !strings.Contains(q.expr, `instance=~"a"`) || strings.Count(q.expr, "(") != strings.Count(q.expr, ")") {
			t.Errorf("%s: %s", k, q.expr)
		}
	}
	if got := splitMatchers(`job="node",env=~"a,b"`); len(got) != 2 || got[1] != `env=~"a,b"` {
		t.Errorf("splitMatchers: %q", got)
	}
}

func TestPrometheusBadOptions(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	now := time.Now()
	for _, o := range []PrometheusOptions{
		{},
		{URL: "http://127.0.0.1:1"},
		{URL: "http://127.0.0.1:1", Start: now, End: now.Add(-time.Hour)},
		{URL: "http://127.0.0.1:1", Start: now, End: now.Add(time.Hour), Step: 1500 * time.Millisecond},
		{URL: "http://127.0.0.1:1", Start: now, End: now.Add(time.Hour), Selector: "job"},
	} {
		if _, err := Prometheus(context.Background(), out, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	// Nothing listening: an error naming the URL, and no output.
	_, err := Prometheus(context.Background(), out, PrometheusOptions{URL: "http://127.0.0.1:1", Start: now.Add(-time.Hour), End: now, Timeout: 5 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "http://127.0.0.1:1") {
		t.Errorf("err %v", err)
	}
	noOutput(t, out)
}
