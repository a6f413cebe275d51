package dataset

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
)

// ParquetFile is the samples file that Writer writes: the same columns as
// the samples CSV, in Parquet (docs/format.md).
const ParquetFile = "samples.parquet"

// ParquetFormatVersion is the format_version of a server directory whose
// samples are in ParquetFile. A reader of version 1 knows only CSV samples
// and would take such a server for one without samples, so the inventory
// says 2 and that reader refuses it by name instead.
const ParquetFormatVersion = 2

// maxFormatVersion is the highest format_version this build reads.
func maxFormatVersion() int { return max(model.FormatVersion, ParquetFormatVersion) }

// parquetRowGroupRows is the most rows in one row group: a server-month of
// 5-minute samples is 8,640 rows, so a month fits in one and a year of
// them in a few (docs/format.md).
const parquetRowGroupRows = 65536

// The metric columns are exact: the file holds what the CSV codec would
// read back, so a plan does not depend on the storage format. FLOAT
// (float32) would do for what they measure, but a plan read from it
// differs from the plan of the same data as CSV in the 7th significant
// digit (a fleet peak of 39.732933 reference cores becomes 39.732935).
// Instead a column whose values are all 6-decimal numbers is an INT64
// DECIMAL (writeParquet), any other DOUBLE. ReadParquet reads FLOAT
// columns too (files written by other tools).

// maxDecimalScale is the most decimals a DECIMAL column holds: the CSV
// codec rounds every value to 6.
const maxDecimalScale = 6

// exactInt is the largest integer a float64 holds exactly (2^53).
const exactInt = 1 << 53

// pow10 are the powers of ten up to maxDecimalScale, exact in float64.
var pow10 = [...]float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6}

// decimalScale returns the fewest decimals k (0..6) that hold every value
// of vs exactly as an INT64 DECIMAL: v*10^k rounds to an integer q below
// 2^53 with q/10^k == v, so that reading q/10^k gives v back bit for bit.
// It returns -1 when no k does (a value too large, or not a 6-decimal
// number), and 0 when vs has no value.
func decimalScale(vs []float64) int {
	k := 0
	for _, v := range vs {
		if math.IsNaN(v) {
			continue
		}
		for ; k <= maxDecimalScale; k++ {
			q := math.Round(v * pow10[k])
			if math.Abs(q) < exactInt && q/pow10[k] == v {
				break
			}
		}
		if k > maxDecimalScale {
			return -1
		}
	}
	return k
}

// floatScale is the "decimal scale" of a FLOAT column: a compact metric
// (SetPrecisionBits), written as BYTE_STREAM_SPLIT.
const floatScale = -2

// parquetSchema is the schema of a samples file whose metric columns have
// the given decimal scales (-1: DOUBLE, floatScale: FLOAT) and, for a DECIMAL column, split
// true for BYTE_STREAM_SPLIT in place of DELTA_BINARY_PACKED. The metric
// columns are OPTIONAL: a null is "not measured", as an empty CSV field.
func parquetSchema(scales *[2 * model.NumMetrics]int, split *[2 * model.NumMetrics]bool) *parquet.Schema {
	g := parquet.Group{
		"timestamp":    parquet.Encoded(parquet.Leaf(parquet.Int64Type), &parquet.DeltaBinaryPacked),
		"interval_sec": parquet.Encoded(parquet.Leaf(parquet.Int32Type), &parquet.DeltaBinaryPacked),
	}
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		for j, suffix := range []string{"_mean", "_max"} {
			var node parquet.Node
			switch k := scales[2*int(m)+j]; {
			case k == floatScale:
				node = parquet.Encoded(parquet.Leaf(parquet.FloatType), &parquet.ByteStreamSplit)
			case k < 0:
				node = parquet.Encoded(parquet.Leaf(parquet.DoubleType), &parquet.ByteStreamSplit)
			case split[2*int(m)+j]:
				node = parquet.Encoded(parquet.Decimal(k, 18, parquet.Int64Type), &parquet.ByteStreamSplit)
			default:
				node = parquet.Encoded(parquet.Decimal(k, 18, parquet.Int64Type), &parquet.DeltaBinaryPacked)
			}
			g[m.String()+suffix] = parquet.Optional(node)
		}
	}
	return parquet.NewSchema("kvmfit_samples", g)
}

