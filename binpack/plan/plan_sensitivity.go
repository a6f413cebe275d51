package plan

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/kvmfit/kvmfit/binpack"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
)

// Defaults of the sensitivity sweep (docs/format.md, "Sensitivity").
const (
	// DefaultSensitivityWork is the search budget of each point: 1/30 of
	// the plan's default budget, so that the sweep of about 15 points
	// costs about half a plan's search.
	DefaultSensitivityWork = 1_000_000
	// DefaultSensitivityMaxServers is the largest fleet swept: at 5,000
	// servers × 288 slots a point takes about 0.5 s (heuristics, lower
	// bounds and the reduced search), about 8 s for the sweep; larger
	// fleets skip it with a note so that a plan of 10,000 servers stays
	// under its 30-second target.
	DefaultSensitivityMaxServers = 5000
)

// sensitivityHeuristics are the constructive heuristics of a sweep point:
// the first-fit and best-fit ones, whose cost grows with n log n, not the
// quadratic bin-centric ones (about 7 times the time at 100 servers).
var sensitivityHeuristics = []string{binpack.HeurFFDSize, binpack.HeurFFDVolume, binpack.HeurBFDSize, binpack.HeurFFDMean}

// sensitivityPercentiles are the sizing percentiles of the sweep (100 = the
// peak); the plan's own is added.
var sensitivityPercentiles = []float64{80, 90, 95, 99, 100}

// ceilingSteps are the offsets (percentage points) of the ceiling points
// from the plan's ceiling; values outside (0, 100] are left out.
var ceilingSteps = []float64{-10, -5, 5, 10}

// vcpuRatios are the vCPU:pCPU limits of the overcommit points; 0 (no
// limit) and the plan's own are added.
var vcpuRatios = []float64{2, 4, 8}

// SensitivityPercentiles are the sizing percentiles, other than the plan's
// own p, that the sweep needs demand for (PlanInput.PercentileDemands).
func SensitivityPercentiles(p float64) []float64 {
	var out []float64
	for _, v := range sensitivityPercentiles {
		if v != p {
			out = append(out, v)
		}
	}
	return out
}

// percentileComfortSizes returns the flat sizes of the per-VM percentile ×
// comfort baseline: in.PercentileComfort when given, else derived from
// the profiled demand (every slot of a server's profile taken as one
// sample), and a description of where they came from.
func (b *planBuilder) percentileComfortSizes() ([]model.FlatSize, string) {
	if b.in.PercentileComfort != nil {
		return b.in.PercentileComfort, "from the samples at the grid step, interval max, without time alignment"
	}
	var out []model.FlatSize
	for _, sd := range b.in.Demand.Servers {
		f := model.FlatSize{ID: sd.ID}
		for d := model.Dim(0); d < model.NumDims; d++ {
			v := profile.Quantile(model.BaselinePercentile/100.0, sd.Values[d])
			if !math.IsNaN(v) {
				f.Size[d] = v * model.BaselineComfort
			}
		}
		out = append(out, f)
	}
	return out, "from the slots of each server's profiled demand (no samples were given)"
}

