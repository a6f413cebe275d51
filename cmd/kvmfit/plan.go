package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/kvmfit/kvmfit/binpack/backtest"
	planner "github.com/kvmfit/kvmfit/binpack/plan"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
	"github.com/kvmfit/kvmfit/model/profile"
	"github.com/kvmfit/kvmfit/report"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// PlanOptions are the options of `kvmfit plan`.
type PlanOptions struct {
	Data       []string
	HostsFile  string
	OutJSON    string
	ReportHTML string
	Settings   model.Settings
	Ceilings   map[string]string
	Step       time.Duration
	// Pack holds the packer's flags (plan_pack.go).
	Pack packFlags
	// Model holds the model's flags that are not plain Settings fields (plan_model.go).
	Model modelFlags
}

// AddFlags registers the plan flags.
func (o *PlanOptions) AddFlags(fs *pflag.FlagSet) {
	d := model.DefaultSettings
	fs.StringArrayVar(&o.Data, "data", nil, "dataset directory (repeatable)")
	fs.StringVar(&o.HostsFile, "hosts", "", "candidate host catalog (YAML, see samples/hosts.yaml)")
	fs.StringVar(&o.Settings.HostType, "host-type", "", "host model to plan for (default: the cheapest that places the most servers)")
	fs.StringVar(&o.OutJSON, "out", "plan.json", "where to write the plan (JSON)")
	fs.StringVar(&o.ReportHTML, "report", "", "where to write the HTML report (none if empty)")
	fs.DurationVar(&o.Step, "step", time.Duration(d.StepSec)*time.Second, "alignment grid step; must divide a day")
	fs.Float64Var(&o.Settings.Percentile, "percentile", d.Percentile, "sizing percentile per time slot over the days (weeks) of data, every resource (see --percentile-for)")
	fs.StringVar(&o.Settings.SlotStat, "slot-stat", d.SlotStat, "per-interval statistic fed to the percentile: max or mean")
	fs.StringToStringVar(&o.Ceilings, "ceiling", nil, "utilisation ceiling per resource in percent, e.g. cpu=80,mem=90 (resources: cpu, mem, disk_iops, disk_bytes, net_bytes)")
	fs.Float64Var(&o.Settings.CPUVirtFactor, "cpu-virt-factor", d.CPUVirtFactor, "CPU demand multiplier for virtualisation overhead (default: from --virt)")
	fs.Float64Var(&o.Settings.HostReserveCores, "host-reserve-cores", d.HostReserveCores, "cores each host keeps for itself (default: from --virt)")
	fs.Float64Var(&o.Settings.HostReserveMemBytes, "host-reserve-mem-bytes", d.HostReserveMemBytes, "memory bytes each host keeps for itself (default: from --virt)")
	fs.Float64Var(&o.Settings.EnergyPricePerKWh, "energy-price", d.EnergyPricePerKWh, "energy price per kWh, in the catalog's currency")
	fs.Float64Var(&o.Settings.Years, "years", d.Years, "years of operation counted in the cost")
	o.addModelFlags(fs)
	o.Pack.AddFlags(fs)
}

