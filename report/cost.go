package report

import (
	"fmt"
	"strings"

	"github.com/kvmfit/kvmfit/model"
)

// This file shows what each candidate host model's cost covers (plan.json
// candidates[]: the catalog's description and price notes, the cost split
// into hardware, energy, rack, licences and storage pool) and says loudly
// when costs that cover different things stand side by side
// (candidates[].cost_excludes, an unpriced new pool).

// candidateRow is one host model of the comparison.
type candidateRow struct {
	model.Candidate
	// The cost's parts and total, catalog currency.
	Capex, Energy, Rack, Licences, Pool, Cost string
	// Excludes is CostExcludes in words; when it is set the candidate is
	// not comparable on cost alone and its cost carries a marker.
	Excludes string
	// NoStorage is true when the fleet's disks do not fit the model's
	// storage (only for a plan with storage figures).
	NoStorage bool
}

// candidatesView is the comparison of the host models.
type candidatesView struct {
	Rows []candidateRow
	// Price is true when some candidate has a description or price notes
	// (the column is shown); Storage when the plan has storage figures.
	Price, Storage bool
	// Rack, Licences and Pool are true when some candidate has that part
	// of the cost (the column is shown).
	Rack, Licences, Pool bool
	// Excluded are the candidates not comparable on cost alone.
	Excluded []candidateRow
}

// candidatesOf formats the host models compared; the first one marked
// chosen gives the summary its cost and rack units.
func candidatesOf(p *model.Plan, s *summary) candidatesView {
	v := candidatesView{Storage: hasStorage(p.Storage)}
	for _, c := range p.Candidates {
		row := candidateRow{
			Candidate: c,
			Capex:     fmtGrouped(c.CapexTotal),
			Energy:    fmtGrouped(c.EnergyCostTotal),
			Rack:      fmtGrouped(c.RackCost),
			Licences:  fmtGrouped(c.LicenceCost),
			Pool:      fmtGrouped(c.StoragePoolCost),
			Cost:      fmtGrouped(c.CostTotal),
			Excludes:  strings.Join(c.CostExcludes, "; "),
			NoStorage: v.Storage && !c.StorageFits,
		}
		v.Price = v.Price || c.Description != "" || c.PriceIncludes != "" || c.PriceExcludes != ""
		v.Rack = v.Rack || c.RackCost != 0
		v.Licences = v.Licences || c.LicenceCost != 0
		v.Pool = v.Pool || c.StoragePool != "" || c.StoragePoolCost != 0
		v.Rows = append(v.Rows, row)
		if row.Excludes != "" {
			v.Excluded = append(v.Excluded, row)
		}
		if c.Chosen && !s.HasCost {
			s.HasCost = true
			s.Capex, s.Energy, s.Cost = row.Capex, row.Energy, row.Cost
			s.Rack, s.Licences, s.Pool = costPart(c.RackCost), costPart(c.LicenceCost), costPart(c.StoragePoolCost)
			s.RackUnits = c.RackUnitsTotal
		}
	}
	return v
}

// costPart formats a part of a cost, "" when it is 0 (not shown).
func costPart(v float64) string {
	if v == 0 {
		return ""
	}
	return fmtGrouped(v)
}

// chosenCandidate returns the first candidate marked chosen, or nil.
func chosenCandidate(p *model.Plan) *model.Candidate {
	for i := range p.Candidates {
		if p.Candidates[i].Chosen {
			return &p.Candidates[i]
		}
	}
	return nil
}

// costWarning is the decision's sentence when costs are not comparable:
// the candidates whose cost excludes something others include (the chosen
// one first), and the chosen model's new storage pool when it has no
// price; "" when every cost covers the same.
func costWarning(p *model.Plan) string {
	var parts []string
	chosen := chosenCandidate(p)
	if chosen != nil {
		switch pn := p.Storage.Pool; {
		case len(chosen.CostExcludes) > 0:
			parts = append(parts, fmt.Sprintf("the cost of %s excludes %s", chosen.HostType, strings.Join(chosen.CostExcludes, "; ")))
		case chosen.StoragePool != "" && chosen.StoragePoolCost == 0 && pn != nil && pn.Name == chosen.StoragePool && !pn.Existing && pn.Price <= 0:
			parts = append(parts, fmt.Sprintf("the cost of %s excludes the new storage pool %s, which has no price in the catalog", chosen.HostType, chosen.StoragePool))
		}
	}
	for i := range p.Candidates {
		c := &p.Candidates[i]
		if c != chosen && len(c.CostExcludes) > 0 {
			parts = append(parts, fmt.Sprintf("the cost of %s excludes %s", c.HostType, strings.Join(c.CostExcludes, "; ")))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	first := parts[0]
	parts[0] = strings.ToUpper(first[:1]) + first[1:]
	return strings.Join(parts, "; ") + ": not comparable on cost alone with host models whose price includes it (see Host models compared)."
}
