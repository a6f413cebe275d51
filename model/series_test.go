package model

import (
	"testing"
	"time"
)

func TestSeriesSplit(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var s Series
	for i, iv := range []int{60, 120, 60} { // starts 0, 60 s, 120 s
		x := NewSample(t0.Add(time.Duration(i)*time.Minute), time.Duration(iv)*time.Second)
		x.Set(CPUBusyPct, float64(i), float64(i)+1)
		s.Append(x)
	}
	// At 90 s: the second sample (60 s..180 s) straddles it and stays whole
	// in the first part.
	before, after := s.Split(t0.Add(90 * time.Second))
	if before.Len() != 2 || after.Len() != 1 || after.Start[0] != t0.Unix()+120 || before.IntervalSec[1] != 120 {
		t.Fatalf("split at 90 s: before %v, after %v", before.Start, after.Start)
	}
	if after.Mean[CPUBusyPct][0] != 2 || after.Max[CPUBusyPct][0] != 3 {
		t.Errorf("after: mean %v max %v", after.Mean[CPUBusyPct], after.Max[CPUBusyPct])
	}
	// The parts are copies.
	before.Mean[CPUBusyPct][0] = 99
	if s.Mean[CPUBusyPct][0] != 0 {
		t.Error("Split shares memory with the series")
	}
	if b, a := s.Split(t0); b.Len() != 0 || a.Len() != 3 {
		t.Errorf("split at the first start: %d before, %d after", b.Len(), a.Len())
	}
}
