package remotewrite

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/kvmfit/kvmfit/collect/promhttp"
	"github.com/kvmfit/kvmfit/collect/promhttp/promhttptest"
	"github.com/kvmfit/kvmfit/model"
	"google.golang.org/protobuf/encoding/protowire"
)

// decode parses a WriteRequest (test side: an independent reading of the
// wire format).
func decode(t *testing.T, b []byte) []Series {
	t.Helper()
	var out []Series
	fields := func(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, u uint64)) {
		for len(b) > 0 {
			num, typ, n := protowire.ConsumeTag(b)
			if n < 0 {
				t.Fatalf("bad tag")
			}
			b = b[n:]
			switch typ {
			case protowire.BytesType:
				v, n := protowire.ConsumeBytes(b)
				if n < 0 {
					t.Fatalf("bad bytes")
				}
				f(num, typ, v, 0)
				b = b[n:]
			case protowire.VarintType:
				u, n := protowire.ConsumeVarint(b)
				if n < 0 {
					t.Fatalf("bad varint")
				}
				f(num, typ, nil, u)
				b = b[n:]
			case protowire.Fixed64Type:
				u, n := protowire.ConsumeFixed64(b)
				if n < 0 {
					t.Fatalf("bad fixed64")
				}
				f(num, typ, nil, u)
				b = b[n:]
			default:
				t.Fatalf("unexpected wire type %d", typ)
			}
		}
	}
	fields(b, func(num protowire.Number, _ protowire.Type, ts []byte, _ uint64) {
		if num != 1 {
			t.Fatalf("WriteRequest field %d", num)
		}
		var s Series
		fields(ts, func(num protowire.Number, _ protowire.Type, v []byte, _ uint64) {
			switch num {
			case 1:
				var l Label
				fields(v, func(num protowire.Number, _ protowire.Type, v []byte, _ uint64) {
					if num == 1 {
						l.Name = string(v)
					} else {
						l.Value = string(v)
					}
				})
				s.Labels = append(s.Labels, l)
			case 2:
				var p Point
				fields(v, func(num protowire.Number, _ protowire.Type, _ []byte, u uint64) {
					if num == 1 {
						p.Value = math.Float64frombits(u)
					} else {
						p.Time = time.UnixMilli(int64(u)).UTC()
					}
				})
				s.Points = append(s.Points, p)
			}
		})
		out = append(out, s)
	})
	return out
}

// receiver is a remote-write endpoint recording what it accepted.
type receiver struct {
	t        *testing.T
	mu       sync.Mutex
	status   int
	requests int
	series   []Series
	headers  http.Header
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	r.headers = req.Header.Clone()
	if r.status != 0 && r.status != http.StatusNoContent {
		http.Error(w, "no", r.status)
		return
	}
	body, _ := io.ReadAll(req.Body)
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.series = append(r.series, decode(r.t, raw)...)
	w.WriteHeader(http.StatusNoContent)
}

