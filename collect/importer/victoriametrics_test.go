//go:build realtime

package importer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/kvmfit/kvmfit/collect/promhttp"
	"github.com/kvmfit/kvmfit/collect/remotewrite"
	"github.com/kvmfit/kvmfit/model"
)

// vmUser and vmPassword protect the test's VictoriaMetrics (basic auth on
// every endpoint): the import must send them and write neither.
const (
	vmUser     = "kvmfit"
	vmPassword = "vm-pw-5e1c9a77d3"
)

// startVictoriaMetrics runs Debian's victoria-metrics single node on a free
// loopback port with a temporary storage directory and basic auth, and
// returns its base URL; it skips (fails under CI) when it is not installed.
func startVictoriaMetrics(t testing.TB) string {
	base, _ := startVictoriaMetricsPID(t)
	return base
}

// startVictoriaMetricsPID is startVictoriaMetrics, also returning the
// server's process id.
func startVictoriaMetricsPID(t testing.TB) (string, int) {
	t.Helper()
	bin := lookBinary("victoria-metrics", "victoria-metrics-prod")
	if bin == "" {
		msg := "victoria-metrics not installed (apt-get install victoria-metrics): the VictoriaMetrics round trip is not tested"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	port := freePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	cmd := startProcess(t, dir, "victoria-metrics", bin, "-storageDataPath="+filepath.Join(dir, "data"), "-httpListenAddr=127.0.0.1:"+strconv.Itoa(port),
		"-retentionPeriod=100y", "-search.disableCache", "-search.latencyOffset=0s", "-httpAuth.username="+vmUser, "-httpAuth.password="+vmPassword,
		"-loggerLevel=WARN")
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, base+"/health", nil)
		req.SetBasicAuth(vmUser, vmPassword)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, cmd.Process.Pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("victoria-metrics at %s not ready after 30s: %v", base, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// vmFlush makes what was written searchable at once.
func vmFlush(t testing.TB, base string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/internal/force_flush", nil)
	req.SetBasicAuth(vmUser, vmPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// vmHTTP is the importer's and the writer's HTTP configuration for the
// test's VictoriaMetrics: basic auth, the password from the environment.
func vmHTTP(t testing.TB) promhttp.Config {
	t.Setenv("KVMFIT_TEST_VM_PASSWORD", vmPassword)
	return promhttp.Config{BasicAuthUser: vmUser, BasicAuthPasswordEnv: "KVMFIT_TEST_VM_PASSWORD", Timeout: time.Minute}
}

// noSecret fails if a file under dir holds the password.
func noSecret(t testing.TB, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(vmPassword)) {
			t.Errorf("%s holds the password", p)
		}
		return nil
	})
}

// vmWaitFor waits until the collector's row ending at end is searchable.
func vmWaitFor(t testing.TB, base string, end time.Time) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		vmFlush(t, base)
		q := url.Values{"query": {"timestamp(kvmfit_cpu_busy_pct_mean[1s])"}, "time": {strconv.FormatInt(end.Unix(), 10)}}
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/query?"+q.Encode(), nil)
		req.SetBasicAuth(vmUser, vmPassword)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if bytes.Contains(b, []byte(`"`+strconv.FormatInt(end.Unix(), 10)+`"`)) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the row ending %s is not searchable after 30 s", end)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestVictoriaMetricsRoundTrip pushes two servers' 60 s rows through
// remotewrite.Writer (as `kvmfit collect --remote-write` does) into a real
// VictoriaMetrics, imports them back at a 5-minute step with
// `kvmfit import prometheus`'s importer, and checks every value: a step's
// mean is the mean of its five rows' means, its max the largest of their
// maxima; the inventory comes back from kvmfit_info.
func TestVictoriaMetricsRoundTrip(t *testing.T) {
	base := startVictoriaMetrics(t)
	httpc := vmHTTP(t)
	client, err := httpc.Client(nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	const rows = 120 // two hours of 60 s rows
	cpu := func(srv, i int) (mean, max float64) {
		return float64((i*7+srv*13)%60) + 0.25, float64((i*7+srv*13)%60) + 30.5
	}
	mem := func(srv, i int) (mean, max float64) {
		return 2e9 + float64(i%9)*1e8 + float64(srv)*1e9, 3e9 + float64(i%11)*1e8 + float64(srv)*1e9
	}
	for srv := range 2 {
		host := fmt.Sprintf("web%d", srv+1)
		inv := model.Inventory{Hostname: host + ".example", MachineID: "mid-" + host, CPUModel: "Test CPU", Cores: 4, Threads: 8,
			CPUScorePerCore: 987.5, MemTotalBytes: 16 << 30, OSFamily: "linux",
			Filesystems: []model.Filesystem{{Mount: "/", Device: "/dev/vda1", FSType: "ext4", SizeBytes: 50e9, UsedBytes: 20e9}}}
		clk := start
		w, err := remotewrite.New(remotewrite.Options{URL: base + "/api/v1/write", Client: client, SpoolDir: t.TempDir(), MinFreeBytes: -1,
			Now: func() time.Time { return clk }}, remotewrite.Identity{Instance: host, Hostname: inv.Hostname, MachineID: inv.MachineID}, inv)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			x := model.NewSample(start.Add(time.Duration(i)*time.Minute), time.Minute)
			a, b := cpu(srv, i)
			x.Set(model.CPUBusyPct, a, b)
			a, b = mem(srv, i)
			x.Set(model.MemUsedBytes, a, b)
			if err := w.Append(x); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if w.Sent() != rows {
			t.Fatalf("%s: %d rows sent, want %d", host, w.Sent(), rows)
		}
	}
	vmFlush(t, base)

	out := filepath.Join(t.TempDir(), "out")
	var ws warnings
	sum, err := Prometheus(context.Background(), out, PrometheusOptions{Options: ws.opts(), URL: base, Start: start, End: start.Add(rows * time.Minute),
		Step: 5 * time.Minute, HTTP: httpc, Parallel: 4})
	checkClean(t, sum, err, ws, 2, 2*rows/5)
	srvs := readServers(t, out)
	for srv := range 2 {
		host := fmt.Sprintf("web%d.example", srv+1)
		s := srvs[host]
		if s == nil {
			t.Fatalf("servers %v: no %s", srvs, host)
		}
		inv := s.Inventory
		if inv.MachineID != fmt.Sprintf("mid-web%d", srv+1) || inv.Threads != 8 || inv.Cores != 4 || inv.CPUScorePerCore != 987.5 ||
			inv.MemTotalBytes != 16<<30 || len(inv.Filesystems) != 1 || inv.Filesystems[0].SizeBytes != 50e9 || inv.Filesystems[0].UsedBytes != 20e9 {
			t.Errorf("%s: inventory %+v", host, inv)
		}
		ser := s.Series
		if len(ser.Start) != rows/5 {
			t.Fatalf("%s: %d samples, want %d", host, len(ser.Start), rows/5)
		}
		for k := range rows / 5 {
			if ser.Start[k] != start.Add(time.Duration(k)*5*time.Minute).Unix() || ser.IntervalSec[k] != 300 {
				t.Fatalf("%s: sample %d at %d (%d s)", host, k, ser.Start[k], ser.IntervalSec[k])
			}
			var cm, cx, mm, mx float64
			for i := 5 * k; i < 5*k+5; i++ {
				a, b := cpu(srv, i)
				c, d := mem(srv, i)
				cm, cx, mm, mx = cm+a/5, math.Max(cx, b), mm+c/5, math.Max(mx, d)
			}
			for _, c := range []struct {
				what      string
				got, want float64
			}{
				{"cpu mean", ser.Mean[model.CPUBusyPct][k], cm}, {"cpu max", ser.Max[model.CPUBusyPct][k], cx},
				{"mem mean", ser.Mean[model.MemUsedBytes][k], mm}, {"mem max", ser.Max[model.MemUsedBytes][k], mx},
			} {
				if !(math.Abs(c.got-c.want) <= 1e-9*math.Max(1, math.Abs(c.want))) {
					t.Errorf("%s sample %d: %s %v, want %v", host, k, c.what, c.got, c.want)
				}
			}
			if !math.IsNaN(ser.Mean[model.NetRxBytesPerSec][k]) {
				t.Errorf("%s sample %d: net rx %v, never pushed", host, k, ser.Mean[model.NetRxBytesPerSec][k])
			}
		}
	}
	noSecret(t, out)
}

// pushGenerated writes n servers × steps 5-minute rows of every metric
// straight into VictoriaMetrics, one request per server.
func pushGenerated(t testing.TB, base string, client *http.Client, n, steps int, start time.Time) {
	t.Helper()
	var body []byte
	for srv := range n {
		id := remotewrite.Identity{Instance: fmt.Sprintf("gen%05d", srv), Hostname: fmt.Sprintf("gen%05d", srv)}
		var series []remotewrite.Series
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			for _, isMax := range []bool{false, true} {
				pts := make([]remotewrite.Point, steps)
				for i := range pts {
					v := float64((i*31+srv*17+int(m)*7)%100) + 1
					if isMax {
						v *= 1.5
					}
					pts[i] = remotewrite.Point{Value: v, Time: start.Add(time.Duration(i+1) * 5 * time.Minute)}
				}
				series = append(series, remotewrite.Series{Labels: []remotewrite.Label{{Name: "__name__", Value: remotewrite.MetricName(m, isMax)}, {Name: "hostname", Value: id.Hostname}, {Name: "instance", Value: id.Instance}}, Points: pts})
			}
		}
		info := make([]remotewrite.Point, steps)
		for i := range info {
			info[i] = remotewrite.Point{Value: 1, Time: start.Add(time.Duration(i+1) * 5 * time.Minute)}
		}
		series = append(series, remotewrite.Series{Labels: []remotewrite.Label{{Name: "__name__", Value: remotewrite.InfoMetric}, {Name: "hostname", Value: id.Hostname}, {Name: "instance", Value: id.Instance}, {Name: "threads", Value: "4"}},
			Points: info})
		body = remotewrite.Encode(body[:0], series)
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/write", bytes.NewReader(snappy.Encode(nil, body)))
		req.Header.Set("Content-Encoding", "snappy")
		req.Header.Set("Content-Type", "application/x-protobuf")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("push server %d: %s", srv, resp.Status)
		}
	}
	vmFlush(t, base)
}

