package plan

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/binpack"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
)

// PlanInput is everything BuildPlan needs: the profiled fleet (the
// servers, their demand, the servers that could not be profiled), the host
// catalog and the settings.
type PlanInput struct {
	// Fleet is the profiled fleet (profile.Datasets). Its Servers' Host is
	// filled by BuildPlan; its NoData servers are reported as unplaced; its
	// Warnings go into the plan. A server missing from VCPUs counts
	// ceil(cpu_cores_ref) vCPUs in the vcpu_per_pcpu constraint (with a
	// warning) and in the sweep's overcommit points (with a note).
	// PercentileComfort nil: derived from Demand (see
	// percentileComfortSizes); SumOfPeaks nil: the sum-of-peaks baseline
	// takes the peak of each server's profiled demand; PercentileDemands
	// (at SensitivityPercentiles) nil: no percentile points in the sweep.
	profile.Fleet
	Catalog  *model.Catalog
	Settings model.Settings
	// GeneratedBy names the program and version.
	GeneratedBy string
	// Pack are the packer's options (constraints, HA, existing fleet,
	// search budget). The zero value packs with the constructive
	// heuristics only, no HA analysis and no constraints.
	Pack PackOptions
}

// PackOptions are the packer's options of a plan.
type PackOptions struct {
	// Work is the deterministic search budget per candidate (work units,
	// see SolveOptions.Work).
	Work int64
	// TimeLimit is a wall-clock safety cap per candidate (0: none); when it
	// ends a search, the plan says so (search.stop = "deadline").
	TimeLimit time.Duration
	// HA is k of N+k: every set of k hosts is failed in turn and spare
	// hosts are added until every failure re-places all its servers.
	HA int
	// Constraints are the placement rules (nil: none).
	Constraints     *Constraints
	ConstraintsFile string
	// Existing are hosts that exist already (fixed-fleet mode); they are
	// filled first and cost no capex.
	Existing     []ExistingHost
	ExistingFile string
	// NoNewHosts forbids new hosts: what fits no existing host is unplaced.
	NoNewHosts bool
	// Mix evaluates a mix of host models besides each single model.
	Mix bool
	// RackUnitPrice is the cost of one rack unit over the plan's years.
	RackUnitPrice float64
	// Balance levels the load over the hosts the search found
	// (binpack.Balance); off, the packing is the search's, hosts filled in
	// turn.
	Balance bool
	// PercentileBaseline packs the per-VM percentile × comfort baseline
	// (baselines.percentile_comfort) on the chosen host model.
	PercentileBaseline bool
	// SensitivityWork is the search budget of every point of the
	// sensitivity sweep (0: constructive heuristics only).
	SensitivityWork int64
	// SensitivityMaxServers is the largest fleet the sweep runs on (0: no
	// sweep); above it the plan says it was skipped.
	SensitivityMaxServers int
	// Progress, when set, is told how the long phases advance: phase names
	// the work ("packing host models", "N+k proof on NAME", "mixing
	// host models", "per-VM percentile baseline", "sensitivity sweep",
	// "analysing hosts"), done of total its steps (done == total: the
	// phase is over). It is called on the goroutine that runs BuildPlan
	// and has no effect on the plan.
	Progress func(phase string, done, total int)
}

// progress reports a phase's advance to o.Progress, if set.
func (o PackOptions) progress(phase string, done, total int) {
	if o.Progress != nil {
		o.Progress(phase, done, total)
	}
}

// ExistingHost is one host of the existing fleet.
type ExistingHost struct {
	Name string `yaml:"name" json:"name"`
	// Type is the host's model in the catalog.
	Type string `yaml:"type" json:"type"`
}

// DefaultPackOptions are the packer defaults of `kvmfit plan`.
var DefaultPackOptions = PackOptions{Work: 30_000_000, TimeLimit: 60 * time.Second, HA: 1, Mix: true, Balance: true,
	PercentileBaseline: true, SensitivityWork: DefaultSensitivityWork, SensitivityMaxServers: DefaultSensitivityMaxServers}

// unit is what the packer places: one server, or an affinity group.
type unit struct {
	members []int // indices into Demand.Servers
	name    string
}

// candidate is one packed alternative.
type candidate struct {
	types     []model.HostSpec // per host
	bins      [][]int          // units per host
	existing  []bool
	spare     []bool
	pinHost   map[int]string // bin index → pinned host name
	sol       binpack.Solution
	unplaced  []binpack.Unplaced
	ha        model.HAReport
	sop       binpack.Solution
	balance   binpack.BalanceResult
	withoutHA int
}

