package model

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// ServerAnalysis is what the model says about one server beyond its demand:
// data confidence, saturation, CPU normalisation, growth and right-sizing.
// It is written into plan.json under server_details[].analysis.
type ServerAnalysis struct {
	Confidence Confidence `json:"confidence"`
	// CPUNorm is how busy % became reference cores (method calibration,
	// mhz or assumed).
	CPUNorm    CPUNorm     `json:"cpu_normalisation"`
	Saturation Saturation  `json:"saturation"`
	Growth     Growth      `json:"growth"`
	Rightsize  Rightsizing `json:"rightsize"`
	// OSFamily groups guests for KSM ("" = unknown, never merged).
	OSFamily string `json:"os_family"`
	// CPUPeakSlot is the slot of the packed profile where the server's CPU
	// demand peaks; PeakGroup is its 1-based index in fleet.peak_groups,
	// 0 when it is in none.
	CPUPeakSlot int `json:"cpu_peak_slot"`
	PeakGroup   int `json:"peak_group"`
}

// Confidence rates how much data a server has (Azure Migrate's stars by the
// share of expected data points present; MS MAP's days rule).
type Confidence struct {
	// SlotsPresent is the grid slots holding data; SlotsExpected the slots
	// of the fleet's data span.
	SlotsPresent  int     `json:"slots_present"`
	SlotsExpected int     `json:"slots_expected"`
	PresentPct    float64 `json:"present_pct"`
	// Stars: 1 for 0–20 % present, 2 for 21–40, 3 for 41–60, 4 for 61–80,
	// 5 for 81–100 (Azure Migrate).
	Stars int `json:"stars"`
	// Days is SlotsPresent × step in days. Rating is "insufficient" below
	// Settings.MinDays, "short" below RecommendedDays, else "ok" (MS MAP).
	Days   float64 `json:"days"`
	Rating string  `json:"rating"`
}

// Saturation says whether a server's CPU was pinned at its ceiling, so that
// its measured demand understates the true one.
type Saturation struct {
	Flagged bool `json:"flagged"`
	// DaysSaturated counts the days with a stretch of SaturationMinutes or
	// more at or above SaturationCPUPct; DaysWithData the days with CPU data.
	DaysSaturated int `json:"days_saturated"`
	DaysWithData  int `json:"days_with_data"`
	// LongestMinutes is the longest such stretch.
	LongestMinutes int `json:"longest_minutes"`
	// UpliftApplied multiplies the CPU demand: SaturationUplift when
	// flagged, else 1.
	UpliftApplied float64 `json:"uplift_applied"`
}

// Growth is a server's measured trend and the growth factors applied.
type Growth struct {
	// Trends: Theil–Sen slope of the daily P95, as % of the median daily
	// P95 per year, and whether a Mann–Kendall test finds it significant
	// (one-sided 5 %, at least RecommendedDays days).
	CPUTrendPctPerYear  float64 `json:"cpu_trend_pct_per_year"`
	CPUTrendSignificant bool    `json:"cpu_trend_significant"`
	MemTrendPctPerYear  float64 `json:"mem_trend_pct_per_year"`
	MemTrendSignificant bool    `json:"mem_trend_significant"`
	// Factors applied: GlobalFactor = (1 + GrowthPctPerYear/100)^(horizon
	// in years) on every resource; CPU and memory also carry their
	// significant upward trend extrapolated to the horizon. All capped at
	// GrowthCap.
	GlobalFactor float64 `json:"global_factor"`
	CPUFactor    float64 `json:"cpu_factor"`
	MemFactor    float64 `json:"mem_factor"`
	Capped       bool    `json:"capped"`
}

// Rightsizing is the recommended size of the server's future VM.
type Rightsizing struct {
	// VCPUs counts reference cores (score 1000): on a host with faster
	// cores the same work needs fewer.
	VCPUs        int    `json:"vcpus"`
	CPUStatistic string `json:"cpu_statistic"`
	MemBytes     int64  `json:"mem_bytes"`
	MemStatistic string `json:"mem_statistic"`
	// What the server has today.
	CurrentCores    int   `json:"current_cores"`
	CurrentMemBytes int64 `json:"current_mem_bytes"`
}

