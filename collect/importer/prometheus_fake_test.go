package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// The importer against a fake Prometheus API and its options; the test
// against a live Prometheus and node_exporter is in prometheus_test.go
// (build tag realtime).

// fakePrometheus answers the API calls the importer makes with values that
// are a function of the time, so that chunking can be checked end to end.
type fakePrometheus struct {
	mu        sync.Mutex
	maxPoints int
	ranges    int
}

// fakeValue is what the fake returns for a query at Unix time t.
func fakeValue(expr string, t int64) float64 {
	switch {
	case strings.HasPrefix(expr, "max_over_time(") && strings.Contains(expr, "node_cpu"):
		return float64(t%50) + 10
	case strings.Contains(expr, "node_cpu"):
		return float64(t % 50)
	// The used-memory queries are total − available: answer the difference.
	case strings.Contains(expr, "min_over_time(node_memory_MemAvailable"):
		return 7.5e9
	case strings.Contains(expr, "avg_over_time(node_memory_MemAvailable"):
		return 7e9 - float64(t%7)
	case strings.Contains(expr, "node_memory_MemTotal"):
		return 8e9
	// The filesystem queries are size − free: answer the sum.
	case strings.Contains(expr, "min_over_time(node_filesystem_free"):
		return 66e9
	case strings.Contains(expr, "node_filesystem"):
		return 65e9 - float64(t%3)
	}
	return math.NaN() // no disk, no network
}

// fakeFilesystems answers the last size or free bytes of an instance's
// filesystems: / and /data, and /srv, a bind mount of /'s device.
func fakeFilesystems(q, inst string) []any {
	var res []any
	for _, fs := range []struct {
		mount, device, fstype string
		size, free            float64
	}{{"/", "/dev/sda1", "ext4", 100e9, 40e9}, {"/srv", "/dev/sda1", "ext4", 100e9, 40e9}, {"/data", "/dev/sdb1", "xfs", 50e9, 45e9}} {
		v := fs.size
		if strings.Contains(q, "free_bytes") {
			v = fs.free
		}
		m := map[string]string{"instance": inst, "mountpoint": fs.mount, "device": fs.device, "fstype": fs.fstype}
		res = append(res, map[string]any{"metric": m, "value": []any{1, strconv.FormatFloat(v, 'f', -1, 64)}})
	}
	return res
}

func (f *fakePrometheus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	ok := func(data any) {
		json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": data})
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/v1/label/instance/values"):
		if strings.Contains(r.Form.Get("match[]"), "node_cpu_seconds_total") {
			ok([]string{"b:9100", "a:9100"})
		} else {
			ok([]string{})
		}
	case r.URL.Path == "/api/v1/query":
		q := r.Form.Get("query")
		var res []any
		for _, inst := range []string{"a:9100", "b:9100"} {
			if strings.Contains(q, "node_filesystem") {
				res = append(res, fakeFilesystems(q, inst)...)
				continue
			}
			m := map[string]string{"instance": inst}
			v := "4"
			if strings.Contains(q, "node_uname_info") {
				m["nodename"], m["release"] = "host-"+inst[:1], "6.1.0"
				v = "1"
			}
			res = append(res, map[string]any{"metric": m, "value": []any{1, v}})
		}
		ok(map[string]any{"resultType": "vector", "result": res})
	case r.URL.Path == "/api/v1/query_range":
		q := r.Form.Get("query")
		start, _ := strconv.ParseFloat(r.Form.Get("start"), 64)
		end, _ := strconv.ParseFloat(r.Form.Get("end"), 64)
		step, _ := strconv.ParseFloat(r.Form.Get("step"), 64)
		n := int((end-start)/step) + 1
		f.mu.Lock()
		f.ranges++
		if n > f.maxPoints {
			f.maxPoints = n
		}
		f.mu.Unlock()
		var res []any
		for _, inst := range []string{"a:9100", "b:9100"} {
			var vals []any
			for k := 0; k < n; k++ {
				t := int64(start) + int64(k)*int64(step)
				v := fakeValue(q, t)
				if math.IsNaN(v) {
					continue
				}
				vals = append(vals, []any{t, strconv.FormatFloat(v, 'f', -1, 64)})
			}
			if len(vals) > 0 {
				res = append(res, map[string]any{"metric": map[string]string{"instance": inst}, "values": vals})
			}
		}
		ok(map[string]any{"resultType": "matrix", "result": res})
	default:
		http.Error(w, fmt.Sprintf("unexpected %s", r.URL.Path), http.StatusNotFound)
	}
}

