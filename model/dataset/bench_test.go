package dataset

import (
	"bytes"
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