// BenchmarkVictoriaMetricsImport pushes KVMFIT_VM_SERVERS (default 100)
// servers × KVMFIT_VM_DAYS (default 30) days of 5-minute rows of every
// metric into a local VictoriaMetrics, then measures `kvmfit import
// prometheus` of them at a 5-minute step (the issue's target: 1,000
// servers × 30 days within 60 s on loopback). KVMFIT_VM_NOEXPORT=1
// measures the range queries instead of VictoriaMetrics' export.
func BenchmarkVictoriaMetricsImport(b *testing.B) {
	n, days := 100, 30
	if v, err := strconv.Atoi(os.Getenv("KVMFIT_VM_SERVERS")); err == nil && v > 0 {
		n = v
	}
	if v, err := strconv.Atoi(os.Getenv("KVMFIT_VM_DAYS")); err == nil && v > 0 {
		days = v
	}
	base, pid := startVictoriaMetricsPID(b)
	httpc := vmHTTP(b)
	client, err := httpc.Client(nil)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := days * 288
	t0 := time.Now()
	pushGenerated(b, base, client, n, steps, start)
	b.Logf("pushed %d servers × %d days (%d samples) in %s", n, days, int64(n)*int64(steps)*2*int64(model.NumMetrics), time.Since(t0).Round(time.Millisecond))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := filepath.Join(b.TempDir(), "out")
		t1, self0, vm0 := time.Now(), selfCPU(), procCPU(pid)
		sum, err := Prometheus(context.Background(), out, PrometheusOptions{URL: base, Start: start, End: start.Add(time.Duration(steps) * 5 * time.Minute),
			Step: 5 * time.Minute, HTTP: httpc, Parallel: 4, Metrics: "kvmfit", NoExport: os.Getenv("KVMFIT_VM_NOEXPORT") != ""})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Servers != n || sum.Samples != int64(n*steps) {
			b.Fatalf("imported %d servers, %d samples; want %d, %d", sum.Servers, sum.Samples, n, n*steps)
		}
		b.ReportMetric(time.Since(t1).Seconds(), "s/import")
		b.ReportMetric((selfCPU() - self0).Seconds(), "importer-CPU-s")
		b.ReportMetric((procCPU(pid) - vm0).Seconds(), "victoria-CPU-s")
		b.ReportMetric(float64(n), "servers")
	}
}