// FleetAnalysis is what the model says about the fleet as a whole, such as
// the coincidence factor of the peaks. It is written into plan.json as fleet.
type FleetAnalysis struct {
	// CoincidenceFactor per resource = PeakOfSum / SumOfPeaks over the
	// packed demand of every placeable server (1 = all peak together).
	// A resource with no demand is left out.
	CoincidenceFactor DimValues       `json:"coincidence_factor"`
	PeakOfSum         DimValues       `json:"peak_of_sum"`
	SumOfPeaks        DimValues       `json:"sum_of_peaks"`
	Confidence        FleetConfidence `json:"confidence"`
	// SaturatedServers counts servers flagged as CPU-saturated.
	SaturatedServers int `json:"saturated_servers"`
	// Right-sizing totals over the servers with samples.
	RightsizeVCPUs    int   `json:"rightsize_vcpus_total"`
	CurrentCores      int   `json:"current_cores_total"`
	RightsizeMemBytes int64 `json:"rightsize_mem_bytes_total"`
	CurrentMemBytes   int64 `json:"current_mem_bytes_total"`
	// KSMSavingBytes is the sum of the hosts' KSM savings (Settings.KSM);
	// it is shown, never packed.
	KSMSavingBytes float64 `json:"ksm_saving_bytes"`
	// PeakGroups are the servers whose CPU peaks in the same time window
	// (Verma et al. 2009): placing them apart spreads the peaks.
	PeakGroups []PeakGroup `json:"peak_groups"`
}

// FleetConfidence summarises the servers' confidence.
type FleetConfidence struct {
	// PresentPct is Σ slots present / Σ slots expected over all servers
	// with samples, Stars its Azure Migrate rating.
	PresentPct float64 `json:"present_pct"`
	Stars      int     `json:"stars"`
	// ServersByStars counts servers per star rating ("1" ... "5").
	ServersByStars map[string]int `json:"servers_by_stars"`
	Insufficient   int            `json:"insufficient"`
	Short          int            `json:"short"`
}

// HostAnalysis is what the model says about the servers placed together on
// one host, such as their coincidence factor. It is written into plan.json
// under hosts[].analysis.
type HostAnalysis struct {
	// CoincidenceFactor per resource = peak of the host's summed demand /
	// sum of its servers' peaks.
	CoincidenceFactor DimValues `json:"coincidence_factor"`
	// CPUMeanCorrelation is the mean Pearson correlation of the CPU demand
	// over every pair of servers on the host (pairs with a constant series
	// are left out); CPUTopPairs the most correlated pairs.
	CPUMeanCorrelation float64          `json:"cpu_mean_correlation"`
	CPUTopPairs        []CorrelatedPair `json:"cpu_top_pairs"`
	// KSM (Settings.KSM): guests sharing an OS family with another guest of
	// the host, and KSMSharePct of the peak of their memory demand.
	KSMGuests      int     `json:"ksm_guests"`
	KSMSavingBytes float64 `json:"ksm_saving_bytes"`
}

// CorrelatedPair is two servers and the correlation of their CPU demand.
type CorrelatedPair struct {
	A           string  `json:"a"`
	B           string  `json:"b"`
	Correlation float64 `json:"correlation"`
}

// PeakGroup is a set of servers whose CPU demand peaks in the same window.
type PeakGroup struct {
	// Window names the time window, e.g. "08:00–09:00" (day), "Mon
	// 08:00–09:00" (week) or "2026-01-05 08:00–09:00" (full), UTC.
	Window    string `json:"window"`
	FirstSlot int    `json:"first_slot"`
	LastSlot  int    `json:"last_slot"`
	// Members index Demand.Servers; Servers are their IDs.
	Members []int    `json:"-"`
	Servers []string `json:"servers"`
	// CoincidenceFactor of the group's CPU demand (high: they peak together).
	CoincidenceFactor float64 `json:"cpu_coincidence_factor"`
}

// Stars returns Azure Migrate's confidence rating for a share of data
// points present (percent): 1 star for 0–20 %, 2 for 21–40, 3 for 41–60,
// 4 for 61–80, 5 for 81–100.
func Stars(presentPct float64) int {
	switch {
	case presentPct <= 20:
		return 1
	case presentPct <= 40:
		return 2
	case presentPct <= 60:
		return 3
	case presentPct <= 80:
		return 4
	}
	return 5
}

