package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/collect/promhttp"
	"github.com/kvmfit/kvmfit/collect/promhttp/promhttptest"
	"github.com/kvmfit/kvmfit/model"
)

// fakeKvmfitAPI answers like a Prometheus API holding the rows pushed by
// `kvmfit collect --remote-write` for instance web1, and requires a bearer
// token and a tenant header.
type fakeKvmfitAPI struct {
	t        *testing.T
	token    string
	mu       sync.Mutex
	inFlight int
	peak     int
	queries  []string
}

func (f *fakeKvmfitAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+f.token || r.Header.Get("X-Scope-OrgID") != "team1" {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	f.mu.Lock()
	f.inFlight++
	f.peak = max(f.peak, f.inFlight)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.inFlight--; f.mu.Unlock() }()
	r.ParseForm()
	ok := func(data any) { json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": data}) }
	q := r.Form.Get("query")
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/v1/label/instance/values"):
		if strings.Contains(r.Form.Get("match[]"), "kvmfit_info") {
			ok([]string{"web1"})
		} else {
			ok([]string{})
		}
	case r.URL.Path == "/api/v1/query":
		var res []any
		switch {
		case strings.Contains(q, "kvmfit_info"):
			res = append(res, map[string]any{"metric": map[string]string{"__name__": "kvmfit_info", "instance": "web1", "hostname": "web1.example",
				"machine_id": "m-1", "cpu_model": "Xeon", "threads": "8", "cores": "4", "mem_total_bytes": "16000000000", "cpu_score_per_core": "950"}, "value": []any{1, "1"}})
		case strings.Contains(q, "kvmfit_filesystem"):
			v := "100000000000"
			if strings.Contains(q, "used") {
				v = "30000000000"
			}
			res = append(res, map[string]any{"metric": map[string]string{"instance": "web1", "mountpoint": "/", "device": "/dev/sda1", "fstype": "ext4"}, "value": []any{1, v}})
		}
		ok(map[string]any{"resultType": "vector", "result": res})
	case r.URL.Path == "/api/v1/query_range":
		f.mu.Lock()
		f.queries = append(f.queries, q)
		f.mu.Unlock()
		time.Sleep(5 * time.Millisecond) // requests overlap: the parallelism shows (not a clock the code reads)
		start, _ := strconv.ParseInt(r.Form.Get("start"), 10, 64)
		end, _ := strconv.ParseInt(r.Form.Get("end"), 10, 64)
		step, _ := strconv.ParseInt(r.Form.Get("step"), 10, 64)
		var v float64
		switch {
		case strings.HasPrefix(q, "max by (instance) (avg_over_time(kvmfit_cpu_busy_pct_mean{"):
			v = 25
		case strings.HasPrefix(q, "max by (instance) (max_over_time(kvmfit_cpu_busy_pct_max{"):
			v = 80
		case strings.Contains(q, "kvmfit_mem_used_bytes_mean"):
			v = 4e9
		case strings.Contains(q, "kvmfit_mem_used_bytes_max"):
			v = 5e9
		default:
			ok(map[string]any{"resultType": "matrix", "result": []any{}})
			return
		}
		var vals []any
		for t := start; t <= end; t += step {
			vals = append(vals, []any{t, strconv.FormatFloat(v, 'f', -1, 64)})
		}
		ok(map[string]any{"resultType": "matrix", "result": []any{map[string]any{"metric": map[string]string{"instance": "web1"}, "values": vals}}})
	default:
		http.Error(w, "unexpected "+r.URL.Path, http.StatusNotFound)
	}
}