// BuildPlan packs the demand onto every host model of the catalog (and a
// mix of models), chooses one (the one asked for in Settings.HostType, else
// the one that places the most servers at the least cost), proves N+k, and
// describes the result as a Plan.
//
// Cost of a candidate = new hosts × price + hosts × watts × 8766 h × years ×
// energy price per kWh / 1000 + rack units × rack unit price.
func BuildPlan(in PlanInput) (*model.Plan, error) {
	if in.Catalog == nil || len(in.Catalog.Hosts) == 0 {
		return nil, fmt.Errorf("no candidate host models")
	}
	s := in.Settings.Clone()
	if s.HostType != "" {
		if _, ok := in.Catalog.Find(s.HostType); !ok {
			return nil, fmt.Errorf("host type %q is not in the catalog (have: %v)", s.HostType, in.Catalog.Names())
		}
	}
	if in.Demand == nil {
		return nil, fmt.Errorf("no demand")
	}
	po := in.Pack
	cons := po.Constraints
	var ids []string
	for _, ps := range in.Servers {
		ids = append(ids, ps.ID)
	}
	for _, sd := range in.Demand.Servers {
		if !slices.Contains(ids, sd.ID) {
			ids = append(ids, sd.ID)
		}
	}
	if err := cons.Check(ids); err != nil {
		return nil, fmt.Errorf("constraints %s: %w", po.ConstraintsFile, err)
	}
	if cons != nil {
		for k, v := range cons.CeilingPct {
			s.CeilingPct[k] = v
		}
	}
	for _, x := range po.Existing {
		if _, ok := in.Catalog.Find(x.Type); !ok {
			return nil, fmt.Errorf("existing host %s: type %q is not in the catalog (have: %v)", x.Name, x.Type, in.Catalog.Names())
		}
	}
	items := in.Demand.Servers
	warnings := append([]string{}, in.Warnings...)
	units, unitOf := buildUnits(items, cons)
	// Every server's vCPUs: for the vcpu_per_pcpu constraint and for the
	// overcommit points of the sensitivity sweep.
	vcpus := make([]float64, len(items))
	cpuRef := map[string]float64{}
	for _, ps := range in.Servers {
		cpuRef[ps.ID] = ps.CPUCoresRef
	}
	var guessed []string
	for i, it := range items {
		if v, ok := in.VCPUs[it.ID]; ok && v > 0 {
			vcpus[i] = float64(v)
		} else {
			vcpus[i] = math.Max(1, math.Ceil(cpuRef[it.ID]))
			guessed = append(guessed, it.ID)
		}
	}
	if len(guessed) > 0 && cons != nil && cons.VCPUPerPCPU > 0 {
		warnings = append(warnings, fmt.Sprintf("vcpu_per_pcpu: %d servers have no vCPU count; counted as ceil(cpu_cores_ref) vCPUs (e.g. %s)", len(guessed), guessed[0]))
	}
	// A host model that leaves nothing to pack in some resource is left
	// out with a warning (an error when it is the one asked for).
	specs, skipped, err := usableModels(in.Catalog, s, po.Existing)
	if err != nil {
		return nil, err
	}
	warnings = append(warnings, skipped...)
	if len(specs) < len(in.Catalog.Hosts) {
		cat := *in.Catalog
		cat.Hosts = specs
		in.Catalog = &cat
	}
	if err := validateDemand(in.Demand); err != nil {
		return nil, err
	}
	b := &planBuilder{in: in, s: s, cons: cons, units: units, unitOf: unitOf, vcpus: vcpus, guessedVCPUs: len(guessed)}
	b.setEntitlements()
	warnings = append(warnings, b.setStorage()...)
	var cands []*candidate
	var rows []model.Candidate
	for i, spec := range specs {
		po.progress("packing host models", i, len(specs))
		c := b.pack(spec)
		cands = append(cands, c)
		rows = append(rows, b.row(spec.Name, c))
		po.progress("packing host models", i+1, len(specs))
	}
	mixBase := 0
	var finishBaseline func(*model.Plan)
	if po.Mix && len(specs) > 1 && s.HostType == "" && len(po.Existing) == 0 && !po.NoNewHosts && (cons == nil || len(cons.Pin) == 0) {
		best := 0
		for i := range rows {
			if betterRow(rows[i], rows[best]) {
				best = i
			}
		}
		mixBase = best
		// The per-VM baseline is packed on this model whether the mix
		// wins or not (below): alongside the mix.
		finishBaseline = b.startPercentileBaseline(specs[best])
		po.progress("mixing host models", 0, 1)
		if c := b.mix(cands[best], specs); c != nil {
			cands = append(cands, c)
			rows = append(rows, b.row("mix", c))
		}
		po.progress("mixing host models", 1, 1)
	}
	chosen := -1
	for i, c := range rows {
		switch {
		case s.HostType != "":
			if c.HostType == s.HostType {
				chosen = i
			}
		case chosen < 0 || betterRow(c, rows[chosen]):
			chosen = i
		}
	}
	rows[chosen].Chosen = true
	plan := b.assemble(cands[chosen], rows, chosen, warnings)
	// The host model of the baseline and the sweep: the chosen one, or
	// for a mix the single model it was built from.
	spec := specs[mixBase]
	if rows[chosen].HostType != "mix" {
		spec = specs[chosen]
	}
	if finishBaseline == nil {
		finishBaseline = b.startPercentileBaseline(spec)
	}
	finishBaseline(plan)
	plan.Sensitivity = b.sensitivity(spec)
	b.power(plan, cands[chosen])
	plan.Storage = b.storagePlan(plan, cands[chosen])
	if p := plan.Storage.Pool; p != nil && !p.Fits {
		plan.Warnings = append(plan.Warnings, fmt.Sprintf("storage: the pool %s cannot serve the plan: it needs %s, %.0f IOPS and %s; the catalog gives %s, %.0f IOPS and %s (0 = unknown)",
			p.Name, formatQuantity(p.NeedBytes, "bytes", 2), p.NeedIOPS, formatQuantity(p.NeedBytesPerSec, "bytes_per_sec", 2),
			formatQuantity(p.HaveBytes, "bytes", 2), p.HaveIOPS, formatQuantity(p.HaveBytesPerSec, "bytes_per_sec", 2)))
	}
	plan.Overhead = b.overhead(plan, spec)
	return plan, nil
}

