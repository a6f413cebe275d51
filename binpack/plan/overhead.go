package plan

import (
	"fmt"
	"math"
	"slices"

	"github.com/kvmfit/kvmfit/binpack"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
)

// overheadMethod says how Plan.Overhead is computed.
const overheadMethod = "every server is profiled again with the same data under each virtualisation variant: none (CPU factor 1, no CPU cost of I/O, no per-VM memory), the plan's CPU factor without the CPU cost of I/O, and the plan's settings; " +
	"the CPU factor's share is the second minus the first, the CPU cost of I/O the third minus the second, each summed over a host's guests at the time-of-day slot where the host's planned CPU demand peaks (for the fleet, where the fleet's does); " +
	"the per-VM memory is the overhead of every guest; the host reserve is what each host keeps for itself; shares are of the raw capacity. " +
	"The virtualisation layer adds no disk IOPS or bytes in this model: its I/O cost is host CPU"

// overhead describes what virtualisation costs the plan (Plan.Overhead):
// per host and for the fleet, and the hosts the fleet needs on spec under
// each preset and under none.
func (b *planBuilder) overhead(plan *model.Plan, spec model.HostSpec) model.Overhead {
	o := model.Overhead{Virt: b.s.Virt, Method: overheadMethod, Hosts: []model.HostOverhead{}, Presets: []model.VirtComparison{}, HostsCost: -1}
	vars := b.virtVariants()
	if vars == nil {
		o.Summary = "The virtualisation overhead was not computed: the fleet was profiled without its variants."
		return o
	}
	idx := make(map[string]int, len(b.in.Demand.Servers))
	for i, sd := range b.in.Demand.Servers {
		idx[sd.ID] = i
	}
	var all []int
	var fleetRes model.OverheadFigures
	var rawCPU, rawMem float64
	for _, h := range plan.Hosts {
		var members []int
		for _, id := range h.Servers {
			members = append(members, idx[id])
		}
		all = append(all, members...)
		f := b.guestOverhead(members, vars)
		spec, _ := b.in.Catalog.Find(h.Type)
		f.HostReserveCoresRef = b.s.HostReserveCores * h.RawCapacity[model.DimCPU.String()] / math.Max(float64(spec.Cores), 1)
		f.HostReserveMemBytes = b.s.HostReserveMemBytes
		fleetRes.HostReserveCoresRef += f.HostReserveCoresRef
		fleetRes.HostReserveMemBytes += f.HostReserveMemBytes
		rawCPU += h.RawCapacity[model.DimCPU.String()]
		rawMem += h.RawCapacity[model.DimMem.String()]
		o.Hosts = append(o.Hosts, model.HostOverhead{Host: h.Name, OverheadFigures: overheadTotal(f, h.RawCapacity[model.DimCPU.String()], h.RawCapacity[model.DimMem.String()])})
	}
	slices.Sort(all)
	f := b.guestOverhead(all, vars)
	f.HostReserveCoresRef, f.HostReserveMemBytes = fleetRes.HostReserveCoresRef, fleetRes.HostReserveMemBytes
	o.Fleet = overheadTotal(f, rawCPU, rawMem)
	o.Presets, o.PresetsNote = b.virtComparison(plan, spec, vars)
	o.HostsCost, o.Summary = overheadSummary(o, len(plan.Hosts))
	return o
}

// virtVariants returns the fleet's virtualisation variants by name, nil
// when the fleet has none for every server of the demand.
func (b *planBuilder) virtVariants() map[string]*profile.VirtVariant {
	if len(b.in.Virt) == 0 {
		return nil
	}
	out := map[string]*profile.VirtVariant{}
	for k := range b.in.Virt {
		v := &b.in.Virt[k]
		if len(v.CPU) != len(b.in.Demand.Servers) {
			return nil
		}
		out[v.Name] = v
	}
	return out
}

// guestOverhead sums the per-VM overhead of the servers members (indices
// into Demand.Servers) at the slot where their planned CPU demand peaks.
func (b *planBuilder) guestOverhead(members []int, vars map[string]*profile.VirtVariant) model.OverheadFigures {
	none, fo, pl := vars[profile.VirtNone], vars[profile.VirtFactorOnly], vars[profile.VirtPlan]
	var f model.OverheadFigures
	if len(members) == 0 || len(pl.CPU[members[0]]) == 0 {
		return f
	}
	sum := make([]float64, len(pl.CPU[members[0]]))
	for _, i := range members {
		for t, v := range pl.CPU[i] {
			sum[t] += float64(v)
		}
		f.VMMemBytes += pl.MemOverheadBytes[i]
	}
	for t, v := range sum {
		if v > sum[f.Slot] {
			f.Slot = t
		}
	}
	t := f.Slot
	for _, i := range members {
		f.CPUFactorCoresRef += float64(fo.CPU[i][t]) - float64(none.CPU[i][t])
		f.IOCPUCoresRef += float64(pl.CPU[i][t]) - float64(fo.CPU[i][t])
	}
	return f
}

