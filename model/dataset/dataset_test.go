package dataset

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

// fullSample returns a sample at t0 + i·300 s with every metric measured,
// using values with more than six decimals.
func fullSample(i int) model.Sample {
	x := model.NewSample(modeltest.Sec(i*300), 300*time.Second)
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		mean := 1.23456789*float64(m+1) + float64(i)
		x.Set(m, mean, 2*mean)
	}
	return x
}

// commitRead commits w and reads the dataset at dir back.
func commitRead(t *testing.T, w *Writer, dir string) []*model.Server {
	t.Helper()
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	servers, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return servers
}

func testInventory(host string) model.Inventory {
	return model.Inventory{
		Hostname: host, OS: "CentOS 5.11", OSFamily: "linux",
		CPUModel: "Intel(R) Xeon(R) CPU E5450 @ 3.00GHz", Sockets: 2, Cores: 8, Threads: 8,
		CPUMHz: 3000, CPUScorePerCore: 812.5, CPUScoreAllCores: 6000, MemTotalBytes: 16 * model.GiB,
		Disks: []model.Disk{{Name: "sda", SizeBytes: 500e9}},
		NICs:  []model.NIC{{Name: "eth0", SpeedBitsPerSec: 1e9}},
		IsVM:  true, Hypervisor: "vmware", Source: "import:test",
		SourceFiles: []string{"a.csv"}, Watts: 250,
		UpdatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Notes:     []string{"no disk data"},
	}
}

func TestDatasetRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ds")
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := w.AddServer("web01", testInventory("web01.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	var want []model.Sample
	for i := 0; i < 3; i++ {
		x := fullSample(i)
		if i == 1 {
			x.Set(model.NetTxBytesPerSec, math.NaN(), math.NaN()) // not measured
			x.Set(model.DiskReadIOPS, 5, math.NaN())              // mean only: max = mean
			x.Set(model.DiskWriteIOPS, math.NaN(), 7)             // max only: mean = max
		}
		if err := sw.Write(x); err != nil {
			t.Fatal(err)
		}
		want = append(want, x)
	}
	if sw.Len() != 3 {
		t.Errorf("Len = %d, want 3", sw.Len())
	}
	if _, err := w.AddServer("db01", model.Inventory{Hostname: "db01"}); err != nil {
		t.Fatal(err)
	}
	servers := commitRead(t, w, dir)
	if len(servers) != 2 || servers[0].ID != "db01" || servers[1].ID != "web01" {
		t.Fatalf("servers = %v, want db01, web01", servers)
	}
	if servers[0].Series.Len() != 0 || len(servers[0].Warnings) != 0 {
		t.Errorf("db01: %d samples, warnings %v", servers[0].Series.Len(), servers[0].Warnings)
	}
	srv := servers[1]
	if len(srv.Warnings) != 0 {
		t.Errorf("warnings: %v", srv.Warnings)
	}
	wantInv := testInventory("web01.example.com")
	wantInv.FormatVersion = ParquetFormatVersion
	if !reflect.DeepEqual(srv.Inventory, wantInv) {
		t.Errorf("inventory:\n got %+v\nwant %+v", srv.Inventory, wantInv)
	}
	if srv.Dir != filepath.Join(dir, "web01") {
		t.Errorf("Dir = %q", srv.Dir)
	}
	if srv.Series.Len() != len(want) {
		t.Fatalf("%d samples, want %d", srv.Series.Len(), len(want))
	}
	r6 := func(v float64) float64 { return math.Round(v*1e6) / 1e6 }
	for i, x := range want {
		got := srv.Series.At(i)
		if !got.Start.Equal(x.Start) || got.Interval != x.Interval {
			t.Errorf("sample %d: %s/%s, want %s/%s", i, got.Start, got.Interval, x.Start, x.Interval)
		}
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			wantMean, wantMax := r6(x.Mean[m]), r6(x.Max[m])
			switch {
			case i == 1 && m == model.DiskReadIOPS:
				wantMax = 5
			case i == 1 && m == model.DiskWriteIOPS:
				wantMean = 7
			}
			// Exact: the reader parses the shortest decimal the writer printed.
			if !modeltest.Close(got.Mean[m], wantMean, 0) || !modeltest.Close(got.Max[m], wantMax, 0) {
				t.Errorf("sample %d %s = %v/%v, want %v/%v", i, m, got.Mean[m], got.Max[m], wantMean, wantMax)
			}
		}
	}
	// The rounding is visible: 1.23456789 is stored as 1.234568.
	if got := srv.Series.Mean[model.CPUBusyPct][0]; got != 1.234568 {
		t.Errorf("cpu mean = %v, want 1.234568", got)
	}

	// Modes (docs/format.md): files 0640, directories 0750, less the umask.
	ref := filepath.Join(t.TempDir(), "ref")
	if err := os.Mkdir(ref, 0o750); err != nil {
		t.Fatal(err)
	}
	refSt, _ := os.Stat(ref)
	for _, p := range []string{dir, filepath.Join(dir, "web01")} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != refSt.Mode().Perm() {
			t.Errorf("%s: mode %v, want %v", p, st.Mode().Perm(), refSt.Mode().Perm())
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "web01", InventoryFile)); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("inventory mode: %v, %v", st.Mode().Perm(), err)
	}
	// Nothing left beside the dataset.
	if ents, _ := os.ReadDir(filepath.Dir(dir)); len(ents) != 1 {
		t.Errorf("parent holds %d entries, want only the dataset", len(ents))
	}
}