// usableModels returns the catalog's host models that keep some usable
// capacity in every resource under s (model.HostSpec.CheckUsable), and a
// warning for each one left out that names its catalog entry, field and
// value. It is an error when the model left out is s.HostType, the model
// of an existing host, or every model.
func usableModels(cat *model.Catalog, s model.Settings, existing []ExistingHost) ([]model.HostSpec, []string, error) {
	var kept []model.HostSpec
	var warnings, reasons []string
	for _, spec := range cat.Hosts {
		field, err := spec.CheckUsable(s)
		if err == nil {
			kept = append(kept, spec)
			continue
		}
		why := "host model " + spec.Name + ": "
		if field != "" {
			why += "field " + field + ": "
		}
		why += err.Error()
		if at := cat.Where(spec.Name, field); at != "" {
			why = "host catalog " + at + ": " + why
		}
		if spec.Name == s.HostType {
			return nil, nil, fmt.Errorf("%s; it cannot be planned for (--host-type)", why)
		}
		if i := slices.IndexFunc(existing, func(x ExistingHost) bool { return x.Type == spec.Name }); i >= 0 {
			return nil, nil, fmt.Errorf("%s; existing host %s is of this model", why, existing[i].Name)
		}
		reasons = append(reasons, why)
		warnings = append(warnings, why+"; this host model is left out of the comparison")
	}
	if len(kept) == 0 {
		return nil, nil, fmt.Errorf("no host model of the catalog can hold any VM: %s", strings.Join(reasons, "; "))
	}
	return kept, warnings, nil
}

// betterRow reports whether candidate a beats b: fewer unplaced servers,
// then storage that fits, then a lower cost, then fewer hosts.
func betterRow(a, b model.Candidate) bool {
	if a.Unplaced != b.Unplaced {
		return a.Unplaced < b.Unplaced
	}
	if a.StorageFits != b.StorageFits {
		return a.StorageFits
	}
	if a.CostTotal != b.CostTotal {
		return a.CostTotal < b.CostTotal
	}
	return a.HostsUsed < b.HostsUsed
}

// buildUnits merges affinity groups into single units. Units are ordered
// by their first member's index.
func buildUnits(items []model.ServerDemand, cons *Constraints) ([]unit, map[string]int) {
	idx := map[string]int{}
	for i, it := range items {
		idx[it.ID] = i
	}
	group := map[int]int{} // item → affinity group
	if cons != nil {
		for g, grp := range cons.Affinity {
			for _, sv := range grp.Servers {
				if i, ok := idx[sv]; ok {
					group[i] = g
				}
			}
		}
	}
	var units []unit
	unitOf := map[string]int{}
	gUnit := map[int]int{}
	for i, it := range items {
		if g, ok := group[i]; ok {
			if u, ok := gUnit[g]; ok {
				units[u].members = append(units[u].members, i)
				unitOf[it.ID] = u
				continue
			}
			gUnit[g] = len(units)
			unitOf[it.ID] = len(units)
			units = append(units, unit{members: []int{i}, name: cons.Affinity[g].Name})
			continue
		}
		unitOf[it.ID] = len(units)
		units = append(units, unit{members: []int{i}})
	}
	return units, unitOf
}

type planBuilder struct {
	in     PlanInput
	s      model.Settings
	cons   *Constraints
	units  []unit
	unitOf map[string]int
	vcpus  []float64
	// guessedVCPUs is the number of servers whose vCPUs are a guess.
	guessedVCPUs int
	// rows caches the demand rows of the units (shared by every candidate).
	rows [][][]float64
	flat [][][]float64
	// reserve is every server's evidence reserve (CPU, memory), by its
	// index in Demand.Servers; nil when no server has one. unused is every
	// unit's unused CPU entitlement (setEntitlements).
	reserve [][2]float64
	unused  []float64
	// storage is every server's storage demand in bytes (its VM's disks,
	// model.ServerStorage.DemandBytes), by its index in Demand.Servers;
	// nil when no server has any or no host model has local storage
	// (setStorage).
	storage      []float64
	storageTotal float64
}

// reserveDims are the model dimensions whose evidence reserve the plan
// checks against each host's full capacity.
var reserveDims = [2]model.Dim{model.DimCPU, model.DimMem}

