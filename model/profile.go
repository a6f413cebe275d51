package model

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// CPUNorm says how a server's CPU busy % becomes reference cores.
type CPUNorm struct {
	// Cores is the number of cores counted (vCPUs for a VM).
	Cores int `json:"cores"`
	// HT is true when the server has more threads than cores.
	HT bool `json:"ht"`
	// ScorePerCore is the single-core score used.
	ScorePerCore float64 `json:"score_per_core"`
	// Method is "calibration" (measured score), "mhz" (MHz fallback) or
	// "assumed" (neither known: one reference core per core).
	Method string `json:"method"`
	// CoresRef is the server's whole CPU capacity in reference cores:
	// Cores × (HTFactor if HT) × ScorePerCore / ReferenceCoreScore.
	CoresRef float64 `json:"cores_ref"`
}

// NormaliseCPU computes the server's CPU capacity in reference cores.
// Without a calibration score the score is MHz / ReferenceCoreMHz ×
// ReferenceCoreScore, which overstates old CPUs (their work per MHz is lower)
// and so errs on the side of more demand. See docs/model.md.
func NormaliseCPU(inv Inventory, s Settings) (CPUNorm, []string) {
	var warn []string
	n := CPUNorm{Cores: inv.Cores}
	if n.Cores <= 0 {
		n.Cores = inv.Threads
	}
	if n.Cores <= 0 {
		n.Cores = 1
		warn = append(warn, "core count unknown: assumed 1")
	}
	n.HT = inv.Threads > inv.Cores && inv.Cores > 0
	switch {
	case inv.CPUScorePerCore > 0:
		n.ScorePerCore, n.Method = inv.CPUScorePerCore, "calibration"
	case inv.CPUMHz > 0:
		n.ScorePerCore, n.Method = inv.CPUMHz/s.ReferenceCoreMHz*s.ReferenceCoreScore, "mhz"
	default:
		n.ScorePerCore, n.Method = s.ReferenceCoreScore, "assumed"
		warn = append(warn, "no CPU score or MHz: each core counted as one reference core")
	}
	ht := 1.0
	if n.HT {
		ht = s.HTFactor
	}
	n.CoresRef = float64(n.Cores) * ht * n.ScorePerCore / s.ReferenceCoreScore
	return n, warn
}

// VMMemOverheadBytes is the memory a KVM guest costs its host beyond the
// guest's own RAM: fraction × guest RAM + base + per vCPU (Red Hat OpenShift
// Virtualization sizing: 0.002 × RAM + 218 MiB + 8 MiB per vCPU).
func VMMemOverheadBytes(guestRAMBytes float64, vcpus int, s Settings) float64 {
	return s.VMMemOverheadFraction*guestRAMBytes + s.VMMemOverheadBaseBytes + float64(vcpus)*s.VMMemOverheadPerVCPUBytes
}

// Quantile returns the p-quantile (0 < p ≤ 1) of x with gonum's Empirical
// definition (stat.Quantile with stat.Empirical): the smallest value at or
// above a fraction p of the samples, that is the k-th smallest of n values
// with k = ⌈p·n⌉. NaNs are dropped; x is not modified. It returns NaN when
// no value is left.
//
// Unlike stat.Quantile it tolerates rounding in p·n: p = 0.07 and n = 100
// give p·n = 7.000000000000001 in floating point, which gonum rounds up to
// the 8th value; here it is the 7th.
func Quantile(p float64, x []float64) float64 {
	if !(p >= 0 && p <= 1) {
		panic("model: Quantile with p outside [0, 1]")
	}
	v := make([]float64, 0, len(x))
	for _, f := range x {
		if !math.IsNaN(f) {
			v = append(v, f)
		}
	}
	if len(v) == 0 {
		return math.NaN()
	}
	f := p * float64(len(v))
	k := int(math.Ceil(f - 1e-9*f)) // 1-based rank
	k = min(max(k, 1), len(v))
	return selectKth(v, k-1)
}

// selectKth returns the k-th smallest (0-based) of v, reordering v: a
// quickselect with a median-of-three pivot and a three-way partition (so
// runs of equal values, common in memory data, cost one pass). It gives
// the same value as sorting and indexing, in linear expected time.
func selectKth(v []float64, k int) float64 {
	lo, hi := 0, len(v)-1
	for hi > lo {
		if hi-lo < 16 {
			sort.Float64s(v[lo : hi+1])
			return v[k]
		}
		a, b, c := v[lo], v[lo+(hi-lo)/2], v[hi]
		piv := max(min(a, b), min(max(a, b), c))
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch x := v[i]; {
			case x < piv:
				v[lt], v[i] = x, v[lt]
				lt++
				i++
			case x > piv:
				v[gt], v[i] = x, v[gt]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return piv
		}
	}
	return v[k]
}

