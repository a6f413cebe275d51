package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/samples"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func newSamplesCmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "samples COMMAND",
		Short: "Generate the bundled sample fleet",
		Long: `Samples generates synthetic datasets of legacy servers in the collector's
format, for trying kvmfit without data of your own (see samples generate).`,
		Example: "  kvmfit samples generate --servers 40 --days 14 --seed 1 --out samples/fleet",
	}
	cmd.AddCommand(newSamplesGenerateCmd(streams))
	return cmd
}

// generateFlags are the flags of samples generate.
type generateFlags struct {
	opts                            samples.GenerateOptions
	out, start                      string
	changing                        bool
	sleepDays, wakeLoad, shiftHours string
}

func newSamplesGenerateCmd(streams IO) *cobra.Command {
	preset := samples.ChangingFleet
	g := &generateFlags{
		sleepDays:  formatRange(float64(preset.SleepDays[0]), float64(preset.SleepDays[1])),
		wakeLoad:   formatRange(preset.WakeLoad[0], preset.WakeLoad[1]),
		shiftHours: formatRange(float64(preset.BatchShiftHours[0]), float64(preset.BatchShiftHours[1])),
	}
	cmd := &cobra.Command{
		Use:     "generate --servers N --days D --seed S --out DIR",
		Short:   "Generate a deterministic, realistic fleet of legacy servers",
		Long:    generateLong(),
		Example: generateExample,
		Args:    noArgs,
		RunE:    func(cmd *cobra.Command, args []string) error { return g.run(cmd, streams) },
	}
	g.addFlags(cmd.Flags())
	return cmd
}

// generateLong is the help text of samples generate.
func generateLong() string {
	preset := samples.ChangingFleet
	var names []string
	for _, a := range samples.Archetypes {
		names = append(names, "  "+a.Name+": "+a.Description)
	}
	return `Generate writes a synthetic dataset of legacy physical servers with daily and
weekly cycles, month-end peaks, noise and short spikes, in the same format as
the collector. The same options always give the same bytes.

` + fmt.Sprintf(`A changing fleet (off by default) tests plans that must hold next month:
servers that sleep and then wake, SQL batches that move later, and extra
month-end load on file and web servers. --changing turns all three on:
%.0f %% of the servers (domain controllers excepted) sleep, %.0f %% of the SQL
batches move and %.0f %% of the file and web servers peak at month end; the
finer flags set each change. Each changed server's inventory notes say
what changes and when ("changes: ...").
`, 100*preset.Sleepers, 100*preset.BatchShifters, 100*preset.MonthEnd) + `
Archetypes:
` + strings.Join(names, "\n")
}

// generateExample are the examples of samples generate.
const generateExample = `  kvmfit samples generate --servers 40 --days 14 --seed 1 --out samples/fleet
  # two months that change: plan on July, backtest on August
  kvmfit samples generate --servers 150 --days 61 --start 2026-07-01 --changing --batch-shift-days 31 --out fleet-changing
  # only sleepers: a quarter of the servers idle 25–35 days, then at 2× load
  kvmfit samples generate --days 61 --sleepers 0.25 --sleep-days 25-35 --wake-load 2 --out fleet-sleepers
  # every SQL batch moves 18 h later (to 19:00 UTC) after 14 days
  kvmfit samples generate --days 28 --batch-shifters 1 --batch-shift-days 14 --batch-shift-hours 18 --out fleet-batch
  # month-end closing at 3× load on every file and web server
  kvmfit samples generate --days 31 --month-end 1 --month-end-load 3 --out fleet-monthend
  # compact samples: about half the bytes, each value within 0.39 % (8 significant bits)
  kvmfit samples generate --servers 1000 --days 30 --precision-bits 8 --out fleet-compact`

// addFlags registers the flags of samples generate.
func (g *generateFlags) addFlags(f *pflag.FlagSet) {
	preset := samples.ChangingFleet
	f.IntVar(&g.opts.Servers, "servers", 40, "number of servers")
	f.IntVar(&g.opts.Days, "days", 14, "days of data")
	f.Uint64Var(&g.opts.Seed, "seed", 1, "random seed")
	f.StringVar(&g.out, "out", "", "dataset directory to write")
	f.StringVar(&g.start, "start", "", "UTC date of the first day (default 2026-01-05, a Monday)")
	f.DurationVar(&g.opts.Step, "step", 5*time.Minute, "sample interval")
	f.BoolVar(&g.changing, "changing", false, "a fleet that changes over time: sleepers, moving SQL batches and month-end peaks at the preset shares (the finer flags override them)")
	f.Float64Var(&g.opts.Changes.Sleepers, "sleepers", 0, fmt.Sprintf("share (0–1) of servers, domain controllers excepted, that sleep then wake (--changing: %g)", preset.Sleepers))
	f.StringVar(&g.sleepDays, "sleep-days", g.sleepDays, "days a sleeper sleeps from the start, MIN-MAX or N, drawn per sleeper")
	f.StringVar(&g.wakeLoad, "wake-load", g.wakeLoad, "a sleeper's load after waking, MIN-MAX or N × its archetype's normal load, drawn per sleeper")
	f.Float64Var(&g.opts.Changes.BatchShifters, "batch-shifters", 0, fmt.Sprintf("share (0–1) of SQL servers whose nightly batch moves later (--changing: %g); half move at once, half drift 1 h a day", preset.BatchShifters))
	f.IntVar(&g.opts.Changes.BatchShiftDays, "batch-shift-days", preset.BatchShiftDays, "days on the old batch schedule before it moves")
	f.StringVar(&g.shiftHours, "batch-shift-hours", g.shiftHours, "hours the batch moves later, MIN-MAX or N within 1-20, drawn per server")
	f.Float64Var(&g.opts.Changes.MonthEnd, "month-end", 0, fmt.Sprintf("share (0–1) of file and web servers with month-end peaks (--changing: %g)", preset.MonthEnd))
	addPrecisionFlag(f, &g.opts.PrecisionBits)
	f.Float64Var(&g.opts.Changes.MonthEndLoad, "month-end-load", preset.MonthEndLoad, "load factor 08:00–20:00 UTC on the last two workdays of each month")
}