// setEntitlements reads every server's entitlement (model.Entitlement)
// once: its evidence reserve (CPU, memory; none when
// Settings.EvidenceReserve is off) into b.reserve, and per unit the CPU its
// servers are entitled to on the target host (the cap, else their whole
// CPU in reference cores × CPUVirtFactor) and do not use at their planned
// peak into b.unused: what may wake up, which Balance spreads.
func (b *planBuilder) setEntitlements() {
	by := map[string]model.PlanServer{}
	for _, ps := range b.in.Servers {
		by[ps.ID] = ps
	}
	items := b.in.Demand.Servers
	res := make([][2]float64, len(items))
	any := false
	for i, sd := range items {
		e := by[sd.ID].Analysis.Entitlement
		res[i] = [2]float64{e.ReserveCPUCoresRef, e.ReserveMemBytes}
		any = any || res[i] != [2]float64{}
	}
	if any && b.s.EvidenceReserve {
		b.reserve = res
	}
	b.unused = make([]float64, len(b.units))
	for u, un := range b.units {
		for _, i := range un.members {
			ps := by[items[i].ID]
			ent := ps.Analysis.Entitlement.CPUCapCoresRef
			if ent <= 0 {
				ent = ps.CPUCoresRef * b.s.CPUVirtFactor
			}
			b.unused[u] += math.Max(0, ent-items[i].Peak(model.DimCPU))
		}
	}
}

// dimNames are the dimensions of a plan instance: the model's, then
// "cpu_reserve" and "mem_reserve" when servers have an evidence reserve
// (planned load plus reserves against the full capacity), then "vms" and
// "vcpu" when the constraints ask for them (see resource).
func (b *planBuilder) dimNames() []string { return b.dimNamesFor(false) }

// dimNamesFor is dimNames; the flat sum-of-peaks instance has no reserve
// dimensions.
func (b *planBuilder) dimNamesFor(flat bool) []string {
	var n []string
	for d := model.Dim(0); d < model.NumDims; d++ {
		n = append(n, d.String())
	}
	if b.reserve != nil && !flat {
		for _, d := range reserveDims {
			n = append(n, d.String()+"_reserve")
		}
	}
	if b.storage != nil {
		n = append(n, storageDim)
	}
	if b.cons != nil && b.cons.MaxVMsPerHost > 0 {
		n = append(n, "vms")
	}
	if b.cons != nil && b.cons.VCPUPerPCPU > 0 {
		n = append(n, "vcpu")
	}
	return n
}

// unitRows returns the demand rows of every unit (flat: one slot at the
// unit's peak, for the sum-of-peaks baseline: the same packing problem as
// every slot at the peak, with one coordinate per resource instead of one
// per resource and slot).
func (b *planBuilder) unitRows(flat bool) [][][]float64 {
	if !flat && b.rows != nil {
		return b.rows
	}
	if flat && b.flat != nil {
		return b.flat
	}
	items := b.in.Demand.Servers
	measured := map[string]model.Capacity{}
	for _, f := range b.in.SumOfPeaks {
		measured[f.ID] = f.Size
	}
	out := make([][][]float64, len(b.units))
	for u, un := range b.units {
		var r [][]float64
		if len(un.members) == 1 && !flat {
			it := &items[un.members[0]]
			r = append(r, it.Values[:]...)
		} else {
			for d := model.Dim(0); d < model.NumDims; d++ {
				row := make([]float64, b.in.Demand.Slots)
				pk := 0.0 // every member at its own peak
				for _, i := range un.members {
					for t, v := range items[i].Values[d] {
						row[t] += v
					}
					if size, ok := measured[items[i].ID]; ok {
						pk += size[d]
					} else {
						pk += items[i].Peak(d)
					}
				}
				if flat {
					// every slot would be the same: one slot holds it
					row = []float64{pk}
				}
				r = append(r, row)
			}
		}
		if b.reserve != nil && !flat {
			r = append(r, b.reserveRows(un, r)...)
		}
		if b.storage != nil {
			v := 0.0
			for _, i := range un.members {
				v += b.storage[i]
			}
			r = append(r, []float64{v})
		}
		if b.cons != nil && b.cons.MaxVMsPerHost > 0 {
			r = append(r, []float64{float64(len(un.members))})
		}
		if b.cons != nil && b.cons.VCPUPerPCPU > 0 {
			v := 0.0
			for _, i := range un.members {
				v += b.vcpus[i]
			}
			r = append(r, []float64{v})
		}
		out[u] = r
	}
	if flat {
		b.flat = out
	} else {
		b.rows = out
	}
	return out
}

// reserveRows returns a unit's rows in the reserve dimensions: its planned
// CPU and memory (rows) plus its servers' evidence reserves in every slot.
func (b *planBuilder) reserveRows(un unit, rows [][]float64) [][]float64 {
	var out [][]float64
	for k, d := range reserveDims {
		add := 0.0
		for _, i := range un.members {
			add += b.reserve[i][k]
		}
		row := make([]float64, len(rows[d]))
		for t, v := range rows[d] {
			row[t] = v + add
		}
		out = append(out, row)
	}
	return out
}

// capacity returns the usable capacity of a host model in the instance's
// dimensions; in the reserve dimensions, the full capacity (raw less the
// host reserve, before the ceiling).
func (b *planBuilder) capacity(spec model.HostSpec) []float64 { return b.capacityFor(spec, false) }

