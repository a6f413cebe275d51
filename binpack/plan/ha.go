package plan

import (
	"cmp"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/kvmfit/kvmfit/binpack"
	"github.com/kvmfit/kvmfit/model"
)

// haMaxCombos is the largest number of k-host failure sets checked one by
// one; beyond it (k >= 2 on large plans) the sets are the windows of k
// consecutive hosts in decreasing order of load.
const haMaxCombos = 2000

// proveHA fails every set of k = Pack.HA hosts in turn and re-places the
// servers of the failed hosts on the survivors, time-aware: every server
// (largest first) goes to the first survivor, least loaded first, where it
// fits in every resource and slot without breaking anti-affinity. When a
// scenario strands a server, an empty host of spareSpec is added and every
// scenario is replayed, until all hold (or new hosts are forbidden). name
// names the candidate in the progress reports.
func (b *planBuilder) proveHA(c *candidate, inst *binpack.Instance, spareSpec model.HostSpec, name string) {
	k := b.in.Pack.HA
	c.ha = model.HAReport{Level: k, Scenarios: []model.FailureScenario{}}
	if k <= 0 {
		c.ha.Method = "none: no failure analysis was asked for (ha level 0)"
		return
	}
	for {
		scen, method := b.haScenarios(c, k)
		c.ha.Method = method
		var out []model.FailureScenario
		holds := true
		r := b.newReplayer(c, inst)
		phase := fmt.Sprintf("N+%d proof on %s", k, name)
		for i, f := range scen {
			b.in.Pack.progress(phase, i, len(scen))
			s := r.replay(f)
			holds = holds && s.OK
			out = append(out, s)
		}
		replaySkipped.Add(int64(r.skipped))
		c.ha.Scenarios, c.ha.Holds = out, holds
		b.in.Pack.progress(phase, len(scen), len(scen))
		if holds || b.in.Pack.NoNewHosts || c.ha.SpareHostsAdded > len(c.bins)+k {
			return
		}
		c.bins = append(c.bins, nil)
		c.types = append(c.types, spareSpec)
		c.existing = append(c.existing, false)
		c.spare = append(c.spare, true)
		c.ha.SpareHostsAdded++
	}
}

// haScenarios returns the failure sets to check, as host indices.
func (b *planBuilder) haScenarios(c *candidate, k int) ([][]int, string) {
	n := len(c.bins)
	if k >= n {
		return [][]int{seq(n)}, fmt.Sprintf("all %d hosts fail at once (k = %d >= hosts)", n, k)
	}
	combos := 1.0
	for x := range k {
		combos = combos * float64(n-x) / float64(x+1)
	}
	const replayRule = "; the servers of the failed hosts restart, largest first, on the first surviving host (least loaded first) where they fit in every resource and time slot, respecting anti-affinity"
	if combos <= haMaxCombos {
		var out [][]int
		var rec func(start int, cur []int)
		rec = func(start int, cur []int) {
			if len(cur) == k {
				out = append(out, slices.Clone(cur))
				return
			}
			for j := start; j < n; j++ {
				rec(j+1, append(cur, j))
			}
		}
		rec(0, nil)
		return out, fmt.Sprintf("every set of %d of the %d hosts fails in turn (%d scenarios)", k, n, len(out)) + replayRule
	}
	vol := b.binVolumes(c)
	order := seq(n)
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(vol[y], vol[x]) })
	var out [][]int
	for s := 0; s < n; s++ {
		f := make([]int, k)
		for x := range k {
			f[x] = order[(s+x)%n]
		}
		slices.Sort(f)
		out = append(out, f)
	}
	return out, fmt.Sprintf("%.0f sets of %d hosts are too many to check one by one: %d windows of %d consecutive hosts in decreasing order of load fail in turn (not a proof for every set)", combos, k, n, k) + replayRule
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// binVolumes returns each host's load: Σ over dimensions and slots of
// demand / (capacity × slots).
func (b *planBuilder) binVolumes(c *candidate) []float64 {
	rows := b.unitRows(false)
	vol := make([]float64, len(c.bins))
	for j, bin := range c.bins {
		cp := b.capacity(c.types[j])
		for _, u := range bin {
			for d, r := range rows[u] {
				if cp[d] > 0 {
					for _, v := range r {
						vol[j] += v / cp[d] / float64(len(r))
					}
				}
			}
		}
	}
	return vol
}

