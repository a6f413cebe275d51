package profile

import (
	"math"
	"sort"

	"github.com/kvmfit/kvmfit/model"
)

// TheilSen returns the Theil–Sen estimate of the line y = a + b·x (Sen
// 1968; Theil 1950): b is the median of the slopes (y_j − y_i)/(x_j − x_i)
// over every pair with x_i ≠ x_j, a the median of y_i − b·x_i. Up to 29 % of
// the points can be arbitrary outliers without moving it, which is why a
// single spike does not make a trend. NaN points are skipped; with fewer
// than two distinct x it returns NaN, NaN. The median of an even count is
// the mean of the two middle values.
func TheilSen(x, y []float64) (a, b float64) {
	if len(x) != len(y) {
		panic("model: TheilSen with x and y of different lengths")
	}
	var slopes []float64
	for i := range x {
		if math.IsNaN(y[i]) {
			continue
		}
		for j := i + 1; j < len(x); j++ {
			if math.IsNaN(y[j]) || x[j] == x[i] {
				continue
			}
			slopes = append(slopes, (y[j]-y[i])/(x[j]-x[i]))
		}
	}
	if len(slopes) == 0 {
		return math.NaN(), math.NaN()
	}
	b = median(slopes)
	var r []float64
	for i := range x {
		if !math.IsNaN(y[i]) {
			r = append(r, y[i]-b*x[i])
		}
	}
	return median(r), b
}

// MannKendallZ returns the Mann–Kendall trend statistic of y in the given
// order (Mann 1945; Kendall 1975): S = Σ_{i<j} sign(y_j − y_i), Var(S) =
// n(n−1)(2n+5)/18 (no tie correction), Z = (S − sign(S)) / √Var(S). Z ≥
// 1.645 is an upward trend at the one-sided 5 % level. NaNs are skipped;
// fewer than 3 values give 0.
func MannKendallZ(y []float64) float64 {
	var v []float64
	for _, f := range y {
		if !math.IsNaN(f) {
			v = append(v, f)
		}
	}
	n := len(v)
	if n < 3 {
		return 0
	}
	s := 0.0
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			switch {
			case v[j] > v[i]:
				s++
			case v[j] < v[i]:
				s--
			}
		}
	}
	nf := float64(n)
	sd := math.Sqrt(nf * (nf - 1) * (2*nf + 5) / 18)
	switch {
	case s > 0:
		return (s - 1) / sd
	case s < 0:
		return (s + 1) / sd
	}
	return 0
}

func median(x []float64) float64 {
	v := append([]float64(nil), x...)
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// DailyP95 returns the P95 (Quantile) of every whole day of x (slotsPerDay
// slots) and the day indices, skipping days with less than half their
// slots holding data.
func DailyP95(x []float64, slotsPerDay int) (days, p95 []float64) {
	scratch := make([]float64, 0, slotsPerDay)
	for d := 0; (d+1)*slotsPerDay <= len(x); d++ {
		day := x[d*slotsPerDay : (d+1)*slotsPerDay]
		n := 0
		for _, v := range day {
			if !math.IsNaN(v) {
				n++
			}
		}
		if 2*n < slotsPerDay {
			continue
		}
		days = append(days, float64(d))
		p95 = append(p95, quantileInPlace(0.95, append(scratch[:0], day...)))
	}
	return days, p95
}

// ProjectGrowth fits each server's trend on the daily P95 of busy (busy
// reference cores) and mem (used bytes), both on a whole-day grid, and
// computes the growth factors to the horizon:
//
//	global = (1 + GrowthPctPerYear/100)^(HorizonMonths/12)
//	trend  = (a + b·(x_last + H)) / (a + b·x_last), H = HorizonMonths × 365.25/12 days,
//
// with (a, b) the Theil–Sen line of the daily P95 over day index x. The
// trend in % per year, b × 365.25 / median daily P95 × 100, is shown only
// with at least model.TrendMinDays days, a Mann–Kendall |Z| ≥ model.TrendZ
// and at most model.TrendMaxPctPerYear either way (CPUTrend, MemTrend say
// which, else it is 0); a shown upward trend is projected with
// GrowthTrend. factor = min(GrowthCap, global × trend).
func ProjectGrowth(busy, mem []float64, slotsPerDay int, s model.Settings) model.Growth {
	years := s.HorizonMonths / 12
	g := model.Growth{GlobalFactor: math.Pow(1+s.GrowthPctPerYear/100, years)}
	hDays := s.HorizonMonths * 365.25 / 12
	fit := func(x []float64) (pctPerYear float64, status string, factor float64) {
		days, p := DailyP95(x, slotsPerDay)
		factor = g.GlobalFactor
		if len(days) < model.TrendMinDays {
			return 0, model.TrendNotEnoughData, factor
		}
		a, b := TheilSen(days, p)
		level := median(p)
		if !(level > 0) || math.IsNaN(b) || math.Abs(MannKendallZ(p)) < model.TrendZ {
			return 0, model.TrendNotSignificant, factor
		}
		pctPerYear = round6(b * 365.25 / level * 100)
		if math.Abs(pctPerYear) > model.TrendMaxPctPerYear {
			return 0, model.TrendImplausible, factor
		}
		if b > 0 && s.GrowthTrend && hDays > 0 {
			last := days[len(days)-1]
			if l := a + b*last; l > 0 {
				factor *= (l + b*hDays) / l
			}
		}
		return pctPerYear, model.TrendShown, factor
	}
	g.CPUTrendPctPerYear, g.CPUTrend, g.CPUFactor = fit(busy)
	g.MemTrendPctPerYear, g.MemTrend, g.MemFactor = fit(mem)
	g.CPUTrendSignificant = g.CPUTrend == model.TrendShown && g.CPUTrendPctPerYear > 0
	g.MemTrendSignificant = g.MemTrend == model.TrendShown && g.MemTrendPctPerYear > 0
	capGrowth(&g, s)
	return g
}

// growthFactors is ProjectGrowth's factors when no trend is projected
// (HorizonMonths 0 or GrowthTrend off): the global factor for all three,
// capped, whatever the data.
func growthFactors(s model.Settings) model.Growth {
	g := model.Growth{GlobalFactor: math.Pow(1+s.GrowthPctPerYear/100, s.HorizonMonths/12)}
	g.CPUFactor, g.MemFactor = g.GlobalFactor, g.GlobalFactor
	capGrowth(&g, s)
	return g
}

// capGrowth caps the growth factors at GrowthCap.
func capGrowth(g *model.Growth, s model.Settings) {
	for _, f := range []*float64{&g.GlobalFactor, &g.CPUFactor, &g.MemFactor} {
		if *f > s.GrowthCap {
			*f = s.GrowthCap
			g.Capped = true
		}
	}
}