// RateConfidence rates a server with present of expected slots of stepSec.
func RateConfidence(present, expected, stepSec int, s Settings) Confidence {
	c := Confidence{SlotsPresent: present, SlotsExpected: expected}
	if expected > 0 {
		c.PresentPct = math.Min(100, 100*float64(present)/float64(expected))
	}
	c.Stars = Stars(c.PresentPct)
	c.Days = float64(present) * float64(stepSec) / 86400
	switch {
	case c.Days < s.MinDays:
		c.Rating = "insufficient"
	case c.Days < s.RecommendedDays:
		c.Rating = "short"
	default:
		c.Rating = "ok"
	}
	return c
}

// DetectSaturation looks for stretches of at least s.SaturationMinutes of
// consecutive slots whose CPU busy % (cpu, slot means on a whole-day grid of
// slotsPerDay) is at or above s.SaturationCPUPct. A gap ends a stretch. A day
// counts as saturated when a stretch reaches the minimum length on it; the
// server is flagged when saturated days are at least s.SaturationDaysPct of
// its days with CPU data (and at least one).
func DetectSaturation(cpu []float64, slotsPerDay int, s Settings) Saturation {
	stepSec := 86400 / slotsPerDay
	need := max(1, (s.SaturationMinutes*60+stepSec-1)/stepSec)
	out := Saturation{UpliftApplied: 1}
	run, longest := 0, 0
	for d := 0; d*slotsPerDay < len(cpu); d++ {
		has, sat := false, false
		for t := d * slotsPerDay; t < min((d+1)*slotsPerDay, len(cpu)); t++ {
			v := cpu[t]
			if math.IsNaN(v) {
				run = 0
				continue
			}
			has = true
			if v >= s.SaturationCPUPct {
				run++
				longest = max(longest, run)
				if run >= need {
					sat = true
				}
			} else {
				run = 0
			}
		}
		if has {
			out.DaysWithData++
		}
		if sat {
			out.DaysSaturated++
		}
	}
	out.LongestMinutes = longest * stepSec / 60
	if out.DaysSaturated > 0 && 100*float64(out.DaysSaturated) >= s.SaturationDaysPct*float64(out.DaysWithData) {
		out.Flagged = true
		out.UpliftApplied = s.SaturationUplift
	}
	return out
}

// Rightsize recommends the future VM's size. busy is the server's busy
// reference cores per slot, memMax its per-slot max of used memory bytes:
//
//	vCPUs = max(1, ⌈Q(RightsizeCPUPct, busy) × uplift / (RightsizeCPUTargetPct/100)⌉)
//	mem   = max(1 GiB, ⌈Q(RightsizeMemPct, memMax) × (1 + RightsizeMemHeadroomPct/100) / 0.5 GiB⌉ × 0.5 GiB)
//
// with Q the nearest-rank Quantile and uplift the saturation uplift. Without
// CPU data the current capacity in reference cores is used; without memory
// data the installed memory.
func Rightsize(busy, memMax []float64, inv Inventory, n CPUNorm, uplift float64, s Settings) Rightsizing {
	r := Rightsizing{CurrentCores: n.Cores, CurrentMemBytes: inv.MemTotalBytes}
	q := Quantile(s.RightsizeCPUPct/100, busy)
	r.CPUStatistic = fmt.Sprintf("P%g of busy reference cores per slot", s.RightsizeCPUPct)
	if math.IsNaN(q) {
		q = n.CoresRef
		r.CPUStatistic = "no CPU data: the current capacity in reference cores"
	}
	if uplift != 1 {
		r.CPUStatistic += fmt.Sprintf(" × saturation uplift %g", uplift)
	}
	r.CPUStatistic += fmt.Sprintf(" / %g%% target utilisation; 1 vCPU = 1 reference core", s.RightsizeCPUTargetPct)
	v := q * uplift / (s.RightsizeCPUTargetPct / 100)
	r.VCPUs = max(1, int(math.Ceil(v-1e-9*v)))

	m := Quantile(s.RightsizeMemPct/100, memMax)
	r.MemStatistic = fmt.Sprintf("P%g of used memory (interval max) + %g%%, rounded up to 0.5 GiB", s.RightsizeMemPct, s.RightsizeMemHeadroomPct)
	if math.IsNaN(m) {
		m = float64(inv.MemTotalBytes)
		r.MemStatistic = "no memory data: the installed memory"
		if inv.MemTotalBytes <= 0 {
			return r
		}
	} else {
		m *= 1 + s.RightsizeMemHeadroomPct/100
	}
	const half = GiB / 2
	r.MemBytes = max(GiB, int64(math.Ceil(m/half-1e-9))*half)
	return r
}

