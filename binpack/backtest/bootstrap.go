package backtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/kvmfit/kvmfit/binpack/plan"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/profile"
)

// ServerDays is one server's training demand on a common grid of whole
// days, as the plan's settings compute it (comfort, saturation uplift,
// growth and memory overhead included) but not folded.
type ServerDays struct {
	ID string
	// Rows[d] has Days × slots-per-day values, NaN in gaps; nil when d was
	// never measured (Fill is then used everywhere).
	Rows [model.NumDims][]float32
	// Fill[d] is the server's time-of-day profile (slots per day values):
	// what a time of day without data on any resampled day takes, as in
	// profile.Server.
	Fill [model.NumDims][]float64
}

// Days is the training demand of a fleet, for the bootstrap.
type Days struct {
	// Start is the UTC midnight of day 0; Step the slot length.
	Start   time.Time
	Step    time.Duration
	Days    int
	Servers []ServerDays
}

// NewServerDays places a profile computed with Settings.Profile "full" on
// the grid of whole days from start: slot t of day k is Full at
// k × slots per day + t − offset, NaN outside the server's span.
func NewServerDays(p *profile.Result, start time.Time, days int) ServerDays {
	spd := len(p.Demand.Values[model.DimCPU])
	if spd == 0 {
		panic("backtest: NewServerDays with an empty profile")
	}
	step := 24 * time.Hour / time.Duration(spd)
	off := int(p.FullStart.Sub(start) / step)
	sd := ServerDays{ID: p.Demand.ID}
	for d := model.Dim(0); d < model.NumDims; d++ {
		sd.Fill[d] = append([]float64{}, p.Demand.Values[d]...)
		full := p.Full[d]
		if full == nil {
			continue
		}
		row := make([]float32, days*spd)
		for T := range row {
			t := T - off
			if t >= 0 && t < len(full) {
				row[T] = full[t]
			} else {
				row[T] = float32(math.NaN())
			}
		}
		sd.Rows[d] = row
	}
	return sd
}

// Resample builds the demand the plan's profile would have given had the
// training data been the days pick[0], pick[1], ... (indices into Days,
// repeats allowed): "day" folds them by time of day at the percentile of
// each resource; "week" lays them out as a timeline from Days.Start and
// folds by time of week; "full" packs that timeline. A slot that no
// picked day has data for takes Fill (the time-of-day profile).
func (ds *Days) Resample(pick []int, s model.Settings) *model.Demand {
	spd := int(24 * time.Hour / ds.Step)
	out := &model.Demand{Start: ds.Start, Step: ds.Step, Profile: s.Profile}
	switch s.Profile {
	case "week":
		out.Start = profile.WeekStart(ds.Start)
		out.Slots = 7 * spd
	case "full":
		out.Slots = len(pick) * spd
	default:
		out.Slots = spd
	}
	x := make([]float64, len(pick)*spd)
	for _, sv := range ds.Servers {
		sd := model.ServerDemand{ID: sv.ID}
		for d := model.Dim(0); d < model.NumDims; d++ {
			fill := sv.Fill[d]
			row := make([]float64, out.Slots)
			if sv.Rows[d] == nil {
				for t := range row {
					row[t] = fill[t%spd]
				}
				sd.Values[d] = row
				continue
			}
			for k, day := range pick {
				src := sv.Rows[d][day*spd : (day+1)*spd]
				for j, v := range src {
					x[k*spd+j] = float64(v)
				}
			}
			pct := s.PercentileOf(d)
			switch s.Profile {
			case "week":
				off := int(ds.Start.Sub(out.Start) / ds.Step)
				prof, _ := profile.Fold(x, off, 7*spd, pct)
				copy(row, prof)
			case "full":
				copy(row, x)
			default:
				prof, _ := profile.Fold(x, 0, spd, pct)
				copy(row, prof)
			}
			for t, v := range row {
				if math.IsNaN(v) {
					row[t] = fill[t%spd]
				}
			}
			sd.Values[d] = row
		}
		out.Servers = append(out.Servers, sd)
	}
	return out
}

// Picks returns the days of one bootstrap replicate: with profile "day",
// Days indices drawn uniformly with replacement; with "week" and "full"
// (which keep the day of the week), day k is drawn among the training
// days of the same weekday as day k (a bootstrap stratified by weekday).
// Every server gets the same days, which keeps their peaks aligned in
// time: resampling servers' days independently would destroy the very
// coincidence the plan is built on.
func (ds *Days) Picks(rng *rand.Rand, profile model.ProfileKind) []int {
	pick := make([]int, ds.Days)
	for k := range pick {
		if profile == "day" {
			pick[k] = rng.IntN(ds.Days)
			continue
		}
		same := (ds.Days-1-k%7)/7 + 1 // days with k's weekday: k%7, k%7+7, ...
		pick[k] = k%7 + 7*rng.IntN(same)
	}
	return pick
}

// PackFunc packs a demand and returns the hosts it needs.
type PackFunc func(*model.Demand) (int, error)

// PlanPacker returns a PackFunc that runs plan.BuildPlan with the
// template's catalog, settings and packer options (the same path as the
// plan) and returns the plan's hosts_used. It skips what does not change
// hosts_used: the per-VM percentile baseline and the sensitivity sweep.
func PlanPacker(tmpl plan.PlanInput) PackFunc {
	return func(d *model.Demand) (int, error) {
		in := tmpl
		in.Demand = d
		in.Pack.PercentileBaseline, in.Pack.SensitivityMaxServers = false, 0
		in.PercentileComfort, in.PercentileDemands = nil, nil
		p, err := plan.BuildPlan(in)
		if err != nil {
			return 0, err
		}
		return p.HostsUsed, nil
	}
}

// Bootstrap resamples the training days reps times (seeded: the same seed
// gives the same answer), rebuilds every server's profile from each
// replicate (Resample), packs it, and reports the median and P95
// (nearest rank) of the host count.
func Bootstrap(ds *Days, s model.Settings, reps int, seed uint64, pack PackFunc) (BootstrapResult, error) {
	r := BootstrapResult{Reps: reps, Seed: seed, Hosts: []int{}}
	if s.Profile == "day" {
		r.Method = "training days drawn with replacement, the same days for every server; day profile rebuilt and packed"
	} else {
		r.Method = "training days drawn with replacement among the days of the same weekday, the same days for every server; " + string(s.Profile) + " profile rebuilt and packed"
	}
	if reps <= 0 || ds.Days == 0 {
		return r, nil
	}
	rng := rand.New(rand.NewPCG(seed, 0x6b766d666974)) // "kvmfit"
	for i := 0; i < reps; i++ {
		n, err := pack(ds.Resample(ds.Picks(rng, s.Profile), s))
		if err != nil {
			return r, fmt.Errorf("bootstrap replicate %d: %w", i+1, err)
		}
		r.Hosts = append(r.Hosts, n)
	}
	slices.Sort(r.Hosts)
	f := make([]float64, len(r.Hosts))
	for i, h := range r.Hosts {
		f[i] = float64(h)
	}
	r.MedianHosts = int(profile.Quantile(0.5, f))
	r.P95Hosts = int(profile.Quantile(0.95, f))
	r.MinHosts, r.MaxHosts = r.Hosts[0], r.Hosts[len(r.Hosts)-1]
	return r, nil
}
