package dataset

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// parquetSamples are samples with what the format must keep: six-decimal
// values, byte counts up to 1e18, unmeasured metrics, a mean above its max
// by rounding only, intervals of 1 s and one day.
func parquetSamples() []model.Sample {
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var xs []model.Sample
	for i := range 5 {
		iv := 300 * time.Second
		switch i {
		case 3:
			iv = time.Second
		case 4:
			iv = 24 * time.Hour
		}
		x := model.NewSample(t0.Add(time.Duration(i)*time.Hour), iv)
		x.Set(model.CPUBusyPct, 1.234567+float64(i), 2.000001+float64(i))
		x.Set(model.MemUsedBytes, 123456789012.5, 123456789013)
		x.Set(model.MemTotalBytes, 137438953472, 137438953472)
		x.Set(model.FSUsedBytes, 999999999999999999, 1e18)
		x.Set(model.DiskReadIOPS, 0.000001, 0.1)
		if i == 1 {
			x.Set(model.NetRxBytesPerSec, math.NaN(), math.NaN())
			x.Set(model.DiskWriteIOPS, 5, math.NaN())
			x.Set(model.NetTxBytesPerSec, 7.0000000001, 7) // mean above max by rounding
		}
		xs = append(xs, x)
	}
	return xs
}

// writeParquetServer writes xs as server id of a new dataset under root and
// returns the server directory.
func writeParquetServer(t testing.TB, root, id string, xs []model.Sample) string {
	t.Helper()
	return writeServerBits(t, root, id, 0, xs)
}

// writeServerBits writes xs as server id of a new dataset under root, its
// samples to bits significant bits (0: exact), and returns the server
// directory.
func writeServerBits(t testing.TB, root, id string, bits int, xs []model.Sample) string {
	t.Helper()
	w, err := Create(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetPrecisionBits(bits); err != nil {
		t.Fatal(err)
	}
	sw, err := w.AddServer(id, model.Inventory{Hostname: id})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range xs {
		if err := sw.Write(x); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, id)
}

// openParquet opens the Parquet file at path for a test.
func openParquet(t *testing.T, path string) *parquet.File {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return pf
}

// sameSeries fails unless a and b hold the same samples bit for bit, NaN
// where the other has NaN.
func sameSeries(t *testing.T, what string, a, b *model.Series) {
	t.Helper()
	if a.Len() != b.Len() {
		t.Fatalf("%s: %d samples, want %d", what, a.Len(), b.Len())
	}
	for i := range a.Len() {
		if a.Start[i] != b.Start[i] || a.IntervalSec[i] != b.IntervalSec[i] {
			t.Errorf("%s: sample %d at %d/%d, want %d/%d", what, i, a.Start[i], a.IntervalSec[i], b.Start[i], b.IntervalSec[i])
		}
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			for _, p := range [][2]float64{{a.Mean[m][i], b.Mean[m][i]}, {a.Max[m][i], b.Max[m][i]}} {
				if math.Float64bits(p[0]) != math.Float64bits(p[1]) && !(math.IsNaN(p[0]) && math.IsNaN(p[1])) {
					t.Errorf("%s: sample %d %s = %v, want %v", what, i, m, p[0], p[1])
				}
			}
		}
	}
}

