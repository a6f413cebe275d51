package profile

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// Coincidence returns, per dimension, the peak over slots of the summed
// demand of members (every server when members is nil), the sum of their
// own peaks, and the coincidence factor peakOfSum / sumOfPeaks (NaN when
// the sum of peaks is 0). The factor is 1 when all peak in the same slot.
func Coincidence(d *model.Demand, members []int) (cf, peakOfSum, sumOfPeaks model.Capacity) {
	if members == nil {
		members = make([]int, len(d.Servers))
		for i := range members {
			members[i] = i
		}
	}
	sum := make([]float64, d.Slots)
	for r := model.Dim(0); r < model.NumDims; r++ {
		clear(sum)
		for _, i := range members {
			row := d.Servers[i].Values[r]
			p := 0.0
			for t, v := range row {
				sum[t] += v
				p = max(p, v)
			}
			sumOfPeaks[r] += p
		}
		for _, v := range sum {
			peakOfSum[r] = max(peakOfSum[r], v)
		}
		cf[r] = math.NaN()
		if sumOfPeaks[r] > 0 {
			cf[r] = peakOfSum[r] / sumOfPeaks[r]
		}
	}
	return cf, peakOfSum, sumOfPeaks
}

// CPUCorrelations returns the Pearson correlation of the CPU demand of
// every pair (a < b) of members, in the order (0,1), (0,2), ..., (1,2), ...;
// a pair with a constant series is NaN. It equals gonum's
// stat.Correlation(x, y, nil) on each pair.
func CPUCorrelations(d *model.Demand, members []int) []float64 {
	n := len(members)
	z := make([][]float64, n)
	for k, i := range members {
		z[k] = standardise(d.Servers[i].Values[model.DimCPU])
	}
	var out []float64
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			if z[a] == nil || z[b] == nil {
				out = append(out, math.NaN())
				continue
			}
			s := 0.0
			for t, v := range z[a] {
				s += v * z[b][t]
			}
			out = append(out, math.Max(-1, math.Min(1, s)))
		}
	}
	return out
}

// standardise returns (x − mean) / √(Σ(x − mean)²), nil when x is constant.
func standardise(x []float64) []float64 {
	if len(x) == 0 {
		return nil
	}
	m := 0.0
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	ss := 0.0
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	if !(ss > 1e-24*float64(len(x))*math.Max(1, m*m)) {
		return nil
	}
	k := 1 / math.Sqrt(ss)
	z := make([]float64, len(x))
	for t, v := range x {
		z[t] = (v - m) * k
	}
	return z
}

// PeakSlot returns the first slot where row is largest, and whether the
// row has a peak worth the name: largest > 1.2 × mean (a flat or empty
// series has no peak time).
func PeakSlot(row []float64) (slot int, peaked bool) {
	best, sum := math.Inf(-1), 0.0
	for t, v := range row {
		sum += v
		if v > best {
			best, slot = v, t
		}
	}
	if len(row) == 0 {
		return 0, false
	}
	return slot, best > 0 && best > 1.2*sum/float64(len(row))
}

// PeakGroups groups the servers of d by the time window (windowSlots slots
// from slot 0) in which their CPU demand peaks (PeakSlot), after Verma et
// al. 2009 ("peak clustering"): servers of a group peak together and are
// better spread over hosts. Servers without a peak are in no group; groups
// of one are dropped. Groups come in window order, members in Demand order;
// the result is deterministic.
func PeakGroups(d *model.Demand, windowSlots int) []model.PeakGroup {
	if windowSlots < 1 {
		panic("model: PeakGroups with a non-positive window")
	}
	by := map[int][]int{}
	for i := range d.Servers {
		if t, ok := PeakSlot(d.Servers[i].Values[model.DimCPU]); ok {
			by[t/windowSlots] = append(by[t/windowSlots], i)
		}
	}
	var keys []int
	for k, v := range by {
		if len(v) > 1 {
			keys = append(keys, k)
		}
	}
	sort.Ints(keys)
	var out []model.PeakGroup
	for _, k := range keys {
		g := model.PeakGroup{FirstSlot: k * windowSlots, LastSlot: min((k+1)*windowSlots, d.Slots) - 1, Members: by[k]}
		g.Window = windowLabel(d, g.FirstSlot, g.LastSlot+1)
		for _, i := range g.Members {
			g.Servers = append(g.Servers, d.Servers[i].ID)
		}
		cf, _, _ := Coincidence(d, g.Members)
		g.CoincidenceFactor = round6(cf[model.DimCPU])
		out = append(out, g)
	}
	return out
}

