package model

import (
	"fmt"
	"math"
	"slices"
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
	// Profile is the kind of profile: how aligned data becomes slots
	// (ProfileDay, ProfileWeek, ProfileFull).
	Profile ProfileKind `json:"profile"`
	// Percentile is taken per slot over the days (weeks) of data
	// (0 < p <= 100). It is the default of every resource.
	Percentile float64 `json:"percentile"`
	// PercentileByDim overrides Percentile per resource (Dim.String keys).
	// `kvmfit plan` fills every resource so that plan.json shows the value used.
	PercentileByDim DimValues `json:"percentile_by_resource,omitempty"`
	// SlotStat is which per-interval statistic feeds the percentile: "max" or "mean".
	SlotStat string `json:"slot_stat"`
	// ComfortFactor multiplies every measured demand (before the per-VM
	// memory overhead). 1 = none: the ceilings are the headroom.
	ComfortFactor float64 `json:"comfort_factor"`
	// Utilisation ceilings of a host, percent of raw capacity.
	CeilingPct DimValues `json:"ceiling_pct"`
	// Virt is the virtualisation preset the overhead numbers below were
	// taken from: kvm-virtio, kvm-emulated or lxc (see VirtPresets). Flags
	// given explicitly override the preset's numbers.
	Virt string `json:"virt"`
	// Host reserve, subtracted from raw capacity before the ceiling.
	HostReserveCores    float64 `json:"host_reserve_cores"`
	HostReserveMemBytes float64 `json:"host_reserve_mem_bytes"`
	// CPUVirtFactor multiplies CPU demand for virtualisation overhead.
	CPUVirtFactor float64 `json:"cpu_virt_factor"`
	// CPU cost of I/O through the virtualisation layer, in reference cores
	// per 1000 disk IOPS and per GB/s (1e9 bytes/s) of network traffic.
	CPUCoresPerKIOPS       float64 `json:"cpu_cores_per_kiops"`
	CPUCoresPerNetGBPerSec float64 `json:"cpu_cores_per_net_gb_per_sec"`
	// Per-VM memory overhead: fraction × guest RAM + base + per vCPU.
	VMMemOverheadFraction     float64 `json:"vm_mem_overhead_fraction"`
	VMMemOverheadBaseBytes    float64 `json:"vm_mem_overhead_base_bytes"`
	VMMemOverheadPerVCPUBytes float64 `json:"vm_mem_overhead_per_vcpu_bytes"`
	// KSM shows (never packs) the memory kernel same-page merging could
	// save: KSMSharePct of the memory of guests sharing a host with at least
	// one other guest of the same OS family.
	KSM         bool    `json:"ksm"`
	KSMSharePct float64 `json:"ksm_share_pct"`
	// HTFactor is the throughput of a hyper-threaded core relative to a plain one.
	HTFactor float64 `json:"ht_factor"`
	// ReferenceCoreScore is the CPU score of one reference core.
	ReferenceCoreScore float64 `json:"reference_core_score"`
	// ReferenceCoreMHz is used when a server has no calibration score:
	// score = MHz / ReferenceCoreMHz × ReferenceCoreScore.
	ReferenceCoreMHz float64 `json:"reference_core_mhz"`
	// Saturation: a server whose slot-mean CPU busy % is at or above
	// SaturationCPUPct for SaturationMinutes in a row, on at least
	// SaturationDaysPct of its days with data, is flagged and its CPU
	// demand multiplied by SaturationUplift.
	SaturationCPUPct  float64 `json:"saturation_cpu_pct"`
	SaturationMinutes int     `json:"saturation_minutes"`
	SaturationDaysPct float64 `json:"saturation_days_pct"`
	SaturationUplift  float64 `json:"saturation_uplift"`
	// Growth: demand is projected HorizonMonths ahead with a global
	// GrowthPctPerYear (compound) and, with GrowthTrend, each server's own
	// significant upward trend; the projected factor is capped at GrowthCap.
	GrowthPctPerYear float64 `json:"growth_pct_per_year"`
	HorizonMonths    float64 `json:"horizon_months"`
	GrowthTrend      bool    `json:"growth_trend"`
	GrowthCap        float64 `json:"growth_cap"`
	// Right-sizing of each future VM: vCPUs = ⌈CPU at RightsizeCPUPct /
	// (RightsizeCPUTargetPct / 100)⌉ reference cores; memory = used memory
	// at RightsizeMemPct × (1 + RightsizeMemHeadroomPct / 100), rounded up
	// to 0.5 GiB.
	RightsizeCPUPct         float64 `json:"rightsize_cpu_pct"`
	RightsizeCPUTargetPct   float64 `json:"rightsize_cpu_target_pct"`
	RightsizeMemPct         float64 `json:"rightsize_mem_pct"`
	RightsizeMemHeadroomPct float64 `json:"rightsize_mem_headroom_pct"`
	// Data confidence (MS MAP): fewer than MinDays days of data is
	// insufficient, fewer than RecommendedDays gets a warning.
	MinDays         float64 `json:"min_days"`
	RecommendedDays float64 `json:"recommended_days"`
	// PeakWindowMinutes is the width of the time windows that group servers
	// by when their CPU peaks (Verma et al. 2009).
	PeakWindowMinutes int `json:"peak_window_minutes"`
	// Cost model for comparing candidates.
	EnergyPricePerKWh float64 `json:"energy_price_per_kwh"`
	Years             float64 `json:"years"`
	// TargetCoreScore is the single-core CPU score of the target host
	// model (the fastest candidate when several are compared). A VM's CPU
	// demand never exceeds its vCPUs × TargetCoreScore / ReferenceCoreScore
	// reference cores (× CPUVirtFactor). 0 = unknown: no cap.
	TargetCoreScore float64 `json:"target_core_score"`
	// EvidenceReserve reserves, for a server with data for only part of
	// the fleet's span, the share of the span it has no data for of its
	// unused entitlement (CPU up to the cap, memory up to the installed
	// size): what it did not show may still come.
	EvidenceReserve bool `json:"evidence_reserve"`
	// StorageGrowthFactor multiplies a server's used storage bytes into
	// what its VM's disks take on the target (thin-provisioned disks hold
	// what is used; the factor is the growth over the plan's life).
	// StorageCeilingPct is the fill ceiling of a host's local storage or a
	// pool's capacity.
	StorageGrowthFactor float64 `json:"storage_growth_factor"`
	StorageCeilingPct   float64 `json:"storage_ceiling_pct"`
	// HostType is the host model asked for, or "" to choose the cheapest.
	HostType string `json:"host_type_requested"`
}

