package binpack

import (
	"fmt"
	"math"
	"sort"

	"github.com/kvmfit/kvmfit/model"
)

// PlanInput is everything BuildPlan needs: the profiled servers, the servers
// that could not be profiled, the host catalog and the settings.
type PlanInput struct {
	// Demand holds the profiled demand of every placeable server.
	Demand *model.Demand
	// Servers describes every server of the input, placeable or not, in
	// input order; Host is filled by BuildPlan.
	Servers []model.PlanServer
	// NoData lists servers that have no usable samples; they are reported
	// as unplaced.
	NoData   []model.Unplaced
	Catalog  *model.Catalog
	Settings model.Settings
	Grid     model.PlanGrid
	// GeneratedBy names the program and version.
	GeneratedBy string
	Warnings    []string
}

// BuildPlan packs the demand onto every host model of the catalog, chooses
// one (the one asked for in Settings.HostType, else the one that places the
// most servers at the least cost), and describes the result as a Plan.
//
// For every candidate it also packs the sum-of-peaks baseline: every server
// sized at its own peak in every slot, packed by the same first-fit
// decreasing, so that the saving of time-aligned sizing is visible.
//
// Cost of a candidate = hosts × price + hosts × watts × 8766 h × years ×
// energy price per kWh / 1000.
func BuildPlan(in PlanInput) (*model.Plan, error) {
	if in.Catalog == nil || len(in.Catalog.Hosts) == 0 {
		return nil, fmt.Errorf("no candidate host models")
	}
	s := in.Settings
	if s.HostType != "" {
		if _, ok := in.Catalog.Find(s.HostType); !ok {
			return nil, fmt.Errorf("host type %q is not in the catalog (have: %v)", s.HostType, in.Catalog.Names())
		}
	}
	items := in.Demand.Servers
	flat := make([]model.ServerDemand, len(items))
	for i := range items {
		flat[i] = items[i].Flat()
	}
	type outcome struct {
		spec   model.HostSpec
		usable model.Capacity
		res    Result
		sop    Result
	}
	var outs []outcome
	var cands []model.Candidate
	for _, spec := range in.Catalog.Hosts {
		usable := spec.UsableCapacity(s)
		for d := model.Dim(0); d < model.NumDims; d++ {
			if !(usable[d] > 0) {
				return nil, fmt.Errorf("host type %s: no usable %s capacity left after the host reserve and ceiling", spec.Name, d)
			}
		}
		p := Problem{Items: items, Slots: in.Demand.Slots, Capacity: usable}
		if err := Validate(p); err != nil {
			return nil, err
		}
		res := FirstFitDecreasing(p)
		sop := FirstFitDecreasing(Problem{Items: flat, Slots: in.Demand.Slots, Capacity: usable})
		n := len(res.Bins)
		capex := float64(n) * spec.Price
		energy := float64(n) * spec.Watts * 8766 * s.Years * s.EnergyPricePerKWh / 1000
		outs = append(outs, outcome{spec, usable, res, sop})
		cands = append(cands, model.Candidate{
			HostType: spec.Name, HostsUsed: n, LowerBound: res.LowerBound,
			Unplaced: len(res.Unplaced) + len(in.NoData), SumOfPeaksHosts: len(sop.Bins),
			CapexTotal: round2(capex), EnergyCostTotal: round2(energy), CostTotal: round2(capex + energy),
			RackUnitsTotal: n * spec.RackUnits,
		})
	}
	chosen := -1
	for i, c := range cands {
		switch {
		case s.HostType != "":
			if c.HostType == s.HostType {
				chosen = i
			}
		case chosen < 0,
			c.Unplaced < cands[chosen].Unplaced,
			c.Unplaced == cands[chosen].Unplaced && c.CostTotal < cands[chosen].CostTotal:
			chosen = i
		}
	}
	cands[chosen].Chosen = true
	o := outs[chosen]

	plan := &model.Plan{
		FormatVersion: model.FormatVersion,
		GeneratedBy:   in.GeneratedBy,
		Servers:       len(in.Servers),
		HostType:      o.spec.Name,
		HostsUsed:     len(o.res.Bins),
		LowerBound:    o.res.LowerBound,
		Grid:          in.Grid,
		Assignments:   []model.Assignment{},
		Hosts:         []model.PlanHost{},
		Unplaced:      []model.Unplaced{},
		Baselines: model.Baselines{SumOfPeaks: model.Baseline{
			HostsUsed: len(o.sop.Bins), LowerBound: o.sop.LowerBound,
			Method: "every server sized at its own peak in every slot, packed by the same first-fit decreasing",
		}},
		Candidates: cands,
		Settings:   s,
		Warnings:   append([]string{}, in.Warnings...),
	}
	hostOf := map[string]string{}
	raw := o.spec.RawCapacity(s)
	placed := 0
	width := len(fmt.Sprint(len(o.res.Bins)))
	if width < 2 {
		width = 2
	}
	for b := range o.res.Bins {
		bin := &o.res.Bins[b]
		h := model.PlanHost{
			Name: fmt.Sprintf("host-%0*d", width, b+1), Type: o.spec.Name,
			RawCapacity: dimValues(raw), UsableCapacity: dimValues(o.usable),
			PeakUtilPct: dimValues(bin.PeakUtil(o.usable)),
		}
		for _, i := range bin.Items {
			h.Servers = append(h.Servers, items[i].ID)
			hostOf[items[i].ID] = h.Name
			plan.Assignments = append(plan.Assignments, model.Assignment{Server: items[i].ID, Host: h.Name})
			placed++
		}
		sort.Strings(h.Servers)
		d, slots := bin.Binding(o.usable)
		h.Binding, h.BindingSlots = d.String(), slots
		plan.Hosts = append(plan.Hosts, h)
	}
	sort.Slice(plan.Assignments, func(a, b int) bool { return plan.Assignments[a].Server < plan.Assignments[b].Server })
	p := Problem{Items: items, Slots: in.Demand.Slots, Capacity: o.usable}
	for _, u := range o.res.Unplaced {
		plan.Unplaced = append(plan.Unplaced, model.Unplaced{Server: items[u.Item].ID, Dim: u.Dim.String(), Reason: u.Reason(p)})
	}
	plan.Unplaced = append(plan.Unplaced, in.NoData...)
	sort.Slice(plan.Unplaced, func(a, b int) bool { return plan.Unplaced[a].Server < plan.Unplaced[b].Server })
	if plan.HostsUsed > 0 {
		plan.ConsolidationRatio = round2(float64(placed) / float64(plan.HostsUsed))
	}
	if sop := plan.Baselines.SumOfPeaks.HostsUsed; sop > 0 {
		plan.SavingVsSumOfPeaksPct = round2(100 * (1 - float64(plan.HostsUsed)/float64(sop)))
	}
	plan.ServerDetails = make([]model.PlanServer, len(in.Servers))
	for i, ps := range in.Servers {
		ps.Host = hostOf[ps.ID]
		if ps.Warnings == nil {
			ps.Warnings = []string{}
		}
		plan.ServerDetails[i] = ps
	}
	return plan, nil
}

func dimValues(c model.Capacity) model.DimValues {
	v := model.DimValues{}
	for d := model.Dim(0); d < model.NumDims; d++ {
		v[d.String()] = round6(c[d])
	}
	return v
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// round6 rounds to 6 significant decimals so that JSON output is stable and readable.
func round6(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	return math.Round(v*1e6) / 1e6
}