func TestDatasetAbort(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "ds")
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := w.AddServer("a", model.Inventory{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Write(fullSample(0)); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	ents, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("after Abort the parent holds %v", ents)
	}
}

func TestDatasetCommitIntoExisting(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ds")
	add := func(ids ...string) *Writer {
		t.Helper()
		w, err := Create(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			sw, err := w.AddServer(id, model.Inventory{Hostname: id})
			if err != nil {
				t.Fatal(err)
			}
			if err := sw.Write(fullSample(0)); err != nil {
				t.Fatal(err)
			}
		}
		return w
	}
	if err := add("a").Commit(); err != nil {
		t.Fatal(err)
	}
	w := add("b")
	if id := w.UniqueID("a"); id != "a-2" {
		t.Errorf("UniqueID(a) = %q, want a-2 (a is in the destination)", id)
	}
	if _, err := w.AddServer("a", model.Inventory{}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("AddServer(a) over an existing server: %v", err)
	}
	if _, err := w.AddServer("a-2", model.Inventory{}); err != nil {
		t.Fatal(err)
	}
	servers := commitRead(t, w, dir)
	var ids []string
	for _, s := range servers {
		ids = append(ids, s.ID)
	}
	if got := strings.Join(ids, ","); got != "a,a-2,b" {
		t.Errorf("servers %s, want a,a-2,b", got)
	}
	if ents, _ := os.ReadDir(filepath.Dir(dir)); len(ents) != 1 {
		t.Errorf("parent holds %d entries, want only the dataset", len(ents))
	}
}

