package model

import (
	"fmt"
	"math"
	"time"
)

// Series holds a server's samples in time order, column by column.
// Sample i covers [Start[i], Start[i]+Interval[i]). A metric that was not
// measured in a sample is NaN in both Mean and Max.
type Series struct {
	// Start is the start of each interval, Unix seconds UTC.
	Start []int64
	// IntervalSec is the length of each interval in seconds (> 0).
	IntervalSec []int32
	Mean        [NumMetrics][]float64
	Max         [NumMetrics][]float64
}

// Len returns the number of samples.
func (s *Series) Len() int { return len(s.Start) }

// Sample is one row of a samples file.
type Sample struct {
	Start    time.Time
	Interval time.Duration
	Mean     [NumMetrics]float64 // NaN = not measured
	Max      [NumMetrics]float64 // NaN = not measured
}

// NewSample returns a sample with every metric unmeasured (NaN).
func NewSample(start time.Time, interval time.Duration) Sample {
	s := Sample{Start: start.UTC(), Interval: interval}
	for m := range s.Mean {
		s.Mean[m] = math.NaN()
		s.Max[m] = math.NaN()
	}
	return s
}

// Set records the mean and max of metric m.
func (s *Sample) Set(m Metric, mean, max float64) {
	s.Mean[m] = mean
	s.Max[m] = max
}

// Append adds one sample to the series.
func (s *Series) Append(x Sample) {
	s.Start = append(s.Start, x.Start.Unix())
	s.IntervalSec = append(s.IntervalSec, int32(x.Interval/time.Second))
	for m := Metric(0); m < NumMetrics; m++ {
		s.Mean[m] = append(s.Mean[m], x.Mean[m])
		s.Max[m] = append(s.Max[m], x.Max[m])
	}
}

// Truncate keeps the first n samples.
func (s *Series) Truncate(n int) {
	s.Start = s.Start[:n]
	s.IntervalSec = s.IntervalSec[:n]
	for m := Metric(0); m < NumMetrics; m++ {
		s.Mean[m] = s.Mean[m][:n]
		s.Max[m] = s.Max[m][:n]
	}
}

// At returns sample i.
func (s *Series) At(i int) Sample {
	x := Sample{Start: time.Unix(s.Start[i], 0).UTC(), Interval: time.Duration(s.IntervalSec[i]) * time.Second}
	for m := Metric(0); m < NumMetrics; m++ {
		x.Mean[m] = s.Mean[m][i]
		x.Max[m] = s.Max[m][i]
	}
	return x
}

// Has reports whether metric m was measured in at least one sample.
func (s *Series) Has(m Metric) bool {
	for _, v := range s.Mean[m] {
		if !math.IsNaN(v) {
			return true
		}
	}
	return false
}

// Split returns the samples of s that start before at and those that start
// at or after it. A sample is never cut: one that straddles at stays whole
// in the first part. The parts share no memory with s.
func (s *Series) Split(at time.Time) (before, after Series) {
	cut := at.Unix()
	for i := 0; i < s.Len(); i++ {
		x := s.At(i)
		if s.Start[i] < cut {
			before.Append(x)
		} else {
			after.Append(x)
		}
	}
	return before, after
}

// Server is one server of a dataset: its directory name, inventory and samples.
type Server struct {
	// ID is the server's directory name inside the dataset, unique per dataset.
	ID        string
	Dir       string
	Inventory Inventory
	Series    Series
	// Warnings are non-fatal problems met while reading (a torn last line, ...).
	Warnings []error
}

// SampleParseError is a malformed value in a file of samples: a dataset's
// samples file (model/dataset) or a trace an importer reads. Its form is
// "FILE:LINE: field NAME: problem"; in a Parquet samples file LINE is the
// 1-based row, and a problem with the whole file (its footer, its schema)
// has no LINE: "FILE: problem".
type SampleParseError struct {
	File  string
	Line  int
	Field string
	Err   error
}

func (e *SampleParseError) Error() string {
	if e.Line == 0 {
		if e.Field == "" {
			return fmt.Sprintf("%s: %v", e.File, e.Err)
		}
		return fmt.Sprintf("%s: field %s: %v", e.File, e.Field, e.Err)
	}
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: field %s: %v", e.File, e.Line, e.Field, e.Err)
}

func (e *SampleParseError) Unwrap() error { return e.Err }