// capacityFor is capacity; the flat sum-of-peaks instance has no reserve
// dimensions.
func (b *planBuilder) capacityFor(spec model.HostSpec, flat bool) []float64 {
	u := spec.UsableCapacity(b.s)
	c := append([]float64{}, u[:]...)
	if b.reserve != nil && !flat {
		for _, d := range reserveDims {
			c = append(c, u[d]*100/b.s.CeilingPct[d.String()])
		}
	}
	if b.storage != nil {
		c = append(c, b.storageCapacity(spec))
	}
	if b.cons != nil && b.cons.MaxVMsPerHost > 0 {
		c = append(c, float64(b.cons.MaxVMsPerHost))
	}
	if b.cons != nil && b.cons.VCPUPerPCPU > 0 {
		c = append(c, math.Max(0, float64(spec.Cores)-b.s.HostReserveCores)*b.cons.VCPUPerPCPU)
	}
	return c
}

func (b *planBuilder) instance(spec model.HostSpec, flat bool) *binpack.Instance {
	rows := b.unitRows(flat)
	inst := &binpack.Instance{Name: spec.Name, Capacity: b.capacityFor(spec, flat), DimNames: b.dimNamesFor(flat)}
	items := b.in.Demand.Servers
	for u, un := range b.units {
		inst.Items = append(inst.Items, binpack.VecItem{ID: items[un.members[0]].ID, Values: rows[u]})
	}
	if b.cons != nil && !flat {
		for _, grp := range b.cons.AntiAffinity {
			var g []int
			for _, sv := range grp.Servers {
				if u, ok := b.unitOf[sv]; ok {
					g = append(g, u)
				}
			}
			if len(g) > 1 {
				inst.AntiAffinity = append(inst.AntiAffinity, g)
				inst.AntiAffinityNames = append(inst.AntiAffinityNames, grp.Name)
			}
		}
	}
	return inst
}

// workScaleServers is the fleet size up to which a host model's search
// gets the budget of --search-work as it is; a larger fleet gets it in
// proportion to its servers (units). The searches spread, move and swap
// every server, so a fixed budget buys less search per server as the
// fleet grows: on 100,000 servers the 3·10⁷ default left the chosen model
// 33 % above its lower bound (5,747 hosts for a bound of 4,329), ten times
// it 0.6 % (4,355). A size rule, never a time rule: plans of up to 10,000
// servers are what they were.
const workScaleServers = 10000

// workBudget is the search budget of one host model: Pack.Work, scaled
// with the fleet above workScaleServers units. The baselines (sum of
// peaks, per-VM percentile) keep Pack.Work.
func (b *planBuilder) workBudget() int64 {
	w := b.in.Pack.Work
	if n := len(b.units); n > workScaleServers {
		w = int64(math.Round(float64(w) * float64(n) / workScaleServers))
	}
	return w
}

func (b *planBuilder) solveOptions() binpack.SolveOptions {
	o := binpack.SolveOptions{Work: b.workBudget(), Seed: 1}
	if b.in.Pack.TimeLimit > 0 {
		o.Deadline = time.Now().Add(b.in.Pack.TimeLimit)
	}
	return o
}

// pack packs the fleet onto hosts of one model (plus the existing fleet).
func (b *planBuilder) pack(spec model.HostSpec) *candidate {
	po := b.in.Pack
	inst := b.instance(spec, false)
	opt := b.solveOptions()
	c := &candidate{pinHost: map[int]string{}}
	existingIdx := map[string]int{}
	for _, x := range po.Existing {
		xs, _ := b.in.Catalog.Find(x.Type)
		existingIdx[x.Name] = len(opt.Existing)
		opt.Existing = append(opt.Existing, binpack.ExistingBin{Name: x.Name, Capacity: b.capacity(xs)})
		c.types = append(c.types, xs)
		c.existing = append(c.existing, true)
	}
	if b.cons != nil && len(b.cons.Pin) > 0 {
		opt.Pins = map[int]int{}
		for _, sv := range sortedKeys(b.cons.Pin) {
			u, ok := b.unitOf[sv]
			if !ok {
				continue // a server without data
			}
			host := b.cons.Pin[sv]
			j, ok := existingIdx[host]
			if !ok {
				j = len(opt.Existing)
				existingIdx[host] = j
				opt.Existing = append(opt.Existing, binpack.ExistingBin{Name: host, Capacity: inst.Capacity})
				c.types = append(c.types, spec)
				c.existing = append(c.existing, false)
				c.pinHost[j] = host
			}
			opt.Pins[u] = j
		}
	}
	opt.NoNewBins = po.NoNewHosts
	// The sum-of-peaks baseline is packed alongside (its own instance and
	// engine): on a large fleet it is one core's work while the plan's own
	// packing, balancing and N+1 proof take the other.
	flat := b.instance(spec, true)
	// (with the flag's budget as it is: on 100,000 servers ten times it
	// ran the sum-of-peaks search of 1u-1s16c-256g, 31,000 hosts, into the
	// safety time limit)
	sopOpt := binpack.SolveOptions{Work: po.Work, Seed: 1, Deadline: opt.Deadline}
	sopDone := make(chan binpack.Solution, 1)
	go func() { sopDone <- binpack.Solve(flat, sopOpt) }()
	c.sol = binpack.Solve(inst, opt)
	if po.Balance {
		c.balance = binpack.Balance(inst, c.sol.Bins, binpack.BalanceOptions{Work: po.Work, Existing: opt.Existing, Pins: opt.Pins,
			Spread: b.unused, SpreadDim: int(model.DimCPU)})
		c.sol.Bins = c.balance.Bins
	}
	c.unplaced = c.sol.Unplaced
	for j, bin := range c.sol.Bins {
		if j >= len(c.types) {
			c.types = append(c.types, spec)
			c.existing = append(c.existing, false)
		}
		c.bins = append(c.bins, bin)
	}
	// Pinned new hosts that ended up empty are not bought.
	b.dropEmptyPinned(c)
	c.withoutHA = len(c.bins)
	c.spare = make([]bool, len(c.bins))
	b.proveHA(c, inst, spec, spec.Name)
	c.sop = <-sopDone
	return c
}