// DefaultSettings are the defaults of `kvmfit plan`. docs/model.md gives the
// source of each value.
var DefaultSettings = Settings{
	StepSec:       300,
	Profile:       ProfileDay,
	Percentile:    95,
	SlotStat:      "mean",
	ComfortFactor: 1,
	CeilingPct: DimValues{
		DimCPU.String(): 80, DimMem.String(): 90,
		DimDiskIOPS.String(): 70, DimDiskBytes.String(): 70, DimNetBytes.String(): 70,
	},
	Virt:                      "kvm-virtio",
	HostReserveCores:          2,
	HostReserveMemBytes:       8 * GiB,
	CPUVirtFactor:             1.05,
	CPUCoresPerKIOPS:          0.01,
	CPUCoresPerNetGBPerSec:    1,
	VMMemOverheadFraction:     0.002,
	VMMemOverheadBaseBytes:    218 * MiB,
	VMMemOverheadPerVCPUBytes: 8 * MiB,
	KSM:                       false,
	KSMSharePct:               20,
	HTFactor:                  1.25,
	ReferenceCoreScore:        1000,
	ReferenceCoreMHz:          2600,
	SaturationCPUPct:          95,
	SaturationMinutes:         30,
	SaturationDaysPct:         10,
	SaturationUplift:          1.25,
	GrowthPctPerYear:          0,
	HorizonMonths:             0,
	GrowthTrend:               true,
	GrowthCap:                 2,
	RightsizeCPUPct:           95,
	RightsizeCPUTargetPct:     70,
	RightsizeMemPct:           100,
	RightsizeMemHeadroomPct:   15,
	MinDays:                   2,
	RecommendedDays:           7,
	PeakWindowMinutes:         60,
	EvidenceReserve:           true,
	EnergyPricePerKWh:         0.20,
	Years:                     5,
	StorageGrowthFactor:       1.25,
	StorageCeilingPct:         85,
}

// VirtPreset is the overhead of one virtualisation type. docs/model.md gives
// the source of every number.
type VirtPreset struct {
	Name                      string
	CPUVirtFactor             float64
	CPUCoresPerKIOPS          float64
	CPUCoresPerNetGBPerSec    float64
	VMMemOverheadFraction     float64
	VMMemOverheadBaseBytes    float64
	VMMemOverheadPerVCPUBytes float64
	HostReserveCores          float64
	HostReserveMemBytes       float64
}