// windowLabel names slots [a, b) of d in UTC.
func windowLabel(d *model.Demand, a, b int) string {
	s := d.Start.Add(time.Duration(a) * d.Step).UTC()
	e := d.Start.Add(time.Duration(b) * d.Step).UTC()
	switch d.Profile {
	case model.ProfileWeek:
		return s.Format("Mon 15:04") + "–" + e.Format("15:04")
	case model.ProfileFull:
		return s.Format("2006-01-02 15:04") + "–" + e.Format("15:04")
	}
	return s.Format("15:04") + "–" + e.Format("15:04")
}

// AnalyzeHost computes a host's analytics from the demand of its members
// (indices into d.Servers); osFamily[i] is server i's OS family.
//
// KSM saving (Settings.KSM only) = KSMSharePct/100 × Σ peak memory demand
// of the guests that share their (known) OS family with at least one other
// guest of the host.
func AnalyzeHost(d *model.Demand, members []int, osFamily []string, s model.Settings) model.HostAnalysis {
	var h model.HostAnalysis
	cf, _, _ := Coincidence(d, members)
	h.CoincidenceFactor = dimValuesOf(cf)
	corr := CPUCorrelations(d, members)
	type pair struct {
		a, b int
		r    float64
	}
	var pairs []pair
	k, sum, n := 0, 0.0, 0
	for a := 0; a < len(members); a++ {
		for b := a + 1; b < len(members); b++ {
			if r := corr[k]; !math.IsNaN(r) {
				sum += r
				n++
				pairs = append(pairs, pair{members[a], members[b], r})
			}
			k++
		}
	}
	if n > 0 {
		h.CPUMeanCorrelation = round6(sum / float64(n))
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].r > pairs[j].r })
	h.CPUTopPairs = []model.CorrelatedPair{}
	for _, p := range pairs[:min(3, len(pairs))] {
		h.CPUTopPairs = append(h.CPUTopPairs, model.CorrelatedPair{A: d.Servers[p.a].ID, B: d.Servers[p.b].ID, Correlation: round6(p.r)})
	}
	if s.KSM {
		fam := map[string]int{}
		for _, i := range members {
			if f := osFamily[i]; f != "" {
				fam[f]++
			}
		}
		for _, i := range members {
			if f := osFamily[i]; f != "" && fam[f] >= 2 {
				h.KSMGuests++
				h.KSMSavingBytes += s.KSMSharePct / 100 * d.Servers[i].Peak(model.DimMem)
			}
		}
		h.KSMSavingBytes = math.Round(h.KSMSavingBytes)
	}
	return h
}

// AnalyzeFleet computes the fleet-wide analytics: the coincidence factor
// over every server of d, the peak groups, and summaries of the servers'
// analyses (those of every server with samples, in any order).
func AnalyzeFleet(d *model.Demand, servers []model.ServerAnalysis, s model.Settings) model.FleetAnalysis {
	var f model.FleetAnalysis
	cf, pos, sop := Coincidence(d, nil)
	f.CoincidenceFactor, f.PeakOfSum, f.SumOfPeaks = dimValuesOf(cf), dimValuesOf(pos), dimValuesOf(sop)
	win := max(1, int(time.Duration(s.PeakWindowMinutes)*time.Minute/d.Step))
	f.PeakGroups = PeakGroups(d, win)
	if f.PeakGroups == nil {
		f.PeakGroups = []model.PeakGroup{}
	}
	f.Confidence.ServersByStars = map[string]int{}
	var present, expected int
	for _, a := range servers {
		c := a.Confidence
		present += min(c.SlotsPresent, c.SlotsExpected)
		expected += c.SlotsExpected
		f.Confidence.ServersByStars[fmt.Sprint(c.Stars)]++
		switch c.Rating {
		case "insufficient":
			f.Confidence.Insufficient++
		case "short":
			f.Confidence.Short++
		}
		if a.Saturation.Flagged {
			f.SaturatedServers++
		}
		f.RightsizeVCPUs += a.Rightsize.VCPUs
		f.CurrentCores += a.Rightsize.CurrentCores
		f.CurrentVCPUs += a.Rightsize.CurrentVCPUs
		f.RightsizeMemBytes += a.Rightsize.MemBytes
		f.CurrentMemBytes += a.Rightsize.CurrentMemBytes
	}
	if expected > 0 {
		f.Confidence.PresentPct = round6(100 * float64(present) / float64(expected))
	}
	f.Confidence.Stars = Stars(f.Confidence.PresentPct)
	return f
}

// dimValuesOf returns c as DimValues rounded to 6 decimals, leaving out NaNs.
func dimValuesOf(c model.Capacity) model.DimValues {
	v := model.DimValues{}
	for d := model.Dim(0); d < model.NumDims; d++ {
		if !math.IsNaN(c[d]) {
			v[d.String()] = round6(c[d])
		}
	}
	return v
}

// round6 rounds v to six decimals, the precision of the analytics in
// plan.json.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
