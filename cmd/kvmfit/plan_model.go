package main

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kvmfit/kvmfit/model"
	"github.com/spf13/pflag"
)

// modelFlags are the plan flags of the demand model that are not plain
// Settings fields: per-resource percentiles and the virtualisation preset.
type modelFlags struct {
	fs            *pflag.FlagSet
	PercentileFor map[string]string
}

// addModelFlags registers the model's flags beyond the basic ones of AddFlags.
func (o *PlanOptions) addModelFlags(fs *pflag.FlagSet) {
	d := model.DefaultSettings
	s := &o.Settings
	o.Model.fs = fs
	fs.StringVar((*string)(&s.Profile), "profile", string(d.Profile), "what is packed: day (time of day), week (time of week, from Monday 00:00 UTC) or full (the whole aligned timeline)")
	fs.StringToStringVar(&o.Model.PercentileFor, "percentile-for", nil, "percentile per `RESOURCE=PCT`, overriding --percentile, e.g. mem=100,cpu=95")
	fs.Float64Var(&s.ComfortFactor, "comfort", d.ComfortFactor, "comfort factor: multiplies every measured demand (1 = none; the ceilings are the headroom)")
	var names []string
	for _, p := range model.VirtPresets {
		names = append(names, p.Name)
	}
	fs.StringVar(&s.Virt, "virt", d.Virt, "virtualisation overhead preset: "+strings.Join(names, ", ")+" (sets the CPU factor, CPU cost of I/O, per-VM memory overhead and host reserve; explicit flags override it)")
	fs.Float64Var(&s.CPUCoresPerKIOPS, "cpu-cores-per-kiops", d.CPUCoresPerKIOPS, "host CPU (reference cores) per 1000 disk IOPS of a guest")
	fs.Float64Var(&s.CPUCoresPerNetGBPerSec, "cpu-cores-per-net-gbps", d.CPUCoresPerNetGBPerSec, "host CPU (reference cores) per GB/s of guest network traffic")
	presetDefault(fs, "cpu-cores-per-kiops")
	presetDefault(fs, "cpu-cores-per-net-gbps")
	fs.BoolVar(&s.KSM, "ksm", d.KSM, "show the memory KSM could save among guests of the same OS family on a host (never used for packing)")
	fs.Float64Var(&s.KSMSharePct, "ksm-share-pct", d.KSMSharePct, "share of those guests' memory KSM is assumed to save")
	fs.Float64Var(&s.SaturationCPUPct, "saturation-cpu-pct", d.SaturationCPUPct, "CPU busy % at or above which a stretch counts as saturated")
	fs.IntVar(&s.SaturationMinutes, "saturation-minutes", d.SaturationMinutes, "minutes in a row at the saturation level that make a saturated day")
	fs.Float64Var(&s.SaturationDaysPct, "saturation-days-pct", d.SaturationDaysPct, "share of days with data that must be saturated to flag a server")
	fs.Float64Var(&s.SaturationUplift, "saturation-uplift", d.SaturationUplift, "CPU demand multiplier for a saturated server (its true demand is unobservable; never above what its vCPUs can use)")
	fs.BoolVar(&s.EvidenceReserve, "evidence-reserve", d.EvidenceReserve, "reserve, for a server with data for only part of the fleet's span, that unseen share of what its vCPUs and memory could use and it did not show; planned load plus reserves must fit each host's full capacity (docs/model.md §21)")
	fs.Float64Var(&s.GrowthPctPerYear, "growth-pct-per-year", d.GrowthPctPerYear, "global demand growth, % per year (compound), projected to --horizon")
	fs.Float64Var(&s.HorizonMonths, "horizon", d.HorizonMonths, "months ahead to project growth to (0 = size for today)")
	fs.BoolVar(&s.GrowthTrend, "growth-trend", d.GrowthTrend, "also project each server's own significant upward trend (CPU, memory) to --horizon")
	fs.Float64Var(&s.GrowthCap, "growth-cap", d.GrowthCap, "largest growth factor applied to any server")
	fs.Float64Var(&s.RightsizeCPUPct, "rightsize-cpu-pct", d.RightsizeCPUPct, "right-sizing: percentile of busy cores")
	fs.Float64Var(&s.RightsizeCPUTargetPct, "rightsize-cpu-target-pct", d.RightsizeCPUTargetPct, "right-sizing: target utilisation of the recommended vCPUs")
	fs.Float64Var(&s.RightsizeMemPct, "rightsize-mem-pct", d.RightsizeMemPct, "right-sizing: percentile of used memory")
	fs.Float64Var(&s.RightsizeMemHeadroomPct, "rightsize-mem-headroom-pct", d.RightsizeMemHeadroomPct, "right-sizing: memory headroom in %")
	fs.IntVar(&s.PeakWindowMinutes, "peak-window", d.PeakWindowMinutes, "minutes: servers whose CPU peaks in the same window form a peak group")
}

// resolveModel applies the virtualisation preset (keeping the overhead
// flags given explicitly) and the per-resource percentiles.
func (o *PlanOptions) resolveModel() error {
	s := &o.Settings
	p, ok := model.FindVirtPreset(s.Virt)
	if !ok {
		var names []string
		for _, p := range model.VirtPresets {
			names = append(names, p.Name)
		}
		return usageErrorf("--virt %s: unknown preset (use %s)", s.Virt, strings.Join(names, ", "))
	}
	// The preset's numbers, except those whose flag was given.
	given := *s
	s.ApplyVirt(p)
	preset := *s
	*s = given
	s.Virt, s.VMMemOverheadFraction, s.VMMemOverheadBaseBytes, s.VMMemOverheadPerVCPUBytes = preset.Virt, preset.VMMemOverheadFraction, preset.VMMemOverheadBaseBytes, preset.VMMemOverheadPerVCPUBytes
	unlessGiven(o.Model.fs, []flagDefault{
		{"cpu-virt-factor", &s.CPUVirtFactor, preset.CPUVirtFactor},
		{"cpu-cores-per-kiops", &s.CPUCoresPerKIOPS, preset.CPUCoresPerKIOPS},
		{"cpu-cores-per-net-gbps", &s.CPUCoresPerNetGBPerSec, preset.CPUCoresPerNetGBPerSec},
		{"host-reserve-cores", &s.HostReserveCores, preset.HostReserveCores},
		{"host-reserve-mem-bytes", &s.HostReserveMemBytes, preset.HostReserveMemBytes},
	})
	// Every resource gets its percentile written out, so that plan.json
	// shows the value used.
	s.PercentileByDim = model.DimValues{}
	for d := model.Dim(0); d < model.NumDims; d++ {
		s.PercentileByDim[d.String()] = s.Percentile
	}
	return setDimValues("percentile-for", o.Model.PercentileFor, s.PercentileByDim)
}

// setDimValues parses the values of the --flag RESOURCE=VALUE map m into
// dst, by dimension name, in the order of the resource names (the first
// bad one is the error).
func setDimValues(flag string, m map[string]string, dst model.DimValues) error {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		d, ok := model.DimByName(k)
		if !ok {
			return usageErrorf("--%s %s: unknown resource (use cpu, mem, disk_iops, disk_bytes, net_bytes)", flag, k)
		}
		v, err := strconv.ParseFloat(m[k], 64)
		if err != nil {
			return usageErrorf("--%s %s=%s: not a number", flag, k, m[k])
		}
		dst[d.String()] = v
	}
	return nil
}