// A range of 25,000 steps needs three range queries per expression, each
// under Prometheus' 11,000 points.
func TestPrometheusChunks(t *testing.T) {
	fake := &fakePrometheus{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	start := time.Unix(1_700_000_000, 0).UTC()
	const steps = 25000
	out := filepath.Join(t.TempDir(), "out")
	sum, err := Prometheus(context.Background(), out, PrometheusOptions{URL: srv.URL, Start: start, End: start.Add(steps * time.Second), Step: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Servers != 2 || sum.Samples != 2*steps {
		t.Errorf("summary %+v", sum)
	}
	if fake.maxPoints > 11000 || fake.ranges != 3*2*int(model.NumMetrics) {
		t.Errorf("largest range query %d points, %d range queries", fake.maxPoints, fake.ranges)
	}
	srvs := readServers(t, out)
	a := srvs["host-a"]
	if a == nil {
		t.Fatalf("servers %q", ids(srvs))
	}
	ser := &a.Series
	if ser.Len() != steps {
		t.Fatalf("%d samples", ser.Len())
	}
	for i := 0; i < steps; i++ {
		// Sample i starts at start+i and is queried at its end, start+i+1.
		tEnd := start.Unix() + int64(i) + 1
		if ser.Start[i] != start.Unix()+int64(i) || ser.IntervalSec[i] != 1 {
			t.Fatalf("sample %d: start %d interval %d", i, ser.Start[i], ser.IntervalSec[i])
		}
		if got, want := ser.Mean[model.CPUBusyPct][i], float64(tEnd%50); got != want {
			t.Fatalf("sample %d cpu mean %g, want %g", i, got, want)
		}
		if got, want := ser.Max[model.CPUBusyPct][i], float64(tEnd%50)+10; got != want {
			t.Fatalf("sample %d cpu max %g, want %g", i, got, want)
		}
		if got, want := ser.Mean[model.MemUsedBytes][i], 8e9-1e9-float64(tEnd%7); got != want {
			t.Fatalf("sample %d mem mean %g, want %g", i, got, want)
		}
		if got, want := ser.Mean[model.FSUsedBytes][i], 65e9-float64(tEnd%3); got != want {
			t.Fatalf("sample %d fs used mean %g, want %g", i, got, want)
		}
		if got := ser.Max[model.FSUsedBytes][i]; got != 66e9 {
			t.Fatalf("sample %d fs used max %g, want 66e9", i, got)
		}
	}
	// / and /data with size − free; /srv is / again (same device).
	checkFilesystems(t, a.Inventory, []model.Filesystem{
		{Mount: "/", Device: "/dev/sda1", FSType: "ext4", SizeBytes: 100e9, UsedBytes: 60e9},
		{Mount: "/data", Device: "/dev/sdb1", FSType: "xfs", SizeBytes: 50e9, UsedBytes: 5e9},
	})
	if ser.Has(model.DiskReadBytesPerSec) {
		t.Error("disk present though the API has none")
	}
	if inv := a.Inventory; inv.Threads != 4 || inv.OS != "Linux 6.1.0" || inv.MemTotalBytes != 8e9 {
		t.Errorf("inventory %+v", inv)
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

// An import interrupted in its second chunk (the first chunk's samples
// written, the next chunk's queries in flight) returns the interruption
// and leaves nothing behind.
func TestPrometheusInterrupted(t *testing.T) {
	fake := &fakePrometheus{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	ranges := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/query_range" {
			mu.Lock()
			ranges++
			if ranges == 2*int(model.NumMetrics)+3 {
				cancel()
			}
			mu.Unlock()
		}
		fake.ServeHTTP(w, r)
	}))
	defer srv.Close()
	start := time.Unix(1_700_000_000, 0).UTC()
	out := filepath.Join(t.TempDir(), "out")
	_, err := Prometheus(ctx, out, PrometheusOptions{URL: srv.URL, Start: start, End: start.Add(25000 * time.Second), Step: time.Second})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want the interruption", err)
	}
	noOutput(t, out)
}
