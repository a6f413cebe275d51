package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/kvmfit/kvmfit/binpack/backtest"
	planner "github.com/kvmfit/kvmfit/binpack/plan"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
	"github.com/kvmfit/kvmfit/model/profile"
	"github.com/kvmfit/kvmfit/report"
	"github.com/spf13/cobra"
)

// BacktestOptions are the options of `kvmfit backtest`: the plan's options
// plus the windows and the baselines.
type BacktestOptions struct {
	Plan PlanOptions
	// Train and Test are durations such as 14d or 336h; Test "" = the rest.
	Train, Test string
	// ReplayStat is the slot statistic replayed as the actual load.
	ReplayStat string
	// BaselinePct and BaselineComfort size the per-VM percentile baseline.
	BaselinePct     float64
	BaselineComfort float64
	Bootstrap       int
	Seed            uint64
	JSON            bool
	PlanOut         string
}

// DefaultBacktestOptions are the backtest defaults: Azure Migrate's P95 ×
// 1.3 for the percentile baseline, 50 bootstrap replicates.
var DefaultBacktestOptions = BacktestOptions{ReplayStat: "mean", BaselinePct: 95, BaselineComfort: 1.3, Bootstrap: 50, Seed: 1}

func newBacktestCmd(streams IO) *cobra.Command {
	opts := DefaultBacktestOptions
	opts.Plan.Settings = model.DefaultSettings.Clone()
	cmd := &cobra.Command{
		Annotations: map[string]string{interruptExit: ""},
		Use:         "backtest --data DIR... --hosts FILE --train 14d [--test 14d] [plan flags] [--json] [--out FILE]",
		Short:       "Test a plan against later history: minutes over capacity for kvmfit and two baselines",
		Long: `Backtest builds the plan from a training window (the first --train of data,
rounded up to the next UTC midnight) and replays the demand actually measured
in the test window that follows (--test, default the rest) against the plan's
hosts and assignments, slot by slot. The actual demand goes through the same
conversion as the plan (CPU normalisation, virtualisation factor, CPU cost of
I/O, per-VM memory overhead) but without the sizing margins (comfort,
growth, saturation uplift); --replay-stat picks the slot mean (default: the
load a host carries over 5 minutes) or the slot max. A server without data
in a slot adds nothing to it (test coverage is reported).

Two baselines are planned on the same training data and the same host
model, packed by the same packer, and replayed the same way:
  sum_of_peaks        every server at its training peak, every resource
  percentile_comfort  every server at the --baseline-percentile of its
                      training slots × --baseline-comfort, per resource,
                      without time alignment (Azure Migrate: P95 × 1.3)
Baselines use the interval max of each slot (Azure's collector keeps the
peak of each interval).

For each method it reports hosts used, minutes over each host's ceiling
(overload) and over 100 % of its capacity (raw less the host reserve), the
share of host-minutes overloaded, the worst overload and the servers
involved. The bootstrap resamples the training days (--bootstrap reps, the
same days for every server) and reports the median and P95 host count.
It warns when the training window misses known cycles (fewer than 7 days,
no month-end). docs/backtest.md describes the method and the JSON.

Every plan flag applies to kvmfit's plan (--mix is off: every method uses
one host model). Exit status 0 even when hosts overload (this is a report);
1 on errors, 2 on usage errors.`,
		Example: `  kvmfit import bitbrains --out data/ ../shared/data/bitbrains-rnd/2013-7/*.csv
  kvmfit backtest --data data/ --hosts hosts.yaml --train 14d
  kvmfit backtest --data data/ --hosts hosts.yaml --host-type tiny-4c --train 14d --test 7d --percentile 99 --json
  kvmfit backtest --data data/ --hosts hosts.yaml --train 14d --profile week --replay-stat max --out backtest.json --plan-out plan.json
  kvmfit backtest --data data/ --hosts hosts.yaml --train 7d --baseline-percentile 99 --baseline-comfort 1 --bootstrap 200 --seed 7`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return backtestRun(&opts, streams)
		},
	}
	fs := cmd.Flags()
	opts.Plan.AddFlags(fs)
	opts.Plan.OutJSON = ""
	if f := fs.Lookup("out"); f != nil {
		f.DefValue, f.Usage = "", "where to write the backtest JSON (none if empty; --json prints it instead of the table)"
	}
	if f := fs.Lookup("report"); f != nil {
		f.Usage = "where to write the HTML report of the plan built from the training window (none if empty)"
	}
	opts.Plan.Pack.Mix = false
	_ = fs.MarkHidden("mix")
	fs.StringVar(&opts.Train, "train", "", "length of the training window from the first sample, e.g. 14d or 336h (required; rounded up to a UTC midnight)")
	fs.StringVar(&opts.Test, "test", "", "length of the test window after training, e.g. 14d (default: the rest of the data)")
	fs.StringVar(&opts.ReplayStat, "replay-stat", opts.ReplayStat, "slot statistic replayed as the actual load: mean or max")
	fs.Float64Var(&opts.BaselinePct, "baseline-percentile", opts.BaselinePct, "percentile of the per-VM baseline (Azure Migrate: 95)")
	fs.Float64Var(&opts.BaselineComfort, "baseline-comfort", opts.BaselineComfort, "comfort factor of the per-VM baseline (Azure Migrate: 1.3)")
	fs.IntVar(&opts.Bootstrap, "bootstrap", opts.Bootstrap, "bootstrap replicates of the training days for the host-count spread (0 = none)")
	fs.Uint64Var(&opts.Seed, "seed", opts.Seed, "seed of the bootstrap")
	fs.BoolVar(&opts.JSON, "json", false, "print the backtest JSON instead of the table")
	fs.StringVar(&opts.PlanOut, "plan-out", "", "where to write the plan built from the training window (plan.json format; none if empty)")
	return cmd
}