// overheadTotal fills the totals and shares of f against the raw CPU and
// memory capacity, rounded for plan.json.
func overheadTotal(f model.OverheadFigures, rawCPU, rawMem float64) model.OverheadFigures {
	f.CPUFactorCoresRef, f.IOCPUCoresRef = round6(f.CPUFactorCoresRef), round6(f.IOCPUCoresRef)
	f.HostReserveCoresRef = round6(f.HostReserveCoresRef)
	f.VMMemBytes, f.HostReserveMemBytes = math.Round(f.VMMemBytes), math.Round(f.HostReserveMemBytes)
	f.CPUCoresRef = round6(f.CPUFactorCoresRef + f.IOCPUCoresRef + f.HostReserveCoresRef)
	f.MemBytes = f.VMMemBytes + f.HostReserveMemBytes
	if rawCPU > 0 {
		f.CPUSharePct = round2(100 * f.CPUCoresRef / rawCPU)
	}
	if rawMem > 0 {
		f.MemSharePct = round2(100 * f.MemBytes / rawMem)
	}
	return f
}

// virtComparison packs the fleet on new hosts of spec under every preset
// that differs from the plan's settings and under no virtualisation, with
// the plan's own search and budget; the plan's row is the plan itself
// (plan.HostsWithoutHA). The presets' CPU rows and per-VM memory come from
// the fleet's variants.
func (b *planBuilder) virtComparison(plan *model.Plan, spec model.HostSpec, vars map[string]*profile.VirtVariant) ([]model.VirtComparison, string) {
	po := b.in.Pack
	n := len(b.in.Demand.Servers)
	switch {
	case b.in.Demand.Profile == model.ProfileFull:
		return []model.VirtComparison{}, "not computed for the full profile: the presets' demand is kept as a time-of-day profile only"
	case po.SensitivityMaxServers <= 0:
		return []model.VirtComparison{}, "not computed: the sensitivity sweep is off (kvmfit plan --sensitivity-max-servers), and the comparison is part of it"
	case n > po.SensitivityMaxServers:
		return []model.VirtComparison{}, fmt.Sprintf("not computed: %d servers is more than the sweep's limit of %d (kvmfit plan --sensitivity-max-servers)", n, po.SensitivityMaxServers)
	case po.NoNewHosts || len(po.Existing) > 0 || b.cons != nil && len(b.cons.Pin) > 0:
		return []model.VirtComparison{}, "not computed: the plan uses existing or pinned hosts, whose count the presets cannot move alike"
	case plan.HostType == "mix":
		return []model.VirtComparison{}, "not computed for a mix of host models"
	}
	names := []string{profile.VirtPlan}
	for _, p := range model.VirtPresets {
		if !sameVirt(vars[p.Name].Settings, b.s) {
			names = append(names, p.Name)
		}
	}
	names = append(names, profile.VirtNone)
	var out []model.VirtComparison
	for _, name := range names {
		v := vars[name]
		nb := b.variant()
		nb.s = v.Settings.Clone()
		if name != profile.VirtPlan {
			in := nb.in
			in.Demand = b.demandUnder(v, vars[profile.VirtPlan])
			nb.in = in
		}
		row := model.VirtComparison{Virt: nb.s.Virt, CPUVirtFactor: nb.s.CPUVirtFactor, HostReserveCores: nb.s.HostReserveCores,
			HostReserveMemBytes: nb.s.HostReserveMemBytes, Plan: name == profile.VirtPlan}
		if p, ok := model.FindVirtPreset(row.Virt); row.Plan && (!ok || !sameVirt(vars[p.Name].Settings, b.s)) {
			row.Virt += " (adjusted)"
		}
		row.FleetPeakCPUCoresRef, row.FleetPeakMemBytes = fleetPeaks(nb.in.Demand)
		switch u := spec.UsableCapacity(nb.s); {
		case row.Plan:
			row.Hosts, row.LowerBound = plan.HostsWithoutHA, plan.LowerBound
			row.Unplaced = len(plan.Unplaced) - len(b.in.NoData)
		case u[model.DimCPU] > 0 && u[model.DimMem] > 0:
			nb.rows, nb.flat = nil, nil
			sol := binpack.Solve(nb.instance(spec, false), nb.solveOptions())
			row.Hosts, row.LowerBound = len(sol.Bins), sol.LowerBound
			for _, u := range sol.Unplaced {
				row.Unplaced += len(nb.units[u.Item].members)
			}
		default:
			row.Unplaced = n
		}
		out = append(out, row)
	}
	b.rows, b.flat = nil, nil
	return out, ""
}