// TestParquetSameAsCSV: a server written by Writer (Parquet) reads back
// exactly as the same samples written as CSV and read by ReadSamples, so
// that a plan does not depend on the storage format.
func TestParquetSameAsCSV(t *testing.T) {
	xs := parquetSamples()
	dir := writeParquetServer(t, filepath.Join(t.TempDir(), "ds"), "srv", xs)
	if _, err := os.Stat(filepath.Join(dir, ParquetFile)); err != nil {
		t.Fatalf("no %s: %v", ParquetFile, err)
	}
	if _, err := os.Stat(filepath.Join(dir, SamplesFile)); !os.IsNotExist(err) {
		t.Errorf("%s written too: %v", SamplesFile, err)
	}
	srv, err := ReadServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Warnings) > 0 {
		t.Errorf("warnings: %v", srv.Warnings)
	}
	if v := srv.Inventory.FormatVersion; v != ParquetFormatVersion {
		t.Errorf("format_version %d, want %d", v, ParquetFormatVersion)
	}
	csv := []byte(HeaderLine())
	for _, x := range xs {
		csv = AppendRow(csv, x)
	}
	var want model.Series
	if _, err := ReadSamples(bytes.NewReader(csv), "x.csv", &want); err != nil {
		t.Fatal(err)
	}
	sameSeries(t, "parquet", &srv.Series, &want)
	// Column types: DECIMAL with the fewest decimals that hold every value
	// exactly, DOUBLE where none does (1e18 is above 2^53).
	pf := openParquet(t, filepath.Join(dir, ParquetFile))
	for col, want := range map[string]string{
		"cpu_busy_pct_mean":         "DECIMAL(18,6)",
		"mem_used_bytes_mean":       "DECIMAL(18,1)",
		"mem_total_bytes_max":       "DECIMAL(18,0)",
		"disk_read_iops_mean":       "DECIMAL(18,6)",
		"disk_read_iops_max":        "DECIMAL(18,1)",
		"fs_used_bytes_mean":        "DOUBLE",
		"net_tx_bytes_per_sec_mean": "DECIMAL(18,0)",
	} {
		l, _ := pf.Schema().Lookup(col)
		got := l.Node.Type().Kind().String()
		if lt := l.Node.Type().LogicalType(); lt != nil {
			got = lt.String()
		}
		if got != want {
			t.Errorf("%s is %s, want %s", col, got, want)
		}
	}
	// Spot checks against known answers.
	if got := srv.Series.Max[model.FSUsedBytes][0]; got != 1e18 {
		t.Errorf("fs_used_bytes_max %v, want 1e18", got)
	}
	if got := srv.Series.Mean[model.NetTxBytesPerSec][1]; got != 7 {
		t.Errorf("net tx mean above max: %v, want clamped to 7", got)
	}
	if got := srv.Series.Max[model.DiskWriteIOPS][1]; got != 5 {
		t.Errorf("mean-only disk_write_iops max %v, want 5", got)
	}
	if !math.IsNaN(srv.Series.Mean[model.NetRxBytesPerSec][1]) {
		t.Errorf("unmeasured net rx read as %v", srv.Series.Mean[model.NetRxBytesPerSec][1])
	}
}

// TestDecimalScale checks the decimals chosen for a column.
func TestDecimalScale(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		vs   []float64
		want int
	}{
		{nil, 0},
		{[]float64{nan, nan}, 0},
		{[]float64{0, 17179869184, nan}, 0},
		{[]float64{1.257, 2.5, 100}, 3},
		{[]float64{0.000001}, 6},
		{[]float64{1.0000001}, -1},                 // 7 decimals
		{[]float64{1e18}, -1},                      // above 2^53
		{[]float64{9007199254740991}, 0},           // 2^53-1
		{[]float64{3398708534419.9995}, -1},        // 3.4e16 in units of 1e-4: above 2^53
		{[]float64{1, math.Nextafter(1.1, 2)}, -1}, // not what a 6-decimal text reads as
		{[]float64{123456789012.5, 123456789013}, 1},
		{[]float64{339870853441.9995}, 4},
	}
	for _, c := range cases {
		if got := decimalScale(c.vs); got != c.want {
			t.Errorf("decimalScale(%v) = %d, want %d", c.vs, got, c.want)
		}
	}
}

