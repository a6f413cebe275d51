package model

import (
	"fmt"
	"math"
	"time"
)

// MiB and GiB are binary byte multiples.
const (
	MiB = 1 << 20
	GiB = 1 << 30
)

// Settings are every assumption a plan is built on. All of them are written
// into plan.json and shown in the report's assumptions table; docs/model.md
// gives the source of each default.
type Settings struct {
	// StepSec is the alignment grid step.
	StepSec int `json:"step_sec"`
	// Profile is how aligned data becomes slots: "day" = time of day.
	Profile string `json:"profile"`
	// Percentile is taken per slot over the days of data (0 < p <= 100).
	Percentile float64 `json:"percentile"`
	// SlotStat is which per-interval statistic feeds the percentile: "max" or "mean".
	SlotStat string `json:"slot_stat"`
	// Utilisation ceilings of a host, percent of raw capacity.
	CeilingPct DimValues `json:"ceiling_pct"`
	// Host reserve, subtracted from raw capacity before the ceiling.
	HostReserveCores    float64 `json:"host_reserve_cores"`
	HostReserveMemBytes float64 `json:"host_reserve_mem_bytes"`
	// CPUVirtFactor multiplies CPU demand for virtualisation overhead.
	CPUVirtFactor float64 `json:"cpu_virt_factor"`
	// Per-VM memory overhead: fraction × guest RAM + base + per vCPU.
	VMMemOverheadFraction     float64 `json:"vm_mem_overhead_fraction"`
	VMMemOverheadBaseBytes    float64 `json:"vm_mem_overhead_base_bytes"`
	VMMemOverheadPerVCPUBytes float64 `json:"vm_mem_overhead_per_vcpu_bytes"`
	// HTFactor is the throughput of a hyper-threaded core relative to a plain one.
	HTFactor float64 `json:"ht_factor"`
	// ReferenceCoreScore is the CPU score of one reference core.
	ReferenceCoreScore float64 `json:"reference_core_score"`
	// ReferenceCoreMHz is used when a server has no calibration score:
	// score = MHz / ReferenceCoreMHz × ReferenceCoreScore.
	ReferenceCoreMHz float64 `json:"reference_core_mhz"`
	// Cost model for comparing candidates.
	EnergyPricePerKWh float64 `json:"energy_price_per_kwh"`
	Years             float64 `json:"years"`
	// HostType is the host model asked for, or "" to choose the cheapest.
	HostType string `json:"host_type_requested"`
}

// DefaultSettings are the defaults of `kvmfit plan`. docs/model.md gives the
// source of each value.
var DefaultSettings = Settings{
	StepSec:    300,
	Profile:    "day",
	Percentile: 95,
	SlotStat:   "mean",
	CeilingPct: DimValues{
		DimCPU.String(): 80, DimMem.String(): 90,
		DimDiskIOPS.String(): 70, DimDiskBytes.String(): 70, DimNetBytes.String(): 70,
	},
	HostReserveCores:          2,
	HostReserveMemBytes:       8 * GiB,
	CPUVirtFactor:             1.05,
	VMMemOverheadFraction:     0.002,
	VMMemOverheadBaseBytes:    218 * MiB,
	VMMemOverheadPerVCPUBytes: 8 * MiB,
	HTFactor:                  1.25,
	ReferenceCoreScore:        1000,
	ReferenceCoreMHz:          2600,
	EnergyPricePerKWh:         0.20,
	Years:                     5,
}

// Clone returns a deep copy of s.
func (s Settings) Clone() Settings {
	c := s
	c.CeilingPct = DimValues{}
	for k, v := range s.CeilingPct {
		c.CeilingPct[k] = v
	}
	return c
}

// Step returns StepSec as a duration.
func (s Settings) Step() time.Duration { return time.Duration(s.StepSec) * time.Second }

// Validate checks that the settings make sense.
func (s Settings) Validate() error {
	switch {
	case s.StepSec < 1:
		return fmt.Errorf("step must be at least 1s, got %ds", s.StepSec)
	case 86400%s.StepSec != 0:
		return fmt.Errorf("step %ds does not divide a day", s.StepSec)
	case s.Profile != "day":
		return fmt.Errorf("profile %q: only \"day\" is supported", s.Profile)
	case !(s.Percentile > 0 && s.Percentile <= 100):
		return fmt.Errorf("percentile %g: must be in (0, 100]", s.Percentile)
	case s.SlotStat != "max" && s.SlotStat != "mean":
		return fmt.Errorf("slot statistic %q: must be max or mean", s.SlotStat)
	case !(s.CPUVirtFactor >= 1 && s.CPUVirtFactor <= 10):
		return fmt.Errorf("cpu virtualisation factor %g: must be in [1, 10]", s.CPUVirtFactor)
	case !(s.HTFactor >= 1 && s.HTFactor <= 2):
		return fmt.Errorf("hyper-threading factor %g: must be in [1, 2]", s.HTFactor)
	case !(s.ReferenceCoreScore > 0 && s.ReferenceCoreMHz > 0) || math.IsInf(s.ReferenceCoreScore, 0) || math.IsInf(s.ReferenceCoreMHz, 0):
		return fmt.Errorf("reference core score and MHz must be positive and finite")
	}
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"host reserve cores", s.HostReserveCores},
		{"host reserve memory", s.HostReserveMemBytes},
		{"VM memory overhead fraction", s.VMMemOverheadFraction},
		{"VM memory overhead base", s.VMMemOverheadBaseBytes},
		{"VM memory overhead per vCPU", s.VMMemOverheadPerVCPUBytes},
		{"energy price", s.EnergyPricePerKWh},
		{"years", s.Years},
	} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			return fmt.Errorf("%s %g: must be a non-negative number", f.name, f.v)
		}
	}
	for k := range s.CeilingPct {
		if _, ok := DimByName(k); !ok {
			return fmt.Errorf("ceiling for unknown resource %q", k)
		}
	}
	for d := Dim(0); d < NumDims; d++ {
		v, ok := s.CeilingPct[d.String()]
		if !ok || !(v > 0 && v <= 100) {
			return fmt.Errorf("ceiling for %s: %g%% must be in (0, 100]", d, v)
		}
	}
	return nil
}
