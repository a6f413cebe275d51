package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/binpack/backtest"
	planner "github.com/kvmfit/kvmfit/binpack/plan"
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
	// Model holds the model's flags that are not plain Settings fields (plan_model.go).
	Model modelFlags
	// RiskOrigins is the most rolling-origin validations run to predict
	// the plan's overload (0 = no prediction); RiskMaxServers the largest
	// fleet they run on.
	RiskOrigins, RiskMaxServers int
}

// AddFlags registers the plan flags.
func (o *PlanOptions) AddFlags(fs *pflag.FlagSet) {
	d := model.DefaultSettings
	fs.StringArrayVar(&o.Data, "data", nil, "dataset directory `DIR` (repeatable)")
	fs.StringVar(&o.HostsFile, "hosts", "", "candidate host catalog `FILE` (YAML, see samples/hosts.yaml)")
	fs.StringVar(&o.Settings.HostType, "host-type", "", "host model to plan for, by `NAME` in the catalog (default: the cheapest that places the most servers)")
	fs.StringVar(&o.OutJSON, "out", "plan.json", "where to write the plan (JSON; assignments.csv and servers.csv go beside it)")
	fs.StringVar(&o.ReportHTML, "report", "", "where to write the HTML report (none if empty)")
	fs.DurationVar(&o.Step, "step", time.Duration(d.StepSec)*time.Second, "alignment grid step; must divide a day")
	fs.Float64Var(&o.Settings.Percentile, "percentile", d.Percentile, "sizing percentile per time slot over the days (weeks) of data, every resource (see --percentile-for)")
	fs.StringVar(&o.Settings.SlotStat, "slot-stat", d.SlotStat, "per-interval statistic fed to the percentile: max or mean")
	fs.StringToStringVar(&o.Ceilings, "ceiling", nil, "utilisation ceiling in percent per `RESOURCE=PCT`, e.g. cpu=70,mem=95 (resources: cpu, mem, disk_iops, disk_bytes, net_bytes)")
	var ceil []string
	for dim := model.Dim(0); dim < model.NumDims; dim++ {
		ceil = append(ceil, fmt.Sprintf("%s=%g", dim, d.CeilingPct[dim.String()]))
	}
	fs.Lookup("ceiling").DefValue = strings.Join(ceil, ",")
	fs.Float64Var(&o.Settings.CPUVirtFactor, "cpu-virt-factor", d.CPUVirtFactor, "CPU demand multiplier for virtualisation overhead")
	fs.Float64Var(&o.Settings.HostReserveCores, "host-reserve-cores", d.HostReserveCores, "cores each host keeps for itself")
	byteSizeVar(fs, &o.Settings.HostReserveMemBytes, "host-reserve-mem-bytes", d.HostReserveMemBytes, "memory each host keeps for itself, e.g. 8GiB or 8589934592")
	for _, f := range []string{"cpu-virt-factor", "host-reserve-cores", "host-reserve-mem-bytes"} {
		presetDefault(fs, f)
	}
	fs.Float64Var(&o.Settings.EnergyPricePerKWh, "energy-price", d.EnergyPricePerKWh, "energy price per kWh, in the catalog's currency")
	fs.Float64Var(&o.Settings.Years, "years", d.Years, "years of operation counted in the cost")
	fs.Float64Var(&o.Settings.StorageGrowthFactor, "storage-growth-factor", d.StorageGrowthFactor, "a VM's disks take the server's used storage bytes times this (thin-provisioned, growth over the plan's life)")
	fs.Float64Var(&o.Settings.StorageCeilingPct, "storage-ceiling-pct", d.StorageCeilingPct, "fill ceiling of a host's local storage or of a storage pool, percent")
	fs.IntVar(&o.RiskMaxServers, "risk-max-servers", 2000, "largest fleet the risk prediction runs on (0 = any; larger fleets skip it with a note: each origin is one more plan)")
	fs.IntVar(&o.RiskOrigins, "risk-origins", 3, "predict the overload of the month after the data from this many rolling-origin validations inside it: plan on the weeks before a week boundary, replay the week after (0 = no prediction; each is one more plan)")
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
model's analytics: per server its data confidence (1-5 stars), CPU
saturation, growth trend and a right-sized VM; per host and for the fleet
the coincidence factor of the peaks; groups of servers that peak together;
with --ksm the memory KSM could save (shown, never packed).

It writes the plan as JSON (schema in docs/format.md; every formula and
default in docs/model.md), assignments.csv and servers.csv next to it and,
with --report, a self-contained HTML report: all of them or none, every
path checked before the work starts. A summary on stderr gives the host
counts against the baselines and how far the data can be trusted.`,
		Example: `  kvmfit samples generate --servers 40 --days 14 --seed 1 --out samples/fleet
  kvmfit plan --data samples/fleet --hosts samples/hosts.yaml --out out/plan.json --report out/report.html
  kvmfit plan --data dc1/ --data dc2/ --hosts samples/hosts.yaml --host-type 2u-2s48c-768g --percentile 99 --ceiling cpu=70
  kvmfit plan --data fleet/ --hosts hosts.yaml --profile week --percentile-for mem=100 --virt kvm-emulated --ksm
  kvmfit plan --data fleet/ --hosts hosts.yaml --growth-pct-per-year 10 --horizon 12`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return planRun(opts, streams)
		},
	}
	opts.AddFlags(cmd.Flags())
	registerPlanCompletions(cmd)
	return cmd
}

// registerPlanCompletions offers shell completions for the values of the
// plan flags: the presets, profiles and statistics, the host models of
// the --hosts catalog given on the command line, and files.
func registerPlanCompletions(cmd *cobra.Command) {
	var presets []string
	for _, p := range model.VirtPresets {
		presets = append(presets, p.Name)
	}
	_ = cmd.RegisterFlagCompletionFunc("virt", fixedValues(presets...))
	_ = cmd.RegisterFlagCompletionFunc("profile", fixedValues(string(model.ProfileDay), string(model.ProfileWeek), string(model.ProfileFull)))
	_ = cmd.RegisterFlagCompletionFunc("slot-stat", fixedValues("max", "mean"))
	_ = cmd.RegisterFlagCompletionFunc("host-type", func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		path, _ := cmd.Flags().GetString("hosts")
		if path == "" {
			return cobra.AppendActiveHelp(nil, "give --hosts FILE first: the host models are those of its catalog"), cobra.ShellCompDirectiveNoFileComp
		}
		cat, err := model.ReadCatalog(path)
		if err != nil {
			return cobra.AppendActiveHelp(nil, err.Error()), cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, h := range cat.Hosts {
			out = append(out, h.Name+"\t"+h.Description)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
	for _, f := range []string{"hosts", "constraints", "existing"} {
		_ = cmd.MarkFlagFilename(f, "yaml", "yml")
	}
	_ = cmd.MarkFlagDirname("data")
}

// fixedValues completes a flag with one of values.
func fixedValues(values ...string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
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
	if err := setDimValues("ceiling", o.Ceilings, o.Settings.CeilingPct); err != nil {
		return err
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
	req, err := opts.request()
	if err != nil {
		return err
	}
	outs := opts.outputs()
	for _, o := range outs {
		if err := checkWritable(o.flag, o.path); err != nil {
			return err
		}
	}
	req.Profile.BaselineSizes = true
	prog := newProgress(streams, "plan")
	stage := ""
	req.Profile.Progress = func(done, total int) { prog.Phase("profiling servers", done, total) }
	req.Pack.Progress = func(phase string, done, total int) { prog.Phase(stage+phase, done, total) }
	plan, in, err := planner.Run(req)
	if err != nil {
		prog.Done()
		return err
	}
	stage = "risk prediction: "
	prog.Phase("risk prediction", 0, 0)
	plan.Risk, err = backtest.PlanRisk(req, plan, opts.RiskOrigins, opts.RiskMaxServers)
	if err != nil {
		prog.Done()
		return err
	}
	stage = ""
	prog.Phase("writing the outputs", 0, 0)
	files, err := planOutputs(opts, plan, in)
	if err == nil {
		err = writeOutputs(files)
	}
	prog.Done()
	if err != nil {
		return err
	}
	fmt.Fprintf(streams.Err, "%s → %d × %s (%d for the load, lower bound %d, + %d spare for N+%d); sum of peaks would need %d for the load, saving %.1f%%; per-VM P95 × 1.3 %d, saving %.1f%%; %d unplaced\n",
		count(plan.Servers, "server"), plan.HostsUsed, plan.HostType, plan.HostsWithoutHA, plan.LowerBound, plan.HostsUsed-plan.HostsWithoutHA, plan.HA.Level,
		plan.Baselines.SumOfPeaks.HostsUsed, plan.SavingVsSumOfPeaksPct,
		plan.Baselines.PercentileComfort.HostsUsed, plan.SavingVsPercentileComfortPct, len(plan.Unplaced))
	fmt.Fprintln(streams.Err, confidenceNote(plan))
	if o := plan.Overhead; o.HostsCost >= 0 {
		fmt.Fprintf(streams.Err, "virtualisation (%s) costs %d of the %s for the load\n", o.Virt, o.HostsCost, count(plan.HostsWithoutHA, "host"))
	}
	return nil
}

// count says n things: "1 server", "3 servers".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// outputPath is a file a command will write, and the flag that names it.
type outputPath struct{ flag, path string }

// outputs are the files `kvmfit plan` writes.
func (o *PlanOptions) outputs() []outputPath {
	dir := filepath.Dir(o.OutJSON)
	out := []outputPath{{"--out", o.OutJSON}, {"--out", filepath.Join(dir, "assignments.csv")}, {"--out", filepath.Join(dir, "servers.csv")}}
	if o.ReportHTML != "" {
		out = append(out, outputPath{"--report", o.ReportHTML})
	}
	return out
}

// planOutputs renders every file of `kvmfit plan`: plan.json, the CSV
// exports beside it and, with --report, the HTML report.
func planOutputs(opts *PlanOptions, plan *model.Plan, in *planner.PlanInput) ([]outputFile, error) {
	data, err := json.MarshalIndent(plan, "", "  ")
	if err != nil {
		return nil, err
	}
	files := []outputFile{{opts.OutJSON, append(data, '\n')}}
	csvs, err := csvExports(filepath.Dir(opts.OutJSON), plan)
	if err != nil {
		return nil, err
	}
	files = append(files, csvs...)
	if opts.ReportHTML != "" {
		var buf bytes.Buffer
		if err := report.Write(&buf, report.Input{Plan: plan, Demand: in.Demand}); err != nil {
			return nil, fmt.Errorf("write report %s: %w", opts.ReportHTML, err)
		}
		files = append(files, outputFile{opts.ReportHTML, buf.Bytes()})
	}
	return files, nil
}

// confidenceNote says in one line how far the plan's data can be trusted:
// its span against Settings.MinDays and RecommendedDays, and the share of
// the expected samples present (the fleet's stars).
func confidenceNote(p *model.Plan) string {
	s := p.Settings
	days := 0.0
	first, err1 := time.Parse(time.RFC3339, p.Grid.DataStart)
	last, err2 := time.Parse(time.RFC3339, p.Grid.DataEnd)
	if err1 == nil && err2 == nil {
		days = last.Sub(first).Hours() / 24
	}
	c := p.Fleet.Confidence
	var verdict string
	switch {
	case days < s.MinDays:
		verdict = fmt.Sprintf("a guess: fewer than %g days of data", s.MinDays)
	case days < s.RecommendedDays:
		verdict = fmt.Sprintf("indicative: fewer than %g days of data, weekly cycles not seen", s.RecommendedDays)
	case c.Stars <= 2:
		verdict = fmt.Sprintf("uncertain: only %.0f%% of the expected samples are present", c.PresentPct)
	default:
		verdict = fmt.Sprintf("%d of 5 stars", c.Stars)
	}
	note := fmt.Sprintf("confidence: %s (from %.1f days of data, %.0f%% of the expected samples present", verdict, days, c.PresentPct)
	if n := c.Insufficient; n > 0 {
		note += fmt.Sprintf("; %s with less than %g days", count(n, "server"), s.MinDays)
	}
	return note + ")"
}

// request reads the host catalog and the packer's files and returns the
// plan request the options make. A --host-type that is not in the catalog
// is a usage error.
func (o *PlanOptions) request() (planner.Request, error) {
	cat, err := model.ReadCatalog(o.HostsFile)
	if err != nil {
		return planner.Request{}, err
	}
	if t := o.Settings.HostType; t != "" {
		if _, ok := cat.Find(t); !ok {
			return planner.Request{}, usageErrorf("--host-type %q: no such host model in %s%s", t, o.HostsFile, didYouMean(t, cat.Names(), "models"))
		}
	}
	pack, err := o.Pack.options()
	if err != nil {
		return planner.Request{}, err
	}
	return planner.Request{Data: o.Data, Catalog: cat, Settings: o.Settings, Pack: pack, GeneratedBy: "kvmfit " + version}, nil
}

// csvExports renders assignments.csv and servers.csv for dir
// (docs/format.md, "CSV exports").
func csvExports(dir string, plan *model.Plan) ([]outputFile, error) {
	var files []outputFile
	for _, f := range []struct {
		name  string
		write func(io.Writer, *model.Plan) error
	}{
		{"assignments.csv", report.WriteAssignmentsCSV},
		{"servers.csv", report.WriteServersCSV},
	} {
		var buf bytes.Buffer
		if err := f.write(&buf, plan); err != nil {
			return nil, err
		}
		files = append(files, outputFile{filepath.Join(dir, f.name), buf.Bytes()})
	}
	return files, nil
}
