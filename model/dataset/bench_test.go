package dataset

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

// BenchmarkReadSamples parses a month of 300 s rows (8640).
func BenchmarkReadSamples(b *testing.B) {
	s := modeltest.BenchSeries(8640, 300)
	data := []byte(HeaderLine())
	for i := 0; i < s.Len(); i++ {
		data = AppendRow(data, s.At(i))
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var out model.Series
		if _, err := ReadSamples(bytes.NewReader(data), "bench.csv", &out); err != nil || out.Len() != s.Len() {
			b.Fatal(err, out.Len())
		}
	}
	b.ReportMetric(float64(s.Len())*float64(b.N)/b.Elapsed().Seconds(), "rows/sec")
}

// BenchmarkReadParquet reads the same month as BenchmarkReadSamples from a
// samples Parquet file, and reports its size per row.
func BenchmarkReadParquet(b *testing.B) {
	s := modeltest.BenchSeries(8640, 300)
	dir := writeParquetServer(b, filepath.Join(b.TempDir(), "ds"), "s", seriesSamples(s))
	data, err := os.ReadFile(filepath.Join(dir, ParquetFile))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var out model.Series
		if _, err := ReadParquet(bytes.NewReader(data), int64(len(data)), "bench.parquet", &out); err != nil || out.Len() != s.Len() {
			b.Fatal(err, out.Len())
		}
	}
	b.ReportMetric(float64(s.Len())*float64(b.N)/b.Elapsed().Seconds(), "rows/sec")
	b.ReportMetric(float64(len(data))/float64(s.Len()), "bytes/row")
}

// BenchmarkWriteParquet writes a month of 300 s rows through ServerWriter.
func BenchmarkWriteParquet(b *testing.B) {
	xs := seriesSamples(modeltest.BenchSeries(8640, 300))
	root := b.TempDir()
	i := 0
	for b.Loop() {
		i++
		writeParquetServer(b, filepath.Join(root, strconv.Itoa(i)), "s", xs)
	}
	b.ReportMetric(float64(len(xs))*float64(b.N)/b.Elapsed().Seconds(), "rows/sec")
}

// BenchmarkReadDataset reads every server of the dataset named by
// $KVMFIT_BENCH_DATA (skipped when unset) one at a time, as profiling
// does, e.g. the same fleet generated as Parquet and converted to CSV.
func BenchmarkReadDataset(b *testing.B) {
	dir := os.Getenv("KVMFIT_BENCH_DATA")
	if dir == "" {
		b.Skip("KVMFIT_BENCH_DATA not set")
	}
	dirs, err := ServerDirs(dir)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		rows := 0
		for _, d := range dirs {
			srv, err := ReadServer(d)
			if err != nil {
				b.Fatal(err)
			}
			rows += srv.Series.Len()
		}
		b.ReportMetric(float64(rows), "rows")
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/float64(len(dirs))*1e3, "ms/server")
}

// seriesSamples returns the samples of s in order.
func seriesSamples(s *model.Series) []model.Sample {
	xs := make([]model.Sample, s.Len())
	for i := range xs {
		xs[i] = s.At(i)
	}
	return xs
}