// splitSampleValues is how many values of a DECIMAL column
// splitIsSmaller encodes both ways: enough to tell, a fraction of the
// column's cost.
const splitSampleValues = 2048

// splitIsSmaller tells whether the column's integers q (no nulls) take
// fewer bytes as BYTE_STREAM_SPLIT than as DELTA_BINARY_PACKED, both then
// compressed with zstd, judged on its first splitSampleValues values.
// Delta encoding wins on a column that moves smoothly (a growing
// filesystem, a steady memory size); byte stream split on one that
// jumps around a level (noisy CPU, IOPS), on multiples of a power of two
// (memory in whole KiB: a low byte always zero) and on values near the
// same size. Both read back exactly; the choice only changes the size.
func (e *encodeScratch) splitIsSmaller(q []int64) bool {
	q = q[:min(len(q), splitSampleValues)]
	if len(q) < 2 {
		return false
	}
	var err error
	if e.plain, err = parquet.DeltaBinaryPacked.EncodeInt64(e.plain[:0], q); err != nil {
		return false
	}
	if e.packed, err = parquetCodec.Encode(e.packed[:0], e.plain); err != nil {
		return false
	}
	delta := len(e.packed)
	if e.plain, err = parquet.ByteStreamSplit.EncodeInt64(e.plain[:0], q); err != nil {
		return false
	}
	if e.packed, err = parquetCodec.Encode(e.packed[:0], e.plain); err != nil {
		return false
	}
	return len(e.packed) < delta
}

// encodeScratch holds the buffers of splitIsSmaller.
type encodeScratch struct {
	q             []int64
	plain, packed []byte
}

// parquetCodec compresses every page: zstd at its default level (the
// better levels save 0.3 % at twice the CPU).
var parquetCodec = &zstd.Codec{}

// parquetColumns maps the columns of parquetSchema to their indices.
var parquetColumns = func() (c struct {
	ts, iv   int
	mean, mx [model.NumMetrics]int
}) {
	var doubles [2 * model.NumMetrics]int
	for k := range doubles {
		doubles[k] = -1
	}
	schema := parquetSchema(&doubles, new([2 * model.NumMetrics]bool))
	idx := func(name string) int {
		l, ok := schema.Lookup(name)
		if !ok {
			panic("dataset: no column " + name)
		}
		return l.ColumnIndex
	}
	c.ts, c.iv = idx("timestamp"), idx("interval_sec")
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		c.mean[m], c.mx[m] = idx(m.String()+"_mean"), idx(m.String()+"_max")
	}
	return c
}()

// parquetSink writes samples to a ParquetFile. It keeps the samples
// until close, which chooses each column's type from all its values (a
// server-month is 1.5 MB), then writes the file.
type parquetSink struct {
	f    *os.File
	s    model.Series
	bits int // compact storage's significant bits; 0: exact
}

func newParquetSink(f *os.File, bits int) *parquetSink { return &parquetSink{f: f, bits: bits} }

// add queues one sample, already checked and rounded.
func (p *parquetSink) add(x model.Sample) error {
	p.s.Append(x)
	return nil
}

