package profile

import (
	"math"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/internal/modeltest"
)

// benchSeries returns n samples of ivSec seconds from t0 with every metric
// measured.
func benchSeries(n, ivSec int) *model.Series {
	s := &model.Series{}
	for i := 0; i < n; i++ {
		x := model.NewSample(modeltest.Sec(i*ivSec), time.Duration(ivSec)*time.Second)
		for m := model.Metric(0); m < model.NumMetrics; m++ {
			v := 50 + 40*math.Sin(float64(i)/97+float64(m))
			x.Set(m, v, v*1.1) // at most 99: a valid CPU %
		}
		s.Append(x)
	}
	return s
}

// BenchmarkAlign aligns one server's 30 days of 60 s samples onto 300 s.
func BenchmarkAlign(b *testing.B) {
	s := benchSeries(30*1440, 60)
	g := DayGrid(s, 300*time.Second)
	for b.Loop() {
		Align(s, g)
	}
	b.ReportMetric(float64(s.Len())*float64(b.N)/b.Elapsed().Seconds(), "samples/sec")
}