func newPlanCmd(streams IO) *cobra.Command {
	opts := &PlanOptions{Settings: model.DefaultSettings.Clone()}
	cmd := &cobra.Command{
		Annotations: map[string]string{interruptExit: ""},
		Use:         "plan --data DIR... --hosts FILE [--host-type NAME] [--out plan.json] [--report report.html]",
		Short:       "Plan which servers go on which KVM hosts, and how many hosts",
		Long: `Plan aligns every server's samples onto a UTC grid (5 minutes by default),
builds a demand profile per server (--profile day: the chosen percentile per
time of day over the days of data; week: per time of week; full: the whole
aligned timeline), normalises CPU to reference cores, adds the
virtualisation overhead of --virt, and packs the servers onto each candidate
host model (and a mix of models) with several constructive heuristics and a
bin-emptying search under a deterministic work budget (docs/packing.md): a
server fits a host only if, in every time slot and for every resource, the
sum of demands stays under the host's usable capacity (capacity less the
host reserve, times the resource's ceiling), and the constraints of
--constraints allow it. With --ha k (default 1) it fails every set of k
hosts, re-places their servers on the survivors and adds spare hosts until
every failure is survived. With --existing it places onto hosts you already
have first.

It also computes lower bounds on the number of hosts, two baselines
(sum of peaks: every server sized at its own peak; Azure Migrate's per-VM
P95 × 1.3, flat over time), the power before (each server's inventory
watts, else 250 W) and after, a sensitivity sweep of the chosen model's
host count over the percentile, the CPU and memory ceilings and a
vCPU:pCPU limit (--sensitivity-work, --sensitivity-max-servers), and the
model's analytics:
per server data confidence (1-5 stars), CPU saturation, growth trend and a
right-sized VM; per host and for the fleet the coincidence factor of the
peaks; groups of servers that peak together; with --ksm the memory KSM
could save (shown, never packed). It writes the plan as JSON (schema in
docs/format.md; every formula and default in docs/model.md),
assignments.csv and servers.csv next to it and, with --report, a
self-contained HTML report.`,
		Example: `  kvmfit samples generate --servers 40 --days 14 --seed 1 --out samples/fleet
  kvmfit plan --data samples/fleet --hosts samples/hosts.yaml --out out/plan.json --report out/report.html
  kvmfit plan --data dc1/ --data dc2/ --hosts hosts.yaml --host-type r650-2x24 --percentile 99 --ceiling cpu=70
  kvmfit plan --data fleet/ --hosts hosts.yaml --profile week --percentile-for mem=100 --virt kvm-emulated --ksm
  kvmfit plan --data fleet/ --hosts hosts.yaml --growth-pct-per-year 10 --horizon 12`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return planRun(opts, streams)
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

// resolve checks the options and fills Settings from the flags.
func (o *PlanOptions) resolve() error {
	if len(o.Data) == 0 {
		return usageErrorf("plan needs at least one --data DIR")
	}
	if o.HostsFile == "" {
		return usageErrorf("plan needs --hosts FILE (a host catalog such as samples/hosts.yaml)")
	}
	if o.Step%time.Second != 0 {
		return usageErrorf("--step %s: must be whole seconds", o.Step)
	}
	o.Settings.StepSec = int(o.Step / time.Second)
	keys := make([]string, 0, len(o.Ceilings))
	for k := range o.Ceilings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d, ok := model.DimByName(k)
		if !ok {
			return usageErrorf("--ceiling %s: unknown resource (use cpu, mem, disk_iops, disk_bytes, net_bytes)", k)
		}
		v, err := strconv.ParseFloat(o.Ceilings[k], 64)
		if err != nil {
			return usageErrorf("--ceiling %s=%s: not a number", k, o.Ceilings[k])
		}
		o.Settings.CeilingPct[d.String()] = v
	}
	if err := o.resolveModel(); err != nil {
		return err
	}
	if err := o.Settings.Validate(); err != nil {
		return usageError{err}
	}
	return nil
}

func planRun(opts *PlanOptions, streams IO) error {
	if err := opts.resolve(); err != nil {
		return err
	}
	cat, err := model.ReadCatalog(opts.HostsFile)
	if err != nil {
		return err
	}
	in, err := profileForPlan(opts.Data, opts.Settings, opts.Pack, streams)
	if err != nil {
		return err
	}
	in.Catalog = cat
	in.GeneratedBy = "kvmfit " + version
	if err := opts.Pack.apply(in); err != nil {
		return err
	}
	plan, err := planner.BuildPlan(*in)
	if err != nil {
		return err
	}
	analyzePlan(plan, in.Demand, in.Servers, opts.Settings)
	data, err := json.MarshalIndent(plan, "", "  ")
	if err != nil {
		return err
	}
	if err := writeOutput(opts.OutJSON, append(data, '\n')); err != nil {
		return err
	}
	if err := writeCSVExports(filepath.Dir(opts.OutJSON), plan); err != nil {
		return err
	}
	if opts.ReportHTML != "" {
		if err := report.WriteFile(opts.ReportHTML, report.Input{Plan: plan, Demand: in.Demand}); err != nil {
			return fmt.Errorf("write report %s: %w", opts.ReportHTML, err)
		}
	}
	fmt.Fprintf(streams.Err, "%d servers → %d × %s (%d for the load, lower bound %d, + %d spare for N+%d); sum of peaks would need %d for the load, saving %.1f%%; per-VM P95 × 1.3 %d, saving %.1f%%; %d unplaced\n",
		plan.Servers, plan.HostsUsed, plan.HostType, plan.HostsWithoutHA, plan.LowerBound, plan.HostsUsed-plan.HostsWithoutHA, plan.HA.Level,
		plan.Baselines.SumOfPeaks.HostsUsed, plan.SavingVsSumOfPeaksPct,
		plan.Baselines.PercentileComfort.HostsUsed, plan.SavingVsPercentileComfortPct, len(plan.Unplaced))
	return nil
}

// writeOutput writes data to path atomically, creating its directory.
func writeOutput(path string, data []byte) error {
	if err := mkdirFor(path); err != nil {
		return err
	}
	return dataset.WriteFileAtomic(path, data, 0o644)
}

// profileDatasets reads every server of the datasets one at a time and
// profiles it, so memory holds one server's samples at a time. With the
// "full" profile each server's timeline is kept (as float32) until the
// fleet's grid is known, then placed on it.
func profileDatasets(dirs []string, s model.Settings, streams IO) (*planner.PlanInput, error) {
	return profileDatasetsWith(dirs, s, streams, profileHooks{})
}

// profileHooks let a caller of profileDatasetsWith see each server before
// it is profiled.
type profileHooks struct {
	// Each, when set, is called with every server read (entry = its index
	// in input order, the index of its PlanServer in PlanInput.Servers)
	// and all its samples, before Until cuts them. It runs on worker
	// goroutines, concurrently for different entries.
	Each func(entry int, srv *model.Server)
	// Until, when not zero, profiles only the samples that start before it.
	Until time.Time
	// Percentiles, when set (profiles "day" and "week"), also profiles
	// every server at these sizing percentiles, from the same aligned data
	// (model.ProfilePercentiles), into PlanInput.PercentileDemands.
	Percentiles []float64
}

// profileDatasetsWith is profileDatasets with hooks.
func profileDatasetsWith(dirs []string, s model.Settings, streams IO, hooks profileHooks) (*planner.PlanInput, error) {
	type entry struct {
		dataset, dir string
	}
	var entries []entry
	for _, d := range dirs {
		sub, err := dataset.ServerDirs(d)
		if err != nil {
			return nil, err
		}
		for _, x := range sub {
			entries = append(entries, entry{filepath.Clean(d), x})
		}
	}
	prog := newProgress(streams, "profiling servers")
	defer prog.Done()
	in := &planner.PlanInput{Settings: s}
	step := s.Step()
	spd := int(24 * time.Hour / step)
	in.Demand = &model.Demand{Step: step, Profile: s.Profile}
	var first, last time.Time
	type profiled struct {
		idx          int // in in.Servers
		covered      int64
		slotsPresent int
		full         *profile.Result // "full" only, until placed on the grid
	}
	var done []profiled
	seen := map[string]bool{}
	// Servers are read and profiled by a few workers in batches, then taken
	// in input order, so the result does not depend on the scheduling.
	type result struct {
		srv  *model.Server
		prof *profile.Result
		alt  []model.ServerDemand
		err  error
	}
	pcts := hooks.Percentiles
	if s.Profile == "full" {
		pcts = nil
	}
	alts := make([][]model.ServerDemand, len(pcts))
	workers := min(runtime.GOMAXPROCS(0), 8)
	batch := make([]result, 4*workers)
	for b0 := 0; b0 < len(entries); b0 += len(batch) {
		prog.Update(int64(b0), int64(len(entries)))
		n := min(len(batch), len(entries)-b0)
		var wg sync.WaitGroup
		next := make(chan int, n)
		for k := 0; k < n; k++ {
			next <- k
		}
		close(next)
		for range min(workers, n) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range next {
					r := result{}
					r.srv, r.err = dataset.ReadServer(entries[b0+k].dir)
					if r.err == nil && hooks.Each != nil {
						hooks.Each(b0+k, r.srv)
					}
					if r.err == nil && !hooks.Until.IsZero() {
						r.srv.Series, _ = backtest.SplitSeries(&r.srv.Series, hooks.Until)
					}
					if r.err == nil && len(pcts) > 0 {
						r.prof, r.alt, r.err = profile.ServerPercentiles(r.srv, s, pcts)
						r.srv.Series = model.Series{}
					} else if r.err == nil {
						r.prof, r.err = profile.Server(r.srv, s)
						r.srv.Series = model.Series{} // the samples are no longer needed
					}
					batch[k] = r
				}
			}()
		}
		wg.Wait()
		for k := 0; k < n; k++ {
			e, r := entries[b0+k], batch[k]
			batch[k] = result{}
			srv, prof, err := r.srv, r.prof, r.err
			if srv == nil {
				return nil, err
			}
			id := srv.ID
			if seen[id] {
				id = filepath.Base(e.dataset) + "/" + srv.ID
			}
			seen[id] = true
			ps := model.PlanServer{ID: id, Hostname: srv.Inventory.Hostname, Source: srv.Inventory.Source, Dataset: e.dataset, PeakDemand: model.DimValues{}}
			if w := srv.Inventory.Watts; w > 0 && !math.IsInf(w, 0) {
				ps.Watts, ps.WattsSource = w, "inventory"
			}
			if v := max(srv.Inventory.Threads, srv.Inventory.Cores); v > 0 {
				if in.VCPUs == nil {
					in.VCPUs = map[string]int{}
				}
				in.VCPUs[id] = v
			}
			for _, w := range srv.Warnings {
				ps.Warnings = append(ps.Warnings, w.Error())
			}
			if errors.Is(err, profile.ErrNoSamples) {
				ps.Warnings = append(ps.Warnings, "no samples")
				ps.Analysis.OSFamily = srv.Inventory.OSFamily
				in.NoData = append(in.NoData, model.Unplaced{Server: id, Dim: "", Reason: "no samples: nothing to size"})
				in.Servers = append(in.Servers, ps)
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.dir, err)
			}
			prof.Demand.ID = id
			ps.Warnings = append(ps.Warnings, prof.Warnings...)
			ps.CPUCoresRef = prof.CPU.CoresRef
			ps.Analysis = prof.Analysis
			if first.IsZero() || prof.First.Before(first) {
				first = prof.First
			}
			if prof.Last.After(last) {
				last = prof.Last
			}
			p := profiled{idx: len(in.Servers), covered: prof.CoveredSec, slotsPresent: prof.SlotsPresent}
			if s.Profile == "full" {
				p.full = prof
			}
			done = append(done, p)
			in.Servers = append(in.Servers, ps)
			in.Demand.Servers = append(in.Demand.Servers, prof.Demand)
			for k := range alts {
				if len(r.alt) == len(pcts) {
					sd := r.alt[k]
					sd.ID = id
					alts[k] = append(alts[k], sd)
				}
			}
		}
	}
	prog.Update(int64(len(entries)), int64(len(entries)))
	if len(in.Demand.Servers) == 0 {
		return nil, fmt.Errorf("no server in %v has samples", dirs)
	}
	day0 := first.Truncate(24 * time.Hour)
	slots := spd
	switch s.Profile {
	case "week":
		in.Demand.Start = profile.WeekStart(first)
		slots = 7 * spd
	case "full":
		in.Demand.Start = day0
		days := int((last.Sub(day0) + 24*time.Hour - time.Second) / (24 * time.Hour))
		slots = days * spd
		if mb := float64(len(done)) * float64(slots) * float64(model.NumDims) * 8 / (1 << 20); mb > 2048 {
			in.Warnings = append(in.Warnings, fmt.Sprintf("full profile: the demand of %d servers × %d slots takes %.0f MiB (the packer's sum-of-peaks copy as much again); a longer --step or --profile week needs less", len(done), slots, mb))
		}
		g := profile.Grid{Start: day0, Step: step, Slots: slots}
		for k, p := range done {
			sd, filled := p.full.OnGrid(g)
			in.Demand.Servers[k] = sd
			done[k].full = nil // let the float32 timeline go
			if n := filled[model.DimCPU]; n > 0 {
				in.Servers[p.idx].Warnings = append(in.Servers[p.idx].Warnings, fmt.Sprintf("full profile: %d of %d slots have no CPU data (gaps, or outside the server's own time span) and take the server's time-of-day P%g — never interpolated", n, slots, s.PercentileOf(model.DimCPU)))
			}
		}
	default:
		in.Demand.Start = day0
	}
	in.Demand.Slots = slots
	for k, servers := range alts {
		if len(servers) != len(in.Demand.Servers) {
			continue
		}
		d := *in.Demand
		d.Servers = servers
		in.PercentileDemands = append(in.PercentileDemands, planner.PercentileDemand{Percentile: pcts[k], Demand: &d})
	}
	span := last.Sub(first).Seconds()
	expected := int((last.Sub(first) + step - 1) / step)
	for k, p := range done {
		ps := &in.Servers[p.idx]
		ps.CoveragePct = roundTo(100*float64(p.covered)/span, 2)
		ps.Analysis.Confidence = profile.RateConfidence(p.slotsPresent, expected, s.StepSec, s)
		ps.Analysis.Confidence.PresentPct = roundTo(ps.Analysis.Confidence.PresentPct, 2)
		ps.Analysis.Confidence.Days = roundTo(ps.Analysis.Confidence.Days, 3)
		switch c := ps.Analysis.Confidence; c.Rating {
		case "insufficient":
			ps.Warnings = append(ps.Warnings, fmt.Sprintf("only %.1f days of data: at least %g needed (MS MAP); this server's size is a guess", c.Days, s.MinDays))
		case "short":
			ps.Warnings = append(ps.Warnings, fmt.Sprintf("%.1f days of data: %g or more recommended (MS MAP)", c.Days, s.RecommendedDays))
		}
		for d := model.Dim(0); d < model.NumDims; d++ {
			ps.PeakDemand[d.String()] = roundTo(in.Demand.Servers[k].Peak(d), 6)
		}
	}
	in.Grid = model.PlanGrid{
		DataStart: first.Format(time.RFC3339), DataEnd: last.Format(time.RFC3339),
		StepSec: s.StepSec, Profile: s.Profile, Slots: slots,
	}
	if days := last.Sub(first).Hours() / 24; days < 7 {
		in.Warnings = append(in.Warnings, fmt.Sprintf("only %.1f days of data: weekly cycles are not seen (7 or more recommended)", days))
	}
	return in, nil
}

// writeCSVExports writes assignments.csv and servers.csv into dir, each
// atomically (docs/format.md, "CSV exports").
func writeCSVExports(dir string, plan *model.Plan) error {
	for _, f := range []struct {
		name  string
		write func(io.Writer, *model.Plan) error
	}{
		{"assignments.csv", report.WriteAssignmentsCSV},
		{"servers.csv", report.WriteServersCSV},
	} {
		var buf bytes.Buffer
		if err := f.write(&buf, plan); err != nil {
			return err
		}
		if err := writeOutput(filepath.Join(dir, f.name), buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}