// close writes the file, syncs and closes it.
func (p *parquetSink) close() error {
	err := writeParquet(p.f, &p.s, p.bits)
	p.s = model.Series{}
	if serr := p.f.Sync(); err == nil {
		err = serr
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeParquet writes s as a samples Parquet file to out. A metric column
// whose values are all numbers of at most 6 decimals below 2^53 in their
// smallest unit (what the CSV codec writes: percentages, rates, byte
// counts) is an INT64 DECIMAL, delta-encoded: exact, and a third of the
// size of the DOUBLE that holds any other column. With bits > 0 the
// Compact metrics' columns, already rounded to bits significant bits, are
// FLOAT, and the file's metadata says bits (PrecisionKey).
func writeParquet(out io.Writer, s *model.Series, bits int) error {
	var scales [2 * model.NumMetrics]int
	var split [2 * model.NumMetrics]bool
	var e encodeScratch
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		for j, vs := range [2][]float64{s.Mean[m], s.Max[m]} {
			if bits > 0 && Compact(m) {
				scales[2*int(m)+j] = floatScale
				for i, v := range vs {
					if !math.IsNaN(v) && float64(float32(v)) != v {
						// compactValue makes this impossible for a value
						// that Write accepts: never a silent change.
						return fmt.Errorf("%s row %d: %g is not exact in float32", m, i+1, v)
					}
				}
				continue
			}
			k := decimalScale(vs)
			scales[2*int(m)+j] = k
			if k < 0 {
				continue
			}
			e.q = e.q[:0]
			for _, v := range vs {
				if !math.IsNaN(v) {
					e.q = append(e.q, int64(math.Round(v*pow10[k])))
				}
			}
			split[2*int(m)+j] = e.splitIsSmaller(e.q)
		}
	}
	opts := []parquet.WriterOption{
		parquetSchema(&scales, &split),
		parquet.Compression(parquetCodec),
		parquet.MaxRowsPerRowGroup(parquetRowGroupRows),
		parquet.CreatedBy("kvmfit", "", ""),
	}
	if bits > 0 {
		opts = append(opts, parquet.KeyValueMetadata(PrecisionKey, strconv.Itoa(bits)))
	}
	w := parquet.NewWriter(out, opts...)
	c := &parquetColumns
	const batch = 4096
	rows := make([]parquet.Row, 0, batch)
	cells := make([]parquet.Value, batch*(2+2*int(model.NumMetrics)))
	for i := 0; i < s.Len(); i += batch {
		rows = rows[:0]
		for j := i; j < min(i+batch, s.Len()); j++ {
			row := parquet.Row(cells[(j-i)*(2+2*int(model.NumMetrics)):][:2+2*int(model.NumMetrics)])
			row[c.ts] = parquet.Int64Value(s.Start[j]).Level(0, 0, c.ts)
			row[c.iv] = parquet.Int32Value(s.IntervalSec[j]).Level(0, 0, c.iv)
			for m := model.Metric(0); m < model.NumMetrics; m++ {
				row[c.mean[m]] = metricValue(s.Mean[m][j], scales[2*int(m)], c.mean[m])
				row[c.mx[m]] = metricValue(s.Max[m][j], scales[2*int(m)+1], c.mx[m])
			}
			rows = append(rows, row)
		}
		if _, err := w.WriteRows(rows); err != nil {
			return err
		}
	}
	return w.Close()
}

// metricValue is the value of a metric column of the given decimal scale
// (-1: DOUBLE, floatScale: FLOAT): null when not measured.
func metricValue(v float64, scale, col int) parquet.Value {
	switch {
	case math.IsNaN(v):
		return parquet.NullValue().Level(0, 0, col)
	case scale == floatScale:
		return parquet.FloatValue(float32(v)).Level(0, 1, col)
	case scale >= 0:
		return parquet.Int64Value(int64(math.Round(v*pow10[scale]))).Level(0, 1, col)
	default:
		return parquet.DoubleValue(v).Level(0, 1, col)
	}
}

// ReadParquet parses a samples Parquet file of size bytes from r, appending
// its rows to s. name is used in errors, which have the form of
// model.SampleParseError with the 1-based row number as the line. Like
// ReadSamples, it accepts the columns it knows (FLOAT or DOUBLE metric
// columns, INT32 or INT64 timestamp and interval_sec), ignores others with
// one warning, and takes a missing metric column for "not measured", so
// that a file rewritten by another tool (DuckDB, pandas) reads the same. A
// corrupt file is an error naming it, never a panic.
func ReadParquet(r io.ReaderAt, size int64, name string, s *model.Series) (warnings []error, err error) {
	defer func() {
		if p := recover(); p != nil {
			warnings, err = nil, &model.SampleParseError{File: name, Err: fmt.Errorf("corrupt Parquet file: %v", p)}
		}
	}()
	pf, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, &model.SampleParseError{File: name, Err: fmt.Errorf("not a readable Parquet file: %w", err)}
	}
	cols, warnings, err := parquetFileColumns(pf, name)
	if err != nil {
		return warnings, err
	}
	// A compact file says so in every plan and `kvmfit show` of it.
	if bits, err := parsePrecision(pf.Lookup(PrecisionKey)); err != nil {
		warnings = append(warnings, fmt.Errorf("%s: %w", name, err))
	} else if bits > 0 {
		warnings = append(warnings, fmt.Errorf("%s: samples stored compact, to %s (--precision-bits %d)", name, PrecisionText(bits), bits))
	}
	// A corrupt footer may claim any number of rows, and the reader sizes
	// the series from it: rows are bounded by the file's size (a generous
	// 200 a byte, more than constant columns compress to).
	if rows, most := pf.NumRows(), 200*size+200_000; rows < 0 || rows > most {
		return warnings, &model.SampleParseError{File: name, Err: fmt.Errorf("not a readable Parquet file: it claims %d rows in %d bytes", rows, size)}
	}
	row0 := 0 // rows of the previous row groups
	var rd columnReader
	for _, rg := range pf.RowGroups() {
		n := int(rg.NumRows())
		if n < 0 || n > 1<<28 {
			return warnings, &model.SampleParseError{File: name, Line: row0 + 1, Err: fmt.Errorf("row group of %d rows", n)}
		}
		chunks := rg.ColumnChunks()
		base := s.Len()
		grow(s, n)
		for _, c := range cols {
			if c.index >= len(chunks) {
				return warnings, &model.SampleParseError{File: name, Line: row0 + 1, Err: fmt.Errorf("row group has no column %s", c.name)}
			}
			var dst []float64
			switch c.kind {
			case colMetric:
				dst = s.Mean[c.metric][base:]
				if c.isMax {
					dst = s.Max[c.metric][base:]
				}
			}
			got, err := rd.read(chunks[c.index], c, n, s.Start[base:], s.IntervalSec[base:], dst)
			if err != nil {
				s.Truncate(base)
				return warnings, &model.SampleParseError{File: name, Line: row0 + got + 1, Field: c.name, Err: err}
			}
		}
		if rowsClean(s, base, n) {
			row0 += n
			continue
		}
		minTS, maxTS := minTimestamp.Unix(), maxTimestamp.Unix()
		for i := base; i < base+n; i++ {
			line := row0 + i - base + 1
			fail := func(field string, err error) ([]error, error) {
				s.Truncate(base)
				return warnings, &model.SampleParseError{File: name, Line: line, Field: field, Err: err}
			}
			if ts := s.Start[i]; ts < minTS || ts >= maxTS {
				return fail("timestamp", checkStart(time.Unix(ts, 0)))
			}
			if iv := s.IntervalSec[i]; iv <= 0 || iv > maxIntervalSec {
				return fail("interval_sec", fmt.Errorf("%d is not a whole number of seconds in 1..%d", iv, maxIntervalSec))
			}
			for m := model.Metric(0); m < model.NumMetrics; m++ {
				mean, mx := s.Mean[m][i], s.Max[m][i]
				// What checkValue accepts, without the call: in range (NaN
				// and infinities are not).
				lim := maxReasonable
				if m == model.CPUBusyPct {
					lim = maxCPUPct
				}
				if !(mean >= 0 && mean <= lim) && !math.IsNaN(mean) {
					return fail(m.String()+"_mean", checkValue(m, mean))
				}
				if !(mx >= 0 && mx <= lim) && !math.IsNaN(mx) {
					return fail(m.String()+"_max", checkValue(m, mx))
				}
				switch {
				case math.IsNaN(mean) && math.IsNaN(mx):
				case math.IsNaN(mean):
					s.Mean[m][i] = mx
				case math.IsNaN(mx):
					s.Max[m][i] = mean
				case mean > mx*(1+meanAboveMaxTol)+meanAboveMaxTol:
					return fail(m.String()+"_mean", fmt.Errorf("mean %g is above max %g", mean, mx))
				case mean > mx:
					s.Mean[m][i] = mx
				}
			}
		}
		row0 += n
	}
	return warnings, nil
}

