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
	sort.Float64s(v)
	f := p * float64(len(v))
	k := int(math.Ceil(f - 1e-9*f)) // 1-based rank
	k = min(max(k, 1), len(v))
	return v[k-1]
}

// DailyProfile folds a series on a day grid into one day: slot j of the
// result is the p-th percentile (0 < pct ≤ 100) of x[j], x[j+slotsPerDay],
// x[j+2·slotsPerDay], ... over the slots that hold data. A time of day with
// no data on any day is NaN; empty counts them.
func DailyProfile(x []float64, slotsPerDay int, pct float64) (prof []float64, empty int) {
	if slotsPerDay <= 0 || len(x)%slotsPerDay != 0 {
		panic("model: DailyProfile with a series that is not whole days")
	}
	days := len(x) / slotsPerDay
	prof = make([]float64, slotsPerDay)
	col := make([]float64, days)
	for j := range prof {
		for d := 0; d < days; d++ {
			col[d] = x[d*slotsPerDay+j]
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
	Demand ServerDemand
	CPU    CPUNorm
	// First and Last bound the samples (Last is the end of the last interval).
	First, Last time.Time
	// CoveredSec is the time covered by samples.
	CoveredSec int64
	Samples    int
	Warnings   []string
}

// dimMetrics lists, per dimension, the metrics summed into it.
var dimMetrics = [NumDims][]Metric{
	DimCPU:       {CPUBusyPct},
	DimMem:       {MemUsedBytes},
	DimDiskIOPS:  {DiskReadIOPS, DiskWriteIOPS},
	DimDiskBytes: {DiskReadBytesPerSec, DiskWriteBytesPerSec},
	DimNetBytes:  {NetRxBytesPerSec, NetTxBytesPerSec},
}

// Profile turns a server's samples into its daily demand profile:
//
//  1. align the samples onto whole UTC days with the settings' step (Align);
//  2. per slot, take the interval max or mean (SlotStat) and convert to the
//     dimension's unit: CPU = busy% / 100 × CoresRef × CPUVirtFactor; memory
//     = used bytes; disk and network = read + write, receive + transmit;
//  3. fold the days into one: the Percentile per time of day (DailyProfile);
//     a time of day with no data on any day takes the profile's peak;
//  4. add the per-VM memory overhead (VMMemOverheadBytes) to every slot.
//
// A dimension the source never measured is zero demand, with a warning;
// memory falls back to the installed memory when the inventory knows it.
func Profile(srv *Server, s Settings) (*ServerProfile, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	p := &ServerProfile{Demand: ServerDemand{ID: srv.ID}}
	step := s.Step()
	spd := int(24 * time.Hour / step)
	p.CPU, p.Warnings = NormaliseCPU(srv.Inventory, s)
	ser := &srv.Series
	p.Samples = ser.Len()
	if ser.Len() == 0 {
		return nil, fmt.Errorf("server %s: %w", srv.ID, ErrNoSamples)
	}
	p.First = time.Unix(ser.Start[0], 0).UTC()
	p.Last = time.Unix(ser.Start[ser.Len()-1]+int64(ser.IntervalSec[ser.Len()-1]), 0).UTC()
	p.CoveredSec = CoveredSeconds(ser)
	a := Align(ser, DayGrid(ser, step))
	pick := a.Max
	if s.SlotStat == "mean" {
		pick = a.Mean
	}
	slots := a.Grid.Slots
	for d := Dim(0); d < NumDims; d++ {
		row := make([]float64, slots)
		measured := false
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
			if d == DimCPU {
				v = v / 100 * p.CPU.CoresRef * s.CPUVirtFactor
			}
			row[t] = v
		}
		if !measured {
			p.Demand.Values[d] = make([]float64, spd)
			if d == DimMem && srv.Inventory.MemTotalBytes > 0 {
				// Conservative: a server whose memory use is unknown is
				// sized at its installed memory.
				for t := range p.Demand.Values[d] {
					p.Demand.Values[d][t] = float64(srv.Inventory.MemTotalBytes)
				}
				p.Warnings = append(p.Warnings, "no memory use data: sized at the installed memory")
				continue
			}
			p.Warnings = append(p.Warnings, fmt.Sprintf("no %s data: %s demand counted as 0", d, d))
			continue
		}
		prof, empty := DailyProfile(row, spd, s.Percentile)
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
			p.Warnings = append(p.Warnings, fmt.Sprintf("%s: %d of %d times of day have no data on any day; filled with the profile's peak", d, empty, spd))
		}
		p.Demand.Values[d] = prof
	}
	guestRAM := float64(srv.Inventory.MemTotalBytes)
	if guestRAM <= 0 {
		guestRAM = Quantile(1, ser.Max[MemTotalBytes])
		if math.IsNaN(guestRAM) {
			guestRAM = 0
		}
	}
	ovh := VMMemOverheadBytes(guestRAM, p.CPU.Cores, s)
	for t := range p.Demand.Values[DimMem] {
		p.Demand.Values[DimMem][t] += ovh
	}
	return p, nil
}

// ErrNoSamples means a server has an inventory but no samples.
var ErrNoSamples = fmt.Errorf("no samples")
