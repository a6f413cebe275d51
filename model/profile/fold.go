package profile

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// FoldDays folds a series on a day grid into one day: slot j of the
// result is the p-th percentile (0 < pct ≤ 100) of x[j], x[j+slotsPerDay],
// x[j+2·slotsPerDay], ... over the slots that hold data. A time of day with
// no data on any day is NaN; empty counts them.
func FoldDays(x []float64, slotsPerDay int, pct float64) (prof []float64, empty int) {
	if slotsPerDay <= 0 || len(x)%slotsPerDay != 0 {
		panic("model: FoldDays with a series that is not whole days")
	}
	return Fold(x, 0, slotsPerDay, pct)
}

// Fold folds x into one period of the given number of slots: slot t
// of x falls in slot (offset + t) mod period of the result, and each result
// slot is the pct-th percentile (Quantile) of the values that fall in it,
// ignoring NaNs. A slot that no value falls in is NaN; empty counts them.
// With offset 0 and period = slots per day it is FoldDays; with period
// = slots per week and offset = the slots from Monday 00:00 to x[0], the
// time-of-week profile.
func Fold(x []float64, offset, period int, pct float64) (prof []float64, empty int) {
	if period <= 0 || offset < 0 {
		panic("model: Fold with a non-positive period or negative offset")
	}
	prof = make([]float64, period)
	col := make([]float64, 0, len(x)/period+2)
	for j := range prof {
		col = col[:0]
		// The first t with (offset + t) mod period == j.
		t0 := ((j-offset)%period + period) % period
		for t := t0; t < len(x); t += period {
			col = append(col, x[t])
		}
		prof[j] = quantileInPlace(pct/100, col) // col is scratch
		if math.IsNaN(prof[j]) {
			empty++
		}
	}
	return prof, empty
}

// foldMulti is Fold at each of the percentiles pcts (0 < pct ≤ 100):
// profs[i] is what Fold(x, offset, period, pcts[i]) returns, the same
// values, from one sort of each slot's values instead of one selection
// per percentile.
func foldMulti(x []float64, offset, period int, pcts []float64) (profs [][]float64, empty int) {
	if period <= 0 || offset < 0 {
		panic("model: Fold with a non-positive period or negative offset")
	}
	for _, pct := range pcts {
		if !(pct >= 0 && pct <= 100) {
			panic("model: Quantile with p outside [0, 1]")
		}
	}
	profs = make([][]float64, len(pcts))
	for i := range profs {
		profs[i] = make([]float64, period)
	}
	col := make([]float64, 0, len(x)/period+2)
	for j := range period {
		col = col[:0]
		for t := ((j-offset)%period + period) % period; t < len(x); t += period {
			if v := x[t]; !math.IsNaN(v) {
				col = append(col, v)
			}
		}
		if len(col) == 0 {
			for i := range profs {
				profs[i][j] = math.NaN()
			}
			empty++
			continue
		}
		slices.Sort(col)
		for i, pct := range pcts {
			profs[i][j] = col[rank(pct/100, len(col))-1]
		}
	}
	return profs, empty
}

// foldRowsMulti is foldRows at each of the percentiles pcts, from one
// sort per slot (foldMulti); the warnings are those of pcts[0].
func foldRowsMulti(row []float64, d model.Dim, spd int, start time.Time, pcts []float64, kind model.ProfileKind) ([][]float64, []string) {
	var warns []string
	profs, empty := foldMulti(row, 0, spd, pcts)
	if empty > 0 {
		for _, prof := range profs {
			peak := 0.0
			for _, v := range prof {
				if v > peak {
					peak = v
				}
			}
			for j, v := range prof {
				if math.IsNaN(v) {
					prof[j] = peak
				}
			}
		}
		warns = append(warns, fmt.Sprintf("%s: %d of %d times of day have no data on any day; filled with the profile's peak", d, empty, spd))
	}
	if kind == model.ProfileWeek {
		off := weekdayOffset(start) * spd
		wks, empty := foldMulti(row, off, 7*spd, pcts)
		if empty > 0 {
			for i, wk := range wks {
				for j, v := range wk {
					if math.IsNaN(v) {
						wk[j] = profs[i][j%spd]
					}
				}
			}
			warns = append(warns, fmt.Sprintf("%s: %d of %d times of week have no data in any week; filled with the time-of-day P%g", d, empty, 7*spd, pcts[0]))
		}
		profs = wks
	}
	return profs, warns
}

// foldRows folds one dimension's aligned slots into its profile at
// percentile pct: "day" (and "full", whose time-of-day profile fills the
// timeline's gaps) per time of day, "week" per time of week from Monday
// 00:00 UTC; a time of day with no data on any day takes the profile's
// peak, a time of week its time-of-day value. It returns the warnings
// that say so.
func foldRows(row []float64, d model.Dim, spd int, start time.Time, pct float64, kind model.ProfileKind) ([]float64, []string) {
	var warns []string
	prof, empty := FoldDays(row, spd, pct)
	if empty > 0 {
		peak := 0.0
		for _, v := range prof {
			if v > peak {
				peak = v
			}
		}
		for j, v := range prof {
			if math.IsNaN(v) {
				prof[j] = peak
			}
		}
		warns = append(warns, fmt.Sprintf("%s: %d of %d times of day have no data on any day; filled with the profile's peak", d, empty, spd))
	}
	if kind == model.ProfileWeek {
		off := weekdayOffset(start) * spd
		wk, empty := Fold(row, off, 7*spd, pct)
		if empty > 0 {
			for j, v := range wk {
				if math.IsNaN(v) {
					wk[j] = prof[j%spd]
				}
			}
			warns = append(warns, fmt.Sprintf("%s: %d of %d times of week have no data in any week; filled with the time-of-day P%g", d, empty, 7*spd, pct))
		}
		prof = wk
	}
	return prof, warns
}

// weekdayOffset returns the days from the Monday before t (Monday = 0).
func weekdayOffset(t time.Time) int { return (int(t.UTC().Weekday()) + 6) % 7 }

// WeekStart returns 00:00 UTC of the Monday on or before t.
func WeekStart(t time.Time) time.Time {
	d := t.UTC().Truncate(24 * time.Hour)
	return d.AddDate(0, 0, -weekdayOffset(d))
}

func repeat(x []float64, n int) []float64 {
	out := make([]float64, 0, len(x)*n)
	for range n {
		out = append(out, x...)
	}
	return out
}
