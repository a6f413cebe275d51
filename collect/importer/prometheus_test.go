//go:build realtime

package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/collect"
	rt "github.com/kvmfit/kvmfit/collect/internal/realtimetest"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// lookBinary finds the first of names on PATH.
func lookBinary(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

func freePort(t testing.TB) int {
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
func startProcess(t testing.TB, dir, name, bin string, args ...string) *exec.Cmd {
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
	return cmd
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

// scrapeTimes returns the timestamps of the scrapes of job="node" in
// (end−within, end], from the raw samples of its up series.
func scrapeTimes(t *testing.T, base string, end time.Time, within time.Duration) []time.Time {
	t.Helper()
	q := url.Values{"query": {fmt.Sprintf(`up{job="node"}[%ds]`, int(within.Seconds()))}, "time": {strconv.FormatInt(end.Unix(), 10)}}
	resp, err := http.Get(base + "/api/v1/query?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			Result []struct {
				Values [][2]any `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Data.Result) != 1 {
		t.Fatalf("scrape times: %v, %d series", err, len(r.Data.Result))
	}
	var out []time.Time
	for _, v := range r.Data.Result[0].Values {
		sec, _ := v[0].(float64)
		out = append(out, time.UnixMilli(int64(math.Round(sec*1000))))
	}
	return out
}

// TestPrometheusIntegration runs Debian's prometheus-node-exporter and
// prometheus on loopback (free ports, a temporary config scraping every
// second and a temporary storage directory), under a stress-ng CPU worker
// at 60 % and steady synced disk writes, imports 15 s in 5 s steps
// in-process, and checks every step against the kernel's counters.
//
// A step's mean is what Prometheus computes from the scrapes inside the
// step: rate() of a counter is its increase from the first to the last
// scrape over the time between their timestamps (the scrapes, 1 s apart,
// reach to within 1.1 scrape intervals of both ends of the 5 s window, so
// rate() extrapolates to the window and the length cancels out); the memory
// means average the gauges at those scrapes. A trace of the counters every
// 5 ms with the moments node_exporter read them (realtimetest.Trace) gives
// the range of values those reads can have seen, and each step must fall in
// that range widened by the tolerances of the sar comparison.
func TestPrometheusIntegration(t *testing.T) {
	prom := lookBinary("prometheus")
	ne := lookBinary("prometheus-node-exporter", "node_exporter")
	stress := lookBinary("stress-ng")
	if prom == "" || ne == "" || stress == "" {
		msg := "prometheus, prometheus-node-exporter or stress-ng not installed (apt-get install prometheus prometheus-node-exporter stress-ng)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	tr, err := rt.Start(5 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Stop()
	nePort, promPort := freePort(t), freePort(t)
	started := time.Now()
	neCmd := startProcess(t, dir, "node-exporter", ne, fmt.Sprintf("--web.listen-address=127.0.0.1:%d", nePort))
	tr.Watch("node_exporter", neCmd.Process.Pid, started)
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
	base := fmt.Sprintf("http://127.0.0.1:%d", promPort)
	waitHTTP(t, base+"/-/ready", 30*time.Second)

	stopWrite := make(chan struct{})
	writeDone := make(chan error, 1)
	go func() { writeDone <- rt.SteadyWrites(filepath.Join(dir, "load"), stopWrite) }()
	startProcess(t, dir, "stress-ng", stress, "--cpu", "1", "--cpu-load", "60", "--timeout", "40s", "--quiet")
	// Leave a few scrapes before the range so that its first step has
	// rates, and two seconds after it for the last scrape to be stored.
	start := time.Now().Truncate(time.Second).Add(6 * time.Second)
	const step, span = 5 * time.Second, 15 * time.Second
	// The collector's reading of the filesystems at both ends of the range
	// brackets what node_exporter saw in between.
	time.Sleep(time.Until(start))
	fsStart, _ := collect.Filesystems(context.Background())
	time.Sleep(time.Until(start.Add(span)))
	fsEnd, _ := collect.Filesystems(context.Background())
	time.Sleep(time.Until(start.Add(span + 2*time.Second)))
	close(stopWrite)
	if err := <-writeDone; err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "out")
	var w warnings
	var lastDone, lastTotal int64
	opts := PrometheusOptions{Options: w.opts(), URL: base, Start: start, End: start.Add(span), Step: step, PeakWindow: 2 * time.Second, Selector: `job="node"`}
	opts.Progress = func(d, tot int64) { lastDone, lastTotal = d, tot }
	sum, err := Prometheus(context.Background(), out, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Stop(); err != nil {
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
	wantTotal := tr.Points()[0].MemTotalBytes
	scrapes := scrapeTimes(t, base, start.Add(span), span+2*step)
	compared := 0
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
		if compareStep(t, tr, x, scrapes) {
			compared++
		}
	}
	if compared < 2 {
		t.Errorf("only %d of 3 steps compared with the kernel's counters", compared)
	}
	inv := s.Inventory
	host, _ := os.Hostname()
	if inv.Hostname != host || inv.Source != "import:prometheus" || int64(wantTotal) != inv.MemTotalBytes || inv.Threads < 1 || inv.OSFamily != "linux" {
		t.Errorf("inventory %+v (host %s)", inv, host)
	}
	checkPromStorage(t, s, fsStart, fsEnd)
}

// checkPromStorage compares the imported storage with the collector's own
// readings of this machine's local filesystems at the start and the end
// of the range: the same mount points and sizes, and used bytes between
// the two readings, widened by 1 % (at least 256 MiB: other processes
// write too, and node_exporter reads at other moments).
func checkPromStorage(t *testing.T, s *model.Server, fsStart, fsEnd []model.Filesystem) {
	t.Helper()
	if len(fsStart) == 0 || len(fsEnd) == 0 {
		t.Logf("the collector read no filesystem; storage not compared")
		return
	}
	sum := func(fss []model.Filesystem) (used float64) {
		for _, f := range fss {
			used += float64(f.UsedBytes)
		}
		return used
	}
	lo, hi := math.Min(sum(fsStart), sum(fsEnd)), math.Max(sum(fsStart), sum(fsEnd))
	var mounts, got []string
	for _, f := range fsEnd {
		mounts = append(mounts, fmt.Sprint(f.Mount, " ", f.SizeBytes))
	}
	for _, f := range s.Inventory.Filesystems {
		got = append(got, fmt.Sprint(f.Mount, " ", f.SizeBytes))
	}
	if fmt.Sprint(got) != fmt.Sprint(mounts) {
		t.Errorf("imported filesystems %q, the collector's %q", got, mounts)
	}
	tol := math.Max(0.01*hi, 256<<20)
	for i, v := range s.Series.Mean[model.FSUsedBytes] {
		t.Logf("sample %d: fs_used_bytes %.0f, the collector read %.0f..%.0f", i, v, lo, hi)
		if math.IsNaN(v) || v < lo-tol || v > hi+tol || s.Series.Max[model.FSUsedBytes][i] < v {
			t.Errorf("sample %d: fs_used_bytes %.0f (max %.0f), outside the collector's %.0f..%.0f ± %.0f", i, v, s.Series.Max[model.FSUsedBytes][i], lo, hi, tol)
		}
	}
}

// compareStep checks one imported step against the trace, at the moments
// node_exporter read the counters for the scrapes inside the step. It
// reports whether the step was compared: one whose scrapes are irregular
// (a missed scrape at an end of the window changes rate()'s
// extrapolation) or whose reads the trace cannot place is logged instead.
func compareStep(t *testing.T, tr *rt.Trace, x model.Sample, scrapes []time.Time) bool {
	t.Helper()
	end := x.Start.Add(x.Interval)
	var in []time.Time
	for _, ts := range scrapes {
		// Prometheus 2 includes a sample at the window's start, 3 does
		// not: a scrape on that very millisecond leaves the step out.
		if ts.Equal(x.Start) {
			t.Logf("step %s: a scrape at the window's start; not compared", x.Start.Format(time.TimeOnly))
			return false
		}
		if ts.After(x.Start) && !ts.After(end) {
			in = append(in, ts)
		}
	}
	n := len(in)
	if n < 3 {
		t.Logf("step %s: %d scrapes inside; not compared", x.Start.Format(time.TimeOnly), n)
		return false
	}
	first, last := in[0], in[n-1]
	sampled := last.Sub(first).Seconds()
	if avg := sampled / float64(n-1); first.Sub(x.Start).Seconds() >= 1.1*avg || end.Sub(last).Seconds() >= 1.1*avg {
		t.Logf("step %s: scrapes %s..%s do not reach the window's ends; rate() extrapolates, not compared", x.Start.Format(time.TimeOnly), first.Format("05.000"), last.Format("05.000"))
		return false
	}
	reads := make([]rt.Read, n)
	for k, ts := range in {
		r, ok := tr.ReadNear("node_exporter", ts, 500*time.Millisecond)
		if !ok || r.Width() > 500*time.Millisecond || r.Hi.Before(ts) {
			t.Logf("step %s: node_exporter's read for the scrape at %s not found in the trace; not compared", x.Start.Format(time.TimeOnly), ts.Format("05.000"))
			return false
		}
		reads[k] = r
	}
	f, l := reads[0], reads[n-1]
	check := func(what string, got float64, want rt.Range, rel, floor float64) {
		lo, hi := want.Lo-rel*math.Abs(want.Lo)-floor, want.Hi+rel*math.Abs(want.Hi)+floor
		t.Logf("step %s: %s %.2f, the counters at node_exporter's reads give %.2f..%.2f", x.Start.Format(time.TimeOnly), what, got, want.Lo, want.Hi)
		if got < lo || got > hi {
			t.Errorf("step %s: %s %.2f, outside %.2f..%.2f (the counters at node_exporter's reads, %.2f..%.2f, and the tolerance)",
				x.Start.Format(time.TimeOnly), what, got, lo, hi, want.Lo, want.Hi)
		}
	}
	// CPU: 100 × (1 − Σ idle+iowait seconds per second / CPUs), seconds
	// being jiffies / USER_HZ (100), over the scrapes' timestamps.
	idle := tr.Delta(rt.CPUIdle, f, l)
	perCPU := 100 * sampled * float64(tr.NumCPU())
	busy := rt.Range{Lo: math.Max(0, 100*(1-idle.Hi/perCPU)), Hi: math.Min(100, 100*(1-idle.Lo/perCPU))}
	check("cpu busy %", x.Mean[model.CPUBusyPct], busy, 0, rt.TolCPUPoints)
	for _, c := range []struct {
		m model.Metric
		c rt.Counter
	}{{model.DiskWriteBytesPerSec, rt.DiskWrite}, {model.DiskReadBytesPerSec, rt.DiskRead}, {model.NetRxBytesPerSec, rt.NetRx}, {model.NetTxBytesPerSec, rt.NetTx}} {
		d := tr.Delta(c.c, f, l)
		check(c.m.String(), x.Mean[c.m], rt.Range{Lo: d.Lo / sampled, Hi: d.Hi / sampled}, rt.TolRel, rt.FloorDiskBytes)
	}
	var used rt.Range
	for _, r := range reads {
		g := tr.Gauge(rt.MemUsed, r)
		used.Lo += g.Lo / float64(n)
		used.Hi += g.Hi / float64(n)
	}
	check("mem used B", x.Mean[model.MemUsedBytes], used, rt.TolRel, 0)
	return true
}
