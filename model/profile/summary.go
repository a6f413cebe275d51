package profile

import (
	"math"
	"path/filepath"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// MetricSummary is the mean, 95th percentile and maximum of one metric.
// Mean is time-weighted over the interval means; P95 is taken over the
// interval means; Max is the largest interval max. All are NaN when the
// metric was never measured.
type MetricSummary struct {
	Mean float64
	P95  float64
	Max  float64
}

// Summary is what a server's samples hold, as `kvmfit show` prints it.
type Summary struct {
	ID      string
	Samples int
	First   time.Time // start of the first interval
	Last    time.Time // end of the last interval
	// CoveragePct is the share of [First, Last) covered by samples.
	CoveragePct float64
	// IntervalSec is the most common interval length.
	IntervalSec int
	Metrics     [model.NumMetrics]MetricSummary
}

// Summarize computes the Summary of a server.
func Summarize(srv *model.Server) Summary {
	s := &srv.Series
	out := Summary{ID: srv.ID, Samples: s.Len()}
	for m := range out.Metrics {
		out.Metrics[m] = MetricSummary{math.NaN(), math.NaN(), math.NaN()}
	}
	if s.Len() == 0 {
		return out
	}
	out.First = time.Unix(s.Start[0], 0).UTC()
	out.Last = time.Unix(s.Start[s.Len()-1]+int64(s.IntervalSec[s.Len()-1]), 0).UTC()
	if span := out.Last.Sub(out.First).Seconds(); span > 0 {
		out.CoveragePct = 100 * float64(CoveredSeconds(s)) / span
	}
	counts := map[int32]int{}
	for _, iv := range s.IntervalSec {
		counts[iv]++
	}
	best := 0
	for iv, c := range counts {
		if c > best || c == best && int(iv) < out.IntervalSec {
			best, out.IntervalSec = c, int(iv)
		}
	}
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		var sum, w float64
		mx := math.NaN()
		for i, v := range s.Mean[m] {
			if math.IsNaN(v) {
				continue
			}
			iv := float64(s.IntervalSec[i])
			sum += v * iv
			w += iv
			x := s.Max[m][i]
			if math.IsNaN(x) {
				x = v // a mean without a max: the mean bounds it
			}
			if math.IsNaN(mx) || x > mx {
				mx = x
			}
		}
		if w == 0 {
			continue
		}
		out.Metrics[m] = MetricSummary{Mean: sum / w, P95: Quantile(0.95, s.Mean[m]), Max: mx}
	}
	return out
}

// DatasetSummary is one server of a dataset as `kvmfit show` prints it:
// where it is, what its inventory says, what its samples hold and what
// reading them warned about.
type DatasetSummary struct {
	Dataset  string
	Hostname string
	Source   string
	Summary
	Warnings []string
}

// SummarizeDatasets reads every server of the dataset directories dirs
// (model/dataset.Read) and summarises it, in order.
func SummarizeDatasets(dirs []string) ([]DatasetSummary, error) {
	var out []DatasetSummary
	for _, dir := range dirs {
		servers, err := dataset.Read(dir)
		if err != nil {
			return nil, err
		}
		for _, srv := range servers {
			d := DatasetSummary{Dataset: filepath.Clean(dir), Hostname: srv.Inventory.Hostname, Source: srv.Inventory.Source,
				Summary: Summarize(srv), Warnings: []string{}}
			for _, w := range srv.Warnings {
				d.Warnings = append(d.Warnings, w.Error())
			}
			out = append(out, d)
		}
	}
	return out, nil
}
