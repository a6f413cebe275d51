package plan

import (
	"fmt"
	"sort"

	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
)

// Analyze fills the model's analytics into a packed plan: per host
// (coincidence factor, CPU correlation, KSM saving), per server (peak slot
// and group) and for the fleet.
func Analyze(plan *model.Plan, d *model.Demand, servers []model.PlanServer, s model.Settings) {
	analyze(plan, d, servers, s, nil)
}

// analyze is Analyze, telling progress (PackOptions.Progress) of the
// hosts analysed.
func analyze(plan *model.Plan, d *model.Demand, servers []model.PlanServer, s model.Settings, progress func(phase string, done, total int)) {
	tell := func(done int) {
		if progress != nil {
			progress("analysing hosts", done, len(plan.Hosts))
		}
	}
	idx := make(map[string]int, len(d.Servers))
	fam := make([]string, len(d.Servers))
	for i := range d.Servers {
		idx[d.Servers[i].ID] = i
	}
	var analyses []model.ServerAnalysis
	for _, ps := range servers {
		if i, ok := idx[ps.ID]; ok {
			fam[i] = ps.Analysis.OSFamily
			analyses = append(analyses, ps.Analysis)
		}
	}
	plan.Fleet = profile.AnalyzeFleet(d, analyses, s)
	for h := range plan.Hosts {
		tell(h)
		var members []int
		for _, id := range plan.Hosts[h].Servers {
			if i, ok := idx[id]; ok {
				members = append(members, i)
			}
		}
		if len(members) == 0 {
			// An empty HA spare: nothing to analyse (AnalyzeHost with no
			// members would describe the whole fleet).
			continue
		}
		sort.Ints(members)
		plan.Hosts[h].Analysis = profile.AnalyzeHost(d, members, fam, s)
		plan.Fleet.KSMSavingBytes += plan.Hosts[h].Analysis.KSMSavingBytes
	}
	tell(len(plan.Hosts))
	group := map[int]int{}
	for g, pg := range plan.Fleet.PeakGroups {
		for _, i := range pg.Members {
			group[i] = g + 1
		}
	}
	for k := range plan.ServerDetails {
		sd := &plan.ServerDetails[k]
		if i, ok := idx[sd.ID]; ok {
			sd.Analysis.CPUPeakSlot, _ = profile.PeakSlot(d.Servers[i].Values[model.DimCPU])
			sd.Analysis.PeakGroup = group[i]
		}
	}
	if n := plan.Fleet.SaturatedServers; n > 0 {
		plan.Warnings = append(plan.Warnings, fmt.Sprintf("%d servers are CPU-saturated: their CPU demand was multiplied by %g (assumed), never above what their vCPUs can use on the target host (see server_details[].analysis.saturation and .entitlement)", n, s.SaturationUplift))
	}
}