// values returns the points of series name, in time order, as "time=value".
func (r *receiver) values(name string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range r.series {
		for _, l := range s.Labels {
			if l.Name == "__name__" && l.Value == name {
				for _, p := range s.Points {
					out = append(out, fmt.Sprintf("%s=%g", p.Time.Format("15:04:05"), p.Value))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func plenty(string) (int64, error)       { return 1 << 40, nil }
func row(min int, cpu, cpuMax float64) model.Sample {
	x := model.NewSample(time.Date(2026, 1, 5, 10, min, 0, 0, time.UTC), time.Minute)
	x.Set(model.CPUBusyPct, cpu, cpuMax)
	x.Set(model.MemUsedBytes, 1e9, 2e9)
	return x
}

var testID = Identity{Instance: "web1", Hostname: "web1.example", MachineID: "abc123"}

func newTestWriter(t *testing.T, url string, clk *fakeClock, mod func(*Options)) (*Writer, string) {
	t.Helper()
	dir := t.TempDir()
	o := Options{URL: url, SpoolDir: dir, Now: clk.now, freeBytes: plenty, Logf: t.Logf}
	if mod != nil {
		mod(&o)
	}
	w, err := New(o, testID, model.Inventory{Hostname: "web1.example", CPUModel: "Xeon E5", Threads: 8, MemTotalBytes: 16 << 30})
	if err != nil {
		t.Fatal(err)
	}
	return w, dir
}

func spoolCount(t *testing.T, dir string) int {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func TestWriterSendsRows(t *testing.T) {
	rec := &receiver{t: t}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	clk := &fakeClock{time.Date(2026, 1, 5, 10, 2, 0, 0, time.UTC)}
	w, dir := newTestWriter(t, srv.URL, clk, nil)
	for i, v := range [][2]float64{{10, 40}, {20, 90}} {
		if err := w.Append(row(i, v[0], v[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rec.requests != 1 || w.Sent() != 2 || spoolCount(t, dir) != 0 {
		t.Fatalf("requests %d, sent %d, spool %d; want 1, 2, 0", rec.requests, w.Sent(), spoolCount(t, dir))
	}
	for k, want := range map[string]string{"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf", "X-Prometheus-Remote-Write-Version": "0.1.0"} {
		if got := rec.headers.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	// Stamped at the end of each row.
	if got, want := strings.Join(rec.values("kvmfit_cpu_busy_pct_mean"), " "), "10:01:00=10 10:02:00=20"; got != want {
		t.Errorf("cpu mean %s, want %s", got, want)
	}
	if got, want := strings.Join(rec.values("kvmfit_cpu_busy_pct_max"), " "), "10:01:00=40 10:02:00=90"; got != want {
		t.Errorf("cpu max %s, want %s", got, want)
	}
	if got, want := strings.Join(rec.values("kvmfit_mem_used_bytes_max"), " "), "10:01:00=2e+09 10:02:00=2e+09"; got != want {
		t.Errorf("mem max %s, want %s", got, want)
	}
	if got := rec.values("kvmfit_net_rx_bytes_per_sec_mean"); len(got) != 0 {
		t.Errorf("unmeasured metric sent: %v", got)
	}
	// 2 metrics × mean and max + info, per row.
	if len(rec.series) != 10 {
		t.Errorf("%d series, want 10", len(rec.series))
	}
	var info []Label
	for _, s := range rec.series {
		if s.Labels[0].Value == InfoMetric {
			info = s.Labels
		}
		got := map[string]string{}
		for _, l := range s.Labels {
			got[l.Name] = l.Value
		}
		if got["instance"] != "web1" || got["hostname"] != "web1.example" || got["machine_id"] != "abc123" {
			t.Errorf("series labels %v", s.Labels)
		}
		if !sort.SliceIsSorted(s.Labels, func(i, j int) bool { return s.Labels[i].Name < s.Labels[j].Name }) {
			t.Errorf("labels not sorted: %v", s.Labels)
		}
	}
	want := []Label{{"__name__", "kvmfit_info"}, {"cpu_model", "Xeon E5"}, {"hostname", "web1.example"}, {"instance", "web1"},
		{"is_vm", "false"}, {"machine_id", "abc123"}, {"mem_total_bytes", "17179869184"}, {"threads", "8"}}
	if fmt.Sprint(info) != fmt.Sprint(want) {
		t.Errorf("info labels\n%v\nwant\n%v", info, want)
	}
}

func TestWriterBuffersAndBacksOff(t *testing.T) {
	rec := &receiver{t: t, status: http.StatusServiceUnavailable}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	clk := &fakeClock{time.Date(2026, 1, 5, 10, 2, 0, 0, time.UTC)}
	w, dir := newTestWriter(t, srv.URL, clk, nil)
	ctx := context.Background()
	w.Append(row(0, 10, 20))
	if err := w.Flush(ctx); err == nil {
		t.Fatal("flush to a failing endpoint: no error")
	}
	if rec.requests != 1 || spoolCount(t, dir) != 1 || !w.NextTry().Equal(clk.t.Add(time.Second)) {
		t.Fatalf("after a failure: %d requests, spool %d, next try %s", rec.requests, spoolCount(t, dir), w.NextTry())
	}
	w.Append(row(1, 11, 21))
	if err := w.Flush(ctx); err != nil || rec.requests != 1 {
		t.Fatalf("within the backoff: err %v, %d requests, want no new try", err, rec.requests)
	}
	clk.add(time.Second)
	w.Flush(ctx)
	if rec.requests != 2 || !w.NextTry().Equal(clk.t.Add(2*time.Second)) {
		t.Fatalf("second failure: %d requests, next try %s, want 2 and +2s", rec.requests, w.NextTry())
	}
	for range 20 { // backoff doubles up to MaxBackoff
		clk.add(time.Hour)
		w.Flush(ctx)
	}
	if d := w.NextTry().Sub(clk.t); d != 5*time.Minute {
		t.Fatalf("backoff %s, want the 5m cap", d)
	}
	// A restart keeps the spool.
	w2, err := New(Options{URL: srv.URL, SpoolDir: dir, Now: clk.now, freeBytes: plenty}, testID, model.Inventory{})
	if err != nil {
		t.Fatal(err)
	}
	w2.Append(row(2, 12, 22))
	rec.mu.Lock()
	rec.status = 0
	rec.mu.Unlock()
	if err := w2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rec.values("kvmfit_cpu_busy_pct_mean"), " "), "10:01:00=10 10:02:00=11 10:03:00=12"; got != want {
		t.Errorf("after recovery: %s, want %s", got, want)
	}
	if spoolCount(t, dir) != 0 || !w2.NextTry().IsZero() {
		t.Errorf("spool %d, next try %s after recovery", spoolCount(t, dir), w2.NextTry())
	}
}

func TestWriterSpoolBounds(t *testing.T) {
	rec := &receiver{t: t}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	clk := &fakeClock{time.Date(2026, 1, 5, 10, 2, 0, 0, time.UTC)}
	one := len(snappy.Encode(nil, Encode(nil, RowSeries(testID, model.Inventory{Hostname: "web1.example", CPUModel: "Xeon E5", Threads: 8, MemTotalBytes: 16 << 30}, row(0, 10, 20)))))
	w, dir := newTestWriter(t, srv.URL, clk, func(o *Options) { o.MaxSpoolBytes = int64(3*one + one/2) })
	for i := range 5 {
		if err := w.Append(row(i, float64(10+i), 50)); err != nil {
			t.Fatal(err)
		}
	}
	if n := spoolCount(t, dir); n != 3 {
		t.Fatalf("spool holds %d rows, want 3 under the cap", n)
	}
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rec.values("kvmfit_cpu_busy_pct_mean"), " "), "10:03:00=12 10:04:00=13 10:05:00=14"; got != want {
		t.Errorf("sent %s, want the newest three %s", got, want)
	}

	// Low disk: the row is dropped, nothing is written.
	w2, dir2 := newTestWriter(t, srv.URL, clk, func(o *Options) {
		o.freeBytes = func(string) (int64, error) { return 100 << 20, nil }
	})
	if err := w2.Append(row(0, 1, 2)); err == nil || !strings.Contains(err.Error(), "free") {
		t.Errorf("append on a nearly full disk: %v, want a free-space error", err)
	}
	if n := spoolCount(t, dir2); n != 0 {
		t.Errorf("spool holds %d files on a nearly full disk", n)
	}
}

func TestWriterDropsRejected(t *testing.T) {
	rec := &receiver{t: t, status: http.StatusBadRequest}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	clk := &fakeClock{time.Date(2026, 1, 5, 10, 2, 0, 0, time.UTC)}
	w, dir := newTestWriter(t, srv.URL, clk, nil)
	w.Append(row(0, 10, 20))
	if err := w.Flush(context.Background()); err != nil {
		t.Fatalf("a rejected row: %v, want dropped without error", err)
	}
	if spoolCount(t, dir) != 0 || w.Sent() != 0 || !w.NextTry().IsZero() {
		t.Errorf("rejected row: spool %d, sent %d, next try %s", spoolCount(t, dir), w.Sent(), w.NextTry())
	}
	// 401 is a configuration error: kept and retried.
	rec.status = http.StatusUnauthorized
	w.Append(row(1, 10, 20))
	if err := w.Flush(context.Background()); err == nil || spoolCount(t, dir) != 1 {
		t.Errorf("401: err %v, spool %d, want kept", err, spoolCount(t, dir))
	}
}

// An endpoint that requires a client certificate (what `kvmfit collect
// --remote-write` meets with --remote-write-cert-file): rows are sent with
// the certificate; without it the push fails with a message naming the
// flags and the rows stay in the spool.
func TestWriterMutualTLS(t *testing.T) {
	rec := &receiver{t: t}
	srv, pki := promhttptest.NewMTLSServer(t, rec)
	clk := &fakeClock{time.Date(2026, 1, 5, 10, 2, 0, 0, time.UTC)}
	client := func(c promhttp.Config) *http.Client {
		cl, err := c.Client(nil)
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	var logs []string
	w, dir := newTestWriter(t, srv.URL+"/api/v1/write", clk, func(o *Options) {
		o.Client = client(promhttp.Config{CAFile: pki.CAFile})
		o.Logf = func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }
	})
	if err := w.Append(row(0, 10, 40)); err != nil {
		t.Fatal(err)
	}
	err := w.Flush(context.Background())
	if err == nil || !strings.Contains(err.Error(), "the server requires a client certificate: give --cert-file and --key-file") ||
		!strings.Contains(err.Error(), srv.URL) {
		t.Errorf("without a client certificate: %v", err)
	}
	if spoolCount(t, dir) != 1 || w.Sent() != 0 || len(logs) != 1 || !strings.Contains(logs[0], "rows are kept") {
		t.Errorf("spool %d, sent %d, logs %q: want the row kept", spoolCount(t, dir), w.Sent(), logs)
	}

	w, dir = newTestWriter(t, srv.URL+"/api/v1/write", clk, func(o *Options) {
		o.Client = client(promhttp.Config{CAFile: pki.CAFile, CertFile: pki.CertFile, KeyFile: pki.KeyFile})
	})
	if err := w.Append(row(0, 10, 40)); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(context.Background()); err != nil {
		t.Fatalf("with the client certificate: %v", err)
	}
	if rec.requests != 1 || w.Sent() != 1 || spoolCount(t, dir) != 0 {
		t.Errorf("requests %d, sent %d, spool %d; want 1, 1, 0", rec.requests, w.Sent(), spoolCount(t, dir))
	}
}