// sameVirt reports whether a and b have the same virtualisation overhead
// numbers.
func sameVirt(a, b model.Settings) bool {
	return a.CPUVirtFactor == b.CPUVirtFactor && a.CPUCoresPerKIOPS == b.CPUCoresPerKIOPS &&
		a.CPUCoresPerNetGBPerSec == b.CPUCoresPerNetGBPerSec && a.VMMemOverheadFraction == b.VMMemOverheadFraction &&
		a.VMMemOverheadBaseBytes == b.VMMemOverheadBaseBytes && a.VMMemOverheadPerVCPUBytes == b.VMMemOverheadPerVCPUBytes &&
		a.HostReserveCores == b.HostReserveCores && a.HostReserveMemBytes == b.HostReserveMemBytes
}

// demandUnder is the plan's demand with every server's CPU row taken from
// variant v and its memory carrying v's per-VM overhead instead of the
// plan's (pl).
func (b *planBuilder) demandUnder(v, pl *profile.VirtVariant) *model.Demand {
	d := *b.in.Demand
	d.Servers = make([]model.ServerDemand, len(b.in.Demand.Servers))
	for i, sd := range b.in.Demand.Servers {
		x := sd
		cpu := make([]float64, len(v.CPU[i]))
		for t, c := range v.CPU[i] {
			cpu[t] = float64(c)
		}
		x.Values[model.DimCPU] = cpu
		mem := make([]float64, len(sd.Values[model.DimMem]))
		for t, m := range sd.Values[model.DimMem] {
			mem[t] = math.Max(0, m-pl.MemOverheadBytes[i]+v.MemOverheadBytes[i])
		}
		x.Values[model.DimMem] = mem
		d.Servers[i] = x
	}
	return &d
}

// fleetPeaks returns the peaks of the fleet's time-aligned CPU and memory
// demand.
func fleetPeaks(d *model.Demand) (cpu, mem float64) {
	_, pos, _ := profile.Coincidence(d, nil)
	return round6(pos[model.DimCPU]), math.Round(pos[model.DimMem])
}

// overheadSummary says in one sentence what virtualisation costs the plan,
// and returns the hosts it costs (-1 when the comparison was not made).
func overheadSummary(o model.Overhead, hosts int) (int, string) {
	f := o.Fleet
	what := fmt.Sprintf("at the fleet's CPU peak the guests' overhead takes %.1f reference cores (CPU factor %.1f, I/O %.1f) and %s of memory, and the %d hosts keep %.1f reference cores and %s for themselves (%.1f %% of their CPU and %.1f %% of their memory in all)",
		f.CPUFactorCoresRef+f.IOCPUCoresRef, f.CPUFactorCoresRef, f.IOCPUCoresRef,
		formatQuantity(f.VMMemBytes, "bytes", 1), hosts, f.HostReserveCoresRef, formatQuantity(f.HostReserveMemBytes, "bytes", 1),
		f.CPUSharePct, f.MemSharePct)
	var plan, none *model.VirtComparison
	for k := range o.Presets {
		switch {
		case o.Presets[k].Plan:
			plan = &o.Presets[k]
		case o.Presets[k].Virt == profile.VirtNone:
			none = &o.Presets[k]
		}
	}
	if plan == nil || none == nil || plan.Unplaced != none.Unplaced {
		return -1, fmt.Sprintf("Virtualisation (%s): %s.", o.Virt, what)
	}
	cost := plan.Hosts - none.Hosts
	switch {
	case cost <= 0:
		n := fmt.Sprintf("%d hosts", plan.Hosts)
		if plan.Hosts == 1 {
			n = "1 host"
		}
		return cost, fmt.Sprintf("Virtualisation (%s) costs no host: the load needs %s with it and without it; %s.", o.Virt, n, what)
	case cost == 1:
		return cost, fmt.Sprintf("Virtualisation (%s) costs 1 of the %d hosts the load needs (%d without it): %s.", o.Virt, plan.Hosts, none.Hosts, what)
	default:
		return cost, fmt.Sprintf("Virtualisation (%s) costs %d of the %d hosts the load needs (%d without it): %s.", o.Virt, cost, plan.Hosts, none.Hosts, what)
	}
}