// rowsClean tells whether rows base..base+n of s need nothing from the
// row-by-row check in ReadParquet: every time and interval in range, and
// every metric either unmeasured (mean and max null) or both in range with
// mean ≤ max. It checks column by column (the check row by row, which
// names the first bad row and fills or clamps, runs only when it says no).
func rowsClean(s *model.Series, base, n int) bool {
	minTS, maxTS := minTimestamp.Unix(), maxTimestamp.Unix()
	for _, ts := range s.Start[base : base+n] {
		if ts < minTS || ts >= maxTS {
			return false
		}
	}
	for _, iv := range s.IntervalSec[base : base+n] {
		if iv <= 0 || iv > maxIntervalSec {
			return false
		}
	}
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		lim := maxReasonable
		if m == model.CPUBusyPct {
			lim = maxCPUPct
		}
		maxes := s.Max[m][base : base+n]
		for i, mean := range s.Mean[m][base : base+n] {
			mx := maxes[i]
			if mean >= 0 && mean <= mx && mx <= lim {
				continue
			}
			if mean != mean && mx != mx {
				continue // not measured
			}
			return false
		}
	}
	return true
}

// grow appends n rows to s: unmeasured (NaN) metrics, zero times. It
// reuses the columns' spare capacity (ReadServerInto).
func grow(s *model.Series, n int) {
	k := len(s.Start)
	s.Start = slices.Grow(s.Start, n)[:k+n]
	clear(s.Start[k:])
	s.IntervalSec = slices.Grow(s.IntervalSec, n)[:k+n]
	clear(s.IntervalSec[k:])
	nan := math.NaN()
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		for _, col := range []*[]float64{&s.Mean[m], &s.Max[m]} {
			k := len(*col)
			*col = slices.Grow(*col, n)[:k+n]
			for i := k; i < len(*col); i++ {
				(*col)[i] = nan
			}
		}
	}
}

