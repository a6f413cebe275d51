package profile

import (
	"fmt"
	"math"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// Result is one server profiled (Server): its packable demand, with what
// the plan and report say about it.
type Result struct {
	// Demand is the profile packed with Settings.Profile "day" or "week".
	// With "full" it is the time-of-day profile, which fills the gaps of
	// the full timeline (see OnGrid).
	Demand model.ServerDemand
	CPU    model.CPUNorm
	// Full is, with Settings.Profile "full", the server's demand on its own
	// whole-day grid from FullStart, memory overhead included, NaN in gaps.
	// A nil row is a dimension never measured: its Demand row (a constant)
	// is used everywhere. float32 halves the memory of a 10,000-server
	// fleet's timelines while they wait for the fleet grid.
	Full      [model.NumDims][]float32
	FullStart time.Time
	// First and Last bound the samples (Last is the end of the last interval).
	First, Last time.Time
	// CoveredSec is the time covered by samples.
	CoveredSec int64
	Samples    int
	// Fallback says, per dimension, how a dimension without a single
	// usable slot was sized (FallbackSampleMax, FallbackCapacity,
	// FallbackInstalled, FallbackZero); "" when it was measured.
	Fallback [model.NumDims]string
	// SlotsPresent is the number of aligned slots in which at least one
	// packed resource was measured (before any fill).
	SlotsPresent int
	Analysis     model.ServerAnalysis
	Warnings     []string
	// Virt is the CPU profile under every virtualisation variant
	// (VirtVariants), for the plan's overhead figures (zero when CPU was
	// never measured).
	Virt []VirtCPU
}

// dimMetrics lists, per dimension, the metrics summed into it.
var dimMetrics = [model.NumDims][]model.Metric{
	model.DimCPU:       {model.CPUBusyPct},
	model.DimMem:       {model.MemUsedBytes},
	model.DimDiskIOPS:  {model.DiskReadIOPS, model.DiskWriteIOPS},
	model.DimDiskBytes: {model.DiskReadBytesPerSec, model.DiskWriteBytesPerSec},
	model.DimNetBytes:  {model.NetRxBytesPerSec, model.NetTxBytesPerSec},
}

// sumMetrics returns, per slot, the sum of the metrics of d that hold data
// in pick, NaN where none does; measured says whether any slot had data.
func sumMetrics(pick *[model.NumMetrics][]float64, d model.Dim, slots int) (row []float64, measured bool) {
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

// Server profiles one server: it turns the server's samples into its
// packable demand, in named steps (profileWith):
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
//  4. fold: "day" = the percentile per time of day (FoldDays), "week" =
//     per time of week from Monday 00:00 UTC (Fold), "full" = keep
//     the timeline (Full) for OnGrid; a time of day with no data on any day
//     takes the profile's peak, a time of week its time-of-day value;
//  5. add the per-VM memory overhead (VMMemOverheadBytes) to every slot.
//
// A dimension the source never measured is zero demand, with a warning;
// memory falls back to the installed memory when the inventory knows it.
func Server(srv *model.Server, s model.Settings) (*Result, error) {
	p, _, err := profileWith(srv, s, nil)
	return p, err
}

// ServerPercentiles is Server plus, from the same aligned data, the
// server's demand at each of the sizing percentiles pcts (0 < p ≤ 100):
// alt[k] is the Demand that Server would give with the percentile pcts[k]
// for every resource whose percentile is s.Percentile (a resource set
// apart by PercentileByDim keeps its own). Only the folding differs, so
// this costs little more than Server. With Settings.Profile "full" alt is
// nil.
func ServerPercentiles(srv *model.Server, s model.Settings, pcts []float64) (p *Result, alt []model.ServerDemand, err error) {
	return serverPercentiles(srv, s, nil, pcts)
}

// serverPercentiles is ServerPercentiles on srv's data aligned by
// alignServer (nil: align here).
func serverPercentiles(srv *model.Server, s model.Settings, a *Aligned, pcts []float64) (p *Result, alt []model.ServerDemand, err error) {
	for _, v := range pcts {
		if !(v > 0 && v <= 100) {
			return nil, nil, fmt.Errorf("percentile %g: must be in (0, 100]", v)
		}
	}
	return profileAligned(srv, s, a, pcts, true)
}

// profileWith is Server and ServerPercentiles: validate the settings,
// align, sum the metrics of each dimension, analyse, add the
// virtualisation overhead, scale, fold.
func profileWith(srv *model.Server, s model.Settings, pcts []float64) (*Result, []model.ServerDemand, error) {
	return profileAligned(srv, s, nil, pcts, true)
}

// alignServer aligns the metrics a profile reads (profiledMetrics) of srv
// onto the whole days of its samples with s's step: what profileAligned
// takes, shared by every profile of srv with the same step.
func alignServer(srv *model.Server, s model.Settings) *Aligned {
	return alignMetrics(&srv.Series, DayGrid(&srv.Series, s.Step()), profiledMetrics)
}

// profileAligned is profileWith on srv's data already aligned by
// alignServer with s's step (nil: align here); a is only read. Without
// virt, the profile is for its sizes only (the per-VM baseline): Result.Virt
// is left out, and so is the part of the analysis that changes no slot
// (sizesOnlyAnalysis).
func profileAligned(srv *model.Server, s model.Settings, a *Aligned, pcts []float64, virt bool) (*Result, []model.ServerDemand, error) {
	if err := s.Validate(); err != nil {
		return nil, nil, err
	}
	p, err := newResult(srv, s)
	if err != nil {
		return nil, nil, err
	}
	spd := int(24 * time.Hour / s.Step())
	if a == nil {
		a = alignServer(srv, s)
	} else if a.Grid.Step != s.Step() {
		panic("profile: aligned data with another step")
	}
	rows, measured := slotRows(a, s.SlotStat)
	p.SlotsPresent = slotsPresent(&rows)
	// Busy reference cores, before any overhead: right-sizing and the trend.
	busy := make([]float64, a.Grid.Slots)
	for t, v := range rows[model.DimCPU] {
		busy[t] = v / 100 * p.CPU.CoresRef
	}
	if virt || (s.HorizonMonths > 0 && s.GrowthTrend) {
		p.analyse(srv, a, rows[model.DimMem], busy, spd, s)
	} else {
		p.sizesOnlyAnalysis(a, spd, s)
	}
	p.fillUnusable(srv, &rows, &measured, busy, s)
	io := ioRows(a)
	rows[model.DimCPU] = virtCPU(busy, io, s)
	scale(&rows, p.Analysis, s)
	p.Analysis.Entitlement = capCPU(rows[model.DimCPU], io, srv.Inventory, p.CPU, s)
	if s.Profile == model.ProfileFull {
		p.FullStart = a.Grid.Start
		pcts = nil
	}
	ovh := VMMemOverheadBytes(GuestRAMBytes(srv), p.CPU.Cores, s)
	alt := p.fold(srv, &rows, measured, a.Grid.Start, ovh, pcts, s)
	if virt {
		// The plan's own CPU row, just folded, is its variant's: reused.
		p.Virt = p.virtCPUs(srv, busy, io, cpuScale(p.Analysis, s), a.Grid.Start, p.Demand.Values[model.DimCPU], s)
	}
	p.Analysis.Entitlement.MemEntitledBytes = GuestRAMBytes(srv) + ovh
	return p, alt, nil
}

// newResult starts the profile of srv: its CPU normalisation and the
// bounds of its samples. A server without samples is ErrNoSamples.
func newResult(srv *model.Server, s model.Settings) (*Result, error) {
	p := &Result{Demand: model.ServerDemand{ID: srv.ID}}
	p.CPU, p.Warnings = NormaliseCPU(srv.Inventory, s)
	ser := &srv.Series
	p.Samples = ser.Len()
	if ser.Len() == 0 {
		return nil, fmt.Errorf("server %s: %w", srv.ID, ErrNoSamples)
	}
	p.First = time.Unix(ser.Start[0], 0).UTC()
	p.Last = time.Unix(ser.Start[ser.Len()-1]+int64(ser.IntervalSec[ser.Len()-1]), 0).UTC()
	p.CoveredSec = CoveredSeconds(ser)
	return p, nil
}

// slotRows returns, per dimension, the aligned slots of its metrics summed
// (the interval max or mean, as slotStat says), NaN where none was
// measured, and whether the dimension was measured at all.
func slotRows(a *Aligned, slotStat string) (rows [model.NumDims][]float64, measured [model.NumDims]bool) {
	pick := &a.Max
	if slotStat == "mean" {
		pick = &a.Mean
	}
	for d := model.Dim(0); d < model.NumDims; d++ {
		rows[d], measured[d] = sumMetrics(pick, d, a.Grid.Slots)
	}
	return rows, measured
}

// slotsPresent counts the slots in which at least one dimension holds data.
func slotsPresent(rows *[model.NumDims][]float64) int {
	n := 0
	for t := range rows[model.DimCPU] {
		for d := model.Dim(0); d < model.NumDims; d++ {
			if !math.IsNaN(rows[d][t]) {
				n++
				break
			}
		}
	}
	return n
}

// analyse fills p.Analysis from the aligned data (saturation from the slot
// means of CPU busy %, growth and right-sizing from the busy reference
// cores and used memory) and warns about saturation and a capped growth.
func (p *Result) analyse(srv *model.Server, a *Aligned, mem, busy []float64, spd int, s model.Settings) {
	an := &p.Analysis
	an.CPUNorm = p.CPU
	an.OSFamily = srv.Inventory.OSFamily
	an.Saturation = DetectSaturation(a.Mean[model.CPUBusyPct], spd, s)
	an.Growth = ProjectGrowth(busy, mem, spd, s)
	an.Rightsize = Rightsize(busy, a.Max[model.MemUsedBytes], srv.Inventory, p.CPU, an.Saturation.UpliftApplied, s)
	if an.Saturation.Flagged {
		p.Warnings = append(p.Warnings, fmt.Sprintf("CPU saturated (≥ %g%% busy for %d min or more on %d of %d days): true demand is higher than measured; CPU demand × %g (assumed)",
			s.SaturationCPUPct, s.SaturationMinutes, an.Saturation.DaysSaturated, an.Saturation.DaysWithData, s.SaturationUplift))
	}
	if an.Growth.Capped {
		p.Warnings = append(p.Warnings, fmt.Sprintf("growth projection capped at × %g", s.GrowthCap))
	}
}

// sizesOnlyAnalysis is analyse for a profile whose slots are all that is
// used, without a horizon or without GrowthTrend: what scale reads, the
// same numbers (saturation, and growth factors that are then the global
// one whatever the trend: growthFactors); the trend fit, the right-sizing
// and the warnings are left out.
func (p *Result) sizesOnlyAnalysis(a *Aligned, spd int, s model.Settings) {
	an := &p.Analysis
	an.CPUNorm = p.CPU
	an.Saturation = DetectSaturation(a.Mean[model.CPUBusyPct], spd, s)
	an.Growth = growthFactors(s)
}

// slotIO is a server's disk IOPS and network bytes/s per aligned slot
// (slot means, NaN where not measured): what costs host CPU through the
// virtualisation layer.
type slotIO struct{ iops, net []float64 }

// ioRows returns a's slotIO, computed once per Aligned (the rows are only
// read; an Aligned is profiled by one goroutine at a time).
func ioRows(a *Aligned) slotIO {
	if a.io == nil {
		iops, _ := sumMetrics(&a.Mean, model.DimDiskIOPS, a.Grid.Slots)
		net, _ := sumMetrics(&a.Mean, model.DimNetBytes, a.Grid.Slots)
		a.io = &slotIO{iops, net}
	}
	return *a.io
}

// plusCPU returns v plus the CPU cost of slot t's disk IOPS and network
// bytes (CPUCoresPerKIOPS, CPUCoresPerNetGBPerSec).
func (io slotIO) plusCPU(v float64, t int, s model.Settings) float64 {
	if x := io.iops[t]; !math.IsNaN(x) {
		v += s.CPUCoresPerKIOPS * x / 1000
	}
	if x := io.net[t]; !math.IsNaN(x) {
		v += s.CPUCoresPerNetGBPerSec * x / 1e9
	}
	return v
}

// virtCPU returns the CPU demand per slot once virtualised: busy reference
// cores × CPUVirtFactor, plus the CPU cost of the slot's disk IOPS and
// network bytes. A slot without CPU data stays NaN.
func virtCPU(busy []float64, io slotIO, s model.Settings) []float64 {
	cpu := make([]float64, len(busy))
	for t, v := range busy {
		if math.IsNaN(v) {
			cpu[t] = v
			continue
		}
		cpu[t] = io.plusCPU(v*s.CPUVirtFactor, t, s)
	}
	return cpu
}

// cpuScale is what scale multiplies CPU slots by: the comfort factor, the
// saturation uplift and the CPU growth factor.
func cpuScale(an model.ServerAnalysis, s model.Settings) float64 {
	return s.ComfortFactor * an.Saturation.UpliftApplied * an.Growth.CPUFactor
}

// scale multiplies every slot by ComfortFactor and the growth factor of
// its dimension, CPU also by the saturation uplift.
func scale(rows *[model.NumDims][]float64, an model.ServerAnalysis, s model.Settings) {
	var factor [model.NumDims]float64
	for d := range factor {
		factor[d] = s.ComfortFactor * an.Growth.GlobalFactor
	}
	factor[model.DimCPU] = cpuScale(an, s)
	factor[model.DimMem] = s.ComfortFactor * an.Growth.MemFactor
	for d := model.Dim(0); d < model.NumDims; d++ {
		if f := factor[d]; f != 1 {
			for t := range rows[d] {
				rows[d][t] *= f
			}
		}
	}
}

// fold folds every dimension's slots into p.Demand at its sizing
// percentile (foldRows), keeps the timeline in p.Full with Profile
// "full", and returns the demand folded at each of pcts (see
// ServerPercentiles; nil without pcts). A dimension never measured is a
// constant row (unmeasuredRow). Memory then carries the per-VM overhead
// ovh in every slot.
func (p *Result) fold(srv *model.Server, rows *[model.NumDims][]float64, measured [model.NumDims]bool, start time.Time, ovh float64, pcts []float64, s model.Settings) []model.ServerDemand {
	spd := int(24 * time.Hour / s.Step())
	alt := make([]model.ServerDemand, len(pcts))
	for k := range alt {
		alt[k].ID = srv.ID
	}
	for d := model.Dim(0); d < model.NumDims; d++ {
		if !measured[d] {
			row, warn := unmeasuredRow(d, srv.Inventory, spd, s.Profile)
			p.Warnings = append(p.Warnings, warn)
			p.Demand.Values[d] = row
			for k := range alt {
				alt[k].Values[d] = append([]float64(nil), row...)
			}
			continue
		}
		pct := s.PercentileOf(d)
		var prof []float64
		var warns []string
		if len(pcts) == 0 {
			prof, warns = foldRows(rows[d], d, spd, start, pct, s.Profile)
		} else {
			// The plan's percentile and the others from one sort per slot.
			ps := make([]float64, 1, 1+len(pcts))
			ps[0] = pct
			for _, v := range pcts {
				if pct != s.Percentile {
					v = pct // set apart by PercentileByDim: keeps its own
				}
				ps = append(ps, v)
			}
			var profs [][]float64
			profs, warns = foldRowsMulti(rows[d], d, spd, start, ps, s.Profile)
			prof = profs[0]
			for k := range alt {
				alt[k].Values[d] = profs[1+k]
			}
		}
		p.Warnings = append(p.Warnings, warns...)
		if s.Profile == model.ProfileFull {
			p.Full[d] = fullRow(rows[d], d, ovh)
		}
		p.Demand.Values[d] = prof
	}
	addOverhead(p.Demand.Values[model.DimMem], ovh)
	for k := range alt {
		addOverhead(alt[k].Values[model.DimMem], ovh)
	}
	if len(pcts) == 0 {
		return nil
	}
	return alt
}

// capCPU lowers every CPU slot (busy cores with margins, virtualisation
// factor and the CPU cost of I/O) to what the server's vCPUs can use on the
// target host: vCPUs × TargetCoreScore / ReferenceCoreScore × CPUVirtFactor,
// plus that slot's CPU cost of I/O (host threads outside the vCPUs). It
// returns the entitlement; no cap without a target core score.
func capCPU(cpu []float64, io slotIO, inv model.Inventory, n model.CPUNorm, s model.Settings) model.Entitlement {
	e := model.Entitlement{VCPUs: inv.VCPUs()}
	if e.VCPUs <= 0 {
		e.VCPUs = n.Cores
	}
	if s.TargetCoreScore <= 0 {
		return e
	}
	e.CPUCapCoresRef = float64(e.VCPUs) * s.TargetCoreScore / s.ReferenceCoreScore * s.CPUVirtFactor
	for t, v := range cpu {
		if math.IsNaN(v) {
			continue
		}
		if c := io.plusCPU(e.CPUCapCoresRef, t, s); v > c {
			cpu[t] = c
			e.SlotsCapped++
		}
	}
	return e
}

// unmeasuredRow is the profile of a dimension the source never measured:
// zero, except memory, which a server whose memory use is unknown is sized
// at its installed memory when the inventory knows it (conservative). The
// warning says which.
func unmeasuredRow(d model.Dim, inv model.Inventory, spd int, kind model.ProfileKind) (row []float64, warning string) {
	row = make([]float64, spd)
	if d == model.DimMem && inv.MemTotalBytes > 0 {
		for t := range row {
			row[t] = float64(inv.MemTotalBytes)
		}
		warning = "no memory use data: sized at the installed memory"
	} else {
		warning = fmt.Sprintf("no %s data: %s demand counted as 0", d, d)
	}
	if kind == model.ProfileWeek {
		row = repeat(row, 7)
	}
	return row, warning
}

// fullRow is a dimension's timeline as kept for the "full" profile:
// float32, memory with the per-VM overhead ovh, NaN in gaps.
func fullRow(row []float64, d model.Dim, ovh float64) []float32 {
	f := make([]float32, len(row))
	for t, v := range row {
		if d == model.DimMem && !math.IsNaN(v) {
			v += ovh
		}
		f[t] = float32(v)
	}
	return f
}

// addOverhead adds the per-VM memory overhead ovh to every slot of row.
func addOverhead(row []float64, ovh float64) {
	for t := range row {
		row[t] += ovh
	}
}

// OnGrid returns the server's full-timeline demand on the fleet grid g (g
// starts at a UTC midnight, whole days, step = the profile's). A slot with
// data takes it; a slot in a gap or outside the server's own time span takes
// the server's time-of-day profile (Demand, the sizing percentile at that
// time of day) — a conservative fill, never an interpolation. filled counts
// the slots filled per dimension. Only for Settings.Profile "full".
func (p *Result) OnGrid(g Grid) (sd model.ServerDemand, filled [model.NumDims]int) {
	sd.ID = p.Demand.ID
	spd := len(p.Demand.Values[model.DimCPU])
	if spd == 0 || int(24*time.Hour/g.Step) != spd {
		panic("model: OnGrid with a grid step other than the profile's")
	}
	off := int(p.FullStart.Sub(g.Start) / g.Step)
	for d := model.Dim(0); d < model.NumDims; d++ {
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

// How a dimension without a usable slot is sized (Result.Fallback).
const (
	// FallbackSampleMax: samples measure it, but none of its slots is at
	// least half covered (a few short samples): the largest sample, in
	// every slot.
	FallbackSampleMax = "sample_max"
	// FallbackCapacity: CPU never measured: the server's whole CPU
	// capacity, in every slot.
	FallbackCapacity = "capacity"
	// FallbackInstalled: memory use never measured: the installed memory.
	FallbackInstalled = "installed"
	// FallbackZero: never measured and nothing to size it from (disk and
	// network of a CPU-only trace; memory without an installed size):
	// zero demand.
	FallbackZero = "zero"
)

// fillUnusable sizes every dimension that has no usable slot (measured
// false) conservatively, never at zero when anything is known, and records
// how in p.Fallback with a warning:
//
//   - samples measure it but none of its slots is at least half covered
//     (five 10-second sar samples): the largest sample (interval mean or
//     max, as SlotStat says; CPU in busy reference cores) in every slot;
//   - CPU never measured: the server's whole capacity (CoresRef);
//   - memory never measured: left to unmeasuredRow (the installed memory,
//     else zero);
//   - disk and network never measured: zero (unmeasuredRow).
//
// It runs after the analysis, which sees only the measured slots (a filled
// row has no trend and no saturation), and fills busy for CPU (the rows
// of CPU are rebuilt from busy), rows[d] for the other dimensions.
func (p *Result) fillUnusable(srv *model.Server, rows *[model.NumDims][]float64, measured *[model.NumDims]bool, busy []float64, s model.Settings) {
	for d := model.Dim(0); d < model.NumDims; d++ {
		if measured[d] {
			continue
		}
		v, n := sampleMax(&srv.Series, d, s.SlotStat)
		switch {
		case n > 0:
			p.Fallback[d] = FallbackSampleMax
			row, shown := rows[d], fmt.Sprintf("%.6g", v)
			if d == model.DimCPU {
				row, shown = busy, fmt.Sprintf("%.4g%% busy", v)
				v = v / 100 * p.CPU.CoresRef
			}
			for t := range row {
				row[t] = v
			}
			measured[d] = true
			p.Warnings = append(p.Warnings, fmt.Sprintf("no usable %s data: %d samples, but no %g-second slot at least half covered by them; sized at the largest sample (%s) in every slot",
				d, n, s.Step().Seconds(), shown))
		case d == model.DimCPU:
			p.Fallback[d] = FallbackCapacity
			for t := range busy {
				busy[t] = p.CPU.CoresRef
			}
			measured[d] = true
			p.Warnings = append(p.Warnings, fmt.Sprintf("no CPU data: sized at the server's whole CPU capacity (%.4g reference cores) in every slot", p.CPU.CoresRef))
		case d == model.DimMem && srv.Inventory.MemTotalBytes > 0:
			p.Fallback[d] = FallbackInstalled // unmeasuredRow warns
		default:
			p.Fallback[d] = FallbackZero // unmeasuredRow warns
		}
	}
}

// sampleMax returns the largest value of dimension d over the samples of
// s (the sum of its metrics per sample, interval means with slotStat
// "mean", else maxima) and the number of samples measuring it.
func sampleMax(s *model.Series, d model.Dim, slotStat string) (v float64, n int) {
	pick := &s.Max
	if slotStat == "mean" {
		pick = &s.Mean
	}
	for i := range s.Start {
		x, any := 0.0, false
		for _, m := range dimMetrics[d] {
			if y := pick[m][i]; !math.IsNaN(y) {
				x += y
				any = true
			}
		}
		if any {
			n++
			v = max(v, x)
		}
	}
	return v, n
}

// ErrNoSamples means a server has an inventory but no samples.
var ErrNoSamples = fmt.Errorf("no samples")
