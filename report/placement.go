package report

import (
	"fmt"
	"strings"

	"github.com/kvmfit/kvmfit/model"
)

// This file shows how the load was spread over the hosts (plan.json
// placement), the hosts the load needs apart from the N+k spares, and what
// every VM is entitled to (server_details[].analysis.entitlement: the CPU
// cap and the evidence reserve).

// loadAndSpares splits the plan's hosts into those the load needs and the
// N+k spares: hosts_without_ha when the plan has it, else the hosts not
// marked spare.
func loadAndSpares(p *model.Plan) (load, spares int) {
	load = p.HostsUsed
	if p.HostsWithoutHA > 0 && p.HostsWithoutHA <= p.HostsUsed {
		load = p.HostsWithoutHA
	} else {
		for _, h := range p.Hosts {
			if h.Spare && load > 0 {
				load--
			}
		}
	}
	return load, p.HostsUsed - load
}

// savingPct is the share of a baseline's hosts the plan's hosts for the
// load save, e.g. "73.1" for 7 against 26; "" without a baseline.
func savingPct(load, baseline int) string {
	if baseline <= 0 {
		return ""
	}
	return fmtFixed(100*(1-float64(load)/float64(baseline)), 1)
}

// placementView is the levelling of the load after the search.
type placementView struct {
	// Has is false for a plan without placement (made before levelling).
	Has bool
	// Off is true when levelling was off (objective "none").
	Off                 bool
	Objective           string
	Moves               int
	Work                string
	Before, After       string
	Lowered, HasMaxUtil bool
}

func placementOf(pl model.Placement) placementView {
	return placementView{
		Has:        pl.Objective != "",
		Off:        pl.Objective == "none",
		Objective:  pl.Objective,
		Moves:      pl.Moves,
		Work:       fmtGrouped(float64(pl.Work)),
		Before:     fmtFixed(pl.MaxUtilPctBefore, 1),
		After:      fmtFixed(pl.MaxUtilPctAfter, 1),
		Lowered:    pl.MaxUtilPctAfter < pl.MaxUtilPctBefore,
		HasMaxUtil: pl.MaxUtilPctBefore > 0 || pl.MaxUtilPctAfter > 0,
	}
}

// entitlementView sums up the CPU cap and the evidence reserve over the
// servers, for the summary.
type entitlementView struct {
	// TargetScore is the target host's core score (settings
	// target_core_score); HasCap is false without one (no cap).
	TargetScore, RefCores, VirtFactor string
	HasCap                            bool
	// CappedServers had CappedSlots slots lowered by the cap.
	CappedServers, CappedSlots int
	// ReserveOn is the setting evidence_reserve; ReserveServers the
	// servers with a reserve, ReserveCPU (reference cores) and ReserveMem
	// (GiB) their sum.
	ReserveOn              bool
	ReserveServers         int
	ReserveCPU, ReserveMem string
	// Text says all of it in a paragraph.
	Text string
}

// hasReserve reports whether e reserves anything.
func hasReserve(e model.Entitlement) bool {
	return e.EvidenceWeight > 0 && (e.ReserveCPUCoresRef > 0 || e.ReserveMemBytes > 0)
}

func entitlementOf(p *model.Plan) entitlementView {
	s := p.Settings
	v := entitlementView{
		TargetScore: num(s.TargetCoreScore),
		HasCap:      s.TargetCoreScore > 0,
		VirtFactor:  num(s.CPUVirtFactor),
		ReserveOn:   s.EvidenceReserve,
	}
	if s.ReferenceCoreScore > 0 {
		v.RefCores = num(round4(s.TargetCoreScore / s.ReferenceCoreScore))
	}
	var cpu, mem float64
	for _, ps := range p.ServerDetails {
		e := ps.Analysis.Entitlement
		if e.SlotsCapped > 0 {
			v.CappedServers++
			v.CappedSlots += e.SlotsCapped
		}
		if hasReserve(e) {
			v.ReserveServers++
			cpu += e.ReserveCPUCoresRef
			mem += e.ReserveMemBytes
		}
	}
	v.ReserveCPU, v.ReserveMem = fmtFixed(cpu, 2), gib(mem)
	v.Text = v.text()
	return v
}

