package profile

import (
	"math"

	"github.com/kvmfit/kvmfit/model"
)

// SlotQuantile returns, per resource, the p-quantile (0 < p ≤ 1, nearest
// rank, Quantile) of a profile's aligned slots (Settings.Profile "full":
// the Full timeline, gaps left out) with no time alignment or folding; a
// resource never measured takes its constant profile value (installed
// memory for memory, else 0). p = 1 is the server's peak.
func SlotQuantile(p *Result, q float64) model.Capacity {
	var c model.Capacity
	var x []float64 // scratch, shared by the resources
	for d := model.Dim(0); d < model.NumDims; d++ {
		if p.Full[d] == nil {
			if row := p.Demand.Values[d]; len(row) > 0 {
				c[d] = row[0]
			}
			continue
		}
		var v float64
		if q == 1 {
			// The peak: float32 to float64 is exact and keeps the order.
			v = float64(maxNonNaN32(p.Full[d]))
		} else {
			x = x[:0]
			for _, f := range p.Full[d] {
				x = append(x, float64(f))
			}
			v = quantileInPlace(q, x)
		}
		if math.IsNaN(v) {
			v = 0
		}
		c[d] = v
	}
	return c
}

// PeakAndPercentileSizes profiles srv without time alignment and returns
// its flat sizes per resource: peak (the largest slot) and pctl (the
// pct-th percentile of its slots, 0 < pct ≤ 100, times comfort for every
// measured resource), both with the per-VM memory overhead of s. The
// slots are s's grid step with the interval max (SlotStat "max"), before
// any comfort factor, saturation uplift or growth of s: this is the
// per-VM sizing of Azure Migrate, not kvmfit's.
func PeakAndPercentileSizes(srv *model.Server, s model.Settings, pct, comfort float64) (peak, pctl model.Capacity, err error) {
	return peakAndPercentileSizes(srv, s, nil, pct, comfort)
}

// peakAndPercentileSizes is PeakAndPercentileSizes on srv's data aligned
// by alignServer with s's step (nil: align here).
func peakAndPercentileSizes(srv *model.Server, s model.Settings, a *Aligned, pct, comfort float64) (peak, pctl model.Capacity, err error) {
	bs := s.Clone()
	bs.Profile, bs.SlotStat, bs.Percentile, bs.PercentileByDim = model.ProfileFull, "max", 100, nil
	bs.ComfortFactor, bs.SaturationUplift, bs.HorizonMonths, bs.GrowthPctPerYear = 1, 1, 0, 0
	bs.VMMemOverheadFraction, bs.VMMemOverheadBaseBytes, bs.VMMemOverheadPerVCPUBytes = 0, 0, 0
	// The anchors size on what was measured: no cap, no evidence reserve.
	bs.TargetCoreScore, bs.EvidenceReserve = 0, false
	p, _, err := profileAligned(srv, bs, a, nil, false)
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
	peak[model.DimMem] += ovh
	pctl[model.DimMem] += ovh
	return peak, pctl, nil
}

// GuestRAMBytes is a server's installed memory: the inventory's, else the
// largest total memory sampled, else 0.
func GuestRAMBytes(srv *model.Server) float64 {
	if v := float64(srv.Inventory.MemTotalBytes); v > 0 {
		return v
	}
	v := Quantile(1, srv.Series.Max[model.MemTotalBytes])
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// maxNonNaN32 is maxNonNaN of float32 values.
func maxNonNaN32(x []float32) float32 {
	m := float32(math.NaN())
	for _, v := range x {
		if v > m || (m != m && v == v) {
			m = v
		}
	}
	return m
}