// TestCollectRemoteWriteVictoriaMetrics runs the real `kvmfit collect
// --remote-write` for a few one-second rows into a VictoriaMetrics behind
// basic auth, imports them back at a one-second step and checks that every
// row of the collector's local files comes back with the same mean and
// max, and that neither the local files nor the import hold the password.
func TestCollectRemoteWriteVictoriaMetrics(t *testing.T) {
	base := startVictoriaMetrics(t)
	httpc := vmHTTP(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "kvmfit")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/kvmfit").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	local := filepath.Join(dir, "local")
	cmd := exec.Command(bin, "collect", "--out", local, "--id", "rt-host", "--interval", "1s", "--sample", "1s", "--duration", "6s", "--no-bench",
		"--remote-write", base+"/api/v1/write", "--remote-write-basic-auth-user", vmUser, "--remote-write-basic-auth-password-env", "KVMFIT_TEST_VM_PASSWORD")
	cmd.Env = append(os.Environ(), "KVMFIT_TEST_VM_PASSWORD="+vmPassword)
	msgs, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kvmfit collect: %v\n%s", err, msgs)
	}
	if bytes.Contains(msgs, []byte(vmPassword)) {
		t.Errorf("the collector's messages show the password:\n%s", msgs)
	}
	if !bytes.Contains(msgs, []byte("rows pushed")) {
		t.Errorf("no count of pushed rows in:\n%s", msgs)
	}
	want := readServers(t, local)["rt-host"]
	if want == nil || len(want.Series.Start) < 3 {
		t.Fatalf("local dataset: %v\n%s", want, msgs)
	}
	ws := want.Series
	n := len(ws.Start)
	first := time.Unix(ws.Start[0], 0).UTC()
	last := time.Unix(ws.Start[n-1]+int64(ws.IntervalSec[n-1]), 0).UTC()
	// Rows just received become searchable within a second or two.
	vmWaitFor(t, base, last)
	out := filepath.Join(dir, "imported")
	sum, err := Prometheus(context.Background(), out, PrometheusOptions{URL: base, Start: first, End: last, Step: time.Second, HTTP: httpc, Metrics: "kvmfit"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Servers != 1 {
		t.Fatalf("imported %+v", sum)
	}
	var got *model.Server
	for _, s := range readServers(t, out) {
		got = s
	}
	gs := got.Series
	at := map[int64]int{}
	for i, s := range gs.Start {
		at[s] = i
	}
	for i := range n {
		if ws.IntervalSec[i] != 1 {
			continue // a shorter first or last row ends inside a step
		}
		j, ok := at[ws.Start[i]]
		if !ok {
			t.Errorf("row %s not imported", time.Unix(ws.Start[i], 0).UTC())
			continue
		}
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			for _, c := range [][2]float64{{ws.Mean[m][i], gs.Mean[m][j]}, {ws.Max[m][i], gs.Max[m][j]}} {
				if math.IsNaN(c[0]) != math.IsNaN(c[1]) || math.Abs(c[0]-c[1]) > 1e-6*math.Max(1, math.Abs(c[0])) {
					t.Errorf("row %s %s: local %v, through VictoriaMetrics %v", time.Unix(ws.Start[i], 0).UTC(), m, c[0], c[1])
				}
			}
		}
	}
	if got.Inventory.Hostname != want.Inventory.Hostname || got.Inventory.Threads != want.Inventory.Threads || got.Inventory.MachineID != want.Inventory.MachineID {
		t.Errorf("inventory: hostname %q threads %d machine %q, want %q %d %q", got.Inventory.Hostname, got.Inventory.Threads, got.Inventory.MachineID,
			want.Inventory.Hostname, want.Inventory.Threads, want.Inventory.MachineID)
	}
	noSecret(t, local)
	noSecret(t, out)
}

