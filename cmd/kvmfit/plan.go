package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/kvmfit/kvmfit/binpack"
	"github.com/kvmfit/kvmfit/model"
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
	fs.Float64Var(&o.Settings.Percentile, "percentile", d.Percentile, "percentile per time of day over the days of data")
	fs.StringVar(&o.Settings.SlotStat, "slot-stat", d.SlotStat, "per-interval statistic fed to the percentile: max or mean")
	fs.StringToStringVar(&o.Ceilings, "ceiling", nil, "utilisation ceiling per resource in percent, e.g. cpu=80,mem=90 (resources: cpu, mem, disk_iops, disk_bytes, net_bytes)")
	fs.Float64Var(&o.Settings.CPUVirtFactor, "cpu-virt-factor", d.CPUVirtFactor, "CPU demand multiplier for virtualisation overhead")
	fs.Float64Var(&o.Settings.HostReserveCores, "host-reserve-cores", d.HostReserveCores, "cores each host keeps for itself")
	fs.Float64Var(&o.Settings.HostReserveMemBytes, "host-reserve-mem-bytes", d.HostReserveMemBytes, "memory bytes each host keeps for itself")
	fs.Float64Var(&o.Settings.EnergyPricePerKWh, "energy-price", d.EnergyPricePerKWh, "energy price per kWh, in the catalog's currency")
	fs.Float64Var(&o.Settings.Years, "years", d.Years, "years of operation counted in the cost")
	o.Pack.AddFlags(fs)
}