// Coincidence returns, per dimension, the peak over slots of the summed
// demand of members (every server when members is nil), the sum of their
// own peaks, and the coincidence factor peakOfSum / sumOfPeaks (NaN when
// the sum of peaks is 0). The factor is 1 when all peak in the same slot.
func Coincidence(d *Demand, members []int) (cf, peakOfSum, sumOfPeaks Capacity) {
	if members == nil {
		members = make([]int, len(d.Servers))
		for i := range members {
			members[i] = i
		}
	}
	sum := make([]float64, d.Slots)
	for r := Dim(0); r < NumDims; r++ {
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
func CPUCorrelations(d *Demand, members []int) []float64 {
	n := len(members)
	z := make([][]float64, n)
	for k, i := range members {
		z[k] = standardise(d.Servers[i].Values[DimCPU])
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
func PeakGroups(d *Demand, windowSlots int) []PeakGroup {
	if windowSlots < 1 {
		panic("model: PeakGroups with a non-positive window")
	}
	by := map[int][]int{}
	for i := range d.Servers {
		if t, ok := PeakSlot(d.Servers[i].Values[DimCPU]); ok {
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
	var out []PeakGroup
	for _, k := range keys {
		g := PeakGroup{FirstSlot: k * windowSlots, LastSlot: min((k+1)*windowSlots, d.Slots) - 1, Members: by[k]}
		g.Window = windowLabel(d, g.FirstSlot, g.LastSlot+1)
		for _, i := range g.Members {
			g.Servers = append(g.Servers, d.Servers[i].ID)
		}
		cf, _, _ := Coincidence(d, g.Members)
		g.CoincidenceFactor = round6(cf[DimCPU])
		out = append(out, g)
	}
	return out
}

// windowLabel names slots [a, b) of d in UTC.
func windowLabel(d *Demand, a, b int) string {
	s := d.Start.Add(time.Duration(a) * d.Step).UTC()
	e := d.Start.Add(time.Duration(b) * d.Step).UTC()
	switch d.Profile {
	case "week":
		return s.Format("Mon 15:04") + "–" + e.Format("15:04")
	case "full":
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
func AnalyzeHost(d *Demand, members []int, osFamily []string, s Settings) HostAnalysis {
	var h HostAnalysis
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
	h.CPUTopPairs = []CorrelatedPair{}
	for _, p := range pairs[:min(3, len(pairs))] {
		h.CPUTopPairs = append(h.CPUTopPairs, CorrelatedPair{d.Servers[p.a].ID, d.Servers[p.b].ID, round6(p.r)})
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
				h.KSMSavingBytes += s.KSMSharePct / 100 * d.Servers[i].Peak(DimMem)
			}
		}
		h.KSMSavingBytes = math.Round(h.KSMSavingBytes)
	}
	return h
}

// AnalyzeFleet computes the fleet-wide analytics: the coincidence factor
// over every server of d, the peak groups, and summaries of the servers'
// analyses (those of every server with samples, in any order).
func AnalyzeFleet(d *Demand, servers []ServerAnalysis, s Settings) FleetAnalysis {
	var f FleetAnalysis
	cf, pos, sop := Coincidence(d, nil)
	f.CoincidenceFactor, f.PeakOfSum, f.SumOfPeaks = dimValuesOf(cf), dimValuesOf(pos), dimValuesOf(sop)
	win := max(1, int(time.Duration(s.PeakWindowMinutes)*time.Minute/d.Step))
	f.PeakGroups = PeakGroups(d, win)
	if f.PeakGroups == nil {
		f.PeakGroups = []PeakGroup{}
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
func dimValuesOf(c Capacity) DimValues {
	v := DimValues{}
	for d := Dim(0); d < NumDims; d++ {
		if !math.IsNaN(c[d]) {
			v[d.String()] = round6(c[d])
		}
	}
	return v
}

// round6 rounds v to six decimals, the precision of the analytics in
// plan.json.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