// sumOfPeaksMethod says how the sum-of-peaks baseline was sized.
func (b *planBuilder) sumOfPeaksMethod() string {
	how := "every server sized at the peak of its own profiled demand (no measured peaks were given)"
	if b.in.SumOfPeaks != nil {
		how = "every server sized at the peak of its measured demand: the largest slot max of its data, with the plan's CPU normalisation, virtualisation overhead and per-VM memory overhead, without percentile or margins (the backtest's sum_of_peaks)"
	}
	return how + ", flat over time, packed by the same packer without constraints, without levelling and without HA spares; compared with the hosts the plan needs for the load (N+k spares apart)"
}

// placement says how the candidate's servers were levelled.
func (b *planBuilder) placement(c *candidate) model.Placement {
	if !b.in.Pack.Balance {
		return model.Placement{Objective: "none: hosts filled in turn by the search"}
	}
	r := c.balance
	return model.Placement{
		Objective: "level the load: minimise the sum over hosts and resources of (planned peak / usable capacity)² plus, per host, (unused CPU entitlement / usable CPU)², the host count fixed by the search",
		Moves:     r.Moves, Work: r.Work,
		MaxUtilPctBefore: round2(100 * r.MaxUtilBefore), MaxUtilPctAfter: round2(100 * r.MaxUtilAfter),
	}
}

func (b *planBuilder) dropEmptyPinned(c *candidate) {
	keep := 0
	pin := map[int]string{}
	for j := range c.bins {
		if len(c.bins[j]) == 0 && !c.existing[j] {
			continue
		}
		if h, ok := c.pinHost[j]; ok {
			pin[keep] = h
		}
		c.bins[keep], c.types[keep], c.existing[keep] = c.bins[j], c.types[j], c.existing[j]
		keep++
	}
	c.bins, c.types, c.existing, c.pinHost = c.bins[:keep], c.types[:keep], c.existing[:keep], pin
}

// row summarises a candidate for plan.json.
func (b *planBuilder) row(name string, c *candidate) model.Candidate {
	s := b.s
	var capex, energy float64
	ru := 0
	counts := map[string]int{}
	for j, t := range c.types {
		if !c.existing[j] {
			capex += t.Price
		}
		energy += t.Watts * 8766 * s.Years * s.EnergyPricePerKWh / 1000
		ru += t.RackUnits
		counts[t.Name]++
	}
	rack := float64(ru) * b.in.Pack.RackUnitPrice
	r := model.Candidate{
		HostType: name, HostsUsed: len(c.bins), LowerBound: c.sol.LowerBound,
		Unplaced: b.unplacedServers(c) + len(b.in.NoData), SumOfPeaksHosts: len(c.sop.Bins),
		CapexTotal: round2(capex), EnergyCostTotal: round2(energy), CostTotal: round2(capex + energy + rack),
		RackUnitsTotal: ru, HostsWithoutHA: c.withoutHA, RackCost: round2(rack),
	}
	if name == "mix" {
		for _, t := range sortedKeys(counts) {
			r.Mix = append(r.Mix, model.HostCount{HostType: t, Hosts: counts[t]})
		}
	}
	b.costNotes(&r, c)
	return r
}

func (b *planBuilder) unplacedServers(c *candidate) int {
	n := 0
	for _, u := range c.unplaced {
		n += len(b.units[u.Item].members)
	}
	return n
}