// columnReader reads column chunks into the columns of a Series.
type columnReader struct {
	buf []parquet.Value
}

// read reads the n values of chunk, column c, into ts, iv or dst (by the
// column's kind): a null metric stays NaN. It returns how many values were
// read before an error.
func (rd *columnReader) read(chunk parquet.ColumnChunk, c parquetColumn, n int, ts []int64, iv []int32, dst []float64) (got int, err error) {
	pages := chunk.Pages()
	defer pages.Close()
	for {
		page, err := pages.ReadPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			return got, err
		}
		k, err := rd.page(page, c, n-got, ts[got:], iv[got:], dst[min(got, len(dst)):])
		parquet.Release(page)
		got += k
		if err != nil {
			return got, err
		}
	}
	if got != n {
		return got, fmt.Errorf("column has %d values, its row group %d rows", got, n)
	}
	return got, nil
}

// page reads one page of at most room values.
func (rd *columnReader) page(page parquet.Page, c parquetColumn, room int, ts []int64, iv []int32, dst []float64) (int, error) {
	nv := page.NumValues()
	if nv < 0 || nv > int64(room) {
		return 0, fmt.Errorf("page of %d values, %d rows left", nv, room)
	}
	n := int(nv)
	if page.Dictionary() == nil && page.RepetitionLevels() == nil {
		// Plain, delta or byte-stream-split data: decoded values, one per
		// definition level of 1 (none for a REQUIRED column).
		data := page.Data()
		def := page.DefinitionLevels()
		if def != nil && len(def) != n {
			return 0, fmt.Errorf("%d definition levels, %d values", len(def), n)
		}
		switch c.kind {
		case colTimestamp, colInterval:
			if def != nil {
				for i, d := range def {
					if d == 0 {
						return i, errors.New("missing")
					}
				}
			}
			switch data.Kind() {
			case encoding.Int64:
				v := data.Int64()
				if len(v) != n {
					return 0, fmt.Errorf("%d values, %d expected", len(v), n)
				}
				for i, x := range v {
					if c.kind == colTimestamp {
						ts[i] = x
					} else {
						iv[i] = clampInt32(x, parquet.Int64)
					}
				}
				return n, nil
			case encoding.Int32:
				v := data.Int32()
				if len(v) != n {
					return 0, fmt.Errorf("%d values, %d expected", len(v), n)
				}
				for i, x := range v {
					if c.kind == colTimestamp {
						ts[i] = int64(x)
					} else {
						iv[i] = x
					}
				}
				return n, nil
			}
		case colMetric:
			var f64 []float64
			var f32 []float32
			var i64 []int64
			var i32 []int32
			switch data.Kind() {
			case encoding.Double:
				f64 = data.Double()
			case encoding.Float:
				f32 = data.Float()
			case encoding.Int64:
				i64 = data.Int64()
			case encoding.Int32:
				i32 = data.Int32()
			default:
				return 0, fmt.Errorf("column data of kind %v", data.Kind())
			}
			present := max(len(f64), len(f32), len(i64), len(i32))
			at := func(j int) float64 {
				switch {
				case f64 != nil:
					return f64[j]
				case f32 != nil:
					return float64(f32[j])
				case i64 != nil:
					return float64(i64[j]) / c.div
				default:
					return float64(i32[j]) / c.div
				}
			}
			if def == nil {
				if present != n {
					return 0, fmt.Errorf("%d values, %d expected", present, n)
				}
				switch {
				case f64 != nil:
					copy(dst, f64)
				case i64 != nil:
					for i, x := range i64 {
						dst[i] = float64(x) / c.div
					}
				default:
					for i := range n {
						dst[i] = at(i)
					}
				}
				return n, nil
			}
			j := 0
			if i64 != nil && len(def) == present {
				// No nulls: the common case of a DECIMAL column.
				for i, x := range i64 {
					dst[i] = float64(x) / c.div
				}
				return n, nil
			}
			for i, d := range def {
				if d == 0 {
					continue
				}
				if j >= present {
					return i, fmt.Errorf("more definition levels than values (%d)", present)
				}
				dst[i] = at(j)
				j++
			}
			if j != present {
				return n, fmt.Errorf("%d values, %d defined", present, j)
			}
			return n, nil
		}
	}
	// Any other page (dictionary-encoded, as pandas and DuckDB write by
	// default): value by value.
	if rd.buf == nil {
		rd.buf = make([]parquet.Value, 1024)
	}
	vr := page.Values()
	got := 0
	for {
		k, err := vr.ReadValues(rd.buf)
		for _, v := range rd.buf[:k] {
			if got >= n {
				return got, fmt.Errorf("page has more than %d values", n)
			}
			switch c.kind {
			case colTimestamp, colInterval:
				if v.IsNull() {
					return got, errors.New("missing")
				}
				if c.kind == colTimestamp {
					ts[got] = v.Int64()
				} else {
					iv[got] = clampInt32(v.Int64(), v.Kind())
				}
			default:
				switch {
				case v.IsNull():
				case v.Kind() == parquet.Float:
					dst[got] = float64(v.Float())
				case v.Kind() == parquet.Int64, v.Kind() == parquet.Int32:
					dst[got] = float64(v.Int64()) / c.div
				default:
					dst[got] = v.Double()
				}
			}
			got++
		}
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
	}
}