// DailyProfile folds a series on a day grid into one day: slot j of the
// result is the p-th percentile (0 < pct ≤ 100) of x[j], x[j+slotsPerDay],
// x[j+2·slotsPerDay], ... over the slots that hold data. A time of day with
// no data on any day is NaN; empty counts them.
func DailyProfile(x []float64, slotsPerDay int, pct float64) (prof []float64, empty int) {
	if slotsPerDay <= 0 || len(x)%slotsPerDay != 0 {
		panic("model: DailyProfile with a series that is not whole days")
	}
	return FoldProfile(x, 0, slotsPerDay, pct)
}

// FoldProfile folds x into one period of the given number of slots: slot t
// of x falls in slot (offset + t) mod period of the result, and each result
// slot is the pct-th percentile (Quantile) of the values that fall in it,
// ignoring NaNs. A slot that no value falls in is NaN; empty counts them.
// With offset 0 and period = slots per day it is DailyProfile; with period
// = slots per week and offset = the slots from Monday 00:00 to x[0], the
// time-of-week profile.
func FoldProfile(x []float64, offset, period int, pct float64) (prof []float64, empty int) {
	if period <= 0 || offset < 0 {
		panic("model: FoldProfile with a non-positive period or negative offset")
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
		prof[j] = Quantile(pct/100, col)
		if math.IsNaN(prof[j]) {
			empty++
		}
	}
	return prof, empty
}

// ServerProfile is one server turned into packable demand, with what the
// plan and report say about it.
type ServerProfile struct {
	// Demand is the profile packed with Settings.Profile "day" or "week".
	// With "full" it is the time-of-day profile, which fills the gaps of
	// the full timeline (see OnGrid).
	Demand ServerDemand
	CPU    CPUNorm
	// Full is, with Settings.Profile "full", the server's demand on its own
	// whole-day grid from FullStart, memory overhead included, NaN in gaps.
	// A nil row is a dimension never measured: its Demand row (a constant)
	// is used everywhere. float32 halves the memory of a 10,000-server
	// fleet's timelines while they wait for the fleet grid.
	Full      [NumDims][]float32
	FullStart time.Time
	// First and Last bound the samples (Last is the end of the last interval).
	First, Last time.Time
	// CoveredSec is the time covered by samples.
	CoveredSec int64
	Samples    int
	// SlotsPresent is the number of aligned slots in which at least one
	// packed resource was measured (before any fill).
	SlotsPresent int
	Analysis     ServerAnalysis
	Warnings     []string
}

// dimMetrics lists, per dimension, the metrics summed into it.
var dimMetrics = [NumDims][]Metric{
	DimCPU:       {CPUBusyPct},
	DimMem:       {MemUsedBytes},
	DimDiskIOPS:  {DiskReadIOPS, DiskWriteIOPS},
	DimDiskBytes: {DiskReadBytesPerSec, DiskWriteBytesPerSec},
	DimNetBytes:  {NetRxBytesPerSec, NetTxBytesPerSec},
}

// sumMetrics returns, per slot, the sum of the metrics of d that hold data
// in pick, NaN where none does; measured says whether any slot had data.
func sumMetrics(pick *[NumMetrics][]float64, d Dim, slots int) (row []float64, measured bool) {
	row = make([]float64, slots)
	for t := range row {
		v, any := 0.0, false
		for _, m := range dimMetrics[d] {
			if x := pick[m][t]; !math.IsNaN(x) {
				v += x
				any = true
			}
		}
		if !any {
			row[t] = math.NaN()
			continue
		}
		measured = true
		row[t] = v
	}
	return row, measured
}

// Profile turns a server's samples into its demand profile:
//
//  1. align the samples onto whole UTC days with the settings' step (Align);
//  2. per slot, take the interval max or mean (SlotStat) and convert to the
//     dimension's unit: CPU = busy% / 100 × CoresRef × CPUVirtFactor +
//     CPUCoresPerKIOPS × IOPS / 1000 + CPUCoresPerNetGBPerSec × net bytes/s /
//     1e9; memory = used bytes; disk and network = read + write, receive +
//     transmit;
//  3. analyse the aligned data (Analysis: confidence, saturation, growth,
//     right-sizing) and multiply every slot by ComfortFactor, CPU also by
//     the saturation uplift and CPU and memory by the growth factor;
//  4. fold: "day" = the percentile per time of day (DailyProfile), "week" =
//     per time of week from Monday 00:00 UTC (FoldProfile), "full" = keep
//     the timeline (Full) for OnGrid; a time of day with no data on any day
//     takes the profile's peak, a time of week its time-of-day value;
//  5. add the per-VM memory overhead (VMMemOverheadBytes) to every slot.
//
// A dimension the source never measured is zero demand, with a warning;
// memory falls back to the installed memory when the inventory knows it.
func Profile(srv *Server, s Settings) (*ServerProfile, error) {
	p, _, err := profile(srv, s, nil)
	return p, err
}