// VirtPresets are the --virt presets, the default first.
var VirtPresets = []VirtPreset{
	// KVM with hardware assistance and virtio: near native for CPU, the
	// cost is in I/O (vhost threads on the host).
	{"kvm-virtio", 1.05, 0.01, 1, 0.002, 218 * MiB, 8 * MiB, 2, 8 * GiB},
	// KVM/QEMU with emulated devices (IDE/SATA disks, e1000 NICs), as
	// guests too old for virtio drivers need: full emulation of I/O.
	{"kvm-emulated", 1.20, 0.05, 4, 0.002, 218 * MiB, 8 * MiB, 2, 8 * GiB},
	// OS-level containers: no hypervisor, no guest kernel.
	{"lxc", 1.00, 0, 0, 0, 0, 0, 2, 8 * GiB},
}

// FindVirtPreset returns the preset called name.
func FindVirtPreset(name string) (VirtPreset, bool) {
	for _, p := range VirtPresets {
		if p.Name == name {
			return p, true
		}
	}
	return VirtPreset{}, false
}

// ApplyVirt sets Virt and every overhead number of s from preset p.
func (s *Settings) ApplyVirt(p VirtPreset) {
	s.Virt = p.Name
	s.CPUVirtFactor = p.CPUVirtFactor
	s.CPUCoresPerKIOPS = p.CPUCoresPerKIOPS
	s.CPUCoresPerNetGBPerSec = p.CPUCoresPerNetGBPerSec
	s.VMMemOverheadFraction = p.VMMemOverheadFraction
	s.VMMemOverheadBaseBytes = p.VMMemOverheadBaseBytes
	s.VMMemOverheadPerVCPUBytes = p.VMMemOverheadPerVCPUBytes
	s.HostReserveCores = p.HostReserveCores
	s.HostReserveMemBytes = p.HostReserveMemBytes
}

// PercentileOf returns the sizing percentile of dimension d:
// PercentileByDim[d] when set, else Percentile.
func (s Settings) PercentileOf(d Dim) float64 {
	if v, ok := s.PercentileByDim[d.String()]; ok {
		return v
	}
	return s.Percentile
}

// ProfileKind is how aligned data becomes the slots that are packed: the
// flag --profile and "profile" in plan.json. It is the kind of a profile,
// not the profiling itself (package model/profile) nor a server's
// profiled demand (profile.Result).
type ProfileKind string

// The kinds of profile.
const (
	// ProfileDay is the time of day: each slot holds the sizing
	// percentile over the days of data at that time of day.
	ProfileDay ProfileKind = "day"
	// ProfileWeek is the time of week, Monday 00:00 UTC first.
	ProfileWeek ProfileKind = "week"
	// ProfileFull is the whole aligned timeline of the fleet, unfolded.
	ProfileFull ProfileKind = "full"
	// ProfileFlat is the one slot of a baseline's demand (FlatDemand); it
	// is never a setting.
	ProfileFlat ProfileKind = "flat"
)

// Profiles are the accepted values of Settings.Profile.
var Profiles = []ProfileKind{ProfileDay, ProfileWeek, ProfileFull}

