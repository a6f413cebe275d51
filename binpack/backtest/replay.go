package backtest

import (
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// Host is one host of a plan as the replay sees it.
type Host struct {
	Name    string
	Servers []string
	// Usable is the capacity the plan packed against (after the host
	// reserve and the ceilings); Full is 100 % of what the guests can use
	// (raw capacity less the host reserve, before the ceilings).
	Usable, Full model.Capacity
}

// HostsFromPlan returns the hosts of a plan with their servers and
// capacities. Full = usable × 100 / ceiling, with the plan's ceilings
// (Settings.CeilingPct, constraint overrides included).
func HostsFromPlan(p *model.Plan) []Host {
	var out []Host
	for _, h := range p.Hosts {
		x := Host{Name: h.Name, Servers: h.Servers}
		for d := model.Dim(0); d < model.NumDims; d++ {
			x.Usable[d] = h.UsableCapacity[d.String()]
			c := p.Settings.CeilingPct[d.String()]
			if c > 0 {
				x.Full[d] = x.Usable[d] * 100 / c
			} else {
				x.Full[d] = math.Inf(1)
			}
		}
		out = append(out, x)
	}
	return out
}

// overTol is the relative tolerance of "over": a load equal to the
// capacity up to rounding is not an overload.
const overTol = 1e-9

// HostReplay, Outcome, Report, MethodResult and BootstrapResult are the
// model's types (model/backtest.go), so that plan.json and the report can
// carry them.
type (
	HostReplay      = model.BacktestHost
	Outcome         = model.BacktestOutcome
	Report          = model.BacktestReport
	MethodResult    = model.BacktestMethod
	BootstrapResult = model.BootstrapResult
)

// Replay sums, per host, resource and slot of actual, the demand of the
// host's servers, and compares it with the host's usable and full
// capacity. actual holds every server's measured demand on one grid
// (Step, Slots); NaN is a gap and adds nothing. A host's server missing
// from actual adds nothing either.
func Replay(hosts []Host, actual *model.Demand) Outcome {
	idx := make(map[string]int, len(actual.Servers))
	for i := range actual.Servers {
		idx[actual.Servers[i].ID] = i
	}
	stepMin := actual.Step.Minutes()
	r := Outcome{TestMinutes: float64(actual.Slots) * stepMin, MinutesOverCeiling: zeroDims(), MinutesOverCapacity: zeroDims(), Hosts: []HostReplay{}, NotReplayed: []string{}}
	onHost := map[string]bool{}
	for _, h := range hosts {
		hr := replayHost(h, actual, idx, stepMin)
		for _, s := range h.Servers {
			onHost[s] = true
		}
		if len(h.Servers) > 0 {
			r.HostsLoaded++
		}
		r.OverloadMinutes += hr.OverloadMinutes
		r.OverCapacityMinutes += hr.OverCapacityMinutes
		if hr.OverloadMinutes > 0 {
			r.HostsOverloaded++
		}
		r.WorstOverloadPct = math.Max(r.WorstOverloadPct, hr.WorstOverloadPct)
		for k, v := range hr.MinutesOverCeiling {
			r.MinutesOverCeiling[k] += v
		}
		for k, v := range hr.MinutesOverCapacity {
			r.MinutesOverCapacity[k] += v
		}
		r.Hosts = append(r.Hosts, hr)
	}
	for _, sd := range actual.Servers {
		if !onHost[sd.ID] {
			r.NotReplayed = append(r.NotReplayed, sd.ID)
		}
	}
	sort.Strings(r.NotReplayed)
	r.ObservedMinutes = float64(observedSlots(actual)) * stepMin
	if hm := float64(r.HostsLoaded) * r.ObservedMinutes; hm > 0 {
		r.OverloadHostMinutesPct = round6(100 * r.OverloadMinutes / hm)
		r.OverCapacityHostMinutesPct = round6(100 * r.OverCapacityMinutes / hm)
	}
	r.WorstOverloadPct = round6(r.WorstOverloadPct)
	return r
}

func replayHost(h Host, actual *model.Demand, idx map[string]int, stepMin float64) HostReplay {
	hr := HostReplay{Host: h.Name, Servers: append([]string{}, h.Servers...), MinutesOverCeiling: zeroDims(), MinutesOverCapacity: zeroDims(), PeakUtilPct: zeroDims(), Involved: []string{}}
	var members []int
	for _, s := range h.Servers {
		if i, ok := idx[s]; ok {
			members = append(members, i)
		}
	}
	var load [model.NumDims][]float64
	for d := range load {
		load[d] = make([]float64, actual.Slots)
		for _, i := range members {
			for t, v := range actual.Servers[i].Values[d] {
				if !math.IsNaN(v) {
					load[d][t] += v
				}
			}
		}
	}
	overDims := make([][]model.Dim, actual.Slots) // resources over the ceiling per slot
	worst, worstSlot, worstDim := 0.0, -1, model.Dim(0)
	for t := 0; t < actual.Slots; t++ {
		anyCeil, anyFull := false, false
		for d := model.Dim(0); d < model.NumDims; d++ {
			v := load[d][t]
			u := h.Usable[d]
			if u > 0 {
				util := 100 * v / u
				if util > hr.PeakUtilPct[d.String()] {
					hr.PeakUtilPct[d.String()] = util
				}
			}
			if v > u*(1+overTol) {
				anyCeil = true
				overDims[t] = append(overDims[t], d)
				hr.MinutesOverCeiling[d.String()] += stepMin
				if ex := 100 * (v/u - 1); u > 0 && ex > worst {
					worst, worstSlot, worstDim = ex, t, d
				}
			}
			if v > h.Full[d]*(1+overTol) {
				anyFull = true
				hr.MinutesOverCapacity[d.String()] += stepMin
			}
		}
		if anyCeil {
			hr.OverloadMinutes += stepMin
		}
		if anyFull {
			hr.OverCapacityMinutes += stepMin
		}
	}
	for k, v := range hr.PeakUtilPct {
		hr.PeakUtilPct[k] = round6(v)
	}
	if worstSlot < 0 {
		return hr
	}
	hr.WorstOverloadPct = round6(worst)
	hr.WorstDim = worstDim.String()
	hr.WorstAt = actual.Start.Add(time.Duration(worstSlot) * actual.Step).UTC().Format(time.RFC3339)
	involved := map[int]bool{}
	for t, ds := range overDims {
		for _, d := range ds {
			for _, i := range members {
				if v := actual.Servers[i].Values[d][t]; v > 0 {
					involved[i] = true
				}
			}
		}
	}
	var inv []int
	for i := range involved {
		inv = append(inv, i)
	}
	at := func(i int) float64 {
		v := actual.Servers[i].Values[worstDim][worstSlot]
		if math.IsNaN(v) {
			return 0
		}
		return v
	}
	sort.Slice(inv, func(a, b int) bool {
		x, y := at(inv[a]), at(inv[b])
		if x != y {
			return x > y
		}
		return actual.Servers[inv[a]].ID < actual.Servers[inv[b]].ID
	})
	for _, i := range inv {
		hr.Involved = append(hr.Involved, actual.Servers[i].ID)
	}
	return hr
}

// ReplayFailures replays actual under every HA failure scenario of the
// plan (model.Plan.HA.Scenarios): the failed hosts are removed and their
// servers added to the hosts the scenario moved them to.
func ReplayFailures(p *model.Plan, actual *model.Demand) []model.BacktestFailure {
	var out []model.BacktestFailure
	base := HostsFromPlan(p)
	for _, sc := range p.HA.Scenarios {
		failed := map[string]bool{}
		for _, h := range sc.Failed {
			failed[h] = true
		}
		moved := map[string][]string{}
		for _, m := range sc.Moves {
			moved[m.Host] = append(moved[m.Host], m.Server)
		}
		var hosts []Host
		for _, h := range base {
			if failed[h.Name] {
				continue
			}
			h.Servers = append(append([]string{}, h.Servers...), moved[h.Name]...)
			hosts = append(hosts, h)
		}
		r := Replay(hosts, actual)
		out = append(out, model.BacktestFailure{Failed: sc.Failed, Stranded: append([]string{}, sc.Stranded...),
			OverloadMinutes: r.OverloadMinutes, OverCapacityMinutes: r.OverCapacityMinutes, WorstOverloadPct: r.WorstOverloadPct})
	}
	return out
}

// observedSlots counts the slots in which at least one server has data.
func observedSlots(actual *model.Demand) int {
	n := 0
	for t := 0; t < actual.Slots; t++ {
	scan:
		for _, sd := range actual.Servers {
			for d := model.Dim(0); d < model.NumDims; d++ {
				if row := sd.Values[d]; row != nil && !math.IsNaN(row[t]) {
					n++
					break scan
				}
			}
		}
	}
	return n
}

// Coverage returns the share (%) of server-slots of actual that hold data
// in at least one resource.
func Coverage(actual *model.Demand) float64 {
	if actual.Slots == 0 || len(actual.Servers) == 0 {
		return 0
	}
	n := 0
	for _, sd := range actual.Servers {
		for t := 0; t < actual.Slots; t++ {
			for d := model.Dim(0); d < model.NumDims; d++ {
				if row := sd.Values[d]; row != nil && !math.IsNaN(row[t]) {
					n++
					break
				}
			}
		}
	}
	return round6(100 * float64(n) / float64(actual.Slots*len(actual.Servers)))
}

func zeroDims() model.DimValues {
	v := model.DimValues{}
	for d := model.Dim(0); d < model.NumDims; d++ {
		v[d.String()] = 0
	}
	return v
}

func round6(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	return math.Round(v*1e6) / 1e6
}

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