// ProfilePercentiles is Profile plus, from the same aligned data, the
// server's demand at each of the sizing percentiles pcts (0 < p ≤ 100):
// alt[k] is the Demand that Profile would give with the percentile
// pcts[k] for every resource whose percentile is s.Percentile (a resource
// set apart by PercentileByDim keeps its own). Only the folding differs, so
// this costs little more than Profile. With Profile "full" alt is nil.
func ProfilePercentiles(srv *Server, s Settings, pcts []float64) (p *ServerProfile, alt []ServerDemand, err error) {
	for _, v := range pcts {
		if !(v > 0 && v <= 100) {
			return nil, nil, fmt.Errorf("percentile %g: must be in (0, 100]", v)
		}
	}
	return profile(srv, s, pcts)
}

func profile(srv *Server, s Settings, pcts []float64) (*ServerProfile, []ServerDemand, error) {
	if err := s.Validate(); err != nil {
		return nil, nil, err
	}
	p := &ServerProfile{Demand: ServerDemand{ID: srv.ID}}
	step := s.Step()
	spd := int(24 * time.Hour / step)
	p.CPU, p.Warnings = NormaliseCPU(srv.Inventory, s)
	ser := &srv.Series
	p.Samples = ser.Len()
	if ser.Len() == 0 {
		return nil, nil, fmt.Errorf("server %s: %w", srv.ID, ErrNoSamples)
	}
	p.First = time.Unix(ser.Start[0], 0).UTC()
	p.Last = time.Unix(ser.Start[ser.Len()-1]+int64(ser.IntervalSec[ser.Len()-1]), 0).UTC()
	p.CoveredSec = CoveredSeconds(ser)
	a := Align(ser, DayGrid(ser, step))
	pick := &a.Max
	if s.SlotStat == "mean" {
		pick = &a.Mean
	}
	slots := a.Grid.Slots
	var rows [NumDims][]float64
	var measured [NumDims]bool
	for d := Dim(0); d < NumDims; d++ {
		rows[d], measured[d] = sumMetrics(pick, d, slots)
	}
	present := make([]bool, slots)
	for d := Dim(0); d < NumDims; d++ {
		for t, v := range rows[d] {
			if !math.IsNaN(v) {
				present[t] = true
			}
		}
	}
	for _, ok := range present {
		if ok {
			p.SlotsPresent++
		}
	}
	// Busy reference cores, before any overhead: right-sizing and the trend.
	busy := make([]float64, slots)
	for t, v := range rows[DimCPU] {
		busy[t] = v / 100 * p.CPU.CoresRef
	}
	an := &p.Analysis
	an.CPUNorm = p.CPU
	an.OSFamily = srv.Inventory.OSFamily
	an.Saturation = DetectSaturation(a.Mean[CPUBusyPct], spd, s)
	an.Growth = ProjectGrowth(busy, rows[DimMem], spd, s)
	an.Rightsize = Rightsize(busy, a.Max[MemUsedBytes], srv.Inventory, p.CPU, an.Saturation.UpliftApplied, s)
	if an.Saturation.Flagged {
		p.Warnings = append(p.Warnings, fmt.Sprintf("CPU saturated (≥ %g%% busy for %d min or more on %d of %d days): true demand is higher than measured; CPU demand × %g (assumed)",
			s.SaturationCPUPct, s.SaturationMinutes, an.Saturation.DaysSaturated, an.Saturation.DaysWithData, s.SaturationUplift))
	}
	if an.Growth.Capped {
		p.Warnings = append(p.Warnings, fmt.Sprintf("growth projection capped at × %g", s.GrowthCap))
	}
	// CPU: busy cores × virtualisation factor + the CPU cost of I/O.
	iops, _ := sumMetrics(&a.Mean, DimDiskIOPS, slots)
	net, _ := sumMetrics(&a.Mean, DimNetBytes, slots)
	for t, v := range busy {
		if math.IsNaN(v) {
			continue
		}
		v *= s.CPUVirtFactor
		if x := iops[t]; !math.IsNaN(x) {
			v += s.CPUCoresPerKIOPS * x / 1000
		}
		if x := net[t]; !math.IsNaN(x) {
			v += s.CPUCoresPerNetGBPerSec * x / 1e9
		}
		rows[DimCPU][t] = v
	}
	var factor [NumDims]float64
	for d := range factor {
		factor[d] = s.ComfortFactor * an.Growth.GlobalFactor
	}
	factor[DimCPU] = s.ComfortFactor * an.Saturation.UpliftApplied * an.Growth.CPUFactor
	factor[DimMem] = s.ComfortFactor * an.Growth.MemFactor
	for d := Dim(0); d < NumDims; d++ {
		if f := factor[d]; f != 1 {
			for t := range rows[d] {
				rows[d][t] *= f
			}
		}
	}

	guestRAM := float64(srv.Inventory.MemTotalBytes)
	if guestRAM <= 0 {
		guestRAM = Quantile(1, ser.Max[MemTotalBytes])
		if math.IsNaN(guestRAM) {
			guestRAM = 0
		}
	}
	ovh := VMMemOverheadBytes(guestRAM, p.CPU.Cores, s)
	if s.Profile == "full" {
		p.FullStart = a.Grid.Start
	}
	if s.Profile == "full" {
		pcts = nil
	}
	alt := make([]ServerDemand, len(pcts))
	for k := range alt {
		alt[k].ID = srv.ID
	}
	for d := Dim(0); d < NumDims; d++ {
		if !measured[d] {
			row := make([]float64, spd)
			if d == DimMem && srv.Inventory.MemTotalBytes > 0 {
				// Conservative: a server whose memory use is unknown is
				// sized at its installed memory.
				for t := range row {
					row[t] = float64(srv.Inventory.MemTotalBytes)
				}
				p.Warnings = append(p.Warnings, "no memory use data: sized at the installed memory")
			} else {
				p.Warnings = append(p.Warnings, fmt.Sprintf("no %s data: %s demand counted as 0", d, d))
			}
			if s.Profile == "week" {
				row = repeat(row, 7)
			}
			p.Demand.Values[d] = row
			for k := range alt {
				alt[k].Values[d] = append([]float64(nil), row...)
			}
			continue
		}
		pct := s.PercentileOf(d)
		prof, warns := foldRows(rows[d], d, spd, a.Grid.Start, pct, s.Profile)
		p.Warnings = append(p.Warnings, warns...)
		if s.Profile == "full" {
			f := make([]float32, slots)
			for t, v := range rows[d] {
				if d == DimMem && !math.IsNaN(v) {
					v += ovh
				}
				f[t] = float32(v)
			}
			p.Full[d] = f
		}
		p.Demand.Values[d] = prof
		for k, v := range pcts {
			if pct != s.Percentile {
				v = pct // set apart by PercentileByDim: keeps its own
			}
			alt[k].Values[d], _ = foldRows(rows[d], d, spd, a.Grid.Start, v, s.Profile)
		}
	}
	for t := range p.Demand.Values[DimMem] {
		p.Demand.Values[DimMem][t] += ovh
	}
	for k := range alt {
		for t := range alt[k].Values[DimMem] {
			alt[k].Values[DimMem][t] += ovh
		}
	}
	if len(pcts) == 0 {
		alt = nil
	}
	return p, alt, nil
}

