package profile

import (
	"fmt"
	"math"

	"github.com/kvmfit/kvmfit/model"
)

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
func RateConfidence(present, expected, stepSec int, s model.Settings) model.Confidence {
	c := model.Confidence{SlotsPresent: present, SlotsExpected: expected}
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
func DetectSaturation(cpu []float64, slotsPerDay int, s model.Settings) model.Saturation {
	stepSec := 86400 / slotsPerDay
	need := max(1, (s.SaturationMinutes*60+stepSec-1)/stepSec)
	out := model.Saturation{UpliftApplied: 1}
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
//	vCPUs = max(1, ⌈Q(RightsizeCPUPct, busy) × uplift / (RightsizeCPUTargetPct/100) / core⌉)
//	mem   = max(1 GiB, ⌈Q(RightsizeMemPct, memMax) × (1 + RightsizeMemHeadroomPct/100) / 0.5 GiB⌉ × 0.5 GiB)
//
// with Q the nearest-rank Quantile, uplift the saturation uplift and core
// what one vCPU can use: one core of the target host, TargetCoreScore /
// ReferenceCoreScore reference cores (the CPU cap's unit), or one reference
// core without a target. The result counts vCPUs of the target host, the
// unit of CurrentVCPUs (the server's logical CPUs today,
// model.Inventory.VCPUs). Without CPU data it recommends the vCPUs the
// server has today; without memory data the installed memory.
func Rightsize(busy, memMax []float64, inv model.Inventory, n model.CPUNorm, uplift float64, s model.Settings) model.Rightsizing {
	r := model.Rightsizing{CurrentCores: n.Cores, CurrentVCPUs: inv.VCPUs(), CurrentMemBytes: inv.MemTotalBytes}
	if r.CurrentVCPUs <= 0 {
		r.CurrentVCPUs = n.Cores // NormaliseCPU's count (threads, else 1)
	}
	q := Quantile(s.RightsizeCPUPct/100, busy)
	if math.IsNaN(q) {
		// Nothing measured: the vCPUs it has today, as a P2V gives them.
		r.VCPUs = max(1, r.CurrentVCPUs)
		r.CPUStatistic = "no CPU data: the vCPUs it has today (its logical CPUs)"
	} else {
		r.CPUStatistic = fmt.Sprintf("P%g of busy reference cores per slot", s.RightsizeCPUPct)
		if uplift != 1 {
			r.CPUStatistic += fmt.Sprintf(" × saturation uplift %g", uplift)
		}
		// One vCPU can use at most one core of the target host (the CPU
		// cap's unit, Settings.TargetCoreScore); without a target, a
		// reference core.
		core, unit := 1.0, "1 vCPU = 1 reference core (no target host known)"
		if s.TargetCoreScore > 0 {
			core = s.TargetCoreScore / s.ReferenceCoreScore
			unit = fmt.Sprintf("1 vCPU = 1 core of the target host = %g reference cores, as the CPU cap counts it", core)
		}
		r.CPUStatistic += fmt.Sprintf(" / %g%% target utilisation; %s", s.RightsizeCPUTargetPct, unit)
		v := q * uplift / (s.RightsizeCPUTargetPct / 100) / core
		r.VCPUs = max(1, int(math.Ceil(v-1e-9*v)))
	}

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
	const half = model.GiB / 2
	r.MemBytes = max(model.GiB, int64(math.Ceil(m/half-1e-9))*half)
	return r
}