type replayer struct {
	b        *planBuilder
	c        *candidate
	inst     *binpack.Instance
	rows     [][][]float64
	names    []string
	groupsOf map[int][]int
	vol      []float64
	caps     [][]float64
	// base is every host's load before a failure (per dimension and
	// slot), basePeak its peak per dimension, baseGroups its anti-affinity
	// groups; itemPeak is a unit's peak per dimension. A scenario copies
	// only the hosts that take a server.
	base       [][][]float64
	basePeak   [][]float64
	baseGroups []map[int]bool
	itemPeak   [][]float64
	// order is every host, least loaded first (the survivors' order in
	// every scenario). room holds, position by position in order and
	// dimension by dimension, the host's limit less its peak load before a
	// failure, and itemMin a unit's least demand over the slots: a unit
	// whose least demand exceeds a host's room overflows it in the host's
	// busiest slot, whatever else the scenario has put on it (loads only
	// grow), so the scan skips the host without looking at its slots. On a
	// plan of 20,000 hosts full in local storage this turns the scan of the
	// survivors into a pass over a flat array.
	order    []int
	room     []float64
	itemMin  [][]float64
	isFailed []bool
	skipped  int // hosts the room test skipped, for tests
}

// replaySkipRoom is false only in a test that checks the skip changes
// nothing.
var replaySkipRoom = true

// replaySkipped counts the hosts the room test skipped, for tests.
var replaySkipped atomic.Int64

func (b *planBuilder) newReplayer(c *candidate, inst *binpack.Instance) *replayer {
	r := &replayer{b: b, c: c, inst: inst, rows: b.unitRows(false), names: b.hostNames(c),
		groupsOf: map[int][]int{}, vol: b.binVolumes(c)}
	for g, grp := range inst.AntiAffinity {
		for _, u := range grp {
			r.groupsOf[u] = append(r.groupsOf[u], g)
		}
	}
	for j := range c.bins {
		r.caps = append(r.caps, b.capacity(c.types[j]))
	}
	r.itemPeak = make([][]float64, len(r.rows))
	for u, rw := range r.rows {
		r.itemPeak[u] = make([]float64, len(rw))
		for d, row := range rw {
			r.itemPeak[u][d] = slices.Max(row)
		}
	}
	for j, bin := range c.bins {
		l := make([][]float64, len(r.caps[j]))
		pk := make([]float64, len(l))
		for d := range l {
			l[d] = make([]float64, len(r.rows[0][d]))
		}
		gs := map[int]bool{}
		for _, u := range bin {
			for d, row := range r.rows[u] {
				for t, v := range row {
					l[d][t] += v
				}
			}
			for _, g := range r.groupsOf[u] {
				gs[g] = true
			}
		}
		for d := range l {
			pk[d] = slices.Max(l[d])
		}
		r.base, r.basePeak, r.baseGroups = append(r.base, l), append(r.basePeak, pk), append(r.baseGroups, gs)
	}
	r.order = seq(len(c.bins))
	slices.SortStableFunc(r.order, func(x, y int) int { return cmp.Compare(r.vol[x], r.vol[y]) })
	nd := 0
	if len(r.rows) > 0 {
		nd = len(r.rows[0])
	}
	r.room = make([]float64, 0, len(r.order)*nd)
	for _, j := range r.order {
		for d := range nd {
			r.room = append(r.room, binpack.Room(binpack.Limit(r.caps[j][d]), r.basePeak[j][d]))
		}
	}
	r.itemMin = make([][]float64, len(r.rows))
	for u, rw := range r.rows {
		r.itemMin[u] = make([]float64, len(rw))
		for d, row := range rw {
			r.itemMin[u][d] = slices.Min(row)
		}
	}
	r.isFailed = make([]bool, len(c.bins))
	return r
}