// text is the summary's paragraph on the CPU cap and the evidence reserve.
func (v entitlementView) text() string {
	var b strings.Builder
	switch {
	case !v.HasCap:
		b.WriteString("No CPU cap: the plan knows no target core score.")
	case v.CappedServers == 0:
		fmt.Fprintf(&b, "CPU cap: a VM never needs more than its vCPUs can use on the target host, whose cores score %s (%s reference cores each, × %s for virtualisation); no server's demand reached it.",
			v.TargetScore, v.RefCores, v.VirtFactor)
	default:
		fmt.Fprintf(&b, "CPU cap: a VM never needs more than its vCPUs can use on the target host, whose cores score %s (%s reference cores each, × %s for virtualisation); the cap lowered %d %s of %d %s.",
			v.TargetScore, v.RefCores, v.VirtFactor, v.CappedSlots, plural(v.CappedSlots, "slot", "slots"), v.CappedServers, plural(v.CappedServers, "server", "servers"))
	}
	switch n := v.ReserveServers; {
	case !v.ReserveOn:
		b.WriteString(" Evidence reserve off: servers with data for only part of the fleet's span are sized on what they showed.")
	case n == 0:
		b.WriteString(" Evidence reserve: every server has data for the whole span, so nothing is reserved.")
	default:
		fmt.Fprintf(&b, " Evidence reserve: %d %s data for only part of the fleet's span, so the share of the span without data of what %s and memory could use and %s did not show is kept free for %s: %s reference cores and %s GiB in all, which must fit each host's full capacity (raw less the host reserve) beside the planned load (servers table, column “evidence reserve”).",
			n, plural(n, "server has", "servers have"), plural(n, "its vCPUs", "their vCPUs"), plural(n, "it", "they"), plural(n, "it", "them"), v.ReserveCPU, v.ReserveMem)
	}
	return b.String()
}

// entitlementCells are a server's vCPUs, CPU cap and evidence reserve in
// the server table.
type entitlementCells struct {
	VCPUs             string
	Cap, CapTitle     string
	Capped            int
	Reserve, ResTitle string
	ResSort           string
}

func entitlementCellsOf(e model.Entitlement, s model.Settings) entitlementCells {
	c := entitlementCells{VCPUs: intOrDash(e.VCPUs), Cap: "—", Reserve: "—", ResSort: "0", Capped: e.SlotsCapped}
	if e.CPUCapCoresRef > 0 {
		c.Cap = fmtFixed(e.CPUCapCoresRef, 2)
		c.CapTitle = fmt.Sprintf("the most CPU its %d vCPUs can use on the target host: %d × %s / %s × %s = %s reference cores, plus its I/O CPU; %d %s lowered",
			e.VCPUs, e.VCPUs, num(s.TargetCoreScore), num(s.ReferenceCoreScore),
			num(s.CPUVirtFactor), c.Cap, e.SlotsCapped, plural(e.SlotsCapped, "slot", "slots"))
	}
	if hasReserve(e) {
		c.Reserve = fmt.Sprintf("%s cores, %s GiB", fmtFixed(e.ReserveCPUCoresRef, 2), gib(e.ReserveMemBytes))
		c.ResSort = num(round4(e.EvidenceWeight))
		c.ResTitle = fmt.Sprintf("data for %s%% of the fleet's span: %s%% of what its vCPUs and memory could use and it did not show is reserved within its host's full capacity (CPU %s reference cores, memory %s GiB)",
			fmtFixed(100*(1-e.EvidenceWeight), 0), fmtFixed(100*e.EvidenceWeight, 0), fmtFixed(e.ReserveCPUCoresRef, 2), gib(e.ReserveMemBytes))
	}
	return c
}

// overallUtil is the highest planned peak utilisation of host h over the
// resources, % of usable capacity, and whether it is above 100.
func overallUtil(h model.PlanHost) (string, bool) {
	best, ok := peakUtil(h)
	if !ok {
		return "—", false
	}
	return fmtFixed(best, 1), best > 100
}

// peakUtil is host h's highest planned peak utilisation over the
// resources, % of usable capacity; false when the plan gives none.
func peakUtil(h model.PlanHost) (float64, bool) {
	best, ok := 0.0, false
	for d := model.Dim(0); d < model.NumDims; d++ {
		if u, has := h.PeakUtilPct[d.String()]; has && (!ok || u > best) {
			best, ok = u, true
		}
	}
	return best, ok
}