// clampInt32 returns an INT32 or INT64 interval as an int32, or -1 when it
// does not fit (rejected as out of range by the caller).
func clampInt32(v int64, k parquet.Kind) int32 {
	if k == parquet.Int32 {
		return int32(v)
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return -1
	}
	return int32(v)
}

const (
	colMetric = iota
	colTimestamp
	colInterval
)

// parquetColumn is a column of a samples Parquet file that is read.
type parquetColumn struct {
	name   string
	index  int
	kind   int
	slot   int // index into the per-metric value buffers
	metric model.Metric
	isMax  bool
	div    float64 // 10^scale of a DECIMAL metric column, else 1
}

// parquetFileColumns checks the schema of pf and returns the columns to
// read, the timestamp and interval first.
func parquetFileColumns(pf *parquet.File, name string) ([]parquetColumn, []error, error) {
	var cols []parquetColumn
	var warnings []error
	var unknown []string
	hasTS, hasIV := false, false
	for i, path := range pf.Schema().Columns() {
		if len(path) != 1 {
			unknown = append(unknown, fmt.Sprint(path))
			continue
		}
		h := path[0]
		leaf, ok := pf.Schema().Lookup(h)
		if !ok || leaf.Node.Repeated() {
			unknown = append(unknown, h)
			continue
		}
		kind := leaf.Node.Type().Kind()
		c := parquetColumn{name: h, index: i}
		switch {
		case h == "timestamp":
			if kind != parquet.Int64 && kind != parquet.Int32 {
				return nil, warnings, &model.SampleParseError{File: name, Field: h, Err: fmt.Errorf("column type %s, want INT64 seconds", kind)}
			}
			c.kind, hasTS = colTimestamp, true
		case h == "interval_sec":
			if kind != parquet.Int64 && kind != parquet.Int32 {
				return nil, warnings, &model.SampleParseError{File: name, Field: h, Err: fmt.Errorf("column type %s, want INT32 seconds", kind)}
			}
			c.kind, hasIV = colInterval, true
		default:
			m, isMax, ok := metricColumn(h)
			if !ok {
				unknown = append(unknown, h)
				continue
			}
			c.div = 1
			switch kind {
			case parquet.Float, parquet.Double:
			case parquet.Int64, parquet.Int32:
				var dec *format.DecimalType
				if lt := leaf.Node.Type().LogicalType(); lt != nil {
					dec, _ = lt.Value.(*format.DecimalType)
				}
				if dec == nil || dec.Scale < 0 || dec.Scale > 18 {
					return nil, warnings, &model.SampleParseError{File: name, Field: h, Err: fmt.Errorf("column type %s without a DECIMAL scale", kind)}
				}
				c.div = math.Pow10(int(dec.Scale))
			default:
				return nil, warnings, &model.SampleParseError{File: name, Field: h, Err: fmt.Errorf("column type %s, want DOUBLE, FLOAT or DECIMAL", kind)}
			}
			c.kind, c.metric, c.isMax = colMetric, m, isMax
			c.slot = 2 * int(m)
			if isMax {
				c.slot++
			}
		}
		cols = append(cols, c)
	}
	if !hasTS || !hasIV {
		return nil, warnings, &model.SampleParseError{File: name, Err: errors.New("schema must have timestamp and interval_sec columns")}
	}
	if len(unknown) > 0 {
		warnings = append(warnings, fmt.Errorf("%s: unknown columns ignored: %v", name, unknown))
	}
	// Timestamps and intervals first, so that the metric loops can index them.
	out := make([]parquetColumn, 0, len(cols))
	for _, k := range []int{colTimestamp, colInterval, colMetric} {
		for _, c := range cols {
			if c.kind == k {
				out = append(out, c)
			}
		}
	}
	return out, warnings, nil
}

// metricColumn parses a <metric>_mean or <metric>_max column name.
func metricColumn(h string) (m model.Metric, isMax, ok bool) {
	for _, suffix := range []string{"_mean", "_max"} {
		if len(h) > len(suffix) && h[len(h)-len(suffix):] == suffix {
			m, ok = model.MetricByName(h[:len(h)-len(suffix)])
			return m, suffix == "_max", ok
		}
	}
	return 0, false, false
}
