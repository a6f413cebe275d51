package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kvmfit/kvmfit/binpack/backtest"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/report"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
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
		Long:        backtestLong,
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
	opts.addFlags(cmd.Flags())
	registerPlanCompletions(cmd)
	_ = cmd.RegisterFlagCompletionFunc("replay-stat", fixedValues("mean", "max"))
	return cmd
}

// addFlags registers the backtest flags: every plan flag (--mix hidden:
// the methods share one host model) and the windows and baselines.
func (o *BacktestOptions) addFlags(fs *pflag.FlagSet) {
	o.Plan.AddFlags(fs)
	o.Plan.OutJSON = ""
	if f := fs.Lookup("out"); f != nil {
		f.DefValue, f.Usage = "", "where to write the backtest JSON (none if empty; --json prints it instead of the table)"
	}
	if f := fs.Lookup("report"); f != nil {
		f.Usage = "where to write the HTML report of the plan built from the training window (none if empty)"
	}
	o.Plan.Pack.Mix = false
	_ = fs.MarkHidden("mix")
	fs.StringVar(&o.Train, "train", "", "length of the training window from the first sample, e.g. 14d or 336h (required; rounded up to a UTC midnight)")
	fs.StringVar(&o.Test, "test", "", "length of the test window after training, e.g. 14d (default: the rest of the data)")
	fs.StringVar(&o.ReplayStat, "replay-stat", o.ReplayStat, "slot statistic replayed as the actual load: mean or max")
	fs.Float64Var(&o.BaselinePct, "baseline-percentile", o.BaselinePct, "percentile of the per-VM baseline (Azure Migrate: 95)")
	fs.Float64Var(&o.BaselineComfort, "baseline-comfort", o.BaselineComfort, "comfort factor of the per-VM baseline (Azure Migrate: 1.3)")
	fs.IntVar(&o.Bootstrap, "bootstrap", o.Bootstrap, "bootstrap replicates of the training days for the host-count spread (0 = none)")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "seed of the bootstrap")
	fs.BoolVar(&o.JSON, "json", false, "print the backtest JSON instead of the table")
	fs.StringVar(&o.PlanOut, "plan-out", "", "where to write the plan built from the training window (plan.json format; none if empty)")
}

// backtestLong is the help text of kvmfit backtest.
const backtestLong = `Backtest builds the plan from a training window (the first --train of data,
rounded up to the next UTC midnight) and replays the demand actually measured
in the test window that follows (--test, default the rest) against the plan's
hosts and assignments, slot by slot. The actual demand goes through the same
conversion as the plan (CPU normalisation, virtualisation factor, CPU cost of
I/O, per-VM memory overhead, the cap at what each VM's vCPUs can use) but
without the sizing margins (comfort, growth, saturation uplift, evidence
reserve); --replay-stat picks the slot mean (default: the load a host
carries over 5 minutes) or the slot max. A server without data in a slot
adds nothing to it (test coverage is reported).

Two baselines are planned on the same training data and the same host
model, packed by the same search (without kvmfit's levelling), and replayed
the same way:
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
no month-end). With --risk-origins (default 3) the training plan also
predicts its overload from rolling origins inside the training window, and
the table prints that prediction beside the actual. docs/backtest.md
describes the method and the JSON.

Every plan flag applies to kvmfit's plan (--mix is off: every method uses
one host model). Exit status 0 even when hosts overload (this is a report);
1 on errors, 2 on usage errors.`

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

func backtestRun(o *BacktestOptions, streams IO) error {
	bo, err := o.options()
	if err != nil {
		return err
	}
	for _, out := range []outputPath{{"--out", o.Plan.OutJSON}, {"--plan-out", o.PlanOut}, {"--report", o.Plan.ReportHTML}} {
		if err := checkWritable(out.flag, out.path); err != nil {
			return err
		}
	}
	prog := newProgress(streams, "backtest")
	bo.Plan.Profile.Progress = func(done, total int) { prog.Phase("profiling servers", done, total) }
	bo.Plan.Pack.Progress = func(phase string, done, total int) { prog.Phase(phase, done, total) }
	bo.Progress = func(stage string, done, total int) { prog.Phase(stage, done, total) }
	res, err := backtest.Run(bo)
	prog.Done()
	if err != nil {
		return err
	}
	return o.write(res, streams)
}