// TestParquetFileLayout: the file has the documented schema (INT64
// timestamp, INT32 interval_sec, OPTIONAL DOUBLE metric columns), zstd
// compression, row groups of at most parquetRowGroupRows, and the same
// bytes every time.
func TestParquetFileLayout(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := parquetRowGroupRows + 100
	xs := make([]model.Sample, n)
	for i := range xs {
		x := model.NewSample(t0.Add(time.Duration(i)*time.Minute), time.Minute)
		x.Set(model.CPUBusyPct, float64(i%100), float64(i%100))
		xs[i] = x
	}
	root := t.TempDir()
	a := writeParquetServer(t, filepath.Join(root, "a"), "s", xs)
	b := writeParquetServer(t, filepath.Join(root, "b"), "s", xs)
	da, err := os.ReadFile(filepath.Join(a, ParquetFile))
	if err != nil {
		t.Fatal(err)
	}
	db, _ := os.ReadFile(filepath.Join(b, ParquetFile))
	if !bytes.Equal(da, db) {
		t.Error("two writes of the same samples differ")
	}
	pf, err := parquet.OpenFile(bytes.NewReader(da), int64(len(da)))
	if err != nil {
		t.Fatal(err)
	}
	if got := pf.NumRows(); got != int64(n) {
		t.Errorf("%d rows, want %d", got, n)
	}
	rgs := pf.Metadata().RowGroups
	if len(rgs) != 2 || rgs[0].NumRows != parquetRowGroupRows {
		t.Errorf("row groups %d (first %d rows), want 2 (first %d)", len(rgs), rgs[0].NumRows, parquetRowGroupRows)
	}
	for _, c := range rgs[0].Columns {
		if c.MetaData.Codec.String() != "ZSTD" {
			t.Errorf("column %v compressed with %s, want ZSTD", c.MetaData.PathInSchema, c.MetaData.Codec)
		}
	}
	// cpu_busy_pct holds whole numbers: DECIMAL(18,0); fs_used_bytes is
	// never measured: all nulls, the same.
	want := map[string]string{"timestamp": "INT64", "interval_sec": "INT32", "cpu_busy_pct_mean": "INT64", "fs_used_bytes_max": "INT64"}
	for name, typ := range want {
		l, ok := pf.Schema().Lookup(name)
		if !ok {
			t.Errorf("no column %s", name)
			continue
		}
		if got := l.Node.Type().Kind().String(); got != typ {
			t.Errorf("%s is %s, want %s", name, got, typ)
		}
		if opt := l.Node.Optional(); opt != strings.HasSuffix(name, "_mean") && opt != strings.HasSuffix(name, "_max") {
			t.Errorf("%s optional = %v", name, opt)
		}
	}
	if cols := len(pf.Schema().Columns()); cols != 2+2*int(model.NumMetrics) {
		t.Errorf("%d columns, want %d", cols, 2+2*int(model.NumMetrics))
	}
	var s model.Series
	if _, err := ReadParquet(bytes.NewReader(da), int64(len(da)), "a", &s); err != nil {
		t.Fatal(err)
	}
	if s.Len() != n || s.Mean[model.CPUBusyPct][n-1] != float64((n-1)%100) || s.Start[n-1] != t0.Add(time.Duration(n-1)*time.Minute).Unix() {
		t.Errorf("read %d rows, last %v at %d", s.Len(), s.Mean[model.CPUBusyPct][n-1], s.Start[n-1])
	}
}

// foreignRow is a samples file as another tool might write it: FLOAT
// values, an INT64 interval, a column kvmfit does not know, and only some
// metrics.
type foreignRow struct {
	Timestamp   int64    `parquet:"timestamp"`
	IntervalSec int64    `parquet:"interval_sec"`
	CPUMean     *float32 `parquet:"cpu_busy_pct_mean,optional"`
	CPUMax      *float32 `parquet:"cpu_busy_pct_max,optional"`
	MemMean     float64  `parquet:"mem_used_bytes_mean"`
	Host        string   `parquet:"host"`
}

func writeForeign(t *testing.T, path string, rows []foreignRow) {
	t.Helper()
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
}

// TestReadParquetForeign reads a file written by another program.
func TestReadParquetForeign(t *testing.T) {
	f32 := func(v float32) *float32 { return &v }
	dir := t.TempDir()
	writeFile(t, dir, InventoryFile, `{"format_version": 2, "hostname": "x"}`)
	writeForeign(t, filepath.Join(dir, "samples-other.parquet"), []foreignRow{
		{Timestamp: 1767225900, IntervalSec: 300, CPUMean: f32(12.5), CPUMax: f32(50), MemMean: 1 << 30, Host: "x"},
		{Timestamp: 1767225600, IntervalSec: 300, MemMean: 2 << 30, Host: "x"},
	})
	srv, err := ReadServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !warningsContain(srv.Warnings, "unknown columns ignored: [host]") {
		t.Errorf("warnings %v, want the unknown column", srv.Warnings)
	}
	s := &srv.Series
	if s.Len() != 2 || s.Start[0] != 1767225600 || s.IntervalSec[1] != 300 {
		t.Fatalf("series %+v", s)
	}
	if !math.IsNaN(s.Mean[model.CPUBusyPct][0]) || s.Mean[model.CPUBusyPct][1] != 12.5 || s.Max[model.CPUBusyPct][1] != 50 {
		t.Errorf("cpu %v %v", s.Mean[model.CPUBusyPct], s.Max[model.CPUBusyPct])
	}
	// A mean without its max column: the max is the mean (as in CSV).
	if s.Mean[model.MemUsedBytes][0] != 2<<30 || s.Max[model.MemUsedBytes][0] != 2<<30 {
		t.Errorf("mem %v %v", s.Mean[model.MemUsedBytes], s.Max[model.MemUsedBytes])
	}
	if s.Has(model.DiskReadIOPS) {
		t.Error("a metric without columns is measured")
	}
}