// parseDays parses a duration with an optional day unit: "14d", "1.5d", "36h".
func parseDays(s string) (time.Duration, error) {
	if strings.HasSuffix(s, "d") {
		v, err := strconv.ParseFloat(strings.TrimSuffix(s, "d"), 64)
		if err != nil || !(v > 0) || v > 36500 {
			return 0, fmt.Errorf("%q: not a positive number of days", s)
		}
		return time.Duration(v * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: not a positive duration (e.g. 14d, 336h)", s)
	}
	return d, nil
}

// backtestServer is what the backtest keeps of one server besides its plan profile.
type backtestServer struct {
	actual *profile.Result // test window, actualSettings; nil without test data
	peak   model.Capacity  // training peak (sum of peaks), memory overhead included
	pctl   model.Capacity  // training percentile × comfort, memory overhead included
	hasTrn bool
	days   *profile.Result // training, plan settings with the full profile (bootstrap)
}

func backtestRun(o *BacktestOptions, streams IO) error {
	po := &o.Plan
	if err := po.resolve(); err != nil {
		return err
	}
	if o.Train == "" {
		return usageErrorf("backtest needs --train (e.g. --train 14d)")
	}
	train, err := parseDays(o.Train)
	if err != nil {
		return usageErrorf("--train %w", err)
	}
	var test time.Duration
	if o.Test != "" {
		if test, err = parseDays(o.Test); err != nil {
			return usageErrorf("--test %w", err)
		}
	}
	if o.ReplayStat != "mean" && o.ReplayStat != "max" {
		return usageErrorf("--replay-stat %q: must be mean or max", o.ReplayStat)
	}
	if !(o.BaselinePct > 0 && o.BaselinePct <= 100) || !(o.BaselineComfort >= 1 && o.BaselineComfort <= 10) {
		return usageErrorf("--baseline-percentile must be in (0, 100] and --baseline-comfort in [1, 10]")
	}
	if o.Bootstrap < 0 || o.Bootstrap > 10000 {
		return usageErrorf("--bootstrap %d: must be in [0, 10000]", o.Bootstrap)
	}
	if po.Pack.Mix {
		return usageErrorf("--mix: a backtest compares the methods on one host model")
	}
	s := po.Settings
	cat, err := model.ReadCatalog(po.HostsFile)
	if err != nil {
		return err
	}
	first, n, err := fleetFirstSample(po.Data)
	if err != nil {
		return err
	}
	split := backtest.SplitInstant(first, train)
	var testEnd time.Time
	if test > 0 {
		testEnd = split.Add(test)
	}
	actualS := s.Clone()
	actualS.Profile, actualS.SlotStat, actualS.Percentile, actualS.PercentileByDim = "full", o.ReplayStat, 100, nil
	actualS.ComfortFactor, actualS.SaturationUplift, actualS.HorizonMonths, actualS.GrowthPctPerYear = 1, 1, 0, 0
	bootS := s.Clone()
	bootS.Profile = "full"
	per := make([]backtestServer, n)
	var mu sync.Mutex
	var hookErr error
	each := func(k int, srv *model.Server) {
		if k >= len(per) {
			mu.Lock()
			hookErr = fmt.Errorf("the datasets changed while being read (%d servers, then more)", n)
			mu.Unlock()
			return
		}
		trn, tst := backtest.SplitServer(srv, split)
		if !testEnd.IsZero() {
			tst.Series = backtest.Window(&tst.Series, split, testEnd)
		}
		var bs backtestServer
		fail := func(err error) {
			if err != nil && !errors.Is(err, profile.ErrNoSamples) {
				mu.Lock()
				if hookErr == nil {
					hookErr = fmt.Errorf("%s: %w", srv.Dir, err)
				}
				mu.Unlock()
			}
		}
		if tst.Series.Len() > 0 {
			p, err := profile.Server(tst, actualS)
			fail(err)
			bs.actual = p
		}
		if trn.Series.Len() > 0 {
			peak, pctl, err := profile.PeakAndPercentileSizes(trn, s, o.BaselinePct, o.BaselineComfort)
			fail(err)
			if err == nil {
				bs.hasTrn = true
				bs.peak, bs.pctl = peak, pctl
			}
			if o.Bootstrap > 0 {
				p, err := profile.Server(trn, bootS)
				fail(err)
				bs.days = p
			}
		}
		per[k] = bs
	}
	in, err := profileFleet(po.Data, s, profile.Options{Each: each, Until: split}, streams)
	if hookErr != nil {
		return hookErr
	}
	if err != nil {
		return fmt.Errorf("training window (before %s): %w", split.Format(time.RFC3339), err)
	}
	if len(in.Servers) != n {
		return fmt.Errorf("the datasets changed while being read (%d servers, then %d)", n, len(in.Servers))
	}
	in.Catalog = cat
	in.GeneratedBy = "kvmfit " + version
	if err := po.Pack.apply(in); err != nil {
		return err
	}
	var peaks, pctls []model.FlatSize
	for k, bs := range per {
		if bs.hasTrn {
			id := in.Servers[k].ID
			peaks = append(peaks, model.FlatSize{ID: id, Size: bs.peak})
			pctls = append(pctls, model.FlatSize{ID: id, Size: bs.pctl})
		}
	}
	in.Pack.Mix = false
	// The training plan carries the per-VM P95 × 1.3 baseline from the
	// same sizes as the backtest's, when the backtest uses Azure's numbers.
	if o.BaselinePct == model.BaselinePercentile && o.BaselineComfort == model.BaselineComfort {
		in.PercentileComfort = pctls
	} else {
		in.Pack.PercentileBaseline = false
	}
	plan, err := planner.BuildPlan(*in)
	if err != nil {
		return err
	}
	analyzePlan(plan, in.Demand, in.Servers, s)
	spec, ok := cat.Find(plan.HostType)
	if !ok {
		return fmt.Errorf("the plan chose host type %q, which is not a catalog model", plan.HostType)
	}
	// Baselines and the bootstrap: the same packer, settings and options,
	// on the plan's host model only.
	tmpl := *in
	if len(in.Pack.Existing) == 0 {
		tmpl.Catalog = &model.Catalog{Currency: cat.Currency, Hosts: []model.HostSpec{spec}}
	}
	tmpl.Settings = s.Clone()
	tmpl.Settings.HostType = spec.Name
	tmpl.Warnings = nil
	// Baselines and bootstrap plans need neither baselines nor a sweep.
	tmpl.Pack.PercentileBaseline, tmpl.Pack.SensitivityMaxServers = false, 0
	tmpl.PercentileComfort, tmpl.PercentileDemands = nil, nil
	// The actual demand of the test window on one grid.
	actual, testServers := actualDemand(per, in.Servers, split, testEnd, s.Step())
	rep := &backtest.Report{
		FormatVersion: model.FormatVersion, GeneratedBy: "kvmfit " + version,
		TrainStart: first.UTC().Format(time.RFC3339), TrainEnd: split.Format(time.RFC3339),
		TrainDays: roundTo(split.Sub(first).Hours()/24, 3),
		TestStart: split.Format(time.RFC3339), TestEnd: actual.Start.Add(time.Duration(actual.Slots) * actual.Step).Format(time.RFC3339),
		TestDays: roundTo(float64(actual.Slots)*actual.Step.Hours()/24, 3), StepSec: s.StepSec,
		ReplayStat: o.ReplayStat, HostType: spec.Name, Servers: len(in.Servers), TestServers: testServers,
		TestCoveragePct: roundTo(backtest.Coverage(actual), 2), Settings: plan.Settings, Warnings: []string{},
	}
	rep.Warnings = append(rep.Warnings, backtest.MissingCycles(first, split)...)
	if actual.Slots == 0 || testServers == 0 {
		return fmt.Errorf("no data after the training window (which ends %s): shorten --train", split.Format(time.RFC3339))
	}
	ours := methodResult(backtest.MethodKvmfit, fmt.Sprintf("kvmfit: time-aligned %s profile at P%g of the slot %s, packed on the time-aligned sum", s.Profile, s.Percentile, s.SlotStat), plan, actual)
	rep.Methods = append(rep.Methods, ours)
	for _, b := range []struct {
		name, desc string
		sizes      []model.FlatSize
	}{
		{backtest.MethodSumOfPeaks, "sum of peaks: every server at its training peak (slot max), per resource", peaks},
		{backtest.MethodPercentile, fmt.Sprintf("per-VM percentile × comfort without time alignment: P%g of the training slots (slot max) × %g, per resource (Azure Migrate)", o.BaselinePct, o.BaselineComfort), pctls},
	} {
		bin := tmpl
		bin.Demand = model.FlatDemand(b.sizes, split, s.Step())
		bp, err := planner.BuildPlan(bin)
		if err != nil {
			return fmt.Errorf("baseline %s: %w", b.name, err)
		}
		rep.Methods = append(rep.Methods, methodResult(b.name, b.desc, bp, actual))
	}
	if o.Bootstrap > 0 {
		day0 := first.UTC().Truncate(24 * time.Hour)
		days := &backtest.Days{Start: day0, Step: s.Step(), Days: int(split.Sub(day0) / (24 * time.Hour))}
		for k, bs := range per {
			if bs.days != nil {
				bs.days.Demand.ID = in.Servers[k].ID
				days.Servers = append(days.Servers, backtest.NewServerDays(bs.days, day0, days.Days))
			}
		}
		bt := tmpl
		bt.Grid = in.Grid
		prog := newProgress(streams, "bootstrap")
		count := 0
		pack := backtest.PlanPacker(bt)
		rep.Bootstrap, err = backtest.Bootstrap(days, s, o.Bootstrap, o.Seed, func(d *model.Demand) (int, error) {
			count++
			prog.Update(int64(count), int64(o.Bootstrap))
			return pack(d)
		})
		prog.Done()
		if err != nil {
			return err
		}
		if rep.Bootstrap.P95Hosts > plan.HostsUsed {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("the host count is uncertain: resampled training days need up to %d hosts at P95 (the plan has %d)", rep.Bootstrap.P95Hosts, plan.HostsUsed))
		}
	} else {
		rep.Bootstrap = backtest.BootstrapResult{Hosts: []int{}}
	}
	if n := len(ours.NotReplayed); n > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d servers with test data are on no host of kvmfit's plan (unplaced, or without training data): their load is not replayed", n))
	}
	// The training plan and its report carry the backtest too.
	plan.Backtest = rep
	if po.ReportHTML != "" {
		if err := report.WriteFile(po.ReportHTML, report.Input{Plan: plan, Demand: in.Demand}); err != nil {
			return fmt.Errorf("write report %s: %w", po.ReportHTML, err)
		}
	}
	if o.PlanOut != "" {
		data, err := json.MarshalIndent(plan, "", "  ")
		if err != nil {
			return err
		}
		if err := writeOutput(o.PlanOut, append(data, '\n')); err != nil {
			return err
		}
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if po.OutJSON != "" {
		if err := writeOutput(po.OutJSON, data); err != nil {
			return err
		}
	}
	if o.JSON {
		_, err := streams.Out.Write(data)
		return err
	}
	return writeBacktestTable(streams.Out, rep)
}