// startPercentileBaseline packs every server at its own P95 × 1.3 (Azure
// Migrate's per-VM sizing), flat over time, on spec with the flag's
// budget (not scaled with the fleet), without constraints and without HA
// spares, in the background (it reads nothing the mix changes), and
// returns what waits for it and fills plan.Baselines.PercentileComfort and
// the saving against it.
func (b *planBuilder) startPercentileBaseline(spec model.HostSpec) func(*model.Plan) {
	fill := func(plan *model.Plan) *model.Baseline {
		bl := &plan.Baselines.PercentileComfort
		bl.Percentile, bl.Comfort, bl.HostType = model.BaselinePercentile, model.BaselineComfort, spec.Name
		return bl
	}
	if !b.in.Pack.PercentileBaseline {
		return func(plan *model.Plan) { fill(plan).Method = "not computed" }
	}
	sizes, from := b.percentileComfortSizes()
	usable := spec.UsableCapacity(b.s)
	inst := &binpack.Instance{Name: spec.Name + " percentile×comfort", Capacity: append([]float64{}, usable[:]...), DimNames: b.dimNames()[:model.NumDims]}
	for _, f := range sizes {
		inst.Items = append(inst.Items, binpack.VecItem{ID: f.ID, Values: [][]float64{
			{f.Size[0]}, {f.Size[1]}, {f.Size[2]}, {f.Size[3]}, {f.Size[4]}}})
	}
	opt := binpack.SolveOptions{Work: b.in.Pack.Work, Seed: 1, Deadline: b.solveOptions().Deadline}
	done := make(chan binpack.Solution, 1)
	go func() { done <- binpack.Solve(inst, opt) }()
	return func(plan *model.Plan) {
		b.in.Pack.progress("per-VM percentile baseline", 0, 1)
		sol := <-done
		b.in.Pack.progress("per-VM percentile baseline", 1, 1)
		bl := fill(plan)
		bl.HostsUsed, bl.LowerBound, bl.Work, bl.Stop = len(sol.Bins), sol.LowerBound, sol.Work, sol.Stop
		bl.Method = fmt.Sprintf("every server sized at its own P%g × %g of each resource (%s), flat over time, packed on %s by the same packer without constraints and without HA spares (Azure Migrate's performance-based sizing)",
			float64(model.BaselinePercentile), model.BaselineComfort, from, spec.Name)
		if n := len(sol.Unplaced); n > 0 {
			bl.Unplaced = n
			if n == 1 {
				bl.Method += "; 1 server fits no host at this size and is not counted"
			} else {
				bl.Method += fmt.Sprintf("; %d servers fit no host at this size and are not counted", n)
			}
		}
		if sol.Stop == "deadline" {
			plan.Warnings = append(plan.Warnings, "the per-VM percentile × comfort baseline was stopped by the search's safety time limit: its host count may differ on another machine")
		}
		if bl.HostsUsed > 0 {
			plan.SavingVsPercentileComfortPct = round2(100 * (1 - float64(plan.HostsWithoutHA)/float64(bl.HostsUsed)))
		}
	}
}

// sensitivity sweeps the sizing percentile, the CPU and memory ceilings and
// the vCPU:pCPU overcommit limit, one at a time, on new hosts of spec:
// every point packs the fleet under the sweep's work budget with the plan's
// constraints (without pins, existing hosts or HA spares).
func (b *planBuilder) sensitivity(spec model.HostSpec) model.Sensitivity {
	po := b.in.Pack
	out := model.Sensitivity{HostType: spec.Name, WorkBudget: po.SensitivityWork, MaxServers: po.SensitivityMaxServers,
		Points: []model.SensitivityPoint{},
		Method: "each point packs the fleet on new hosts of " + spec.Name + " with one setting changed and every other setting as in the plan, with the first-fit and best-fit heuristics (ffd-size, ffd-volume, bfd-size, ffd-timemean) and the sweep's work budget (the same for every point, the plan's own value included), with the plan's constraints except pins, without the existing fleet and without HA spares; hosts are the hosts the load needs"}
	n := len(b.in.Demand.Servers)
	switch {
	case po.SensitivityMaxServers <= 0:
		out.Note = "not computed (sensitivity sweep off)"
		return out
	case n > po.SensitivityMaxServers:
		out.Note = fmt.Sprintf("skipped: %d servers is more than the sweep's limit of %d (kvmfit plan --sensitivity-max-servers)", n, po.SensitivityMaxServers)
		return out
	case po.NoNewHosts:
		out.Note = "skipped: only existing hosts may be used (--no-new-hosts), so the host count cannot move"
		return out
	}
	out.Computed = true
	points, notes := b.percentilePoints()
	points = append(points, b.ceilingPoints(spec)...)
	points = append(points, b.overcommitPoints()...)
	out.Points = b.packPoints(spec, points)
	if b.guessedVCPUs > 0 {
		notes = append(notes, fmt.Sprintf("vcpu_per_pcpu: %d servers have no vCPU count in their inventory and count ceil(cpu_cores_ref) vCPUs", b.guessedVCPUs))
	}
	if b.cons != nil && len(b.cons.Pin) > 0 {
		notes = append(notes, "pins are not applied in the sweep")
	}
	for i, s := range notes {
		if i > 0 {
			out.Note += "; "
		}
		out.Note += s
	}
	return out
}

