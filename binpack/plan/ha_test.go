package plan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/kvmfit/kvmfit/model"
)

// TestHAReplaySkipChangesNothing checks that the N+1 replay's room test
// (skip a host whose busiest slot cannot take the unit's least demand)
// only saves work: with it and without it, every failure moves the same
// servers to the same hosts and strands the same ones.
//
// The hosts are filled at random to 85–100 % of their CPU and 90–100 % of
// their memory. A server's memory is flat, so the room test skips the
// hosts too full in memory; its CPU follows a daily wave of its own phase,
// so a server often fits on a host only because their peaks fall at
// different times: a skip that held a unit's peak against the host's
// busiest slot would change the moves. The test also checks that the room test skipped hosts
// at all, and that some servers are stranded.
func TestHAReplaySkipChangesNothing(t *testing.T) {
	const slots = 12
	for _, seed := range []uint64{1, 2, 3, 4} {
		rng := rand.New(rand.NewPCG(seed, 7))
		in := planFixture()
		spec := in.Catalog.Hosts[0]
		b := &planBuilder{in: in, s: in.Settings.Clone()}
		capCPU, capMem := b.capacity(spec)[model.DimCPU], b.capacity(spec)[model.DimMem]
		var servers []model.ServerDemand
		c := &candidate{pinHost: map[int]string{}}
		for h := 0; h < 40; h++ {
			target := capCPU * (0.85 + 0.15*rng.Float64())
			memTarget := capMem * (0.9 + 0.1*rng.Float64())
			load := make([]float64, slots)
			mem := 0.0
			var bin []int
			for tries := 0; tries < 50; tries++ {
				sd := model.ServerDemand{ID: fmt.Sprintf("srv%04d", len(servers))}
				for d := range model.NumDims {
					sd.Values[d] = make([]float64, slots)
				}
				size := capCPU * (0.03 + 0.12*rng.Float64())
				phase := 2 * math.Pi * rng.Float64()
				m := capMem * (0.02 + 0.1*rng.Float64())
				for x := range slots {
					sd.Values[model.DimMem][x] = m
				}
				ok := mem+m <= memTarget
				for x := range slots {
					v := size * (1 + 0.9*math.Sin(2*math.Pi*float64(x)/slots+phase))
					sd.Values[model.DimCPU][x] = v
					ok = ok && load[x]+v <= target
				}
				if !ok {
					continue
				}
				for x, v := range sd.Values[model.DimCPU] {
					load[x] += v
				}
				mem += m
				bin = append(bin, len(servers))
				b.units = append(b.units, unit{members: []int{len(servers)}, name: sd.ID})
				servers = append(servers, sd)
			}
			c.bins = append(c.bins, bin)
			c.types = append(c.types, spec)
			c.existing = append(c.existing, false)
		}
		b.in.Demand = &model.Demand{Slots: slots, Profile: "day", Servers: servers}
		inst := b.instance(spec, false)
		run := func(skip bool) ([]model.FailureScenario, int) {
			replaySkipRoom = skip
			defer func() { replaySkipRoom = true }()
			r := b.newReplayer(c, inst)
			var out []model.FailureScenario
			for j := range c.bins {
				out = append(out, r.replay([]int{j}))
			}
			for j := 0; j+2 < len(c.bins); j += 3 {
				out = append(out, r.replay([]int{j, j + 1, j + 2}))
			}
			return out, r.skipped
		}
		with, skipped := run(true)
		without, _ := run(false)
		moves, stranded := 0, 0
		for _, sc := range without {
			moves += len(sc.Moves)
			stranded += len(sc.Stranded)
		}
		if !reflect.DeepEqual(with, without) {
			t.Errorf("seed %d: the room test changed the replay", seed)
		}
		if skipped == 0 || moves == 0 || stranded == 0 {
			t.Errorf("seed %d: %d moves, %d stranded, %d hosts skipped: the fleet does not exercise the room test", seed, moves, stranded, skipped)
		}
	}
}

// TestWorkBudgetScales checks the search budget per host model: the flag's
// value up to 10,000 units, in proportion to the units above.
func TestWorkBudgetScales(t *testing.T) {
	for _, c := range []struct {
		units int
		want  int64
	}{{1, 30_000_000}, {10_000, 30_000_000}, {10_001, 30_003_000}, {25_000, 75_000_000}, {100_000, 300_000_000}} {
		b := &planBuilder{in: PlanInput{Pack: PackOptions{Work: 30_000_000}}, units: make([]unit, c.units)}
		if got := b.workBudget(); got != c.want {
			t.Errorf("%d units: budget %d, want %d", c.units, got, c.want)
		}
		if got := b.solveOptions().Work; got != c.want {
			t.Errorf("%d units: solveOptions().Work %d, want %d", c.units, got, c.want)
		}
	}
}