// methodResult replays the actual demand on a plan.
func methodResult(name, desc string, p *model.Plan, actual *model.Demand) backtest.MethodResult {
	m := backtest.MethodResult{Method: name, Description: desc, HostsUsed: p.HostsUsed, HostsWithoutHA: p.HostsWithoutHA, Unplaced: []string{}}
	for _, u := range p.Unplaced {
		m.Unplaced = append(m.Unplaced, u.Server)
	}
	m.BacktestOutcome = backtest.Replay(backtest.HostsFromPlan(p), actual)
	m.Failures = backtest.ReplayFailures(p, actual)
	return m
}

// actualDemand places every server's test-window demand on one grid from
// split to testEnd (or to the end of the last test sample, rounded up to a
// step), NaN where a server has no data. It returns the number of servers
// with test data.
func actualDemand(per []backtestServer, servers []model.PlanServer, split, testEnd time.Time, step time.Duration) (*model.Demand, int) {
	end := testEnd
	if end.IsZero() {
		for _, bs := range per {
			if bs.actual != nil && bs.actual.Last.After(end) {
				end = bs.actual.Last
			}
		}
	}
	slots := 0
	if end.After(split) {
		slots = int((end.Sub(split) + step - 1) / step)
	}
	d := &model.Demand{Start: split, Step: step, Slots: slots, Profile: "full"}
	n := 0
	for k, bs := range per {
		p := bs.actual
		if p == nil {
			continue
		}
		n++
		sd := model.ServerDemand{ID: servers[k].ID}
		off := int(p.FullStart.Sub(split) / step)
		present := make([]bool, slots)
		for dm := model.Dim(0); dm < model.NumDims; dm++ {
			row := make([]float64, slots)
			for T := range row {
				row[T] = math.NaN()
				if t := T - off; p.Full[dm] != nil && t >= 0 && t < len(p.Full[dm]) {
					row[T] = float64(p.Full[dm][t])
				}
				if !math.IsNaN(row[T]) {
					present[T] = true
				}
			}
			sd.Values[dm] = row
		}
		// A resource never measured takes its constant (installed memory,
		// or 0) where the server has any data.
		for dm := model.Dim(0); dm < model.NumDims; dm++ {
			if p.Full[dm] != nil {
				continue
			}
			for T, ok := range present {
				if ok {
					sd.Values[dm][T] = p.Demand.Values[dm][0] // constant
				}
			}
		}
		d.Servers = append(d.Servers, sd)
	}
	return d, n
}

