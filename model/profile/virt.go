package profile

import (
	"math"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// VirtNone and VirtFactorOnly name the two virtualisation variants that are
// not presets: no virtualisation at all (bare metal: CPU factor 1, no CPU
// cost of I/O, no per-VM memory, no host reserve) and the plan's CPU
// factor without the CPU cost of I/O, which splits the per-VM CPU
// overhead into its two parts.
const (
	VirtNone       = "none"
	VirtFactorOnly = "factor-only"
	// VirtPlan is the plan's own settings, which flags may have set apart
	// from every preset.
	VirtPlan = "plan"
)

// VirtCPU is a server's CPU profile under one virtualisation variant: the
// time-of-day (or time-of-week) profile folded exactly as Result.Demand's
// CPU row, with that variant's CPU factor, CPU cost of I/O and CPU cap.
type VirtCPU struct {
	Name string
	CPU  []float32
	// MemOverheadBytes is the variant's per-VM memory overhead.
	MemOverheadBytes float64
}

// VirtVariant is the fleet under one virtualisation variant.
type VirtVariant struct {
	// Name is VirtNone, VirtFactorOnly, or a model.VirtPresets name.
	Name string
	// Settings are the plan's settings with the variant's overhead numbers.
	Settings model.Settings
	// CPU and MemOverheadBytes are per server, in Demand order. For the
	// "full" kind CPU is the time-of-day profile, not the timeline.
	CPU              [][]float32
	MemOverheadBytes []float64
}

// VirtVariants returns the settings of every variant a profile carries:
// VirtNone, VirtFactorOnly, VirtPlan (s itself), then every preset, each s
// with the variant's overhead numbers.
func VirtVariants(s model.Settings) []VirtVariant {
	none := s.Clone()
	none.Virt = VirtNone
	none.CPUVirtFactor, none.CPUCoresPerKIOPS, none.CPUCoresPerNetGBPerSec = 1, 0, 0
	none.VMMemOverheadFraction, none.VMMemOverheadBaseBytes, none.VMMemOverheadPerVCPUBytes = 0, 0, 0
	none.HostReserveCores, none.HostReserveMemBytes = 0, 0
	factor := s.Clone()
	factor.Virt = VirtFactorOnly
	factor.CPUCoresPerKIOPS, factor.CPUCoresPerNetGBPerSec = 0, 0
	out := []VirtVariant{{Name: VirtNone, Settings: none}, {Name: VirtFactorOnly, Settings: factor}, {Name: VirtPlan, Settings: s.Clone()}}
	for _, p := range model.VirtPresets {
		v := s.Clone()
		v.ApplyVirt(p)
		out = append(out, VirtVariant{Name: p.Name, Settings: v})
	}
	return out
}

// virtCPUs profiles the server's CPU under every variant (VirtVariants):
// busy reference cores with the variant's factor and CPU cost of I/O,
// scaled by cpuScale, capped at the variant's entitlement and folded like
// the plan's own CPU row. Variants with the same CPU numbers share a row;
// planCPU, when not nil, is s's own CPU row already folded (Result.Demand's,
// which these steps give exactly), taken instead of folding it again.
func (p *Result) virtCPUs(srv *model.Server, busy []float64, io slotIO, cpuScale float64, start time.Time, planCPU []float64, s model.Settings) []VirtCPU {
	spd := int(24 * time.Hour / s.Step())
	type key struct{ f, k, n float64 }
	done := map[key][]float32{}
	if planCPU != nil {
		done[key{s.CPUVirtFactor, s.CPUCoresPerKIOPS, s.CPUCoresPerNetGBPerSec}] = float32Row(planCPU)
	}
	var out []VirtCPU
	for _, v := range VirtVariants(s) {
		vs := v.Settings
		k := key{vs.CPUVirtFactor, vs.CPUCoresPerKIOPS, vs.CPUCoresPerNetGBPerSec}
		row, ok := done[k]
		if !ok {
			cpu := virtCPU(busy, io, vs)
			for t := range cpu {
				cpu[t] *= cpuScale
			}
			capCPU(cpu, io, srv.Inventory, p.CPU, vs)
			folded, _ := foldRows(cpu, model.DimCPU, spd, start, s.PercentileOf(model.DimCPU), s.Profile)
			row = float32Row(folded)
			done[k] = row
		}
		out = append(out, VirtCPU{Name: v.Name, CPU: row, MemOverheadBytes: VMMemOverheadBytes(GuestRAMBytes(srv), p.CPU.Cores, vs)})
	}
	return out
}

// float32Row is a folded row as float32, NaN as 0.
func float32Row(folded []float64) []float32 {
	row := make([]float32, len(folded))
	for t, x := range folded {
		if !math.IsNaN(x) {
			row[t] = float32(x)
		}
	}
	return row
}