// TestReadParquetErrors: bad values and broken files are errors naming the
// file, the 1-based row and the column.
func TestReadParquetErrors(t *testing.T) {
	f32 := func(v float32) *float32 { return &v }
	good := foreignRow{Timestamp: 1767225600, IntervalSec: 300, CPUMean: f32(1), CPUMax: f32(2)}
	bad := func(mod func(*foreignRow)) []foreignRow {
		r := good
		mod(&r)
		r2 := good
		r2.Timestamp += 300
		return []foreignRow{r2, r}
	}
	cases := []struct {
		name string
		rows []foreignRow
		want string
	}{
		{"cpu", bad(func(r *foreignRow) { r.CPUMax = f32(150) }), ":2: field cpu_busy_pct_max: 150% is above 100"},
		{"interval", bad(func(r *foreignRow) { r.IntervalSec = 0 }), ":2: field interval_sec: 0 is not a whole number of seconds"},
		{"huge interval", bad(func(r *foreignRow) { r.IntervalSec = 1 << 40 }), ":2: field interval_sec: -1 is not"},
		{"timestamp", bad(func(r *foreignRow) { r.Timestamp = -5 }), ":2: field timestamp: 1969-12-31T23:59:55Z is outside 1970..9999"},
		{"mean above max", bad(func(r *foreignRow) { r.CPUMean = f32(3) }), ":2: field cpu_busy_pct_mean: mean 3 is above max 2"},
		{"negative", bad(func(r *foreignRow) { r.MemMean = -1 }), ":2: field mem_used_bytes_mean: -1 is out of range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "samples.parquet")
			writeForeign(t, path, c.rows)
			data, _ := os.ReadFile(path)
			var s model.Series
			_, err := ReadParquet(bytes.NewReader(data), int64(len(data)), path, &s)
			if err == nil || !strings.Contains(err.Error(), path+c.want) {
				t.Errorf("error %v, want %q", err, path+c.want)
			}
		})
	}

	// Broken files.
	dir := t.TempDir()
	writeForeign(t, filepath.Join(dir, "ok.parquet"), []foreignRow{good})
	ok, _ := os.ReadFile(filepath.Join(dir, "ok.parquet"))
	type noTS struct {
		IntervalSec int32 `parquet:"interval_sec"`
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, []noTS{{300}}); err != nil {
		t.Fatal(err)
	}
	type strTS struct {
		Timestamp   string `parquet:"timestamp"`
		IntervalSec int32  `parquet:"interval_sec"`
	}
	var buf2 bytes.Buffer
	if err := parquet.Write(&buf2, []strTS{{"2026", 300}}); err != nil {
		t.Fatal(err)
	}
	broken := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a readable Parquet file"},
		{"csv", []byte(HeaderLine()), "not a readable Parquet file"},
		{"truncated", ok[:len(ok)-10], "not a readable Parquet file"},
		{"no timestamp", buf.Bytes(), "schema must have timestamp and interval_sec columns"},
		{"string timestamp", buf2.Bytes(), "field timestamp: column type BYTE_ARRAY, want INT64 seconds"},
	}
	for _, c := range broken {
		var s model.Series
		_, err := ReadParquet(bytes.NewReader(c.data), int64(len(c.data)), "/d/samples.parquet", &s)
		if err == nil || !strings.HasPrefix(err.Error(), "/d/samples.parquet: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// TestWriteInventoryParquetVersion: an importer that rewrites a server's
// inventory after its samples keeps format_version 2.
func TestWriteInventoryParquetVersion(t *testing.T) {
	dir := writeParquetServer(t, filepath.Join(t.TempDir(), "ds"), "s", parquetSamples()[:1])
	if err := WriteInventory(dir, model.Inventory{FormatVersion: 1, Hostname: "s"}); err != nil {
		t.Fatal(err)
	}
	inv, err := ReadInventory(dir)
	if err != nil || inv.FormatVersion != ParquetFormatVersion {
		t.Errorf("format_version %d (%v), want %d", inv.FormatVersion, err, ParquetFormatVersion)
	}
	csvDir := t.TempDir()
	if err := WriteInventory(csvDir, model.Inventory{Hostname: "c"}); err != nil {
		t.Fatal(err)
	}
	if inv, _ := ReadInventory(csvDir); inv.FormatVersion != model.FormatVersion {
		t.Errorf("CSV server format_version %d, want %d", inv.FormatVersion, model.FormatVersion)
	}
	writeFile(t, csvDir, InventoryFile, `{"format_version": 3}`)
	if _, err := ReadInventory(csvDir); err == nil || !strings.Contains(err.Error(), "format_version: 3 is not supported (this build reads 1..2)") {
		t.Errorf("version 3: %v", err)
	}
}

// FuzzReadParquet feeds arbitrary bytes, seeded with valid files and
// damaged copies, to ReadParquet: it must return rows or an error naming
// the file, never panic, and every row it accepts passes the CSV codec's
// checks.
func FuzzReadParquet(f *testing.F) {
	dir := writeParquetServer(f, filepath.Join(f.TempDir(), "ds"), "s", parquetSamples())
	ok, err := os.ReadFile(filepath.Join(dir, ParquetFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ok)
	f.Add(ok[:len(ok)/2])
	flipped := bytes.Clone(ok)
	flipped[len(flipped)/2] ^= 0xff
	f.Add(flipped)
	footer := bytes.Clone(ok)
	footer[len(footer)-12] ^= 0x10
	f.Add(footer)
	var buf bytes.Buffer
	parquet.Write(&buf, []foreignRow{{Timestamp: 1767225600, IntervalSec: 300, MemMean: 1}})
	f.Add(buf.Bytes())
	f.Add([]byte("PAR1PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s model.Series
		_, err := ReadParquet(bytes.NewReader(data), int64(len(data)), "fuzz.parquet", &s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.parquet") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for i := range s.Len() {
			if s.IntervalSec[i] < 1 || s.IntervalSec[i] > maxIntervalSec {
				t.Fatalf("row %d: interval %d accepted", i, s.IntervalSec[i])
			}
			for m := model.Metric(0); m < model.NumMetrics; m++ {
				if s.Mean[m][i] > s.Max[m][i] || checkValue(m, s.Max[m][i]) != nil && !math.IsNaN(s.Max[m][i]) {
					t.Fatalf("row %d %s: %v/%v accepted", i, m, s.Mean[m][i], s.Max[m][i])
				}
			}
		}
	})
}

// dictRow is a samples file with dictionary-encoded columns, as pandas and
// DuckDB write by default.
type dictRow struct {
	Timestamp   int64    `parquet:"timestamp,dict"`
	IntervalSec int32    `parquet:"interval_sec,dict"`
	CPUMean     *float64 `parquet:"cpu_busy_pct_mean,optional,dict"`
	CPUMax      *float32 `parquet:"cpu_busy_pct_max,optional,dict"`
}

// TestReadParquetDictionary reads dictionary-encoded pages, value by value.
func TestReadParquetDictionary(t *testing.T) {
	f64 := func(v float64) *float64 { return &v }
	f32 := func(v float32) *float32 { return &v }
	var rows []dictRow
	for i := range 3000 {
		r := dictRow{Timestamp: 1767225600 + int64(i)*60, IntervalSec: 60, CPUMean: f64(float64(i % 7)), CPUMax: f32(float32(i%7) + 0.5)}
		if i == 5 {
			r.CPUMean, r.CPUMax = nil, nil
		}
		rows = append(rows, r)
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if enc := pf.Metadata().RowGroups[0].Columns[2].MetaData.Encoding; !strings.Contains(fmt.Sprint(enc), "DICT") {
		t.Fatalf("column encodings %v: not a dictionary", enc)
	}
	var s model.Series
	if _, err := ReadParquet(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "d.parquet", &s); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3000 || s.Start[2999] != 1767225600+2999*60 || s.IntervalSec[7] != 60 {
		t.Fatalf("%d rows", s.Len())
	}
	for _, i := range []int{0, 4, 6, 2999} {
		if s.Mean[model.CPUBusyPct][i] != float64(i%7) || s.Max[model.CPUBusyPct][i] != float64(i%7)+0.5 {
			t.Errorf("row %d: %v/%v", i, s.Mean[model.CPUBusyPct][i], s.Max[model.CPUBusyPct][i])
		}
	}
	if !math.IsNaN(s.Mean[model.CPUBusyPct][5]) {
		t.Errorf("null row read as %v", s.Mean[model.CPUBusyPct][5])
	}
}

// TestParquetEncodingChoice: each DECIMAL column is DELTA_BINARY_PACKED or
// BYTE_STREAM_SPLIT, whichever is smaller for its values: a smooth ramp
// (a filesystem filling) delta, memory in whole KiB byte stream split; either reads back bit for bit, and
// large whole byte counts stay whole (DECIMAL(18,0), not DOUBLE).
func TestParquetEncodingChoice(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	const n = 8640
	xs := make([]model.Sample, n)
	h := uint64(1)
	rnd := func() float64 { // xorshift: deterministic noise in [0, 1)
		h ^= h << 13
		h ^= h >> 7
		h ^= h << 17
		return float64(h>>11) / (1 << 53)
	}
	for i := range xs {
		x := model.NewSample(t0.Add(time.Duration(i)*5*time.Minute), 5*time.Minute)
		cpu := math.Round((20+10*rnd())*100) / 100
		x.Set(model.CPUBusyPct, cpu, cpu+10)
		mem := 16*float64(model.GiB) + 1024*math.Round(1e6*rnd())
		x.Set(model.MemUsedBytes, mem, mem+1024*math.Round(1e4*rnd()))
		fs := 13090499351760 + 4096*float64(i) // above 2^53/1e6: was rounded off its integer
		x.Set(model.FSUsedBytes, fs, fs+4096)
		xs[i] = x
	}
	dir := writeParquetServer(t, filepath.Join(t.TempDir(), "ds"), "srv", xs)
	pf := openParquet(t, filepath.Join(dir, ParquetFile))
	want := map[string]string{
		"mem_used_bytes_mean": "BYTE_STREAM_SPLIT DECIMAL(18,0)",
		"mem_used_bytes_max":  "BYTE_STREAM_SPLIT DECIMAL(18,0)",
		"fs_used_bytes_mean":  "DELTA_BINARY_PACKED DECIMAL(18,0)",
		"fs_used_bytes_max":   "DELTA_BINARY_PACKED DECIMAL(18,0)",
		"timestamp":           "DELTA_BINARY_PACKED INT(64,true)",
	}
	for _, c := range pf.Metadata().RowGroups[0].Columns {
		name := c.MetaData.PathInSchema[0]
		w, ok := want[name]
		if !ok {
			continue
		}
		l, _ := pf.Schema().Lookup(name)
		var encs []string
		for _, e := range c.MetaData.Encoding {
			if e != format.RLE { // the definition levels
				encs = append(encs, e.String())
			}
		}
		got := strings.Join(encs, ",")
		if lt := l.Node.Type().LogicalType(); lt != nil {
			got += " " + lt.String()
		}
		if got != w {
			t.Errorf("%s: %s, want %s", name, got, w)
		}
	}
	srv, err := ReadServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	csv := []byte(HeaderLine())
	for _, x := range xs {
		csv = AppendRow(csv, x)
	}
	var fromCSV model.Series
	if _, err := ReadSamples(bytes.NewReader(csv), "x.csv", &fromCSV); err != nil {
		t.Fatal(err)
	}
	sameSeries(t, "parquet", &srv.Series, &fromCSV)
	if got := srv.Series.Mean[model.FSUsedBytes][0]; got != 13090499351760 {
		t.Errorf("fs_used_bytes_mean %v, want 13090499351760", got)
	}
}

// TestRound6 checks the six-decimal rounding of written values, large
// values (which have no six decimals) unchanged.
func TestRound6(t *testing.T) {
	for _, c := range []struct{ v, want float64 }{
		{1.2345674, 1.234567},
		{1.2345675001, 1.234568},
		{0.0000004, 0},
		{9007199254.7409915, 9007199254.740992},
		{13090499351760, 13090499351760},
		{1.3090499351759998e13, 1.3090499351759998e13},
		{1e18, 1e18},
	} {
		if got := round6(c.v); got != c.want {
			t.Errorf("round6(%v) = %v, want %v", c.v, got, c.want)
		}
	}
	// Monotonic across the threshold: a mean at or below its max stays so.
	for v := math.Nextafter(round6Exact, 0); v < round6Exact+0.01; v = math.Nextafter(v, math.Inf(1)) + 1e-7 {
		if a, b := round6(v), round6(math.Nextafter(v, math.Inf(1))); a > b {
			t.Fatalf("round6(%v) = %v > round6(next) = %v", v, a, b)
		}
	}
}

// TestReadServerInto: reading into the buffers of a server read before
// gives the same samples as ReadServer (no stale rows or values from the
// longer server before, unmeasured metrics NaN again), in the same arrays.
func TestReadServerInto(t *testing.T) {
	root := t.TempDir()
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var long []model.Sample
	for i := range 50 {
		x := model.NewSample(t0.Add(time.Duration(i)*time.Minute), time.Minute)
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			x.Set(m, float64(i), float64(i+1))
		}
		long = append(long, x)
	}
	longDir := writeParquetServer(t, filepath.Join(root, "a"), "long", long)
	shortDir := writeParquetServer(t, filepath.Join(root, "b"), "short", parquetSamples())
	var buf model.Series
	first, err := ReadServerInto(longDir, &buf)
	if err != nil {
		t.Fatal(err)
	}
	buf = first.Series
	arr := &buf.Mean[model.NetRxBytesPerSec][0]
	got, err := ReadServerInto(shortDir, &buf)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ReadServer(shortDir)
	if err != nil {
		t.Fatal(err)
	}
	sameSeries(t, "into", &got.Series, &want.Series)
	if &got.Series.Mean[model.NetRxBytesPerSec][0] != arr {
		t.Error("the buffer's arrays were not reused")
	}
	if got.ID != "short" || got.Inventory.Hostname != "short" {
		t.Errorf("server %s (%s), want short", got.ID, got.Inventory.Hostname)
	}
}

// TestRowsClean: the column-by-column check passes exactly the rows that
// the row-by-row check leaves as they are.
func TestRowsClean(t *testing.T) {
	nan := math.NaN()
	row := func(f func(x *model.Sample)) *model.Series {
		x := model.NewSample(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), 5*time.Minute)
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			x.Set(m, 1, 2)
		}
		f(&x)
		var s model.Series
		s.Append(x)
		return &s
	}
	for _, c := range []struct {
		name string
		f    func(x *model.Sample)
		want bool
	}{
		{"clean", func(x *model.Sample) {}, true},
		{"unmeasured", func(x *model.Sample) { x.Set(model.NetRxBytesPerSec, nan, nan) }, true},
		{"mean equal max", func(x *model.Sample) { x.Set(model.DiskReadIOPS, 3, 3) }, true},
		{"CPU at 100.5", func(x *model.Sample) { x.Set(model.CPUBusyPct, 100.5, 100.5) }, true},
		{"mean only", func(x *model.Sample) { x.Set(model.DiskReadIOPS, 3, nan) }, false},
		{"max only", func(x *model.Sample) { x.Set(model.DiskReadIOPS, nan, 3) }, false},
		{"mean above max", func(x *model.Sample) { x.Set(model.MemUsedBytes, 3, 2) }, false},
		{"negative", func(x *model.Sample) { x.Set(model.MemUsedBytes, -1, 2) }, false},
		{"CPU above 100.5", func(x *model.Sample) { x.Set(model.CPUBusyPct, 1, 101) }, false},
		{"infinite", func(x *model.Sample) { x.Set(model.FSUsedBytes, 1, math.Inf(1)) }, false},
		{"before 1970", func(x *model.Sample) { x.Start = time.Unix(-1, 0) }, false},
		{"interval 0", func(x *model.Sample) { x.Interval = 0 }, false},
	} {
		if got := rowsClean(row(c.f), 0, 1); got != c.want {
			t.Errorf("%s: rowsClean = %v, want %v", c.name, got, c.want)
		}
	}
}