// fleetFirstSample returns the first sample time over every server of the
// datasets and the number of servers.
func fleetFirstSample(dirs []string) (time.Time, int, error) {
	var first time.Time
	var all []string
	for _, d := range dirs {
		sub, err := dataset.ServerDirs(d)
		if err != nil {
			return first, 0, err
		}
		all = append(all, sub...)
	}
	// Read on a few workers; the minimum does not depend on the order.
	starts := make([]int64, len(all))
	errs := make([]error, len(all))
	next := make(chan int, len(all))
	for k := range all {
		next <- k
	}
	close(next)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), 8) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				srv, err := dataset.ReadServer(all[k])
				switch {
				case err != nil:
					errs[k] = fmt.Errorf("%s: %w", filepath.Clean(all[k]), err)
				case srv.Series.Len() > 0:
					starts[k] = srv.Series.Start[0]
				default:
					starts[k] = math.MaxInt64
				}
			}
		}()
	}
	wg.Wait()
	n := len(all)
	for k := range all {
		if errs[k] != nil {
			return first, 0, errs[k]
		}
		if starts[k] == math.MaxInt64 {
			continue
		}
		if t := time.Unix(starts[k], 0).UTC(); first.IsZero() || t.Before(first) {
			first = t
		}
	}
	if first.IsZero() {
		return first, n, fmt.Errorf("no server in %v has samples", dirs)
	}
	return first, n, nil
}