// selfCPU is the CPU time (user + system) of this process so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the CPU time of process pid so far (Linux /proc, USER_HZ 100).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

// countingRT counts the requests per path.
type countingRT struct {
	base http.RoundTripper
	mu   sync.Mutex
	n    map[string]int
}

func (c *countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n[r.URL.Path]++
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

// pushSeries writes series straight into VictoriaMetrics.
func pushSeries(t testing.TB, base string, client *http.Client, series []remotewrite.Series) {
	t.Helper()
	body := remotewrite.Encode(nil, series)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/write", bytes.NewReader(snappy.Encode(nil, body)))
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("push: %s", resp.Status)
	}
}

// sameTree fails unless the files under a and b are the same, byte for
// byte.
func sameTree(t *testing.T, a, b string) {
	t.Helper()
	files := func(dir string) map[string][]byte {
		m := map[string][]byte{}
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			m[rel], _ = os.ReadFile(p)
			return nil
		})
		return m
	}
	fa, fb := files(a), files(b)
	if len(fa) == 0 || len(fa) != len(fb) {
		t.Fatalf("%d files through the export, %d through the range queries", len(fa), len(fb))
	}
	for name, x := range fa {
		if y, ok := fb[name]; !ok || !bytes.Equal(x, y) {
			t.Errorf("%s differs between the export and the range queries", name)
		}
	}
}