// sweepPoint is one point of the sensitivity sweep: a setting, its value
// and the plan builder that packs it (nil: the plan's own settings). The
// points are listed first and packed after, in order, so that the sweep
// can tell its progress.
type sweepPoint struct {
	setting string
	value   float64
	nb      *planBuilder
}

// percentilePoints are the sweep's percentile points, from the demand
// profiled at each percentile, and the notes on the ones left out.
func (b *planBuilder) percentilePoints() ([]sweepPoint, []string) {
	var notes []string
	pct := b.s.Percentile
	type pd struct {
		v float64
		d *model.Demand
	}
	pds := []pd{{pct, nil}}
	for _, x := range b.in.PercentileDemands {
		if x.Percentile == pct || x.Demand == nil {
			continue
		}
		if !sameServers(x.Demand, b.in.Demand) {
			notes = append(notes, fmt.Sprintf("percentile %g left out: its demand does not hold the plan's servers", x.Percentile))
			continue
		}
		pds = append(pds, pd{x.Percentile, x.Demand})
	}
	slices.SortStableFunc(pds, func(x, y pd) int { return cmp.Compare(x.v, y.v) })
	switch {
	case len(pds) > 1:
	case b.s.Profile == "full":
		notes = append(notes, "percentile: not swept for the full profile, whose timeline takes no percentile")
	default:
		notes = append(notes, "percentile: no demand at other percentiles was given (it needs the samples)")
	}
	var points []sweepPoint
	for _, x := range pds {
		if x.d == nil {
			points = append(points, sweepPoint{"percentile", x.v, nil})
			continue
		}
		nb := b.variant()
		in := nb.in
		in.Demand = x.d
		nb.in = in
		points = append(points, sweepPoint{"percentile", x.v, nb})
	}
	return points, notes
}

// ceilingPoints are the sweep's CPU and memory ceiling points, a few
// either side of the plan's.
func (b *planBuilder) ceilingPoints(spec model.HostSpec) []sweepPoint {
	var points []sweepPoint
	for _, c := range []struct {
		setting string
		dim     model.Dim
	}{{"ceiling_cpu", model.DimCPU}, {"ceiling_mem", model.DimMem}} {
		cur := b.s.CeilingPct[c.dim.String()]
		vals := []float64{cur}
		for _, st := range ceilingSteps {
			if v := cur + st; v > 0 && v <= 100 {
				vals = append(vals, v)
			}
		}
		slices.Sort(vals)
		for _, v := range slices.Compact(vals) {
			if v == cur {
				points = append(points, sweepPoint{c.setting, v, nil})
				continue
			}
			nb := b.variant()
			nb.s.CeilingPct[c.dim.String()] = v
			if u := spec.UsableCapacity(nb.s); !(u[c.dim] > 0) {
				continue
			}
			points = append(points, sweepPoint{c.setting, v, nb})
		}
	}
	return points
}

// overcommitPoints are the sweep's vCPU:pCPU limit points (0 = none).
func (b *planBuilder) overcommitPoints() []sweepPoint {
	var points []sweepPoint
	cur := 0.0
	if b.cons != nil {
		cur = b.cons.VCPUPerPCPU
	}
	vals := append([]float64{0, cur}, vcpuRatios...)
	slices.Sort(vals)
	for _, v := range slices.Compact(vals) {
		if v == cur {
			points = append(points, sweepPoint{"vcpu_per_pcpu", v, nil})
			continue
		}
		nb := b.variant()
		cons := &Constraints{}
		if b.cons != nil {
			c := *b.cons
			cons = &c
		}
		cons.VCPUPerPCPU = v
		nb.cons = cons
		points = append(points, sweepPoint{"vcpu_per_pcpu", v, nb})
	}
	return points
}

