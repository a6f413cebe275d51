package model

import (
	"math"
	"time"
)

// Per-VM percentile × comfort sizing, the method of Azure Migrate's
// performance-based assessment: every VM at its own P95 of each resource
// times a comfort factor of 1.3, flat over time (docs/model.md §18).
const (
	BaselinePercentile = 95
	BaselineComfort    = 1.3
)

// DefaultLegacyServerWatts is the power draw assumed for a legacy server
// whose inventory gives none (Inventory.Watts = 0); docs/model.md §19
// gives the reasoning.
const DefaultLegacyServerWatts = 250

// SlotQuantile returns, per resource, the p-quantile (0 < p ≤ 1, nearest
// rank, Quantile) of a profile's aligned slots (Settings.Profile "full":
// the Full timeline, gaps left out) with no time alignment or folding; a
// resource never measured takes its constant profile value (installed
// memory for memory, else 0). p = 1 is the server's peak.
func SlotQuantile(p *ServerProfile, q float64) Capacity {
	var c Capacity
	for d := Dim(0); d < NumDims; d++ {
		if p.Full[d] == nil {
			if row := p.Demand.Values[d]; len(row) > 0 {
				c[d] = row[0]
			}
			continue
		}
		x := make([]float64, 0, len(p.Full[d]))
		for _, v := range p.Full[d] {
			x = append(x, float64(v))
		}
		v := Quantile(q, x)
		if math.IsNaN(v) {
			v = 0
		}
		c[d] = v
	}
	return c
}

// FlatSize is one server sized at a constant demand.
type FlatSize struct {
	ID   string
	Size Capacity
}

// FlatDemand returns a one-slot demand holding every server's flat size,
// for packing a baseline: with no time dimension, time-aware packing is
// plain vector packing.
func FlatDemand(sizes []FlatSize, start time.Time, step time.Duration) *Demand {
	d := &Demand{Start: start, Step: step, Slots: 1, Profile: "flat"}
	for _, f := range sizes {
		sd := ServerDemand{ID: f.ID}
		for k := Dim(0); k < NumDims; k++ {
			sd.Values[k] = []float64{f.Size[k]}
		}
		d.Servers = append(d.Servers, sd)
	}
	return d
}

// PeakAndPercentileSizes profiles srv without time alignment and returns
// its flat sizes per resource: peak (the largest slot) and pctl (the
// pct-th percentile of its slots, 0 < pct ≤ 100, times comfort for every
// measured resource), both with the per-VM memory overhead of s. The
// slots are s's grid step with the interval max (SlotStat "max"), before
// any comfort factor, saturation uplift or growth of s: this is the
// per-VM sizing of Azure Migrate, not kvmfit's.
func PeakAndPercentileSizes(srv *Server, s Settings, pct, comfort float64) (peak, pctl Capacity, err error) {
	bs := s.Clone()
	bs.Profile, bs.SlotStat, bs.Percentile, bs.PercentileByDim = "full", "max", 100, nil
	bs.ComfortFactor, bs.SaturationUplift, bs.HorizonMonths, bs.GrowthPctPerYear = 1, 1, 0, 0
	bs.VMMemOverheadFraction, bs.VMMemOverheadBaseBytes, bs.VMMemOverheadPerVCPUBytes = 0, 0, 0
	p, err := Profile(srv, bs)
	if err != nil {
		return peak, pctl, err
	}
	ovh := VMMemOverheadBytes(GuestRAMBytes(srv), p.CPU.Cores, s)
	peak = SlotQuantile(p, 1)
	pctl = SlotQuantile(p, pct/100)
	for d := range pctl {
		if p.Full[d] != nil {
			pctl[d] *= comfort
		}
	}
	peak[DimMem] += ovh
	pctl[DimMem] += ovh
	return peak, pctl, nil
}

// GuestRAMBytes is a server's installed memory: the inventory's, else the
// largest total memory sampled, else 0.
func GuestRAMBytes(srv *Server) float64 {
	if v := float64(srv.Inventory.MemTotalBytes); v > 0 {
		return v
	}
	v := Quantile(1, srv.Series.Max[MemTotalBytes])
	if math.IsNaN(v) {
		return 0
	}
	return v
}