// Clone returns a deep copy of s.
func (s Settings) Clone() Settings {
	c := s
	c.CeilingPct = DimValues{}
	for k, v := range s.CeilingPct {
		c.CeilingPct[k] = v
	}
	if s.PercentileByDim != nil {
		c.PercentileByDim = DimValues{}
		for k, v := range s.PercentileByDim {
			c.PercentileByDim[k] = v
		}
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
	case !slices.Contains(Profiles, s.Profile):
		return fmt.Errorf("profile %q: must be day, week or full", s.Profile)
	case !(s.Percentile > 0 && s.Percentile <= 100):
		return fmt.Errorf("percentile %g: must be in (0, 100]", s.Percentile)
	case s.SlotStat != "max" && s.SlotStat != "mean":
		return fmt.Errorf("slot statistic %q: must be max or mean", s.SlotStat)
	case !(s.CPUVirtFactor >= 1 && s.CPUVirtFactor <= 10):
		return fmt.Errorf("cpu virtualisation factor %g: must be in [1, 10]", s.CPUVirtFactor)
	case !(s.ComfortFactor >= 1 && s.ComfortFactor <= 10):
		return fmt.Errorf("comfort factor %g: must be in [1, 10]", s.ComfortFactor)
	case !(s.KSMSharePct >= 0 && s.KSMSharePct <= 90):
		return fmt.Errorf("KSM share %g%%: must be in [0, 90]", s.KSMSharePct)
	case !(s.SaturationCPUPct > 0 && s.SaturationCPUPct <= 100):
		return fmt.Errorf("saturation threshold %g%%: must be in (0, 100]", s.SaturationCPUPct)
	case s.SaturationMinutes < 1:
		return fmt.Errorf("saturation stretch %d min: must be positive", s.SaturationMinutes)
	case !(s.SaturationDaysPct >= 0 && s.SaturationDaysPct <= 100):
		return fmt.Errorf("saturation days %g%%: must be in [0, 100]", s.SaturationDaysPct)
	case !(s.SaturationUplift >= 1 && s.SaturationUplift <= 10):
		return fmt.Errorf("saturation uplift %g: must be in [1, 10]", s.SaturationUplift)
	case !(s.GrowthPctPerYear > -100 && s.GrowthPctPerYear <= 1000):
		return fmt.Errorf("growth %g%% per year: must be in (-100, 1000]", s.GrowthPctPerYear)
	case !(s.HorizonMonths >= 0 && s.HorizonMonths <= 120):
		return fmt.Errorf("horizon %g months: must be in [0, 120]", s.HorizonMonths)
	case !(s.GrowthCap >= 1 && s.GrowthCap <= 100):
		return fmt.Errorf("growth cap %g: must be in [1, 100]", s.GrowthCap)
	case !(s.RightsizeCPUPct > 0 && s.RightsizeCPUPct <= 100) || !(s.RightsizeMemPct > 0 && s.RightsizeMemPct <= 100):
		return fmt.Errorf("right-sizing percentiles %g, %g: must be in (0, 100]", s.RightsizeCPUPct, s.RightsizeMemPct)
	case !(s.RightsizeCPUTargetPct > 0 && s.RightsizeCPUTargetPct <= 100):
		return fmt.Errorf("right-sizing CPU target %g%%: must be in (0, 100]", s.RightsizeCPUTargetPct)
	case !(s.TargetCoreScore >= 0) || math.IsInf(s.TargetCoreScore, 0):
		return fmt.Errorf("target core score %g: must be a non-negative number", s.TargetCoreScore)
	case s.PeakWindowMinutes < 1:
		return fmt.Errorf("peak window %d min: must be positive", s.PeakWindowMinutes)
	case !(s.HTFactor >= 1 && s.HTFactor <= 2):
		return fmt.Errorf("hyper-threading factor %g: must be in [1, 2]", s.HTFactor)
	case !(s.ReferenceCoreScore > 0 && s.ReferenceCoreMHz > 0) || math.IsInf(s.ReferenceCoreScore, 0) || math.IsInf(s.ReferenceCoreMHz, 0):
		return fmt.Errorf("reference core score and MHz must be positive and finite")
	case !(s.StorageGrowthFactor >= 1 && s.StorageGrowthFactor <= 10):
		return fmt.Errorf("storage growth factor %g: must be in [1, 10]", s.StorageGrowthFactor)
	case !(s.StorageCeilingPct > 0 && s.StorageCeilingPct <= 100):
		return fmt.Errorf("storage ceiling %g%%: must be in (0, 100]", s.StorageCeilingPct)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"host reserve cores", s.HostReserveCores},
		{"CPU cores per 1000 IOPS", s.CPUCoresPerKIOPS},
		{"CPU cores per GB/s of network", s.CPUCoresPerNetGBPerSec},
		{"right-sizing memory headroom", s.RightsizeMemHeadroomPct},
		{"minimum days", s.MinDays},
		{"recommended days", s.RecommendedDays},
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
	if _, ok := FindVirtPreset(s.Virt); !ok {
		return fmt.Errorf("virtualisation preset %q: must be kvm-virtio, kvm-emulated or lxc", s.Virt)
	}
	for k, v := range s.PercentileByDim {
		if _, ok := DimByName(k); !ok {
			return fmt.Errorf("percentile for unknown resource %q", k)
		}
		if !(v > 0 && v <= 100) {
			return fmt.Errorf("percentile for %s: %g must be in (0, 100]", k, v)
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