func TestUniqueIDAndSafeID(t *testing.T) {
	for in, want := range map[string]string{
		"web01":             "web01",
		"web 01.example.de": "web_01.example.de",
		".hidden":           "_hidden",
		"..":                "_.",
		"":                  "_",
		"sql/01":            "sql_01",
		"ünï":               "_n_",
		"a-b_c.d":           "a-b_c.d",
	} {
		if got := SafeID(in); got != want {
			t.Errorf("SafeID(%q) = %q, want %q", in, got, want)
		}
		if got := SafeID(want); got != want {
			t.Errorf("SafeID is not idempotent on %q: %q", want, got)
		}
	}

	w, err := Create(filepath.Join(t.TempDir(), "ds"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	for _, want := range []string{"web_01", "web_01-2", "web_01-3"} {
		id := w.UniqueID("web 01")
		if id != want {
			t.Errorf("UniqueID = %q, want %q", id, want)
		}
		if _, err := w.AddServer(id, model.Inventory{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []string{"web 01", ".", "..", "a/b", "web_01"} {
		if _, err := w.AddServer(bad, model.Inventory{}); err == nil {
			t.Errorf("AddServer(%q): no error", bad)
		}
	}
}

func TestServerWriterRejects(t *testing.T) {
	w, err := Create(filepath.Join(t.TempDir(), "ds"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	sw, err := w.AddServer("a", model.Inventory{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Write(fullSample(10)); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{10, 9} {
		if err := sw.Write(fullSample(i)); !errors.Is(err, ErrOutOfOrder) {
			t.Errorf("Write(sample %d after sample 10) = %v, want ErrOutOfOrder", i, err)
		}
	}
	at := func(f func(*model.Sample)) model.Sample { x := fullSample(20); f(&x); return x }
	tests := []struct {
		name string
		x    model.Sample
		want string
	}{
		{"zero interval", at(func(x *model.Sample) { x.Interval = 0 }), "interval"},
		{"sub-second interval", at(func(x *model.Sample) { x.Interval = 500 * time.Millisecond }), "interval"},
		{"interval over a day", at(func(x *model.Sample) { x.Interval = 25 * time.Hour }), "interval"},
		{"cpu above 100", at(func(x *model.Sample) { x.Set(model.CPUBusyPct, 50, 101) }), "cpu_busy_pct: 101% is above 100"},
		{"negative", at(func(x *model.Sample) { x.Set(model.MemUsedBytes, -1, 5) }), "mem_used_bytes: -1 is out of range"},
		{"infinite", at(func(x *model.Sample) { x.Set(model.NetRxBytesPerSec, 1, math.Inf(1)) }), "net_rx_bytes_per_sec: +Inf is not a number"},
		{"mean above max", at(func(x *model.Sample) { x.Set(model.DiskReadIOPS, 10, 5) }), "disk_read_iops: mean 10 is above max 5"},
		{"before 1970", at(func(x *model.Sample) { x.Start = time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC) }), "outside 1970..9999"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := sw.Write(tc.x)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Write = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// Within rounding, a mean above its max and a CPU of 100.5 are fine.
	if err := sw.Write(at(func(x *model.Sample) { x.Set(model.CPUBusyPct, 100.5000001, 100.5) })); err != nil {
		t.Errorf("Write(cpu 100.5): %v", err)
	}
	if err := sw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sw.Write(fullSample(30)); err == nil {
		t.Error("Write after Close: no error")
	}
	if sw.Len() != 2 {
		t.Errorf("Len = %d, want 2", sw.Len())
	}
}

// row is a samples file row with CPU mean and max (others empty).
func row(ts string, iv int, cpuMean, cpuMax string) string {
	return ts + "," + fmt.Sprint(iv) + "," + cpuMean + "," + cpuMax + strings.Repeat(",", 2*int(model.NumMetrics)-2) + "\n"
}

func TestReadSamples(t *testing.T) {
	h := HeaderLine()
	r1 := row("2026-01-01T00:00:00Z", 300, "1", "2")
	r2 := row("2026-01-01T00:05:00Z", 300, "3", "4")
	r3 := row("2026-01-01T00:10:00Z", 300, "5", "6")
	type want struct {
		starts  []int64 // seconds after t0
		cpuMean []float64
		cpuMax  []float64
		warn    string // substring of a warning, "" for none
	}
	tests := []struct {
		name string
		in   string
		want want
	}{
		{"plain", h + r1 + r2, want{starts: []int64{0, 300}, cpuMean: []float64{1, 3}, cpuMax: []float64{2, 4}}},
		{
			"torn last line", h + r1 + r2 + strings.TrimSuffix(r3, "\n"),
			want{starts: []int64{0, 300}, cpuMean: []float64{1, 3}, cpuMax: []float64{2, 4},
				warn: "f.csv:4: last line is incomplete (torn write?), skipped"},
		},
		{
			"torn half line", h + r1 + "2026-01-01T00:05:00Z,300,3.",
			want{starts: []int64{0}, cpuMean: []float64{1}, cpuMax: []float64{2}, warn: "f.csv:3: last line"},
		},
		{"CRLF and BOM", "\ufeff" + strings.ReplaceAll(h+r1+r2, "\n", "\r\n"), want{starts: []int64{0, 300}, cpuMean: []float64{1, 3}, cpuMax: []float64{2, 4}}},
		{"empty lines", h + "\n" + r1 + "\n\n" + r2, want{starts: []int64{0, 300}, cpuMean: []float64{1, 3}, cpuMax: []float64{2, 4}}},
		{"header only", h, want{}},
		{
			"unknown column", "timestamp,interval_sec,gpu_busy_pct_mean,cpu_busy_pct_mean,cpu_busy_pct_max,color\n" +
				"2026-01-01T00:00:00Z,300,99,1,2,blue\n",
			want{starts: []int64{0}, cpuMean: []float64{1}, cpuMax: []float64{2}, warn: "f.csv:1: unknown columns ignored: gpu_busy_pct_mean, color"},
		},
		{
			"columns in any order, spaces", "cpu_busy_pct_max, interval_sec ,timestamp\n" + "2, 60 , 2026-01-01T00:00:00Z\n",
			want{starts: []int64{0}, cpuMean: []float64{2}, cpuMax: []float64{2}},
		},
		{"offset converted to UTC", h + row("2026-01-01T01:00:00+01:00", 60, "1", "1"), want{starts: []int64{0}, cpuMean: []float64{1}, cpuMax: []float64{1}}},
		{"mean only", h + row("2026-01-01T00:00:00Z", 60, "7", ""), want{starts: []int64{0}, cpuMean: []float64{7}, cpuMax: []float64{7}}},
		{"max only", h + row("2026-01-01T00:00:00Z", 60, "", "8"), want{starts: []int64{0}, cpuMean: []float64{8}, cpuMax: []float64{8}}},
		{"not measured", h + row("2026-01-01T00:00:00Z", 60, "", ""), want{starts: []int64{0}, cpuMean: []float64{math.NaN()}, cpuMax: []float64{math.NaN()}}},
		{"cpu 100.5 tolerated", h + row("2026-01-01T00:00:00Z", 60, "100.5", "100.5"), want{starts: []int64{0}, cpuMean: []float64{100.5}, cpuMax: []float64{100.5}}},
		// A mean above the max within 1e-6 (rounding) is clamped to the max.
		{"mean above max by rounding", h + row("2026-01-01T00:00:00Z", 60, "50.0000004", "50"), want{starts: []int64{0}, cpuMean: []float64{50}, cpuMax: []float64{50}}},
		{"out of order rows kept in file order", h + r2 + r1, want{starts: []int64{300, 0}, cpuMean: []float64{3, 1}, cpuMax: []float64{4, 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s model.Series
			warn, err := ReadSamples(strings.NewReader(tc.in), "f.csv", &s)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want.warn == "" && len(warn) > 0 {
				t.Errorf("warnings: %v", warn)
			}
			if tc.want.warn != "" && !warningsContain(warn, tc.want.warn) {
				t.Errorf("warnings %v, want one containing %q", warn, tc.want.warn)
			}
			if s.Len() != len(tc.want.starts) {
				t.Fatalf("%d samples, want %d", s.Len(), len(tc.want.starts))
			}
			for i, st := range tc.want.starts {
				if s.Start[i] != modeltest.T0.Unix()+st {
					t.Errorf("start[%d] = %d, want t0+%d", i, s.Start[i]-modeltest.T0.Unix(), st)
				}
			}
			modeltest.CheckFloats(t, "cpu mean", s.Mean[model.CPUBusyPct], tc.want.cpuMean, 0)
			modeltest.CheckFloats(t, "cpu max", s.Max[model.CPUBusyPct], tc.want.cpuMax, 0)
			for i := 0; i < s.Len(); i++ {
				if !math.IsNaN(s.Mean[model.MemUsedBytes][i]) || !math.IsNaN(s.Max[model.NetTxBytesPerSec][i]) {
					t.Errorf("sample %d: unmeasured metrics are not NaN", i)
				}
			}
		})
	}
}

func TestReadSamplesErrors(t *testing.T) {
	h := HeaderLine()
	r1 := row("2026-01-01T00:00:00Z", 300, "1", "2")
	r3 := row("2026-01-01T00:10:00Z", 300, "5", "6")
	tests := []struct {
		name  string
		in    string
		line  int
		field string
		msg   string // the whole message
	}{
		{
			"bad value in the middle", h + r1 + row("2026-01-01T00:05:00Z", 300, "3", "x4") + r3,
			3, "cpu_busy_pct_max", `f.csv:3: field cpu_busy_pct_max: "x4" is not a number`,
		},
		{
			"wrong field count", h + r1 + "2026-01-01T00:05:00Z,300,1,2\n" + r3,
			3, "", "f.csv:3: 4 fields, header has " + strconv.Itoa(len(Header())),
		},
		{
			"mean above max", h + r1 + r1 + row("2026-01-01T00:05:00Z", 300, "30", "4"),
			4, "cpu_busy_pct_mean", "f.csv:4: field cpu_busy_pct_mean: mean 30 is above max 4",
		},
		{
			"header without timestamp", "interval_sec,cpu_busy_pct_mean\n300,1\n",
			1, "", "f.csv:1: header must have timestamp and interval_sec columns",
		},
		{"empty file", "", 1, "", "f.csv:1: empty file: no header"},
		{"torn header", "timestamp,interval_sec", 1, "", "f.csv:1: header line is incomplete (no newline)"},
		{
			"bad timestamp", h + row("2026-01-01 00:00:00", 300, "1", "1"),
			2, "timestamp", `f.csv:2: field timestamp: "2026-01-01 00:00:00" is not an RFC 3339 time`,
		},
		{
			"timestamp before 1970", h + row("1969-12-31T23:59:59Z", 300, "1", "1"),
			2, "timestamp", "f.csv:2: field timestamp: 1969-12-31T23:59:59Z is outside 1970..9999",
		},
		{
			"timestamp after 9999 in UTC", h + row("9999-12-31T23:00:00-02:00", 300, "1", "1"),
			2, "timestamp", "f.csv:2: field timestamp: 10000-01-01T01:00:00Z is outside 1970..9999",
		},
		{
			"zero interval", h + row("2026-01-01T00:00:00Z", 0, "1", "1"),
			2, "interval_sec", `f.csv:2: field interval_sec: "0" is not a whole number of seconds in 1..86400`,
		},
		{
			"interval over a day", h + row("2026-01-01T00:00:00Z", 86401, "1", "1"),
			2, "interval_sec", `f.csv:2: field interval_sec: "86401" is not a whole number of seconds in 1..86400`,
		},
		{"negative", h + row("2026-01-01T00:00:00Z", 60, "-1", "1"), 2, "cpu_busy_pct_mean", "f.csv:2: field cpu_busy_pct_mean: -1 is out of range"},
		{"NaN", h + row("2026-01-01T00:00:00Z", 60, "NaN", "1"), 2, "cpu_busy_pct_mean", `f.csv:2: field cpu_busy_pct_mean: "NaN" is not a number`},
		{"Inf", h + row("2026-01-01T00:00:00Z", 60, "1", "+Inf"), 2, "cpu_busy_pct_max", `f.csv:2: field cpu_busy_pct_max: "+Inf" is not a number`},
		{"cpu above 100.5", h + row("2026-01-01T00:00:00Z", 60, "1", "100.6"), 2, "cpu_busy_pct_max", "f.csv:2: field cpu_busy_pct_max: 100.6% is above 100"},
		{"huge", h + row("2026-01-01T00:00:00Z", 60, "", "") + "2026-01-01T00:01:00Z,60,,,2e18" + strings.Repeat(",", len(Header())-5) + "\n", 3, "mem_used_bytes_mean", "f.csv:3: field mem_used_bytes_mean: 2e+18 is out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s model.Series
			_, err := ReadSamples(strings.NewReader(tc.in), "f.csv", &s)
			var pe *model.SampleParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want a *SampleParseError", err, err)
			}
			if pe.File != "f.csv" || pe.Line != tc.line || pe.Field != tc.field {
				t.Errorf("File %q Line %d Field %q, want f.csv %d %q", pe.File, pe.Line, pe.Field, tc.line, tc.field)
			}
			if err.Error() != tc.msg {
				t.Errorf("message\n got %s\nwant %s", err, tc.msg)
			}
		})
	}
}

// writeGzip writes content gzipped to dir/name.
func writeGzip(t *testing.T, dir, name, content string) {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, name, b.String())
}

const inventoryV1 = `{"format_version": 1, "hostname": "sql01", "cores": 4, "some_future_key": true}` + "\n"

func TestReadServer(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sql01")
	writeFile(t, dir, InventoryFile, inventoryV1)
	// The gzipped day comes first in name order; it holds 00:00 and 00:05
	// of Jan 2, which the plain file repeats with other values (dropped).
	writeGzip(t, dir, "samples-2026-01-01.csv.gz", HeaderLine()+
		row("2026-01-01T23:55:00Z", 300, "1", "1")+
		row("2026-01-02T00:00:00Z", 300, "2", "2")+
		row("2026-01-02T00:05:00Z", 300, "3", "3"))
	writeFile(t, dir, "samples-2026-01-02.csv", HeaderLine()+
		row("2026-01-02T00:10:00Z", 300, "5", "5")+
		row("2026-01-02T00:00:00Z", 300, "20", "20")+
		row("2026-01-02T00:05:00Z", 300, "30", "30")+
		row("2026-01-01T00:00:00Z", 300, "0", "0")+
		"2026-01-02T00:1") // torn
	writeFile(t, dir, "notes.txt", "ignored")
	writeFile(t, dir, "samples.json", "ignored")

	srv, err := ReadServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	if srv.ID != "sql01" || srv.Inventory.Hostname != "sql01" || srv.Inventory.Cores != 4 {
		t.Errorf("ID %q inventory %+v", srv.ID, srv.Inventory)
	}
	// Sorted by time, first row of a repeated timestamp kept.
	wantStarts := []int64{0, 86100, 86400, 86700, 87000}
	wantCPU := []float64{0, 1, 2, 3, 5}
	if srv.Series.Len() != len(wantStarts) {
		t.Fatalf("%d samples, want %d", srv.Series.Len(), len(wantStarts))
	}
	for i := range wantStarts {
		if srv.Series.Start[i]-modeltest.T0.Unix() != wantStarts[i] {
			t.Errorf("start[%d] = t0+%d, want t0+%d", i, srv.Series.Start[i]-modeltest.T0.Unix(), wantStarts[i])
		}
	}
	modeltest.CheckFloats(t, "cpu mean", srv.Series.Mean[model.CPUBusyPct], wantCPU, 0)
	modeltest.CheckFloats(t, "cpu max", srv.Series.Max[model.CPUBusyPct], wantCPU, 0)
	for _, w := range []string{
		filepath.Join(dir, "samples-2026-01-02.csv") + ":6: last line is incomplete",
		dir + ": 2 samples with a repeated timestamp ignored",
	} {
		if !warningsContain(srv.Warnings, w) {
			t.Errorf("warnings %v, want one containing %q", srv.Warnings, w)
		}
	}
	if len(srv.Warnings) != 2 {
		t.Errorf("warnings: %v", srv.Warnings)
	}
}

func TestReadServerErrors(t *testing.T) {
	tests := []struct {
		name  string
		inv   string
		files map[string]string
		want  string // substring of the error; {dir} is the server directory
	}{
		{"format_version 99", `{"format_version": 99}`, nil, "{dir}/inventory.json: field format_version: 99 is not supported"},
		{"no format_version", `{"hostname": "x"}`, nil, "field format_version: 0 is not supported"},
		{"bad JSON", `{"format_version": `, nil, "{dir}/inventory.json: "},
		{
			"bad value names file, line and field", inventoryV1,
			map[string]string{SamplesFile: HeaderLine() + row("2026-01-01T00:00:00Z", 300, "1", "2") + row("2026-01-01T00:05:00Z", 300, "1", "abc")},
			"{dir}/samples.csv:3: field cpu_busy_pct_max: ",
		},
		{"corrupt gzip", inventoryV1, map[string]string{"samples-2026-01-01.csv.gz": "this is not a gzip file at all"}, "{dir}/samples-2026-01-01.csv.gz: gzip: invalid header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "srv")
			writeFile(t, dir, InventoryFile, tc.inv)
			for n, c := range tc.files {
				writeFile(t, dir, n, c)
			}
			_, err := ReadServer(dir)
			want := strings.ReplaceAll(tc.want, "{dir}", dir)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v, want one containing %q", err, want)
			}
			// Through Read on the parent too.
			_, err = Read(filepath.Dir(dir))
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Read error %v, want one containing %q", err, want)
			}
		})
	}
	t.Run("missing inventory", func(t *testing.T) {
		if _, err := ReadServer(t.TempDir()); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("error %v, want ErrNotExist", err)
		}
	})
}

func TestRead(t *testing.T) {
	t.Run("server dir itself", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "web01")
		writeFile(t, dir, InventoryFile, inventoryV1)
		writeFile(t, dir, SamplesFile, HeaderLine()+row("2026-01-01T00:00:00Z", 300, "1", "2"))
		servers, err := Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(servers) != 1 || servers[0].ID != "web01" || servers[0].Series.Len() != 1 {
			t.Fatalf("servers = %+v", servers)
		}
		// Read as "." from inside: the ID is still the directory's name.
		t.Chdir(dir)
		servers, err = Read(".")
		if err != nil {
			t.Fatal(err)
		}
		if servers[0].ID != "web01" {
			t.Errorf("ID of . = %q, want web01", servers[0].ID)
		}
	})
	t.Run("empty dir", func(t *testing.T) {
		dir := t.TempDir()
		_, err := Read(dir)
		if !errors.Is(err, ErrNotDataset) {
			t.Errorf("error %v, want ErrNotDataset", err)
		}
	})
	t.Run("only hidden and non-server entries", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, ".ds.tmp123", "a"), InventoryFile, inventoryV1)
		writeFile(t, filepath.Join(dir, "notes"), "x.txt", "")
		writeFile(t, dir, "inventory.json.bak", "")
		if _, err := Read(dir); !errors.Is(err, ErrNotDataset) {
			t.Errorf("error %v, want ErrNotDataset", err)
		}
	})
	t.Run("missing dir", func(t *testing.T) {
		if _, err := Read(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("error %v, want ErrNotExist", err)
		}
	})
	t.Run("testdata", func(t *testing.T) {
		servers, err := Read(filepath.Join("testdata", "dataset"))
		if err != nil {
			t.Fatal(err)
		}
		if len(servers) != 2 || servers[0].ID != "db01" || servers[1].ID != "web01" {
			t.Fatalf("servers %v", servers)
		}
		db, web := servers[0], servers[1]
		if db.Series.Len() != 3 || web.Series.Len() != 4 {
			t.Errorf("db01 %d samples, web01 %d; want 3 and 4", db.Series.Len(), web.Series.Len())
		}
		if !warningsContain(db.Warnings, "unknown columns ignored: gpu_busy_pct_mean") || len(db.Warnings) != 1 {
			t.Errorf("db01 warnings %v", db.Warnings)
		}
		if len(web.Warnings) != 0 {
			t.Errorf("web01 warnings %v", web.Warnings)
		}
		// web01: a gzipped day and the open day, merged in time order.
		modeltest.CheckFloats(t, "web01 cpu max", web.Series.Max[model.CPUBusyPct], []float64{41.5, 50, 12, 8}, 0)
		if got := time.Unix(web.Series.Start[3], 0).UTC().Format(time.RFC3339); got != "2026-01-06T00:05:00Z" {
			t.Errorf("web01 last start %s", got)
		}
		// db01 has CPU only (a PlanetLab-like trace).
		if db.Series.Has(model.MemUsedBytes) || !db.Series.Has(model.CPUBusyPct) {
			t.Error("db01 should have CPU only")
		}
	})
}

