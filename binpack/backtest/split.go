package backtest

import (
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// Window returns the samples of s that start in [from, to); a zero to means
// no end.
func Window(s *model.Series, from, to time.Time) model.Series {
	var out model.Series
	lo, hi := from.Unix(), to.Unix()
	for i := 0; i < s.Len(); i++ {
		if s.Start[i] >= lo && (to.IsZero() || s.Start[i] < hi) {
			out.Append(s.At(i))
		}
	}
	return out
}

// SplitServer returns copies of srv holding its samples before at (train)
// and from at on (test); inventory and warnings are shared.
func SplitServer(srv *model.Server, at time.Time) (train, test *model.Server) {
	a, b := srv.Series.Split(at)
	tr, te := *srv, *srv
	tr.Series, te.Series = a, b
	return &tr, &te
}

// SplitInstant returns where a training window of length train that starts
// with the fleet's first sample ends: first + train, rounded up to the next
// UTC midnight, so that training and test hold whole days (the profiles
// fold by time of day) and training holds at least train of data.
func SplitInstant(first time.Time, train time.Duration) time.Time {
	t := first.UTC().Add(train)
	d := t.Truncate(24 * time.Hour)
	if d.Before(t) {
		d = d.Add(24 * time.Hour)
	}
	return d
}

// MissingCycles returns warnings about the business cycles that a training
// window [from, to) cannot have seen: fewer than 7 days misses the weekly
// cycle; no month-end (the last two working days, Monday to Friday, of a
// month) misses month-end closing and reporting peaks.
func MissingCycles(from, to time.Time) []string {
	var w []string
	if days := to.Sub(from).Hours() / 24; days < 7 {
		w = append(w, "training window of "+formatDays(days)+" days: fewer than 7, the weekly cycle is not seen")
	}
	if !HasMonthEnd(from, to) {
		w = append(w, "training window holds no month-end (last two working days of a month): month-end peaks are not seen")
	}
	return w
}

// HasMonthEnd reports whether [from, to) touches one of the last two
// working days (Monday to Friday, UTC) of a month.
func HasMonthEnd(from, to time.Time) bool {
	for d := from.UTC().Truncate(24 * time.Hour); d.Before(to); d = d.Add(24 * time.Hour) {
		if isMonthEndDay(d) {
			return true
		}
	}
	return false
}

// isMonthEndDay reports whether day d is one of the last two working days of its month.
func isMonthEndDay(d time.Time) bool {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	n := 0 // working days after d in its month
	for x := d.AddDate(0, 0, 1); x.Month() == d.Month(); x = x.AddDate(0, 0, 1) {
		if wd := x.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return n < 2
}

func formatDays(d float64) string {
	return trimFloat(float64(int(d*10+0.5)) / 10)
}