// mix starts from a single-model candidate and moves the contents of each
// host, lightest first, onto one host of the cheapest other model it fits
// in every resource and slot, when that model costs less per host. It
// returns nil when no host changes.
func (b *planBuilder) mix(base *candidate, specs []model.HostSpec) *candidate {
	s := b.s
	cost := func(t model.HostSpec) float64 {
		return t.Price + t.Watts*8766*s.Years*s.EnergyPricePerKWh/1000 + float64(t.RackUnits)*b.in.Pack.RackUnitPrice +
			b.in.Catalog.LicenceCostPerHostYear(t)*s.Years
	}
	rows := b.unitRows(false)
	order := make([]int, base.withoutHA)
	vol := make([]float64, base.withoutHA)
	for j := range order {
		order[j] = j
		for _, u := range base.bins[j] {
			for d, r := range rows[u] {
				for _, v := range r {
					vol[j] += v / math.Max(b.capacity(base.types[j])[d], 1e-300) / float64(len(r))
				}
			}
		}
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(vol[x], vol[y]) })
	byCost := slices.Clone(specs)
	slices.SortStableFunc(byCost, func(x, y model.HostSpec) int { return cmp.Compare(cost(x), cost(y)) })
	c := &candidate{sol: base.sol, unplaced: base.unplaced, pinHost: map[int]string{}, sop: base.sop}
	c.bins = slices.Clone(base.bins[:base.withoutHA])
	c.types = slices.Clone(base.types[:base.withoutHA])
	c.existing = slices.Clone(base.existing[:base.withoutHA])
	changed := false
	for _, j := range order {
		for _, t := range byCost {
			if cost(t) >= cost(c.types[j]) {
				break
			}
			if fitsAll(rows, c.bins[j], b.capacity(t)) {
				c.types[j] = t
				changed = true
				break
			}
		}
	}
	if !changed {
		return nil
	}
	c.withoutHA = len(c.bins)
	c.spare = make([]bool, len(c.bins))
	// HA spares of a mix are of the largest model in it (by memory, then CPU).
	big := c.types[0]
	for _, t := range c.types {
		if t.MemBytes > big.MemBytes || t.MemBytes == big.MemBytes && t.Cores > big.Cores {
			big = t
		}
	}
	b.proveHA(c, b.instance(big, false), big, "the mix of host models")
	return c
}

// fitsAll reports whether the units together fit one host of capacity c.
func fitsAll(rows [][][]float64, units []int, c []float64) bool {
	for d := range c {
		lim := binpack.Limit(c[d])
		n := len(rows[units[0]][d])
		for t := range n {
			sum := 0.0
			for _, u := range units {
				sum += rows[u][d][t]
			}
			if sum > lim {
				return false
			}
		}
	}
	return true
}

// assemble writes the chosen candidate as a Plan.
func (b *planBuilder) assemble(c *candidate, rows []model.Candidate, chosen int, warnings []string) *model.Plan {
	in, s := b.in, b.s
	items := in.Demand.Servers
	hostType := rows[chosen].HostType
	sop := c.sop
	plan := &model.Plan{
		FormatVersion:  model.FormatVersion,
		GeneratedBy:    in.GeneratedBy,
		Servers:        len(in.Servers),
		HostType:       hostType,
		HostsUsed:      len(c.bins),
		LowerBound:     c.sol.LowerBound,
		HostsWithoutHA: c.withoutHA,
		LowerBounds: model.LowerBounds{L1: c.sol.Bounds.L1, L2: c.sol.Bounds.L2,
			Conflict: c.sol.Bounds.Conflict, LP: c.sol.Bounds.LP, Best: c.sol.Bounds.Best},
		Search: model.Search{Heuristic: c.sol.Heuristic, Improved: c.sol.Improved,
			Work: c.sol.Work, WorkBudget: b.workBudget(), Stop: c.sol.Stop, Constructive: []model.HeuristicHosts{}},
		Placement:   b.placement(c),
		HA:          c.ha,
		Grid:        in.Grid,
		Assignments: []model.Assignment{},
		Hosts:       []model.PlanHost{},
		Unplaced:    []model.Unplaced{},
		Baselines: model.Baselines{SumOfPeaks: model.Baseline{
			HostsUsed: len(sop.Bins), LowerBound: sop.LowerBound,
			Method: b.sumOfPeaksMethod(),
		}},
		Candidates:  rows,
		Settings:    s,
		Warnings:    warnings,
		InputIssues: append([]model.InputIssue{}, in.InputIssues...),
	}
	for _, h := range c.sol.Constructive {
		plan.Search.Constructive = append(plan.Search.Constructive, model.HeuristicHosts{Name: h.Name, Hosts: h.Bins})
	}
	if lb := plan.LowerBound; lb > 0 {
		plan.LowerBoundGapPct = round2(100 * float64(plan.HostsWithoutHA-lb) / float64(lb))
	}
	if c.sol.Stop == "deadline" || c.sop.Stop == "deadline" {
		plan.Warnings = append(plan.Warnings, fmt.Sprintf("the packer's search was stopped by the %s safety time limit before its work budget: this plan may differ on a faster or slower machine", in.Pack.TimeLimit))
	}
	po := in.Pack
	plan.PackSettings = model.PackSettings{HALevel: po.HA, WorkBudget: po.Work, TimeLimitSec: po.TimeLimit.Seconds(),
		RackUnitPrice: po.RackUnitPrice, ConstraintsFile: po.ConstraintsFile, ExistingFile: po.ExistingFile,
		NoNewHosts: po.NoNewHosts, Mix: po.Mix}
	if b.cons != nil {
		plan.PackSettings.Constraints = b.cons
	}
	names := b.hostNames(c)
	hostOf := map[string]string{}
	placed := 0
	inst := b.instance(c.types[0], false)
	for j, bin := range c.bins {
		spec := c.types[j]
		usable := spec.UsableCapacity(s)
		raw := spec.RawCapacity(s)
		h := model.PlanHost{
			Name: names[j], Type: spec.Name, Servers: []string{},
			RawCapacity: dimValues(raw), UsableCapacity: dimValues(usable),
			Existing: c.existing[j], Spare: c.spare[j],
		}
		var load hostLoad
		for d := range model.NumDims {
			load[d] = make([]float64, in.Demand.Slots)
		}
		for _, u := range bin {
			for _, i := range b.units[u].members {
				h.Servers = append(h.Servers, items[i].ID)
				hostOf[items[i].ID] = h.Name
				plan.Assignments = append(plan.Assignments, model.Assignment{Server: items[i].ID, Host: h.Name})
				placed++
				for d := range model.NumDims {
					for t, v := range items[i].Values[d] {
						load[d][t] += v
					}
				}
			}
		}
		sort.Strings(h.Servers)
		h.PeakUtilPct = dimValues(load.peakUtil(usable))
		h.HeadroomPct = model.DimValues{}
		for k, v := range h.PeakUtilPct {
			h.HeadroomPct[k] = round6(100 - v)
		}
		d, slots := load.binding(usable)
		h.Binding, h.BindingSlots = d.String(), slots
		if slots == nil {
			h.BindingSlots = []int{}
		}
		plan.Hosts = append(plan.Hosts, h)
	}
	sort.Slice(plan.Assignments, func(a, b int) bool { return plan.Assignments[a].Server < plan.Assignments[b].Server })
	for _, u := range c.unplaced {
		for _, i := range b.units[u.Item].members {
			plan.Unplaced = append(plan.Unplaced, b.unplacedReason(inst, u, i))
		}
	}
	plan.Unplaced = append(plan.Unplaced, in.NoData...)
	sort.Slice(plan.Unplaced, func(a, b int) bool { return plan.Unplaced[a].Server < plan.Unplaced[b].Server })
	if plan.HostsUsed > 0 {
		plan.ConsolidationRatio = round2(float64(placed) / float64(plan.HostsUsed))
	}
	if sopHosts := plan.Baselines.SumOfPeaks.HostsUsed; sopHosts > 0 {
		plan.SavingVsSumOfPeaksPct = round2(100 * (1 - float64(plan.HostsWithoutHA)/float64(sopHosts)))
	}
	plan.ServerDetails = make([]model.PlanServer, len(in.Servers))
	for i, ps := range in.Servers {
		ps.Host = hostOf[ps.ID]
		if ps.Warnings == nil {
			ps.Warnings = []string{}
		}
		plan.ServerDetails[i] = ps
	}
	return plan
}