// packPoints packs the plan's own settings once and every other point in
// order, telling the progress.
func (b *planBuilder) packPoints(spec model.HostSpec, points []sweepPoint) []model.SensitivityPoint {
	po := b.in.Pack
	solves := 1
	for _, p := range points {
		if p.nb != nil {
			solves++
		}
	}
	const phase = "sensitivity sweep"
	po.progress(phase, 0, solves)
	bh, blb, bu := b.variant().sweepSolve(spec)
	done := 1
	po.progress(phase, done, solves)
	out := []model.SensitivityPoint{}
	for _, pt := range points {
		p := model.SensitivityPoint{Setting: pt.setting, Value: round6(pt.value)}
		if pt.nb == nil {
			p.Hosts, p.LowerBound, p.Unplaced, p.Plan = bh, blb, bu, true
		} else {
			p.Hosts, p.LowerBound, p.Unplaced = pt.nb.sweepSolve(spec)
			done++
			po.progress(phase, done, solves)
		}
		out = append(out, p)
	}
	return out
}

// variant returns a copy of b with its own settings, for one point of a
// sweep.
func (b *planBuilder) variant() *planBuilder {
	nb := *b
	nb.s = b.s.Clone()
	return &nb
}

// sweepSolve packs the fleet on new hosts of spec the way every point of
// a sweep is packed: the sweep's work budget and heuristics, no pins,
// existing hosts or HA spares. It returns the hosts, their lower bound and
// the servers left unplaced.
func (b *planBuilder) sweepSolve(spec model.HostSpec) (hosts, lb, unplaced int) {
	b.rows, b.flat = nil, nil
	sol := binpack.Solve(b.instance(spec, false), binpack.SolveOptions{Work: b.in.Pack.SensitivityWork, Seed: 1, Heuristics: sensitivityHeuristics})
	for _, u := range sol.Unplaced {
		unplaced += len(b.units[u.Item].members)
	}
	return len(sol.Bins), sol.LowerBound, unplaced
}

// sameServers reports whether a and b hold the same servers in the same
// order, with the same slots.
func sameServers(a, b *model.Demand) bool {
	if len(a.Servers) != len(b.Servers) || a.Slots != b.Slots {
		return false
	}
	for i := range a.Servers {
		if a.Servers[i].ID != b.Servers[i].ID {
			return false
		}
	}
	return true
}

// power fills plan.Power and every server's watts: before = Σ of the
// servers' watts (their inventory's, else model.DefaultLegacyServerWatts);
// after = Σ of the plan's hosts' watts + the watts of the unplaced servers,
// which keep running on their own hardware.
func (b *planBuilder) power(plan *model.Plan, c *candidate) {
	pw := model.Power{DefaultWatts: model.DefaultLegacyServerWatts}
	unplaced := map[string]bool{}
	for _, u := range plan.Unplaced {
		unplaced[u.Server] = true
	}
	var before, left float64
	for i := range plan.ServerDetails {
		ps := &plan.ServerDetails[i]
		if ps.Watts > 0 && !math.IsInf(ps.Watts, 0) {
			ps.WattsSource = "inventory"
			pw.ServersInventory++
		} else {
			ps.Watts, ps.WattsSource = model.DefaultLegacyServerWatts, "default"
			pw.ServersDefault++
		}
		before += ps.Watts
		if unplaced[ps.ID] {
			left += ps.Watts
		}
	}
	for _, t := range c.types {
		pw.HostWatts += t.Watts
	}
	pw.BeforeWatts = round2(before)
	pw.HostWatts = round2(pw.HostWatts)
	pw.AfterWatts = round2(pw.HostWatts + left)
	plan.Power = pw
}
