package profile_test

import (
	"fmt"
	"math"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
)

// The 95th percentile of 20 daily peaks is the 19th smallest (⌈0.95 × 20⌉ =
// 19); NaNs (days without data) are dropped.
func ExampleQuantile() {
	peaks := []float64{12, 3, 5, 20, 8, 1, 9, 14, 2, 7, 11, 4, 6, 18, 10, 13, 16, 15, 17, 19}
	fmt.Println(profile.Quantile(0.95, peaks))
	fmt.Println(profile.Quantile(0.5, []float64{4, 3, 2, 1}))
	fmt.Println(profile.Quantile(0.95, []float64{40, 90, math.NaN()}))
	// Output:
	// 19
	// 2
	// 90
}

// Five one-minute samples become one five-minute slot: the time-weighted
// mean of the means and the largest max. The next slot is only 2 minutes
// covered, less than half: a gap.
func ExampleAlign() {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var s model.Series
	for i, cpu := range []float64{10, 20, 30, 40, 50, 60, 70} {
		x := model.NewSample(start.Add(time.Duration(i)*time.Minute), time.Minute)
		x.Set(model.CPUBusyPct, cpu, cpu+5)
		s.Append(x)
	}
	a := profile.Align(&s, profile.DayGrid(&s, 5*time.Minute))
	fmt.Println(a.Grid.Slots, "slots from", a.Grid.Start.Format(time.RFC3339))
	for t := 0; t < 2; t++ {
		fmt.Printf("%s mean %.1f max %.1f\n", a.Grid.SlotStart(t).Format("15:04"), a.Mean[model.CPUBusyPct][t], a.Max[model.CPUBusyPct][t])
	}
	// Output:
	// 288 slots from 2026-01-05T00:00:00Z
	// 00:00 mean 30.0 max 55.0
	// 00:05 mean NaN max NaN
}