// replay fails the hosts in failed and re-places their servers.
func (r *replayer) replay(failed []int) model.FailureScenario {
	b, c, inst, rows, names, groupsOf := r.b, r.c, r.inst, r.rows, r.names, r.groupsOf
	sc := model.FailureScenario{Moves: []model.Assignment{}, Stranded: []string{}}
	for _, j := range failed {
		sc.Failed = append(sc.Failed, names[j])
	}
	for _, j := range failed {
		r.isFailed[j] = true
	}
	defer func() {
		for _, j := range failed {
			r.isFailed[j] = false
		}
	}()
	// hosts that took a server in this scenario: their own copy
	load := map[int][][]float64{}
	peak := map[int][]float64{}
	groups := map[int]map[int]bool{}
	own := func(j int) {
		if _, ok := load[j]; ok {
			return
		}
		l := make([][]float64, len(r.base[j]))
		for d, row := range r.base[j] {
			l[d] = slices.Clone(row)
		}
		gs := make(map[int]bool, len(r.baseGroups[j]))
		for g := range r.baseGroups[j] {
			gs[g] = true
		}
		load[j], peak[j], groups[j] = l, slices.Clone(r.basePeak[j]), gs
	}
	loadOf := func(j int) ([][]float64, []float64, map[int]bool) {
		if l, ok := load[j]; ok {
			return l, peak[j], groups[j]
		}
		return r.base[j], r.basePeak[j], r.baseGroups[j]
	}
	var moving []int
	for _, j := range failed {
		moving = append(moving, c.bins[j]...)
	}
	size := func(u int) float64 {
		cp := inst.Capacity
		s := 0.0
		for d, r := range rows[u] {
			if cp[d] > 0 {
				s = max(s, slices.Max(r)/cp[d])
			}
		}
		return s
	}
	slices.SortStableFunc(moving, func(x, y int) int {
		if c := cmp.Compare(size(y), size(x)); c != 0 {
			return c
		}
		return cmp.Compare(inst.Items[x].ID, inst.Items[y].ID)
	})
	items := b.in.Demand.Servers
	for _, u := range moving {
		placed := -1
		nd := len(r.itemMin[u])
		need := r.itemMin[u]
	hosts:
		for p, j := range r.order {
			if r.isFailed[j] {
				continue
			}
			if replaySkipRoom {
				room := r.room[p*nd : p*nd+nd]
				for d, v := range need {
					if v > room[d] {
						r.skipped++
						continue hosts
					}
				}
			}
			l, pk, gs := loadOf(j)
			conflict := false
			for _, g := range groupsOf[u] {
				if gs[g] {
					conflict = true
				}
			}
			if conflict {
				continue
			}
			cp := r.caps[j]
			ok := true
			for d, row := range rows[u] {
				lim := binpack.Limit(cp[d])
				if pk[d]+r.itemPeak[u][d] <= lim {
					continue // no slot can overflow
				}
				for t, v := range row {
					if l[d][t]+v > lim {
						ok = false
						break
					}
				}
				if !ok {
					break
				}
			}
			if ok {
				own(j)
				l, pk := load[j], peak[j]
				for d, row := range rows[u] {
					for t, v := range row {
						l[d][t] += v
						pk[d] = max(pk[d], l[d][t])
					}
				}
				for _, g := range groupsOf[u] {
					groups[j][g] = true
				}
				placed = j
				break
			}
		}
		for _, i := range b.units[u].members {
			if placed < 0 {
				sc.Stranded = append(sc.Stranded, items[i].ID)
			} else {
				sc.Moves = append(sc.Moves, model.Assignment{Server: items[i].ID, Host: names[placed]})
			}
		}
	}
	slices.SortFunc(sc.Moves, func(x, y model.Assignment) int { return cmp.Compare(x.Server, y.Server) })
	slices.Sort(sc.Stranded)
	sc.OK = len(sc.Stranded) == 0
	return sc
}
