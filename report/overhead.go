package report

import (
	"strings"

	"github.com/kvmfit/kvmfit/model"
)

// This file shows what the virtualisation layer costs the plan (plan.json
// overhead, model.Overhead): the per-VM overhead (CPU factor, the CPU cost
// of the guests' I/O, per-VM memory) and the host reserve, for the fleet
// and per host, and the fleet packed under each virtualisation preset.

// overheadView is the overhead section.
type overheadView struct {
	// Has is false for a plan without overhead figures (made before
	// kvmfit computed them).
	Has     bool
	Virt    string
	Summary string
	Method  string
	Fleet   overheadRow
	Hosts   []overheadRow
	// HostsOpen shows the per-host table unfolded (small plans).
	HostsOpen bool
	Presets   []presetRow
	// PresetsNote says why Presets is empty, or what to know about them
	// (without its final full stop).
	PresetsNote string
	// HostsCost is the hosts the plan's preset costs against no
	// virtualisation; HasHostsCost is false when it was not computed.
	HostsCost    int
	HasHostsCost bool
	// Disk is the virtualisation layer's own disk IOPS and MB/s, "" when
	// not modelled (the usual case).
	Disk string
}

// overheadRow is the overhead on one host or the fleet, formatted.
type overheadRow struct {
	Host   link
	Spare  bool
	PeakAt string
	// Reference cores.
	CPUFactor, IOCPU, ReserveCores, CPU string
	// GiB, two decimals.
	VMMem, ReserveMem, Mem string
	// % of raw capacity.
	CPUShare, MemShare string
}

// presetRow is the fleet packed under one virtualisation preset.
type presetRow struct {
	Virt, Factor             string
	PeakCPU, PeakMem         string
	ReserveCores, ReserveMem string
	Hosts, LowerBound        int
	Unplaced                 int
	Plan                     bool
}

// hasOverhead reports whether the plan carries overhead figures.
func hasOverhead(o model.Overhead) bool {
	return o.Summary != "" || o.Method != "" || o.Virt != "" || len(o.Hosts) > 0 || len(o.Presets) > 0 || o.Fleet != (model.OverheadFigures{})
}

// overheadRowOf formats f; at formats its slot.
func overheadRowOf(f model.OverheadFigures, at func(slot int) string) overheadRow {
	return overheadRow{
		PeakAt:       at(f.Slot),
		CPUFactor:    fmtFixed(f.CPUFactorCoresRef, 2),
		IOCPU:        fmtFixed(f.IOCPUCoresRef, 2),
		ReserveCores: fmtFixed(f.HostReserveCoresRef, 2),
		CPU:          fmtFixed(f.CPUCoresRef, 2),
		VMMem:        gib2(f.VMMemBytes),
		ReserveMem:   gib2(f.HostReserveMemBytes),
		Mem:          gib2(f.MemBytes),
		CPUShare:     fmtFixed(f.CPUSharePct, 1),
		MemShare:     fmtFixed(f.MemSharePct, 1),
	}
}

// overheadOf describes the plan's overhead; at formats a slot as a time,
// hostAnchor links the hosts.
func overheadOf(p *model.Plan, at func(slot int) string, hostAnchor map[string]string) overheadView {
	o := p.Overhead
	v := overheadView{
		Has:          hasOverhead(o),
		Virt:         o.Virt,
		Summary:      sentence(o.Summary),
		Method:       sentence(o.Method),
		PresetsNote:  strings.TrimSuffix(strings.TrimSpace(o.PresetsNote), "."),
		HostsCost:    o.HostsCost,
		HasHostsCost: o.HostsCost >= 0 && len(o.Presets) > 0,
		HostsOpen:    len(o.Hosts) <= maxOpenVMs,
	}
	if !v.Has {
		return v
	}
	v.Fleet = overheadRowOf(o.Fleet, at)
	spare, guests := map[string]bool{}, map[string]int{}
	for _, h := range p.Hosts {
		spare[h.Name] = spare[h.Name] || h.Spare
		guests[h.Name] += len(h.Servers)
	}
	for _, h := range o.Hosts {
		r := overheadRowOf(h.OverheadFigures, at)
		r.Host, r.Spare = link{Text: h.Host, Anchor: hostAnchor[h.Host]}, spare[h.Host]
		if guests[h.Host] == 0 {
			r.PeakAt = "—" // no guests, no CPU peak: only the reserve
		}
		v.Hosts = append(v.Hosts, r)
	}
	for _, c := range o.Presets {
		v.Presets = append(v.Presets, presetRow{
			Virt:         presetName(c.Virt),
			Factor:       factor(c.CPUVirtFactor),
			PeakCPU:      fmtFixed(c.FleetPeakCPUCoresRef, 2),
			PeakMem:      gib(c.FleetPeakMemBytes),
			ReserveCores: num(c.HostReserveCores),
			ReserveMem:   gib(c.HostReserveMemBytes),
			Hosts:        c.Hosts, LowerBound: c.LowerBound, Unplaced: c.Unplaced,
			Plan: c.Plan,
		})
	}
	if f := o.Fleet; f.DiskIOPS > 0 || f.DiskBytesPerSec > 0 {
		v.Disk = fmtGrouped(f.DiskIOPS) + " IOPS and " + fmtFixed(f.DiskBytesPerSec/1e6, 1) + " MB/s"
	}
	return v
}

// gib2 formats bytes in GiB with two decimals: a small fleet's per-VM
// memory overhead is a fraction of a GiB.
func gib2(b float64) string { return fmtFixed(b/model.GiB, 2) }

// presetName names a preset for the comparison table.
func presetName(virt string) string {
	if virt == "none" {
		return "none (bare metal)"
	}
	return virt
}

// sentence returns s ending in a full stop (or other final punctuation).
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}