// hostNames names the hosts: existing and pinned hosts keep their names,
// the others are host-01, host-02, ... (skipping names already taken).
func (b *planBuilder) hostNames(c *candidate) []string {
	names := make([]string, len(c.bins))
	taken := map[string]bool{}
	x := 0
	for j := range c.bins {
		if c.existing[j] {
			names[j] = b.in.Pack.Existing[x].Name
			x++
		} else if h, ok := c.pinHost[j]; ok {
			names[j] = h
		}
		taken[names[j]] = true
	}
	width := max(2, len(fmt.Sprint(len(c.bins))))
	k := 0
	for j := range names {
		if names[j] != "" {
			continue
		}
		for {
			k++
			n := fmt.Sprintf("host-%0*d", width, k)
			if !taken[n] {
				names[j] = n
				break
			}
		}
	}
	return names
}

// unplacedReason explains why server i (of unit u.Item) was not placed: it
// is where the solver's binpack.Unplaced becomes the plan's model.Unplaced.
func (b *planBuilder) unplacedReason(inst *binpack.Instance, u binpack.Unplaced, i int) model.Unplaced {
	items := b.in.Demand.Servers
	un := b.units[u.Item]
	out := model.Unplaced{Server: items[i].ID, Constraint: u.Constraint}
	group := ""
	if len(un.members) > 1 {
		group = fmt.Sprintf(" (with its affinity group %q, %d servers)", un.name, len(un.members))
	}
	if d, ok := resource(u.Dim); ok && u.Constraint == "" {
		out.Dim = d.String()
		var row []float64
		if len(un.members) == 1 {
			row = items[i].Values[d]
		}
		out.Reason = reason(d, u.Slot, u.Demand, u.Capacity, row) + group
		return out
	}
	if u.Dim >= 0 && int(u.Dim) < len(inst.DimNames) {
		out.Dim = inst.DimNames[u.Dim]
		if u.Constraint == "" {
			switch out.Dim {
			case storageDim:
				out.Reason = b.storageReason(inst, u) + group
				return out
			case "vms":
				out.Constraint = "max_vms_per_host"
			case "vcpu":
				out.Constraint = "vcpu_per_pcpu"
			}
		}
	}
	out.Reason = u.Detail + group
	return out
}

// resource returns the model resource of a dimension of a plan instance,
// whose first dimensions are the model's in order (dimNames), and false for
// the count dimensions after them and for binpack.NoDim.
func resource(d binpack.Dim) (model.Dim, bool) {
	if d < 0 || d >= binpack.Dim(model.NumDims) {
		return 0, false
	}
	return model.Dim(d), true
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