// run generates the fleet the flags describe.
func (g *generateFlags) run(cmd *cobra.Command, streams IO) error {
	opts := &g.opts
	if g.out == "" {
		return usageErrorf("samples generate needs --out DIR")
	}
	if err := g.changeFlags(cmd.Flags()); err != nil {
		return err
	}
	if err := checkPrecisionFlag(opts.PrecisionBits); err != nil {
		return err
	}
	if g.start != "" {
		t, err := parseStart(g.start)
		if err != nil {
			return err
		}
		opts.Start = t
	}
	p := newProgress(streams, "generating")
	opts.Progress = func(done, total int) { p.Update(int64(done), int64(total)) }
	err := samples.Generate(g.out, *opts)
	p.Done()
	if err != nil {
		return err
	}
	fmt.Fprintf(streams.Err, "generated %d servers × %d days into %s\n", opts.Servers, opts.Days, g.out)
	if n, err := samples.CountChanges(*opts); err == nil && n != (samples.ChangeCounts{}) {
		fmt.Fprintf(streams.Err, "changing: %d servers sleep, %d SQL batches move, %d servers peak at month end (see the \"changes:\" inventory notes)\n",
			n.Sleepers, n.BatchShifters, n.MonthEnd)
	}
	return nil
}

// changeFlags fills the Changes of samples generate: --changing sets the
// shares not given explicitly to the preset's, and the ranges are parsed.
func (g *generateFlags) changeFlags(fs *pflag.FlagSet) error {
	ch := &g.opts.Changes
	if g.changing {
		p := samples.ChangingFleet
		unlessGiven(fs, []flagDefault{
			{"sleepers", &ch.Sleepers, p.Sleepers},
			{"batch-shifters", &ch.BatchShifters, p.BatchShifters},
			{"month-end", &ch.MonthEnd, p.MonthEnd},
		})
	}
	switch {
	case ch.BatchShiftDays < 1:
		return usageErrorf("--batch-shift-days %d: want at least 1", ch.BatchShiftDays)
	case !(ch.MonthEndLoad > 0):
		return usageErrorf("--month-end-load %g: want a positive factor", ch.MonthEndLoad)
	}
	lo, hi, err := parseRange("sleep-days", g.sleepDays, true)
	if err != nil {
		return err
	}
	ch.SleepDays = [2]int{int(lo), int(hi)}
	if ch.WakeLoad[0], ch.WakeLoad[1], err = parseRange("wake-load", g.wakeLoad, false); err != nil {
		return err
	}
	if lo, hi, err = parseRange("batch-shift-hours", g.shiftHours, true); err != nil {
		return err
	}
	ch.BatchShiftHours = [2]int{int(lo), int(hi)}
	return nil
}

// parseRange parses "MIN-MAX" or "N" (= N-N) of positive numbers, whole
// numbers if whole is set.
func parseRange(flag, s string, whole bool) (lo, hi float64, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if !isRange {
		b = a
	}
	lo, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	hi, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	switch {
	case err1 != nil || err2 != nil || !(lo > 0) || math.IsInf(hi, 0):
		return 0, 0, usageErrorf("--%s %q: want MIN-MAX or N, positive numbers", flag, s)
	case whole && (lo != math.Trunc(lo) || hi != math.Trunc(hi)):
		return 0, 0, usageErrorf("--%s %q: want whole numbers", flag, s)
	case hi < lo:
		return 0, 0, usageErrorf("--%s %q: the smaller number comes first", flag, s)
	}
	return lo, hi, nil
}

// formatRange writes a range as parseRange reads it.
func formatRange(lo, hi float64) string {
	if lo == hi {
		return strconv.FormatFloat(lo, 'g', -1, 64)
	}
	return strconv.FormatFloat(lo, 'g', -1, 64) + "-" + strconv.FormatFloat(hi, 'g', -1, 64)
}