func TestServerDirs(t *testing.T) {
	ds := filepath.Join("testdata", "dataset")
	got, err := ServerDirs(ds)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(ds, "db01"), filepath.Join(ds, "web01")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ServerDirs = %v, want %v", got, want)
	}
	if got, err := ServerDirs(want[1]); err != nil || !reflect.DeepEqual(got, want[1:]) {
		t.Errorf("ServerDirs(server dir) = %v, %v", got, err)
	}
	if _, err := ServerDirs(t.TempDir()); !errors.Is(err, ErrNotDataset) {
		t.Errorf("ServerDirs(empty) error %v, want ErrNotDataset", err)
	}
}

func TestDatasetCommitFailureCleansUp(t *testing.T) {
	parent := t.TempDir()
	dir := writeFile(t, parent, "ds", "a file, not a dataset directory")
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddServer("a", model.Inventory{}); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err == nil {
		t.Fatal("Commit into a regular file: no error")
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 1 {
		t.Errorf("after a failed Commit the parent holds %v, want only ds", ents)
	}
}

// TestReadServerTruncatedGzip cuts a closed day's gzip short (a copy cut
// off: the collector writes .gz files whole, so this is never a crash
// tail): the error names the file, the line after the last complete row,
// that row's timestamp and the byte position, instead of a bare
// "unexpected EOF".
func TestReadServerTruncatedGzip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sql01")
	writeFile(t, dir, InventoryFile, inventoryV1)
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	ts := func(i int) string { return modeltest.T0.Add(time.Duration(i) * 5 * time.Minute).Format(time.RFC3339) }
	text := HeaderLine()
	for i := range 10 {
		text += row(ts(i), 300, "1", "2")
	}
	if _, err := zw.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	// A sync flush: the first 10 rows can be decoded whatever follows.
	if err := zw.Flush(); err != nil {
		t.Fatal(err)
	}
	cut := b.Len()
	for i := 10; i < 200; i++ {
		if _, err := zw.Write([]byte(row(ts(i), 300, fmt.Sprint(i%7), "9"))); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, dir, "samples-2026-01-01.csv.gz", string(b.Bytes()[:cut+40]))
	_, err := ReadServer(dir)
	var pe *model.SampleParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v, want a SampleParseError", err)
	}
	msg := err.Error()
	if pe.File != path || pe.Line < 12 || !errors.Is(err, io.ErrUnexpectedEOF) ||
		!strings.Contains(msg, fmt.Sprintf("after line %d (last complete row 2026-01-01T", pe.Line-1)) ||
		!strings.Contains(msg, "truncated or corrupt") || !strings.Contains(msg, "at byte ") {
		t.Errorf("error %q (line %d), want the position of the last complete row in %s", msg, pe.Line, path)
	}
}