// TestVictoriaMetricsExportSameAsQueries: kvmfit rows read through
// VictoriaMetrics' /api/v1/export give the dataset the range queries
// give, byte for byte: rows at the step (on the steps' ends, off them,
// with gaps, a server whose machine_id changes so that two series
// overlap, values that are not round) and, forced, rows at 60 s (several
// a step, averaged); rows denser than the step take the range queries.
func TestVictoriaMetricsExportSameAsQueries(t *testing.T) {
	base := startVictoriaMetrics(t)
	httpc := vmHTTP(t)
	client, err := httpc.Client(nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)
	const steps = 600 // two chunks of a batch of 6 and a part
	series := func(inst, mid string, every time.Duration, offset time.Duration, n int, skip func(i int) bool) []remotewrite.Series {
		var out []remotewrite.Series
		labels := func(name string) []remotewrite.Label {
			ls := []remotewrite.Label{{Name: "__name__", Value: name}, {Name: "hostname", Value: inst + ".example"}, {Name: "instance", Value: inst}}
			if mid != "" {
				ls = append(ls, remotewrite.Label{Name: "machine_id", Value: mid})
			}
			return ls
		}
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			for _, isMax := range []bool{false, true} {
				var pts []remotewrite.Point
				for i := range n {
					if skip != nil && skip(i+int(m)) {
						continue
					}
					v := float64((i*37+int(m)*11+len(inst))%97)/3 + 0.123456
					if m == model.MemUsedBytes || m == model.MemTotalBytes || m == model.FSUsedBytes {
						v = v*1e8 + 4e9
					}
					if isMax {
						v = v*1.25 + 1
					}
					pts = append(pts, remotewrite.Point{Value: v, Time: start.Add(offset + time.Duration(i+1)*every)})
				}
				out = append(out, remotewrite.Series{Labels: labels(remotewrite.MetricName(m, isMax)), Points: pts})
			}
		}
		var info []remotewrite.Point
		for i := range n {
			info = append(info, remotewrite.Point{Value: 1, Time: start.Add(offset + time.Duration(i+1)*every)})
		}
		return append(out, remotewrite.Series{Labels: append(labels(remotewrite.InfoMetric), remotewrite.Label{Name: "threads", Value: "8"}), Points: info})
	}
	step := 5 * time.Minute
	pushSeries(t, base, client, series("a", "m-a", step, 0, steps, nil))
	pushSeries(t, base, client, series("b", "m-b", step, 17*time.Second, steps, func(i int) bool { return i%7 == 3 }))
	pushSeries(t, base, client, series("c", "m-c1", step, 0, steps/2, nil))
	// c's machine_id changes: the second series overlaps the first for
	// 20 steps, 2 minutes off.
	pushSeries(t, base, client, series("c", "m-c2", step, time.Duration(steps/2-20)*step-2*time.Minute, steps/2+19, nil))
	pushSeries(t, base, client, series("d", "", step, 0, 40, nil))
	pushSeries(t, base, client, series("e", "m-e", 60*time.Second, 0, 5*steps, func(i int) bool { return i%13 == 0 }))
	vmFlush(t, base)

	imp := func(insts string, o PrometheusOptions) (string, *countingRT) {
		t.Helper()
		rt, err := httpc.RoundTripper(nil)
		if err != nil {
			t.Fatal(err)
		}
		c := &countingRT{base: rt, n: map[string]int{}}
		out := filepath.Join(t.TempDir(), "out")
		var ws warnings
		o.Options, o.URL, o.RoundTripper, o.Start, o.End, o.Step, o.Metrics, o.Selector = ws.opts(), base, c, start, start.Add(steps*step), step, "kvmfit", `instance=~"`+insts+`"`
		if _, err := Prometheus(context.Background(), out, o); err != nil {
			t.Fatal(err)
		}
		if len(ws) > 0 {
			t.Errorf("warnings %v", ws)
		}
		return out, c
	}
	// Rows at the step: exported.
	viaExport, c := imp("a|b|c|d", PrometheusOptions{})
	if c.n["/api/v1/export"] < 2*int(model.NumMetrics) || c.n["/api/v1/query_range"] != 0 {
		t.Errorf("rows at the step: requests %v, want the export and no range query", c.n)
	}
	viaQueries, c := imp("a|b|c|d", PrometheusOptions{NoExport: true})
	if c.n["/api/v1/export"] != 0 || c.n["/api/v1/query_range"] < 2*int(model.NumMetrics) {
		t.Errorf("NoExport: requests %v", c.n)
	}
	sameTree(t, viaExport, viaQueries)
	// c's overlap: the larger of the two series' values.
	srv := readServers(t, viaExport)["c.example"]
	if srv == nil || srv.Series.Len() != steps-1 {
		t.Fatalf("c: %d samples, want %d", srv.Series.Len(), steps-1)
	}
	f := func(i int, m model.Metric) float64 { return float64((i*37+int(m)*11+1)%97)/3 + 0.123456 }
	for _, k := range []int{279, 280, 290, 299, 300} {
		want := f(k, model.CPUBusyPct)
		if k >= 280 {
			want = math.Max(want, f(k-280, model.CPUBusyPct))
		}
		if k >= 300 {
			want = f(k-280, model.CPUBusyPct)
		}
		if got := srv.Series.Mean[model.CPUBusyPct][k]; math.Abs(got-want) > 1e-6 {
			t.Errorf("c step %d: cpu mean %v, want %v", k, got, want)
		}
	}

	// 60 s rows, five a step: the range queries, unless forced.
	_, c = imp("e", PrometheusOptions{})
	if c.n["/api/v1/export"] != 1 || c.n["/api/v1/query_range"] == 0 {
		t.Errorf("rows denser than the step: requests %v, want only the probe of the export", c.n)
	}
	viaExport, c = imp("e", PrometheusOptions{forceExport: true})
	if c.n["/api/v1/query_range"] != 0 {
		t.Errorf("forced export: requests %v", c.n)
	}
	viaQueries, _ = imp("e", PrometheusOptions{NoExport: true})
	sameTree(t, viaExport, viaQueries)
	noSecret(t, viaExport)
}