// The rows pushed by the collector come back as they were, queried with
// avg_over_time and max_over_time at the step, a few queries at a time,
// with the credentials sent and never written into the dataset.
func TestPrometheusKvmfitSeriesWithAuth(t *testing.T) {
	const token = "tok-9f8e7d6c5b4a"
	fake := &fakeKvmfitAPI{t: t, token: token}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	tokFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokFile, []byte(token+"\n"), 0o600)
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	out := filepath.Join(t.TempDir(), "out")
	// A password in the URL must not reach the dataset either.
	u := strings.Replace(srv.URL, "http://", "http://alice:pw-in-url-123@", 1) + "/?api_key=key-in-query-456"
	var w warnings
	sum, err := Prometheus(context.Background(), out, PrometheusOptions{Options: w.opts(), URL: u, Start: start, End: start.Add(2 * time.Hour),
		Step: 5 * time.Minute, Parallel: 3, HTTP: promhttp.Config{BearerTokenFile: tokFile, Headers: map[string]string{"X-Scope-OrgID": "team1"}}})
	checkClean(t, sum, err, w, 1, 24)
	if fake.peak < 2 || fake.peak > 3 {
		t.Errorf("%d range queries in flight at most, want 2..3 (--parallel 3)", fake.peak)
	}
	if len(fake.queries) != 2*int(model.NumMetrics) {
		t.Errorf("%d range queries, want %d", len(fake.queries), 2*model.NumMetrics)
	}
	srvs := readServers(t, out)
	s := srvs["web1.example"]
	if s == nil {
		t.Fatalf("servers %v, want web1.example", srvs)
	}
	inv := s.Inventory
	if inv.MachineID != "m-1" || inv.Threads != 8 || inv.Cores != 4 || inv.CPUModel != "Xeon" || inv.CPUScorePerCore != 950 ||
		inv.MemTotalBytes != 16e9 || len(inv.Filesystems) != 1 || inv.Filesystems[0].UsedBytes != 30e9 || inv.Filesystems[0].SizeBytes != 100e9 {
		t.Errorf("inventory %+v", inv)
	}
	ser := s.Series
	if len(ser.Start) != 24 || ser.Start[0] != start.Unix() || ser.Mean[model.CPUBusyPct][0] != 25 || ser.Max[model.CPUBusyPct][23] != 80 ||
		ser.Mean[model.MemUsedBytes][5] != 4e9 || ser.Max[model.MemUsedBytes][5] != 5e9 {
		t.Errorf("series: %d samples from %d, cpu %v/%v", len(ser.Start), ser.Start[0], ser.Mean[model.CPUBusyPct][:2], ser.Max[model.CPUBusyPct][:2])
	}
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		for _, secret := range []string{token, "pw-in-url-123", "key-in-query-456"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds the credential %q", p, secret)
			}
		}
		return nil
	})

	// Without the token: a clear error naming the status.
	out2 := filepath.Join(t.TempDir(), "out2")
	_, err = Prometheus(context.Background(), out2, PrometheusOptions{URL: srv.URL, Start: start, End: start.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("without credentials: %v, want a 401", err)
	}
}

// An API behind mutual TLS: imported with the CA, client certificate and
// key; without the certificate, a message that names the URL and the flags
// to give, and no output.
func TestPrometheusMutualTLS(t *testing.T) {
	const token = "tok-mtls-1234"
	srv, pki := promhttptest.NewMTLSServer(t, &fakeKvmfitAPI{t: t, token: token})
	tokFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokFile, []byte(token), 0o600)
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	opts := func(c promhttp.Config) PrometheusOptions {
		c.BearerTokenFile, c.Headers = tokFile, map[string]string{"X-Scope-OrgID": "team1"}
		return PrometheusOptions{URL: srv.URL, Start: start, End: start.Add(2 * time.Hour), Step: 5 * time.Minute, HTTP: c}
	}
	out := filepath.Join(t.TempDir(), "out")
	var w warnings
	o := opts(promhttp.Config{CAFile: pki.CAFile, CertFile: pki.CertFile, KeyFile: pki.KeyFile})
	o.Options = w.opts()
	sum, err := Prometheus(context.Background(), out, o)
	checkClean(t, sum, err, w, 1, 24)

	out = filepath.Join(t.TempDir(), "out")
	_, err = Prometheus(context.Background(), out, opts(promhttp.Config{CAFile: pki.CAFile}))
	if err == nil || !strings.Contains(err.Error(), "prometheus "+srv.URL) || !strings.Contains(err.Error(), "give --cert-file and --key-file") {
		t.Errorf("without a client certificate: %v", err)
	}
	noOutput(t, out)
}

// A server that answers /api/v1/export with an empty 200 or a page (a
// proxy, a UI) is not taken for VictoriaMetrics: the range queries run.
func TestPrometheusExportProbe(t *testing.T) {
	for _, answer := range []string{"", "<html>login</html>", `{"metric":{"instance":"other"},"values":[1],"timestamps":[1]}` + "\n"} {
		const token = "tok-probe"
		fake := &fakeKvmfitAPI{t: t, token: token}
		exports := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v1/export" {
				exports++
				io.WriteString(w, answer)
				return
			}
			fake.ServeHTTP(w, r)
		}))
		tokFile := filepath.Join(t.TempDir(), "token")
		os.WriteFile(tokFile, []byte(token), 0o600)
		start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
		var w warnings
		sum, err := Prometheus(context.Background(), filepath.Join(t.TempDir(), "out"), PrometheusOptions{Options: w.opts(), URL: srv.URL, Start: start, End: start.Add(2 * time.Hour),
			Step: 5 * time.Minute, HTTP: promhttp.Config{BearerTokenFile: tokFile, Headers: map[string]string{"X-Scope-OrgID": "team1"}}})
		checkClean(t, sum, err, w, 1, 24)
		if exports != 1 || len(fake.queries) != 2*int(model.NumMetrics) {
			t.Errorf("export answered %q: %d export requests, %d range queries; want the probe and the range queries", answer, exports, len(fake.queries))
		}
		srv.Close()
	}
}