// methodLabel is a method's name in the table.
func methodLabel(m backtest.MethodResult, r *backtest.Report) string {
	switch m.Method {
	case backtest.MethodKvmfit:
		return fmt.Sprintf("kvmfit (%s, P%g, slot %s)", r.Settings.Profile, r.Settings.Percentile, r.Settings.SlotStat)
	case backtest.MethodSumOfPeaks:
		return "sum of peaks"
	default:
		return "per-VM percentile × comfort"
	}
}

func writeBacktestTable(w io.Writer, r *backtest.Report) error {
	fmt.Fprintf(w, "train %s → %s (%.1f days), test → %s (%.1f days), %d of %d servers with test data, coverage %.1f%%\n",
		r.TrainStart, r.TrainEnd, r.TrainDays, r.TestEnd, r.TestDays, r.TestServers, r.Servers, r.TestCoveragePct)
	fmt.Fprintf(w, "host type %s, actual load = slot %s\n\n", r.HostType, r.ReplayStat)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "method\thosts\tHA spares\tunplaced\toverload min\thost-min over %\tworst over %\tover 100% min\t")
	for _, m := range r.Methods {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%g\t%.3f\t%.1f\t%g\t\n", methodLabel(m, r), m.HostsUsed, m.HostsUsed-m.HostsWithoutHA, len(m.Unplaced), m.OverloadMinutes, m.OverloadHostMinutesPct, m.WorstOverloadPct, m.OverCapacityMinutes)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, m := range r.Methods {
		hosts := slices.Clone(m.Hosts)
		slices.SortStableFunc(hosts, func(a, b backtest.HostReplay) int { return cmp.Compare(b.OverloadMinutes, a.OverloadMinutes) })
		for k, h := range hosts {
			if h.OverloadMinutes == 0 {
				break
			}
			if k == 5 {
				fmt.Fprintf(w, "  %s: %d more hosts overloaded (--json lists them)\n", m.Method, m.HostsOverloaded-k)
				break
			}
			inv := h.Involved
			more := ""
			if len(inv) > 5 {
				inv, more = inv[:5], fmt.Sprintf(" and %d more", len(h.Involved)-5)
			}
			fmt.Fprintf(w, "  %s %s: %g min over the ceiling, %g over 100%%, worst +%.1f%% %s at %s; servers %s%s\n",
				m.Method, h.Host, h.OverloadMinutes, h.OverCapacityMinutes, h.WorstOverloadPct, h.WorstDim, h.WorstAt, strings.Join(inv, ", "), more)
		}
	}
	for _, m := range r.Methods {
		if len(m.Failures) == 0 {
			continue
		}
		worst, mins, n := m.Failures[0], 0.0, 0
		for _, f := range m.Failures {
			mins += f.OverloadMinutes
			if f.OverloadMinutes > 0 {
				n++
			}
			if f.OverloadMinutes > worst.OverloadMinutes {
				worst = f
			}
		}
		fmt.Fprintf(w, "  %s under HA failures: %d of %d scenarios overload; worst: %s failed, %g min over the ceiling, %g over 100%%\n",
			m.Method, n, len(m.Failures), strings.Join(worst.Failed, "+"), worst.OverloadMinutes, worst.OverCapacityMinutes)
	}
	if b := r.Bootstrap; b.Reps > 0 {
		fmt.Fprintf(w, "\nbootstrap (%d replicates of the training days, seed %d): median %d hosts, P95 %d (range %d–%d)\n", b.Reps, b.Seed, b.MedianHosts, b.P95Hosts, b.MinHosts, b.MaxHosts)
	}
	for _, x := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", x)
	}
	return nil
}