// foldRows folds one dimension's aligned slots into its profile at
// percentile pct: "day" (and "full", whose time-of-day profile fills the
// timeline's gaps) per time of day, "week" per time of week from Monday
// 00:00 UTC; a time of day with no data on any day takes the profile's
// peak, a time of week its time-of-day value. It returns the warnings
// that say so.
func foldRows(row []float64, d Dim, spd int, start time.Time, pct float64, profile string) ([]float64, []string) {
	var warns []string
	prof, empty := DailyProfile(row, spd, pct)
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
	if profile == "week" {
		off := weekdayOffset(start) * spd
		wk, empty := FoldProfile(row, off, 7*spd, pct)
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

// OnGrid returns the server's full-timeline demand on the fleet grid g (g
// starts at a UTC midnight, whole days, step = the profile's). A slot with
// data takes it; a slot in a gap or outside the server's own time span takes
// the server's time-of-day profile (Demand, the sizing percentile at that
// time of day) — a conservative fill, never an interpolation. filled counts
// the slots filled per dimension. Only for Settings.Profile "full".
func (p *ServerProfile) OnGrid(g Grid) (sd ServerDemand, filled [NumDims]int) {
	sd.ID = p.Demand.ID
	spd := len(p.Demand.Values[DimCPU])
	if spd == 0 || int(24*time.Hour/g.Step) != spd {
		panic("model: OnGrid with a grid step other than the profile's")
	}
	off := int(p.FullStart.Sub(g.Start) / g.Step)
	for d := Dim(0); d < NumDims; d++ {
		day := p.Demand.Values[d]
		row := make([]float64, g.Slots)
		full := p.Full[d]
		for T := range row {
			t := T - off
			if full != nil && t >= 0 && t < len(full) && !math.IsNaN(float64(full[t])) {
				row[T] = float64(full[t])
				continue
			}
			row[T] = day[T%spd]
			if full != nil {
				filled[d]++
			}
		}
		sd.Values[d] = row
	}
	return sd, filled
}

// ErrNoSamples means a server has an inventory but no samples.
var ErrNoSamples = fmt.Errorf("no samples")