func newPlanCmd(streams IO) *cobra.Command {
	opts := &PlanOptions{Settings: model.DefaultSettings.Clone()}
	cmd := &cobra.Command{
		Use:   "plan --data DIR... --hosts FILE [--host-type NAME] [--out plan.json] [--report report.html]",
		Short: "Plan which servers go on which KVM hosts, and how many hosts",
		Long: `Plan aligns every server's samples onto a UTC grid (5 minutes by default),
builds a daily demand profile per server (the chosen percentile, per time of
day, over the days of data), adds the virtualisation overhead, and packs the
servers onto each candidate host model with a time-aware first-fit decreasing:
a server fits a host only if, in every time slot and for every resource, the
sum of demands stays under the host's usable capacity (capacity less the host
reserve, times the resource's ceiling).

It also computes a lower bound on the number of hosts and the sum-of-peaks
baseline (every server sized at its own peak), and writes the plan as JSON
(schema in docs/format.md) and, with --report, a self-contained HTML report.`,
		Example: `  kvmfit samples generate --servers 40 --days 14 --seed 1 --out samples/fleet
  kvmfit plan --data samples/fleet --hosts samples/hosts.yaml --out out/plan.json --report out/report.html
  kvmfit plan --data dc1/ --data dc2/ --hosts hosts.yaml --host-type r650-2x24 --percentile 99 --ceiling cpu=70`,
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
	in, err := profileDatasets(opts.Data, opts.Settings, streams)
	if err != nil {
		return err
	}
	in.Catalog = cat
	in.GeneratedBy = "kvmfit " + version
	if err := opts.Pack.apply(in); err != nil {
		return err
	}
	plan, err := binpack.BuildPlan(*in)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(plan, "", "  ")
	if err != nil {
		return err
	}
	if err := writeOutput(opts.OutJSON, append(data, '\n')); err != nil {
		return err
	}
	if opts.ReportHTML != "" {
		if err := report.WriteFile(opts.ReportHTML, report.Input{Plan: plan, Demand: in.Demand}); err != nil {
			return fmt.Errorf("write report %s: %w", opts.ReportHTML, err)
		}
	}
	fmt.Fprintf(streams.Err, "%d servers → %d × %s (lower bound %d; sum of peaks would need %d, saving %.1f%%); %d unplaced\n",
		plan.Servers, plan.HostsUsed, plan.HostType, plan.LowerBound, plan.Baselines.SumOfPeaks.HostsUsed, plan.SavingVsSumOfPeaksPct, len(plan.Unplaced))
	return nil
}

// writeOutput writes data to path atomically, creating its directory.
func writeOutput(path string, data []byte) error {
	if err := mkdirFor(path); err != nil {
		return err
	}
	return model.WriteFileAtomic(path, data, 0o644)
}

// profileDatasets reads every server of the datasets one at a time and
// profiles it, so memory holds one server's samples at a time.
func profileDatasets(dirs []string, s model.Settings, streams IO) (*binpack.PlanInput, error) {
	type entry struct {
		dataset, dir string
	}
	var entries []entry
	for _, d := range dirs {
		sub, err := model.ServerDirs(d)
		if err != nil {
			return nil, err
		}
		for _, x := range sub {
			entries = append(entries, entry{filepath.Clean(d), x})
		}
	}
	prog := newProgress(streams, "profiling servers")
	defer prog.Done()
	in := &binpack.PlanInput{Settings: s}
	spd := int(24 * time.Hour / s.Step())
	in.Demand = &model.Demand{Step: s.Step(), Slots: spd, Profile: s.Profile}
	var first, last time.Time
	type covered struct {
		idx int
		sec int64
	}
	var cov []covered
	seen := map[string]bool{}
	for n, e := range entries {
		prog.Update(int64(n), int64(len(entries)))
		srv, err := model.ReadServer(e.dir)
		if err != nil {
			return nil, err
		}
		id := srv.ID
		if seen[id] {
			id = filepath.Base(e.dataset) + "/" + srv.ID
		}
		seen[id] = true
		srv.ID = id
		ps := model.PlanServer{ID: id, Hostname: srv.Inventory.Hostname, Source: srv.Inventory.Source, Dataset: e.dataset, PeakDemand: model.DimValues{}}
		for _, w := range srv.Warnings {
			ps.Warnings = append(ps.Warnings, w.Error())
		}
		prof, err := model.Profile(srv, s)
		if errors.Is(err, model.ErrNoSamples) {
			ps.Warnings = append(ps.Warnings, "no samples")
			in.NoData = append(in.NoData, model.Unplaced{Server: id, Dim: "", Reason: "no samples: nothing to size"})
			in.Servers = append(in.Servers, ps)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.dir, err)
		}
		ps.Warnings = append(ps.Warnings, prof.Warnings...)
		ps.CPUCoresRef = prof.CPU.CoresRef
		for d := model.Dim(0); d < model.NumDims; d++ {
			ps.PeakDemand[d.String()] = roundTo(prof.Demand.Peak(d), 6)
		}
		if first.IsZero() || prof.First.Before(first) {
			first = prof.First
		}
		if prof.Last.After(last) {
			last = prof.Last
		}
		cov = append(cov, covered{len(in.Servers), prof.CoveredSec})
		in.Servers = append(in.Servers, ps)
		in.Demand.Servers = append(in.Demand.Servers, prof.Demand)
	}
	prog.Update(int64(len(entries)), int64(len(entries)))
	if len(in.Demand.Servers) == 0 {
		return nil, fmt.Errorf("no server in %v has samples", dirs)
	}
	span := last.Sub(first).Seconds()
	for _, c := range cov {
		in.Servers[c.idx].CoveragePct = roundTo(100*float64(c.sec)/span, 2)
	}
	in.Demand.Start = first.Truncate(24 * time.Hour)
	in.Grid = model.PlanGrid{
		DataStart: first.Format(time.RFC3339), DataEnd: last.Format(time.RFC3339),
		StepSec: s.StepSec, Profile: s.Profile, Slots: spd,
	}
	if days := last.Sub(first).Hours() / 24; days < 7 {
		in.Warnings = append(in.Warnings, fmt.Sprintf("only %.1f days of data: weekly cycles are not seen (7 or more recommended)", days))
	}
	return in, nil
}