// options checks the flags and turns them into the backtest's options.
func (o *BacktestOptions) options() (backtest.Options, error) {
	var bo backtest.Options
	po := &o.Plan
	if err := po.resolve(); err != nil {
		return bo, err
	}
	if o.Train == "" {
		return bo, usageErrorf("backtest needs --train (e.g. --train 14d)")
	}
	train, err := parseDays(o.Train)
	if err != nil {
		return bo, usageErrorf("--train %w", err)
	}
	var test time.Duration
	if o.Test != "" {
		if test, err = parseDays(o.Test); err != nil {
			return bo, usageErrorf("--test %w", err)
		}
	}
	switch {
	case o.ReplayStat != "mean" && o.ReplayStat != "max":
		return bo, usageErrorf("--replay-stat %q: must be mean or max", o.ReplayStat)
	case !(o.BaselinePct > 0 && o.BaselinePct <= 100) || !(o.BaselineComfort >= 1 && o.BaselineComfort <= 10):
		return bo, usageErrorf("--baseline-percentile must be in (0, 100] and --baseline-comfort in [1, 10]")
	case o.Bootstrap < 0 || o.Bootstrap > 10000:
		return bo, usageErrorf("--bootstrap %d: must be in [0, 10000]", o.Bootstrap)
	case po.Pack.Mix:
		return bo, usageErrorf("--mix: a backtest compares the methods on one host model")
	}
	req, err := po.request()
	if err != nil {
		return bo, err
	}
	return backtest.Options{Plan: req, Train: train, Test: test, ReplayStat: o.ReplayStat,
		BaselinePct: o.BaselinePct, BaselineComfort: o.BaselineComfort, Bootstrap: o.Bootstrap, Seed: o.Seed,
		RiskOrigins: po.RiskOrigins, RiskMaxServers: po.RiskMaxServers}, nil
}

// write writes what the flags ask for: the training plan's report and
// plan.json, the backtest JSON (all of them or none), and the JSON or the
// table on stdout.
func (o *BacktestOptions) write(res *backtest.Result, streams IO) error {
	var files []outputFile
	if o.Plan.ReportHTML != "" {
		var buf bytes.Buffer
		if err := report.Write(&buf, report.Input{Plan: res.Plan, Demand: res.Input.Demand}); err != nil {
			return fmt.Errorf("write report %s: %w", o.Plan.ReportHTML, err)
		}
		files = append(files, outputFile{o.Plan.ReportHTML, buf.Bytes()})
	}
	for _, f := range []struct {
		path string
		v    any
	}{{o.PlanOut, res.Plan}, {o.Plan.OutJSON, res.Report}} {
		if f.path == "" {
			continue
		}
		data, err := json.MarshalIndent(f.v, "", "  ")
		if err != nil {
			return err
		}
		files = append(files, outputFile{f.path, append(data, '\n')})
	}
	if err := writeOutputs(files); err != nil {
		return err
	}
	if o.JSON {
		data, err := json.MarshalIndent(res.Report, "", "  ")
		if err != nil {
			return err
		}
		_, err = streams.Out.Write(append(data, '\n'))
		return err
	}
	return writeBacktestTable(streams.Out, res.Report)
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

// writeBacktestTable prints the report as a table: the methods, their most
// overloaded hosts, their HA failures, the predicted risk beside the
// actual, the bootstrap and the warnings.
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
		writeOverloadedHosts(w, m)
	}
	for _, m := range r.Methods {
		writeFailures(w, m)
	}
	writePredicted(w, r)
	if b := r.Bootstrap; b.Reps > 0 {
		fmt.Fprintf(w, "\nbootstrap (%d replicates of the training days, seed %d): median %d hosts, P95 %d (range %d–%d)\n", b.Reps, b.Seed, b.MedianHosts, b.P95Hosts, b.MinHosts, b.MaxHosts)
	}
	for _, x := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", x)
	}
	return nil
}

// writeOverloadedHosts prints a method's five most overloaded hosts.
func writeOverloadedHosts(w io.Writer, m backtest.MethodResult) {
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

// writeFailures prints how a method's plan fared under its HA failures.
func writeFailures(w io.Writer, m backtest.MethodResult) {
	if len(m.Failures) == 0 {
		return
	}
	worst, n := m.Failures[0], 0
	for _, f := range m.Failures {
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

// writePredicted prints what the training plan predicted beside what the
// replay found, both per 30 days.
func writePredicted(w io.Writer, r *backtest.Report) {
	pr := r.PredictedRisk
	if pr == nil || len(r.Methods) == 0 {
		return
	}
	if len(pr.Origins) == 0 {
		fmt.Fprintf(w, "\npredicted risk: %s\n", pr.Note)
		return
	}
	k := r.Methods[0]
	days := k.ObservedMinutes / (24 * 60)
	if days <= 0 {
		return
	}
	per := 30 / days
	fmt.Fprintf(w, "\npredicted vs actual, kvmfit's host-minutes per 30 days (%d rolling origins inside the training window):\n", len(pr.Origins))
	fmt.Fprintf(w, "  over the ceiling:       predicted %g (range %g–%g), actual %.0f\n", pr.OverCeilingMinutesPerMonth.Predicted, pr.OverCeilingMinutesPerMonth.Low, pr.OverCeilingMinutesPerMonth.High, k.OverloadMinutes*per)
	fmt.Fprintf(w, "  over 100%% of capacity: predicted %g (range %g–%g), actual %.0f\n", pr.OverCapacityMinutesPerMonth.Predicted, pr.OverCapacityMinutesPerMonth.Low, pr.OverCapacityMinutesPerMonth.High, k.OverCapacityMinutes*per)
}
